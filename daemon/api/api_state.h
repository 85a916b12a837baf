/*
 * api_state: a user's read and starred marks over the API, and their
 * unread counts.
 *
 *   PUT  /v1/entries/{id}      {"read": bool, "starred": bool} (either)
 *   POST /v1/entries/read      {"ids": [...]}, or {"all": true} with an
 *   POST /v1/entries/unread     optional "feed", "category" or "topic",
 *                               "up_to" (an id) and "before" (a time)
 *   POST /v1/entries/star      {"ids": [...]}
 *   POST /v1/entries/unstar    {"ids": [...]}
 *   GET  /v1/unread            counts per feed, category and topic
 *
 * Every mark is the request's user's (api->user_id): over TCP the token's
 * user, over the socket the owner or ?user=NAME. A read-only token may
 * read its state but not mark. A mark reaches every folded copy of the
 * story (store.h).
 */
#ifndef FEEDD_API_STATE_H
#define FEEDD_API_STATE_H

#include <stdint.h>

#include <jansson.h>

#include "store.h"

struct api;
struct evhttp_request;

void	api_state_put(struct api *, struct evhttp_request *, const char *);
void	api_state_read(struct api *, struct evhttp_request *, const char *);
void	api_state_unread(struct api *, struct evhttp_request *, const char *);
void	api_state_star(struct api *, struct evhttp_request *, const char *);
void	api_state_unstar(struct api *, struct evhttp_request *, const char *);
void	api_state_counts(struct api *, struct evhttp_request *, const char *);

/* One user's unread counts by feed or topic id, read once per answer. */
struct api_unread {
	struct store_unread *u;	/* ascending by id */
	size_t	 n;
};

/* 0, or -1 (logged by the store): then every count is null. */
int	api_unread_load(struct store *s, int64_t user_id, bool topics,
	    struct api_unread *ret);
/* The count of id as JSON (null when unknown). */
json_t	*api_unread_json(const struct api_unread *u, int64_t id);
void	api_unread_clear(struct api_unread *u);

#endif
