/*
 * greader_streams: the Google Reader door's streams and items: stream
 * ids to store queries, item ids in both forms, continuation, and the
 * endpoints that list items (stream/contents, the Atom form,
 * stream/items/ids, stream/items/contents) or change their state
 * (edit-tag, mark-all-as-read).
 *
 * Streams: user/-/state/com.google/reading-list (everything), .../starred,
 * .../read, feed/URL, user/-/label/NAME: a feed category (its feeds and
 * those below it) or else a topic (its listed matches: each story once).
 * The "-" may be the user's id, as some apps send it. Pages are by id,
 * newest first (r=o: oldest first); the continuation is the last id in
 * hex, so a page never repeats or skips an item however many arrive
 * meanwhile. ot and nt are seconds, as FreshRSS and Miniflux read them:
 * items published (else fetched) at or after ot, and before nt.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api_internal.h"
#include "api_reply.h"
#include "category.h"
#include "greader.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define ITEMS_MAX	1000	/* i= per stream/items/contents, edit-tag */

/* ---- ids ---- */

int
greader_item_id(const char *s, int64_t *ret)
{
	size_t plen = strlen(GREADER_ITEM_PREFIX), n;
	unsigned long long v;
	char *end;
	int base = 10;

	if (strncmp(s, GREADER_ITEM_PREFIX, plen) == 0) {
		s += plen;
		base = 16;
		n = strspn(s, "0123456789abcdefABCDEF");
	} else
		n = strspn(s, "0123456789");
	if (n == 0 || s[n] != '\0' || n > 20)
		return -1;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0' || v == 0 || v > INT64_MAX)
		return -1;
	*ret = (int64_t)v;
	return 0;
}

void
greader_item_long(int64_t id, char *buf, size_t len)
{
	snprintf(buf, len, GREADER_ITEM_PREFIX "%016llx",
	    (unsigned long long)id);
}

void
greader_continuation(int64_t last_id, char *buf, size_t len)
{
	snprintf(buf, len, "%llx", (unsigned long long)last_id);
}

static int
continuation_parse(const char *s, int64_t *ret)
{
	unsigned long long v;
	char *end;

	if (*s == '\0' || strspn(s, "0123456789abcdef") != strlen(s) ||
	    strlen(s) > 16)
		return -1;
	errno = 0;
	v = strtoull(s, &end, 16);
	if (errno != 0 || v == 0 || v > INT64_MAX)
		return -1;
	*ret = (int64_t)v;
	return 0;
}

/* "user/-/" or "user/ID/" (the user's own id): the rest, or NULL. */
static const char *
user_part(const struct greader_req *g, const char *id)
{
	char own[32];
	size_t n;

	if (strncmp(id, "user/-/", 7) == 0)
		return id + 7;
	n = (size_t)snprintf(own, sizeof(own), "user/%lld/",
	    (long long)g->user.id);
	return strncmp(id, own, n) == 0 ? id + n : NULL;
}

void
greader_stream_clear(struct greader_stream *st)
{
	free(st->category);
	st->category = NULL;
}

int
greader_stream_parse(struct greader_req *g, const char *id,
    struct greader_stream *ret)
{
	struct store_feed f = { 0 };
	struct store_topic t = { 0 };
	const char *rest;
	int rc;

	memset(ret, 0, sizeof(*ret));
	if (strncmp(id, "feed/", 5) == 0) {
		rc = store_feed_get_by_url(g->s, id + 5, &f);
		ret->kind = GREADER_FEED;
		ret->feed_id = f.id;
		store_feed_clear(&f);
		if (rc == 1)
			return 0;
		goto unknown;
	}
	if ((rest = user_part(g, id)) == NULL)
		goto unknown;
	if (strcmp(rest, "state/com.google/reading-list") == 0) {
		ret->kind = GREADER_READING_LIST;
		return 0;
	}
	if (strcmp(rest, "state/com.google/starred") == 0) {
		ret->kind = GREADER_STARRED;
		return 0;
	}
	if (strcmp(rest, "state/com.google/read") == 0) {
		ret->kind = GREADER_READ;
		return 0;
	}
	if (strncmp(rest, "label/", 6) != 0 || rest[6] == '\0')
		goto unknown;
	rest += 6;
	/* A category when a feed is filed in it (or below); else a topic. */
	if (greader_feeds(g) == -1)
		return -1;
	for (size_t i = 0; i < g->nfeeds; i++)
		if (category_within(g->feeds[i].category, rest)) {
			ret->kind = GREADER_CATEGORY;
			ret->category = xstrdup(rest);
			return 0;
		}
	if ((rc = store_topic_get_by_name(g->s, rest, &t)) == 1) {
		ret->kind = GREADER_TOPIC;
		ret->topic_id = t.id;
		store_topic_clear(&t);
		return 0;
	}
	if (rc == -1) {
		api_reply_error(g->req, 500, NULL, "cannot read the topics");
		return -1;
	}
unknown:
	api_reply_error(g->req, 404, "no_stream", "no such stream: %.300s",
	    id);
	return -1;
}

