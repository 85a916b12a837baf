/*
 * store_migrate: a SQLite store copied into a PostgreSQL one (store.h,
 * store_migrate). The one place that reads one store's tables to write
 * the other's.
 *
 * Columns are the PostgreSQL table's (test_pg_schema.c holds both schemas
 * to the same tables and columns), values travel as text: SQLite's
 * integers as decimals (PostgreSQL's booleans take 0 and 1), its blobs as
 * bytea's hex text (meta's secret is kept as that text on PostgreSQL).
 * entries.fts, the one column SQLite has not, is built here by pg_fts.h
 * as the PostgreSQL store's ingest builds it.
 *
 * Resuming: each table is copied in the order of its key, a batch per
 * transaction, so the target's greatest key is where the last committed
 * batch ended; a run starts each table after it. Tables without an
 * integer key are small and go in one transaction, their rows skipped
 * when present (ON CONFLICT).
 *
 * Rows are sent pipelined (MIGRATE_PIPE): 21,800 rows/s against 6,000
 * one round trip at a time (bench/README-store.md).
 *
 * Counts the PostgreSQL schema keeps by triggers (a topic's match_count,
 * feed_reads, topic_reads, feed_counts) are not copied: the triggers count the copied
 * rows as they come (a skipped row fires nothing), and match_count, which
 * the copied topic brings along as well, is counted again at the end.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "buf.h"
#include "pg_fts.h"
#include "pg_store.h"
#include "pg_store_int.h"
#include "store.h"
#include "store_int.h"
#include "xmalloc.h"

/* Held for a run, so two runs never copy into one database at once. */
#define MIGRATE_LOCK	0x6d696772	/* "migr"; pg_schema.h has "feed" */
#define MIGRATE_BATCH	1000
#define MIGRATE_MARK	"migrated_from"
/* meta's rows that are the target's own, not the source's: SQL list. */
#define TARGET_KEYS	"('" MIGRATE_MARK "', '" PG_FTS_DOC_KEY "')"

struct table {
	const char	*name;
	/* Integer key columns, the copy's order; none: one transaction. */
	const char	*key[2];
	/* What a present row does; NULL: it is skipped. */
	const char	*conflict;
	bool		 identity;	/* an id column with a sequence */
};

/* In the order of their references. */
static const struct table tables[] = {
	/* The target's owner (user 1) takes the source's name and keys. */
	{ "users", { NULL, NULL }, "ON CONFLICT (id) DO UPDATE SET"
	    " name = EXCLUDED.name, pass_hash = EXCLUDED.pass_hash,"
	    " fever_key = EXCLUDED.fever_key, created = EXCLUDED.created"
	    " WHERE (users.name, users.pass_hash, users.fever_key,"
	    " users.created) IS DISTINCT FROM (EXCLUDED.name,"
	    " EXCLUDED.pass_hash, EXCLUDED.fever_key, EXCLUDED.created)",
	    true },
	{ "meta", { NULL, NULL }, NULL, false },
	{ "feeds", { "id", NULL }, NULL, true },
	{ "topics", { "id", NULL }, NULL, true },
	{ "entries", { "id", NULL }, NULL, true },
	{ "seen", { "feed_id", "hash" }, NULL, false },
	{ "topic_matches", { "topic_id", "entry_id" }, NULL, false },
	{ "match_keys", { "entry_id", NULL }, NULL, false },
	{ "cursors", { NULL, NULL }, NULL, false },
	{ "poll_log", { "id", NULL }, NULL, true },
	{ "api_tokens", { NULL, NULL }, NULL, false },
	{ "entry_state", { "entry_id", "user_id" }, NULL, false },
	{ "hook_alerts", { "id", NULL }, NULL, true },
	{ "websub", { "id", NULL }, NULL, true },
};
#define NTABLES	(sizeof(tables) / sizeof(tables[0]))

