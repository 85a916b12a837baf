/*
 * feedtext: the small text transforms feed fields need. Nothing here
 * knows about XML or the model; strings in, new strings out.
 */
#ifndef FEEDD_FEEDTEXT_H
#define FEEDD_FEEDTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* XML white space: space, tab, CR, LF. */
bool	feedtext_is_space(char c);
/* s[0..len) without surrounding XML white space, new; NULL if empty. */
char	*feedtext_trim(const char *s, size_t len);
/*
 * The name in an RSS author string (takes s): "me@example.com (Name)",
 * "Name (me@example.com)", "Name <me@example.com>" and "Name
 * me@example.com" give "Name" (feedparser's rule: drop the address, then
 * the brackets around it). A bare address stays as it is.
 */
char	*feedtext_author_name(char *s);
/*
 * Decodes b in place from base64 (standard or URL alphabet, white space
 * ignored). False, b unchanged, if it is not base64 of UTF-8 text.
 */
bool	feedtext_base64_decode(struct buf *b);

#endif
