#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <stdarg.h>
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
#include "config.h"
#include "feedd.h"
#include "log.h"
#include "xmalloc.h"

#define API_MAX_HEADERS_SIZE	(16 * 1024)
#define API_MAX_BODY_SIZE	(4 * 1024 * 1024)
#define API_IDLE_TIMEOUT_S	30

struct api {
	struct feedd	*d;
	struct evhttp	*http;
};

typedef void (*api_handler)(struct api *, struct evhttp_request *,
    const char *path);

struct api_route {
	enum evhttp_cmd_type method;
	const char	*path;		/* exact, or a prefix ending in '/' */
	api_handler	 handler;
};

static void	handle_status(struct api *, struct evhttp_request *,
		    const char *);

static const struct api_route api_routes[] = {
	{ EVHTTP_REQ_GET, "/v1/status", handle_status },
};

void
api_reply(struct evhttp_request *req, int status, json_t *doc)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	char *text;

	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (text == NULL) {
		/* Only reachable on OOM or invalid UTF-8 in a string. */
		log_warnx("api: cannot encode a response");
		text = xstrdup("{\"error\":{\"code\":\"internal\","
		    "\"message\":\"cannot encode response\"}}");
		status = 500;
	}
	evbuffer_add(out, text, strlen(text));
	evbuffer_add(out, "\n", 1);
	free(text);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json; charset=utf-8");
	evhttp_send_reply(req, status, NULL, NULL);
}

static const char *
status_code_name(int status)
{
	switch (status) {
	case 400: return "bad_request";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 413: return "too_large";
	case 503: return "unavailable";
	default: return status >= 500 ? "internal" : "error";
	}
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
	api_reply(req, status, json_pack("{s:{s:s,s:s}}", "error", "code",
	    code != NULL ? code : status_code_name(status), "message", msg));
}

static json_t *
json_time_or_null(time_t t)
{
	char s[32];
	struct tm tm;

	if (t <= 0)
		return json_null();
	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(s);
}

static void
handle_status(struct api *api, struct evhttp_request *req, const char *path)
{
	struct feedd *d = api->d;
	struct stat st;
	json_t *doc;
	time_t now = time(NULL);

	doc = json_pack("{s:s,s:I,s:I,s:o,s:s,s:s}",
	    "version", FEEDD_VERSION,
	    "pid", (json_int_t)getpid(),
	    "uptime", (json_int_t)(now - d->started),
	    "started", json_time_or_null(d->started),
	    "database", d->cfg->database,
	    "config", d->cfg->path);
	json_object_set_new(doc, "db_size", json_integer(
	    stat(d->cfg->database, &st) == 0 ? (json_int_t)st.st_size : 0));
	json_object_set_new(doc, "feeds_configured",
	    json_integer((json_int_t)d->cfg->nfeeds));
	json_object_set_new(doc, "topics_configured",
	    json_integer((json_int_t)d->cfg->ntopics));
	api_reply(req, 200, doc);
}

static void
log_write_request(struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	evutil_socket_t fd;

	if (conn == NULL || (bev = evhttp_connection_get_bufferevent(conn)) ==
	    NULL)
		return;
	fd = bufferevent_getfd(bev);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
	    len == sizeof(cred))
		log_info("api: %s %s from pid %d uid %d",
		    evhttp_request_get_command(req) == EVHTTP_REQ_DELETE ?
		    "DELETE" : evhttp_request_get_command(req) ==
		    EVHTTP_REQ_PUT ? "PUT" : "POST",
		    evhttp_request_get_uri(req), (int)cred.pid, (int)cred.uid);
}

static void
on_request(struct evhttp_request *req, void *arg)
{
	struct api *api = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	bool path_known = false;

	if (path == NULL || *path == '\0') {
		api_reply_error(req, 400, NULL, "malformed request URI");
		return;
	}
	if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD)
		log_write_request(req);
	for (size_t i = 0; i < sizeof(api_routes) / sizeof(api_routes[0]); i++) {
		const struct api_route *r = &api_routes[i];
		size_t n = strlen(r->path);
		bool match = r->path[n - 1] == '/' ?
		    strncmp(path, r->path, n) == 0 && path[n] != '\0' :
		    strcmp(path, r->path) == 0;

		if (!match)
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
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(api->http, API_MAX_HEADERS_SIZE);
	evhttp_set_max_body_size(api->http, API_MAX_BODY_SIZE);
	evhttp_set_timeout(api->http, API_IDLE_TIMEOUT_S);
	evhttp_set_default_content_type(api->http,
	    "application/json; charset=utf-8");
	evhttp_set_gencb(api->http, on_request, api);
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
	evhttp_free(api->http);
	free(api);
}
