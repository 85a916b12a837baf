/*
 * pg_schema: the PostgreSQL schema on a real PostgreSQL (FEEDD_TEST_PG,
 * started by with_pg.py): migrations by version, each step whole or not
 * at all, several processes migrating at once, databases that are not
 * ours or are newer refused, the same tables and columns as the SQLite
 * store's schema, its triggers' counts (the feeds' by state too), and
 * the unique keys that concurrent writers meet with ON CONFLICT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "buf.h"
#include "pg_schema.h"
#include "pgtest.h"
#include "store.h"
#include "tap.h"
#include "xmalloc.h"

static const char *conninfo;

/* A new database and a connection to it. */
static PGconn *
fresh_db(PGconn *admin, const char *name)
{
	char sql[128], *ci;
	PGconn *c;

	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	PQclear(PQexec(admin, sql));
	ci = xasprintf("%s dbname=%s", conninfo, name);
	c = PQconnectdb(ci);
	free(ci);
	if (PQstatus(c) != CONNECTION_OK)
		diag("%s: %s", name, pgtest_line(PQerrorMessage(c)));
	PQsetNoticeProcessor(c, pgtest_quiet, NULL);
	return c;
}

/* Runs sql; true when it worked. */
static bool
run(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);

	PQclear(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		diag("%s: %s", sql, pgtest_line(PQerrorMessage(c)));
		return false;
	}
	return true;
}

/* Fails, as the test wants: the message is no news. */
static bool
fails(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);

	PQclear(r);
	return st == PGRES_FATAL_ERROR;
}

/* The first column of sql's rows, comma-separated ("ERROR" on failure). */
static char *
rows(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	struct buf b;
	int i;

	buf_init(&b);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		buf_printf(&b, "ERROR: %s", pgtest_line(PQerrorMessage(c)));
	else
		for (i = 0; i < PQntuples(r); i++)
			buf_printf(&b, "%s%s", i ? "," : "",
			    PQgetisnull(r, i, 0) ? "NULL" :
			    PQgetvalue(r, i, 0));
	PQclear(r);
	return buf_detach(&b);
}

static void
is_rows(PGconn *c, const char *sql, const char *want, const char *what)
{
	char *got = rows(c, sql);

	is_str(got, want, what);
	free(got);
}

/* PG_SCHEMA_VERSION as SQL text. */
#define STR(x)		#x
#define XSTR(x)		STR(x)
#define STEPS		XSTR(PG_SCHEMA_VERSION)

static void
test_migrate(PGconn *c)
{
	char err[512];

	ok(pg_schema_version(c, err, sizeof(err)) == 0,
	    "an empty database is at version 0");
	if (!ok(pg_schema_migrate(c, err, sizeof(err)) == 0, "migrates"))
		diag("%s", err);
	ok(pg_schema_version(c, err, sizeof(err)) == PG_SCHEMA_VERSION,
	    "at version %d", PG_SCHEMA_VERSION);
	ok(pg_schema_migrate(c, err, sizeof(err)) == 0,
	    "migrating again does nothing");
	is_rows(c, "SELECT count(*) = " STEPS " FROM feedd_schema", "t",
	    "one row per step");
	is_rows(c, "SELECT id || ' ' || name FROM users", "1 owner",
	    "the owner is user 1");
	is_rows(c, "INSERT INTO users(name, created) VALUES ('ann', 0)"
	    " RETURNING id", "2", "the next user is 2");
	is_rows(c, "SELECT indexdef FROM pg_indexes WHERE indexname ="
	    " 'entries_fts'", "CREATE INDEX entries_fts ON public.entries"
	    " USING gin (fts)", "a GIN index over the full text");
}

