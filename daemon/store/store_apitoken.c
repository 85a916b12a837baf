/*
 * store_apitoken: the API's tokens (store.h, "API tokens"). Only their
 * SHA-256 is ever written: the token itself is shown once by the API and
 * never reaches the database.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store_int.h"
#include "store_sqlite.h"

int
sqlite_store_apitoken_add(struct sqlite_store *s, const char *name,
    const unsigned char sha256[STORE_APITOKEN_HASH_LEN], bool read_only,
    int64_t user_id)
{
	/* A name taken is no error but "exists": 0 rows changed. */
	static const struct store_sql sql = { ST_APITOKEN_ADD,
	    "INSERT INTO api_tokens(name, sha256, read_only, created, user_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(name) DO NOTHING" };
	sqlite3_stmt *st = store_bound_text(s, &sql, name);

	if (st == NULL)
		return -1;
	sqlite3_bind_blob(st, 2, sha256, STORE_APITOKEN_HASH_LEN,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 3, read_only ? 1 : 0);
	sqlite3_bind_int64(st, 4, store_now(s));
	sqlite3_bind_int64(st, 5, user_id);
	if (store_exec(s, st, "adding an API token") == -1)
		return -1;
	return sqlite3_changes(s->db) == 0 ? 1 : 0;
}

static void
apitoken_read(sqlite3_stmt *st, void *row)
{
	struct store_apitoken *t = row;
	const void *hash = sqlite3_column_blob(st, 1);

	t->name = store_col_dup(st, 0);
	/* The schema checks the length; a short blob stays zeros. */
	if (hash != NULL && sqlite3_column_bytes(st, 1) ==
	    STORE_APITOKEN_HASH_LEN)
		memcpy(t->sha256, hash, STORE_APITOKEN_HASH_LEN);
	t->read_only = sqlite3_column_int(st, 2) != 0;
	t->created = sqlite3_column_int64(st, 3);
	t->last_used = sqlite3_column_int64(st, 4);
	t->user_id = sqlite3_column_int64(st, 5);
}

static void
apitoken_clear(void *row)
{
	free(((struct store_apitoken *)row)->name);
}

int
sqlite_store_apitoken_list(struct sqlite_store *s, struct store_apitoken **ret,
    size_t *ret_n)
{
	static const struct store_sql sql = { ST_APITOKEN_LIST,
	    "SELECT name, sha256, read_only, created, last_used, user_id"
	    " FROM api_tokens ORDER BY name" };

	return store_all_rows(s, store_stmt(s, &sql),
	    sizeof(**ret), apitoken_read, apitoken_clear, (void **)ret,
	    ret_n, "listing API tokens");
}

void
store_apitoken_list_free(struct store_apitoken *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		apitoken_clear(&t[i]);
	free(t);
}

int
sqlite_store_apitoken_remove(struct sqlite_store *s, const char *name)
{
	static const struct store_sql sql = { ST_APITOKEN_REMOVE,
	    "DELETE FROM api_tokens WHERE name = ?" };

	if (store_exec(s, store_bound_text(s, &sql, name),
	    "removing an API token") == -1)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

int
sqlite_store_apitoken_used(struct sqlite_store *s, const char *name,
    int64_t when)
{
	static const struct store_sql sql = { ST_APITOKEN_USED,
	    "UPDATE api_tokens SET last_used = ?2 WHERE name = ?1" };
	sqlite3_stmt *st = store_bound_text(s, &sql, name);

	if (st != NULL)
		sqlite3_bind_int64(st, 2, when);
	return store_exec(s, st, "recording an API token's use");
}
