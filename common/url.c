/*
 * url: relative links against xml:base and the document URL, via CURLU.
 */
#include <ctype.h>
#include <string.h>

#include <curl/curl.h>

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
