#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "api_auth.h"
#include "api_gate.h"
#include "api_internal.h"
#include "api_json.h"
#include "api_topics.h"
#include "buf.h"
#include "feedd.h"
#include "log.h"
#include "xmalloc.h"

struct api_route {
	enum evhttp_cmd_type method;
	/*
	 * Exact path; a "*" segment matches one non-empty segment; a path
	 * ending in '/' matches anything below it.
	 */
	const char	*path;
	api_handler	 handler;
};

static const struct api_route api_routes[] = {
	{ EVHTTP_REQ_GET, "/v1/status", api_status_get },
	{ EVHTTP_REQ_GET, "/v1/feeds", api_feeds_list },
	{ EVHTTP_REQ_POST, "/v1/feeds", api_feeds_add },
	{ EVHTTP_REQ_GET, "/v1/feeds/*", api_feeds_get },
	{ EVHTTP_REQ_DELETE, "/v1/feeds/*", api_feeds_remove },
	{ EVHTTP_REQ_PATCH, "/v1/feeds/*", api_feeds_change },
	{ EVHTTP_REQ_POST, "/v1/feeds/*/poll", api_feeds_poll },
	{ EVHTTP_REQ_GET, "/v1/entries", api_entries_list },
	{ EVHTTP_REQ_GET, "/v1/entries/*", api_entries_get },
	/* /v1/topics: rows of the topics module go here. */
	{ EVHTTP_REQ_GET, "/v1/topics", api_topics_list },
	{ EVHTTP_REQ_POST, "/v1/topics", api_topics_add },
	{ EVHTTP_REQ_GET, "/v1/topics/*", api_topics_get },
	{ EVHTTP_REQ_PATCH, "/v1/topics/*", api_topics_change },
	{ EVHTTP_REQ_DELETE, "/v1/topics/*", api_topics_remove },
	{ EVHTTP_REQ_GET, "/v1/why/*", api_topics_why },
	{ EVHTTP_REQ_GET, "/v1/cursors/*", api_cursors_get },
	{ EVHTTP_REQ_PUT, "/v1/cursors/*", api_cursors_put },
	{ EVHTTP_REQ_GET, "/v1/stream", api_stream_open },
	{ EVHTTP_REQ_GET, "/v1/opml", api_opml_export },
	{ EVHTTP_REQ_POST, "/v1/opml", api_opml_import },
	{ EVHTTP_REQ_GET, "/v1/backup", api_backup_get },
	{ EVHTTP_REQ_GET, "/v1/tokens", api_tokens_list },
	{ EVHTTP_REQ_POST, "/v1/tokens", api_tokens_add },
	{ EVHTTP_REQ_DELETE, "/v1/tokens/*", api_tokens_remove },
};

/* jansson hands over a document token by token: batch them. */
struct dump_ctx {
	struct evbuffer	*out;
	size_t		 len;
	char		 buf[16384];
};

static int
dump_flush(struct dump_ctx *dc)
{
	int rc = dc->len > 0 ? evbuffer_add(dc->out, dc->buf, dc->len) : 0;

	dc->len = 0;
	return rc;
}

static int
dump_cb(const char *buffer, size_t size, void *arg)
{
	struct dump_ctx *dc = arg;

	if (dc->len + size > sizeof(dc->buf) && dump_flush(dc) == -1)
		return -1;
	if (size > sizeof(dc->buf))
		return evbuffer_add(dc->out, buffer, size);
	memcpy(dc->buf + dc->len, buffer, size);
	dc->len += size;
	return 0;
}

void
api_reply(struct evhttp_request *req, int status, json_t *doc)
{
	api_reply_sized(req, status, doc, 0);
}

void
api_reply_sized(struct evhttp_request *req, int status, json_t *doc,
    size_t size_hint)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct dump_ctx *dc;

	/*
	 * One allocation up front for a large answer, instead of a chain of
	 * growing ones amid the many small frees of the document (each of
	 * which makes malloc consolidate its free lists).
	 */
	if (size_hint > 0)
		evbuffer_expand(out, size_hint);

	/* Straight into the output buffer: no copy of a large answer. */
	dc = xmalloc(sizeof(*dc));
	dc->out = out;
	dc->len = 0;
	if (doc == NULL || json_dump_callback(doc, dump_cb, dc,
	    JSON_COMPACT) == -1 || dump_flush(dc) == -1) {
		/* Only reachable on OOM or invalid UTF-8 in a string. */
		log_warnx("api: cannot encode a response");
		evbuffer_drain(out, evbuffer_get_length(out));
		evbuffer_add_printf(out, "{\"error\":{\"code\":\"internal\","
		    "\"message\":\"cannot encode response\"}}");
		status = 500;
	}
	free(dc);
	json_decref(doc);
	evbuffer_add(out, "\n", 1);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json; charset=utf-8");
	evhttp_send_reply(req, status, NULL, NULL);
}

