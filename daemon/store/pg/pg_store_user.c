/*
 * pg_store_user: API tokens, users and the daemon's secret on PostgreSQL
 * (as store_apitoken.c and store_user.c). Tokens are kept as their
 * SHA-256 only; keys and hashes travel as bytea's hex text.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "pg_store.h"
#include "pg_store_int.h"

/* ---- API tokens ---- */

int
pg_store_apitoken_add(struct pg_store *s, const char *name,
    const unsigned char sha256[STORE_APITOKEN_HASH_LEN], bool read_only,
    int64_t user_id)
{
	/* A name taken is no error but "exists": no row added. */
	static const struct pg_sql sql = {
	    "INSERT INTO api_tokens(name, sha256, read_only, created, user_id)"
	    " VALUES ($1, $2::bytea, $3, $4, $5) ON CONFLICT (name) DO NOTHING" };
	char hex[2 * STORE_APITOKEN_HASH_LEN + 3];
	struct pg_params p = { 0 };
	int64_t n;

	pg_p_text(&p, name);
	pg_p_bytes(&p, sha256, STORE_APITOKEN_HASH_LEN, hex);
	pg_p_bool(&p, read_only);
	pg_p_int(&p, pg_now(s));
	pg_p_int(&p, user_id);
	if (pg_exec(s, &sql, &p, "adding an API token", &n) == -1)
		return -1;
	return n == 0 ? 1 : 0;
}

static void
apitoken_read(const PGresult *r, int i, void *row)
{
	struct store_apitoken *t = row;

	t->name = pg_col_dup(r, i, 0);
	/* The schema checks the length; anything else stays zeros. */
	pg_col_bytes(r, i, 1, t->sha256, STORE_APITOKEN_HASH_LEN);
	t->read_only = pg_col_bool(r, i, 2);
	t->created = pg_col_int(r, i, 3);
	t->last_used = pg_col_int(r, i, 4);
	t->user_id = pg_col_int(r, i, 5);
}

int
pg_store_apitoken_list(struct pg_store *s, struct store_apitoken **ret,
    size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT name, sha256, read_only, created, last_used, user_id"
	    " FROM api_tokens ORDER BY name COLLATE \"C\"" };

	return pg_all_rows(s, &sql, NULL, sizeof(**ret), apitoken_read,
	    (void **)ret, ret_n, "listing API tokens");
}

int
pg_store_apitoken_remove(struct pg_store *s, const char *name)
{
	static const struct pg_sql sql = {
	    "DELETE FROM api_tokens WHERE name = $1" };
	struct pg_params p = { 0 };
	int64_t n;

	pg_p_text(&p, name);
	if (pg_exec(s, &sql, &p, "removing an API token", &n) == -1)
		return -1;
	return n > 0;
}

int
pg_store_apitoken_used(struct pg_store *s, const char *name, int64_t when)
{
	static const struct pg_sql sql = {
	    "UPDATE api_tokens SET last_used = $2 WHERE name = $1" };
	struct pg_params p = { 0 };

	pg_p_text(&p, name);
	pg_p_int(&p, when);
	return pg_exec(s, &sql, &p, "recording an API token's use", NULL);
}

/* ---- users ---- */

#define USER_COLS "id, name, pass_hash, fever_key, created"

static void
user_read(const PGresult *r, int i, void *row)
{
	struct store_user *u = row;

	u->id = pg_col_int(r, i, 0);
	u->name = pg_col_dup(r, i, 1);
	u->pass_hash = pg_col_dup(r, i, 2);
	u->fever = pg_col_bytes(r, i, 3, u->fever_key, STORE_FEVER_KEY_LEN);
	u->created = pg_col_int(r, i, 4);
}

int
pg_store_user_get(struct pg_store *s, int64_t id, struct store_user *ret)
{
	static const struct pg_sql sql = {
	    "SELECT " USER_COLS " FROM users WHERE id = $1" };
	struct pg_params p = { 0 };

	pg_p_int(&p, id);
	return pg_one_row(s, &sql, &p, sizeof(*ret), user_read, ret,
	    "reading a user");
}

int
pg_store_user_get_by_name(struct pg_store *s, const char *name,
    struct store_user *ret)
{
	static const struct pg_sql sql = {
	    "SELECT " USER_COLS " FROM users WHERE name = $1" };
	struct pg_params p = { 0 };

	pg_p_text(&p, name);
	return pg_one_row(s, &sql, &p, sizeof(*ret), user_read, ret,
	    "reading a user");
}

int
pg_store_user_list(struct pg_store *s, struct store_user **ret,
    size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT " USER_COLS " FROM users ORDER BY id" };

	return pg_all_rows(s, &sql, NULL, sizeof(**ret), user_read,
	    (void **)ret, ret_n, "listing users");
}

