/*
 * store_prune: retention. Small batches, each its own short transaction,
 * so a poll never waits long behind pruning. A pruned entry's key (and its
 * link + title) moves to the seen table: the feed may still carry the item,
 * and it must not come back as new.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>
#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_sqlite.h"
#include "store_prune.h"
#include "xmalloc.h"

#define DEFAULT_BATCH	500
#define DEFAULT_MIN	50
#define DEFAULT_EVERY_S	3600

/*
 * Never pruned: an entry a topic lists, fetched since the topic
 * retention's cutoff (?5), and an entry anyone starred. ?1, ?2 and ?4 are
 * each statement's own.
 */
#define PROTECTED \
	"((EXISTS (SELECT 1 FROM topic_matches m WHERE m.entry_id = e.id" \
	" AND m.dup = 0) AND e.fetched >= ?5) OR EXISTS (SELECT 1" \
	" FROM entry_state x WHERE x.entry_id = e.id AND x.starred = 1))"

struct store_pruner {
	struct store		*store;
	struct event		*ev;
	struct store_retention	 ret;
	int64_t			 every_s;
	uint64_t		 count;
};

struct victim {
	int64_t	 id;
	int64_t	 feed_id;
	int64_t	 key_hash;
	int64_t	 lt_hash;
	bool	 has_lt;
};

struct victims {
	struct victim	*v;
	size_t		 n;
	size_t		 max;
};

static int
collect(struct sqlite_store *s, sqlite3_stmt *st, struct victims *vs)
{
	int rc = SQLITE_DONE;

	while (vs->n < vs->max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct victim *v = &vs->v[vs->n++];

		v->id = sqlite3_column_int64(st, 0);
		v->feed_id = sqlite3_column_int64(st, 1);
		v->key_hash = sqlite3_column_int64(st, 2);
		v->has_lt = sqlite3_column_type(st, 3) != SQLITE_NULL;
		v->lt_hash = sqlite3_column_int64(st, 3);
	}
	if (vs->n == vs->max)
		rc = SQLITE_DONE;
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "choosing entries to prune");
	return 0;
}

static int
seen_add(struct sqlite_store *s, int64_t feed_id, int64_t hash)
{
	static const struct store_sql sql = { ST_SEEN_ADD,
	    "INSERT OR IGNORE INTO seen(feed_id, hash) VALUES (?, ?)" };
	sqlite3_stmt *st = store_stmt(s, &sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, feed_id);
	sqlite3_bind_int64(st, 2, hash);
	return store_exec(s, st, "remembering a pruned key");
}

