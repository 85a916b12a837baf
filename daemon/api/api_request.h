/*
 * api_request: reading a request for its handler: the store, path
 * segments and ids, query parameters, the JSON body, and the names and
 * fields several handlers share (a topic, a client, a category). Each
 * function answers the client itself (400, 404, 503) when the request is
 * bad, so that a handler only checks a return.
 */
#ifndef FEEDD_API_REQUEST_H
#define FEEDD_API_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/keyvalq_struct.h>
#include <jansson.h>

struct api;
struct evhttp_request;
struct store_user;

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

/* A topic name to its id (0 for NULL or ""); -1 after answering 404/500. */
int	api_topic_id(struct api *api, struct evhttp_request *req,
	    const char *name, int64_t *ret);
/* The user named name (may be NULL) in *ret: 0, or -1 after answering 404
 * "no_user" or 500. Clear *ret with store_user_clear. */
int	api_user_get(struct evhttp_request *req, struct store *s,
	    const char *name, struct store_user *ret);
/* A valid client (cursor) name; -1 after answering 400. */
int	api_client_check(struct evhttp_request *req, const char *client);
/*
 * A "category" field (a string, or null for none; v NULL when absent) in
 * its normal form in *ret (NULL: none); -1 after answering 400.
 */
int	api_category(struct evhttp_request *req, json_t *v, char **ret);
/*
 * The body's "url": a URL a feed may be fetched from (url_check, never
 * file://: a client does not name files); NULL after answering 400.
 */
const char *api_url_field(struct evhttp_request *req, json_t *body);

#endif
