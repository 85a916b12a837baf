/*
 * api_json: the store's structs as the API's JSON (DESIGN.md, "API").
 *
 * Promises: every string that leaves here is valid UTF-8 (invalid bytes a
 * feed sent become U+FFFD), absent values are null, dates are UTC
 * "YYYY-MM-DDTHH:MM:SSZ" or null. Returned values are new references.
 */
#ifndef FEEDD_API_JSON_H
#define FEEDD_API_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store.h"

/* s as a JSON string (repaired to UTF-8), or null for NULL. */
json_t	*api_json_str(const char *s);
/* A date, or null for 0 / FEED_TIME_NONE. */
json_t	*api_json_time(int64_t t);
/* "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes); "" for none. */
void	 api_json_format_time(int64_t t, char *buf, size_t len);

/*
 * Parsed "topics" arrays of one listing, shared between its entries: a
 * page of 1000 entries carries only a handful of distinct topic sets.
 * Zero-initialise; api_json_cache_clear() when the listing is built.
 */
#define API_JSON_CACHE_SIZE	8
struct api_json_cache {
	char	*text[API_JSON_CACHE_SIZE];
	json_t	*val[API_JSON_CACHE_SIZE];
	size_t	 n;
};

void	 api_json_cache_clear(struct api_json_cache *c);

json_t	*api_json_feed(const struct store_feed *f);
/* content: include the "content" member. */
json_t	*api_json_entry(const struct store_entry *e, bool content);
/* The same, sharing topic arrays through cache (may be NULL). */
json_t	*api_json_entry_cached(const struct store_entry *e, bool content,
	    struct api_json_cache *cache);
json_t	*api_json_poll_log(const struct store_poll_log *l);
json_t	*api_json_cursor(const struct store_cursor *c);

#endif
