/*
 * pg_store_status: the store's figures and clients' cursors on PostgreSQL
 * (as store_sqlite.c's).
 */
#include <stdlib.h>
#include <string.h>

#include "pg_store.h"
#include "pg_store_int.h"

/* A status that reads more rows of feed_counts than this adds them up. */
#define COUNTS_FOLD_ROWS	1000

int
pg_feed_counts_fold(struct pg_store *s)
{
	/*
	 * Rows another transaction adds meanwhile are not seen, and stay;
	 * the rows of a state whose figures are all 0 go.
	 */
	static const struct pg_sql sql = {
	    "WITH turn AS (SELECT pg_try_advisory_xact_lock($1) AS ours),"
	    " gone AS (DELETE FROM feed_counts WHERE (SELECT ours FROM turn)"
	    "  RETURNING state, feeds, failing, entries)"
	    " INSERT INTO feed_counts(state, feeds, failing, entries)"
	    " SELECT state, sum(feeds), sum(failing), sum(entries) FROM gone"
	    " GROUP BY state HAVING sum(feeds) <> 0 OR sum(failing) <> 0"
	    " OR sum(entries) <> 0" };
	struct pg_params p = { 0 };

	pg_p_int(&p, PG_COUNTS_LOCK);
	return pg_exec(s, &sql, &p, "adding the feeds' counts up", NULL);
}

int
pg_store_status_get(struct pg_store *s, struct store_status *ret)
{
	/* feed_counts has a few rows a state (schema step 3): no feed is read. */
	static const struct pg_sql sql = {
	    "SELECT COALESCE(sum(feeds), 0),"
	    " COALESCE(sum(feeds) FILTER (WHERE state = 'new'), 0),"
	    " COALESCE(sum(feeds) FILTER (WHERE state = 'backing_off'), 0),"
	    " COALESCE(sum(failing), 0),"
	    " COALESCE(sum(entries), 0),"
	    " (SELECT count(*) FROM topics),"
	    " count(*)"
	    " FROM feed_counts" };
	PGresult *r;
	int64_t rows;

	memset(ret, 0, sizeof(*ret));
	if ((r = pg_run(s, &sql, NULL, "reading the status")) == NULL)
		return -1;
	ret->feeds = pg_col_int(r, 0, 0);
	ret->feeds_new = pg_col_int(r, 0, 1);
	ret->feeds_backing_off = pg_col_int(r, 0, 2);
	ret->feeds_failing = pg_col_int(r, 0, 3);
	ret->entries = pg_col_int(r, 0, 4);
	ret->topics = pg_col_int(r, 0, 5);
	rows = pg_col_int(r, 0, 6);
	PQclear(r);
	/* Writes outside the groups of polls (imports, a reconcile) add up. */
	if (rows > COUNTS_FOLD_ROWS && s->tx_depth == 0)
		(void)pg_feed_counts_fold(s);
	ret->last_entry_id = pg_store_last_entry_id(s);
	ret->db_bytes = pg_store_db_size(s);
	return 0;
}

int
pg_store_feed_state_counts(struct pg_store *s,
    int64_t ret[STORE_FEED_STATE_MAX])
{
	static const struct pg_sql sql = {
	    "SELECT state, sum(feeds) FROM feed_counts GROUP BY state" };
	PGresult *r;
	int i, st;

	memset(ret, 0, STORE_FEED_STATE_MAX * sizeof(*ret));
	if ((r = pg_run(s, &sql, NULL, "counting feeds by state")) == NULL)
		return -1;
	for (i = 0; i < PQntuples(r); i++)
		if ((st = store_feed_state_from_name(PQgetvalue(r, i, 0))) >= 0)
			ret[st] = pg_col_int(r, i, 1);
	PQclear(r);
	return 0;
}

/* ---- cursors ---- */

int
pg_store_cursor_get(struct pg_store *s, const char *client,
    int64_t topic_id, int64_t *ret_value)
{
	static const struct pg_sql sql = {
	    "SELECT value FROM cursors WHERE client = $1 AND topic_id = $2" };
	struct pg_params p = { 0 };

	pg_p_text(&p, client);
	pg_p_int(&p, topic_id);
	return pg_int(s, &sql, &p, "reading a cursor", ret_value);
}

int
pg_store_cursor_set(struct pg_store *s, const char *client,
    int64_t topic_id, int64_t value)
{
	static const struct pg_sql sql = {
	    "INSERT INTO cursors(client, topic_id, value, updated)"
	    " VALUES ($1, $2, $3, $4) ON CONFLICT (client, topic_id)"
	    " DO UPDATE SET value = $3, updated = $4" };
	struct pg_params p = { 0 };

	pg_p_text(&p, client);
	pg_p_int(&p, topic_id);
	pg_p_int(&p, value);
	pg_p_int(&p, pg_now(s));
	return pg_exec(s, &sql, &p, "saving a cursor", NULL);
}

static void
cursor_read(const PGresult *r, int i, void *row)
{
	struct store_cursor *c = row;

	c->topic_id = pg_col_int(r, i, 0);
	c->topic_name = pg_col_dup(r, i, 1);
	c->value = pg_col_int(r, i, 2);
	c->updated = pg_col_int(r, i, 3);
}

int
pg_store_cursor_list(struct pg_store *s, const char *client,
    struct store_cursor **ret, size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT c.topic_id, t.name, c.value, c.updated"
	    " FROM cursors c LEFT JOIN topics t ON t.id = c.topic_id"
	    " WHERE c.client = $1 ORDER BY c.topic_id" };
	struct pg_params p = { 0 };

	pg_p_text(&p, client);
	return pg_all_rows(s, &sql, &p, sizeof(**ret), cursor_read,
	    (void **)ret, ret_n, "listing cursors");
}
