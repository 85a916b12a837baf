#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "batch.h"
#include "log.h"
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
};

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	batch_flush(arg);
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
	if ((b->ev = evtimer_new(base, on_timer, b)) == NULL) {
		log_errx("batch: cannot set up the event loop");
		free(b);
		return NULL;
	}
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

bool
batch_remove(struct batch *b, void *arg)
{
	return jobs_remove(&b->queued, arg) || jobs_remove(b->running, arg);
}

void
batch_flush(struct batch *b)
{
	struct jobs run;
	bool tx, ok = true;

	if (b->running != NULL || b->queued.n == 0)
		return;
	evtimer_del(b->ev);
	/* Jobs added while this group is written wait for the next one. */
	run = b->queued;
	memset(&b->queued, 0, sizeof(b->queued));
	b->weight = 0;
	b->running = &run;
	/* Without a transaction each job's writes still commit on their own. */
	tx = store_batch_begin(b->store) == 0;
	for (size_t i = 0; i < run.n; i++)
		if (run.v[i].fn != NULL)
			run.v[i].fn(run.v[i].arg);
	if (b->hooks.written != NULL)
		b->hooks.written(b->hooks.arg);
	if (tx && store_batch_commit(b->store) == -1) {
		log_errx("batch: the polls of the last %zu feeds were not "
		    "stored; they are fetched again on their next poll",
		    run.n);
		ok = false;
	}
	b->running = NULL;
	free(run.v);
	if (b->hooks.committed != NULL)
		b->hooks.committed(b->hooks.arg, ok);
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
	free(b->queued.v);
	free(b);
}
