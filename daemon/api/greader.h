/*
 * greader: the Google Reader API, the dialect FreshRSS, Miniflux and
 * FeedHQ serve and NetNewsWire, Reeder, ReadYou, FeedMe and newsboat
 * speak. Served under the listener's root and under /api/greader.php/
 * (where apps that know FreshRSS look), the same handlers for both.
 *
 * Trust rule: a reader door. A user logs in with name and password
 * (POST /accounts/ClientLogin); the answer's Auth token is derived, never
 * stored: NAME "/" hex(HMAC-SHA256(store secret, "auth", user id,
 * password hash)), so logging in again gives the same token, nothing
 * grows in the database, and changing the password ends every session.
 * Every other request carries "Authorization: GoogleLogin auth=TOKEN",
 * checked by recomputing it (constant time). Writes also need the T token
 * of GET /reader/api/0/token, an HMAC over the user, the password hash
 * and the hour (the current and the previous hour are accepted), so a
 * page of another site cannot make a logged-in browser write. Bad logins
 * and bad tokens count as failures of the address (api_auth.h: slowed
 * after API_AUTH_FREE_FAILS). A request acts only on its user's state;
 * subscriptions are the daemon's, shared by every user, as on the socket.
 *
 * This header is what the greader modules share: the request being
 * answered (its user and its parameters, query string and form body
 * together), the streams and item ids (greader_streams.c), the item as
 * JSON (greader_json.c) and as Atom (greader_atom.c), the subscription
 * and tag endpoints (greader_subs.c).
 */
#ifndef FEEDD_GREADER_H
#define FEEDD_GREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "store.h"

struct api;
struct evhttp_request;

/* The route table's handlers (api.c). */
void	greader_login(struct api *, struct evhttp_request *, const char *);
void	greader_get(struct api *, struct evhttp_request *, const char *);
void	greader_post(struct api *, struct evhttp_request *, const char *);

#define GREADER_ITEM_PREFIX	"tag:google.com,2005:reader/item/"
#define GREADER_STATE		"user/-/state/com.google/"
#define GREADER_LABEL		"user/-/label/"
#define GREADER_N_DEFAULT	20
#define GREADER_N_MAX		1000

/* One request being answered. */
struct greader_req {
	struct api	*api;
	struct evhttp_request *req;
	struct store	*s;
	struct store_user user;
	/* Query string, then form body: a key may repeat (i=, a=, r=). */
	struct evkeyvalq params;
	/* Every feed by id, what lists show of it (store_feed_list_brief),
	 * read once per request when needed. */
	struct store_feed *feeds;
	size_t		 nfeeds;
};

/* The feeds of the request, loaded on first use; -1 after answering 500. */
int	greader_feeds(struct greader_req *g);
/* The feed with that id among them, or NULL. */
const struct store_feed *greader_feed(const struct greader_req *g,
	    int64_t id);
/* The first value of a parameter, or NULL. */
const char *greader_param(const struct greader_req *g, const char *key);

/* Answers: text (writes answer "OK"), and errors in the JSON shape. */
void	greader_text(struct greader_req *g, int status, const char *text);

/* ---- streams (greader_streams.c) ---- */

enum greader_stream_kind {
	GREADER_READING_LIST,
	GREADER_STARRED,
	GREADER_READ,
	GREADER_FEED,
	GREADER_CATEGORY,
	GREADER_TOPIC,
};

struct greader_stream {
	enum greader_stream_kind kind;
	int64_t	 feed_id;
	int64_t	 topic_id;
	char	*category;	/* GREADER_CATEGORY: the label's name */
};

/*
 * A stream id (decoded) to its stream: 0, or -1 after answering 404 (no
 * such feed or label) or 400 (not a stream id).
 */
int	greader_stream_parse(struct greader_req *g, const char *id,
	    struct greader_stream *ret);
void	greader_stream_clear(struct greader_stream *st);
/*
 * An item id, long (GREADER_ITEM_PREFIX and hex) or short (decimal):
 * 0, or -1 when malformed (nothing answered).
 */
int	greader_item_id(const char *s, int64_t *ret);
/* "tag:google.com,2005:reader/item/%016llx" into buf (at least 64). */
void	greader_item_long(int64_t id, char *buf, size_t len);

/*
 * The listing the parameters ask of a stream (n, c, r, xt, it, ot, nt) in
 * *q and the page size in *n: 0, or -1 after answering 400.
 */
int	greader_stream_query(struct greader_req *g,
	    const struct greader_stream *st, struct store_entry_query *q,
	    size_t *n);
/* The continuation after a page whose last entry was last_id (buf >= 32). */
void	greader_continuation(int64_t last_id, char *buf, size_t len);

/* The stream handlers. */
void	greader_stream_contents(struct greader_req *g, const char *id);
void	greader_stream_atom(struct greader_req *g, const char *id);
void	greader_items_ids(struct greader_req *g);
void	greader_items_contents(struct greader_req *g);
void	greader_edit_tag(struct greader_req *g);
void	greader_mark_all_read(struct greader_req *g);

/* ---- items as JSON and Atom ---- */

/* One item of stream/contents (greader_json.c). */
json_t	*greader_json_item(const struct greader_req *g,
	    const struct store_entry *e);
/* The categories an item carries: states, the feed's label, its topics. */
json_t	*greader_item_categories(const struct greader_req *g,
	    const struct store_entry *e);

struct greader_atom;
/* An Atom feed being written (greader_atom.c, libxml2's xmlTextWriter). */
struct greader_atom *greader_atom_new(const char *stream_id,
	    const char *title);
int	greader_atom_entry(struct greader_atom *a, const struct greader_req *g,
	    const struct store_entry *e);
/* Ends the document and answers it (continuation may be NULL); frees a. */
void	greader_atom_reply(struct greader_atom *a, struct greader_req *g,
	    const char *continuation);
void	greader_atom_free(struct greader_atom *a);

/* ---- subscriptions and tags (greader_subs.c) ---- */

void	greader_subscription_list(struct greader_req *g);
void	greader_subscription_edit(struct greader_req *g);
void	greader_quickadd(struct greader_req *g);
void	greader_tag_list(struct greader_req *g);
void	greader_rename_tag(struct greader_req *g);
void	greader_disable_tag(struct greader_req *g);
void	greader_unread_count(struct greader_req *g);

#endif
