/*
 * store_websub: the feeds' WebSub subscriptions (store.h, "WebSub
 * subscriptions"). The secret is read and written here like any column;
 * keeping it out of answers and logs is the websub module's rule.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"
#include "store_sqlite.h"

#define WEBSUB_COLS "w.id, w.feed_id, NOT EXISTS (SELECT 1 FROM feeds f" \
	" WHERE f.id = w.feed_id), w.callback, w.hub, w.topic, w.secret," \
	" w.state, w.asked, w.asked_at, w.lease_s, w.lease_until," \
	" w.retry_at, w.last_push, w.pushes, w.last_error, w.created"

static const char *const state_names[] = {
	[STORE_WEBSUB_PENDING] = "pending",
	[STORE_WEBSUB_ACTIVE] = "active",
	[STORE_WEBSUB_REFUSED] = "refused",
	[STORE_WEBSUB_UNSUBSCRIBING] = "unsubscribing",
};

const char *
store_websub_state_name(enum store_websub_state st)
{
	return state_names[st];
}

static enum store_websub_state
state_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(state_names) / sizeof(state_names[0]);
	    i++)
		if (name != NULL && strcmp(name, state_names[i]) == 0)
			return (enum store_websub_state)i;
	return STORE_WEBSUB_REFUSED;
}

static void
websub_read(sqlite3_stmt *st, void *row)
{
	struct store_websub *w = row;

	w->id = sqlite3_column_int64(st, 0);
	w->feed_id = sqlite3_column_int64(st, 1);
	w->feed_gone = sqlite3_column_int(st, 2) != 0;
	w->callback = store_col_dup(st, 3);
	w->hub = store_col_dup(st, 4);
	w->topic = store_col_dup(st, 5);
	w->secret = store_col_dup(st, 6);
	w->state = state_from_name((const char *)sqlite3_column_text(st, 7));
	w->asked = store_col_dup(st, 8);
	w->asked_at = sqlite3_column_int64(st, 9);
	w->lease_s = sqlite3_column_int64(st, 10);
	w->lease_until = sqlite3_column_int64(st, 11);
	w->retry_at = sqlite3_column_int64(st, 12);
	w->last_push = sqlite3_column_int64(st, 13);
	w->pushes = sqlite3_column_int64(st, 14);
	w->last_error = store_col_dup(st, 15);
	w->created = sqlite3_column_int64(st, 16);
}

static void
websub_clear_row(void *row)
{
	store_websub_clear(row);
}

void
store_websub_clear(struct store_websub *w)
{
	if (w == NULL)
		return;
	free(w->callback);
	free(w->hub);
	free(w->topic);
	if (w->secret != NULL) {
		/* Not left lying in freed memory. */
		memset(w->secret, 0, strlen(w->secret));
		free(w->secret);
	}
	free(w->asked);
	free(w->last_error);
	memset(w, 0, sizeof(*w));
}

void
store_websub_list_free(struct store_websub *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		store_websub_clear(&w[i]);
	free(w);
}

int
sqlite_store_websub_add(struct sqlite_store *s, const struct store_websub *w,
    int64_t *ret_id)
{
	static const struct store_sql sql = { ST_WEBSUB_ADD,
	    "INSERT INTO websub(feed_id, callback, hub, topic, secret, state,"
	    " created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" };
	sqlite3_stmt *st = store_bound_id(s, &sql, w->feed_id);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 2, w->callback, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, w->hub, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, w->topic, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, w->secret, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, state_names[w->state], -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, store_now(s));
	if (store_exec(s, st, "adding a WebSub subscription") == -1)
		return -1;
	if (ret_id != NULL)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
sqlite_store_websub_save(struct sqlite_store *s, const struct store_websub *w)
{
	static const struct store_sql sql = { ST_WEBSUB_SAVE,
	    "UPDATE websub SET state = ?2, asked = ?3, asked_at = ?4,"
	    " lease_s = ?5, lease_until = ?6, retry_at = ?7, last_push = ?8,"
	    " pushes = ?9, last_error = ?10 WHERE id = ?1" };
	sqlite3_stmt *st = store_bound_id(s, &sql, w->id);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 2, state_names[w->state], -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, w->asked, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, w->asked_at);
	sqlite3_bind_int64(st, 5, w->lease_s);
	sqlite3_bind_int64(st, 6, w->lease_until);
	sqlite3_bind_int64(st, 7, w->retry_at);
	sqlite3_bind_int64(st, 8, w->last_push);
	sqlite3_bind_int64(st, 9, w->pushes);
	sqlite3_bind_text(st, 10, w->last_error, -1, SQLITE_STATIC);
	return store_exec(s, st, "recording a WebSub subscription");
}

int
sqlite_store_websub_remove(struct sqlite_store *s, int64_t id)
{
	static const struct store_sql sql = { ST_WEBSUB_REMOVE,
	    "DELETE FROM websub WHERE id = ?" };

	return store_exec_id(s, &sql, id, "removing a WebSub subscription");
}

int
sqlite_store_websub_by_callback(struct sqlite_store *s, const char *callback,
    struct store_websub *ret)
{
	static const struct store_sql sql = { ST_WEBSUB_BY_CALLBACK,
	    "SELECT " WEBSUB_COLS " FROM websub w WHERE w.callback = ?" };

	return store_one_row(s, store_bound_text(s, &sql, callback),
	    sizeof(*ret), websub_read, ret, "reading a WebSub subscription");
}

int
sqlite_store_websub_by_feed(struct sqlite_store *s, int64_t feed_id,
    struct store_websub *ret)
{
	static const struct store_sql sql = { ST_WEBSUB_BY_FEED,
	    "SELECT " WEBSUB_COLS " FROM websub w WHERE w.feed_id = ?"
	    " AND w.state <> 'unsubscribing'" };

	return store_one_row(s, store_bound_id(s, &sql, feed_id),
	    sizeof(*ret), websub_read, ret, "reading a WebSub subscription");
}

int
sqlite_store_websub_list(struct sqlite_store *s, struct store_websub **ret,
    size_t *ret_n)
{
	static const struct store_sql sql = { ST_WEBSUB_LIST,
	    "SELECT " WEBSUB_COLS " FROM websub w ORDER BY w.id" };

	return store_all_rows(s, store_stmt(s, &sql), sizeof(**ret),
	    websub_read, websub_clear_row, (void **)ret, ret_n,
	    "listing the WebSub subscriptions");
}

int
sqlite_store_websub_get(struct sqlite_store *s, int64_t id,
    struct store_websub *ret)
{
	static const struct store_sql sql = { ST_WEBSUB_GET,
	    "SELECT " WEBSUB_COLS " FROM websub w WHERE w.id = ?" };

	return store_one_row(s, store_bound_id(s, &sql, id), sizeof(*ret),
	    websub_read, ret, "reading a WebSub subscription");
}

int
sqlite_store_websub_counts(struct sqlite_store *s, int64_t *ret)
{
	static const struct store_sql sql = { ST_WEBSUB_COUNTS,
	    "SELECT state, count(*) FROM websub GROUP BY state" };
	sqlite3_stmt *st = store_stmt(s, &sql);
	int rc;

	memset(ret, 0, STORE_WEBSUB_NSTATES * sizeof(*ret));
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		ret[state_from_name((const char *)sqlite3_column_text(st,
		    0))] = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "counting the WebSub subscriptions");
	return 0;
}
