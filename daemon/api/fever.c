/*
 * fever: the Fever door: its login, its arguments, and the sections about
 * feeds and groups (fever.h). Items and marks are in fever_items.c.
 */
#include <sys/queue.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "api_auth.h"
#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "buf.h"
#include "feedd.h"
#include "fever.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/* ---- arguments ---- */

/*
 * Fields of a query string or a form body into out. Every Fever app sends
 * bare keys ("?api&items"), which evhttp_parse_query_str refuses: each is
 * given an empty value first ("api=&items="). 0 / -1 (malformed).
 */
static int
form_parse(const char *s, size_t len, struct evkeyvalq *out)
{
	const char *p = s, *end = s + len, *amp;
	struct buf b;
	size_t n;
	int rc;

	buf_init(&b);
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		n = amp != NULL ? (size_t)(amp - p) : (size_t)(end - p);
		if (n > 0) {
			if (b.len > 0)
				buf_putc(&b, '&');
			buf_append(&b, p, n);
			if (memchr(p, '=', n) == NULL)
				buf_putc(&b, '=');
		}
		p += n + 1;
	}
	rc = evhttp_parse_query_str(b.len > 0 ? b.data : "", out);
	buf_free(&b);
	return rc;
}

const char *
fever_arg(const struct fever_req *f, const char *key)
{
	const char *v = evhttp_find_header(&f->form, key);

	return v != NULL ? v : evhttp_find_header(&f->query, key);
}

int
fever_arg_int(struct fever_req *f, const char *key, int64_t min,
    int64_t max, int64_t *ret)
{
	const char *v = fever_arg(f, key);
	char *end;
	long long n;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < min || n > max) {
		api_reply_error(f->req, 400, NULL, "'%s' must be an integer "
		    "from %lld to %lld", key, (long long)min, (long long)max);
		return -1;
	}
	*ret = n;
	return 0;
}

/* The query and the form body of f->req. 0, or -1 after answering 400. */
static int
read_args(struct fever_req *f)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(f->req);
	const char *qs = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	char *body;
	size_t len = 0;
	int rc;

	if (qs != NULL && form_parse(qs, strlen(qs), &f->query) == -1) {
		api_reply_error(f->req, 400, NULL, "malformed query string");
		return -1;
	}
	body = api_body_raw(f->req, &len);
	rc = form_parse(body, len, &f->form);
	/* It holds the key: wiped before it is freed. */
	OPENSSL_cleanse(body, len);
	free(body);
	if (rc == -1) {
		api_reply_error(f->req, 400, NULL, "malformed form body (the "
		    "Fever API takes application/x-www-form-urlencoded)");
		return -1;
	}
	return 0;
}

/* ---- answers ---- */

/* Fever's own answer to a failed login. */
static void
deny(struct evhttp_request *req)
{
	api_reply(req, 401, json_pack("{s:i, s:i}", "api_version",
	    FEVER_API_VERSION, "auth", 0));
}

/* {"api_version": 3, "auth": 1, "last_refreshed_on_time": ...}, or NULL. */
static json_t *
base_doc(struct fever_req *f)
{
	int64_t last = 0;

	if (store_feeds_last_poll(f->s, &last) == -1)
		return NULL;
	return json_pack("{s:i, s:i, s:I}", "api_version", FEVER_API_VERSION,
	    "auth", 1, "last_refreshed_on_time", (json_int_t)last);
}

/* ---- login ---- */

static int
hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 32 hex digits into key. 0 / -1. */
static int
key_parse(const char *hex, unsigned char key[STORE_FEVER_KEY_LEN])
{
	int hi, lo;

	if (strlen(hex) != 2 * STORE_FEVER_KEY_LEN)
		return -1;
	for (size_t i = 0; i < STORE_FEVER_KEY_LEN; i++) {
		if ((hi = hex_nibble(hex[2 * i])) == -1 ||
		    (lo = hex_nibble(hex[2 * i + 1])) == -1)
			return -1;
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/*
 * The user whose Fever key is key, or 0. Every Fever user's key is
 * compared in constant time, whether one matched or not, so that the
 * time taken tells nothing of which matched, or how far (as api_auth's
 * tokens are).
 */
static int64_t
key_user(const struct store_user *u, size_t n,
    const unsigned char key[STORE_FEVER_KEY_LEN])
{
	uint64_t found = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t hit = (uint64_t)0 - (uint64_t)(u[i].fever &&
		    CRYPTO_memcmp(key, u[i].fever_key,
		    STORE_FEVER_KEY_LEN) == 0);

		found = (found & ~hit) | ((uint64_t)u[i].id & hit);
	}
	return (int64_t)found;
}

/*
 * Logs f->req in: its user into f->user_id and 0, or -1 after answering
 * (auth 0, or 500).
 */
static int
login(struct fever_req *f)
{
	unsigned char key[STORE_FEVER_KEY_LEN];
	const char *hex = fever_arg(f, "api_key");
	struct store_user *users = NULL;
	size_t n = 0;
	bool parsed;

	if (hex == NULL || *hex == '\0') {
		log_debug("api: fever: a request without an api_key");
		deny(f->req);
		return -1;
	}
	if (store_user_list(f->s, &users, &n) == -1) {
		api_reply_error(f->req, 500, NULL, "cannot read the users "
		    "(see the daemon's log)");
		return -1;
	}
	parsed = key_parse(hex, key) == 0;
	f->user_id = parsed ? key_user(users, n, key) : 0;
	OPENSSL_cleanse(key, sizeof(key));
	for (size_t i = 0; i < n; i++)
		OPENSSL_cleanse(users[i].fever_key, STORE_FEVER_KEY_LEN);
	store_user_list_free(users, n);
	if (f->user_id == 0) {
		api_auth_failure(f->api->d->auth, f->req, parsed ?
		    "a Fever api_key that is no Fever user's" :
		    "a malformed Fever api_key");
		deny(f->req);
		return -1;
	}
	api_auth_success(f->api->d->auth, f->req);
	log_debug("api: fever: user %lld logged in", (long long)f->user_id);
	return 0;
}

/* ---- groups and feeds ---- */

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static int
cmp_category(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void
fever_groups_free(struct fever_group *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)g[i].title);
		free(g[i].feed_ids);
	}
	free(g);
}