/* xt= / it= values: the read and starred states they name. */
static int
state_filter(struct greader_req *g, const char *key,
    enum store_flag_filter on, struct store_entry_query *q)
{
	const struct evkeyval *kv;

	TAILQ_FOREACH(kv, &g->params, next) {
		const char *rest;

		if (strcmp(kv->key, key) != 0)
			continue;
		if ((rest = user_part(g, kv->value)) == NULL)
			continue;	/* a label: not a filter we keep */
		if (strcmp(rest, "state/com.google/read") == 0)
			q->read = on;
		else if (strcmp(rest, "state/com.google/starred") == 0)
			q->starred = on;
		else if (strcmp(rest, "state/com.google/kept-unread") == 0 &&
		    on == STORE_FLAG_SET)
			q->read = STORE_FLAG_UNSET;
	}
	return 0;
}

static int
int_param(struct greader_req *g, const char *key, int64_t min, int64_t max,
    int64_t *ret)
{
	const char *v = greader_param(g, key);
	long long x;
	char *end;

	if (v == NULL)
		return 0;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || x < min) {
		api_reply_error(g->req, 400, NULL, "%s must be a number of at "
		    "least %lld", key, (long long)min);
		return -1;
	}
	*ret = x > max ? max : x;
	return 0;
}

int
greader_stream_query(struct greader_req *g, const struct greader_stream *st,
    struct store_entry_query *q, size_t *n)
{
	const char *c = greader_param(g, "c"), *r = greader_param(g, "r");
	int64_t pn = GREADER_N_DEFAULT, ot = 0, nt = 0, last;

	memset(q, 0, sizeof(*q));
	q->user_id = g->user.id;
	switch (st->kind) {
	case GREADER_READING_LIST:
		break;
	case GREADER_STARRED:
		q->starred = STORE_FLAG_SET;
		break;
	case GREADER_READ:
		q->read = STORE_FLAG_SET;
		break;
	case GREADER_FEED:
		q->feed_id = st->feed_id;
		break;
	case GREADER_CATEGORY:
		q->category = st->category;
		break;
	case GREADER_TOPIC:
		q->topic_id = st->topic_id;
		break;
	}
	/* n is capped, as the apps ask for "everything" with large ones. */
	if (int_param(g, "n", 1, GREADER_N_MAX, &pn) == -1 ||
	    int_param(g, "ot", 0, INT64_MAX, &ot) == -1 ||
	    int_param(g, "nt", 0, INT64_MAX, &nt) == -1)
		return -1;
	state_filter(g, "xt", STORE_FLAG_UNSET, q);
	state_filter(g, "it", STORE_FLAG_SET, q);
	q->newer_than = ot;
	q->older_than = nt;
	q->limit = (size_t)pn;
	q->descending = r == NULL || strcmp(r, "o") != 0;
	q->latest = false;
	if (c != NULL && *c != '\0') {
		if (continuation_parse(c, &last) == -1) {
			api_reply_error(g->req, 400, NULL, "malformed "
			    "continuation");
			return -1;
		}
		if (q->descending)
			q->before_id = last;
		else
			q->since_id = last;
	}
	*n = (size_t)pn;
	return 0;
}

/* ---- listing ---- */

struct page {
	struct greader_req *g;
	json_t	*items;		/* stream/contents */
	struct greader_atom *atom;	/* the Atom form */
	bool	 want_atom;
	bool	 ids_only;	/* stream/items/ids */
	int64_t	 last;
	bool	 failed;
};

static int
page_entry(const struct store_entry *e, void *arg)
{
	struct page *p = arg;

	p->last = e->id;
	if (p->atom != NULL) {
		if (greader_atom_entry(p->atom, p->g, e) == -1)
			p->failed = true;
	} else if (p->ids_only) {
		char id[32], usec[32];

		snprintf(id, sizeof(id), "%lld", (long long)e->id);
		snprintf(usec, sizeof(usec), "%lld000000", (long long)
		    (e->published != FEED_TIME_NONE ? e->published :
		    e->fetched));
		json_array_append_new(p->items, json_pack("{s:s,s:[],s:s}",
		    "id", id, "directStreamIds", "timestampUsec", usec));
	} else {
		json_t *it = greader_json_item(p->g, e);

		if (it == NULL)
			p->failed = true;
		else
			json_array_append_new(p->items, it);
	}
	return p->failed ? -1 : 0;
}

