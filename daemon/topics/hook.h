/*
 * hook: a topic's new matches handed to the [hook] its notify names.
 *
 * Promises: the hook's command runs through notify (never a shell), with
 * the hook's timeout, once per match (mode each) or once for all the
 * matches given (mode batch), and each run gets
 *   FEEDD_TOPIC                the topic's name
 *   FEEDD_TITLE, FEEDD_LINK    the entry's title and link
 *   FEEDD_FEED, FEEDD_FEED_ID  its feed's title and id
 *   FEEDD_ID                   its id
 *   FEEDD_IDS, FEEDD_COUNT     every id of the run, and how many
 * (in batch mode the entry is the run's last one), and on stdin one line of
 * JSON: the entry as the API shows it plus "topic" (each), or
 * {"topic": ..., "entries": [...]} (batch).
 */
#ifndef FEEDD_HOOK_H
#define FEEDD_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct config_hook;
struct event_base;
struct hooks;
struct notify;
struct store;
struct store_entry;

/* Queues the runs for topic's matches e[0..n). A failure is logged. */
void	hook_run(struct notify *nt, const struct config_hook *h,
	    const char *topic, const struct store_entry *e, size_t n);

/*
 * The daemon's hooks: the entries of a match read from store, their runs
 * through one notify runner of at most max_parallel commands.
 */
struct hooks	*hooks_new(struct event_base *base, struct store *store,
		    int max_parallel);
void		 hooks_set_limits(struct hooks *hs, int max_parallel);
/* Counts the runs of its commands into m (notify_set_metrics). */
struct metrics;
void		 hooks_set_metrics(struct hooks *hs, struct metrics *m);
/*
 * A topic's new matches ids[0..n), to the hook of cfg named hook (NULL, or
 * one cfg does not declare: nothing runs; topics warns of that).
 */
void		 hooks_deliver(struct hooks *hs, const struct config *cfg,
		    const char *hook, const char *topic, const int64_t *ids,
		    size_t n);
/*
 * --once: runs the loop until the queued and running commands ended, at
 * most the longest timeout cfg gives a hook, and a second.
 */
void		 hooks_drain(struct hooks *hs, const struct config *cfg);
/*
 * A topic's hook runs that failed since the daemon started (kept in
 * memory only: a restart starts from 0): how many, the last one's reason
 * in words and when (Unix seconds). False when none failed.
 */
struct hooks_failures {
	uint64_t	 count;
	const char	*last;		/* borrowed from hs */
	int64_t		 at;
};
bool		 hooks_failures(const struct hooks *hs, const char *topic,
		    struct hooks_failures *ret);
/* Stops what still runs (notify_free); hs may be NULL. */
void		 hooks_free(struct hooks *hs);

#endif
