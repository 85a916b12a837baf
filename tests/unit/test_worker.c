/*
 * worker: jobs run on a thread other than the loop's, in the order they
 * were submitted; each comes back to the loop's thread in that order; a
 * loop with no job out is not kept running by the worker; worker_free
 * finishes what was queued and hands it back before it returns.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "tap.h"
#include "worker.h"

#define NJOBS	200

struct job {
	int		 n;
	pthread_t	 ran_on;
	bool		 ran;
	bool		 done;
};

static pthread_t loop_thread;
static int ran_order[NJOBS], nran;	/* written by the worker only */
static int done_order[NJOBS], ndone;
static bool done_on_loop = true, ran_before_done = true;

static void
run(void *arg)
{
	struct job *j = arg;

	j->ran_on = pthread_self();
	j->ran = true;
	ran_order[nran++] = j->n;
	if (j->n % 50 == 0)
		usleep(2000);	/* the loop waits, then takes several */
}

static void
done(void *arg)
{
	struct job *j = arg;

	if (!pthread_equal(pthread_self(), loop_thread))
		done_on_loop = false;
	if (!j->ran)
		ran_before_done = false;
	j->done = true;
	done_order[ndone++] = j->n;
}

static bool
in_order(const int *v, int n)
{
	for (int i = 0; i < n; i++)
		if (v[i] != i)
			return false;
	return true;
}

int
main(void)
{
	static struct job jobs[NJOBS];
	struct event_base *base = event_base_new();
	struct worker *w;
	bool elsewhere = true;
	int i, rc;

	loop_thread = pthread_self();
	if (base == NULL || (w = worker_new(base)) == NULL) {
		printf("Bail out! cannot start a worker\n");
		return 1;
	}
	rc = event_base_loop(base, EVLOOP_NONBLOCK);
	ok(rc == 1, "no job out: the worker keeps no event in the loop");

	for (i = 0; i < NJOBS; i++) {
		jobs[i].n = i;
		worker_submit(w, run, done, &jobs[i]);
	}
	ok(worker_pending(w) == NJOBS, "%d jobs out", NJOBS);
	/* The loop returns by itself once every job has come back. */
	rc = event_base_dispatch(base);
	ok(rc == 1 && worker_pending(w) == 0 && ndone == NJOBS,
	    "the loop ran until the last job came back (%d back)", ndone);
	for (i = 0; i < NJOBS; i++)
		if (pthread_equal(jobs[i].ran_on, loop_thread))
			elsewhere = false;
	ok(elsewhere, "every job ran on another thread than the loop's");
	ok(done_on_loop, "every job came back on the loop's thread");
	ok(ran_before_done, "a job comes back only after it ran");
	ok(in_order(ran_order, nran), "jobs ran in the order submitted");
	ok(in_order(done_order, ndone), "jobs came back in that order");

	/* Queued and never looped for: worker_free finishes them. */
	nran = ndone = 0;
	for (i = 0; i < 10; i++) {
		memset(&jobs[i], 0, sizeof(jobs[i]));
		jobs[i].n = i;
		worker_submit(w, run, done, &jobs[i]);
	}
	worker_free(w);
	ok(ndone == 10 && in_order(done_order, 10) && done_on_loop,
	    "worker_free: the 10 queued jobs ran and came back, in order, "
	    "on the caller's thread (%d)", ndone);
	event_base_free(base);
	return tap_done();
}
