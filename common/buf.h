/*
 * buf: a growable byte string. data is never NULL once a buf is initialised
 * and is always NUL-terminated past len, so it can be used as a C string.
 * buf_detach() hands the memory to the caller and leaves an empty buf.
 */
#ifndef FEEDD_BUF_H
#define FEEDD_BUF_H

#include <stddef.h>

struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

void	 buf_init(struct buf *b);
void	 buf_free(struct buf *b);
void	 buf_reset(struct buf *b);
void	 buf_reserve(struct buf *b, size_t extra);
void	 buf_append(struct buf *b, const void *data, size_t len);
void	 buf_puts(struct buf *b, const char *s);
void	 buf_putc(struct buf *b, char c);
void	 buf_printf(struct buf *b, const char *fmt, ...)
	     __attribute__((format(printf, 2, 3)));
char	*buf_detach(struct buf *b);

#endif
