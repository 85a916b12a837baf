/*
 * xmalloc: allocation that cannot fail. Running out of memory is the one
 * condition the daemon does not try to survive: these abort with a message,
 * as tmux and OpenBSD daemons do. Every input-driven size is capped before it
 * reaches them.
 */
#ifndef FEEDD_XMALLOC_H
#define FEEDD_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t size);
void	*xcalloc(size_t nmemb, size_t size);
void	*xreallocarray(void *ptr, size_t nmemb, size_t size);
char	*xstrdup(const char *s);
/* NULL in, NULL out. */
char	*xstrdup_or_null(const char *s);
char	*xstrndup(const char *s, size_t n);
char	*xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
