/*
 * store_topic: topics (named FTS5 queries), their matches and the
 * cross-feed deduplication of what a topic lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_sqlite.h"
#include "xmalloc.h"


/* The columns topic_read() reads, in its order. */
#define TOPIC_COLS \
	"t.id, t.name, t.query, t.origin, t.notify, t.created, t.match_count," \
	" t.feed_ids, t.category, t.notify_dropped"

static void
topic_read(sqlite3_stmt *st, void *row)
{
	struct store_topic *t = row;
	const char *origin = (const char *)sqlite3_column_text(st, 3);

	t->id = sqlite3_column_int64(st, 0);
	t->name = store_col_dup(st, 1);
	t->query = store_col_dup(st, 2);
	t->origin = origin != NULL && strcmp(origin, "config") == 0 ?
	    STORE_ORIGIN_CONFIG : STORE_ORIGIN_API;
	t->notify = store_col_dup(st, 4);
	t->created = sqlite3_column_int64(st, 5);
	t->match_count = sqlite3_column_int64(st, 6);
	store_topic_feed_ids_read(t, (const char *)sqlite3_column_text(st, 7));
	t->category = store_col_dup(st, 8);
	t->notify_dropped = store_col_dup(st, 9);
}

static void
topic_clear(void *row)
{
	store_topic_clear(row);
}

void
store_topic_clear(struct store_topic *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->query);
	free(t->notify);
	free(t->feed_ids);
	free(t->category);
	free(t->notify_dropped);
	memset(t, 0, sizeof(*t));
}

void
store_topic_list_free(struct store_topic *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_topic_clear(&t[i]);
	free(t);
}

/* SQLITE_ERROR from an FTS statement is the query's fault. */
static int
query_error(struct sqlite_store *s, int rc, const char *what, char *err,
    size_t errlen)
{
	if ((rc & 0xff) == SQLITE_ERROR) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
		return STORE_EQUERY;
	}
	return store_fail(s, what);
}

