/*
 * date: the dates feeds carry, to Unix seconds (UTC).
 *
 * Reads RFC 822/1123/2822 with the variants seen in the wild (no weekday,
 * full weekday and month names, no seconds, two-digit years, named and
 * military zones, "GMT+hh:mm", asctime order), and W3C-DTF / RFC 3339 /
 * ISO 8601 (fractions, offsets, date-only, space instead of "T").
 * Anything it cannot read completely is rejected: a feed's date is either
 * what the document says or FEED_TIME_NONE, never a guess.
 */
#ifndef FEEDD_DATE_H
#define FEEDD_DATE_H

#include <stdbool.h>
#include <stdint.h>

/* Unix seconds, or FEED_TIME_NONE (from feed.h) when s is not a date. */
int64_t	date_parse(const char *s);
/* "YYYY-MM-DDTHH:MM:SSZ"; false (out = "") for years outside 1..9999. */
bool	date_format_iso(int64_t t, char out[21]);

#endif
