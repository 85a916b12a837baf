#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "batch.h"
#include "log.h"
#include "metrics.h"
#include "store.h"
#include "xmalloc.h"

struct job {
	batch_job_fn	*fn;		/* NULL: removed */
	void		*arg;
};

struct jobs {
	struct job	*v;
	size_t		 n;
	size_t		 cap;
};

struct batch {
	struct store	*store;
	struct event	*ev;
	struct batch_options opts;
	struct batch_hooks hooks;
	struct jobs	 queued;
	struct jobs	*running;	/* the group being written, or NULL */
	size_t		 weight;
	struct metric	*m_commit_seconds;
	struct metric	*m_commit_failures;
	struct event	*tidy;		/* opts.tidy: the next merge step */
	unsigned	 tidy_steps;	/* of the merge under way */
};

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	batch_flush(arg);
}

static void
tidy_arm(struct batch *b, int64_t ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
	    .tv_usec = (ms % 1000) * 1000 };

	if (b->tidy != NULL)
		evtimer_add(b->tidy, &tv);
}

/* One merge step while nothing is to be stored; the next, if needed. */
static void
on_tidy(evutil_socket_t fd, short what, void *arg)
{
	struct batch *b = arg;
	bool done;

	(void)fd;
	(void)what;
	if (b->queued.n > 0 || b->running != NULL) {
		tidy_arm(b, TIDY_AFTER_MS);
		return;
	}
	/* A failure is logged by the store; the next group tries again. */
	if (store_index_tidy(b->store, &done) == -1) {
		b->tidy_steps = 0;
		return;
	}
	if (!done) {
		b->tidy_steps++;
		tidy_arm(b, TIDY_GAP_MS);
		return;
	}
	if (b->tidy_steps > 0)
		log_debug("batch: the full-text index merged in %u steps",
		    b->tidy_steps);
	b->tidy_steps = 0;
}

struct batch *
batch_new(struct event_base *base, struct store *store,
    const struct batch_options *opts, const struct batch_hooks *hooks)
{
	struct batch *b = xcalloc(1, sizeof(*b));

	b->store = store;
	if (opts != NULL)
		b->opts = *opts;
	if (b->opts.window_ms <= 0)
		b->opts.window_ms = BATCH_WINDOW_MS;
	if (b->opts.max_weight == 0)
		b->opts.max_weight = BATCH_MAX_WEIGHT;
	if (hooks != NULL)
		b->hooks = *hooks;
	if ((b->ev = evtimer_new(base, on_timer, b)) == NULL ||
	    (b->opts.tidy && (b->tidy = evtimer_new(base, on_tidy,
	    b)) == NULL)) {
		log_errx("batch: cannot set up the event loop");
		if (b->ev != NULL)
			event_free(b->ev);
		free(b);
		return NULL;
	}
	/*
	 * A store left with its index unmerged (a cold feedd --once writes
	 * its bulk groups with fewer merges; a crash) is merged once the
	 * daemon is quiet after its start, not only after its next group.
	 */
	tidy_arm(b, TIDY_AFTER_MS);
	return b;
}

void
batch_add(struct batch *b, batch_job_fn *fn, void *arg, size_t weight)
{
	struct jobs *q = &b->queued;
	struct timeval tv = { .tv_sec = b->opts.window_ms / 1000,
	    .tv_usec = (b->opts.window_ms % 1000) * 1000 };

	if (q->n == q->cap) {
		q->cap = q->cap == 0 ? 64 : q->cap * 2;
		q->v = xreallocarray(q->v, q->cap, sizeof(*q->v));
	}
	q->v[q->n].fn = fn;
	q->v[q->n].arg = arg;
	q->n++;
	b->weight += weight + 1;
	/* The window counts from the oldest job: latency stays bounded. */
	if (q->n == 1)
		evtimer_add(b->ev, &tv);
	if (b->weight >= b->opts.max_weight)
		event_active(b->ev, EV_TIMEOUT, 0);
}

static bool
jobs_remove(struct jobs *q, void *arg)
{
	for (size_t i = 0; q != NULL && i < q->n; i++) {
		if (q->v[i].fn != NULL && q->v[i].arg == arg) {
			q->v[i].fn = NULL;
			return true;
		}
	}
	return false;
}

void
batch_idle(struct batch *b)
{
	if (b->queued.n > 0)
		event_active(b->ev, EV_TIMEOUT, 0);
}

bool
batch_remove(struct batch *b, void *arg)
{
	return jobs_remove(&b->queued, arg) || jobs_remove(b->running, arg);
}

void
batch_flush(struct batch *b)
{
	struct jobs run;
	struct timespec t0, t1;
	bool tx, ok = true;

	if (b->running != NULL || b->queued.n == 0)
		return;
	evtimer_del(b->ev);
	/* Jobs added while this group is written wait for the next one. */
	run = b->queued;
	memset(&b->queued, 0, sizeof(b->queued));
	b->weight = 0;
	b->running = &run;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Without a transaction each job's writes still commit on their own. */
	tx = store_batch_begin(b->store) == 0;
	/* The group's new entries go into the index together, at the end. */
	if (tx)
		store_index_defer(b->store);
	for (size_t i = 0; i < run.n; i++)
		if (run.v[i].fn != NULL)
			run.v[i].fn(run.v[i].arg);
	if (tx && store_index_pending(b->store) == -1) {
		store_batch_rollback(b->store);
		tx = false;
		ok = false;
		log_errx("batch: the polls of the last %zu feeds were not "
		    "indexed; they are fetched again on their next poll",
		    run.n);
		metric_add(b->m_commit_failures, 1);
	}
	if (ok && b->hooks.written != NULL)
		b->hooks.written(b->hooks.arg);
	if (tx && store_batch_commit(b->store) == -1) {
		log_errx("batch: the polls of the last %zu feeds were not "
		    "stored; they are fetched again on their next poll",
		    run.n);
		ok = false;
		metric_add(b->m_commit_failures, 1);
	}
	if (tx) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		metric_observe(b->m_commit_seconds, (double)(t1.tv_sec -
		    t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	b->running = NULL;
	free(run.v);
	/* Merged once things are quiet again (the timer starts over). */
	if (ok && tx)
		tidy_arm(b, TIDY_AFTER_MS);
	if (b->hooks.committed != NULL)
		b->hooks.committed(b->hooks.arg, ok);
}

void
batch_set_metrics(struct batch *b, struct metrics *m)
{
	static const double bounds[] = { 0.001, 0.005, 0.01, 0.025, 0.05,
	    0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

	b->m_commit_seconds = metrics_histogram(m,
	    "feedd_store_commit_duration_seconds", "How long the "
	    "transaction of a group of polls took, from its start to its "
	    "commit.", NULL, bounds, sizeof(bounds) / sizeof(*bounds));
	b->m_commit_failures = metrics_counter(m,
	    "feedd_store_commit_failures_total", "Groups of polls whose "
	    "commit failed (nothing of them was stored).", NULL);
}

size_t
batch_queued(const struct batch *b)
{
	return b->queued.n;
}

void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	batch_flush(b);
	event_free(b->ev);
	if (b->tidy != NULL)
		event_free(b->tidy);
	free(b->queued.v);
	free(b);
}
