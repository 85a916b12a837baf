/*
 * store_alert: the alerts on their way to URL hooks (store.h, "alerts of
 * URL hooks"). A hook's queue is its rows in id order, read one at a time
 * from the index on (hook, id).
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"
#include "store_sqlite.h"

#define ALERT_COLS "id, hook, topic, batch, entries, key, created," \
	" attempts, next_try, last_error"

static void
alert_read(sqlite3_stmt *st, void *row)
{
	struct store_alert *a = row;

	a->id = sqlite3_column_int64(st, 0);
	a->hook = store_col_dup(st, 1);
	a->topic = store_col_dup(st, 2);
	a->batch = sqlite3_column_int(st, 3) != 0;
	a->entries = store_col_dup(st, 4);
	a->key = store_col_dup(st, 5);
	a->created = sqlite3_column_int64(st, 6);
	a->attempts = sqlite3_column_int64(st, 7);
	a->next_try = sqlite3_column_int64(st, 8);
	a->last_error = store_col_dup(st, 9);
}

void
store_alert_clear(struct store_alert *a)
{
	if (a == NULL)
		return;
	free(a->hook);
	free(a->topic);
	free(a->entries);
	free(a->key);
	free(a->last_error);
	memset(a, 0, sizeof(*a));
}

int
sqlite_store_alert_add(struct sqlite_store *s, const struct store_alert *a,
    int64_t *ret_id)
{
	static const struct store_sql sql = { ST_ALERT_ADD,
	    "INSERT INTO hook_alerts(hook, topic, batch, entries, key,"
	    " created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)" };
	sqlite3_stmt *st = store_bound_text(s, &sql, a->hook);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 2, a->topic, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, a->batch ? 1 : 0);
	sqlite3_bind_text(st, 4, a->entries, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, store_now(s));
	if (store_exec(s, st, "queueing a hook's alert") == -1)
		return -1;
	if (ret_id != NULL)
		*ret_id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
sqlite_store_alert_first(struct sqlite_store *s, const char *hook,
    struct store_alert *ret)
{
	static const struct store_sql sql = { ST_ALERT_FIRST,
	    "SELECT " ALERT_COLS " FROM hook_alerts WHERE hook = ?"
	    " ORDER BY id LIMIT 1" };

	return store_one_row(s, store_bound_text(s, &sql, hook),
	    sizeof(*ret), alert_read, ret, "reading a hook's next alert");
}

int
sqlite_store_alert_remove(struct sqlite_store *s, int64_t id)
{
	static const struct store_sql sql = { ST_ALERT_REMOVE,
	    "DELETE FROM hook_alerts WHERE id = ?" };

	if (store_exec_id(s, &sql, id, "removing a hook's alert") == -1)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

int
sqlite_store_alert_retry(struct sqlite_store *s, int64_t id, int64_t when,
    const char *error)
{
	static const struct store_sql sql = { ST_ALERT_RETRY,
	    "UPDATE hook_alerts SET attempts = attempts + 1, next_try = ?2,"
	    " last_error = ?3 WHERE id = ?1" };
	sqlite3_stmt *st = store_bound_id(s, &sql, id);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 2, when);
	sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
	return store_exec(s, st, "planning a hook's next attempt");
}

int
sqlite_store_alert_count(struct sqlite_store *s, const char *hook, int64_t *ret)
{
	static const struct store_sql sql = { ST_ALERT_COUNT,
	    "SELECT count(*) FROM hook_alerts WHERE hook = ?" };

	return store_one_row(s, store_bound_text(s, &sql, hook),
	    sizeof(*ret), store_read_int64, ret,
	    "counting a hook's alerts") == -1 ? -1 : 0;
}

static void
hook_read(sqlite3_stmt *st, void *row)
{
	struct store_alert_hook *h = row;

	h->hook = store_col_dup(st, 0);
	h->count = sqlite3_column_int64(st, 1);
	h->oldest = sqlite3_column_int64(st, 2);
}

static void
hook_clear(void *row)
{
	free(((struct store_alert_hook *)row)->hook);
}

int
sqlite_store_alert_hooks(struct sqlite_store *s, struct store_alert_hook **ret,
    size_t *ret_n)
{
	static const struct store_sql sql = { ST_ALERT_HOOKS,
	    "SELECT hook, count(*), min(created) FROM hook_alerts"
	    " GROUP BY hook ORDER BY hook" };

	return store_all_rows(s, store_stmt(s, &sql), sizeof(**ret),
	    hook_read, hook_clear, (void **)ret, ret_n,
	    "listing the hooks' alerts");
}

void
store_alert_hook_list_free(struct store_alert_hook *h, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hook_clear(&h[i]);
	free(h);
}

int
sqlite_store_alert_expire(struct sqlite_store *s, const char *hook,
    int64_t before,
    size_t *ret_n)
{
	static const struct store_sql sql = { ST_ALERT_EXPIRE,
	    "DELETE FROM hook_alerts WHERE hook = ?1 AND created < ?2" };
	sqlite3_stmt *st = store_bound_text(s, &sql, hook);

	*ret_n = 0;
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 2, before);
	if (store_exec(s, st, "dropping a hook's old alerts") == -1)
		return -1;
	*ret_n = (size_t)sqlite3_changes(s->db);
	return 0;
}
