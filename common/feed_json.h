/*
 * feed_json: the neutral model as JSON, exactly in the shape DESIGN.md
 * gives ("format", "feed", "entries", "error"), and "warnings": what the
 * parser mended to read it; absent values are null,
 * dates are "YYYY-MM-DDTHH:MM:SSZ". Used by `feedctl parse` and the API.
 * Every function returns a new reference.
 */
#ifndef FEEDD_FEED_JSON_H
#define FEEDD_FEED_JSON_H

#include <jansson.h>

#include "feed.h"

/* A date as a JSON string, or null. */
json_t	*feed_json_time(int64_t t);
json_t	*feed_json_header(const struct feed_header *h);
json_t	*feed_json_entry(const struct feed_entry *e);
json_t	*feed_json_doc(const struct feed_doc *d);

#endif