int
sqlite_store_fts_check(struct sqlite_store *s, const char *query, char *err,
    size_t errlen)
{
	/* Compiling the query is the check; no row is ever -1. */
	static const struct store_sql sql = { ST_FTS_CHECK,
	    "SELECT rowid FROM entries_fts WHERE entries_fts MATCH ?"
	    " AND rowid = -1" };
	sqlite3_stmt *st;
	int rc;

	if (query == NULL || query[0] == '\0') {
		snprintf(err, errlen, "empty query");
		return STORE_EQUERY;
	}
	if ((st = store_stmt(s, &sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		rc = query_error(s, rc, "checking a query", err, errlen);
	else
		rc = 0;
	sqlite3_reset(st);
	return rc;
}

int
store_fts_check_query(const char *query, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (query == NULL || query[0] == '\0') {
		snprintf(err, errlen, "empty query");
		return STORE_EQUERY;
	}
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK || sqlite3_exec(db, "CREATE VIRTUAL TABLE entries_fts "
	    "USING fts5(" STORE_FTS_COLUMNS ")", NULL, NULL, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, "SELECT rowid FROM "
	    "entries_fts WHERE entries_fts MATCH ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot make an in-memory index: %s",
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		rc = 0;
	else if ((rc & 0xff) == SQLITE_ERROR) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		rc = STORE_EQUERY;
	} else {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		rc = -1;
	}
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

static int
topic_lookup(struct sqlite_store *s, sqlite3_stmt *st, struct store_topic *ret)
{
	return store_one_row(s, st, sizeof(*ret), topic_read, ret,
	    "reading a topic");
}

int
sqlite_store_topic_get(struct sqlite_store *s, int64_t id,
    struct store_topic *ret)
{
	static const struct store_sql sql = { ST_TOPIC_GET,
	    "SELECT " TOPIC_COLS " FROM topics t WHERE t.id = ?" };

	return topic_lookup(s, store_bound_id(s, &sql, id), ret);
}

int
sqlite_store_topic_get_by_name(struct sqlite_store *s, const char *name,
    struct store_topic *ret)
{
	static const struct store_sql sql = { ST_TOPIC_GET_BY_NAME,
	    "SELECT " TOPIC_COLS " FROM topics t WHERE t.name = ?" };

	return topic_lookup(s, store_bound_text(s, &sql, name), ret);
}

int
sqlite_store_topic_list(struct sqlite_store *s, struct store_topic **ret,
    size_t *ret_n)
{
	static const struct store_sql sql = { ST_TOPIC_LIST,
	    "SELECT " TOPIC_COLS " FROM topics t ORDER BY t.id" };

	return store_all_rows(s, store_stmt(s, &sql), sizeof(**ret),
	    topic_read, topic_clear, (void **)ret, ret_n, "listing topics");
}

static void
topic_feed_read(sqlite3_stmt *st, void *row)
{
	struct store_topic_feed *tf = row;

	tf->topic_id = sqlite3_column_int64(st, 0);
	tf->feed_id = sqlite3_column_int64(st, 1);
}

int
sqlite_store_topic_feeds(struct sqlite_store *s, struct store_topic_feed **ret,
    size_t *ret_n)
{
	static const struct store_sql sql = { ST_TOPIC_FEEDS,
	    "SELECT DISTINCT topic_id, feed_id FROM topic_matches"
	    " WHERE dup = 0 ORDER BY topic_id, feed_id" };

	return store_all_rows(s, store_stmt(s, &sql), sizeof(**ret),
	    topic_feed_read, NULL, (void **)ret, ret_n,
	    "listing the feeds of topics");
}

int
sqlite_store_topic_add(struct sqlite_store *s, const char *name,
    const char *query,
    const char *notify, const struct store_topic_subset *subset,
    enum store_origin origin, int64_t *ret_id, char *err, size_t errlen)
{
	static const struct store_sql sql = { ST_TOPIC_ADD,
	    "INSERT INTO topics(name, query, origin, notify, created,"
	    " feed_ids, category) VALUES (?, ?, ?, ?, ?, ?, ?)" };
	struct store_topic t;
	sqlite3_stmt *st;
	char *ids;
	int rc;

	*ret_id = 0;
	if (name == NULL || name[0] == '\0') {
		snprintf(err, errlen, "empty topic name");
		return STORE_EQUERY;
	}
	if ((rc = sqlite_store_fts_check(s, query, err, errlen)) != 0)
		return rc;
	if ((rc = sqlite_store_topic_get_by_name(s, name, &t)) != 0) {
		*ret_id = t.id;
		store_topic_clear(&t);
		return rc;
	}
	if ((st = store_stmt(s, &sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, query, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, store_origin_name(origin), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, notify, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, store_now(s));
	ids = subset != NULL ? store_topic_feed_ids_text(subset->feed_ids,
	    subset->nfeed_ids) : NULL;
	sqlite3_bind_text(st, 6, ids, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, subset != NULL ? subset->category : NULL, -1,
	    SQLITE_STATIC);
	rc = store_exec(s, st, "adding a topic");
	free(ids);
	if (rc == -1)
		return -1;
	*ret_id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

/* Inside the caller's transaction. */
static int
topic_set(struct sqlite_store *s, const struct store_topic *old,
    const char *query,
    const char *notify)
{
	/* A hook named: a dropped command's note has done its job. */
	static const struct store_sql sql = { ST_TOPIC_UPDATE,
	    "UPDATE topics SET query = ?2, notify = ?3,"
	    " notify_dropped = CASE WHEN ?3 IS NULL THEN notify_dropped END"
	    " WHERE id = ?1" };
	static const struct store_sql sql_clear = { ST_TOPIC_CLEAR_MATCHES,
	    "DELETE FROM topic_matches WHERE topic_id = ?" };
	sqlite3_stmt *st;

	if ((st = store_stmt(s, &sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, old->id);
	sqlite3_bind_text(st, 2, query, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, notify, -1, SQLITE_STATIC);
	if (store_exec(s, st, "updating a topic") == -1)
		return -1;
	if (strcmp(old->query, query) == 0)
		return 0;
	/* Old matches answered another question. */
	return store_exec_id(s, &sql_clear, old->id,
	    "clearing a topic's matches");
}

int
sqlite_store_topic_update(struct sqlite_store *s, int64_t id, const char *query,
    const char *notify, char *err, size_t errlen)
{
	struct store_topic t;
	int rc;

	if ((rc = sqlite_store_fts_check(s, query, err, errlen)) != 0)
		return rc;
	if ((rc = sqlite_store_topic_get(s, id, &t)) != 1)
		return rc;
	if (store_begin(s) == -1)
		goto fail;
	if (topic_set(s, &t, query, notify) == -1) {
		store_rollback(s);
		goto fail;
	}
	store_topic_clear(&t);
	return store_commit(s) == -1 ? -1 : 1;
fail:
	store_topic_clear(&t);
	return -1;
}

/* Inside the caller's transaction. 1 / 0 / -1. */
static int
topic_delete(struct sqlite_store *s, int64_t id)
{
	static const struct store_sql sql_cursors = { ST_TOPIC_CLEAR_CURSORS,
	    "DELETE FROM cursors WHERE topic_id = ?" };
	static const struct store_sql sql = { ST_TOPIC_REMOVE,
	    "DELETE FROM topics WHERE id = ?" };

	if (store_exec_id(s, &sql_cursors, id,
	    "removing a topic's cursors") == -1)
		return -1;
	if (store_exec_id(s, &sql, id, "removing a topic") == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
sqlite_store_topic_remove(struct sqlite_store *s, int64_t id)
{
	return store_in_tx(s, topic_delete, id);
}

static int
reconcile_topic(struct sqlite_store *s, const struct store_config_topic *ct,
    struct store_reconcile_result *res, char *err, size_t errlen)
{
	/* A config topic's subset and notify are feedd.conf's. */
	static const struct store_sql sql_adopt = { ST_TOPIC_ADOPT,
	    "UPDATE topics SET origin = 'config', feed_ids = NULL,"
	    " category = NULL, notify_dropped = NULL WHERE id = ?" };
	struct store_topic t;
	int64_t id;
	int rc, found;

	if ((rc = sqlite_store_fts_check(s, ct->query, err, errlen)) != 0) {
		if (rc == STORE_EQUERY) {
			char *why = xstrdup(err);

			snprintf(err, errlen, "topic '%s': %s", ct->name, why);
			free(why);
		}
		return rc;
	}
	if ((found = sqlite_store_topic_get_by_name(s, ct->name, &t)) == -1)
		return -1;
	if (!found) {
		rc = sqlite_store_topic_add(s, ct->name, ct->query, ct->notify,
		    NULL,
		    STORE_ORIGIN_CONFIG, &id, err, errlen);
		if (rc == 0)
			res->added++;
		return rc;
	}
	rc = 0;
	if (t.origin == STORE_ORIGIN_CONFIG && strcmp(t.query, ct->query) == 0 &&
	    ((t.notify == NULL && ct->notify == NULL) || (t.notify != NULL &&
	    ct->notify != NULL && strcmp(t.notify, ct->notify) == 0))) {
		res->unchanged++;
		goto out;
	}
	res->updated++;
	if ((rc = topic_set(s, &t, ct->query, ct->notify)) == -1)
		goto out;
	rc = store_exec_id(s, &sql_adopt, t.id, "adopting a topic");
out:
	store_topic_clear(&t);
	return rc;
}

int
sqlite_store_topics_reconcile(struct sqlite_store *s,
    const struct store_config_topic *topics, size_t n,
    struct store_reconcile_result *ret, char *err, size_t errlen)
{
	static const struct store_sql sql_configured = { ST_TOPIC_CONFIG_LIST,
	    "SELECT id, name FROM topics WHERE origin = 'config'" };
	struct store_reconcile_result res = { 0 };
	size_t i;
	int rc = -1;

	if (store_begin(s) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (topics[i].name == NULL || topics[i].query == NULL) {
			snprintf(err, errlen, "configured topic %zu has no "
			    "name or query", i);
			rc = STORE_EQUERY;
			goto fail;
		}
		if ((rc = reconcile_topic(s, &topics[i], &res, err,
		    errlen)) != 0)
			goto fail;
	}
	rc = -1;
	if (store_drop_unnamed(s, &sql_configured, topics, n,
	    sizeof(*topics), offsetof(struct store_config_topic, name),
	    topic_delete, &res.removed) == -1)
		goto fail;
	if (store_commit(s) == -1)
		return -1;
	if (ret != NULL)
		*ret = res;
	return 0;
fail:
	store_rollback(s);
	return rc;
}

/* A found entry and its keys, hashed as read: no copy of its text. */
struct found {
	int64_t			 id;
	struct store_match_key	 k;
};

/*
 * Same title, another feed, close in time (STORE_TITLE_DUP_WINDOW_S): one
 * article whose copies carry unrelated links (a syndication redirect, a
 * different path per site). Short titles ("Live updates") are too common
 * to tell anything.
 */
#define TITLE_DUP_MIN_LEN	24
#define SEED_TITLE	0x7469746cULL

bool
store_title_key(const char *title, size_t len, int64_t *ret)
{
	if (title == NULL || len < TITLE_DUP_MIN_LEN)
		return false;
	*ret = (int64_t)store_hash(title, len, SEED_TITLE);
	return true;
}

/* q with k's topic (?1), key (?2) and feed (?3) bound; NULL on error. */
static sqlite3_stmt *
same_key(struct sqlite_store *s, const struct store_sql *q,
    const struct store_match_key *k, int64_t key)
{
	sqlite3_stmt *st = store_bound_id(s, q, k->topic_id);

	if (st != NULL) {
		sqlite3_bind_int64(st, 2, key);
		sqlite3_bind_int64(st, 3, k->feed_id);
	}
	return st;
}

/* st's first entry id. 1 found, 0, -1. */
static int
first_entry(struct sqlite_store *s, sqlite3_stmt *st, int64_t *ret_entry_id)
{
	return store_one_row(s, st, sizeof(*ret_entry_id), store_read_int64,
	    ret_entry_id, "checking a match");
}

int
store_match_original(struct sqlite_store *s, const struct store_match_key *k,
    int64_t *ret_entry_id)
{
	/*
	 * The entries known by the key first (few: the copies of one
	 * story), then the topic's match of each by primary key. Without
	 * statistics SQLite could walk the topic's matches instead: INDEXED
	 * BY and CROSS JOIN fix the plan.
	 */
	static const struct store_sql sql_link = { ST_MATCH_SAME_LINK,
	    "SELECT k.entry_id FROM match_keys k INDEXED BY match_keys_norm"
	    " CROSS JOIN topic_matches m ON m.topic_id = ?1"
	    " AND m.entry_id = k.entry_id"
	    " WHERE k.norm_hash = ?2 AND k.feed_id <> ?3 AND m.dup = 0"
	    " ORDER BY k.entry_id LIMIT 1" };
	/* The fallback for links that differ beyond normalizing. */
	static const struct store_sql sql_title = { ST_MATCH_SAME_TITLE,
	    "SELECT k.entry_id FROM match_keys k INDEXED BY match_keys_title"
	    " CROSS JOIN topic_matches m ON m.topic_id = ?1"
	    " AND m.entry_id = k.entry_id"
	    " WHERE k.title_key = ?2 AND k.published BETWEEN ?4 - ?5"
	    " AND ?4 + ?5 AND k.feed_id <> ?3 AND m.dup = 0"
	    " ORDER BY k.entry_id LIMIT 1" };
	sqlite3_stmt *st;
	int rc;

	*ret_entry_id = 0;
	/* Found in entry order, the indexes' own: ORDER BY costs nothing. */
	if (k->has_norm && (rc = first_entry(s, same_key(s, &sql_link, k,
	    k->norm_hash), ret_entry_id)) != 0)
		return rc;
	if (!k->has_title)
		return 0;
	if ((st = same_key(s, &sql_title, k, k->title_key)) != NULL) {
		sqlite3_bind_int64(st, 4, k->when);
		sqlite3_bind_int64(st, 5, STORE_TITLE_DUP_WINDOW_S);
	}
	return first_entry(s, st, ret_entry_id);
}

/*
 * Whether any entry of first..last was read by anyone: new entries have
 * no state yet, and one range probe then spares each match its own.
 * 1 / 0 / -1.
 */
static int
range_read(struct sqlite_store *s, int64_t first, int64_t last)
{
	static const struct store_sql sql = { ST_MATCH_RANGE_READ,
	    "SELECT 1 FROM entry_state WHERE entry_id BETWEEN ?1 AND ?2"
	    " AND read = 1 LIMIT 1" };
	sqlite3_stmt *st;
	int64_t one;

	if ((st = store_bound_id(s, &sql, first)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 2, last);
	return store_one_row(s, st, sizeof(one), store_read_int64, &one,
	    "checking matches' readers");
}

/*
 * A match listed for an entry some users had read counts as read in the
 * topic for them (topic_reads). New entries have no state yet, so the
 * read-only lookup is nearly always all it costs.
 */
static int
listed_reads(struct sqlite_store *s, int64_t topic_id, int64_t entry_id)
{
	static const struct store_sql sql_read_by = { ST_MATCH_READ_BY,
	    "SELECT 1 FROM entry_state WHERE entry_id = ?1 AND read = 1"
	    " LIMIT 1" };
	static const struct store_sql sql_add = { ST_MATCH_READS_ADD,
	    "INSERT INTO topic_reads(user_id, topic_id, n)"
	    " SELECT x.user_id, ?2, 1 FROM entry_state x"
	    " WHERE x.entry_id = ?1 AND x.read = 1 AND true"
	    " ON CONFLICT(user_id, topic_id) DO UPDATE SET n = n + 1" };
	sqlite3_stmt *st;
	int64_t one;
	int rc;

	rc = store_one_row(s, store_bound_id(s, &sql_read_by, entry_id),
	    sizeof(one), store_read_int64, &one, "checking a match's readers");
	if (rc != 1)
		return rc;
	if ((st = store_bound_id(s, &sql_add, entry_id)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 2, topic_id);
	return store_exec(s, st, "counting a match as read");
}

/* ---- a transaction's keys ---- */

/*
 * The keys of the entries that a transaction's topics match, read and
 * hashed once per entry rather than once per match, and what is known of
 * each one's copies: under broad topics an entry has about 20 matches
 * (bench/README-topics.md, "Broad topics"). An entry that no entry of
 * another feed shares a key with (twin_check, at its first match) needs
 * no fold check for its next topics; when an entry that does share one
 * is keyed later in the transaction, the entries it shares it with are
 * told (twins_tell). Any commit or rollback, a savepoint's included,
 * drops what is held (store_mkeys_drop): its flags must not outlive the
 * rows they describe. At MKEYS_MAX entries (a broad topic's back-fill)
 * it starts again empty.
 */
#define MKEYS_MAX	16384

enum twin {
	TWIN_UNKNOWN,		/* not asked yet */
	TWIN_NONE,		/* no entry of another feed shares a key */
	TWIN_MAYBE		/* one may: the fold check decides */
};

struct mkey {
	struct found	 f;
	enum twin	 twin;
	bool		 keyed;		/* its match_keys row is written */
};

struct store_mkeys {
	struct mkey	*v;
	size_t		 n;
	uint32_t	*slot;		/* open addressing: index + 1, 0 free */
	size_t		 nslot;		/* a power of two, > 2 n */
};

void
store_mkeys_drop(struct sqlite_store *s)
{
	if (s->mkeys == NULL)
		return;
	free(s->mkeys->v);
	free(s->mkeys->slot);
	free(s->mkeys);
	s->mkeys = NULL;
}

static size_t
mkeys_hash(int64_t id, size_t nslot)
{
	return (size_t)(((uint64_t)id * 0x9e3779b97f4a7c15ULL) >> 32) &
	    (nslot - 1);
}

/* The slot of id: its entry's, or the free one it would take. */
static uint32_t *
mkeys_slot(struct store_mkeys *mk, int64_t id)
{
	size_t i = mkeys_hash(id, mk->nslot);

	while (mk->slot[i] != 0 && mk->v[mk->slot[i] - 1].f.id != id)
		i = (i + 1) & (mk->nslot - 1);
	return &mk->slot[i];
}

static void
mkeys_grow(struct store_mkeys *mk)
{
	size_t i;

	free(mk->slot);
	mk->nslot = mk->nslot == 0 ? 256 : mk->nslot * 2;
	mk->slot = xcalloc(mk->nslot, sizeof(*mk->slot));
	for (i = 0; i < mk->n; i++)
		*mkeys_slot(mk, mk->v[i].f.id) = (uint32_t)i + 1;
	mk->v = xreallocarray(mk->v, mk->nslot / 2, sizeof(*mk->v));
}

static void	found_read(sqlite3_stmt *, int64_t, struct found *);

/* Entry id's keys into *f. 1, 0 when the entry is gone, -1. */
static int
keys_read(struct sqlite_store *s, int64_t id, struct found *f)
{
	static const struct store_sql sql = { ST_MATCH_KEYS_READ,
	    "SELECT id, feed_id, norm_link, title,"
	    " COALESCE(published, fetched) FROM entries WHERE id = ?1" };
	sqlite3_stmt *st;
	int step;

	if ((st = store_bound_id(s, &sql, id)) == NULL)
		return -1;
	if ((step = sqlite3_step(st)) == SQLITE_ROW)
		found_read(st, 0, f);
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return store_fail(s, "reading a match's keys");
	return step == SQLITE_ROW;
}

/*
 * Entry id's place in s->mkeys, its keys read at its first match in the
 * transaction. 1 with *ret set, 0 when the entry is gone, -1. Where an
 * entry is held moves as more are: pointers wait until all are got.
 */
static int
mkeys_get(struct sqlite_store *s, int64_t id, size_t *ret)
{
	struct store_mkeys *mk;
	struct mkey *e;
	uint32_t *slot;
	int rc;

	if (s->mkeys == NULL)
		s->mkeys = xcalloc(1, sizeof(*s->mkeys));
	mk = s->mkeys;
	if (mk->nslot == 0 || 2 * (mk->n + 1) >= mk->nslot)
		mkeys_grow(mk);
	if (*(slot = mkeys_slot(mk, id)) != 0) {
		*ret = *slot - 1;
		return 1;
	}
	e = &mk->v[mk->n];
	memset(e, 0, sizeof(*e));
	if ((rc = keys_read(s, id, &e->f)) != 1)
		return rc;
	*ret = mk->n;
	*slot = (uint32_t)++mk->n;
	return 1;
}

/* Whether a and b, of two feeds, share a key (the title's, any date). */
static bool
twins(const struct store_match_key *a, const struct store_match_key *b)
{
	return a->feed_id != b->feed_id &&
	    ((a->has_norm && b->has_norm && a->norm_hash == b->norm_hash) ||
	    (a->has_title && b->has_title && a->title_key == b->title_key));
}

/*
 * e may have a copy: the entries held that were found to have none may
 * be copies of e, or e of them, from now on. A walk over what is held,
 * only when an entry has a twin at all.
 */
static void
twins_tell(struct sqlite_store *s, const struct mkey *e)
{
	struct store_mkeys *mk = s->mkeys;

	for (size_t i = 0; i < mk->n; i++)
		if (mk->v[i].twin == TWIN_NONE && twins(&mk->v[i].f.k,
		    &e->f.k))
			mk->v[i].twin = TWIN_MAYBE;
}

/*
 * Whether an entry of another feed is known by e's keys (any topic's:
 * the fold check then asks the topic's). Once per entry and transaction.
 * 0 / -1.
 */
static int
twin_check(struct sqlite_store *s, struct mkey *e)
{
	static const struct store_sql sql = { ST_MATCH_KEYS_TWIN,
	    "SELECT EXISTS (SELECT 1 FROM match_keys"
	    "  INDEXED BY match_keys_norm WHERE norm_hash = ?1"
	    "  AND feed_id <> ?2)"
	    " OR EXISTS (SELECT 1 FROM match_keys"
	    "  INDEXED BY match_keys_title WHERE title_key = ?3"
	    "  AND published BETWEEN ?4 - ?5 AND ?4 + ?5 AND feed_id <> ?2)" };
	const struct store_match_key *k = &e->f.k;
	sqlite3_stmt *st;
	int64_t yes = 0;

	if ((st = store_stmt(s, &sql)) == NULL)
		return -1;
	if (k->has_norm)
		sqlite3_bind_int64(st, 1, k->norm_hash);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int64(st, 2, k->feed_id);
	if (k->has_title)
		sqlite3_bind_int64(st, 3, k->title_key);
	else
		sqlite3_bind_null(st, 3);
	sqlite3_bind_int64(st, 4, k->when);
	sqlite3_bind_int64(st, 5, STORE_TITLE_DUP_WINDOW_S);
	if (store_one_row(s, st, sizeof(yes), store_read_int64, &yes,
	    "checking a match's copies") == -1)
		return -1;
	e->twin = yes ? TWIN_MAYBE : TWIN_NONE;
	if (yes)
		twins_tell(s, e);
	return 0;
}

/*
 * The keys a copy of entry id is known by (schema step 15): written at
 * its first match, a primary-key probe at each of its next ones.
 */
static int
match_keys_add(struct sqlite_store *s, int64_t id,
    const struct store_match_key *k)
{
	static const struct store_sql sql = { ST_MATCH_KEYS_ADD,
	    "INSERT INTO match_keys(entry_id, feed_id, norm_hash, title_key,"
	    " published) VALUES (?, ?, ?, ?, ?)"
	    " ON CONFLICT(entry_id) DO NOTHING" };
	sqlite3_stmt *st;

	if ((st = store_bound_id(s, &sql, id)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 2, k->feed_id);
	/* Bindings outlive a reset: a missing key is bound NULL. */
	if (k->has_norm)
		sqlite3_bind_int64(st, 3, k->norm_hash);
	else
		sqlite3_bind_null(st, 3);
	if (k->has_title)
		sqlite3_bind_int64(st, 4, k->title_key);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_int64(st, 5, k->when);
	return store_exec(s, st, "recording a match's keys");
}

/* Records one match inside the caller's transaction. 1 listed, 0, -1. */
static int
match_add(struct sqlite_store *s, int64_t topic_id, const struct found *f,
    struct mkey *e, int64_t now, bool any_read)
{
	static const struct store_sql sql = { ST_MATCH_ADD,
	    "INSERT OR IGNORE INTO topic_matches(topic_id, entry_id, feed_id,"
	    " dup, matched) VALUES (?, ?, ?, ?, ?)" };
	const struct store_match_key *k = &f->k;
	sqlite3_stmt *st;
	int64_t original;
	int dup;

	/* e: the entry's keys and what is known of its copies. */
	if (e->twin == TWIN_UNKNOWN && twin_check(s, e) == -1)
		return -1;
	original = 0;
	if (e->twin == TWIN_NONE)
		dup = 0;
	else if ((dup = store_match_original(s, k, &original)) == -1)
		return -1;
	if ((st = store_stmt(s, &sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, topic_id);
	sqlite3_bind_int64(st, 2, f->id);
	sqlite3_bind_int64(st, 3, k->feed_id);
	sqlite3_bind_int(st, 4, dup);
	sqlite3_bind_int64(st, 5, now);
	if (store_exec(s, st, "recording a match") == -1)
		return -1;
	if (sqlite3_changes(s->db) == 0)
		return 0;
	if (!e->keyed && match_keys_add(s, f->id, k) == -1)
		return -1;
	e->keyed = true;
	/* A folded copy is read and starred with its story. */
	if (dup && store_state_fold(s, f->id, original) == -1)
		return -1;
	if (!dup && any_read && listed_reads(s, topic_id, f->id) == -1)
		return -1;
	return !dup;
}

/* The row of ST_MATCH_FIND into f. */
static void
found_read(sqlite3_stmt *st, int64_t topic_id, struct found *f)
{
	const char *norm = (const char *)sqlite3_column_text(st, 2);
	const char *title = (const char *)sqlite3_column_text(st, 3);

	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	f->k.topic_id = topic_id;
	f->k.feed_id = sqlite3_column_int64(st, 1);
	f->k.when = sqlite3_column_int64(st, 4);
	if (norm != NULL) {
		f->k.norm_hash = store_match_norm_hash(norm);
		f->k.has_norm = true;
	}
	f->k.has_title = title != NULL && store_title_key(title,
	    strlen(title), &f->k.title_key);
}

/* n more matches listed (not folded) for the topic. */
static int
count_listed(struct sqlite_store *s, int64_t topic_id, size_t n)
{
	static const struct store_sql sql = { ST_MATCH_COUNT_ADD,
	    "UPDATE topics SET match_count = match_count + ?2 WHERE id = ?1" };
	sqlite3_stmt *st;

	if (n == 0)
		return 0;
	if ((st = store_bound_id(s, &sql, topic_id)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 2, (sqlite3_int64)n);
	return store_exec(s, st, "counting a topic's matches");
}

int
sqlite_store_topic_match(struct sqlite_store *s, int64_t topic_id,
    int64_t min_id,
    int64_t max_id, int64_t **ret_ids, size_t *ret_n, char *err,
    size_t errlen)
{
	/* Matching needs only the query, not the match count. */
	static const struct store_sql sql_query = { ST_TOPIC_QUERY,
	    "SELECT query FROM topics WHERE id = ?1" };
	/* The index alone: the keys come from the entries once. */
	static const struct store_sql sql_find = { ST_MATCH_FIND,
	    "SELECT rowid FROM entries_fts"
	    " WHERE entries_fts MATCH ?1 AND rowid BETWEEN ?2 AND ?3"
	    " ORDER BY rowid" };
	struct found *f = NULL;
	struct mkey **fk = NULL, *own = NULL;
	int64_t *ids_found = NULL;
	size_t j, *at = NULL;
	bool held;
	sqlite3_stmt *st;
	int64_t *ids = NULL, now = store_now(s);
	size_t nf = 0, n = 0, i;
	char *query = NULL;
	int rc, step, any_read = 0;

	if (ret_ids != NULL)
		*ret_ids = NULL;
	if (ret_n != NULL)
		*ret_n = 0;
	/* A topic removed meanwhile matches nothing. */
	if ((st = store_stmt(s, &sql_query)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, topic_id);
	if ((step = sqlite3_step(st)) == SQLITE_ROW)
		query = store_col_dup(st, 0);
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		log_warnx("store: reading topic %lld: %s", (long long)topic_id,
		    sqlite3_errmsg(s->db));
		return -1;
	}
	if (query == NULL)
		return 0;
	/* Inside a caller's batch this is a savepoint: fails on its own. */
	if (store_begin(s) == -1) {
		free(query);
		return -1;
	}
	rc = -1;
	if ((st = store_stmt(s, &sql_find)) == NULL)
		goto out;
	sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, min_id);
	sqlite3_bind_int64(st, 3, max_id);
	/* Read all first: the FTS cursor must not see our inserts. */
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (nf % 64 == 0)
			ids_found = xreallocarray(ids_found, nf + 64,
			    sizeof(*ids_found));
		ids_found[nf++] = sqlite3_column_int64(st, 0);
	}
	if (step != SQLITE_DONE) {
		rc = query_error(s, step, "matching a topic", err, errlen);
		sqlite3_reset(st);
		goto out;
	}
	sqlite3_reset(st);
	/*
	 * Each entry's keys, read at its first match in the transaction;
	 * a back-fill larger than what is held reads them for itself, and
	 * its keys rows would go untold: what is held goes.
	 */
	held = nf <= MKEYS_MAX;
	if (!held || (s->mkeys != NULL && s->mkeys->n + nf > MKEYS_MAX))
		store_mkeys_drop(s);
	f = xreallocarray(NULL, nf > 0 ? nf : 1, sizeof(*f));
	fk = xreallocarray(NULL, nf > 0 ? nf : 1, sizeof(*fk));
	at = xreallocarray(NULL, nf > 0 ? nf : 1, sizeof(*at));
	if (!held)
		own = xcalloc(nf, sizeof(*own));
	for (i = 0, j = 0; i < nf; i++) {
		if (held)
			step = mkeys_get(s, ids_found[i], &at[j]);
		else {
			own[j].twin = TWIN_MAYBE;
			step = keys_read(s, ids_found[i], &own[j].f);
		}
		if (step == -1)
			goto out;
		/* An id the entries no longer have is no match. */
		if (step == 1)
			j++;
	}
	nf = j;
	for (i = 0; i < nf; i++) {
		fk[i] = held ? &s->mkeys->v[at[i]] : &own[i];
		f[i] = fk[i]->f;
		f[i].k.topic_id = topic_id;
	}
	/* A fold gives state only to its copy, never listed: this holds. */
	if (nf > 0 && (any_read = range_read(s, f[0].id, f[nf - 1].id)) == -1)
		goto out;
	for (i = 0; i < nf; i++) {
		if ((step = match_add(s, topic_id, &f[i], fk[i], now,
		    any_read == 1)) == -1)
			goto out;
		if (step == 1) {
			ids = xreallocarray(ids, n + 1, sizeof(*ids));
			ids[n++] = f[i].id;
		}
	}
	if (count_listed(s, topic_id, n) == -1)
		goto out;
	if (store_commit(s) == -1)
		goto done;
	rc = (int)n;
	if (ret_ids != NULL) {
		*ret_ids = ids;
		ids = NULL;
	}
	if (ret_n != NULL)
		*ret_n = n;
	goto done;
out:
	store_rollback(s);
done:
	free(own);
	free(at);
	free(ids_found);
	free(f);
	free(fk);
	free(ids);
	free(query);
	return rc;
}
