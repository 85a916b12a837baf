/*
 * store_tool: drives the store from a separate process for the crash,
 * disk-full and concurrency tests (store_crash.py).
 *
 *   store_tool ingest DB FIRST_BATCH NBATCHES BATCH
 *	polls of BATCH generated entries each (one transaction per poll);
 *	prints "committed N" after each, for the test to kill it mid-way.
 *   store_tool check DB BATCH
 *	prints "integrity=ok fts=ok entries=N distinct=N partial=0".
 *   store_tool watch DB BATCH SECONDS
 *	lists the newest entries over and over; prints "reads=N torn=N".
 *   store_tool backup DB DEST
 *	store_backup() of DB (in use by another process) to DEST.
 *   store_tool diskfull DB BATCH
 *	in one process: limits the file size (RLIMIT_FSIZE, SIGXFSZ
 *	ignored) until a poll fails, checks the database, lifts the limit
 *	and repeats the failed poll on the same connection.
 */
#include <sys/resource.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "xmalloc.h"

#define FEED_URL	"http://127.0.0.1/store-tool"

static const char lorem[] =
    "<p>Лідери країн <b>коаліції охочих</b> зустрілися в Парижі, щоб "
    "обговорити гарантії безпеки. Leaders of the coalition of the willing "
    "met in Paris to discuss security guarantees &amp; next steps.</p>";

static struct store *
open_or_die(const char *path)
{
	struct store *s;
	char err[512];

	if ((s = store_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "store_tool: %s\n", err);
		exit(1);
	}
	return s;
}

static int64_t
feed_id(struct store *s)
{
	int64_t id;

	if (store_feed_add(s, FEED_URL, "store tool", NULL, 0, &id) == -1)
		exit(1);
	return id;
}

/* Batch b, document order: the newest item (highest number) first. */
static struct feed_entry *
make_batch(int64_t b, int batch)
{
	struct feed_entry *e = xcalloc(batch, sizeof(*e));
	int j;
	int64_t n;

	for (j = 0; j < batch; j++) {
		n = b * batch + (batch - 1 - j);
		e[j].id = xasprintf("g%lld", (long long)n);
		e[j].title = xasprintf("Entry %lld", (long long)n);
		e[j].link = xasprintf("https://example.org/%lld",
		    (long long)n);
		e[j].summary = xasprintf("Summary of entry %lld",
		    (long long)n);
		e[j].content = xstrdup(lorem);
		e[j].published = 1756900000 + n;
		e[j].updated = FEED_TIME_NONE;
	}
	return e;
}

static void
free_batch(struct feed_entry *e, int batch)
{
	int j;

	for (j = 0; j < batch; j++) {
		free(e[j].id);
		free(e[j].title);
		free(e[j].link);
		free(e[j].summary);
		free(e[j].content);
	}
	free(e);
}

static int
ingest_batch(struct store *s, int64_t fid, int64_t b, int batch,
    size_t *ret_new)
{
	struct feed_entry *e = make_batch(b, batch);
	struct store_ingest_result r;
	int rc;

	rc = store_ingest(s, fid, NULL, e, batch, &r);
	if (rc == 0) {
		*ret_new = r.new_count;
		store_ingest_result_clear(&r);
	}
	free_batch(e, batch);
	return rc;
}

static int
cmd_ingest(const char *path, int64_t first, int64_t nbatches, int batch)
{
	struct store *s = open_or_die(path);
	int64_t fid = feed_id(s), b;
	size_t n;

	for (b = first; b < first + nbatches; b++) {
		if (ingest_batch(s, fid, b, batch, &n) == -1)
			return 1;
		printf("committed %lld new %zu\n", (long long)b, n);
		fflush(stdout);
	}
	store_free(s);
	return 0;
}

