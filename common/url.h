/*
 * url: making a feed's links absolute.
 *
 * url_resolve() joins a reference to a base with libcurl's URL API
 * (RFC 3986 section 5). A reference that already has a scheme is returned
 * untouched, byte for byte: only relative references are rewritten.
 */
#ifndef FEEDD_URL_H
#define FEEDD_URL_H

#include <stdbool.h>

/* True if s starts with "scheme:" (RFC 3986 3.1). */
bool	url_has_scheme(const char *s);
/*
 * A new string: ref made absolute against base. With no usable base, or a
 * reference curl cannot join, a copy of ref. NULL only if ref is NULL.
 */
char	*url_resolve(const char *base, const char *ref);

#endif
