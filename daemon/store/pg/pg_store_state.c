/*
 * pg_store_state: each user's read and starred flags on PostgreSQL (as
 * store_state.c): a flag is a row of entry_state, a story's copies are
 * marked together, and the unread counts come from feed_reads and
 * topic_reads, which the schema's triggers keep (pg_schema.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pg_store.h"
#include "pg_store_int.h"
#include "xmalloc.h"

/* The copies of entry $1's story (it too), with their feeds. */
#define STORY_SQL \
	"SELECT c.id, c.feed_id FROM entries e JOIN entries c" \
	" ON c.id = COALESCE(e.story_id, e.id)" \
	" OR c.story_id = COALESCE(e.story_id, e.id) WHERE e.id = $1"

/*
 * Setting a flag: a row made or changed only when the flag differs, so
 * the rows affected say whether it changed. $1 user, $2 entry, $3 feed,
 * $4 the time; clearing needs no feed ($3 the time).
 */
#define SET_SQL(flag) \
	"INSERT INTO entry_state(user_id, entry_id, feed_id, " flag ", " \
	flag "_changed) VALUES ($1, $2, $3, true, $4)" \
	" ON CONFLICT (entry_id, user_id) DO UPDATE SET " flag " = true, " \
	flag "_changed = $4 WHERE NOT entry_state." flag
#define CLEAR_SQL(flag) \
	"UPDATE entry_state SET " flag " = false, " flag "_changed = $3" \
	" WHERE user_id = $1 AND entry_id = $2 AND " flag

static int
flag_one(struct pg_store *s, int64_t user_id, enum store_flag flag, bool on,
    int64_t id, bool *ret_changed)
{
	static const struct pg_sql sql_story = { STORY_SQL };
	static const struct pg_sql sql_read_on = { SET_SQL("read") };
	static const struct pg_sql sql_starred_on = { SET_SQL("starred") };
	static const struct pg_sql sql_read_off = { CLEAR_SQL("read") };
	static const struct pg_sql sql_starred_off = { CLEAR_SQL("starred") };
	const struct pg_sql *q;
	struct pg_params p = { 0 };
	PGresult *r;
	int64_t n;
	int i;

	*ret_changed = false;
	pg_p_int(&p, id);
	if ((r = pg_run(s, &sql_story, &p, "finding a story's copies")) ==
	    NULL)
		return -1;
	if (flag == STORE_FLAG_READ)
		q = on ? &sql_read_on : &sql_read_off;
	else
		q = on ? &sql_starred_on : &sql_starred_off;
	for (i = 0; i < PQntuples(r); i++) {
		p.n = 0;
		pg_p_int(&p, user_id);
		pg_p_int(&p, pg_col_int(r, i, 0));
		if (on)
			pg_p_int(&p, pg_col_int(r, i, 1));
		pg_p_int(&p, pg_now(s));
		if (pg_exec(s, q, &p, "marking an entry", &n) == -1) {
			PQclear(r);
			return -1;
		}
		if (pg_col_int(r, i, 0) == id && n > 0)
			*ret_changed = true;
	}
	PQclear(r);
	return 0;
}

int
pg_store_state_set(struct pg_store *s, int64_t user_id, enum store_flag flag,
    bool on, const int64_t *ids, size_t n, size_t *ret_changed)
{
	size_t changed = 0, i;
	bool one;

	if (ret_changed != NULL)
		*ret_changed = 0;
	if (pg_begin(s) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (flag_one(s, user_id, flag, on, ids[i], &one) == -1) {
			pg_rollback(s);
			return -1;
		}
		changed += one;
	}
	if (pg_commit(s) == -1)
		return -1;
	if (ret_changed != NULL)
		*ret_changed = changed;
	return 0;
}

int
pg_store_state_get(struct pg_store *s, int64_t user_id, int64_t entry_id,
    bool *ret_read, bool *ret_starred)
{
	static const struct pg_sql sql = {
	    "SELECT COALESCE(u.read, false), COALESCE(u.starred, false)"
	    " FROM entries e LEFT JOIN entry_state u ON u.user_id = $2"
	    " AND u.entry_id = e.id WHERE e.id = $1" };
	struct pg_params p = { 0 };
	PGresult *r;
	int found;

	*ret_read = *ret_starred = false;
	pg_p_int(&p, entry_id);
	pg_p_int(&p, user_id);
	if ((r = pg_run(s, &sql, &p, "reading an entry's state")) == NULL)
		return -1;
	if ((found = PQntuples(r) > 0)) {
		*ret_read = pg_col_bool(r, 0, 0);
		*ret_starred = pg_col_bool(r, 0, 1);
	}
	PQclear(r);
	return found;
}

