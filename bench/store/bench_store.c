/*
 * bench_store: the store's ingest path against the floor of a bare loop
 * doing the same SQLite + FTS5 inserts with no dedup logic.
 *
 *   bench_store [-f FEEDS] [-e ENTRIES_PER_POLL] [-d DIR] [-m MODE]
 *
 * MODE: all (default), store, floor. Entries are generated (mixed Latin
 * and Cyrillic words, HTML content) before each poll is timed; only the
 * ingest calls are on the clock. Prints entries/s, DB size and the raw
 * text size of the stored fields.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "htmltext.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "xmalloc.h"

static const char *const words[] = {
	"coalition", "willing", "security", "guarantees", "Europe", "Kyiv",
	"ceasefire", "talks", "summit", "leaders", "drone", "energy", "grid",
	"market", "prices", "election", "parliament", "minister", "report",
	"коаліція", "охочих", "безпеки", "гарантії", "Київ", "переговори",
	"саміт", "лідери", "енергетика", "вибори", "парламент", "міністр",
	"коалиция", "желающих", "переговоры", "Европа", "энергетика",
	"the", "of", "and", "in", "to", "a", "for", "on", "with", "at",
};
#define NWORDS	(sizeof(words) / sizeof(words[0]))

struct gen {
	uint64_t	 rng;
	size_t		 raw;		/* bytes of text stored */
};

static uint32_t
rnd(struct gen *g)
{
	g->rng ^= g->rng << 13;
	g->rng ^= g->rng >> 7;
	g->rng ^= g->rng << 17;
	return (uint32_t)g->rng;
}

static char *
sentence(struct gen *g, int n, bool html)
{
	struct buf b;
	int i;

	buf_init(&b);
	if (html)
		buf_puts(&b, "<p>");
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&b, ' ');
		if (html && i % 25 == 24)
			buf_puts(&b, "</p><p>");
		buf_puts(&b, words[rnd(g) % NWORDS]);
	}
	if (html)
		buf_puts(&b, "</p>");
	return buf_detach(&b);
}

static void
make_poll(struct gen *g, int feed, int poll, int n, struct feed_entry *e)
{
	int j;

	for (j = 0; j < n; j++) {
		memset(&e[j], 0, sizeof(e[j]));
		e[j].id = xasprintf("https://feed%d.example/?p=%d", feed,
		    poll * n + j);
		e[j].link = xasprintf("https://feed%d.example/2025/09/%d-story"
		    "?utm_source=rss", feed, poll * n + j);
		e[j].title = sentence(g, 8, false);
		e[j].summary = sentence(g, 40, false);
		e[j].content = sentence(g, 150, true);
		e[j].author = xstrdup("Newsroom");
		e[j].published = 1756900000 + poll * n + j;
		e[j].updated = FEED_TIME_NONE;
		g->raw += strlen(e[j].id) + strlen(e[j].link) +
		    strlen(e[j].title) + strlen(e[j].summary) +
		    strlen(e[j].content) + strlen(e[j].author);
	}
}

static void
free_poll(struct feed_entry *e, int n)
{
	int j;

	for (j = 0; j < n; j++) {
		free(e[j].id);
		free(e[j].link);
		free(e[j].title);
		free(e[j].summary);
		free(e[j].content);
		free(e[j].author);
	}
}

/*
 * CPU time of this process: other work on a shared machine does not count.
 * BENCH_WALL=1 measures wall-clock time instead.
 */
