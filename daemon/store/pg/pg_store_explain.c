/*
 * pg_store_explain: the store's account of one entry on PostgreSQL (as
 * store_explain.c), asked by the rules it stores and matches by:
 * store_title_key() and STORE_TITLE_DUP_WINDOW_S for copies under
 * unrelated links, pg_match_original() for what a topic folded a
 * duplicate into, store_highlight_text() for the words a query marks.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "htmltext.h"
#include "pg_store.h"
#include "pg_store_int.h"
#include "store_keys.h"
#include "xmalloc.h"

/* A feed as people know it: its title, else its URL. */
#define FEED_SHOWN	"COALESCE(f.user_title, f.doc_title, f.url)"

int
pg_store_entry_key_hash(struct pg_store *s, int64_t id, uint64_t *ret)
{
	static const struct pg_sql sql = {
	    "SELECT key_hash FROM entries WHERE id = $1" };
	struct pg_params p = { 0 };
	int64_t hash;
	int rc;

	pg_p_int(&p, id);
	rc = pg_int(s, &sql, &p, "reading an entry's key", &hash);
	*ret = (uint64_t)hash;
	return rc;
}

static void
carrier_read(const PGresult *r, int i, void *row)
{
	struct store_carrier *c = row;

	c->entry_id = pg_col_int(r, i, 0);
	c->feed_id = pg_col_int(r, i, 1);
	c->feed_title = pg_col_dup(r, i, 2);
	c->link = pg_col_dup(r, i, 3);
	c->fetched = pg_col_int(r, i, 4);
	c->same = (enum store_same)pg_col_int(r, i, 5);
}

int
pg_store_entry_carriers(struct pg_store *s, int64_t id, size_t limit,
    struct store_carrier **ret, size_t *ret_n)
{
	static const struct pg_sql sql_title = {
	    "SELECT title FROM entries WHERE id = $1" };
	/*
	 * The same title key is the same title (its hash); whether a title
	 * is long enough to tell anything is store_title_key's to say ($3).
	 */
	static const struct pg_sql sql = {
	    "WITH me AS (SELECT id, norm_link, title,"
	    " COALESCE(published, fetched) AS at FROM entries WHERE id = $1)"
	    " SELECT c.id, c.feed_id, " FEED_SHOWN ", c.link, c.fetched,"
	    " CASE WHEN c.id = me.id THEN $4::int"
	    " WHEN c.norm_link = me.norm_link THEN $5::int ELSE $6::int END"
	    " FROM me JOIN entries c ON c.id = me.id"
	    " OR c.norm_link = me.norm_link OR ($3"
	    " AND abs(COALESCE(c.published, c.fetched) - me.at) <= $2"
	    " AND c.title = me.title)"
	    " JOIN feeds f ON f.id = c.feed_id ORDER BY c.id LIMIT $7" };
	struct pg_params p = { 0 };
	PGresult *r;
	int64_t key;
	bool has_title = false;

	*ret = NULL;
	*ret_n = 0;
	pg_p_int(&p, id);
	if ((r = pg_run(s, &sql_title, &p, "reading an entry")) == NULL)
		return -1;
	if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		has_title = store_title_key(PQgetvalue(r, 0, 0),
		    strlen(PQgetvalue(r, 0, 0)), &key);
	PQclear(r);
	pg_p_int(&p, STORE_TITLE_DUP_WINDOW_S);
	pg_p_bool(&p, has_title);
	pg_p_int(&p, STORE_SAME_ENTRY);
	pg_p_int(&p, STORE_SAME_LINK);
	pg_p_int(&p, STORE_SAME_TITLE);
	pg_p_int(&p, (int64_t)limit);
	return pg_all_rows(s, &sql, &p, sizeof(**ret), carrier_read,
	    (void **)ret, ret_n, "finding an entry's copies");
}

