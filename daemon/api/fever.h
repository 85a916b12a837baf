/*
 * fever: the Fever API (https://feedafever.com/api, version 3), the door
 * through which Fever apps (Reeder, Unread, ReadKit, FeedMe, Fluent
 * Reader...) read feedd: /fever/?api on the TCP listener and the socket.
 *
 * Trust rule: a request is some user's only when its api_key is that
 * user's Fever key, md5("name:password") as the protocol defines it,
 * which feedd keeps (beside the yescrypt hash) only for users who enabled
 * Fever (feedctl user add NAME --fever). The key is as good as the
 * password: whoever holds it reads and marks as that user, nothing more
 * (no feed, topic, user or token is changed through this door). The
 * presented key is compared with every Fever user's key in constant time,
 * without stopping at a match; a wrong key is answered 401 with Fever's
 * own {"api_version":3,"auth":0} (the apps read "auth"; Miniflux and
 * FreshRSS send it with 200, the 401 keeps feedd's rule that a door
 * without valid credentials says 401) and counted by api_auth, which
 * slows the address down after API_AUTH_FREE_FAILS failures. A request
 * without any api_key is answered alike but not counted: it guessed
 * nothing. Keys are never logged or echoed.
 *
 * The request: "api" in the query (else 400), the other arguments in the
 * query or in a form-encoded POST body (the body wins, as PHP's $_REQUEST
 * had it), several sections per request as Fever allows.
 *
 * Groups are feed categories and topics, flat (a category's group holds
 * the feeds filed in exactly it, titled with its whole path). Their ids
 * are stable: a category's is 1 + its name's FNV-1a hash modulo
 * FEVER_TOPIC_BASE (the next free id on the rare collision, categories
 * taken in name order), a topic's is FEVER_TOPIC_BASE + the topic's id.
 * A topic's group holds the feeds that carry its stories.
 */
#ifndef FEEDD_FEVER_H
#define FEEDD_FEVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/keyvalq_struct.h>
#include <jansson.h>

struct api;
struct evhttp_request;
struct store;

#define FEVER_API_VERSION	3
#define FEVER_TOPIC_BASE	1000000000	/* topic group ids start above */
#define FEVER_ITEMS_MAX		50		/* per call, as Fever serves */

/* One request being answered. */
struct fever_req {
	struct api	*api;
	struct evhttp_request *req;
	struct store	*s;
	int64_t		 user_id;
	struct evkeyvalq query;
	struct evkeyvalq form;	/* the POST body's fields */
};

/* A group: a category or a topic, with its feeds. */
struct fever_group {
	int64_t		 id;
	const char	*title;		/* the category or the topic's name */
	int64_t		 topic_id;	/* 0: a category */
	int64_t		*feed_ids;
	size_t		 nfeeds;
};

/* The route's handler (GET and POST /fever/ and /fever). */
void	fever_serve(struct api *api, struct evhttp_request *req,
	    const char *path);

/* An argument from the body, else the query; NULL when absent. */
const char *fever_arg(const struct fever_req *f, const char *key);
/*
 * The argument as an integer in [min, max] into *ret (absent: left
 * alone). 0, or -1 after answering 400.
 */
int	fever_arg_int(struct fever_req *f, const char *key, int64_t min,
	    int64_t max, int64_t *ret);
/* Every group (free with fever_groups_free). 0 / -1 after answering 500. */
int	fever_groups(struct fever_req *f, struct fever_group **ret,
	    size_t *ret_n);
void	fever_groups_free(struct fever_group *g, size_t n);

/* fever_items.c: the sections about items; each adds its members to doc,
 * 0, or -1 after answering. */
int	fever_items(struct fever_req *f, json_t *doc);
int	fever_item_ids(struct fever_req *f, json_t *doc, bool saved);
int	fever_mark(struct fever_req *f);

#endif
