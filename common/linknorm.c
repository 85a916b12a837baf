#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "buf.h"
#include "linknorm.h"
#include "xmalloc.h"

/* Parameters that identify a campaign or a click, never the article. */
static const char *const tracking_params[] = {
	"fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid",
	"mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
	"oly_enc_id", "vero_id", "wickedid", "twclid", "ttclid", "_ga",
};

bool
linknorm_is_tracking_param(const char *name, size_t len)
{
	size_t i;

	if (len >= 4 && strncasecmp(name, "utm_", 4) == 0)
		return true;
	for (i = 0; i < sizeof(tracking_params) / sizeof(tracking_params[0]);
	    i++) {
		if (strlen(tracking_params[i]) == len &&
		    strncasecmp(name, tracking_params[i], len) == 0)
			return true;
	}
	return false;
}

/* The query without tracking parameters; NULL when nothing is left. */
static char *
strip_query(const char *query)
{
	struct buf out;
	const char *p = query, *amp, *eq;
	size_t len, namelen;

	buf_init(&out);
	while (*p != '\0') {
		amp = strchr(p, '&');
		len = amp != NULL ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', len);
		namelen = eq != NULL ? (size_t)(eq - p) : len;
		if (len > 0 && !linknorm_is_tracking_param(p, namelen)) {
			if (out.len > 0)
				buf_putc(&out, '&');
			buf_append(&out, p, len);
		}
		p += len;
		if (*p == '&')
			p++;
	}
	if (out.len == 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_detach(&out);
}

static void
lower_part(CURLU *u, CURLUPart part)
{
	char *v = NULL, *p;

	if (curl_url_get(u, part, &v, 0) != CURLUE_OK || v == NULL)
		return;
	for (p = v; *p != '\0'; p++)
		*p = tolower((unsigned char)*p);
	curl_url_set(u, part, v, 0);
	curl_free(v);
}

char *
linknorm_dup(const char *url)
{
	CURLU *u;
	char *v = NULL, *q, *out = NULL;
	size_t len;

	if (url == NULL || *url == '\0')
		return NULL;
	if ((u = curl_url()) == NULL)
		return xstrdup(url);
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) !=
	    CURLUE_OK)
		goto plain;

	lower_part(u, CURLUPART_SCHEME);
	lower_part(u, CURLUPART_HOST);
	curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);

	if (curl_url_get(u, CURLUPART_QUERY, &v, 0) == CURLUE_OK &&
	    v != NULL) {
		q = strip_query(v);
		curl_url_set(u, CURLUPART_QUERY, q, 0);
		free(q);
		curl_free(v);
		v = NULL;
	}

	/* One policy for "/a/" vs "/a": most sites serve both. */
	if (curl_url_get(u, CURLUPART_PATH, &v, 0) == CURLUE_OK &&
	    v != NULL) {
		len = strlen(v);
		if (len > 1 && v[len - 1] == '/') {
			while (len > 1 && v[len - 1] == '/')
				v[--len] = '\0';
			curl_url_set(u, CURLUPART_PATH, v, 0);
		}
		curl_free(v);
		v = NULL;
	}

	if (curl_url_get(u, CURLUPART_URL, &v, CURLU_NO_DEFAULT_PORT) !=
	    CURLUE_OK || v == NULL)
		goto plain;
	out = xstrdup(v);
	curl_free(v);
	curl_url_cleanup(u);
	return out;
plain:
	curl_url_cleanup(u);
	return xstrdup(url);
}