/* ---- many at once ---- */

#define SC_FEED		0x01
#define SC_CATEGORY	0x02
#define SC_TOPIC	0x04
#define SC_MAX		0x08
#define SC_BEFORE	0x10
#define SC_ALL		0x20

/*
 * A marking: the scope's entries whose read flag differs ($2 the flag
 * they have, $3 the one they get), the other copies of their stories
 * with the same flag, written in one statement (the triggers move the
 * counts); the count is of the scope's own entries. $1 the user, $4 the
 * time, then the scope's parameters in mask order.
 */
static void
marking_build(unsigned mask, struct buf *sql)
{
	int n = 4;

	buf_puts(sql, "WITH s AS (SELECT e.id, e.feed_id,"
	    " COALESCE(e.story_id, e.id) AS story FROM entries e"
	    " LEFT JOIN entry_state u ON u.user_id = $1 AND u.entry_id = e.id"
	    " WHERE COALESCE(u.read, false) = $2");
	if (mask & SC_FEED)
		buf_printf(sql, " AND e.feed_id = $%d", ++n);
	if (mask & SC_CATEGORY) {
		n++;
		buf_printf(sql, " AND e.feed_id IN (SELECT id FROM feeds"
		    " WHERE category = $%d OR starts_with(category,"
		    " $%d || '/'))", n, n);
	}
	if (mask & SC_TOPIC)
		buf_printf(sql, " AND e.id IN (SELECT entry_id FROM"
		    " topic_matches WHERE topic_id = $%d AND NOT dup)", ++n);
	if (mask & SC_MAX)
		buf_printf(sql, " AND e.id <= $%d", ++n);
	if (mask & SC_BEFORE)
		buf_printf(sql, " AND COALESCE(e.published, e.fetched) < $%d",
		    ++n);
	buf_puts(sql, "), c AS (SELECT id, feed_id FROM s UNION"
	    " SELECT x.id, x.feed_id FROM entries x"
	    " JOIN (SELECT DISTINCT story FROM s) t ON x.id = t.story"
	    " OR x.story_id = t.story LEFT JOIN entry_state u"
	    " ON u.user_id = $1 AND u.entry_id = x.id"
	    " WHERE COALESCE(u.read, false) = $2),"
	    " w AS (INSERT INTO entry_state(user_id, entry_id, feed_id, read,"
	    " read_changed) SELECT $1, id, feed_id, $3, $4 FROM c"
	    " ON CONFLICT (entry_id, user_id) DO UPDATE SET read = $3,"
	    " read_changed = $4 WHERE entry_state.read <> $3"
	    " RETURNING entry_id)"
	    " SELECT count(*) FROM w WHERE entry_id IN (SELECT id FROM s)");
}

static struct pg_sql marking_sqls[SC_ALL];

int
pg_store_state_mark_all(struct pg_store *s, int64_t user_id,
    const struct store_scope *sc, bool read, int64_t max_id,
    int64_t before, size_t *ret_changed)
{
	struct pg_params p = { 0 };
	unsigned mask = 0;
	struct buf sql;
	int64_t n;

	if (sc != NULL && sc->feed_id != 0)
		mask |= SC_FEED;
	if (sc != NULL && sc->category != NULL)
		mask |= SC_CATEGORY;
	if (sc != NULL && sc->topic_id != 0)
		mask |= SC_TOPIC;
	if (max_id != 0)
		mask |= SC_MAX;
	if (before != 0)
		mask |= SC_BEFORE;
	if (marking_sqls[mask].text == NULL) {
		buf_init(&sql);
		marking_build(mask, &sql);
		marking_sqls[mask].text = buf_detach(&sql);
	}
	pg_p_int(&p, user_id);
	pg_p_bool(&p, !read);
	pg_p_bool(&p, read);
	pg_p_int(&p, pg_now(s));
	if (mask & SC_FEED)
		pg_p_int(&p, sc->feed_id);
	if (mask & SC_CATEGORY)
		pg_p_text(&p, sc->category);
	if (mask & SC_TOPIC)
		pg_p_int(&p, sc->topic_id);
	if (mask & SC_MAX)
		pg_p_int(&p, max_id);
	if (mask & SC_BEFORE)
		pg_p_int(&p, before);
	if (pg_begin(s) == -1)
		return -1;
	if (pg_int(s, &marking_sqls[mask], &p, "marking entries", &n) == -1) {
		pg_rollback(s);
		return -1;
	}
	if (pg_commit(s) == -1)
		return -1;
	if (ret_changed != NULL)
		*ret_changed = (size_t)n;
	return 0;
}

