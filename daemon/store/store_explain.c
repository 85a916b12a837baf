/*
 * store_explain: the store's account of one entry (store.h, "explaining
 * an entry"). It only reads, and it asks by the rules the store keeps by:
 * store_title_key() (as title_key() in SQL) and STORE_TITLE_DUP_WINDOW_S
 * for copies under unrelated links, store_match_original() for what a
 * topic folded a duplicate into. So an explanation cannot drift from
 * what ingest and matching did.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_sqlite.h"
#include "xmalloc.h"

/* A feed as people know it: its title, else its URL. */
#define FEED_SHOWN	"COALESCE(f.user_title, f.doc_title, f.url)"

int
sqlite_store_entry_key_hash(struct sqlite_store *s, int64_t id, uint64_t *ret)
{
	static const struct store_sql sql = { ST_EXPLAIN_KEY,
	    "SELECT key_hash FROM entries WHERE id = ?" };
	int64_t hash;
	int rc;

	rc = store_one_row(s, store_bound_id(s, &sql, id), sizeof(hash),
	    store_read_int64, &hash, "reading an entry's key");
	*ret = (uint64_t)hash;
	return rc;
}

/* ---- carriers ---- */

static void
carrier_read(sqlite3_stmt *st, void *row)
{
	struct store_carrier *c = row;

	c->entry_id = sqlite3_column_int64(st, 0);
	c->feed_id = sqlite3_column_int64(st, 1);
	c->feed_title = store_col_dup(st, 2);
	c->link = store_col_dup(st, 3);
	c->fetched = sqlite3_column_int64(st, 4);
	c->same = (enum store_same)sqlite3_column_int(st, 5);
}

static void
carrier_clear(void *row)
{
	struct store_carrier *c = row;

	free(c->feed_title);
	free(c->link);
}

int
sqlite_store_entry_carriers(struct sqlite_store *s, int64_t id, size_t limit,
    struct store_carrier **ret, size_t *ret_n)
{
	/*
	 * me: the entry, with its title key and date as store_topic_match
	 * compares them. Every other entry is read (no index fits a title),
	 * the window first: it is cheaper than a title's key.
	 */
	static const struct store_sql sql = { ST_EXPLAIN_CARRIERS,
	    "WITH me AS (SELECT id, norm_link, title_key(title) AS tk,"
	    " COALESCE(published, fetched) AS at FROM entries WHERE id = ?1)"
	    " SELECT c.id, c.feed_id, " FEED_SHOWN ", c.link, c.fetched,"
	    " CASE WHEN c.id = me.id THEN ?3"
	    " WHEN c.norm_link = me.norm_link THEN ?4 ELSE ?5 END"
	    " FROM me JOIN entries c ON c.id = me.id"
	    " OR c.norm_link = me.norm_link OR (me.tk IS NOT NULL"
	    " AND abs(COALESCE(c.published, c.fetched) - me.at) <= ?2"
	    " AND title_key(c.title) = me.tk)"
	    " JOIN feeds f ON f.id = c.feed_id ORDER BY c.id LIMIT ?6" };
	sqlite3_stmt *st = store_bound_id(s, &sql, id);

	if (st != NULL) {
		sqlite3_bind_int64(st, 2, STORE_TITLE_DUP_WINDOW_S);
		sqlite3_bind_int(st, 3, STORE_SAME_ENTRY);
		sqlite3_bind_int(st, 4, STORE_SAME_LINK);
		sqlite3_bind_int(st, 5, STORE_SAME_TITLE);
		sqlite3_bind_int64(st, 6, (int64_t)limit);
	}
	return store_all_rows(s, st, sizeof(**ret), carrier_read,
	    carrier_clear, (void **)ret, ret_n, "finding an entry's copies");
}

void
store_carrier_list_free(struct store_carrier *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		carrier_clear(&c[i]);
	free(c);
}

/* ---- matches ---- */

/* A match as read: what is shown, and what its duplicate test used. */
struct match_row {
	struct store_entry_match m;
	struct store_match_key	 k;
};

static void
match_read(sqlite3_stmt *st, void *row)
{
	struct match_row *r = row;

	r->m.topic_id = sqlite3_column_int64(st, 0);
	r->m.topic_name = store_col_dup(st, 1);
	r->m.query = store_col_dup(st, 2);
	r->m.matched = sqlite3_column_int64(st, 3);
	r->m.listed = sqlite3_column_int(st, 4) == 0;
	r->k.topic_id = r->m.topic_id;
	r->k.feed_id = sqlite3_column_int64(st, 5);
	r->k.has_norm = sqlite3_column_type(st, 6) != SQLITE_NULL;
	r->k.norm_hash = sqlite3_column_int64(st, 6);
	r->k.has_title = sqlite3_column_type(st, 7) != SQLITE_NULL;
	r->k.title_key = sqlite3_column_int64(st, 7);
	r->k.when = sqlite3_column_int64(st, 8);
}

static void
match_clear(void *row)
{
	struct store_entry_match *m = &((struct match_row *)row)->m;

	free(m->topic_name);
	free(m->query);
	free(m->folded_feed_title);
}

