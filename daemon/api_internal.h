/*
 * api_internal: what the API's handler modules (api_*.c, and the topics
 * module's /v1/topics handlers) share with api.c: the server object, the
 * handler signature, and small request helpers that answer the client
 * themselves when the request is bad, so a handler only checks a return.
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

#include "api.h"

struct api_streams;
struct api_backup;
struct add_wait;

TAILQ_HEAD(api_add_waits, add_wait);

struct api {
	struct feedd	*d;
	struct evhttp	*http;
	struct api_streams *streams;	/* api_stream.c */
	struct api_backup *backup;	/* api_backup.c */
	struct api_add_waits add_waits;	/* api_feeds.c: adds awaiting a poll */
};

/* path is the request's path, without the query string. */
typedef void (*api_handler)(struct api *, struct evhttp_request *,
    const char *path);

/* Request limits, also used by the handlers (a body never exceeds this). */
#define API_MAX_HEADERS_SIZE	(16 * 1024)
#define API_MAX_BODY_SIZE	(4 * 1024 * 1024)
#define API_IDLE_TIMEOUT_S	30

#define API_LIMIT_DEFAULT	100
#define API_LIMIT_MAX		1000

/* ---- request helpers (api.c) ---- */

/* The error document {"error": {"code", "message"}}; code NULL: by status. */
json_t	*api_error_json(int status, const char *code, const char *msg);
/* The reason phrase for a status line. */
const char *api_status_reason(int status);

/*
 * For a close callback of a request held for a later answer (add, backup,
 * stream): frees req if libevent left it to the handler. req is gone
 * after this either way.
 */
void	api_request_abandon(struct evhttp_request *req);

/* The store, or NULL after answering 503 (the daemon is still starting). */
struct store *api_store(struct api *api, struct evhttp_request *req);

/*
 * A request that takes no query parameters: the store, or NULL after
 * answering 400 (a parameter was given) or 503.
 */
struct store *api_plain_request(struct api *api, struct evhttp_request *req);
/* The same for /v1/.../{id}: segment i as the id in *ret_id. */
struct store *api_id_request(struct api *api, struct evhttp_request *req,
	    const char *path, int i, int64_t *ret_id);

/*
 * Path segment i ("/v1/feeds/3" -> 0 "v1", 1 "feeds", 2 "3"),
 * percent-decoded, into buf. 0, or -1 if absent or too long.
 */
int	api_path_segment(const char *path, int i, char *buf, size_t len);
/* Segment i as a positive id; -1 after answering 400. */
int	api_path_id(struct evhttp_request *req, const char *path, int i,
	    int64_t *ret);

/*
 * The query string, decoded. Every key must be in allowed (NULL-terminated)
 * and appear once; else -1 after answering 400. Clear with api_query_clear.
 */
int	api_query(struct evhttp_request *req, const char *const *allowed,
	    struct evkeyvalq *ret);
void	api_query_clear(struct evkeyvalq *q);
/*
 * An integer parameter in [min, max]; absent leaves *ret alone. 0, or -1
 * after answering 400.
 */
int	api_query_int(struct evhttp_request *req, struct evkeyvalq *q,
	    const char *key, int64_t min, int64_t max, int64_t *ret);
/* A boolean parameter ("1"/"true"/"0"/"false"); -1 after answering 400. */
int	api_query_bool(struct evhttp_request *req, struct evkeyvalq *q,
	    const char *key, bool *ret);

/*
 * The request body as a JSON object whose keys are all in allowed
 * (NULL-terminated); an empty body is an empty object when empty_ok.
 * NULL after answering 400.
 */
json_t	*api_body_json(struct evhttp_request *req, const char *const *allowed,
	    bool empty_ok);
/* The raw body, NUL-terminated (*ret_len without the NUL); free() it. */
char	*api_body_raw(struct evhttp_request *req, size_t *ret_len);

/* After a failed store lookup (rc 0 or -1): 404 "no WHAT ID", or 500. */
void	api_reply_lookup(struct evhttp_request *req, int rc, const char *what,
	    int64_t id);
/* api_reply() for a large answer of about size_hint bytes. */
void	api_reply_sized(struct evhttp_request *req, int status, json_t *doc,
	    size_t size_hint);
/* Answers with JSON text already encoded (text is taken and freed). */
void	api_reply_text(struct evhttp_request *req, int status, char *text,
	    size_t len);
/* Answers with a non-JSON body (OPML export, backups). */
void	api_reply_raw(struct evhttp_request *req, int status,
	    const char *content_type, const void *data, size_t len);

/* ---- handlers ---- */

/* api_status.c */
void	api_status_get(struct api *, struct evhttp_request *, const char *);
/* api_feeds.c */
void	api_feeds_list(struct api *, struct evhttp_request *, const char *);
void	api_feeds_add(struct api *, struct evhttp_request *, const char *);
void	api_feeds_get(struct api *, struct evhttp_request *, const char *);
void	api_feeds_remove(struct api *, struct evhttp_request *, const char *);
void	api_feeds_poll(struct api *, struct evhttp_request *, const char *);
void	api_feeds_change(struct api *, struct evhttp_request *, const char *);
/*
 * After feeds were added, removed or re-filed: the scheduler's feed list
 * and the topics' feed subsets follow.
 */
void	api_feeds_changed(struct api *api);
/*
 * A "category" field (a string, or null for none; v NULL when absent) in
 * its normal form in *ret (NULL: none); -1 after answering 400.
 */
int	api_category(struct evhttp_request *req, json_t *v, char **ret);
/* Drops the adds still waiting for their first poll (shutdown). */
void	api_feeds_free_waits(struct api *api);
/* Polls a feed as soon as the scheduler can (0, or -1: no such feed). */
int	api_feeds_poll_now(struct api *api, int64_t id);
/* api_entries.c */
void	api_entries_list(struct api *, struct evhttp_request *, const char *);
void	api_entries_get(struct api *, struct evhttp_request *, const char *);
/* A valid client (cursor) name; -1 after answering 400. */
int	api_client_check(struct evhttp_request *req, const char *client);
/* api_cursors.c */
void	api_cursors_get(struct api *, struct evhttp_request *, const char *);
void	api_cursors_put(struct api *, struct evhttp_request *, const char *);
/*
 * A topic name to its id (0 for NULL or ""), -1 after answering 404/500.
 */
int	api_topic_id(struct api *api, struct evhttp_request *req,
	    const char *name, int64_t *ret);
/* api_opml.c */
void	api_opml_export(struct api *, struct evhttp_request *, const char *);
void	api_opml_import(struct api *, struct evhttp_request *, const char *);
/* api_stream.c */
void	api_stream_open(struct api *, struct evhttp_request *, const char *);
struct api_streams *api_streams_new(struct api *api);
void	api_streams_free(struct api_streams *s);
size_t	api_streams_count(const struct api_streams *s);
/* api_tokens.c (the Unix socket only) */
void	api_tokens_list(struct api *, struct evhttp_request *, const char *);
void	api_tokens_add(struct api *, struct evhttp_request *, const char *);
void	api_tokens_remove(struct api *, struct evhttp_request *, const char *);
/* api_backup.c */
void	api_backup_get(struct api *, struct evhttp_request *, const char *);
void	api_backup_free(struct api_backup *b);

#endif
