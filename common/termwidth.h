/*
 * termwidth: how many columns UTF-8 text takes on a terminal, without a
 * locale (wcwidth(3) needs one, and feedctl runs under any): combining
 * marks take 0, East Asian wide characters and emoji 2, the rest 1. A
 * byte that does not start a valid character counts as one U+FFFD.
 */
#ifndef FEEDD_TERMWIDTH_H
#define FEEDD_TERMWIDTH_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the character at s (NUL-terminated); returns its length in
 * bytes, 1 for a bad byte (then *cp is U+FFFD).
 */
size_t	termwidth_next(const unsigned char *s, uint32_t *cp);
/* Columns of one character (0, 1 or 2); control characters count 1. */
int	termwidth_char(uint32_t cp);
/* Columns of a UTF-8 string. */
size_t	termwidth_str(const char *s);

#endif