/* ---- counts ---- */

static void
unread_read(const PGresult *r, int i, void *row)
{
	struct store_unread *u = row;

	u->id = pg_col_int(r, i, 0);
	u->unread = pg_col_int(r, i, 1);
}

int
pg_store_unread_topics(struct pg_store *s, int64_t user_id,
    struct store_unread **ret, size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT t.id, t.match_count - COALESCE(r.n, 0) FROM topics t"
	    " LEFT JOIN topic_reads r ON r.user_id = $1 AND r.topic_id = t.id"
	    " ORDER BY t.id" };
	struct pg_params p = { 0 };

	pg_p_int(&p, user_id);
	return pg_all_rows(s, &sql, &p, sizeof(**ret), unread_read,
	    (void **)ret, ret_n, "counting unread entries");
}

int
pg_store_unread_feeds_each(struct pg_store *s, int64_t user_id,
    store_feed_unread_fn fn, void *arg)
{
	static const struct pg_sql sql = {
	    "SELECT f.id, f.entry_count - COALESCE(r.n, 0), f.last_success,"
	    " f.url, f.category FROM feeds f LEFT JOIN feed_reads r"
	    " ON r.user_id = $1 AND r.feed_id = f.id ORDER BY f.id" };
	struct pg_params p = { 0 };
	struct store_feed_unread u;
	PGresult *r;
	int i, out = 0;

	pg_p_int(&p, user_id);
	if ((r = pg_run(s, &sql, &p, "counting unread entries")) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++) {
		u.id = pg_col_int(r, i, 0);
		u.unread = pg_col_int(r, i, 1);
		u.last_success = pg_col_int(r, i, 2);
		u.url = PQgetvalue(r, i, 3);
		u.category = pg_col_view(r, i, 4);
		if (fn(&u, arg) == -1) {
			out = -1;
			break;
		}
	}
	PQclear(r);
	return out;
}

int
pg_store_unread_feeds(struct pg_store *s, int64_t user_id,
    struct store_unread **ret, size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT f.id, f.entry_count - COALESCE(r.n, 0) FROM feeds f"
	    " LEFT JOIN feed_reads r ON r.user_id = $1 AND r.feed_id = f.id"
	    " ORDER BY f.id" };
	struct pg_params p = { 0 };

	pg_p_int(&p, user_id);
	return pg_all_rows(s, &sql, &p, sizeof(**ret), unread_read,
	    (void **)ret, ret_n, "counting unread entries");
}

/* ---- whole lists of ids ---- */

struct id_relay {
	store_id_fn	 fn;
	void		*arg;
};

static int
id_row(const PGresult *r, void *arg)
{
	const struct id_relay *relay = arg;

	return relay->fn(pg_col_int(r, 0, 0), relay->arg);
}

int
pg_store_state_ids(struct pg_store *s, int64_t user_id, enum store_flag flag,
    bool on, store_id_fn fn, void *arg)
{
	static const struct pg_sql sql_read = {
	    "SELECT entry_id FROM entry_state WHERE user_id = $1 AND read"
	    " ORDER BY entry_id" };
	static const struct pg_sql sql_starred = {
	    "SELECT entry_id FROM entry_state WHERE user_id = $1 AND starred"
	    " ORDER BY entry_id" };
	/* Off: ascending within each feed, as the SQLite store gives them. */
	static const struct pg_sql sql_unread = {
	    "SELECT e.id FROM entries e WHERE NOT EXISTS (SELECT 1"
	    " FROM entry_state u WHERE u.user_id = $1 AND u.entry_id = e.id"
	    " AND u.read) ORDER BY e.feed_id, e.id" };
	static const struct pg_sql sql_unstarred = {
	    "SELECT e.id FROM entries e WHERE NOT EXISTS (SELECT 1"
	    " FROM entry_state u WHERE u.user_id = $1 AND u.entry_id = e.id"
	    " AND u.starred) ORDER BY e.feed_id, e.id" };
	const struct pg_sql *q;
	struct pg_params p = { 0 };
	struct id_relay relay = { fn, arg };

	if (flag == STORE_FLAG_READ)
		q = on ? &sql_read : &sql_unread;
	else
		q = on ? &sql_starred : &sql_unstarred;
	pg_p_int(&p, user_id);
	/* Hundreds of thousands of ids: taken row by row, never all held. */
	return pg_each(s, q, &p, id_row, &relay,
	    "listing a user's entry ids");
}
