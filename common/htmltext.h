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

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define HTMLTEXT_VERSION	1

/* Appends the text of html[0..len) to out. */
void	 htmltext_append(struct buf *out, const char *html, size_t len);
/*
 * The same, stopping once at least max bytes of text were appended: what
 * it appends is the start of what htmltext_append would (all of it when
 * the text is no longer).
 */
void	 htmltext_append_max(struct buf *out, const char *html, size_t len,
	     size_t max);
/* The text of a NUL-terminated fragment, to free(); NULL for NULL. */
char	*htmltext_dup(const char *html);
/*
 * How deep html's elements nest, at most, read from its tags alone (a
 * start tag opens, an end tag closes, void and optional-end elements add
 * nothing): one pass that tells markup gumbo would be slow on, its time
 * growing with the square of the open elements' depth.
 */
size_t	 htmltext_depth_bound(const char *html, size_t len);

/*
 * Whether an entry's summary adds no word to its content, both as text
 * (what htmltext_append makes of them): the summary's text, less one
 * trailing ellipsis ("…", "...", "[…]", "[...]"), is where the content's
 * text begins, byte for byte, and ends where a word of the content ends
 * (the content's text ends there, or the byte after it or the summary's
 * last byte is ASCII but no letter or digit; other bytes may be part of a
 * letter). Then every word, phrase, NEAR group and first word (^) of the
 * summary is one of the content too, tokenized as FTS5's unicode61 does,
 * and the summary need not be indexed. An empty text leads any content.
 * content may be only the start of the content's text if it holds at
 * least slen + 1 bytes of it (htmltext_append_max).
 *
 * The full-text index of both stores is made by this rule (the SQLite
 * store's schema step 17, PG_FTS_DOC_VERSION 3): a change to it bumps
 * HTMLTEXT_VERSION, as a change to the text does.
 */
bool	 htmltext_leads(const char *summary, size_t slen, const char *content,
	     size_t clen);
/*
 * The texts an entry is indexed by: its content's in content_text and,
 * unless it leads the content's (htmltext_leads), its summary's in
 * summary_text; both are emptied first, and NULL columns are empty.
 * Returns whether the summary is indexed (false when it is NULL).
 */
bool	 htmltext_entry(const char *summary, const char *content,
	     struct buf *summary_text, struct buf *content_text);

#endif
