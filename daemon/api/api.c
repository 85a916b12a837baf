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
#include "api_reply.h"
#include "api_topics.h"
#include "buf.h"
#include "feedd.h"
#include "log.h"
#include "model_json.h"
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
	api_opml_free_imports(api);
	evhttp_free(api->http);
	free(api);
}
