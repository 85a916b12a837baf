/*
 * feed: the neutral model's copies and frees, and whole-document parsing
 * on top of the push parser.
 */
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "xmalloc.h"

void
feed_entry_copy(struct feed_entry *dst, const struct feed_entry *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->id = xstrdup_or_null(src->id);
	dst->title = xstrdup_or_null(src->title);
	dst->link = xstrdup_or_null(src->link);
	dst->published = src->published;
	dst->updated = src->updated;
	dst->summary = xstrdup_or_null(src->summary);
	dst->content = xstrdup_or_null(src->content);
	dst->author = xstrdup_or_null(src->author);
	if (src->ncategories > 0) {
		dst->categories = xreallocarray(NULL, src->ncategories,
		    sizeof(*dst->categories));
		for (i = 0; i < src->ncategories; i++)
			dst->categories[i] = xstrdup(src->categories[i]);
		dst->ncategories = src->ncategories;
	}
	if (src->nenclosures > 0) {
		dst->enclosures = xreallocarray(NULL, src->nenclosures,
		    sizeof(*dst->enclosures));
		for (i = 0; i < src->nenclosures; i++) {
			dst->enclosures[i].url =
			    xstrdup_or_null(src->enclosures[i].url);
			dst->enclosures[i].type =
			    xstrdup_or_null(src->enclosures[i].type);
			dst->enclosures[i].length = src->enclosures[i].length;
		}
		dst->nenclosures = src->nenclosures;
	}
}

void
feed_entry_clear(struct feed_entry *e)
{
	size_t i;

	free(e->id);
	free(e->title);
	free(e->link);
	free(e->summary);
	free(e->content);
	free(e->author);
	for (i = 0; i < e->ncategories; i++)
		free(e->categories[i]);
	free(e->categories);
	for (i = 0; i < e->nenclosures; i++) {
		free(e->enclosures[i].url);
		free(e->enclosures[i].type);
	}
	free(e->enclosures);
	memset(e, 0, sizeof(*e));
	e->published = FEED_TIME_NONE;
	e->updated = FEED_TIME_NONE;
}

void
feed_header_copy(struct feed_header *dst, const struct feed_header *src)
{
	*dst = *src;
	dst->title = xstrdup_or_null(src->title);
	dst->link = xstrdup_or_null(src->link);
	dst->subtitle = xstrdup_or_null(src->subtitle);
	dst->language = xstrdup_or_null(src->language);
	dst->author = xstrdup_or_null(src->author);
	dst->hub = xstrdup_or_null(src->hub);
	dst->self = xstrdup_or_null(src->self);
}

void
feed_header_clear(struct feed_header *h)
{
	free(h->title);
	free(h->link);
	free(h->subtitle);
	free(h->language);
	free(h->author);
	free(h->hub);
	free(h->self);
	memset(h, 0, sizeof(*h));
	h->updated = FEED_TIME_NONE;
}

const char *
feed_format_name(enum feed_format f)
{
	switch (f) {
	case FEED_FORMAT_RSS20:
		return "rss2.0";
	case FEED_FORMAT_RSS10:
		return "rss1.0";
	case FEED_FORMAT_RSS09X:
		return "rss0.9x";
	case FEED_FORMAT_ATOM10:
		return "atom1.0";
	case FEED_FORMAT_ATOM03:
		return "atom0.3";
	case FEED_FORMAT_JSON10:
		return "json1.0";
	case FEED_FORMAT_JSON11:
		return "json1.1";
	default:
		return "unknown";
	}
}

int64_t
feed_entry_date(const struct feed_entry *e)
{
	return e->published != FEED_TIME_NONE ? e->published : e->updated;
}

struct doc_builder {
	struct feed_doc *doc;
	size_t	 cap;
};

static bool
doc_on_entry(const struct feed_entry *e, void *arg)
{
	struct doc_builder *b = arg;
	struct feed_doc *d = b->doc;

	if (d->nentries == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		d->entries = xreallocarray(d->entries, b->cap,
		    sizeof(*d->entries));
	}
	feed_entry_copy(&d->entries[d->nentries++], e);
	return true;
}

struct feed_doc *
feed_doc_parse_chunked(const void *data, size_t len, const char *base_url,
    size_t chunk)
{
	struct feed_parser_cb cb = { NULL, doc_on_entry };
	struct doc_builder b;
	struct feed_parser *p;
	const char *err;
	char *const *warn;
	size_t off, n, i;

	b.doc = xcalloc(1, sizeof(*b.doc));
	b.cap = 0;
	b.doc->header.updated = FEED_TIME_NONE;
	p = feed_parser_new(base_url, &cb, &b);
	if (chunk == 0 || chunk >= len)
		feed_parser_push(p, data, len, true);
	else {
		/*
		 * Every piece, even after a failure: as a transfer delivers
		 * its whole body, and so that what the parser counts of the
		 * input after a break (its repairs) is what one push counts.
		 */
		for (off = 0; off < len; off += n) {
			n = len - off < chunk ? len - off : chunk;
			feed_parser_push(p, (const char *)data + off, n, false);
		}
		feed_parser_push(p, NULL, 0, true);
	}
	/* The final header, with fields that came after the items. */
	feed_header_copy(&b.doc->header, feed_parser_header(p));
	if ((err = feed_parser_error(p)) != NULL)
		b.doc->error = xstrdup(err);
	n = feed_parser_warnings(p, &warn);
	if (n > 0) {
		b.doc->warnings = xreallocarray(NULL, n,
		    sizeof(*b.doc->warnings));
		for (i = 0; i < n; i++)
			b.doc->warnings[i] = xstrdup(warn[i]);
		b.doc->nwarnings = n;
	}
	feed_parser_free(p);
	return b.doc;
}

struct feed_doc *
feed_doc_parse(const void *data, size_t len, const char *base_url)
{
	return feed_doc_parse_chunked(data, len, base_url, 0);
}

void
feed_doc_free(struct feed_doc *d)
{
	size_t i;

	if (d == NULL)
		return;
	feed_header_clear(&d->header);
	for (i = 0; i < d->nentries; i++)
		feed_entry_clear(&d->entries[i]);
	free(d->entries);
	free(d->error);
	for (i = 0; i < d->nwarnings; i++)
		free(d->warnings[i]);
	free(d->warnings);
	free(d);
}