/* The closing check: each table's rows, and the counts kept by triggers. */
static const struct {
	const char	*what;
	const char	*lite;
	const char	*pg;
} checks[] = {
	{ "users", "SELECT count(*) FROM users", "SELECT count(*) FROM users" },
	{ "meta", "SELECT count(*) FROM meta", "SELECT count(*) FROM meta"
	    " WHERE key NOT IN " TARGET_KEYS },
	{ "feeds", "SELECT count(*) FROM feeds", "SELECT count(*) FROM feeds" },
	{ "topics", "SELECT count(*) FROM topics",
	    "SELECT count(*) FROM topics" },
	{ "entries", "SELECT count(*) FROM entries",
	    "SELECT count(*) FROM entries" },
	{ "seen", "SELECT count(*) FROM seen", "SELECT count(*) FROM seen" },
	{ "topic_matches", "SELECT count(*) FROM topic_matches",
	    "SELECT count(*) FROM topic_matches" },
	{ "match_keys", "SELECT count(*) FROM match_keys",
	    "SELECT count(*) FROM match_keys" },
	{ "cursors", "SELECT count(*) FROM cursors",
	    "SELECT count(*) FROM cursors" },
	{ "poll_log", "SELECT count(*) FROM poll_log",
	    "SELECT count(*) FROM poll_log" },
	{ "api_tokens", "SELECT count(*) FROM api_tokens",
	    "SELECT count(*) FROM api_tokens" },
	{ "entry_state", "SELECT count(*) FROM entry_state",
	    "SELECT count(*) FROM entry_state" },
	{ "hook_alerts", "SELECT count(*) FROM hook_alerts",
	    "SELECT count(*) FROM hook_alerts" },
	{ "websub", "SELECT count(*) FROM websub",
	    "SELECT count(*) FROM websub" },
	{ "entry_state read", "SELECT count(*) FROM entry_state WHERE read",
	    "SELECT count(*) FROM entry_state WHERE read" },
	{ "feed_reads (sum)", "SELECT coalesce(sum(n), 0) FROM feed_reads",
	    "SELECT coalesce(sum(n), 0) FROM feed_reads" },
	{ "topic_reads (sum)", "SELECT coalesce(sum(n), 0) FROM topic_reads",
	    "SELECT coalesce(sum(n), 0) FROM topic_reads" },
	{ "topics match_count (sum)",
	    "SELECT coalesce(sum(match_count), 0) FROM topics",
	    "SELECT coalesce(sum(match_count), 0) FROM topics" },
	{ "feed_counts feeds (sum)",
	    "SELECT coalesce(sum(feeds), 0) FROM feed_counts",
	    "SELECT coalesce(sum(feeds), 0) FROM feed_counts" },
	{ "feed_counts failing (sum)",
	    "SELECT coalesce(sum(failing), 0) FROM feed_counts",
	    "SELECT coalesce(sum(failing), 0) FROM feed_counts" },
	{ "feed_counts entries (sum)",
	    "SELECT coalesce(sum(entries), 0) FROM feed_counts",
	    "SELECT coalesce(sum(entries), 0) FROM feed_counts" },
};
_Static_assert(sizeof(checks) / sizeof(checks[0]) == STORE_MIGRATE_NCOUNTS,
    "store.h's STORE_MIGRATE_NCOUNTS is the number of checks");

struct migrate {
	sqlite3		*lite;
	struct pg_store	*pg;
	PGconn		*conn;
	const struct store_migrate_opts *o;
	size_t		 batch;
	struct store_migrate_result *ret;
	struct buf	 text;		/* an entry's content as text */
	struct buf	 stext;		/* and its summary */
	char		*err;
	size_t		 errlen;
};

/* The error of the last PostgreSQL call, without its newline. -1. */
static int
pg_error(struct migrate *m, const char *what)
{
	const char *msg = PQerrorMessage(m->conn);
	size_t n = strlen(msg);

	while (n > 0 && msg[n - 1] == '\n')
		n--;
	snprintf(m->err, m->errlen, "%s: %s: %.*s", pg_store_path(m->pg),
	    what, (int)n, msg);
	return -1;
}

static int
lite_error(struct migrate *m, const char *what)
{
	snprintf(m->err, m->errlen, "%s: %s: %s", sqlite3_db_filename(m->lite,
	    "main"), what, sqlite3_errmsg(m->lite));
	return -1;
}

