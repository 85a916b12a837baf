/*
 * worker: a thread that runs jobs off the event loop and hands each back
 * to the loop when it is done.
 *
 * The loop parses and stores on one core; a cold poll of many feeds has
 * both to do at once. A job's run() is called on the worker's thread, in
 * the order jobs were submitted, and must touch only what its submitter
 * lent it (the loop does not touch that until done() comes). done() is
 * called on the loop's thread, in the same order, from base's loop or
 * from worker_free(). While no job is out the worker adds no event to the
 * loop, so it never keeps a loop running that had nothing else to do.
 */
#ifndef FEEDD_WORKER_H
#define FEEDD_WORKER_H

#include <stddef.h>

struct event_base;
struct worker;

typedef void	worker_fn(void *arg);

/* NULL (logged) when no thread can be started: callers run jobs inline. */
struct worker	*worker_new(struct event_base *base);
/* Queues run(arg) for the thread; done(arg) follows on the loop. */
void		 worker_submit(struct worker *w, worker_fn *run,
		    worker_fn *done, void *arg);
/* Jobs submitted whose done() has not run yet. */
size_t		 worker_pending(const struct worker *w);
/* Finishes every queued job, calls its done() here, stops the thread. */
void		 worker_free(struct worker *w);

#endif