/* Lists a stream's page into p: its continuation in cont ("" if none). */
static int
list_page(struct greader_req *g, const char *id, struct page *p,
    bool content, char *title, size_t tlen, char cont[32])
{
	struct greader_stream st;
	struct store_entry_query q;
	char err[256] = "";
	size_t n, got = 0;
	int rc;

	cont[0] = '\0';
	if (greader_feeds(g) == -1 || greader_stream_parse(g, id, &st) == -1)
		return -1;
	if (greader_stream_query(g, &st, &q, &n) == -1) {
		greader_stream_clear(&st);
		return -1;
	}
	q.content = content;
	if (title != NULL) {
		const struct store_feed *f = st.kind == GREADER_FEED ?
		    greader_feed(g, st.feed_id) : NULL;

		snprintf(title, tlen, "%s", f != NULL ? (f->title != NULL ?
		    f->title : f->url) : st.category != NULL ? st.category :
		    id);
	}
	if (p->want_atom)
		p->atom = greader_atom_new(id, title);
	rc = store_entry_each(g->s, &q, page_entry, p, &got, err, sizeof(err));
	greader_stream_clear(&st);
	if (rc != 0 || p->failed) {
		api_reply_error(g->req, 500, NULL, "cannot list the stream "
		    "(see the daemon's log)");
		return -1;
	}
	/* A full page may have a next one; an empty one after it ends it. */
	if (got == n && got > 0)
		greader_continuation(p->last, cont, 32);
	return 0;
}

void
greader_stream_contents(struct greader_req *g, const char *id)
{
	struct page p = { .g = g, .items = json_array() };
	char cont[32], title[512];
	json_t *doc;

	if (list_page(g, id, &p, true, title, sizeof(title), cont) == -1) {
		json_decref(p.items);
		return;
	}
	doc = json_pack("{s:s,s:s,s:I,s:o}", "id", id, "title", title,
	    "updated", (json_int_t)time(NULL), "items", p.items);
	if (cont[0] != '\0')
		json_object_set_new(doc, "continuation", json_string(cont));
	api_reply_sized(g->req, 200, doc, json_array_size(p.items) * 2048);
}

void
greader_stream_atom(struct greader_req *g, const char *id)
{
	struct page p = { .g = g, .want_atom = true };
	char cont[32], title[512];

	if (list_page(g, id, &p, true, title, sizeof(title), cont) == -1) {
		greader_atom_free(p.atom);
		return;
	}
	greader_atom_reply(p.atom, g, cont[0] != '\0' ? cont : NULL);
}

void
greader_items_ids(struct greader_req *g)
{
	struct page p = { .g = g, .items = json_array(), .ids_only = true };
	char cont[32];
	json_t *doc;

	if (greader_param(g, "s") == NULL) {
		json_decref(p.items);
		api_reply_error(g->req, 400, NULL, "which stream? (s=)");
		return;
	}
	if (list_page(g, greader_param(g, "s"), &p, false, NULL, 0,
	    cont) == -1) {
		json_decref(p.items);
		return;
	}
	doc = json_pack("{s:o}", "itemRefs", p.items);
	if (cont[0] != '\0')
		json_object_set_new(doc, "continuation", json_string(cont));
	api_reply_sized(g->req, 200, doc, json_array_size(p.items) * 64);
}

/* The i= ids, deduplicated in request order: 0, or -1 after 400. */
static int
item_ids(struct greader_req *g, int64_t **ret, size_t *ret_n)
{
	const struct evkeyval *kv;
	int64_t *ids = NULL, id;
	size_t n = 0;

	TAILQ_FOREACH(kv, &g->params, next) {
		if (strcmp(kv->key, "i") != 0)
			continue;
		if (greader_item_id(kv->value, &id) == -1) {
			api_reply_error(g->req, 400, "bad_item", "malformed "
			    "item id: %.100s", kv->value);
			free(ids);
			return -1;
		}
		if (n == ITEMS_MAX) {
			api_reply_error(g->req, 400, NULL, "at most %d items "
			    "at once", ITEMS_MAX);
			free(ids);
			return -1;
		}
		ids = xreallocarray(ids, n + 1, sizeof(*ids));
		ids[n++] = id;
	}
	*ret = ids;
	*ret_n = n;
	return 0;
}

