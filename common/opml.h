/*
 * opml: subscription lists in OPML (http://opml.org/spec2.opml), read with
 * Expat and written as OPML 2.0.
 *
 * Reading keeps every outline that has an xmlUrl: its title (the title
 * attribute, else text), htmlUrl, and its category, the texts of the
 * enclosing outlines joined with '/' (else the first entry of a category
 * attribute). DTD entity declarations are refused and the outline count,
 * depth and attribute sizes are capped, so a hostile file costs little.
 * Writing escapes text for XML and drops bytes XML cannot carry.
 */
#ifndef FEEDD_OPML_H
#define FEEDD_OPML_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define OPML_MAX_OUTLINES	100000
#define OPML_MAX_DEPTH		32

struct opml_feed {
	char	*xml_url;
	char	*title;		/* NULL when absent */
	char	*html_url;	/* NULL when absent */
	char	*category;	/* NULL when not in any */
};

struct opml_doc {
	char	*title;		/* <head><title>, or NULL */
	struct opml_feed *feeds;
	size_t	 nfeeds;
};

/* 0, or -1 with "line N, column M: why" in err (ret is then empty). */
int	opml_parse(const void *data, size_t len, struct opml_doc *ret,
	    char *err, size_t errlen);
void	opml_doc_clear(struct opml_doc *d);

/*
 * Appends an OPML 2.0 document to out: feeds without a category first,
 * then one folder tree, each folder written once ("A", "A/B" and "A/B/C"
 * nest; folders sorted by name, feeds in a folder in the given order), so
 * reading the output gives the same categories. now is dateCreated.
 */
void	opml_write(struct buf *out, const char *title,
	    const struct opml_feed *feeds, size_t n, int64_t now);

#endif
