/*
 * batch: group commit as the poll pipeline sees it, over a real store and
 * a real event loop. Jobs wait for the window (or the weight limit), run
 * in order inside one transaction where a failing one undoes only itself,
 * an idle producer ends the wait,
 * the hooks come before and after the commit, and nothing queued is lost
 * at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "batch.h"
#include "log.h"
#include "store.h"
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

	store_free(t.store);
	event_base_free(base);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
