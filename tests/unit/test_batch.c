/*
 * batch: group commit as the poll pipeline sees it, over a real store and
 * a real event loop. Jobs wait for the window (or the weight limit), run
 * in order inside one transaction where a failing one undoes only itself,
 * an idle producer ends the wait,
 * the hooks come before and after the commit, nothing queued is lost
 * at the end, and a quiet daemon's batch merges the full-text index,
 * which a large group writes with fewer merges.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "batch.h"
#include "feed.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "tap.h"

struct trace {
	struct store	*store;
	char		 log[256];
	int		 committed;
	bool		 ok;
};

struct job {
	struct trace	*t;
	char		 name;
	const char	*url;	/* a feed to add, NULL: none */
};

static void
note(struct trace *t, char c)
{
	size_t n = strlen(t->log);

	if (n + 1 < sizeof(t->log)) {
		t->log[n] = c;
		t->log[n + 1] = '\0';
	}
}

static void
run_job(void *arg)
{
	struct job *j = arg;
	int64_t id;

	note(j->t, j->name);
	if (j->url != NULL)
		store_feed_add(j->t->store, j->url, NULL, NULL, 0, &id);
}

static void
on_written(void *arg)
{
	note(arg, 'W');
}

static void
on_committed(void *arg, bool ok)
{
	struct trace *t = arg;

	note(t, 'C');
	t->committed++;
	t->ok = ok;
}

static size_t
feeds(struct store *s)
{
	struct store_feed *f;
	size_t n;

	if (store_feed_list(s, &f, &n) == -1)
		return (size_t)-1;
	store_feed_list_free(f, n);
	return n;
}