static int
cmp_victim(const void *a, const void *b)
{
	const struct victim *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * Drops the victims (unique by id): keys to the seen table, then one
 * DELETE for all, whose trigger keeps the FTS index in step.
 */
static int
drop_all(struct sqlite_store *s, struct victim *v, size_t n)
{
	/* One statement for the batch: FTS5 flushes once per statement. */
	static const struct store_sql sql = { ST_PRUNE_DELETE,
	    "DELETE FROM entries WHERE id IN"
	    " (SELECT value FROM json_each(?))" };
	sqlite3_stmt *st;
	json_t *ids;
	char *text;
	size_t i;
	int rc;

	ids = json_array();
	for (i = 0; i < n; i++) {
		if (seen_add(s, v[i].feed_id, v[i].key_hash) == -1 ||
		    (v[i].has_lt && seen_add(s, v[i].feed_id,
		    v[i].lt_hash) == -1) ||
		    store_feed_count_add(s, v[i].feed_id, -1) == -1) {
			json_decref(ids);
			return -1;
		}
		json_array_append_new(ids, json_integer(v[i].id));
	}
	text = json_dumps(ids, JSON_COMPACT);
	json_decref(ids);
	if ((st = store_stmt(s, &sql)) == NULL) {
		free(text);
		return -1;
	}
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	rc = store_exec(s, st, "pruning entries");
	free(text);
	return rc;
}

/* Entries beyond max_entries_per_feed, oldest first. */
static int
over_count(struct sqlite_store *s, const struct store_retention *r,
    int64_t topic_cutoff, struct victims *vs)
{
	/* Feeds over ?1 entries, 64 at a time from id ?2 on. */
	static const struct store_sql sql_feeds = { ST_PRUNE_OVER_FEEDS,
	    "SELECT id FROM feeds WHERE entry_count > ?1 AND id > ?2"
	    " ORDER BY id LIMIT 64" };
	/* Feed ?1's entries beyond its newest ?2, at most ?4. */
	static const struct store_sql sql_excess = { ST_PRUNE_FEED_EXCESS,
	    "SELECT e.id, e.feed_id, e.key_hash, e.lt_hash FROM entries e"
	    " WHERE e.feed_id = ?1"
	    " AND e.id <= (SELECT id FROM entries WHERE feed_id = ?1"
	    " ORDER BY id DESC LIMIT 1 OFFSET ?2)"
	    " AND NOT " PROTECTED
	    " ORDER BY e.id LIMIT ?4" };
	sqlite3_stmt *feeds, *st;
	int64_t *ids = NULL, last = 0;
	size_t nids = 0, i;
	int rc;

	if ((feeds = store_stmt(s, &sql_feeds)) == NULL ||
	    (st = store_stmt(s, &sql_excess)) == NULL)
		return -1;
	while (vs->n < vs->max) {
		sqlite3_bind_int64(feeds, 1, r->max_entries_per_feed);
		sqlite3_bind_int64(feeds, 2, last);
		nids = 0;
		while ((rc = sqlite3_step(feeds)) == SQLITE_ROW) {
			ids = xreallocarray(ids, nids + 1, sizeof(*ids));
			ids[nids++] = sqlite3_column_int64(feeds, 0);
		}
		sqlite3_reset(feeds);
		if (rc != SQLITE_DONE) {
			free(ids);
			return store_fail(s, "choosing feeds to prune");
		}
		if (nids == 0)
			break;
		for (i = 0; i < nids && vs->n < vs->max; i++) {
			sqlite3_bind_int64(st, 1, ids[i]);
			sqlite3_bind_int64(st, 2, r->max_entries_per_feed);
			sqlite3_bind_int64(st, 4, (int64_t)(vs->max - vs->n));
			sqlite3_bind_int64(st, 5, topic_cutoff);
			if (collect(s, st, vs) == -1) {
				free(ids);
				return -1;
			}
		}
		last = ids[nids - 1];
	}
	free(ids);
	return 0;
}

int
sqlite_store_prune(struct sqlite_store *s, const struct store_retention *r,
    size_t batch,
    size_t *ret_pruned)
{
	/*
	 * Entries fetched before ?1, beyond their feed's newest ?2, at
	 * most ?4.
	 */
	static const struct store_sql sql_aged = { ST_PRUNE_AGED,
	    "SELECT e.id, e.feed_id, e.key_hash, e.lt_hash FROM entries e"
	    " WHERE e.fetched < ?1"
	    " AND e.id <= (SELECT id FROM entries WHERE feed_id = e.feed_id"
	    " ORDER BY id DESC LIMIT 1 OFFSET ?2)"
	    " AND NOT " PROTECTED
	    " ORDER BY e.id LIMIT ?4" };
	struct victims vs = { 0 };
	sqlite3_stmt *st;
	int64_t now = store_now(s), topic_cutoff, min_keep;
	size_t i, pruned = 0;

	if (ret_pruned != NULL)
		*ret_pruned = 0;
	vs.max = batch == 0 ? DEFAULT_BATCH : batch;
	vs.v = xcalloc(vs.max, sizeof(*vs.v));
	min_keep = r->min_entries_per_feed > 0 ? r->min_entries_per_feed :
	    DEFAULT_MIN;
	/* Entries a topic lists stay until the topic retention says. */
	if (r->topic_max_age_s > 0)
		topic_cutoff = now - r->topic_max_age_s;
	else if (r->max_age_s > 0)
		topic_cutoff = now - r->max_age_s;
	else
		topic_cutoff = INT64_MIN;

	if (store_begin(s) == -1) {
		free(vs.v);
		return -1;
	}
	if (r->max_entries_per_feed > 0 &&
	    over_count(s, r, topic_cutoff, &vs) == -1)
		goto fail;
	if (r->max_age_s > 0 && vs.n < vs.max) {
		if ((st = store_stmt(s, &sql_aged)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, now - r->max_age_s);
		/* Only entries older than the feed's min_keep newest. */
		sqlite3_bind_int64(st, 2, min_keep);
		sqlite3_bind_int64(st, 4, (int64_t)(vs.max - vs.n));
		sqlite3_bind_int64(st, 5, topic_cutoff);
		if (collect(s, st, &vs) == -1)
			goto fail;
	}
	/* Both passes may have picked the same entry. */
	qsort(vs.v, vs.n, sizeof(*vs.v), cmp_victim);
	for (i = 0; i < vs.n; i++)
		if (pruned == 0 || vs.v[i].id != vs.v[pruned - 1].id)
			vs.v[pruned++] = vs.v[i];
	if (pruned > 0 && drop_all(s, vs.v, pruned) == -1)
		goto fail;
	if (store_commit(s) == -1) {
		free(vs.v);
		return -1;
	}
	if (ret_pruned != NULL)
		*ret_pruned = pruned;
	if (pruned > 0)
		log_debug("store: pruned %zu entries", pruned);
	free(vs.v);
	return vs.n == vs.max;
fail:
	store_rollback(s);
	free(vs.v);
	return -1;
}

/* ---- the background pruner ---- */

static void
arm(struct store_pruner *p, int64_t seconds)
{
	struct timeval tv = { (time_t)seconds, 0 };

	/* A zero timeout runs after the events already waiting. */
	evtimer_add(p->ev, &tv);
}

static void
on_prune(evutil_socket_t fd, short what, void *arg)
{
	struct store_pruner *p = arg;
	size_t pruned = 0;
	int rc;

	rc = store_prune(p->store, &p->ret, DEFAULT_BATCH, &pruned);
	p->count += pruned;
	arm(p, rc == 1 ? 0 : p->every_s);
}

struct store_pruner *
store_pruner_new(struct event_base *base, struct store *s,
    const struct store_retention *r, int64_t interval_s)
{
	struct store_pruner *p = xcalloc(1, sizeof(*p));

	p->store = s;
	p->ret = *r;
	p->every_s = interval_s > 0 ? interval_s : DEFAULT_EVERY_S;
	if ((p->ev = evtimer_new(base, on_prune, p)) == NULL) {
		log_warnx("store: cannot create the pruning timer, "
		    "retention is off");
		return p;
	}
	if (r->max_entries_per_feed > 0 || r->max_age_s > 0)
		arm(p, 0);
	return p;
}

void
store_pruner_set(struct store_pruner *p, const struct store_retention *r)
{
	p->ret = *r;
	if (p->ev == NULL)
		return;
	evtimer_del(p->ev);
	if (r->max_entries_per_feed > 0 || r->max_age_s > 0)
		arm(p, 0);
}

uint64_t
store_pruner_count(const struct store_pruner *p)
{
	return p->count;
}

void
store_pruner_free(struct store_pruner *p)
{
	if (p == NULL)
		return;
	if (p->ev != NULL)
		event_free(p->ev);
	free(p);
}
