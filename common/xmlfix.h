/*
 * xmlfix: the mistakes that break most hand-made feeds, mended in the byte
 * stream before Expat sees it: an '&' that starts no entity or character
 * reference ("Q&A", "AT&T") becomes "&amp;"; a '<' that starts no markup
 * ("a < b") becomes "&lt;"; a character reference to a character XML
 * forbids ("&#0;", "&#x1F;") is dropped; HTML void elements in naked
 * markup are closed ("<br>" becomes "<br/>", a "</br>" goes). CDATA
 * sections, comments and processing instructions are left alone. Works on
 * any ASCII-compatible encoding, in chunks of any size (an undecided
 * reference or tag, at most XMLFIX_TAG_MAX bytes, waits for the next one).
 *
 * The parser only turns this on to re-read a document that Expat found
 * not well-formed; well-formed input passes through unchanged.
 */
#ifndef FEEDD_XMLFIX_H
#define FEEDD_XMLFIX_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define XMLFIX_TAG_MAX	4096

struct xmlfix {
	int	 state;
	struct buf carry;	/* undecided bytes from the previous chunk */
};

void	xmlfix_init(struct xmlfix *f);
void	xmlfix_clear(struct xmlfix *f);
/* Appends the mended bytes of in to out; final with the last chunk. */
void	xmlfix_push(struct xmlfix *f, const char *in, size_t len, bool final,
	    struct buf *out);

#endif
