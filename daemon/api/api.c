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
#include "api_request.h"
#include "api_state.h"
#include "api_topics.h"
#include "buf.h"
#include "config.h"
#include "feedd.h"
#include "fever.h"
#include "greader.h"
#include "log.h"
#include "metrics.h"
#include "model_json.h"
#include "xmalloc.h"

struct api_route {
	enum evhttp_cmd_type method;
	/*
	 * Exact path; a "*" segment matches one non-empty segment; a path
	 * ending in '/' matches itself and anything below it.
	 */
	const char	*path;
	api_handler	 handler;
	/* The reader doors check their users' own credentials. */
	enum api_auth_scheme scheme;
};

static const struct api_route api_routes[] = {
	{ EVHTTP_REQ_GET, "/v1/status", api_status_get,
	    API_AUTH_BEARER },
	/* For Prometheus (token rules as /v1), and for load balancers. */
	{ EVHTTP_REQ_GET, "/metrics", api_metrics_get, API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/healthz", api_health_get, API_AUTH_OPEN },
	/*
	 * WebSub hubs: no token (they cannot hold one), checked by websub.h
	 * (only what we asked, only signed content), else the 404 of an
	 * unknown path.
	 */
	{ EVHTTP_REQ_GET, "/websub/", api_websub_verify, API_AUTH_OPEN },
	{ EVHTTP_REQ_POST, "/websub/", api_websub_deliver, API_AUTH_OPEN },
	{ EVHTTP_REQ_GET, "/v1/feeds", api_feeds_list,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_POST, "/v1/feeds", api_feeds_add,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/v1/feeds/*", api_feeds_get,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_DELETE, "/v1/feeds/*", api_feeds_remove,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_PATCH, "/v1/feeds/*", api_feeds_change,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_POST, "/v1/feeds/*/poll", api_feeds_poll,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_POST, "/v1/discover", api_discover, API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/v1/entries", api_entries_list,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/v1/entries/*", api_entries_get,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_PUT, "/v1/entries/*", api_state_put, API_AUTH_BEARER },
	{ EVHTTP_REQ_POST, "/v1/entries/read", api_state_read,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_POST, "/v1/entries/unread", api_state_unread,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_POST, "/v1/entries/star", api_state_star,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_POST, "/v1/entries/unstar", api_state_unstar,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/v1/unread", api_state_counts, API_AUTH_BEARER },
	/* /v1/topics: rows of the topics module go here. */
	{ EVHTTP_REQ_GET, "/v1/topics", api_topics_list,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_POST, "/v1/topics", api_topics_add,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/v1/topics/*", api_topics_get,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_PATCH, "/v1/topics/*", api_topics_change,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_DELETE, "/v1/topics/*", api_topics_remove,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/v1/why/*", api_topics_why,
	    API_AUTH_BEARER },
	/* /v1/hooks: the [hook] sections, their counts, a test alert. */
	{ EVHTTP_REQ_GET, "/v1/hooks", api_hooks_list, API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/v1/hooks/*", api_hooks_get, API_AUTH_BEARER },
	{ EVHTTP_REQ_POST, "/v1/hooks/*/test", api_hooks_test,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/v1/cursors/*", api_cursors_get,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_PUT, "/v1/cursors/*", api_cursors_put,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/v1/stream", api_stream_open,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/v1/opml", api_opml_export,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_POST, "/v1/opml", api_opml_import,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/v1/backup", api_backup_get,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/v1/tokens", api_tokens_list,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_POST, "/v1/tokens", api_tokens_add,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_DELETE, "/v1/tokens/*", api_tokens_remove,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_GET, "/v1/users", api_users_list,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_POST, "/v1/users", api_users_add,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_PATCH, "/v1/users/*", api_users_change,
	    API_AUTH_BEARER },
	{ EVHTTP_REQ_DELETE, "/v1/users/*", api_users_remove,
	    API_AUTH_BEARER },
	/*
	 * The Google Reader door (greader.h): its own logins, under the
	 * root and under /api/greader.php/ as FreshRSS serves it.
	 */
	{ EVHTTP_REQ_POST, "/accounts/ClientLogin", greader_login,
	    API_AUTH_DOOR },
	{ EVHTTP_REQ_GET, "/reader/", greader_get, API_AUTH_DOOR },
	{ EVHTTP_REQ_POST, "/reader/", greader_post, API_AUTH_DOOR },
	{ EVHTTP_REQ_POST, "/api/greader.php/accounts/ClientLogin",
	    greader_login, API_AUTH_DOOR },
	{ EVHTTP_REQ_GET, "/api/greader.php/reader/", greader_get,
	    API_AUTH_DOOR },
	{ EVHTTP_REQ_POST, "/api/greader.php/reader/", greader_post,
	    API_AUTH_DOOR },
	/* The Fever door (fever.h): a Fever user's api_key, not a token. */
	{ EVHTTP_REQ_GET, "/fever/", fever_serve, API_AUTH_DOOR },
	{ EVHTTP_REQ_POST, "/fever/", fever_serve, API_AUTH_DOOR },
	{ EVHTTP_REQ_GET, "/fever", fever_serve, API_AUTH_DOOR },
	{ EVHTTP_REQ_POST, "/fever", fever_serve, API_AUTH_DOOR },
};

static const char *
method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_HEAD: return "HEAD";
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

	/* "/fever/" is a door of its own: the folder takes itself too. */
	if (pattern[n - 1] == '/')
		return strncmp(path, pattern, n) == 0;
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

/*
 * The user a request acts for: the one api_auth let through, or over the
 * socket the one named by ?user=NAME. 0 and answered when there is none.
 */
static int
request_user(struct api *api, struct evhttp_request *req, int64_t *ret)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *qs = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	struct store_user u;
	struct evkeyvalq q;
	const char *name;
	int rc = 0;

	*ret = api_auth_user(api->d->auth);
	TAILQ_INIT(&q);
	if (qs == NULL || evhttp_parse_query_str(qs, &q) == -1 ||
	    (name = evhttp_find_header(&q, API_USER_PARAM)) == NULL)
		goto out;
	if (!api_auth_local(req)) {
		api_reply_error(req, 403, "forbidden", "acting as another user "
		    "(?%s=) is for the daemon's Unix socket only; a token "
		    "acts as its own user", API_USER_PARAM);
		rc = -1;
	} else if ((rc = api_user_get(req, api->d->store, name, &u)) == 0) {
		*ret = u.id;
		store_user_clear(&u);
	}
out:
	evhttp_clear_headers(&q);
	return rc;
}

static void dispatch(struct api *, struct evhttp_request *, const char *);

/*
 * newsboat joins its server's URL ("http://host/") and "/reader/..."
 * into "//reader/...", which evhttp reads as an authority and a path:
 * such a request's path is taken from its raw URI, with one slash.
 */
static void
on_request(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *raw = evhttp_request_get_uri(req);
	char *fixed;

	if (raw == NULL || strncmp(raw, "//", 2) != 0) {
		dispatch(arg, req, uri != NULL ? evhttp_uri_get_path(uri) :
		    NULL);
		return;
	}
	raw += strspn(raw, "/") - 1;
	fixed = xstrndup(raw, strcspn(raw, "?#"));
	dispatch(arg, req, fixed);
	free(fixed);
}

/* The route of path: the one of method, else any (405), else NULL. */
static const struct api_route *
route_find(enum evhttp_cmd_type method, const char *path)
{
	const struct api_route *found = NULL, *r;

	if (method == EVHTTP_REQ_HEAD)
		method = EVHTTP_REQ_GET;
	for (size_t i = 0; i < sizeof(api_routes) / sizeof(api_routes[0]);
	    i++) {
		r = &api_routes[i];
		if (!route_match(r->path, path))
			continue;
		if (found == NULL || r->method == method)
			found = r;
		if (r->method == method)
			break;
	}
	return found;
}

/*
 * A request answered (evhttp's on-complete callback): counted by its
 * route's pattern, so that the series stay as few as the routes.
 */
static void
on_request_done(struct evhttp_request *req, void *arg)
{
	struct api *api = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *raw = evhttp_request_get_uri(req), *path;
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	const struct api_route *r = NULL;
	char *fixed = NULL, status[16];

	if (raw != NULL && strncmp(raw, "//", 2) == 0) {
		raw += strspn(raw, "/") - 1;	/* as on_request has it */
		path = fixed = xstrndup(raw, strcspn(raw, "?#"));
	} else
		path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	/* A path with a route but not this method (405) counts under it. */
	if (path != NULL && *path != '\0')
		r = route_find(method, path);
	snprintf(status, sizeof(status), "%d",
	    evhttp_request_get_response_code(req));
	metric_add(api->m_requests, 1, r != NULL ? r->path : "other",
	    method_name(method), status);
	free(fixed);
}

static void
dispatch(struct api *api, struct evhttp_request *req, const char *path)
{
	enum evhttp_cmd_type method = evhttp_request_get_command(req);
	const struct api_route *found;

	evhttp_request_set_on_complete_cb(req, on_request_done, api);
	if (path == NULL || *path == '\0') {
		api_reply_error(req, 400, NULL, "malformed request URI");
		return;
	}
	if (method == EVHTTP_REQ_HEAD)
		method = EVHTTP_REQ_GET;
	found = route_find(method, path);
	/*
	 * TCP needs a token (or a door's own login); a held request comes
	 * back here when let go. An unknown path needs a token too, so that
	 * what exists is not told to strangers.
	 */
	if (!api_auth_request(api->d->auth, req, found != NULL ?
	    found->scheme : API_AUTH_BEARER, on_request, api))
		return;
	if (found == NULL) {
		api_reply_error(req, 404, NULL, "no such endpoint: %s", path);
		return;
	}
	/* An open route tells strangers nothing it does not serve. */
	if (found->method != method && found->scheme == API_AUTH_OPEN) {
		api_reply_error(req, 404, NULL, "no such endpoint: %s", path);
		return;
	}
	if (found->method != method) {
		api_reply_error(req, 405, NULL, "method not allowed on %s",
		    path);
		return;
	}
	/* A door's URI may hold its key (Fever's api_key): never logged. */
	if (method != EVHTTP_REQ_GET && found->scheme == API_AUTH_BEARER)
		log_write_request(req);
	if (request_user(api, req, &api->user_id) == -1)
		return;
	found->handler(api, req, path);
}

void
api_reconfigure(struct api *api)
{
	/* A WebSub push may be as large as a poll's document. */
	evhttp_set_max_body_size(api->http, API_GATE_EVHTTP_BODY_SIZE(
	    api_gate_set_push_limit((size_t)api->d->cfg->max_body_size)));
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
	api_reconfigure(api);
	evhttp_set_timeout(api->http, API_IDLE_TIMEOUT_S);
	evhttp_set_default_content_type(api->http,
	    "application/json; charset=utf-8");
	evhttp_set_gencb(api->http, on_request, api);
	api->streams = api_streams_new(api);
	TAILQ_INIT(&api->add_waits);
	api->m_requests = metrics_counter(d->metrics,
	    "feedd_api_requests_total", "API requests answered, by route "
	    "(its pattern; other: no route), method and status.",
	    "route,method,status");
	api_metrics_init(api);
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
	api_discover_free_waits(api);
	api_opml_free_imports(api);
	evhttp_free(api->http);
	api_metrics_free(api->gauges);
	free(api);
}