static void
free_text(const void *data, size_t len, void *arg)
{
	free((void *)data);
}

void
api_reply_text(struct evhttp_request *req, int status, char *text,
    size_t len)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	/* Handed to libevent as it is: no copy of a large answer. */
	if (evbuffer_add_reference(out, text, len, free_text, NULL) == -1) {
		free(text);
		api_reply_error(req, 500, NULL, "cannot send the answer");
		return;
	}
	evbuffer_add(out, "\n", 1);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json; charset=utf-8");
	evhttp_send_reply(req, status, NULL, NULL);
}

static const char *
status_code_name(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 411: return "length_required";
	case 413: return "too_large";
	case 417: return "expectation_failed";
	case 429: return "too_many_requests";
	case 431: return "headers_too_large";
	case 501: return "not_implemented";
	case 503: return "unavailable";
	case 505: return "http_version";
	default: return status >= 500 ? "internal" : "error";
	}
}

const char *
api_status_reason(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 417: return "Expectation Failed";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return status >= 500 ? "Internal Server Error" : "Error";
	}
}

json_t *
api_error_json(int status, const char *code, const char *msg)
{
	return json_pack("{s:{s:s,s:o}}", "error", "code",
	    code != NULL ? code : status_code_name(status), "message",
	    api_json_str(msg));
}

void
api_reply_error(struct evhttp_request *req, int status, const char *code,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	api_reply(req, status, api_error_json(status, code, msg));
}

void
api_reply_raw(struct evhttp_request *req, int status,
    const char *content_type, const void *data, size_t len)
{
	evbuffer_add(evhttp_request_get_output_buffer(req), data, len);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", content_type);
	evhttp_send_reply(req, status, NULL, NULL);
}

void
api_request_abandon(struct evhttp_request *req)
{
	/*
	 * On EOF or a timeout, libevent detaches a request the handler still
	 * holds from its connection and leaves freeing it to the handler
	 * (http.c, evhttp_connection_incoming_fail); one still attached is
	 * freed with the connection.
	 */
	if (req != NULL && evhttp_request_get_connection(req) == NULL)
		evhttp_request_free(req);
}

void
api_reply_lookup(struct evhttp_request *req, int rc, const char *what,
    int64_t id)
{
	if (rc == 0)
		api_reply_error(req, 404, NULL, "no %s %lld", what,
		    (long long)id);
	else
		api_reply_error(req, 500, NULL, "cannot read %s %lld (see the "
		    "daemon's log)", what, (long long)id);
}

struct store *
api_plain_request(struct api *api, struct evhttp_request *req)
{
	static const char *const none[] = { NULL };
	struct evkeyvalq q;

	if (api_query(req, none, &q) == -1)
		return NULL;
	api_query_clear(&q);
	return api_store(api, req);
}

struct store *
api_id_request(struct api *api, struct evhttp_request *req,
    const char *path, int i, int64_t *ret_id)
{
	if (api_path_id(req, path, i, ret_id) == -1)
		return NULL;
	return api_plain_request(api, req);
}

struct store *
api_store(struct api *api, struct evhttp_request *req)
{
	if (api->d->store == NULL)
		api_reply_error(req, 503, "unavailable",
		    "the database is not open yet; try again shortly");
	return api->d->store;
}

int
api_path_segment(const char *path, int i, char *buf, size_t len)
{
	const char *p = path, *end;
	char *dec;
	size_t n;

	while (*p == '/')
		p++;
	for (; i > 0; i--) {
		if ((p = strchr(p, '/')) == NULL)
			return -1;
		p++;
	}
	if (*p == '\0')
		return -1;
	end = strchr(p, '/');
	n = end != NULL ? (size_t)(end - p) : strlen(p);
	if (n >= len)
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if ((dec = evhttp_uridecode(buf, 0, &n)) == NULL)
		return -1;
	if (n >= len || memchr(dec, '\0', n) != NULL) {
		free(dec);
		return -1;
	}
	memcpy(buf, dec, n + 1);
	free(dec);
	return 0;
}

