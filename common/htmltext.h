/*
 * htmltext: the words of an HTML fragment, for the full-text index.
 *
 * Tags, comments and the insides of <script>/<style> are dropped (block
 * tags leave a space, inline ones like <b> none, so "<b>wo</b>rd" stays one
 * word); character references and the common named entities are decoded;
 * runs of whitespace become one space, trimmed at both ends. Bytes >= 0x80
 * pass through untouched, so valid UTF-8 in is valid UTF-8 out.
 *
 * The output feeds an FTS index that deletes rows by re-deriving their
 * text: any change to the output for some input must bump
 * HTMLTEXT_VERSION, which makes the store rebuild the index.
 */
#ifndef FEEDD_HTMLTEXT_H
#define FEEDD_HTMLTEXT_H

#include <stddef.h>

#include "buf.h"

#define HTMLTEXT_VERSION	1

/* Appends the text of html[0..len) to out. */
void	 htmltext_append(struct buf *out, const char *html, size_t len);
/* The text of a NUL-terminated fragment, to free(); NULL for NULL. */
char	*htmltext_dup(const char *html);
/*
 * How deep html's elements nest, at most, read from its tags alone (a
 * start tag opens, an end tag closes, void and optional-end elements add
 * nothing): one pass that tells markup gumbo would be slow on, its time
 * growing with the square of the open elements' depth.
 */
size_t	 htmltext_depth_bound(const char *html, size_t len);

#endif