/* sql (no parameters, no rows wanted) on the target. 0 / -1. */
static int
pg_do(struct migrate *m, const char *sql, const char *what)
{
	PGresult *r = PQexec(m->conn, sql);
	ExecStatusType st = PQresultStatus(r);

	PQclear(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return 0;
	return pg_error(m, what);
}

/* One integer of sql's first row on the target: 1, 0 no row, -1. */
static int
pg_get(struct migrate *m, const char *sql, int nparams,
    const char *const *params, int64_t *ret, const char *what)
{
	PGresult *r = PQexecParams(m->conn, sql, nparams, NULL, params, NULL,
	    NULL, 0);
	int rc = 0;

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return pg_error(m, what);
	}
	if (PQntuples(r) > 0) {
		*ret = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		rc = 1;
	}
	PQclear(r);
	return rc;
}

/* One integer of sql's first row on the source: 1, 0 no row, -1. */
static int
lite_get(struct migrate *m, const char *sql, const char *arg, int64_t *ret,
    const char *what)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(m->lite, sql, -1, &st, NULL) != SQLITE_OK)
		return lite_error(m, what);
	if (arg != NULL)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return lite_error(m, what);
}

/*
 * The source, read-only, at the schema this feedd writes, inside one read
 * transaction: every table is read from the same moment.
 */