/* The SQLite store's tables and columns: "table.column" sorted. */
static char *
sqlite_columns(const char *dir)
{
	char *path = xasprintf("%s/feedd.db", dir), err[256];
	struct store *s = store_open(path, err, sizeof(err));
	sqlite3_stmt *st;
	sqlite3 *db;
	struct buf b;

	buf_init(&b);
	if (s == NULL) {
		diag("%s", err);
		free(path);
		return buf_detach(&b);
	}
	store_free(s);
	sqlite3_open(path, &db);
	/* FTS5's own tables are the full text: PostgreSQL's entries.fts. */
	if (sqlite3_prepare_v2(db, "SELECT m.name || '.' || c.name FROM"
	    " sqlite_schema m, pragma_table_info(m.name) c WHERE m.type ="
	    " 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE"
	    " 'entries_fts%' ORDER BY 1", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			buf_printf(&b, "%s%s", b.len ? "," : "",
			    (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	unlink(path);
	free(path);
	return buf_detach(&b);
}

static void
test_same_tables(PGconn *c)
{
	char dir[] = "/tmp/feedd-pg-schema-XXXXXX", *want, *got;

	if (!ok(mkdtemp(dir) != NULL, "a temporary directory"))
		return;
	want = sqlite_columns(dir);
	rmdir(dir);
	/* with_pg.py's database sorts bytewise, as SQLite's ORDER BY. */
	got = rows(c, "SELECT table_name || '.' || column_name FROM"
	    " information_schema.columns WHERE table_schema = current_schema()"
	    " AND table_name <> 'feedd_schema' AND NOT (table_name ="
	    " 'entries' AND column_name = 'fts')"
	    /* Several workers share only a PostgreSQL store (step 2). */
	    " AND table_name NOT IN ('hosts', 'workers', 'hook_leases')"
	    " AND NOT (table_name = 'feeds' AND column_name IN"
	    " ('lease_owner', 'lease_until')) ORDER BY 1");
	ok(want[0] != '\0', "the SQLite store's columns");
	if (!is_str(got, want, "the same tables and columns as the SQLite "
	    "store's schema"))
		diag("a SQLite schema step needs its PostgreSQL step too");
	free(want);
	free(got);
}

static void
test_counts(PGconn *c)
{
	ok(run(c, "INSERT INTO feeds(id, url, origin, created) VALUES"
	    " (10, 'https://a.example/feed', 'api', 0),"
	    " (11, 'https://b.example/feed', 'api', 0);"
	    "INSERT INTO entries(id, feed_id, key_hash, content_hash, fetched)"
	    " VALUES (100, 10, 1, 1, 0), (101, 11, 1, 1, 0),"
	    " (102, 10, 2, 1, 0);"
	    "INSERT INTO topics(id, name, query, origin, created) VALUES"
	    " (5, 'kyiv', 'kyiv', 'api', 0);"
	    "INSERT INTO topic_matches(topic_id, entry_id, feed_id, matched,"
	    " dup)"
	    " VALUES (5, 100, 10, 0, false), (5, 101, 11, 0, true),"
	    " (5, 102, 10, 0, false)"), "entries and matches");
	is_rows(c, "SELECT match_count FROM topics WHERE id = 5", "2",
	    "a topic counts its listed matches");
	ok(run(c, "INSERT INTO entry_state(user_id, entry_id, feed_id, read)"
	    " VALUES (1, 100, 10, true), (1, 101, 11, true)"), "two read");
	is_rows(c, "SELECT feed_id || ':' || n FROM feed_reads WHERE"
	    " user_id = 1 ORDER BY feed_id", "10:1,11:1", "read per feed");
	is_rows(c, "SELECT n FROM topic_reads WHERE user_id = 1 AND"
	    " topic_id = 5", "1", "read per topic: listed matches only");
	ok(run(c, "UPDATE topic_matches SET dup = false WHERE entry_id = 101"),
	    "a copy listed");
	is_rows(c, "SELECT match_count || ' ' || (SELECT n FROM topic_reads"
	    " WHERE topic_id = 5) FROM topics WHERE id = 5", "3 2",
	    "listing a read copy counts it in both");
	ok(run(c, "UPDATE entry_state SET read = false WHERE entry_id = 100"),
	    "one unread");
	is_rows(c, "SELECT (SELECT n FROM feed_reads WHERE feed_id = 10) ||"
	    " ' ' || (SELECT n FROM topic_reads WHERE topic_id = 5)", "0 1",
	    "unread counted back");
	ok(run(c, "DELETE FROM feeds WHERE id = 11"), "a feed removed");
	is_rows(c, "SELECT match_count || ' ' || (SELECT n FROM topic_reads"
	    " WHERE topic_id = 5) || ' ' || (SELECT count(*) FROM feed_reads"
	    " WHERE feed_id = 11) FROM topics WHERE id = 5", "2 0 0",
	    "its entries, matches and counts go with it");
	ok(run(c, "UPDATE feeds SET state = 'ok', error_count = 2,"
	    " entry_count = 5 WHERE id = 10"), "a feed polled");
	is_rows(c, "SELECT state || ':' || sum(feeds) || ':' || sum(failing) ||"
	    " ':' || sum(entries) FROM feed_counts GROUP BY state ORDER BY 1",
	    "new:0:0:0,ok:1:1:5",
	    "the feeds counted by state, failing, entries");
	ok(run(c, "BEGIN; TRUNCATE feeds CASCADE"), "feeds truncated");
	is_rows(c, "SELECT count(*) FROM feed_counts", "0",
	    "and their counts with them");
	ok(run(c, "ROLLBACK"), "undone");
	ok(run(c, "INSERT INTO api_tokens(name, sha256, read_only, created,"
	    " user_id) VALUES ('t', decode(repeat('ab', 32), 'hex'), true, 0,"
	    " 2); INSERT INTO entry_state(user_id, entry_id, feed_id, read)"
	    " VALUES (2, 100, 10, true); DELETE FROM users WHERE id = 2"),
	    "a user with a token and marks removed");
	is_rows(c, "SELECT (SELECT count(*) FROM api_tokens) + (SELECT"
	    " count(*) FROM feed_reads WHERE user_id = 2) + (SELECT count(*)"
	    " FROM entry_state WHERE user_id = 2)", "0",
	    "its token, marks and counts go with it");
	ok(fails(c, "INSERT INTO api_tokens(name, sha256, read_only, created)"
	    " VALUES ('short', '\\x00', false, 0)"),
	    "a token hash is 32 bytes");
}

static void
test_conflicts(PGconn *c)
{
	static const char insert[] = "INSERT INTO entries(feed_id, key_hash,"
	    " content_hash, fetched) VALUES (10, 77, 1, 0)";
	char *sql = xasprintf("%s ON CONFLICT (feed_id, key_hash) DO NOTHING"
	    " RETURNING id", insert);
	PGresult *r;

	is_rows(c, sql, "1", "an entry stored");
	is_rows(c, sql, "", "the same key again: ON CONFLICT, nothing stored");
	r = PQexec(c, insert);
	is_str(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23505",
	    "a plain insert of the key is a unique violation");
	PQclear(r);
	is_rows(c, "SELECT count(*) FROM entries WHERE key_hash = 77", "1",
	    "one entry per feed and key");
	free(sql);
	is_rows(c, "INSERT INTO seen(feed_id, hash) VALUES (10, 5), (10, 5)"
	    " ON CONFLICT DO NOTHING RETURNING hash", "5", "seen keys once");
	is_rows(c, "INSERT INTO topic_matches(topic_id, entry_id, feed_id,"
	    " matched) VALUES (5, 100, 10, 0) ON CONFLICT DO NOTHING"
	    " RETURNING 1", "", "a match once");
}

static void
test_refusals(PGconn *admin)
{
	char err[512];
	PGconn *c;

	c = fresh_db(admin, "other_app");
	run(c, "CREATE TABLE accounts (id int)");
	ok(pg_schema_migrate(c, err, sizeof(err)) == -1 &&
	    strstr(err, "a database of its own") != NULL,
	    "a database of something else is refused (%s)", err);
	is_rows(c, "SELECT count(*) FROM pg_tables WHERE schemaname ="
	    " 'public'", "1", "and left as it was");
	PQfinish(c);

	c = fresh_db(admin, "newer");
	ok(pg_schema_migrate(c, err, sizeof(err)) == 0, "migrated");
	run(c, "INSERT INTO feedd_schema VALUES (99, 0)");
	ok(pg_schema_migrate(c, err, sizeof(err)) == -1 &&
	    strstr(err, "version 99 is newer") != NULL,
	    "a newer schema is refused (%s)", err);
	PQfinish(c);

	/* Step 1 fails half-way: none of it stays, the version stays 0. */
	c = fresh_db(admin, "half");
	run(c, "CREATE TABLE feedd_schema (version integer PRIMARY KEY,"
	    " applied bigint NOT NULL); CREATE TABLE hook_alerts (id int)");
	ok(pg_schema_migrate(c, err, sizeof(err)) == -1 &&
	    strstr(err, "schema migration to version 1") != NULL &&
	    strstr(err, "hook_alerts") != NULL,
	    "a failing step says which and why (%s)", err);
	is_rows(c, "SELECT count(*) FROM pg_tables WHERE schemaname ="
	    " 'public'", "2", "nothing of the step stays");
	ok(pg_schema_version(c, err, sizeof(err)) == 0, "still at 0");
	PQfinish(c);
}

/* Several feedd processes starting together on one new database. */
static void
test_concurrent(PGconn *admin)
{
	enum { N = 4 };
	pid_t pids[N];
	char err[512], *ci;
	int i, status, good = 0;
	PGconn *c;

	PQfinish(fresh_db(admin, "together"));
	ci = xasprintf("%s dbname=together", conninfo);
	fflush(stdout);
	for (i = 0; i < N; i++) {
		if ((pids[i] = fork()) == 0) {
			c = PQconnectdb(ci);
			PQsetNoticeProcessor(c, pgtest_quiet, NULL);
			if (PQstatus(c) != CONNECTION_OK ||
			    pg_schema_migrate(c, err, sizeof(err)) == -1) {
				fprintf(stderr, "migrate: %s\n", err);
				_exit(1);
			}
			PQfinish(c);
			_exit(0);
		}
	}
	for (i = 0; i < N; i++)
		if (pids[i] > 0 && waitpid(pids[i], &status, 0) == pids[i] &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0)
			good++;
	ok(good == N, "%d processes migrating at once all succeed (%d)", N,
	    good);
	c = PQconnectdb(ci);
	is_rows(c, "SELECT count(*) = " STEPS " FROM feedd_schema", "t",
	    "and each step ran once");
	PQfinish(c);
	free(ci);
}

int
main(void)
{
	PGconn *c;

	if ((c = pgtest_connect(conninfo = getenv("FEEDD_TEST_PG"))) == NULL)
		return 1;
	test_migrate(c);
	test_same_tables(c);
	test_counts(c);
	test_conflicts(c);
	test_refusals(c);
	test_concurrent(c);
	PQfinish(c);
	return tap_done();
}
