/*
 * sqlite_fts_insert: the store floor. Reads the generator's entries.tsv
 * (feed, guid, title, link, published, author, summary, content; one entry
 * a line) and inserts every entry into a bare SQLite table with a
 * (feed, key) uniqueness index and an FTS5 index over title, summary,
 * content and author: one transaction per feed, WAL, prepared statements.
 * No dedup logic, no hashing, no HTML-to-text: what storing and indexing
 * the same entries costs at the least.
 *
 *   sqlite_fts_insert DB < entries.tsv
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

static void
die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
	exit(1);
}

static void
exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, err);
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: sqlite_fts_insert DB < entries.tsv\n");
		return 2;
	}
	sqlite3 *db;
	if (sqlite3_open(argv[1], &db) != SQLITE_OK)
		die(db, argv[1]);
	exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	    "CREATE TABLE entries (id INTEGER PRIMARY KEY, feed INTEGER NOT NULL,"
	    " key TEXT NOT NULL, title TEXT, link TEXT, published TEXT,"
	    " author TEXT, summary TEXT, content TEXT);"
	    "CREATE UNIQUE INDEX entries_key ON entries(feed, key);"
	    "CREATE VIRTUAL TABLE entries_fts USING fts5(title, summary, content,"
	    " author, content='entries', content_rowid='id',"
	    " tokenize='unicode61 remove_diacritics 2');");
	sqlite3_stmt *ins, *fts;
	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO entries(feed, key,"
	    " title, link, published, author, summary, content)"
	    " VALUES (?,?,?,?,?,?,?,?)", -1, &ins, NULL) != SQLITE_OK)
		die(db, "prepare");
	if (sqlite3_prepare_v2(db, "INSERT INTO entries_fts(rowid, title,"
	    " summary, content, author) VALUES (?,?,?,?,?)", -1, &fts,
	    NULL) != SQLITE_OK)
		die(db, "prepare");

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long cur = -1, entries = 0;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		char *f[8] = { 0 };
		int nf = 0;
		char *s = line;
		while (nf < 8) {
			f[nf++] = s;
			char *t = strchr(s, '\t');
			if (t == NULL)
				break;
			*t = '\0';
			s = t + 1;
		}
		if (nf < 8)
			continue;
		long feed = atol(f[0]);
		if (feed != cur) {
			if (cur != -1)
				exec(db, "COMMIT");
			exec(db, "BEGIN");
			cur = feed;
		}
		const char *key = *f[1] ? f[1] : (*f[3] ? f[3] : f[2]);
		sqlite3_bind_int64(ins, 1, feed);
		sqlite3_bind_text(ins, 2, key, -1, SQLITE_STATIC);
		for (int i = 2; i < 8; i++)
			sqlite3_bind_text(ins, i + 1, f[i], -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die(db, "insert");
		sqlite3_reset(ins);
		if (sqlite3_changes(db) == 1) {
			sqlite3_bind_int64(fts, 1, sqlite3_last_insert_rowid(db));
			sqlite3_bind_text(fts, 2, f[2], -1, SQLITE_STATIC);
			sqlite3_bind_text(fts, 3, f[6], -1, SQLITE_STATIC);
			sqlite3_bind_text(fts, 4, f[7], -1, SQLITE_STATIC);
			sqlite3_bind_text(fts, 5, f[5], -1, SQLITE_STATIC);
			if (sqlite3_step(fts) != SQLITE_DONE)
				die(db, "fts insert");
			sqlite3_reset(fts);
			entries++;
		}
	}
	if (cur != -1)
		exec(db, "COMMIT");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	sqlite3_finalize(ins);
	sqlite3_finalize(fts);
	sqlite3_close(db);
	free(line);
	printf("{\"entries\": %ld, \"seconds\": %.3f, \"entries_per_s\": %.0f}\n",
	    entries, secs, secs > 0 ? entries / secs : 0.0);
	return 0;
}