/* The feed title of entry id's feed, as FEED_SHOWN. 1 / 0 / -1. */
static int
entry_feed_shown(struct sqlite_store *s, int64_t id, char **ret)
{
	static const struct store_sql sql = { ST_EXPLAIN_FEED,
	    "SELECT " FEED_SHOWN " FROM entries e"
	    " JOIN feeds f ON f.id = e.feed_id WHERE e.id = ?" };

	return store_one_row(s, store_bound_id(s, &sql, id), sizeof(*ret),
	    store_read_text, ret, "reading an entry's feed");
}

/* A duplicate's original, asked by the rule that made it one. 0 / -1. */
static int
match_folded(struct sqlite_store *s, struct match_row *r)
{
	int64_t id;
	int rc;

	if (r->m.listed)
		return 0;
	if ((rc = store_match_original(s, &r->k, &id)) != 1)
		return rc;
	if ((rc = entry_feed_shown(s, id, &r->m.folded_feed_title)) == 1)
		r->m.folded_entry_id = id;
	return rc == -1 ? -1 : 0;
}

int
sqlite_store_entry_matches(struct sqlite_store *s, int64_t id,
    struct store_entry_match **ret, size_t *ret_n)
{
	static const struct store_sql sql = { ST_EXPLAIN_MATCHES,
	    "SELECT t.id, t.name, t.query, m.matched, m.dup, m.feed_id,"
	    " k.norm_hash, k.title_key, k.published"
	    " FROM topic_matches m JOIN topics t ON t.id = m.topic_id"
	    " LEFT JOIN match_keys k ON k.entry_id = m.entry_id"
	    " WHERE m.entry_id = ? ORDER BY t.name" };
	struct match_row *rows;
	size_t n, i;

	*ret = NULL;
	*ret_n = 0;
	if (store_all_rows(s, store_bound_id(s, &sql, id), sizeof(*rows),
	    match_read, match_clear, (void **)&rows, &n,
	    "reading an entry's topics") == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (match_folded(s, &rows[i]) == -1) {
			for (i = 0; i < n; i++)
				match_clear(&rows[i]);
			free(rows);
			return -1;
		}
	/* The keys stay here: the caller gets the shown part, packed. */
	*ret = xcalloc(n > 0 ? n : 1, sizeof(**ret));
	for (i = 0; i < n; i++)
		(*ret)[i] = rows[i].m;
	*ret_n = n;
	free(rows);
	return 0;
}

void
store_entry_match_list_free(struct store_entry_match *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].topic_name);
		free(m[i].query);
		free(m[i].folded_feed_title);
	}
	free(m);
}

/* ---- highlights ---- */

static void
highlight_read(sqlite3_stmt *st, void *row)
{
	struct store_highlight *h = row;

	for (int i = 0; i < STORE_FTS_FIELDS; i++)
		h->field[i] = store_col_dup(st, i);
}

/* Title and author whole; of summary and content, 24 tokens. */
#define HIGHLIGHT_SQL \
	"SELECT highlight(entries_fts, 0, '" STORE_MARK_ON "', '" \
	STORE_MARK_OFF "'), snippet(entries_fts, 1, '" STORE_MARK_ON \
	"', '" STORE_MARK_OFF "', '...', 24), snippet(entries_fts, 2, '" \
	STORE_MARK_ON "', '" STORE_MARK_OFF "', '...', 24)," \
	" highlight(entries_fts, 3, '" STORE_MARK_ON "', '" \
	STORE_MARK_OFF "') FROM entries_fts" \
	" WHERE entries_fts MATCH ?2 AND rowid = ?1"

int
sqlite_store_entry_highlight(struct sqlite_store *s, int64_t id,
    const char *query,
    struct store_highlight *ret)
{
	static const struct store_sql sql = { ST_EXPLAIN_HIGHLIGHT,
	    HIGHLIGHT_SQL };
	sqlite3_stmt *st = store_bound_id(s, &sql, id);

	if (st != NULL)
		sqlite3_bind_text(st, 2, query, -1, SQLITE_STATIC);
	return store_one_row(s, st, sizeof(*ret), highlight_read, ret,
	    "highlighting an entry");
}

int
store_highlight_text(const char *query,
    const char *const field[STORE_FTS_FIELDS], struct store_highlight *ret)
{
	/* An index of one row, the store's columns and tokenizer. */
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc = -1, i;

	memset(ret, 0, sizeof(*ret));
	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK || sqlite3_exec(db, "CREATE VIRTUAL TABLE entries_fts "
	    "USING fts5(" STORE_FTS_COLUMNS ")", NULL, NULL, NULL) !=
	    SQLITE_OK || sqlite3_prepare_v2(db, "INSERT INTO entries_fts("
	    "rowid, title, summary, content, author) VALUES (1, ?, ?, ?, ?)",
	    -1, &st, NULL) != SQLITE_OK)
		goto out;
	for (i = 0; i < STORE_FTS_FIELDS; i++)
		sqlite3_bind_text(st, i + 1, field[i], -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, HIGHLIGHT_SQL, -1, &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(st, 1, 1);
	sqlite3_bind_text(st, 2, query, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		highlight_read(st, ret);
		rc = 1;
	} else
		rc = rc == SQLITE_DONE ? 0 : -1;
out:
	if (rc == -1)
		log_warnx("store: highlighting an entry: %s", db != NULL ?
		    sqlite3_errmsg(db) : "out of memory");
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc;
}

void
store_highlight_clear(struct store_highlight *h)
{
	for (int i = 0; i < STORE_FTS_FIELDS; i++)
		free(h->field[i]);
	memset(h, 0, sizeof(*h));
}
