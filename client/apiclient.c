#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "apiclient.h"
#include "buf.h"
#include "xmalloc.h"

#define APICLIENT_MAX_RESPONSE	(256 * 1024 * 1024)

const char *
apiclient_socket_path(const char *opt)
{
	static char xdg[4096];
	const char *e;
	struct stat st;

	if (opt != NULL)
		return opt;
	if ((e = getenv("FEEDD_SOCKET")) != NULL && *e != '\0')
		return e;
	if (stat("/run/feedd/feedd.sock", &st) == 0)
		return "/run/feedd/feedd.sock";
	if ((e = getenv("XDG_RUNTIME_DIR")) != NULL && *e == '/') {
		snprintf(xdg, sizeof(xdg), "%s/feedd/feedd.sock", e);
		return xdg;
	}
	return "/run/feedd/feedd.sock";
}

static size_t
write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;

	if (b->len + nmemb > APICLIENT_MAX_RESPONSE)
		return 0;
	buf_append(b, ptr, nmemb * size);
	return nmemb * size;
}

int
apiclient_request(const char *socket, const char *method, const char *path,
    json_t *body, struct apiclient_resp *ret)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	struct buf out;
	char *url, *payload = NULL;
	CURL *c;
	CURLcode rc;

	memset(ret, 0, sizeof(*ret));
	if ((c = curl_easy_init()) == NULL) {
		fprintf(stderr, "feedctl: cannot initialise libcurl\n");
		return -1;
	}
	buf_init(&out);
	url = xasprintf("http://localhost%s", path);
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "feedctl/" FEEDD_VERSION);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (body != NULL) {
		payload = json_dumps(body, JSON_COMPACT);
		hdrs = curl_slist_append(hdrs,
		    "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, payload);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		if (rc == CURLE_COULDNT_CONNECT)
			fprintf(stderr, "feedctl: feedd is not running (cannot "
			    "connect to %s)\n", socket);
		else
			fprintf(stderr, "feedctl: request to %s failed: %s\n",
			    socket, errbuf[0] ? errbuf : curl_easy_strerror(rc));
		buf_free(&out);
	} else {
		json_error_t jerr;

		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
		ret->raw = buf_detach(&out);
		ret->doc = json_loads(ret->raw, JSON_DECODE_ANY, &jerr);
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	free(payload);
	free(url);
	return rc == CURLE_OK ? 0 : -1;
}

void
apiclient_resp_clear(struct apiclient_resp *r)
{
	json_decref(r->doc);
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

void
apiclient_print_error(const struct apiclient_resp *r)
{
	const char *msg = NULL;
	json_t *e;

	if (r->doc != NULL && (e = json_object_get(r->doc, "error")) != NULL)
		msg = json_string_value(json_object_get(e, "message"));
	if (msg != NULL)
		fprintf(stderr, "feedctl: %s (HTTP %ld)\n", msg, r->status);
	else
		fprintf(stderr, "feedctl: the daemon answered HTTP %ld\n",
		    r->status);
}