int
pg_store_user_add(struct pg_store *s, const char *name,
    const char *pass_hash, int64_t *ret_id)
{
	static const struct pg_sql sql = {
	    "INSERT INTO users(name, pass_hash, created) VALUES ($1, $2, $3)"
	    " ON CONFLICT (name) DO NOTHING RETURNING id" };
	static const struct pg_sql sql_id = {
	    "SELECT id FROM users WHERE name = $1" };
	struct pg_params p = { 0 };
	int rc;

	*ret_id = 0;
	pg_p_text(&p, name);
	pg_p_text(&p, pass_hash);
	pg_p_int(&p, pg_now(s));
	if ((rc = pg_int(s, &sql, &p, "adding a user", ret_id)) != 0)
		return rc == 1 ? 0 : -1;
	p.n = 1;
	return pg_int(s, &sql_id, &p, "adding a user", ret_id) == 1 ? 1 : -1;
}

int
pg_store_user_remove(struct pg_store *s, int64_t id)
{
	/* State goes by cascade, tokens and counts by the schema's trigger. */
	static const struct pg_sql sql = {
	    "DELETE FROM users WHERE id = $1" };
	struct pg_params p = { 0 };
	int64_t n;

	if (id == STORE_OWNER_ID) {
		log_warnx("store: the owner (user %d) is never removed",
		    STORE_OWNER_ID);
		return -1;
	}
	pg_p_int(&p, id);
	if (pg_exec(s, &sql, &p, "removing a user", &n) == -1)
		return -1;
	return n > 0;
}

int
pg_store_user_set_password(struct pg_store *s, int64_t id,
    const char *pass_hash)
{
	static const struct pg_sql sql = {
	    "UPDATE users SET pass_hash = $2 WHERE id = $1" };
	struct pg_params p = { 0 };
	int64_t n;

	pg_p_int(&p, id);
	pg_p_text(&p, pass_hash);
	if (pg_exec(s, &sql, &p, "setting a password", &n) == -1)
		return -1;
	return n > 0;
}

int
pg_store_user_set_fever(struct pg_store *s, int64_t id,
    const unsigned char *key)
{
	static const struct pg_sql sql = {
	    "UPDATE users SET fever_key = $2::bytea WHERE id = $1" };
	char hex[2 * STORE_FEVER_KEY_LEN + 3];
	struct pg_params p = { 0 };
	int64_t n;

	pg_p_int(&p, id);
	if (key != NULL)
		pg_p_bytes(&p, key, STORE_FEVER_KEY_LEN, hex);
	else
		pg_p_text(&p, NULL);
	if (pg_exec(s, &sql, &p, "setting a Fever key", &n) == -1)
		return -1;
	return n > 0;
}

int
pg_store_user_rename(struct pg_store *s, int64_t id, const char *name)
{
	static const struct pg_sql sql = {
	    "UPDATE users SET name = $2 WHERE id = $1"
	    " AND NOT EXISTS (SELECT 1 FROM users WHERE name = $2"
	    " AND id <> $1)" };
	struct pg_params p = { 0 };
	struct store_user u;
	int64_t n;
	int rc;

	pg_p_int(&p, id);
	pg_p_text(&p, name);
	/* A savepoint: a rename that races another meets the unique key. */
	if (pg_begin(s) == -1)
		return -1;
	if (pg_exec(s, &sql, &p, "renaming a user", &n) == -1) {
		pg_rollback(s);
		n = 0;
	} else if (pg_commit(s) == -1)
		return -1;
	if (n > 0)
		return 1;
	if ((rc = pg_store_user_get(s, id, &u)) != 1)
		return rc;
	rc = strcmp(u.name, name) == 0 ? 1 : 2;
	store_user_clear(&u);
	return rc;
}

int
pg_store_secret(struct pg_store *s, unsigned char out[STORE_SECRET_LEN])
{
	static const struct pg_sql sql_get = {
	    "SELECT value FROM meta WHERE key = 'secret'" };
	static const struct pg_sql sql_set = {
	    "INSERT INTO meta(key, value) VALUES ('secret', $1)"
	    " ON CONFLICT (key) DO NOTHING" };
	char hex[2 * STORE_SECRET_LEN + 3];
	struct pg_params p = { 0 };
	PGresult *r;
	bool got;

	for (int tries = 0; tries < 2; tries++) {
		if ((r = pg_run(s, &sql_get, NULL, "reading the secret")) ==
		    NULL)
			return -1;
		if (PQntuples(r) > 0) {
			got = pg_col_bytes(r, 0, 0, out, STORE_SECRET_LEN);
			PQclear(r);
			if (got)
				return 0;
			/* A broken one is kept: refuse rather than guess. */
			log_warnx("store: the stored secret is malformed");
			return -1;
		}
		PQclear(r);
		if (getrandom(out, STORE_SECRET_LEN, 0) != STORE_SECRET_LEN) {
			log_warn("store: getrandom");
			return -1;
		}
		p.n = 0;
		pg_p_bytes(&p, out, STORE_SECRET_LEN, hex);
		if (pg_exec(s, &sql_set, &p, "keeping the secret", NULL) == -1)
			return -1;
		/* Read back: another worker may have made one first. */
	}
	return -1;
}
