/*
 * batch: group commit for the poll pipeline.
 *
 * Polls that finish close together are written in one store transaction
 * instead of one each. SQLite then syncs the WAL once and FTS5 flushes one
 * index segment for the whole group, which is most of what storing costs
 * (bench/README-poll.md: a cold poll of 5,000 feeds went from 25 s to
 * 16 s); topic matching runs once per group instead of once per feed.
 *
 * Promises:
 *   - a job added with batch_add() runs within window_ms, or at once when
 *     the queued weight reaches max_weight or the producer says nothing
 *     more is on its way (batch_idle), always from the event loop, never
 *     from inside batch_add() or batch_idle();
 *   - jobs run in the order they were added, inside one transaction
 *     (store_batch_begin); each job's store calls still fail on their own;
 *   - the jobs' new entries are indexed together after the last job
 *     (store_index_defer), then hooks.written runs, inside the
 *     transaction;
 *     hooks.committed(ok) after the commit, ok false if it failed (then
 *     nothing of the group is stored, and nothing may be announced);
 *   - batch_free() writes what is still queued;
 *   - with opts.tidy, once no group has been written for TIDY_AFTER_MS,
 *     the store's full-text index is merged a bounded step at a time
 *     (store_index_tidy), TIDY_GAP_MS apart so that the loop's other
 *     work runs between them, and never while a group waits or is
 *     written: each group adds segments that every search and topic
 *     match must read.
 */
#ifndef FEEDD_BATCH_H
#define FEEDD_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct batch;
struct event_base;
struct store;

#define BATCH_WINDOW_MS		500	/* default: a group spans this long */
/*
 * Default: entries before a flush. About the entries of the polls the
 * scheduler keeps in flight (SCHED_AHEAD_FACTOR): while a group is
 * written, the next one is fetched and read, so it is whole when the
 * writer is free; no more, for the memory the parses waiting for it
 * hold (bench/README.md, "Fetch and parse off the loop" and "The
 * store's share").
 */
#define BATCH_MAX_WEIGHT	1500
#define TIDY_AFTER_MS		2000	/* quiet this long, then merge */
#define TIDY_GAP_MS		50	/* between two merge steps */

struct batch_options {
	int64_t	 window_ms;	/* 0: BATCH_WINDOW_MS */
	size_t	 max_weight;	/* 0: BATCH_MAX_WEIGHT */
	bool	 tidy;		/* merge the index when quiet (a daemon) */
};

struct batch_hooks {
	void	(*written)(void *arg);
	void	(*committed)(void *arg, bool ok);
	void	*arg;
};

typedef void	batch_job_fn(void *arg);

struct batch	*batch_new(struct event_base *base, struct store *store,
		    const struct batch_options *opts,
		    const struct batch_hooks *hooks);
/* Queues fn(arg); weight is what it will write (entries, say). */
void		 batch_add(struct batch *b, batch_job_fn *fn, void *arg,
		    size_t weight);
/*
 * Nothing that could join the group is in flight: the window would only
 * wait, so the queued group is written on the loop's next turn.
 */
void		 batch_idle(struct batch *b);
/* Drops a queued job without running it. True if it was queued. */
bool		 batch_remove(struct batch *b, void *arg);
/* Writes what is queued now. */
void		 batch_flush(struct batch *b);
size_t		 batch_queued(const struct batch *b);
/*
 * Counts into m (metrics.h): feedd_store_commit_duration_seconds (a
 * group's transaction, begin to commit) and
 * feedd_store_commit_failures_total.
 */
struct metrics;
void		 batch_set_metrics(struct batch *b, struct metrics *m);
void		 batch_free(struct batch *b);

#endif