/* Whether a group already has the id (a category's hash collided). */
static bool
id_taken(const struct fever_group *g, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (g[i].id == id)
			return true;
	return false;
}

static void
group_add_feed(struct fever_group *g, int64_t feed_id)
{
	g->feed_ids = xreallocarray(g->feed_ids, g->nfeeds + 1,
	    sizeof(*g->feed_ids));
	g->feed_ids[g->nfeeds++] = feed_id;
}

/* The category groups, in name order, from the feeds. */
static void
category_groups(struct store_feed *feeds, size_t nfeeds,
    struct fever_group **g, size_t *n)
{
	const char **cats = xcalloc(nfeeds + 1, sizeof(*cats));
	size_t ncats = 0, i, j;
	int64_t id;

	for (i = 0; i < nfeeds; i++)
		if (feeds[i].category != NULL)
			cats[ncats++] = feeds[i].category;
	qsort(cats, ncats, sizeof(*cats), cmp_category);
	for (i = 0; i < ncats; i++) {
		if (i > 0 && strcmp(cats[i], cats[i - 1]) == 0)
			continue;
		id = 1 + (int64_t)(fnv1a(cats[i]) % FEVER_TOPIC_BASE);
		while (id_taken(*g, *n, id))
			id = id % FEVER_TOPIC_BASE + 1;
		*g = xreallocarray(*g, *n + 1, sizeof(**g));
		memset(&(*g)[*n], 0, sizeof(**g));
		(*g)[*n].id = id;
		(*g)[*n].title = xstrdup(cats[i]);
		for (j = 0; j < nfeeds; j++)
			if (feeds[j].category != NULL &&
			    strcmp(feeds[j].category, cats[i]) == 0)
				group_add_feed(&(*g)[*n], feeds[j].id);
		(*n)++;
	}
	free(cats);
}

int
fever_groups(struct fever_req *f, struct fever_group **ret, size_t *ret_n)
{
	struct store_feed *feeds = NULL;
	struct store_topic *topics = NULL;
	struct store_topic_feed *tf = NULL;
	size_t nfeeds = 0, ntopics = 0, ntf = 0, i, j;
	struct fever_group *g = NULL, *t;
	size_t n = 0;

	*ret = NULL;
	*ret_n = 0;
	if (store_feed_list(f->s, &feeds, &nfeeds) == -1 ||
	    store_topic_list(f->s, &topics, &ntopics) == -1 ||
	    store_topic_feeds(f->s, &tf, &ntf) == -1) {
		store_feed_list_free(feeds, nfeeds);
		store_topic_list_free(topics, ntopics);
		api_reply_error(f->req, 500, NULL, "cannot read the feeds and "
		    "topics (see the daemon's log)");
		return -1;
	}
	category_groups(feeds, nfeeds, &g, &n);
	for (i = 0, j = 0; i < ntopics; i++) {
		g = xreallocarray(g, n + 1, sizeof(*g));
		t = &g[n++];
		memset(t, 0, sizeof(*t));
		t->id = FEVER_TOPIC_BASE + topics[i].id;
		t->title = xstrdup(topics[i].name);
		t->topic_id = topics[i].id;
		/* Both by topic id: one pass. */
		while (j < ntf && tf[j].topic_id < topics[i].id)
			j++;
		for (; j < ntf && tf[j].topic_id == topics[i].id; j++)
			group_add_feed(t, tf[j].feed_id);
	}
	store_feed_list_free(feeds, nfeeds);
	store_topic_list_free(topics, ntopics);
	free(tf);
	*ret = g;
	*ret_n = n;
	return 0;
}