static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(getenv("BENCH_WALL") != NULL ? CLOCK_MONOTONIC :
	    CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int64_t
file_size(const char *path)
{
	struct stat sb;
	char *wal = xasprintf("%s-wal", path);
	int64_t n = 0;

	if (stat(path, &sb) == 0)
		n += sb.st_size;
	if (stat(wal, &sb) == 0)
		n += sb.st_size;
	free(wal);
	return n;
}

static void
die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

/* The newest 100 matches, as GET /v1/entries?q= asks; wall clock, ms. */
static void
bench_search(struct store *s)
{
	static const char *const queries[] = {
		"коаліція", "\"coalition of the willing\"", "drone AND grid",
		"nosuchword",
	};
	struct store_entry_query q = { .latest = true, .limit = 100 };
	struct store_entry *e;
	struct timespec a, b;
	size_t i, n;
	char err[256];
	int rep;

	for (i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		q.fts = queries[i];
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (rep = 0; rep < 10; rep++) {
			if (store_entry_list(s, &q, &e, &n, err,
			    sizeof(err)) != 0)
				exit(1);
			store_entry_list_free(e, n);
		}
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("store  search %-28s %3zu rows, %.2f ms\n", queries[i], n,
		    ((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) /
		    1e6) / 10);
	}
}

static void
bench_store(const char *dir, int nfeeds, int per_poll)
{
	struct store *s;
	struct feed_entry *e = xcalloc(per_poll, sizeof(*e));
	struct store_ingest_result r;
	struct gen g = { 88172645463325252ULL, 0 };
	char *path = xasprintf("%s/store.db", dir), *url, err[256];
	int64_t *ids = xcalloc(nfeeds, sizeof(*ids)), changes;
	double t, total = 0, rep = 0;
	size_t news = 0, unchanged = 0, raw;
	int f;

	unlink(path);
	if ((s = store_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	if (getenv("BENCH_SQL") != NULL &&
	    sqlite3_exec(store_sqlite_db(s), getenv("BENCH_SQL"), NULL, NULL, NULL) !=
	    SQLITE_OK)
		die(store_sqlite_db(s), "BENCH_SQL");
	for (f = 0; f < nfeeds; f++) {
		url = xasprintf("https://feed%d.example/rss", f);
		store_feed_add(s, url, NULL, NULL, 0, &ids[f]);
		free(url);
	}
	for (f = 0; f < nfeeds; f++) {
		make_poll(&g, f, 0, per_poll, e);
		t = now_s();
		if (store_ingest(s, ids[f], NULL, e, per_poll, &r) == -1)
			exit(1);
		total += now_s() - t;
		news += r.new_count;
		store_ingest_result_clear(&r);
		free_poll(e, per_poll);
	}
	printf("store  ingest: %zu entries in %.2f s = %.0f entries/s\n",
	    news, total, news / total);

	/* The same polls again: all repeats, nothing may be written. */
	g.rng = 88172645463325252ULL;
	changes = sqlite3_total_changes(store_sqlite_db(s));
	for (f = 0; f < nfeeds; f++) {
		make_poll(&g, f, 0, per_poll, e);
		t = now_s();
		if (store_ingest(s, ids[f], NULL, e, per_poll, &r) == -1)
			exit(1);
		rep += now_s() - t;
		unchanged += r.unchanged;
		store_ingest_result_clear(&r);
		free_poll(e, per_poll);
	}
	printf("store  repeat: %zu entries in %.2f s = %.0f entries/s, "
	    "%lld rows written\n", unchanged, rep, unchanged / rep,
	    (long long)(sqlite3_total_changes(store_sqlite_db(s)) - changes));
	raw = g.raw / 2;
	printf("store  size:   %.1f MB on disk with the WAL, raw text %.1f MB,"
	    " ratio %.2f\n", file_size(path) / 1e6, raw / 1e6,
	    (double)file_size(path) / raw);
	sqlite3_exec(store_sqlite_db(s), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
	    NULL);
	printf("store  size:   %.1f MB after a checkpoint, ratio %.2f\n",
	    file_size(path) / 1e6, (double)file_size(path) / raw);

	/* Retention: keep 10 per feed, the rest go to the seen table. */
	if (getenv("BENCH_NO_PRUNE") == NULL) {
		struct store_retention ret = { .max_entries_per_feed = 10,
		    .min_entries_per_feed = 10 };
		size_t pruned, all = 0;
		int rc;

		t = now_s();
		while ((rc = store_prune(s, &ret, 0, &pruned)) == 1)
			all += pruned;
		all += pruned;
		t = now_s() - t;
		printf("store  prune:  %zu entries in %.2f s = %.0f entries/s"
		    " (batches of 500)%s\n", all, t, all / t,
		    rc == -1 ? ", FAILED" : "");
		g.rng = 88172645463325252ULL;
		unchanged = 0;
		for (f = 0; f < nfeeds; f++) {
			make_poll(&g, f, 0, per_poll, e);
			if (store_ingest(s, ids[f], NULL, e, per_poll, &r) == -1)
				exit(1);
			unchanged += r.unchanged;
			store_ingest_result_clear(&r);
			free_poll(e, per_poll);
		}
		printf("store  after prune, same polls again: %zu of %d "
		    "unchanged\n", unchanged, nfeeds * per_poll);
	}
	bench_search(s);
	store_free(s);
	free(ids);
	free(e);
	free(path);
}

static void
bench_floor(const char *dir, int nfeeds, int per_poll)
{
	sqlite3 *db;
	sqlite3_stmt *ins, *fts;
	struct feed_entry *e = xcalloc(per_poll, sizeof(*e));
	struct gen g = { 88172645463325252ULL, 0 };
	struct buf text;
	char *path = xasprintf("%s/floor.db", dir);
	double t, total = 0;
	int f, j;

	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die(db, "open");
	if (sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    "CREATE TABLE entries (id INTEGER PRIMARY KEY, feed_id INTEGER,"
	    " guid TEXT, title TEXT, link TEXT, published INTEGER,"
	    " fetched INTEGER, author TEXT, summary TEXT, content TEXT);"
	    "CREATE VIRTUAL TABLE entries_fts USING fts5(title, summary,"
	    " content, author, content='',"
	    " tokenize='unicode61 remove_diacritics 2');",
	    NULL, NULL, NULL) != SQLITE_OK)
		die(db, "schema");
	if (getenv("BENCH_FLOOR_SQL") != NULL &&
	    sqlite3_exec(db, getenv("BENCH_FLOOR_SQL"), NULL, NULL, NULL) !=
	    SQLITE_OK)
		die(db, "BENCH_FLOOR_SQL");
	if (sqlite3_prepare_v2(db, "INSERT INTO entries(feed_id, guid, title,"
	    " link, published, fetched, author, summary, content)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", -1, &ins, NULL) != SQLITE_OK)
		die(db, "prepare");
	if (sqlite3_prepare_v2(db, "INSERT INTO entries_fts(rowid, title,"
	    " summary, content, author) VALUES (?, ?, ?, ?, ?)", -1, &fts,
	    NULL) != SQLITE_OK)
		die(db, "prepare");
	buf_init(&text);
	for (f = 0; f < nfeeds; f++) {
		make_poll(&g, f, 0, per_poll, e);
		t = now_s();
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (j = 0; j < per_poll; j++) {
			sqlite3_bind_int(ins, 1, f + 1);
			sqlite3_bind_text(ins, 2, e[j].id, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 3, e[j].title, -1, SQLITE_STATIC);
			sqlite3_bind_text(ins, 4, e[j].link, -1, SQLITE_STATIC);
			sqlite3_bind_int64(ins, 5, e[j].published);
			sqlite3_bind_int64(ins, 6, 1756900000);
			sqlite3_bind_text(ins, 7, e[j].author, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(ins, 8, e[j].summary, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(ins, 9, e[j].content, -1,
			    SQLITE_STATIC);
			if (sqlite3_step(ins) != SQLITE_DONE)
				die(db, "insert");
			sqlite3_reset(ins);
			buf_reset(&text);
			htmltext_append(&text, e[j].content,
			    strlen(e[j].content));
			sqlite3_bind_int64(fts, 1, sqlite3_last_insert_rowid(db));
			sqlite3_bind_text(fts, 2, e[j].title, -1, SQLITE_STATIC);
			sqlite3_bind_text(fts, 3, e[j].summary, -1,
			    SQLITE_STATIC);
			sqlite3_bind_text(fts, 4, text.data, text.len,
			    SQLITE_STATIC);
			sqlite3_bind_text(fts, 5, e[j].author, -1,
			    SQLITE_STATIC);
			if (sqlite3_step(fts) != SQLITE_DONE)
				die(db, "fts insert");
			sqlite3_reset(fts);
		}
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			die(db, "commit");
		total += now_s() - t;
		free_poll(e, per_poll);
	}
	printf("floor  ingest: %d entries in %.2f s = %.0f entries/s\n",
	    nfeeds * per_poll, total, nfeeds * per_poll / total);
	sqlite3_finalize(ins);
	sqlite3_finalize(fts);
	sqlite3_close(db);
	printf("floor  size:   %.1f MB, ratio %.2f\n", file_size(path) / 1e6,
	    (double)file_size(path) / g.raw);
	buf_free(&text);
	free(e);
	free(path);
}

int
main(int argc, char **argv)
{
	const char *dir = "/tmp", *mode = "all";
	int nfeeds = 10000, per_poll = 30, c;

	log_init("bench_store");
	while ((c = getopt(argc, argv, "d:e:f:m:")) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'e':
			per_poll = atoi(optarg);
			break;
		case 'f':
			nfeeds = atoi(optarg);
			break;
		case 'm':
			mode = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench_store [-f feeds] "
			    "[-e entries per poll] [-d dir] [-m all|store|floor]\n");
			return 2;
		}
	}
	printf("%d feeds x %d entries, one transaction per poll, in %s\n",
	    nfeeds, per_poll, dir);
	if (strcmp(mode, "store") != 0)
		bench_floor(dir, nfeeds, per_poll);
	if (strcmp(mode, "floor") != 0)
		bench_store(dir, nfeeds, per_poll);
	return 0;
}
