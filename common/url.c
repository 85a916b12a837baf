/*
 * url: feed URLs checked, hosts keyed and links resolved, via CURLU.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "strv.h"
#include "url.h"
#include "xmalloc.h"

bool
url_has_scheme(const char *s)
{
	const char *p = s;

	if (s == NULL || !isalpha((unsigned char)*p))
		return false;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.')
		p++;
	return *p == ':';
}

/* Whether url's scheme (url_has_scheme() holds) is s, in any case. */
static bool
scheme_is(const char *url, const char *s)
{
	size_t n = strlen(s);

	return strncasecmp(url, s, n) == 0 && url[n] == ':';
}

int
url_check(const char *url, int flags, char *why, size_t whylen)
{
	bool file_ok = (flags & URL_FILE_OK) != 0;
	bool http;
	CURLU *u;
	CURLUcode uc;
	char *host = NULL;
	int ret = -1;

	if (strlen(url) > URL_MAX) {
		snprintf(why, whylen, "too long (over %d bytes)", URL_MAX);
		return -1;
	}
	/* libcurl refuses it too; said here in words a person understands. */
	if (strpbrk(url, " \t\r\n") != NULL) {
		snprintf(why, whylen, "not a URL: it contains white space");
		return -1;
	}
	if (!url_has_scheme(url)) {
		snprintf(why, whylen, "not an absolute URL (expected %s)",
		    file_ok ? "http://..., https://... or file://..." :
		    "http://... or https://...");
		return -1;
	}
	http = scheme_is(url, "http") || scheme_is(url, "https");
	if (!http && !(file_ok && scheme_is(url, "file"))) {
		snprintf(why, whylen, "not an %s URL", file_ok ?
		    "http://, https:// or file://" : "http:// or https://");
		return -1;
	}
	if ((u = curl_url()) == NULL) {
		snprintf(why, whylen, "not checked (out of memory)");
		return -1;
	}
	if ((uc = curl_url_set(u, CURLUPART_URL, url, 0)) != CURLUE_OK)
		snprintf(why, whylen, "not a valid URL (%s)",
		    curl_url_strerror(uc));
	else if (http && (curl_url_get(u, CURLUPART_HOST, &host, 0) !=
	    CURLUE_OK || *host == '\0'))
		snprintf(why, whylen, "a URL without a host");
	else
		ret = 0;
	curl_free(host);
	curl_url_cleanup(u);
	return ret;
}

char *
url_host_key(const char *url)
{
	CURLU *u;
	char *h = NULL, *key;

	if ((u = curl_url()) != NULL &&
	    curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK)
		curl_url_get(u, CURLUPART_HOST, &h, 0);
	curl_url_cleanup(u);
	key = xstrdup(h != NULL ? h : "");
	curl_free(h);
	/* Host names are case-insensitive: one host, one key. */
	for (char *p = key; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return key;
}

char *
url_resolve(const char *base, const char *ref)
{
	CURLU *u;
	char *joined = NULL, *ret;

	if (ref == NULL)
		return NULL;
	if (base == NULL || *base == '\0' || url_has_scheme(ref) ||
	    !url_has_scheme(base))
		return xstrdup(ref);
	if ((u = curl_url()) == NULL)
		return xstrdup(ref);
	/*
	 * Setting a relative URL on a handle that holds one joins them;
	 * schemes curl has no support for (tag:, urn:) stay acceptable.
	 */
	if (curl_url_set(u, CURLUPART_URL, base,
	    CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, ref, CURLU_NON_SUPPORT_SCHEME |
	    CURLU_URLENCODE) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &joined, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return xstrdup(ref);
	}
	ret = xstrdup(joined);
	curl_free(joined);
	curl_url_cleanup(u);
	return ret;
}

char *
url_redacted(const char *url)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
	char *query = NULL, *ret;

	if ((u = curl_url()) == NULL || url == NULL ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return xstrdup("(unreadable URL)");
	}
	curl_url_get(u, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT);
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	ret = xasprintf("%s://%s%s%s/%s", scheme, host, port != NULL ? ":" :
	    "", port != NULL ? port : "", (path != NULL && strcmp(path, "/") !=
	    0 && *path != '\0') || query != NULL ? "\u2026" : "");
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	return ret;
}

char *
url_path(const char *url)
{
	CURLU *u;
	char *path = NULL, *ret = NULL;

	if ((u = curl_url()) != NULL &&
	    curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK)
		ret = xstrdup(*path != '\0' ? path : "/");
	curl_free(path);
	curl_url_cleanup(u);
	return ret;
}

char *
url_with_path(const char *url, const char *path)
{
	CURLU *u;
	char *out = NULL, *ret = NULL;

	if ((u = curl_url()) != NULL &&
	    curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_PATH, path, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &out, 0) == CURLUE_OK)
		ret = xstrdup(out);
	curl_free(out);
	curl_url_cleanup(u);
	return ret;
}

char **
url_secret_parts(const char *url, size_t min, size_t min_segment)
{
	const CURLUPart who[] = { CURLUPART_USER, CURLUPART_PASSWORD };
	char **ret = NULL, *part = NULL;
	const char *p, *end;
	size_t n;
	CURLU *u;

	if ((u = curl_url()) == NULL ||
	    curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		if (curl_url_get(u, who[i], &part, 0) == CURLUE_OK &&
		    strlen(part) >= min)
			strv_add(&ret, part, strlen(part));
		curl_free(part);
		part = NULL;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &part, 0) == CURLUE_OK)
		for (p = part; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
			const char *eq;

			end = p + strcspn(p, "&");
			eq = memchr(p, '=', (size_t)(end - p));
			if (eq != NULL && (n = (size_t)(end - eq - 1)) >= min)
				strv_add(&ret, eq + 1, n);
		}
	curl_free(part);
	part = NULL;
	if (curl_url_get(u, CURLUPART_PATH, &part, 0) == CURLUE_OK)
		for (p = part; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
			end = p + strcspn(p, "/");
			if ((n = (size_t)(end - p)) >= min_segment && n > 0)
				strv_add(&ret, p, n);
		}
	curl_free(part);
	curl_url_cleanup(u);
	return ret;
}
