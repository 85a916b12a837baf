#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

const char *
apiclient_url_check(const char *url)
{
	static const char *const loopback[] = { "localhost", "[::1]", NULL };
	const char *why = "a URL such as http://127.0.0.1:8790 is needed";
	char *scheme = NULL, *host = NULL;
	CURLU *u = curl_url();
	struct in_addr in4;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (strcmp(scheme, "https") == 0)
		why = NULL;
	else if (strcmp(scheme, "http") == 0) {
		why = "over plain http the token would cross the network in "
		    "clear text: use https (a TLS proxy in front of feedd), or "
		    "a loopback address";
		/* A numeric 127/8 address: "127.x.example.org" is a name. */
		if (inet_pton(AF_INET, host, &in4) == 1 &&
		    (ntohl(in4.s_addr) >> 24) == 127)
			why = NULL;
		for (size_t i = 0; loopback[i] != NULL; i++)
			if (strcmp(host, loopback[i]) == 0)
				why = NULL;
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return why;
}

/* Where the messages say the daemon is. */
static const char *
target_name(const struct apiclient_target *t)
{
	return t->url != NULL ? t->url : t->socket;
}

/*
 * A handle for one request to the daemon; the caller frees url and the
 * headers (which it may add to, setting CURLOPT_HTTPHEADER again).
 */
static CURL *
setup(const struct apiclient_target *t, const char *method, const char *path,
    char *errbuf, char **ret_url, struct curl_slist **ret_hdrs)
{
	CURL *c;

	*ret_hdrs = NULL;
	if ((c = curl_easy_init()) == NULL) {
		fprintf(stderr, "feedctl: cannot initialise libcurl\n");
		*ret_url = NULL;
		return NULL;
	}
	if (t->url != NULL) {
		char *auth = xasprintf("Authorization: Bearer %s",
		    t->token != NULL ? t->token : "");

		/* "http://host:port/" and "/v1/..." make one slash. */
		*ret_url = xasprintf("%.*s%s", (int)(strlen(t->url) -
		    (t->url[0] != '\0' && t->url[strlen(t->url) - 1] == '/')),
		    t->url, path);
		*ret_hdrs = curl_slist_append(NULL, auth);
		free(auth);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, *ret_hdrs);
	} else if (t->user != NULL) {
		char *user = curl_easy_escape(c, t->user, 0);

		*ret_url = xasprintf("http://localhost%s%suser=%s", path,
		    strchr(path, '?') != NULL ? "&" : "?", user != NULL ?
		    user : "");
		curl_free(user);
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, t->socket);
	} else {
		*ret_url = xasprintf("http://localhost%s", path);
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, t->socket);
	}
	curl_easy_setopt(c, CURLOPT_URL, *ret_url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "feedctl/" FEEDD_VERSION);
	return c;
}

/* True if the caller is in group gid (primary or supplementary). */
static bool
in_group(gid_t gid)
{
	gid_t groups[256];
	int n;

	if (getegid() == gid)
		return true;
	if ((n = getgroups((int)(sizeof(groups) / sizeof(groups[0])),
	    groups)) == -1)
		return false;
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

/*
 * Why the daemon's socket cannot be connected to, told by what is at the
 * path: nothing, something else than a socket, a socket we may not write
 * to (the group), or a socket nobody listens on.
 */
static void
report_socket(const char *path)
{
	struct group *gr;
	struct stat st;

	if (stat(path, &st) == -1) {
		if (errno == EACCES)
			fprintf(stderr, "feedctl: permission denied: cannot "
			    "reach %s\n", path);
		else
			fprintf(stderr, "feedctl: feedd is not running (no "
			    "socket at %s)\n", path);
	} else if (!S_ISSOCK(st.st_mode))
		fprintf(stderr, "feedctl: %s is not a socket\n", path);
	else if (access(path, W_OK) == -1 && errno == EACCES) {
		gr = getgrgid(st.st_gid);
		if (gr != NULL && !in_group(st.st_gid))
			fprintf(stderr, "feedctl: permission denied: you are "
			    "not in group %s (the group of %s)\n", gr->gr_name,
			    path);
		else
			fprintf(stderr, "feedctl: permission denied: %s\n",
			    path);
	} else
		fprintf(stderr, "feedctl: feedd is not running (nothing "
		    "listens on %s)\n", path);
}

static void
report_failure(const struct apiclient_target *t, CURLcode rc,
    const char *errbuf)
{
	if (rc == CURLE_COULDNT_CONNECT && t->url == NULL)
		report_socket(t->socket);
	else if (rc == CURLE_COULDNT_CONNECT)
		fprintf(stderr, "feedctl: feedd is not running (cannot "
		    "connect to %s)\n", target_name(t));
	else
		fprintf(stderr, "feedctl: request to %s failed: %s\n",
		    target_name(t), errbuf[0] ? errbuf : curl_easy_strerror(rc));
}

int
apiclient_send(const struct apiclient_target *t, const char *method,
    const char *path, const char *content_type, const void *body, size_t len,
    struct apiclient_resp *ret)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs;
	struct buf out;
	char *url, *ctype = NULL;
	CURL *c;
	CURLcode rc;

	memset(ret, 0, sizeof(*ret));
	if ((c = setup(t, method, path, errbuf, &url, &hdrs)) == NULL)
		return -1;
	buf_init(&out);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (body != NULL) {
		ctype = xasprintf("Content-Type: %s", content_type);
		hdrs = curl_slist_append(hdrs, ctype);
		/* No "Expect: 100-continue" round trip for big bodies. */
		hdrs = curl_slist_append(hdrs, "Expect:");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		report_failure(t, rc, errbuf);
		buf_free(&out);
	} else {
		json_error_t jerr;

		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &ret->status);
		ret->len = out.len;
		ret->raw = buf_detach(&out);
		ret->doc = json_loadb(ret->raw, ret->len, JSON_DECODE_ANY,
		    &jerr);
	}
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	free(ctype);
	free(url);
	return rc == CURLE_OK ? 0 : -1;
}