static int
lite_open(struct migrate *m, const char *path)
{
	int64_t version = 0;

	if (sqlite3_open_v2(path, &m->lite, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(m->err, m->errlen, "%s: %s", path, m->lite != NULL ?
		    sqlite3_errmsg(m->lite) : "out of memory");
		return -1;
	}
	sqlite3_busy_timeout(m->lite, 10000);
	if (sqlite3_exec(m->lite, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    lite_get(m, "PRAGMA user_version", NULL, &version,
	    "reading the schema version") == -1)
		return lite_error(m, "reading the schema version");
	if (version == 0) {
		snprintf(m->err, m->errlen, "%s: not a feedd database", path);
		return -1;
	}
	if (version != STORE_SCHEMA_VERSION) {
		snprintf(m->err, m->errlen, "%s: schema version %" PRId64
		    ", this feedd copies version %d: start this feedd on it "
		    "once (it upgrades the file), stop it, and migrate then",
		    path, version, STORE_SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

/*
 * What names the source: when its owner was made (the second its schema
 * reached version 8) and its first feed. A target marked with another
 * name holds a copy of another store.
 */
static char *
source_name(struct migrate *m)
{
	sqlite3_stmt *st;
	struct buf b;
	int64_t created = 0;

	if (lite_get(m, "SELECT created FROM users WHERE id = 1", NULL,
	    &created, "reading the owner") == -1)
		return NULL;
	buf_init(&b);
	buf_printf(&b, "owner created %" PRId64, created);
	if (sqlite3_prepare_v2(m->lite, "SELECT id, url FROM feeds"
	    " ORDER BY id LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		buf_free(&b);
		lite_error(m, "reading the feeds");
		return NULL;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		buf_printf(&b, ", feed %lld %s",
		    (long long)sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return buf_detach(&b);
}

/*
 * The target is empty (then marked as this source's) or already this
 * source's copy; anything else is another feedd's data, refused.
 */
static int
check_target(struct migrate *m)
{
	static const char sql_mark[] =
	    "SELECT value FROM meta WHERE key = '" MIGRATE_MARK "'";
	static const char sql_rows[] =
	    "SELECT (SELECT count(*) FROM feeds) + (SELECT count(*) FROM"
	    " entries) + (SELECT count(*) FROM seen) + (SELECT count(*) FROM"
	    " topics) + (SELECT count(*) FROM cursors) + (SELECT count(*) FROM"
	    " poll_log) + (SELECT count(*) FROM meta WHERE key NOT IN "
	    TARGET_KEYS ") + (SELECT count(*) FROM"
	    " api_tokens) + (SELECT count(*) FROM entry_state) + (SELECT"
	    " count(*) FROM hook_alerts) + (SELECT count(*) FROM websub) +"
	    " (SELECT count(*) FROM users WHERE id <> 1 OR pass_hash IS NOT"
	    " NULL OR fever_key IS NOT NULL)";
	const char *params[1];
	char *name;
	PGresult *r;
	int64_t rows = 0;
	int rc = -1;

	if ((name = source_name(m)) == NULL)
		return -1;
	r = PQexec(m->conn, sql_mark);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		pg_error(m, "reading the target's mark");
		goto out;
	}
	if (PQntuples(r) > 0) {
		if (strcmp(PQgetvalue(r, 0, 0), name) == 0)
			rc = 0;
		else
			snprintf(m->err, m->errlen, "%s holds the copy of "
			    "another SQLite store (%s; this one is %s): "
			    "refusing to mix them", pg_store_path(m->pg),
			    PQgetvalue(r, 0, 0), name);
		PQclear(r);
		goto out;
	}
	PQclear(r);
	if (pg_get(m, sql_rows, 0, NULL, &rows, "reading the target") == -1)
		goto out;
	if (rows > 0) {
		snprintf(m->err, m->errlen, "%s already holds a feedd's data "
		    "(%" PRId64 " rows) that is no copy of this store: migrate "
		    "into an empty database", pg_store_path(m->pg), rows);
		goto out;
	}
	params[0] = name;
	r = PQexecParams(m->conn, "INSERT INTO meta(key, value) VALUES ('"
	    MIGRATE_MARK "', $1)", 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		pg_error(m, "marking the target");
	else
		rc = 0;
	PQclear(r);
out:
	free(name);
	return rc;
}

/* A copy of one table: its columns and statements. */
struct copy {
	const struct table *t;
	char		**cols;		/* the target's columns but fts */
	int		 ncols;
	bool		 fts;		/* entries: the document goes too */
	int		 ix_title, ix_summary, ix_content, ix_author;
	int		 ix_key[2];
	char		 stmt[64];	/* the prepared insert's name */
};

static void
copy_clear(struct copy *c)
{
	for (int i = 0; i < c->ncols; i++)
		free(c->cols[i]);
	free(c->cols);
}

static int
col_index(const struct copy *c, const char *name)
{
	for (int i = 0; i < c->ncols; i++)
		if (name != NULL && strcmp(c->cols[i], name) == 0)
			return i;
	return -1;
}

/* The target table's columns, and its insert prepared. */
static int
copy_prepare(struct migrate *m, struct copy *c)
{
	const char *params[1] = { c->t->name };
	struct buf sql;
	PGresult *r;
	int n, rc;

	r = PQexecParams(m->conn, "SELECT column_name FROM"
	    " information_schema.columns WHERE table_schema ="
	    " current_schema() AND table_name = $1 ORDER BY ordinal_position",
	    1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return pg_error(m, "reading the target's columns");
	}
	n = PQntuples(r);
	c->cols = xcalloc((size_t)n + 1, sizeof(*c->cols));
	for (int i = 0; i < n; i++) {
		if (strcmp(PQgetvalue(r, i, 0), "fts") == 0) {
			c->fts = true;
			continue;
		}
		/* A feed's lease (several workers) starts out free. */
		if (strcmp(c->t->name, "feeds") == 0 &&
		    strncmp(PQgetvalue(r, i, 0), "lease_", 6) == 0)
			continue;
		c->cols[c->ncols++] = xstrdup(PQgetvalue(r, i, 0));
	}
	PQclear(r);
	c->ix_title = col_index(c, "title");
	c->ix_summary = col_index(c, "summary");
	c->ix_content = col_index(c, "content");
	c->ix_author = col_index(c, "author");
	for (int k = 0; k < 2; k++)
		c->ix_key[k] = col_index(c, c->t->key[k]);
	if (c->ncols == 0 || (c->t->key[0] != NULL && c->ix_key[0] < 0) ||
	    (c->t->key[1] != NULL && c->ix_key[1] < 0)) {
		snprintf(m->err, m->errlen, "%s: table %s is not as this feedd "
		    "made it", pg_store_path(m->pg), c->t->name);
		return -1;
	}
	buf_init(&sql);
	buf_printf(&sql, "INSERT INTO %s (", c->t->name);
	for (int i = 0; i < c->ncols; i++)
		buf_printf(&sql, "%s%s", i > 0 ? ", " : "", c->cols[i]);
	if (c->fts)
		buf_puts(&sql, ", fts");
	buf_puts(&sql, ") VALUES (");
	for (int i = 0; i < c->ncols + c->fts; i++)
		buf_printf(&sql, "%s$%d", i > 0 ? ", " : "", i + 1);
	buf_printf(&sql, ") %s", c->t->conflict != NULL ? c->t->conflict :
	    "ON CONFLICT DO NOTHING");
	snprintf(c->stmt, sizeof(c->stmt), "feedd_migrate_%s", c->t->name);
	r = PQprepare(m->conn, c->stmt, sql.data, 0, NULL);
	rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 :
	    pg_error(m, "preparing the copy");
	PQclear(r);
	buf_free(&sql);
	return rc;
}

/*
 * The source's select: the first batch (after false), the next batch
 * after the bound key (?1, ?2), or, for a table without a key, all.
 */
static int
copy_select(struct migrate *m, const struct copy *c, bool after,
    sqlite3_stmt **st)
{
	const struct table *t = c->t;
	struct buf sql;
	int rc;

	buf_init(&sql);
	buf_puts(&sql, "SELECT ");
	for (int i = 0; i < c->ncols; i++)
		buf_printf(&sql, "%s%s", i > 0 ? ", " : "", c->cols[i]);
	buf_printf(&sql, " FROM %s", t->name);
	if (t->key[1] != NULL && after)
		buf_printf(&sql, " WHERE (%s, %s) > (?1, ?2)", t->key[0],
		    t->key[1]);
	else if (t->key[0] != NULL && after)
		buf_printf(&sql, " WHERE %s > ?1", t->key[0]);
	if (t->key[1] != NULL)
		buf_printf(&sql, " ORDER BY %s, %s LIMIT ?3", t->key[0],
		    t->key[1]);
	else if (t->key[0] != NULL)
		buf_printf(&sql, " ORDER BY %s LIMIT ?3", t->key[0]);
	rc = sqlite3_prepare_v2(m->lite, sql.data, -1, st, NULL);
	buf_free(&sql);
	if (rc != SQLITE_OK)
		return lite_error(m, "reading the source");
	return 0;
}

/* Column i of the source's row as PostgreSQL's text (NULL: NULL). */
static char *
value_text(sqlite3_stmt *st, int i)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *b;
	char *v;
	int n;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		return NULL;
	case SQLITE_INTEGER:
		v = xmalloc(24);
		snprintf(v, 24, "%lld", (long long)sqlite3_column_int64(st, i));
		return v;
	case SQLITE_FLOAT:
		v = xmalloc(32);
		snprintf(v, 32, "%.17g", sqlite3_column_double(st, i));
		return v;
	case SQLITE_BLOB:
		b = sqlite3_column_blob(st, i);
		n = sqlite3_column_bytes(st, i);
		v = xmalloc(2 * (size_t)n + 3);
		v[0] = '\\';
		v[1] = 'x';
		for (int k = 0; k < n; k++) {
			v[2 + 2 * k] = hex[b[k] >> 4];
			v[3 + 2 * k] = hex[b[k] & 15];
		}
		v[2 + 2 * n] = '\0';
		return v;
	default:
		return xstrdup((const char *)sqlite3_column_text(st, i));
	}
}

/* The row's document (pg_fts.h), as the PostgreSQL store's ingest. */
static char *
row_document(struct migrate *m, const struct copy *c, char **v)
{
	return pg_fts_entry_document(m->pg->tok, v[c->ix_title],
	    v[c->ix_summary], v[c->ix_content], v[c->ix_author], &m->stext,
	    &m->text);
}

/*
 * Rows go to PostgreSQL in libpq's pipeline mode, MIGRATE_PIPE at a time
 * before their answers are read: one round trip per group, not per row,
 * and never more unread answers than the sockets' buffers hold.
 */
#define MIGRATE_PIPE	100

/* The answers of the n rows sent, then the group's sync. 0 / -1. */
static int
pipe_drain(struct migrate *m, const struct copy *c, size_t n,
    int64_t *added)
{
	PGresult *r;
	int rc = 0;

	if (PQpipelineSync(m->conn) != 1)
		return pg_error(m, c->t->name);
	for (size_t i = 0; i < n; i++) {
		r = PQgetResult(m->conn);
		if (r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK)
			*added += strtoll(PQcmdTuples(r), NULL, 10);
		else if (rc == 0) {
			/* The first failure says why; the rest were skipped. */
			snprintf(m->err, m->errlen, "%s: %s: %s",
			    pg_store_path(m->pg), c->t->name, r != NULL ?
			    PQresultErrorMessage(r) : PQerrorMessage(m->conn));
			m->err[strcspn(m->err, "\n")] = '\0';
			rc = -1;
		}
		PQclear(r);
		/* Each query's results end with a NULL. */
		if (r != NULL)
			PQclear(PQgetResult(m->conn));
	}
	r = PQgetResult(m->conn);
	if (r == NULL || PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
		if (rc == 0)
			pg_error(m, c->t->name);
		rc = -1;
	}
	PQclear(r);
	return rc;
}

/*
 * One batch: the source's rows after *last, written in one transaction.
 * *ret_n rows were read (fewer than the batch: the table is done),
 * *ret_added inserted. 0 / -1.
 */
static int
copy_batch(struct migrate *m, const struct copy *c, sqlite3_stmt *first,
    sqlite3_stmt *next, bool *has_last, int64_t last[2], size_t *ret_n,
    int64_t *ret_added)
{
	sqlite3_stmt *st = *has_last ? next : first;
	char **v = xcalloc((size_t)c->ncols + 1, sizeof(*v));
	int64_t key[2] = { 0, 0 };
	size_t n = 0, sent = 0, n_last;
	bool piped = false;
	int step = SQLITE_DONE;

	*ret_added = 0;
	sqlite3_reset(st);
	if (c->t->key[0] != NULL) {
		if (*has_last) {
			sqlite3_bind_int64(st, 1, last[0]);
			sqlite3_bind_int64(st, 2, last[1]);
		}
		sqlite3_bind_int64(st, 3, (sqlite3_int64)m->batch);
	}
	if (pg_do(m, "BEGIN", "starting a batch") == -1)
		goto fail;
	if (PQenterPipelineMode(m->conn) != 1) {
		pg_error(m, "entering pipeline mode");
		goto fail;
	}
	piped = true;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < c->ncols; i++)
			v[i] = value_text(st, i);
		if (c->fts && (v[c->ncols] = row_document(m, c, v)) == NULL) {
			snprintf(m->err, m->errlen, "indexing entry %s: the "
			    "tokenizer failed", v[0] != NULL ? v[0] : "?");
			goto fail_rows;
		}
		for (int k = 0; k < 2; k++)
			if (c->ix_key[k] >= 0)
				key[k] = sqlite3_column_int64(st,
				    c->ix_key[k]);
		/* libpq copies the values into its buffer here. */
		if (PQsendQueryPrepared(m->conn, c->stmt, c->ncols + c->fts,
		    (const char *const *)v, NULL, NULL, 0) != 1) {
			pg_error(m, c->t->name);
			goto fail_rows;
		}
		for (int i = 0; i <= c->ncols; i++) {
			free(v[i]);
			v[i] = NULL;
		}
		n++;
		if (++sent == MIGRATE_PIPE) {
			sent = 0;	/* answered or not, not again */
			if (pipe_drain(m, c, MIGRATE_PIPE, ret_added) == -1)
				goto fail;
		}
	}
	if (step != SQLITE_DONE) {
		lite_error(m, "reading the source");
		goto fail;
	}
	n_last = sent;
	sent = 0;
	if (pipe_drain(m, c, n_last, ret_added) == -1)
		goto fail;
	piped = false;
	if (PQexitPipelineMode(m->conn) != 1) {
		pg_error(m, "leaving pipeline mode");
		goto fail;
	}
	if (pg_do(m, "COMMIT", "committing a batch") == -1)
		goto fail;
	if (n > 0) {
		*has_last = true;
		last[0] = key[0];
		last[1] = key[1];
	}
	free(v);
	*ret_n = n;
	return 0;
fail_rows:
	for (int i = 0; i <= c->ncols; i++)
		free(v[i]);
fail:
	free(v);
	if (piped) {
		/* What was sent is answered (aborted) before the rollback. */
		if (sent > 0) {
			char keep[1024];

			snprintf(keep, sizeof(keep), "%s", m->err);
			pipe_drain(m, c, sent, ret_added);
			snprintf(m->err, m->errlen, "%s", keep);
		}
		PQexitPipelineMode(m->conn);
	}
	PQclear(PQexec(m->conn, "ROLLBACK"));
	return -1;
}

/* Where the last committed batch of c's table ended on the target. */
static int
copy_resume(struct migrate *m, const struct copy *c, bool *has_last,
    int64_t last[2])
{
	const struct table *t = c->t;
	char sql[256];
	PGresult *r;

	*has_last = false;
	if (t->key[0] == NULL)
		return 0;
	if (t->key[1] != NULL)
		snprintf(sql, sizeof(sql), "SELECT %s, %s FROM %s ORDER BY"
		    " %s DESC, %s DESC LIMIT 1", t->key[0], t->key[1], t->name,
		    t->key[0], t->key[1]);
	else
		snprintf(sql, sizeof(sql), "SELECT %s, 0 FROM %s ORDER BY"
		    " %s DESC LIMIT 1", t->key[0], t->name, t->key[0]);
	r = PQexec(m->conn, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		return pg_error(m, "reading where the copy stopped");
	}
	if (PQntuples(r) > 0) {
		*has_last = true;
		last[0] = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		last[1] = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	}
	PQclear(r);
	return 0;
}

/* One table, batch by batch. 1 done, 0 stopped (max_batches), -1. */
static int
copy_table(struct migrate *m, const struct table *t)
{
	struct copy c = { .t = t };
	sqlite3_stmt *first = NULL, *next = NULL;
	bool has_last;
	int64_t last[2] = { 0, 0 }, total = 0, done = 0, added;
	char sql[128];
	size_t n;
	int rc = -1;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", t->name);
	if (copy_prepare(m, &c) == -1 ||
	    copy_select(m, &c, false, &first) == -1 ||
	    (t->key[0] != NULL && copy_select(m, &c, true, &next) == -1) ||
	    copy_resume(m, &c, &has_last, last) == -1 ||
	    lite_get(m, sql, NULL, &total, "counting the source") == -1)
		goto out;
	/* The target's rows of the source's: meta's mark is not one. */
	if (strcmp(t->name, "meta") == 0)
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM meta"
		    " WHERE key NOT IN " TARGET_KEYS);
	if (pg_get(m, sql, 0, NULL, &done, "counting the target") == -1)
		goto out;
	for (;;) {
		if (m->o->max_batches > 0 &&
		    m->ret->batches >= m->o->max_batches) {
			m->ret->stopped = true;
			rc = 0;
			break;
		}
		if (copy_batch(m, &c, first, next, &has_last, last, &n,
		    &added) == -1)
			goto out;
		m->ret->batches++;
		m->ret->rows += added;
		done += added;
		if (m->o->progress != NULL)
			m->o->progress(t->name, done, total, m->o->arg);
		if (t->key[0] == NULL || n < m->batch) {
			rc = 1;
			break;
		}
	}
out:
	sqlite3_finalize(first);
	sqlite3_finalize(next);
	if (c.stmt[0] != '\0') {
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", c.stmt);
		PQclear(PQexec(m->conn, sql));
	}
	copy_clear(&c);
	return rc;
}

/*
 * After the rows: topics' match counts counted again (the trigger added
 * the copied matches to the copied counts), sequences moved past the
 * greatest id either side ever handed out (SQLite's sqlite_sequence keeps
 * those of removed rows), in one transaction.
 */
static int
finish(struct migrate *m)
{
	char seq[24], sql[512];
	const char *params[1] = { seq };
	int64_t v, dummy;

	if (pg_do(m, "BEGIN", "finishing") == -1 ||
	    pg_do(m, "UPDATE topics t SET match_count = (SELECT count(*)"
	    " FROM topic_matches m WHERE m.topic_id = t.id AND NOT m.dup)"
	    " WHERE match_count <> (SELECT count(*) FROM topic_matches m"
	    " WHERE m.topic_id = t.id AND NOT m.dup)",
	    "counting topics' matches") == -1)
		goto fail;
	for (size_t i = 0; i < NTABLES; i++) {
		if (!tables[i].identity)
			continue;
		v = 0;
		if (lite_get(m, "SELECT seq FROM sqlite_sequence WHERE name = ?1",
		    tables[i].name, &v, "reading the sequences") == -1)
			goto fail;
		snprintf(seq, sizeof(seq), "%" PRId64, v);
		snprintf(sql, sizeof(sql), "SELECT setval(pg_get_serial_sequence("
		    "'%s', 'id'), greatest((SELECT coalesce(max(id), 0) FROM %s),"
		    " $1::bigint, 1))", tables[i].name, tables[i].name);
		if (pg_get(m, sql, 1, params, &dummy, "moving a sequence") ==
		    -1)
			goto fail;
	}
	if (pg_do(m, "COMMIT", "finishing") == -1)
		goto fail;
	return 0;
fail:
	PQclear(PQexec(m->conn, "ROLLBACK"));
	return -1;
}

static int
count_both(struct migrate *m)
{
	struct store_migrate_result *ret = m->ret;

	for (size_t i = 0; i < STORE_MIGRATE_NCOUNTS; i++) {
		struct store_migrate_count *c = &ret->counts[i];

		c->what = checks[i].what;
		if (lite_get(m, checks[i].lite, NULL, &c->source,
		    "counting the source") == -1 ||
		    pg_get(m, checks[i].pg, 0, NULL, &c->target,
		    "counting the target") == -1)
			return -1;
	}
	ret->ncounts = STORE_MIGRATE_NCOUNTS;
	return 0;
}

int
store_migrate(const char *from, const char *to,
    const struct store_migrate_opts *o, struct store_migrate_result *ret,
    char *err, size_t errlen)
{
	struct migrate m = { .o = o, .ret = ret, .err = err,
	    .errlen = errlen };
	int64_t locked = 0;
	char sql[64];
	int rc = -1, done;

	memset(ret, 0, sizeof(*ret));
	m.batch = o->batch > 0 ? o->batch : MIGRATE_BATCH;
	buf_init(&m.text);
	buf_init(&m.stext);
	if (!store_is_postgresql(to)) {
		snprintf(err, errlen, "%s: the target must be a PostgreSQL "
		    "database (postgresql://... or postgresql:)", to);
		goto out;
	}
	if (store_is_postgresql(from)) {
		/* Not echoed: a URI may carry a password. */
		snprintf(err, errlen, "--from names a PostgreSQL database: "
		    "the source must be a SQLite file");
		goto out;
	}
	if (lite_open(&m, from) == -1)
		goto out;
	/* Opening runs the target's schema steps, as a feedd's start. */
	if ((m.pg = pg_store_open(to, err, errlen)) == NULL)
		goto out;
	m.conn = m.pg->conn;
	snprintf(sql, sizeof(sql), "SELECT pg_try_advisory_lock(%d)::int",
	    MIGRATE_LOCK);
	if (pg_get(&m, sql, 0, NULL, &locked, "locking the target") == -1)
		goto out;
	if (!locked) {
		snprintf(err, errlen, "%s: another feedd migrate is copying "
		    "into it", pg_store_path(m.pg));
		goto out;
	}
	if (check_target(&m) == -1)
		goto out;
	for (size_t i = 0; i < NTABLES; i++) {
		if ((done = copy_table(&m, &tables[i])) == -1)
			goto out;
		if (done == 0) {
			rc = 0;
			goto out;
		}
	}
	if (finish(&m) == -1 || count_both(&m) == -1)
		goto out;
	rc = 0;
out:
	buf_free(&m.text);
	buf_free(&m.stext);
	pg_store_free(m.pg);
	if (m.lite != NULL) {
		sqlite3_exec(m.lite, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(m.lite);
	}
	return rc;
}
