/*
 * fever_items: the Fever sections about items (fever.h): items (since_id,
 * max_id, with_ids; FEVER_ITEMS_MAX a call), total_items, the unread and
 * saved ids, and mark (item, feed, group), all as the logged-in user's
 * state in the store.
 *
 * Paging: since_id gives the items above it, ascending, and max_id those
 * below it, descending (max_id=0: the newest); an app pages on with the
 * highest (lowest) id it got until an answer has no items. Entry ids only
 * grow, so a page never skips or repeats one. Without either, the oldest.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "api_reply.h"
#include "buf.h"
#include "fever.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

/* ---- items ---- */

static int
item_add(const struct store_entry *e, void *arg)
{
	json_t *items = arg;
	const char *html = e->content != NULL ? e->content :
	    e->summary != NULL ? e->summary : "";
	int64_t when = e->published != FEED_TIME_NONE ? e->published :
	    e->fetched;
	json_t *it;

	it = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:i, s:i, s:I}",
	    "id", (json_int_t)e->id, "feed_id", (json_int_t)e->feed_id,
	    "title", e->title != NULL ? e->title : "",
	    "author", e->author != NULL ? e->author : "",
	    "html", html, "url", e->link != NULL ? e->link : "",
	    "is_saved", e->starred ? 1 : 0, "is_read", e->read ? 1 : 0,
	    "created_on_time", (json_int_t)when);
	/* NULL: a text jansson refused (not UTF-8); the page goes on. */
	if (it == NULL)
		log_warnx("api: fever: entry %lld cannot be encoded",
		    (long long)e->id);
	else
		json_array_append_new(items, it);
	return 0;
}

/* with_ids: "1,2,3", at most FEVER_ITEMS_MAX. Count, or -1 (answered). */
static int
parse_ids(struct fever_req *f, const char *list, int64_t *ids)
{
	const char *p = list;
	char *end;
	int n = 0;
	long long v;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		v = strtoll(p, &end, 10);
		if (end == p || v <= 0 || n == FEVER_ITEMS_MAX)
			goto bad;
		ids[n++] = v;
		for (p = end; *p == ' '; p++)
			;
		if (*p == ',')
			p++;
		else if (*p != '\0')
			goto bad;
	}
	return n;
bad:
	api_reply_error(f->req, 400, NULL, "'with_ids' is a comma-separated "
	    "list of at most %d item ids", FEVER_ITEMS_MAX);
	return -1;
}

int
fever_items(struct fever_req *f, json_t *doc)
{
	struct store_entry_query q = { .user_id = f->user_id, .content = true,
	    .limit = FEVER_ITEMS_MAX };
	const char *with = fever_arg(f, "with_ids");
	int64_t ids[FEVER_ITEMS_MAX], max_id = -1, since_id = 0;
	struct store_status st;
	json_t *items = json_array();
	char err[256];
	size_t got;
	int n, rc = 0;

	if (fever_arg_int(f, "max_id", 0, INT64_MAX, &max_id) == -1 ||
	    fever_arg_int(f, "since_id", 0, INT64_MAX, &since_id) == -1)
		goto fail;
	if (with != NULL) {
		if ((n = parse_ids(f, with, ids)) == -1)
			goto fail;
		/* Each by its id: a one-row range of the primary key. */
		q.limit = 1;
		for (int i = 0; i < n && rc == 0; i++) {
			q.since_id = ids[i] - 1;
			q.before_id = ids[i] + 1;
			rc = store_entry_each(f->s, &q, item_add, items, &got,
			    err, sizeof(err));
		}
	} else {
		if (max_id >= 0) {
			q.descending = true;
			q.before_id = max_id;	/* 0: no bound, the newest */
		} else
			q.since_id = since_id;
		rc = store_entry_each(f->s, &q, item_add, items, &got, err,
		    sizeof(err));
	}
	if (rc != 0 || store_status_get(f->s, &st) == -1) {
		api_reply_error(f->req, 500, NULL, "cannot read the items "
		    "(see the daemon's log)");
		goto fail;
	}
	json_object_set_new(doc, "total_items", json_integer(st.entries));
	json_object_set_new(doc, "items", items);
	return 0;
fail:
	json_decref(items);
	return -1;
}

/* ---- lists of ids ---- */

/* Appends ",ID" (the first without the comma) to the buf in arg. */
static int
id_put(int64_t id, void *arg)
{
	struct buf *b = arg;
	char digits[24], *p = digits + sizeof(digits);
	uint64_t v = (uint64_t)id;

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	if (b->len > 0)
		*--p = ',';
	buf_append(b, p, (size_t)(digits + sizeof(digits) - p));
	return 0;
}

