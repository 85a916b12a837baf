/*
 * api_internal: what the API's handler modules (api_*.c) share: the
 * server object, the handler signature (api.c routes to them), the request
 * helpers (api_request.c), which answer the client themselves when the
 * request is bad so that a handler only checks a return, and the answers
 * (api_reply.c).
 *
 * A handler runs on the event loop: it must answer (api_reply*) exactly
 * once, now or later, and must never block.
 */
#ifndef FEEDD_API_INTERNAL_H
#define FEEDD_API_INTERNAL_H

#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>


struct api_streams;
struct api_backup;
struct api_import;
struct api_gauges;
struct add_wait;
struct metric;

TAILQ_HEAD(api_add_waits, add_wait);

struct api {
	struct feedd	*d;
	struct evhttp	*http;
	struct api_streams *streams;	/* api_stream.c */
	struct api_backup *backup;	/* api_backup.c */
	struct api_add_waits add_waits;	/* api_feeds.c: adds awaiting a poll */
	struct api_import *imports;	/* api_opml.c: awaiting first polls */
	/* api_discover.c: requests awaiting their discovery */
	struct api_discovery *discoveries;
	/*
	 * Whose request the handler runs for (the event loop runs one at a
	 * time): the token's user over TCP; over the socket the owner, or
	 * the user named by ?user=NAME. 0 for the reader doors (Google
	 * Reader, Fever), which log their users in themselves.
	 */
	int64_t		 user_id;
	struct metric	*m_requests;	/* api.c: requests by route, status */
	struct api_gauges *gauges;	/* api_metrics.c */
};

/* The query parameter by which a socket client acts as another user. */
#define API_USER_PARAM	"user"

/* path is the request's path, without the query string. */
typedef void (*api_handler)(struct api *, struct evhttp_request *,
    const char *path);

/* Request limits, also used by the handlers (a body never exceeds this). */
#define API_MAX_HEADERS_SIZE	(16 * 1024)
#define API_MAX_BODY_SIZE	(4 * 1024 * 1024)
/*
 * The WebSub callbacks' paths (api_websub.c). A hub pushes the whole feed
 * document, which a poll may fetch up to max_body_size: the gate lets a
 * POST here be that large (api_gate_set_push_limit), and websub.h holds
 * it to the same limit.
 */
#define API_WEBSUB_PREFIX	"/websub/"
#define API_IDLE_TIMEOUT_S	30

#define API_LIMIT_DEFAULT	100
#define API_LIMIT_MAX		1000

/* ---- handlers ---- */

/* api_status.c */
void	api_status_get(struct api *, struct evhttp_request *, const char *);
/* GET /healthz: 200 {"status": "ok"}, or 503 with why not. */
void	api_health_get(struct api *, struct evhttp_request *, const char *);
/* api_metrics.c: GET /metrics, and its gauges' registration. */
void	api_metrics_get(struct api *, struct evhttp_request *, const char *);
void	api_metrics_init(struct api *api);
void	api_metrics_free(struct api_gauges *g);
/* api_feeds.c */
void	api_feeds_list(struct api *, struct evhttp_request *, const char *);
void	api_feeds_add(struct api *, struct evhttp_request *, const char *);
void	api_feeds_get(struct api *, struct evhttp_request *, const char *);
void	api_feeds_remove(struct api *, struct evhttp_request *, const char *);
void	api_feeds_poll(struct api *, struct evhttp_request *, const char *);
void	api_feeds_change(struct api *, struct evhttp_request *, const char *);
/* Drops the adds still waiting for their first poll (shutdown). */
void	api_feeds_free_waits(struct api *api);
/* Polls a feed as soon as the scheduler can (0, or -1: no such feed). */
int	api_feeds_poll_now(struct api *api, int64_t id);
/*
 * What every door does to the subscriptions, so that the scheduler and
 * the topics hear of it: subscribe (url checked by the caller; 0 added
 * and polled now, 1 already there (*ret_id), -1), unsubscribe (0 / -1;
 * the caller refuses configured feeds) and change (store_feed_change's
 * 1 / 0 / -1).
 */
struct fetch_result;
struct store_feed;
struct store_feed_change;
/*
 * API_SUBSCRIBE_PAGES: the first poll, if it gets an HTML page, reads the
 * feed the page announces instead (for subscriptions nobody waits on).
 * prefetched (taken, may be NULL): the response discovery fetched, read
 * as the first poll instead of a second fetch.
 */
#define API_SUBSCRIBE_PAGES	0x1
int	api_feeds_subscribe(struct api *api, const char *url,
	    const char *title, const char *category, int64_t interval_s,
	    int flags, struct fetch_result *prefetched, int64_t *ret_id);
int	api_feeds_unsubscribe(struct api *api, const struct store_feed *f);
int	api_feeds_set(struct api *api, int64_t id,
	    const struct store_feed_change *c);
/* api_websub.c: a WebSub hub's verification (GET) and content (POST). */
void	api_websub_verify(struct api *, struct evhttp_request *, const char *);
void	api_websub_deliver(struct api *, struct evhttp_request *, const char *);
/* api_discover.c */
void	api_discover(struct api *, struct evhttp_request *, const char *);
struct discover_result;
/*
 * What a discovery found, as the API says it: {"url", "kind" ("feed",
 * "page", "not_feed", "failed"), "page_title", "candidates": [{"url",
 * "title", "feed_title", "format", "entries", "via", "comments"}]}.
 */
json_t	*api_discover_json(const struct discover_result *r);
/* Drops the discoveries still waiting for their answer (shutdown). */
void	api_discover_free_waits(struct api *api);
/* api_entries.c */
void	api_entries_list(struct api *, struct evhttp_request *, const char *);
void	api_entries_get(struct api *, struct evhttp_request *, const char *);
/* api_cursors.c */
void	api_cursors_get(struct api *, struct evhttp_request *, const char *);
void	api_cursors_put(struct api *, struct evhttp_request *, const char *);
/* api_opml.c */
void	api_opml_export(struct api *, struct evhttp_request *, const char *);
void	api_opml_import(struct api *, struct evhttp_request *, const char *);
/* A poll of feed_id, for the imports that wait for it. */
void	api_opml_polled(struct api *api, int64_t feed_id, bool failed,
	    size_t new_count);
void	api_opml_free_imports(struct api *api);
/* api_stream.c */
void	api_stream_open(struct api *, struct evhttp_request *, const char *);
struct api_streams *api_streams_new(struct api *api);
void	api_streams_free(struct api_streams *s);
size_t	api_streams_count(const struct api_streams *s);
/* api_tokens.c (the Unix socket only) */
void	api_tokens_list(struct api *, struct evhttp_request *, const char *);
void	api_tokens_add(struct api *, struct evhttp_request *, const char *);
void	api_tokens_remove(struct api *, struct evhttp_request *, const char *);
/* api_users.c (the Unix socket only) */
void	api_users_list(struct api *, struct evhttp_request *, const char *);
void	api_users_add(struct api *, struct evhttp_request *, const char *);
void	api_users_change(struct api *, struct evhttp_request *, const char *);
void	api_users_remove(struct api *, struct evhttp_request *, const char *);
/* api_hooks.c */
void	api_hooks_list(struct api *, struct evhttp_request *, const char *);
void	api_hooks_get(struct api *, struct evhttp_request *, const char *);
void	api_hooks_test(struct api *, struct evhttp_request *, const char *);
/* api_backup.c */
void	api_backup_get(struct api *, struct evhttp_request *, const char *);
void	api_backup_free(struct api_backup *b);

#endif
