/*
 * jsonfeed: JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) read
 * with jansson into the neutral model of feed.h. The push parser
 * (feed_parse.c) hands a document here whole once its content says it is
 * JSON; nothing else calls it.
 *
 * Mapping: title, home_page_url (link), description (subtitle), language
 * and the first of authors (1.1) / author (1.0) make the header; an item's
 * id (a number or boolean is read as its JSON text, as the specification
 * asks), url (else external_url) as its link, title, content_html (else
 * content_text, escaped as HTML), summary (plain text, escaped),
 * date_published, date_modified, its first author (else the feed's),
 * tags as categories, attachments and image as enclosures. Keys starting
 * with '_' (extensions) and whatever else the model has no field for are
 * ignored. Relative URLs are resolved against the document's URL.
 *
 * The same bounds as XML: fields cut at FEED_MAX_TEXT, lists at
 * FEED_MAX_LIST, FEED_MAX_ENTRIES entries; a document is read whole, so
 * it may be at most FEED_MAX_JSON bytes. A document that is not valid
 * JSON delivers nothing and the error says where it broke.
 */
#ifndef FEEDD_JSONFEED_H
#define FEEDD_JSONFEED_H

#include <stddef.h>

#include "feed.h"
#include "feed_repair.h"

struct jsonfeed_result {
	size_t	 delivered;	/* entries handed to on_entry */
	char	*error;		/* NULL, or what went wrong and where */
};

/*
 * Reads data (UTF-8, no byte order mark) and calls cb as the XML parser
 * would: on_header once before the first entry, on_entry per item. h gets
 * the final header (the caller owns it, cleared before the call); repairs
 * are added to rep. 0, or -1 with res->error set (entries delivered
 * before a limit stay delivered).
 */
int	jsonfeed_read(const char *data, size_t len, const char *base_url,
	    const struct feed_parser_cb *cb, void *arg, struct feed_header *h,
	    struct feed_repairs *rep, struct jsonfeed_result *res);

#endif