int
fever_item_ids(struct fever_req *f, json_t *doc, bool saved)
{
	struct buf b;
	json_t *s;
	int rc;

	buf_init(&b);
	rc = saved ? store_state_ids(f->s, f->user_id, STORE_FLAG_STARRED,
	    true, id_put, &b) : store_state_ids(f->s, f->user_id,
	    STORE_FLAG_READ, false, id_put, &b);
	if (rc == -1 || (s = json_stringn(b.len > 0 ? b.data : "", b.len)) ==
	    NULL) {
		buf_free(&b);
		api_reply_error(f->req, 500, NULL, "cannot list the items "
		    "(see the daemon's log)");
		return -1;
	}
	buf_free(&b);
	json_object_set_new(doc, saved ? "saved_item_ids" :
	    "unread_item_ids", s);
	return 0;
}

/* ---- marks ---- */

/* 0, -1 (the store failed), or -2 after answering 400. */
static int
mark_item(struct fever_req *f, const char *as, int64_t id)
{
	enum store_flag flag;
	bool on;

	if (strcmp(as, "read") == 0 || strcmp(as, "unread") == 0) {
		flag = STORE_FLAG_READ;
		on = as[0] == 'r';
	} else if (strcmp(as, "saved") == 0 || strcmp(as, "unsaved") == 0) {
		flag = STORE_FLAG_STARRED;
		on = as[0] == 's';
	} else {
		api_reply_error(f->req, 400, NULL, "an item is marked as read, "
		    "unread, saved or unsaved");
		return -2;	/* answered */
	}
	return store_state_set(f->s, f->user_id, flag, on, &id, 1, NULL);
}

/*
 * A group: 0 is every feed (Fever's "Kindling"), -1 the sparks (none
 * here), a topic's its stories, a category's the feeds filed in exactly
 * it (as its group lists them), marked in one transaction.
 */
/* 0, -1 (the store failed), or -2 after answering. */
static int
mark_group(struct fever_req *f, bool read, int64_t id, int64_t before)
{
	struct fever_group *g = NULL, *it = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (id == 0)
		return store_state_mark_all(f->s, f->user_id, NULL, read, 0,
		    before, NULL);
	if (id < 0)
		return 0;
	if (fever_groups(f, &g, &n) == -1)
		return -2;	/* answered */
	for (i = 0; i < n; i++)
		if (g[i].id == id)
			it = &g[i];
	if (it == NULL)
		log_debug("api: fever: no group %lld to mark", (long long)id);
	else if (it->topic_id != 0)
		rc = store_state_mark_all(f->s, f->user_id,
		    &(struct store_scope){ .topic_id = it->topic_id }, read, 0,
		    before, NULL);
	else if ((rc = store_batch_begin(f->s)) == 0) {
		for (i = 0; i < it->nfeeds && rc == 0; i++)
			rc = store_state_mark_all(f->s, f->user_id,
			    &(struct store_scope){ .feed_id = it->feed_ids[i] },
			    read, 0, before, NULL);
		if (store_batch_commit(f->s) == -1)
			rc = -1;
	}
	fever_groups_free(g, n);
	return rc;
}

int
fever_mark(struct fever_req *f)
{
	const char *mark = fever_arg(f, "mark"), *as = fever_arg(f, "as");
	int64_t id = -2, before = 0;
	bool read;
	int rc;

	if (fever_arg_int(f, "id", -1, INT64_MAX, &id) == -1 ||
	    fever_arg_int(f, "before", 0, INT64_MAX, &before) == -1)
		return -1;
	if (as == NULL || id == -2) {
		api_reply_error(f->req, 400, NULL, "mark takes 'as' and 'id'");
		return -1;
	}
	if (strcmp(mark, "item") == 0) {
		if (id <= 0) {
			api_reply_error(f->req, 400, NULL, "an item id is "
			    "positive");
			return -1;
		}
		if ((rc = mark_item(f, as, id)) == -2)
			return -1;
	} else if (strcmp(mark, "feed") == 0 || strcmp(mark, "group") == 0) {
		if (strcmp(as, "read") != 0 && strcmp(as, "unread") != 0) {
			api_reply_error(f->req, 400, NULL, "a %s is marked as "
			    "read or unread", mark);
			return -1;
		}
		read = strcmp(as, "read") == 0;
		if (mark[0] == 'f')
			rc = id <= 0 ? 0 : store_state_mark_all(f->s,
			    f->user_id, &(struct store_scope){ .feed_id = id },
			    read, 0, before, NULL);
		else if ((rc = mark_group(f, read, id, before)) == -2)
			return -1;
	} else {
		api_reply_error(f->req, 400, NULL, "mark is item, feed or "
		    "group");
		return -1;
	}
	if (rc == -1) {
		api_reply_error(f->req, 500, NULL, "cannot mark (see the "
		    "daemon's log)");
		return -1;
	}
	return 0;
}