/* The first column of sql's first row, or -1. */
static int
one_int(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(store_sqlite_db(s), sql, -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The size of the index's structure record: it grows with segments. */
static int
structure_bytes(struct store *s)
{
	return one_int(s, "SELECT length(block) FROM entries_fts_data"
	    " WHERE id = 10");
}

/* Eight polls of one entry, from id tidy-FROM on: a segment each. */
static void
eight_polls(struct store *s, int64_t feed, int from)
{
	struct store_ingest_result r;
	struct feed_entry e;
	char id[32];

	for (int i = from; i < from + 8; i++) {
		memset(&e, 0, sizeof(e));
		snprintf(id, sizeof(id), "tidy-%d", i);
		e.id = id;
		e.title = "The harbour reopened";
		e.summary = "Ships are back in the harbour";
		e.published = FEED_TIME_NONE;
		e.updated = FEED_TIME_NONE;
		store_ingest(s, feed, NULL, &e, 1, &r);
		store_ingest_result_clear(&r);
	}
}

/*
 * Eight polls stored one transaction each leave eight index segments; a
 * batch with opts.tidy merges them once nothing has been written for a
 * while, and the entries are found as before.
 */
static void
test_tidy(struct event_base *base, struct trace *t,
    const struct batch_hooks *hooks)
{
	struct batch_options opts = { .window_ms = 50, .max_weight = 1000,
	    .tidy = true };
	struct store_entry_query q = { .fts = "harbour" };
	struct store_entry *l;
	struct batch *b;
	struct job j = { t, 't', "https://t.example/feed" };
	char err[256];
	int64_t feed;
	size_t n;
	bool done;
	int before, after, rc;

	store_feed_add(t->store, "https://tidy.example/feed", NULL, NULL, 0,
	    &feed);
	eight_polls(t->store, feed, 0);
	before = structure_bytes(t->store);
	b = batch_new(base, t->store, &opts, hooks);
	batch_add(b, run_job, &j, 1);
	/* The group, then TIDY_AFTER_MS of quiet, then the merge's steps. */
	event_base_dispatch(base);
	after = structure_bytes(t->store);
	ok(before > 0 && after > 0 && after < before,
	    "a quiet batch merged the index's segments (structure %d -> %d "
	    "bytes)", before, after);
	ok(store_index_tidy(t->store, &done) == 0 && done,
	    "nothing is left to merge");
	n = 0;
	l = NULL;
	rc = store_entry_list(t->store, &q, &l, &n, err, sizeof(err));
	ok(rc == 0 && n == 8, "and every entry is found as before (%zu)", n);
	store_entry_list_free(l, n);
	ok(store_batch_begin(t->store) == 0 &&
	    store_index_tidy(t->store, &done) == 0 && done &&
	    store_batch_commit(t->store) == 0,
	    "inside a transaction a step does nothing");
	batch_free(b);

	/* A store left unmerged: a new batch merges it with no group. */
	eight_polls(t->store, feed, 8);
	before = structure_bytes(t->store);
	b = batch_new(base, t->store, &opts, hooks);
	event_base_dispatch(base);
	after = structure_bytes(t->store);
	ok(before > 0 && after > 0 && after < before,
	    "a batch started on an unmerged index merges it once quiet, "
	    "without a group of its own (structure %d -> %d bytes)", before,
	    after);
	batch_free(b);
}

static int
automerge(struct store *s)
{
	return one_int(s, "SELECT v FROM entries_fts_config"
	    " WHERE k = 'automerge'");
}

/*
 * A group of polls, n entries each, indexed together as batch.c does;
 * with each entry's index text made ahead when ahead (as poll.c does),
 * counting in *taken the texts the store kept.
 */
static int
group(struct store *s, int64_t feed, const char *tag, int polls, int n,
    bool ahead, int *taken)
{
	struct store_ingest_result r;
	struct feed_entry *e = calloc((size_t)n, sizeof(*e));
	struct store_index_text *t = calloc((size_t)n, sizeof(*t));
	char (*id)[32] = calloc((size_t)n, sizeof(*id));
	int rc = store_batch_begin(s);

	store_index_defer(s);
	for (int p = 0; rc == 0 && p < polls; p++) {
		for (int i = 0; i < n; i++) {
			snprintf(id[i], sizeof(id[i]), "%s-%d-%d", tag, p, i);
			e[i].id = id[i];
			e[i].title = "Lighthouse keepers meet";
			/* Every other summary leads the content: not indexed. */
			e[i].summary = i % 2 ? "The lighthouse keepers" :
			    "<i>Keepers</i> of the coast";
			/* Words the tokenizer folds, in several scripts. */
			e[i].content = "<p>The <b>lighthouse</b> keepers met "
			    "at the harbour.</p> Ukraine's KYIV Київ, Café "
			    "naïve STRAẞE e\xcc\x81" "t\xcc\x81" "e\xcc\x81 "
			    "\xef\xbc\xa6\xef\xbc\xb5\xef\xbc\xac\xef"
			    "\xbc\xac 2026-12-07 &amp; x_y";
			e[i].published = FEED_TIME_NONE;
			e[i].updated = FEED_TIME_NONE;
			if (ahead)
				store_index_text_make(&e[i], &t[i]);
		}
		rc = store_ingest_texts(s, feed, NULL, e, ahead ? t : NULL,
		    (size_t)n, &r);
		store_ingest_result_clear(&r);
		for (int i = 0; ahead && i < n; i++) {
			*taken += t[i].content == NULL;
			store_index_text_clear(&t[i]);
		}
	}
	if (rc == 0)
		rc = store_index_pending(s);
	if (rc == 0)
		rc = store_batch_commit(s);
	free(e);
	free(t);
	free(id);
	return rc;
}

/*
 * A group of 1,000 new entries or more (a cold start) is indexed with
 * FTS5's automerge at 16, fewer merges while it is written; a smaller one
 * (a running daemon's) with FTS5's 4. Either way every entry is found.
 * Texts made ahead of the store index exactly what the entries' rows
 * say (FTS5's integrity-check against the content), and the store keeps
 * those of the new entries only.
 */
static void
test_bulk_merges(struct trace *t)
{
	int64_t feed;
	int rc, am, found, taken = 0;
	uint64_t replayed;

	store_feed_add(t->store, "https://bulk.example/feed", NULL, NULL, 0,
	    &feed);
	rc = group(t->store, feed, "small", 3, 10, false, &taken);
	am = automerge(t->store);
	ok(rc == 0 && am == STORE_FTS_AUTOMERGE,
	    "a group of 30 entries: automerge %d", am);
	replayed = store_sqlite_replayed(t->store);
	rc = group(t->store, feed, "bulk", 50, 20, true, &taken);
	replayed = store_sqlite_replayed(t->store) - replayed;
	am = automerge(t->store);
	ok(rc == 0 && am == STORE_BULK_AUTOMERGE,
	    "a group of 1,000: automerge %d", am);
	ok(taken == 1000, "the store kept the texts of its 1,000 new entries "
	    "(%d)", taken);
	/* Each content, and the summary of every other entry. */
	ok(replayed == 1500, "their tokens, cut ahead, were replayed, not "
	    "cut again (%llu documents)", (unsigned long long)replayed);
	taken = 0;
	rc = group(t->store, feed, "bulk", 1, 20, true, &taken);
	ok(rc == 0 && taken == 0, "and none of entries it had (%d)", taken);
	rc = group(t->store, feed, "after", 1, 5, true, &taken);
	am = automerge(t->store);
	ok(rc == 0 && am == STORE_FTS_AUTOMERGE,
	    "the next small group: %d again", am);
	found = one_int(t->store, "SELECT count(*) FROM entries_fts WHERE"
	    " entries_fts MATCH 'lighthouse'");
	ok(found == 30 + 1000 + 5, "every entry is in the index (%d)", found);
	found = one_int(t->store, "SELECT count(*) FROM entries_fts WHERE"
	    " entries_fts MATCH 'київ AND cafe AND naive AND ete'");
	ok(found == 30 + 1000 + 5, "folded words are found in every entry, "
	    "their tokens cut ahead or not (%d)", found);
	found = one_int(t->store, "SELECT count(*) FROM entries_fts WHERE"
	    " entries_fts MATCH 'summary:coast'");
	ok(found == 15 + 500 + 3, "summaries that lead their content are not "
	    "indexed, the others are (%d)", found);
	rc = sqlite3_exec(store_sqlite_db(t->store), "INSERT INTO entries_fts("
	    "entries_fts, rank) VALUES ('integrity-check', 1)", NULL, NULL,
	    NULL);
	if (!ok(rc == SQLITE_OK, "the index is what the entries' rows say"))
		diag("%s", sqlite3_errmsg(store_sqlite_db(t->store)));
}

int
main(void)
{
	char dir[] = "/tmp/test_batch.XXXXXX", path[64], err[256];
	struct event_base *base;
	struct trace t = { 0 };
	struct batch_hooks hooks = { on_written, on_committed, &t };
	struct batch_options slow = { .window_ms = 60 * 1000,
	    .max_weight = 100 };
	struct batch_options quick = { .window_ms = 50, .max_weight = 1000 };
	struct batch *b;
	struct job a = { &t, 'a', "https://a.example/feed" },
	    bad = { &t, 'x', "https://a.example/feed" },	/* duplicate */
	    c = { &t, 'c', "https://c.example/feed" },
	    gone = { &t, 'g', "https://g.example/feed" };

	log_init("test_batch");
	log_set_level(LOG_LEVEL_ERR);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/feedd.db", dir);
	if ((t.store = store_open(path, err, sizeof(err))) == NULL ||
	    (base = event_base_new()) == NULL) {
		printf("Bail out! %s\n", err);
		return 1;
	}

	/* The window: nothing runs inside batch_add, all of it after. */
	b = batch_new(base, t.store, &quick, &hooks);
	batch_add(b, run_job, &a, 1);
	batch_add(b, run_job, &bad, 1);
	batch_add(b, run_job, &gone, 1);
	batch_add(b, run_job, &c, 1);
	ok(batch_remove(b, &gone) && !batch_remove(b, &gone),
	    "a queued job can be dropped, once");
	ok(t.log[0] == '\0' && batch_queued(b) == 4,
	    "jobs wait for their batch");
	event_base_loop(base, EVLOOP_NONBLOCK);
	ok(t.log[0] == '\0', "... not written before the window ends");
	event_base_dispatch(base);
	is_str(t.log, "axcWC", "jobs in order, then the written hook, then "
	    "the committed one");
	ok(t.committed == 1 && t.ok, "one commit for the group, and it held");
	ok(feeds(t.store) == 2, "a failing job undid only itself (%zu feeds)",
	    feeds(t.store));
	batch_free(b);

	/* The weight: a full batch goes on the next loop turn. */
	memset(t.log, 0, sizeof(t.log));
	b = batch_new(base, t.store, &slow, &hooks);
	c.url = NULL;
	batch_add(b, run_job, &c, 10);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ok(t.log[0] == '\0', "a light batch waits for its window");
	batch_add(b, run_job, &c, 200);
	event_base_loop(base, EVLOOP_NONBLOCK);
	is_str(t.log, "ccWC", "a heavy one is written at once");

	/* Idle: nothing else on its way, the window is not waited out. */
	memset(t.log, 0, sizeof(t.log));
	batch_idle(b);
	event_base_loop(base, EVLOOP_NONBLOCK);
	ok(t.log[0] == '\0' && t.committed == 2,
	    "an idle producer with nothing queued writes nothing");
	batch_add(b, run_job, &c, 1);
	batch_idle(b);
	ok(t.log[0] == '\0', "... and nothing runs inside batch_idle");
	event_base_loop(base, EVLOOP_NONBLOCK);
	is_str(t.log, "cWC", "a light batch goes on the next loop turn once "
	    "its producer is idle");

	/* The end: what is queued is written, not dropped. */
	memset(t.log, 0, sizeof(t.log));
	gone.url = "https://g.example/feed";
	batch_add(b, run_job, &gone, 1);
	batch_free(b);
	ok(strcmp(t.log, "gWC") == 0 && feeds(t.store) == 3,
	    "batch_free writes what was still queued");
	test_tidy(base, &t, &hooks);
	test_bulk_merges(&t);

	store_free(t.store);
	event_base_free(base);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
