/*
 * batch: group commit as the poll pipeline sees it, over a real store and
 * a real event loop. Jobs wait for the window (or the weight limit), run
 * in order inside one transaction where a failing one undoes only itself,
 * an idle producer ends the wait,
 * the hooks come before and after the commit, nothing queued is lost
 * at the end, and a quiet daemon's batch merges the full-text index.
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

/* The size of the index's structure record: it grows with segments. */
static int
structure_bytes(struct store *s)
{
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_prepare_v2(store_sqlite_db(s), "SELECT length(block)"
	    " FROM entries_fts_data WHERE id = 10", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
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
	struct store_ingest_result r;
	struct feed_entry e;
	struct store_entry *l;
	struct batch *b;
	struct job j = { t, 't', "https://t.example/feed" };
	char id[32], err[256];
	int64_t feed;
	size_t n;
	bool done;
	int before, after, rc;

	store_feed_add(t->store, "https://tidy.example/feed", NULL, NULL, 0,
	    &feed);
	for (int i = 0; i < 8; i++) {
		memset(&e, 0, sizeof(e));
		snprintf(id, sizeof(id), "tidy-%d", i);
		e.id = id;
		e.title = "The harbour reopened";
		e.summary = "Ships are back in the harbour";
		e.published = FEED_TIME_NONE;
		e.updated = FEED_TIME_NONE;
		store_ingest(t->store, feed, NULL, &e, 1, &r);
		store_ingest_result_clear(&r);
	}
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

	store_free(t.store);
	event_base_free(base);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
