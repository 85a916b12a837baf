/*
 * url: everything feedd asks of a URL, in one place, on libcurl's URL API
 * (CURLU), so that a URL is read the same way everywhere it is looked at.
 *
 *   - url_check(): whether a URL may be fetched as a feed. The same rules
 *     hold for feedd.conf, the API (add, OPML import) and every hop of a
 *     fetch; only file:// depends on where the URL comes from (URL_FILE_OK).
 *   - url_host_key(): the host a URL counts against for per-host limits.
 *   - url_resolve(): a feed's links made absolute. A reference that already
 *     has a scheme is returned untouched, byte for byte: only relative
 *     references are rewritten (RFC 3986 section 5).
 *   - url_redacted(): a URL that may hold a secret (a hook's token in its
 *     path or query), as it may be shown in logs and answers.
 *   - url_path() and url_with_path(): a URL's path, read and replaced.
 */
#ifndef FEEDD_URL_H
#define FEEDD_URL_H

#include <stdbool.h>
#include <stddef.h>

/* The longest URL a feed may have, in bytes. */
#define URL_MAX		4096

/*
 * url_check() flags. file:// is for feeds the administrator names in
 * feedd.conf: never from the API, nor as a redirect from the network.
 */
#define URL_FILE_OK	0x1

/*
 * 0 if url may be fetched as a feed: at most URL_MAX bytes, no white space,
 * an http, https (or, with URL_FILE_OK, file) scheme in any case, readable
 * by libcurl, and a host for http(s). Else -1 and why gets a phrase that
 * reads alone ("not an http:// or https:// URL") as well as after "'URL'
 * is", for callers to put in their own message. Logs nothing.
 */
int	 url_check(const char *url, int flags, char *why, size_t whylen);

/*
 * A new string: the host that per-host politeness counts url under, as
 * libcurl reads it, lower-cased (ASCII), without port or user info; an IPv6
 * literal keeps its brackets ("[::1]"). "" for a URL without a host
 * (file://) or one libcurl cannot read. Never NULL.
 */
char	*url_host_key(const char *url);

/* True if s starts with "scheme:" (RFC 3986 3.1). */
bool	 url_has_scheme(const char *s);
/*
 * A new string: ref made absolute against base. With no usable base, or a
 * reference curl cannot join, a copy of ref. NULL only if ref is NULL.
 */
char	*url_resolve(const char *base, const char *ref);

/*
 * A new string: url's scheme, host and port only, "https://host:8443/",
 * with "…" after the slash when it has a path or query, so that tokens in
 * either (Slack's webhook path, Gotify's ?token=, ntfy's topic) and user
 * info are never shown. "(unreadable URL)" when libcurl cannot read it.
 */
char	*url_redacted(const char *url);
/*
 * What of url may be a token (NULL-terminated, free with strv_free; NULL
 * if none): its user name and password, its query values, each at least
 * min bytes long, and its path segments of at least min_segment bytes.
 */
char	**url_secret_parts(const char *url, size_t min, size_t min_segment);
/* A new string: url's path as written ("/" when empty), or NULL. */
char	*url_path(const char *url);
/*
 * A new string: url with its path replaced by path (used as written: the
 * caller encodes it) and its fragment dropped; the query stays. NULL when
 * libcurl cannot read or rebuild it.
 */
char	*url_with_path(const char *url, const char *path);

#endif
