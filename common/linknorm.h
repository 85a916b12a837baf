/*
 * linknorm: one spelling per article link, so that the same article reached
 * through two feeds (or with different tracking tags) compares equal.
 *
 * The URL is parsed with libcurl's CURLU. Scheme and host are lower-cased,
 * the default port and the fragment dropped, tracking parameters (utm_*,
 * fbclid, gclid and friends) removed from the query, and a trailing slash
 * dropped from any path but "/". Everything else is kept as written.
 */
#ifndef FEEDD_LINKNORM_H
#define FEEDD_LINKNORM_H

#include <stdbool.h>

/*
 * The normalized link, to free(). NULL for NULL or empty input; a text that
 * is not an absolute URL comes back as a plain copy.
 */
char	*linknorm_dup(const char *url);
/* True if name is a query parameter that only tracks the reader. */
bool	 linknorm_is_tracking_param(const char *name, size_t len);

#endif