int
apiclient_request(const struct apiclient_target *t, const char *method,
    const char *path, json_t *body, struct apiclient_resp *ret)
{
	char *payload = NULL;
	int rc;

	if (body != NULL)
		payload = json_dumps(body, JSON_COMPACT);
	rc = apiclient_send(t, method, path, "application/json", payload,
	    payload != NULL ? strlen(payload) : 0, ret);
	free(payload);
	return rc;
}

struct stream_ctx {
	CURL	*c;
	struct buf line;
	struct buf err;		/* body of a non-200 answer */
	long	 status;
	int	(*on_line)(const char *, size_t, void *);
	void	*arg;
	bool	 stopped;
};

static size_t
stream_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct stream_ctx *sc = arg;
	size_t n = size * nmemb, i;
	char *nl;

	if (sc->status == 0)
		curl_easy_getinfo(sc->c, CURLINFO_RESPONSE_CODE, &sc->status);
	if (sc->status != 200) {
		if (sc->err.len + n <= 65536)
			buf_append(&sc->err, ptr, n);
		return n;
	}
	for (i = 0; i < n; ) {
		if ((nl = memchr(ptr + i, '\n', n - i)) == NULL) {
			if (sc->line.len + (n - i) > APICLIENT_MAX_RESPONSE)
				return 0;
			buf_append(&sc->line, ptr + i, n - i);
			break;
		}
		buf_append(&sc->line, ptr + i, (size_t)(nl - (ptr + i)));
		i = (size_t)(nl - ptr) + 1;
		if (sc->on_line(sc->line.data, sc->line.len, sc->arg) != 0) {
			sc->stopped = true;
			return 0;
		}
		buf_reset(&sc->line);
	}
	return n;
}

int
apiclient_stream(const struct apiclient_target *t, const char *path,
    int (*on_line)(const char *line, size_t len, void *arg), void *arg,
    struct apiclient_resp *ret)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs;
	struct stream_ctx sc;
	char *url;
	CURLcode rc;

	memset(ret, 0, sizeof(*ret));
	memset(&sc, 0, sizeof(sc));
	if ((sc.c = setup(t, "GET", path, errbuf, &url, &hdrs)) == NULL)
		return -1;
	buf_init(&sc.line);
	buf_init(&sc.err);
	sc.on_line = on_line;
	sc.arg = arg;
	curl_easy_setopt(sc.c, CURLOPT_WRITEFUNCTION, stream_write_cb);
	curl_easy_setopt(sc.c, CURLOPT_WRITEDATA, &sc);
	rc = curl_easy_perform(sc.c);
	/* A stream cut short by the daemon (it stopped) is a normal end. */
	if (sc.status == 200 && (rc == CURLE_PARTIAL_FILE ||
	    rc == CURLE_RECV_ERROR))
		sc.stopped = true;
	if (rc != CURLE_OK && !sc.stopped) {
		report_failure(t, rc, errbuf);
		buf_free(&sc.err);
	} else {
		curl_easy_getinfo(sc.c, CURLINFO_RESPONSE_CODE, &ret->status);
		ret->len = sc.err.len;
		ret->raw = buf_detach(&sc.err);
		ret->doc = json_loadb(ret->raw, ret->len, JSON_DECODE_ANY,
		    NULL);
	}
	buf_free(&sc.line);
	curl_easy_cleanup(sc.c);
	curl_slist_free_all(hdrs);
	free(url);
	return rc == CURLE_OK || sc.stopped ? 0 : -1;
}

struct download_ctx {
	CURL	*c;
	FILE	*f;
	struct buf err;
	long	 status;
	bool	 write_failed;
};

static size_t
download_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct download_ctx *dc = arg;
	size_t n = size * nmemb;

	if (dc->status == 0)
		curl_easy_getinfo(dc->c, CURLINFO_RESPONSE_CODE, &dc->status);
	if (dc->status != 200) {
		if (dc->err.len + n <= 65536)
			buf_append(&dc->err, ptr, n);
		return n;
	}
	if (fwrite(ptr, 1, n, dc->f) != n) {
		dc->write_failed = true;
		return 0;
	}
	return n;
}

int
apiclient_download(const struct apiclient_target *t, const char *path,
    FILE *out, struct apiclient_resp *ret)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs;
	struct download_ctx dc;
	char *url;
	CURLcode rc;

	memset(ret, 0, sizeof(*ret));
	memset(&dc, 0, sizeof(dc));
	if ((dc.c = setup(t, "GET", path, errbuf, &url, &hdrs)) == NULL)
		return -1;
	dc.f = out;
	buf_init(&dc.err);
	curl_easy_setopt(dc.c, CURLOPT_WRITEFUNCTION, download_write_cb);
	curl_easy_setopt(dc.c, CURLOPT_WRITEDATA, &dc);
	rc = curl_easy_perform(dc.c);
	if (rc != CURLE_OK) {
		if (dc.write_failed)
			fprintf(stderr, "feedctl: cannot write the file\n");
		else
			report_failure(t, rc, errbuf);
		buf_free(&dc.err);
	} else {
		curl_easy_getinfo(dc.c, CURLINFO_RESPONSE_CODE, &ret->status);
		ret->len = dc.err.len;
		ret->raw = buf_detach(&dc.err);
		ret->doc = json_loadb(ret->raw, ret->len, JSON_DECODE_ANY,
		    NULL);
	}
	curl_easy_cleanup(dc.c);
	curl_slist_free_all(hdrs);
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