/* A positive decimal id, nothing else. */
static int
parse_id(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	if (*s < '1' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return -1;
	*ret = v;
	return 0;
}

int
api_path_id(struct evhttp_request *req, const char *path, int i,
    int64_t *ret)
{
	char seg[64];

	if (api_path_segment(path, i, seg, sizeof(seg)) == -1 ||
	    parse_id(seg, ret) == -1) {
		api_reply_error(req, 400, "bad_id", "'%.40s' is not an id "
		    "(a positive integer)", api_path_segment(path, i, seg,
		    sizeof(seg)) == 0 ? seg : "");
		return -1;
	}
	return 0;
}

/*
 * Whether name is one of allowed; if not, answers 400 unknown_WHAT listing
 * the known names, so the caller only has to clean up.
 */
static bool
api_known(struct evhttp_request *req, const char *what, const char *name,
    const char *const *allowed)
{
	struct buf names;
	char code[32];

	for (size_t i = 0; allowed[i] != NULL; i++)
		if (strcmp(name, allowed[i]) == 0)
			return true;
	buf_init(&names);
	for (size_t i = 0; allowed[i] != NULL; i++)
		buf_printf(&names, "%s%s", i ? ", " : "", allowed[i]);
	snprintf(code, sizeof(code), "unknown_%s", what);
	api_reply_error(req, 400, code, "unknown %s '%.60s' (known: %s)",
	    what, name, names.len > 0 ? names.data : "none");
	buf_free(&names);
	return false;
}

int
api_query(struct evhttp_request *req, const char *const *allowed,
    struct evkeyvalq *ret)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *qs = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	struct evkeyval *kv, *kv2;

	TAILQ_INIT(ret);
	if (qs == NULL || *qs == '\0')
		return 0;
	if (evhttp_parse_query_str(qs, ret) == -1) {
		api_reply_error(req, 400, NULL, "malformed query string");
		return -1;
	}
	TAILQ_FOREACH(kv, ret, next) {
		if (!api_known(req, "parameter", kv->key, allowed)) {
			api_query_clear(ret);
			return -1;
		}
		for (kv2 = TAILQ_NEXT(kv, next); kv2 != NULL;
		    kv2 = TAILQ_NEXT(kv2, next))
			if (strcmp(kv->key, kv2->key) == 0) {
				api_reply_error(req, 400, NULL,
				    "parameter '%s' given twice", kv->key);
				api_query_clear(ret);
				return -1;
			}
	}
	return 0;
}

void
api_query_clear(struct evkeyvalq *q)
{
	evhttp_clear_headers(q);
}

int
api_query_int(struct evhttp_request *req, struct evkeyvalq *q,
    const char *key, int64_t min, int64_t max, int64_t *ret)
{
	const char *v = evhttp_find_header(q, key);
	char *end;
	long long n;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < min || n > max ||
	    !(*v == '-' || (*v >= '0' && *v <= '9'))) {
		api_reply_error(req, 400, NULL, "parameter '%s' must be an "
		    "integer from %lld to %lld, not '%.40s'", key,
		    (long long)min, (long long)max, v);
		return -1;
	}
	*ret = n;
	return 0;
}

int
api_query_bool(struct evhttp_request *req, struct evkeyvalq *q,
    const char *key, bool *ret)
{
	const char *v = evhttp_find_header(q, key);

	if (v == NULL)
		return 0;
	if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || *v == '\0')
		*ret = true;
	else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
		*ret = false;
	else {
		api_reply_error(req, 400, NULL, "parameter '%s' must be 1 or "
		    "0, not '%.40s'", key, v);
		return -1;
	}
	return 0;
}

char *
api_body_raw(struct evhttp_request *req, size_t *ret_len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	char *s = xmalloc(n + 1);

	evbuffer_copyout(in, s, n);
	s[n] = '\0';
	if (ret_len != NULL)
		*ret_len = n;
	return s;
}

json_t *
api_body_json(struct evhttp_request *req, const char *const *allowed,
    bool empty_ok)
{
	json_error_t jerr;
	const char *key;
	json_t *doc, *v;
	size_t n;
	char *text;

	text = api_body_raw(req, &n);
	if (n == 0 || strspn(text, " \t\r\n") == n) {
		free(text);
		if (empty_ok)
			return json_object();
		api_reply_error(req, 400, "bad_json",
		    "this request needs a JSON object as its body");
		return NULL;
	}
	doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (doc == NULL) {
		api_reply_error(req, 400, "bad_json", "malformed JSON in the "
		    "request body at line %d, column %d: %s", jerr.line,
		    jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		api_reply_error(req, 400, "bad_json",
		    "the request body must be a JSON object");
		return NULL;
	}
	json_object_foreach(doc, key, v) {
		if (!api_known(req, "field", key, allowed)) {
			json_decref(doc);
			return NULL;
		}
	}
	return doc;
}

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	default: return "POST";
	}
}