void
greader_items_contents(struct greader_req *g)
{
	struct store_entry e;
	int64_t *ids;
	size_t n;
	json_t *items;
	int rc;

	if (greader_feeds(g) == -1 || item_ids(g, &ids, &n) == -1)
		return;
	items = json_array();
	for (size_t i = 0; i < n; i++) {
		if ((rc = store_entry_get(g->s, ids[i], &e)) == 0)
			continue;	/* pruned meanwhile: not there */
		if (rc == -1 || store_state_get(g->s, g->user.id, ids[i],
		    &e.read, &e.starred) == -1) {
			if (rc == 1)
				store_entry_clear(&e);
			free(ids);
			json_decref(items);
			api_reply_error(g->req, 500, NULL, "cannot read item "
			    "%lld", (long long)ids[i]);
			return;
		}
		json_array_append_new(items, greader_json_item(g, &e));
		store_entry_clear(&e);
	}
	free(ids);
	api_reply_sized(g->req, 200, json_pack("{s:s,s:I,s:o}", "id",
	    GREADER_STATE "reading-list", "updated", (json_int_t)time(NULL),
	    "items", items), json_array_size(items) * 2048);
}

/* ---- state ---- */

/* Applies one a= or r= tag to the ids; unknown tags change nothing. */
static int
apply_tag(struct greader_req *g, const char *tag, bool add,
    const int64_t *ids, size_t n)
{
	const char *rest = user_part(g, tag);
	size_t changed;

	if (rest == NULL)
		return 0;
	if (strcmp(rest, "state/com.google/read") == 0)
		return store_state_set(g->s, g->user.id, STORE_FLAG_READ, add,
		    ids, n, &changed);
	if (strcmp(rest, "state/com.google/kept-unread") == 0 && add)
		return store_state_set(g->s, g->user.id, STORE_FLAG_READ,
		    false, ids, n, &changed);
	if (strcmp(rest, "state/com.google/starred") == 0)
		return store_state_set(g->s, g->user.id, STORE_FLAG_STARRED,
		    add, ids, n, &changed);
	return 0;	/* labels, broadcast, tracking-*: not kept */
}

void
greader_edit_tag(struct greader_req *g)
{
	const struct evkeyval *kv;
	int64_t *ids;
	size_t n;

	if (item_ids(g, &ids, &n) == -1)
		return;
	if (n == 0) {
		api_reply_error(g->req, 400, NULL, "which items? (i=)");
		return;
	}
	TAILQ_FOREACH(kv, &g->params, next) {
		bool add = strcmp(kv->key, "a") == 0;

		if (!add && strcmp(kv->key, "r") != 0)
			continue;
		if (apply_tag(g, kv->value, add, ids, n) == -1) {
			free(ids);
			api_reply_error(g->req, 500, NULL, "cannot change the "
			    "items' state (see the daemon's log)");
			return;
		}
	}
	free(ids);
	greader_text(g, 200, "OK");
}

void
greader_mark_all_read(struct greader_req *g)
{
	const char *sid = greader_param(g, "s"), *ts = greader_param(g, "ts");
	struct greader_stream st;
	struct store_scope scope = { 0 };
	int64_t before = 0, max_id = 0, usec = 0;
	size_t changed;
	int rc;

	if (sid == NULL) {
		api_reply_error(g->req, 400, NULL, "which stream? (s=)");
		return;
	}
	if (ts != NULL && int_param(g, "ts", 0, INT64_MAX, &usec) == -1)
		return;
	if (greader_stream_parse(g, sid, &st) == -1)
		return;
	switch (st.kind) {
	case GREADER_READING_LIST:
		break;
	case GREADER_FEED:
		scope.feed_id = st.feed_id;
		break;
	case GREADER_CATEGORY:
		scope.category = st.category;
		break;
	case GREADER_TOPIC:
		scope.topic_id = st.topic_id;
		break;
	default:
		greader_stream_clear(&st);
		api_reply_error(g->req, 400, NULL, "the starred and read "
		    "streams cannot be marked read as a whole");
		return;
	}
	/*
	 * ts: what the app had seen, at or before that microsecond; without
	 * it, what is stored now (not what arrives while the answer goes).
	 */
	if (usec > 0)
		before = usec / 1000000 + 1;
	else
		max_id = store_last_entry_id(g->s);
	rc = store_state_mark_all(g->s, g->user.id, &scope, true, max_id,
	    before, &changed);
	greader_stream_clear(&st);
	if (rc == -1) {
		api_reply_error(g->req, 500, NULL, "cannot mark the stream "
		    "read (see the daemon's log)");
		return;
	}
	greader_text(g, 200, "OK");
}