static void
match_read(const PGresult *r, int i, void *row)
{
	struct store_entry_match *m = row;

	m->topic_id = pg_col_int(r, i, 0);
	m->topic_name = pg_col_dup(r, i, 1);
	m->query = pg_col_dup(r, i, 2);
	m->matched = pg_col_int(r, i, 3);
	m->listed = !pg_col_bool(r, i, 4);
}

int
pg_store_entry_matches(struct pg_store *s, int64_t id,
    struct store_entry_match **ret, size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT t.id, t.name, t.query, m.matched, m.dup, m.feed_id,"
	    " k.norm_hash, k.title_key, k.published"
	    " FROM topic_matches m JOIN topics t ON t.id = m.topic_id"
	    " LEFT JOIN match_keys k ON k.entry_id = m.entry_id"
	    " WHERE m.entry_id = $1 ORDER BY t.name COLLATE \"C\"" };
	static const struct pg_sql sql_feed = {
	    "SELECT " FEED_SHOWN " FROM entries e"
	    " JOIN feeds f ON f.id = e.feed_id WHERE e.id = $1" };
	struct pg_params p = { 0 };
	PGresult *r, *fr;
	int64_t orig;
	int i, rc = 0;

	*ret = NULL;
	*ret_n = 0;
	pg_p_int(&p, id);
	if ((r = pg_run(s, &sql, &p, "reading an entry's topics")) == NULL)
		return -1;
	*ret = xcalloc((size_t)PQntuples(r) + 1, sizeof(**ret));
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		struct store_entry_match *m = &(*ret)[i];

		match_read(r, i, m);
		*ret_n = (size_t)i + 1;
		if (m->listed)
			continue;
		/* A duplicate's original, asked by the rule that made it one. */
		if ((rc = pg_match_original(s, m->topic_id, pg_col_int(r, i, 5),
		    !PQgetisnull(r, i, 6), pg_col_int(r, i, 6),
		    !PQgetisnull(r, i, 7), pg_col_int(r, i, 7),
		    pg_col_int(r, i, 8), &orig)) != 1) {
			rc = rc == -1 ? -1 : 0;
			continue;
		}
		rc = 0;
		p.n = 0;
		pg_p_int(&p, orig);
		if ((fr = pg_run(s, &sql_feed, &p,
		    "reading an entry's feed")) == NULL) {
			rc = -1;
			break;
		}
		if (PQntuples(fr) > 0) {
			m->folded_entry_id = orig;
			m->folded_feed_title = pg_col_dup(fr, 0, 0);
		}
		PQclear(fr);
	}
	PQclear(r);
	if (rc == -1) {
		store_entry_match_list_free(*ret, *ret_n);
		*ret = NULL;
		*ret_n = 0;
	}
	return rc;
}

int
pg_store_entry_highlight(struct pg_store *s, int64_t id, const char *query,
    struct store_highlight *ret)
{
	static const struct pg_sql sql = {
	    "SELECT title, summary, content, author FROM entries"
	    " WHERE id = $1" };
	const char *field[STORE_FTS_FIELDS];
	struct pg_params p = { 0 };
	struct buf stext, text;
	PGresult *r;
	bool indexed;
	int rc = 0;

	memset(ret, 0, sizeof(*ret));
	pg_p_int(&p, id);
	if ((r = pg_run(s, &sql, &p, "highlighting an entry")) == NULL)
		return -1;
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	/* The words marked by the rules they were indexed by. */
	buf_init(&stext);
	buf_init(&text);
	indexed = htmltext_entry(pg_col_view(r, 0, 1), pg_col_view(r, 0, 2),
	    &stext, &text);
	field[STORE_FTS_TITLE] = pg_col_view(r, 0, 0);
	field[STORE_FTS_SUMMARY] = indexed ? stext.data : NULL;
	field[STORE_FTS_CONTENT] = PQgetisnull(r, 0, 2) ? NULL : text.data;
	field[STORE_FTS_AUTHOR] = pg_col_view(r, 0, 3);
	rc = store_highlight_text(query, field, ret);
	buf_free(&stext);
	buf_free(&text);
	PQclear(r);
	return rc;
}