/*
 * Every write is logged with who sent it: the peer's pid and uid over the
 * socket; over TCP the token's name and address are logged by api_auth.
 */
static void
log_write_request(struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	evutil_socket_t fd;

	if (!api_auth_local(req) || conn == NULL ||
	    (bev = evhttp_connection_get_bufferevent(conn)) == NULL)
		return;
	fd = bufferevent_getfd(bev);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    len == sizeof(cred))
		log_info("api: %s %s from pid %d uid %d",
		    method_name(evhttp_request_get_command(req)),
		    evhttp_request_get_uri(req), (int)cred.pid, (int)cred.uid);
}

/* Does path match the route pattern (see struct api_route)? */
static bool
route_match(const char *pattern, const char *path)
{
	size_t n = strlen(pattern);

	if (pattern[n - 1] == '/')
		return strncmp(path, pattern, n) == 0 && path[n] != '\0';
	while (*pattern != '\0' && *path != '\0') {
		if (*pattern == '*') {
			if (*path == '/')
				return false;	/* empty segment */
			while (*path != '\0' && *path != '/')
				path++;
			pattern++;
		} else if (*pattern++ != *path++)
			return false;
	}
	return *pattern == '\0' && *path == '\0';
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct api *api = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	bool path_known = false;

	/* TCP needs a token; a held request comes back here when let go. */
	if (!api_auth_request(api->d->auth, req, on_request, api))
		return;
	if (path == NULL || *path == '\0') {
		api_reply_error(req, 400, NULL, "malformed request URI");
		return;
	}
	if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD)
		log_write_request(req);
	if (method == EVHTTP_REQ_HEAD)
		method = EVHTTP_REQ_GET;
	for (size_t i = 0; i < sizeof(api_routes) / sizeof(api_routes[0]); i++) {
		const struct api_route *r = &api_routes[i];

		if (!route_match(r->path, path))
			continue;
		path_known = true;
		if (r->method == method) {
			r->handler(api, req, path);
			return;
		}
	}
	if (path_known)
		api_reply_error(req, 405, NULL, "method not allowed on %s",
		    path);
	else
		api_reply_error(req, 404, NULL, "no such endpoint: %s", path);
}

struct api *
api_new(struct feedd *d)
{
	struct api *api = xcalloc(1, sizeof(*api));

	api->d = d;
	if ((api->http = evhttp_new(d->base)) == NULL) {
		log_errx("api: cannot create the HTTP server");
		free(api);
		return NULL;
	}
	evhttp_set_allowed_methods(api->http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
	/* The gate enforces the real limits, with JSON answers. */
	api_gate_init(API_MAX_HEADERS_SIZE);
	evhttp_set_bevcb(api->http, api_gate_bev_new, NULL);
	evhttp_set_max_headers_size(api->http,
	    API_GATE_EVHTTP_HEADERS_SIZE(API_MAX_HEADERS_SIZE));
	evhttp_set_max_body_size(api->http,
	    API_GATE_EVHTTP_BODY_SIZE(API_MAX_BODY_SIZE));
	evhttp_set_timeout(api->http, API_IDLE_TIMEOUT_S);
	evhttp_set_default_content_type(api->http,
	    "application/json; charset=utf-8");
	evhttp_set_gencb(api->http, on_request, api);
	api->streams = api_streams_new(api);
	TAILQ_INIT(&api->add_waits);
	return api;
}

int
api_listen_fd(struct api *api, int fd)
{
	if (evhttp_accept_socket_with_handle(api->http, fd) == NULL) {
		log_errx("api: cannot accept connections on fd %d", fd);
		close(fd);
		return -1;
	}
	return 0;
}

void
api_free(struct api *api)
{
	if (api == NULL)
		return;
	/* Streams and backups hold requests: end them before the server. */
	api_streams_free(api->streams);
	api_backup_free(api->backup);
	api_feeds_free_waits(api);
	evhttp_free(api->http);
	free(api);
}