/* "1,2,3" */
static json_t *
id_list(const int64_t *ids, size_t n)
{
	struct buf b;
	json_t *s;

	buf_init(&b);
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s%lld", i > 0 ? "," : "", (long long)ids[i]);
	s = json_stringn(b.len > 0 ? b.data : "", b.len);
	buf_free(&b);
	return s;
}

/* groups (when with_groups) and feeds_groups. */
static int
add_groups(struct fever_req *f, json_t *doc, bool with_groups)
{
	json_t *groups = json_array(), *fg = json_array();
	struct fever_group *g;
	size_t n;

	if (fever_groups(f, &g, &n) == -1) {
		json_decref(groups);
		json_decref(fg);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(groups, json_pack("{s:I, s:s}", "id",
		    (json_int_t)g[i].id, "title", g[i].title));
		if (g[i].nfeeds > 0)
			json_array_append_new(fg, json_pack("{s:I, s:o}",
			    "group_id", (json_int_t)g[i].id, "feed_ids",
			    id_list(g[i].feed_ids, g[i].nfeeds)));
	}
	fever_groups_free(g, n);
	if (with_groups)
		json_object_set_new(doc, "groups", groups);
	else
		json_decref(groups);
	json_object_set_new(doc, "feeds_groups", fg);
	return 0;
}

static int
add_feeds(struct fever_req *f, json_t *doc)
{
	struct store_feed *feeds = NULL;
	json_t *a = json_array();
	size_t n = 0;

	if (store_feed_list(f->s, &feeds, &n) == -1) {
		json_decref(a);
		api_reply_error(f->req, 500, NULL, "cannot read the feeds "
		    "(see the daemon's log)");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct store_feed *fd = &feeds[i];

		json_array_append_new(a, json_pack("{s:I, s:i, s:s, s:s, s:s, "
		    "s:i, s:I}", "id", (json_int_t)fd->id, "favicon_id", 0,
		    "title", fd->title != NULL ? fd->title : fd->url,
		    "url", fd->url, "site_url", fd->site_link != NULL ?
		    fd->site_link : "", "is_spark", 0,
		    "last_updated_on_time", (json_int_t)fd->last_success));
	}
	store_feed_list_free(feeds, n);
	json_object_set_new(doc, "feeds", a);
	return 0;
}

/* ---- the door ---- */

/* Wipes the key from the parsed fields before they are freed. */
static void
forget_key(struct evkeyvalq *q)
{
	struct evkeyval *kv;

	TAILQ_FOREACH(kv, q, next)
		if (strcmp(kv->key, "api_key") == 0)
			OPENSSL_cleanse(kv->value, strlen(kv->value));
}

/* Whether the request names the section (as a bare key, or key=...). */
static bool
wants(const struct fever_req *f, const char *section)
{
	return fever_arg(f, section) != NULL;
}

/* The sections asked for, into doc. 0, or -1 after answering. */
static int
sections(struct fever_req *f, json_t *doc)
{
	bool groups = wants(f, "groups"), feeds = wants(f, "feeds");

	/* Writes first, so that what is read after shows them. */
	if (wants(f, "mark") && fever_mark(f) == -1)
		return -1;
	if ((groups || feeds) && add_groups(f, doc, groups) == -1)
		return -1;
	if (feeds && add_feeds(f, doc) == -1)
		return -1;
	/* No icons are kept: apps show their own. */
	if (wants(f, "favicons"))
		json_object_set_new(doc, "favicons", json_array());
	/* Fever's "hot links" have no counterpart here. */
	if (wants(f, "links"))
		json_object_set_new(doc, "links", json_array());
	if (wants(f, "items") && fever_items(f, doc) == -1)
		return -1;
	if (wants(f, "unread_item_ids") && fever_item_ids(f, doc, false) == -1)
		return -1;
	if (wants(f, "saved_item_ids") && fever_item_ids(f, doc, true) == -1)
		return -1;
	return 0;
}

void
fever_serve(struct api *api, struct evhttp_request *req, const char *path)
{
	struct fever_req f = { .api = api, .req = req };
	json_t *doc;

	(void)path;
	TAILQ_INIT(&f.query);
	TAILQ_INIT(&f.form);
	if (read_args(&f) == -1)
		goto out;
	if (evhttp_find_header(&f.query, "api") == NULL &&
	    evhttp_find_header(&f.form, "api") == NULL) {
		api_reply_error(req, 400, NULL, "the Fever API answers at "
		    "/fever/?api");
		goto out;
	}
	if ((f.s = api_store(api, req)) == NULL || login(&f) == -1)
		goto out;
	if ((doc = base_doc(&f)) == NULL) {
		api_reply_error(req, 500, NULL, "cannot read the feeds (see "
		    "the daemon's log)");
		goto out;
	}
	if (sections(&f, doc) == -1) {
		json_decref(doc);
		goto out;
	}
	api_reply(req, 200, doc);
out:
	forget_key(&f.form);
	evhttp_clear_headers(&f.query);
	evhttp_clear_headers(&f.form);
}
