/*
 * store_user: the people who read (store.h, "users and their state") and
 * the daemon's own secret. Passwords arrive hashed: the store never sees
 * one.
 */
#include <sys/random.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_sqlite.h"

#define USER_COLS "id, name, pass_hash, fever_key, created"

static void
user_read(sqlite3_stmt *st, void *row)
{
	struct store_user *u = row;
	const void *key = sqlite3_column_blob(st, 3);

	u->id = sqlite3_column_int64(st, 0);
	u->name = store_col_dup(st, 1);
	u->pass_hash = store_col_dup(st, 2);
	/* The schema checks the length. */
	if (key != NULL && sqlite3_column_bytes(st, 3) ==
	    STORE_FEVER_KEY_LEN) {
		memcpy(u->fever_key, key, STORE_FEVER_KEY_LEN);
		u->fever = true;
	}
	u->created = sqlite3_column_int64(st, 4);
}

static void
user_clear(void *row)
{
	struct store_user *u = row;

	free(u->name);
	if (u->pass_hash != NULL) {
		explicit_bzero(u->pass_hash, strlen(u->pass_hash));
		free(u->pass_hash);
	}
	explicit_bzero(u, sizeof(*u));
}

void
store_user_clear(struct store_user *u)
{
	if (u != NULL)
		user_clear(u);
}

void
store_user_list_free(struct store_user *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		user_clear(&u[i]);
	free(u);
}

int
sqlite_store_user_add(struct sqlite_store *s, const char *name,
    const char *pass_hash,
    int64_t *ret_id)
{
	static const struct store_sql sql = { ST_USER_ADD,
	    "INSERT INTO users(name, pass_hash, created) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT(name) DO NOTHING" };
	static const struct store_sql sql_get = { ST_USER_GET_BY_NAME,
	    "SELECT " USER_COLS " FROM users WHERE name = ?1" };
	sqlite3_stmt *st = store_bound_text(s, &sql, name);
	struct store_user u;
	int rc;

	if (st == NULL)
		return -1;
	if (pass_hash != NULL)
		sqlite3_bind_text(st, 2, pass_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, store_now(s));
	if (store_exec(s, st, "adding a user") == -1)
		return -1;
	if (sqlite3_changes(s->db) > 0) {
		*ret_id = sqlite3_last_insert_rowid(s->db);
		return 0;
	}
	if ((rc = store_one_row(s, store_bound_text(s, &sql_get, name),
	    sizeof(u), user_read, &u, "reading a user")) != 1)
		return -1;
	*ret_id = u.id;
	user_clear(&u);
	return 1;
}

int
sqlite_store_user_get(struct sqlite_store *s, int64_t id,
    struct store_user *ret)
{
	static const struct store_sql sql = { ST_USER_GET,
	    "SELECT " USER_COLS " FROM users WHERE id = ?1" };

	return store_one_row(s, store_bound_id(s, &sql, id), sizeof(*ret),
	    user_read, ret, "reading a user");
}

int
sqlite_store_user_get_by_name(struct sqlite_store *s, const char *name,
    struct store_user *ret)
{
	static const struct store_sql sql = { ST_USER_GET_BY_NAME,
	    "SELECT " USER_COLS " FROM users WHERE name = ?1" };

	return store_one_row(s, store_bound_text(s, &sql, name),
	    sizeof(*ret), user_read, ret, "reading a user");
}

int
sqlite_store_user_list(struct sqlite_store *s, struct store_user **ret,
    size_t *ret_n)
{
	static const struct store_sql sql = { ST_USER_LIST,
	    "SELECT " USER_COLS " FROM users ORDER BY id" };

	return store_all_rows(s, store_stmt(s, &sql), sizeof(**ret),
	    user_read, user_clear, (void **)ret, ret_n, "listing users");
}

