/*
 * store_ckpt: a writer's commits past the threshold are checkpointed on the
 * thread, into the database file, while the writer never checkpoints; the
 * WAL starts again from its beginning, so it stays small; nothing is lost
 * across close and reopen; free gives checkpoints back to the writer.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_ckpt.h"
#include "tap.h"

static char path[256], wal[300];

static off_t
size_of(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 ? st.st_size : -1;
}

static int
exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK)
		diag("%s: %s", sql, msg);
	sqlite3_free(msg);
	return rc;
}

/* One transaction of n rows of 3,000 bytes: a page (4 kB) each. */
static void
commit_rows(sqlite3 *db, int n)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "WITH RECURSIVE c(i) AS (SELECT 1 UNION "
	    "ALL SELECT i + 1 FROM c WHERE i < %d) INSERT INTO t(b) SELECT "
	    "randomblob(3000) FROM c", n);
	exec(db, "BEGIN");
	exec(db, sql);
	exec(db, "COMMIT");
}

/* Waits up to 5 s for the thread's count to pass n. */
static unsigned long
wait_runs(struct store_ckpt *c, unsigned long n)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 500 && store_ckpt_count(c) <= n; i++)
		nanosleep(&ts, NULL);
	return store_ckpt_count(c);
}

static long long
one_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int
main(void)
{
	char err[256] = "";
	sqlite3 *db;
	struct store_ckpt *c;
	off_t db0, wal_max = 0;
	unsigned long runs;

	snprintf(path, sizeof(path), "/tmp/feedd-test-ckpt-%d.db",
	    (int)getpid());
	snprintf(wal, sizeof(wal), "%s-wal", path);
	unlink(path);
	unlink(wal);
	sqlite3_open(path, &db);
	exec(db, "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)");
	db0 = size_of(path);

	{
		sqlite3 *mem;

		sqlite3_open(":memory:", &mem);
		strcpy(err, "x");
		ok(store_ckpt_new(":memory:", mem, 50, err, sizeof(err)) ==
		    NULL && err[0] == '\0',
		    "a database in memory has no WAL: nothing to take over");
		sqlite3_close(mem);
	}
	c = store_ckpt_new(path, db, 50, err, sizeof(err));
	if (!ok(c != NULL, "the checkpointer starts"))
		diag("%s", err);
	if (c == NULL)
		return tap_done();

	commit_rows(db, 20);
	usleep(200 * 1000);
	ok(store_ckpt_count(c) == 0 && size_of(path) == db0,
	    "a commit under the threshold leaves the WAL alone");

	commit_rows(db, 60);
	runs = wait_runs(c, 0);
	ok(runs >= 1, "a commit past the threshold wakes the thread (%lu)",
	    runs);
	ok(size_of(path) >= 80 * 3000,
	    "its pages are in the database file (%lld bytes)",
	    (long long)size_of(path));

	/*
	 * The writer goes on; each commit past the threshold is taken, and
	 * the WAL starts again from its beginning after each: it stays the
	 * size of a commit or two, not of all of them.
	 */
	for (int i = 0; i < 30; i++) {
		commit_rows(db, 60);
		runs = wait_runs(c, runs);
		if (size_of(wal) > wal_max)
			wal_max = size_of(wal);
	}
	ok(runs >= 20, "30 more commits, %lu checkpoints", runs);
	ok(wal_max > 0 && wal_max < 4 * 61 * 4120,
	    "the WAL stays small: at most %lld bytes for 1,820 pages written",
	    (long long)wal_max);
	ok(one_int(db, "PRAGMA wal_checkpoint(PASSIVE)") == 0,
	    "the writer's own connection may still checkpoint");

	store_ckpt_free(c);
	commit_rows(db, 1200);
	ok(one_int(db, "SELECT count(*) FROM t") == 20 + 60 + 30 * 60 + 1200,
	    "after free the writer commits as before");
	sqlite3_close(db);
	ok(size_of(wal) <= 0, "closing the last connection removes the WAL");

	sqlite3_open(path, &db);
	ok(one_int(db, "SELECT count(*) FROM t") == 20 + 60 + 30 * 60 + 1200,
	    "reopened: every row is there");
	{
		sqlite3_stmt *st;
		const unsigned char *v = NULL;

		sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st,
		    NULL);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_text(st, 0);
		is_str((const char *)v, "ok", "and the file is whole");
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	unlink(path);
	unlink(wal);
	return tap_done();
}