static const char *
one_text(struct store *s, const char *sql, char *out, size_t len)
{
	sqlite3_stmt *st;

	snprintf(out, len, "error");
	if (sqlite3_prepare_v2(store_sqlite_db(s), sql, -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(out, len, "%s", sqlite3_errmsg(store_sqlite_db(s)));
		return out;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, len, "%s", sqlite3_column_text(st, 0));
	else
		snprintf(out, len, "%s", sqlite3_errmsg(store_sqlite_db(s)));
	sqlite3_finalize(st);
	return out;
}

static int
cmd_check(const char *path, int batch)
{
	struct store *s = open_or_die(path);
	char integrity[256], fts[256], entries[32], distinct[32], partial[32];
	char *sql;

	one_text(s, "PRAGMA integrity_check", integrity, sizeof(integrity));
	/* rank 1: the index against the entries' own text, not only itself. */
	if (sqlite3_exec(store_sqlite_db(s), "INSERT INTO entries_fts(entries_fts, "
	    "rank) VALUES ('integrity-check', 1)", NULL, NULL, NULL) == SQLITE_OK)
		snprintf(fts, sizeof(fts), "ok");
	else
		snprintf(fts, sizeof(fts), "'%s'", sqlite3_errmsg(store_sqlite_db(s)));
	one_text(s, "SELECT count(*) FROM entries", entries, sizeof(entries));
	one_text(s, "SELECT count(DISTINCT guid) FROM entries", distinct,
	    sizeof(distinct));
	/* Every poll is whole: each batch is there entirely or not at all. */
	sql = xasprintf("SELECT count(*) FROM (SELECT CAST(substr(guid, 2) AS"
	    " INTEGER) / %d AS b, count(*) AS n FROM entries GROUP BY b"
	    " HAVING n <> %d)", batch, batch);
	one_text(s, sql, partial, sizeof(partial));
	free(sql);
	printf("integrity=%s fts=%s entries=%s distinct=%s partial=%s\n",
	    integrity, fts, entries, distinct, partial);
	store_free(s);
	return 0;
}

static int
cmd_watch(const char *path, int batch, int seconds)
{
	struct store *s = open_or_die(path);
	struct store_entry_query q = { .latest = true };
	struct store_entry *e;
	size_t n, i;
	char err[256];
	long reads = 0, torn = 0;
	time_t end = time(NULL) + seconds;
	long long g, top;

	q.limit = batch;
	while (time(NULL) < end) {
		if (store_entry_list(s, &q, &e, &n, err, sizeof(err)) != 0)
			return 1;
		reads++;
		if (n > 0) {
			/* Newest visible = the first item of a whole poll. */
			top = strtoll(e[n - 1].guid + 1, NULL, 10);
			if (top % batch != batch - 1 || n != (size_t)batch)
				torn++;
			for (i = 0; i < n; i++) {
				g = strtoll(e[i].guid + 1, NULL, 10);
				if (g / batch != top / batch)
					torn++;
			}
		}
		store_entry_list_free(e, n);
	}
	printf("reads=%ld torn=%ld\n", reads, torn);
	store_free(s);
	return 0;
}

static int
cmd_diskfull(const char *path, int batch)
{
	struct store *s = open_or_die(path);
	struct rlimit rl, saved;
	int64_t fid = feed_id(s), b;
	size_t n;
	char text[256];

	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &saved);
	/* Leave room for a few polls only, then hit the wall. */
	rl = saved;
	rl.rlim_cur = store_db_size(s) + 256 * 1024;
	setrlimit(RLIMIT_FSIZE, &rl);
	for (b = 0; b < 10000; b++)
		if (ingest_batch(s, fid, b, batch, &n) == -1)
			break;
	printf("failed_at=%lld\n", (long long)b);
	printf("integrity=%s\n", one_text(s, "PRAGMA integrity_check", text,
	    sizeof(text)));
	setrlimit(RLIMIT_FSIZE, &saved);
	if (ingest_batch(s, fid, b, batch, &n) == -1) {
		printf("retry=failed\n");
		return 1;
	}
	printf("retry=ok new=%zu\n", n);
	printf("integrity=%s\n", one_text(s, "PRAGMA integrity_check", text,
	    sizeof(text)));
	store_free(s);
	return 0;
}

static int
cmd_backup(const char *path, const char *dest)
{
	struct store *s = open_or_die(path);
	char err[512];
	int rc = 0;

	if (store_backup(s, dest, err, sizeof(err)) == -1) {
		fprintf(stderr, "store_tool: backup: %s\n", err);
		rc = 1;
	}
	store_free(s);
	return rc;
}

int
main(int argc, char **argv)
{
	log_init("store_tool");
	if (argc == 6 && strcmp(argv[1], "ingest") == 0)
		return cmd_ingest(argv[2], atoll(argv[3]), atoll(argv[4]),
		    atoi(argv[5]));
	if (argc == 4 && strcmp(argv[1], "check") == 0)
		return cmd_check(argv[2], atoi(argv[3]));
	if (argc == 5 && strcmp(argv[1], "watch") == 0)
		return cmd_watch(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 4 && strcmp(argv[1], "backup") == 0)
		return cmd_backup(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "diskfull") == 0)
		return cmd_diskfull(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: store_tool ingest|check|watch|backup|diskfull ...\n");
	return 2;
}