static int
user_remove(struct sqlite_store *s, int64_t id)
{
	/* State goes by cascade, tokens and counts by the schema's trigger. */
	static const struct store_sql sql = { ST_USER_REMOVE,
	    "DELETE FROM users WHERE id = ?1" };

	if (store_exec_id(s, &sql, id, "removing a user") == -1)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

int
sqlite_store_user_remove(struct sqlite_store *s, int64_t id)
{
	if (id == STORE_OWNER_ID) {
		log_warnx("store: the owner (user %d) is never removed",
		    STORE_OWNER_ID);
		return -1;
	}
	return store_in_tx(s, user_remove, id);
}

int
sqlite_store_user_set_password(struct sqlite_store *s, int64_t id,
    const char *pass_hash)
{
	static const struct store_sql sql = { ST_USER_SET_PASSWORD,
	    "UPDATE users SET pass_hash = ?2 WHERE id = ?1" };
	sqlite3_stmt *st = store_bound_id(s, &sql, id);

	if (st == NULL)
		return -1;
	if (pass_hash != NULL)
		sqlite3_bind_text(st, 2, pass_hash, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	if (store_exec(s, st, "setting a password") == -1)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

int
sqlite_store_user_set_fever(struct sqlite_store *s, int64_t id,
    const unsigned char *key)
{
	static const struct store_sql sql = { ST_USER_SET_FEVER,
	    "UPDATE users SET fever_key = ?2 WHERE id = ?1" };
	sqlite3_stmt *st = store_bound_id(s, &sql, id);

	if (st == NULL)
		return -1;
	if (key != NULL)
		sqlite3_bind_blob(st, 2, key, STORE_FEVER_KEY_LEN,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	if (store_exec(s, st, "setting a Fever key") == -1)
		return -1;
	return sqlite3_changes(s->db) > 0 ? 1 : 0;
}

int
sqlite_store_user_rename(struct sqlite_store *s, int64_t id, const char *name)
{
	static const struct store_sql sql = { ST_USER_RENAME,
	    "UPDATE OR IGNORE users SET name = ?2 WHERE id = ?1"
	    " AND NOT EXISTS (SELECT 1 FROM users WHERE name = ?2"
	    " AND id <> ?1)" };
	struct store_user u;
	sqlite3_stmt *st = store_bound_id(s, &sql, id);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (store_exec(s, st, "renaming a user") == -1)
		return -1;
	if (sqlite3_changes(s->db) > 0)
		return 1;
	if ((rc = sqlite_store_user_get(s, id, &u)) != 1)
		return rc;
	rc = strcmp(u.name, name) == 0 ? 1 : 2;
	user_clear(&u);
	return rc;
}

int
sqlite_store_secret(struct sqlite_store *s, unsigned char out[STORE_SECRET_LEN])
{
	static const struct store_sql sql_get = { ST_SECRET_GET,
	    "SELECT value FROM meta WHERE key = 'secret'" };
	static const struct store_sql sql_set = { ST_SECRET_SET,
	    "INSERT INTO meta(key, value) VALUES ('secret', ?1)"
	    " ON CONFLICT(key) DO NOTHING" };
	sqlite3_stmt *st;
	int rc;

	for (int tries = 0; tries < 2; tries++) {
		if ((st = store_stmt(s, &sql_get)) == NULL)
			return -1;
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) ==
		    STORE_SECRET_LEN) {
			memcpy(out, sqlite3_column_blob(st, 0),
			    STORE_SECRET_LEN);
			sqlite3_reset(st);
			return 0;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return store_fail(s, "reading the secret");
		/* None yet (or a broken one, kept: refuse rather than guess). */
		if (rc == SQLITE_ROW) {
			log_warnx("store: the stored secret is malformed");
			return -1;
		}
		if (getrandom(out, STORE_SECRET_LEN, 0) !=
		    STORE_SECRET_LEN) {
			log_warn("store: getrandom");
			return -1;
		}
		if ((st = store_stmt(s, &sql_set)) == NULL)
			return -1;
		sqlite3_bind_blob(st, 1, out, STORE_SECRET_LEN,
		    SQLITE_TRANSIENT);
		if (store_exec(s, st, "keeping the secret") == -1)
			return -1;
		/* Read back: another connection may have made one first. */
	}
	return -1;
}
