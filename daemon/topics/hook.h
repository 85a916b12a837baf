/*
 * hook: a topic's new matches handed to the [hook] its notify names.
 *
 * A command hook's command runs through notify (never a shell), with the
 * hook's timeout, once per match (mode each) or once for all the matches
 * given (mode batch), and each run gets
 *   FEEDD_TOPIC                the topic's name
 *   FEEDD_TITLE, FEEDD_LINK    the entry's title and link
 *   FEEDD_FEED, FEEDD_FEED_ID  its feed's title and id
 *   FEEDD_ID                   its id
 *   FEEDD_IDS, FEEDD_COUNT     every id of the run, and how many
 * (in batch mode the entry is the run's last one), and on stdin one line of
 * JSON: the entry as the API shows it plus "topic" (each), or
 * {"topic": ..., "entries": [...]} (batch).
 *
 * A URL hook's alerts go through webhook.h: stored with the matches,
 * sent once the batch committed, retried, kept across restarts.
 *
 * The counts of every hook's outcomes live here, in memory (a restart
 * starts from 0, but for the alerts still waiting, which are counted
 * from the store): per hook (hooks_stats, for the API and metrics) and
 * per topic (hooks_failures, for the topics listing).
 */
#ifndef FEEDD_HOOK_H
#define FEEDD_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "webhook.h"

struct config;
struct config_hook;
struct event_base;
struct fetch;
struct hooks;
struct notify;
struct store;
struct store_entry;

/* Queues the runs of command hook h for topic's matches e[0..n). */
void	hook_run(struct notify *nt, const struct config_hook *h,
	    const char *topic, const struct store_entry *e, size_t n);

/*
 * The daemon's hooks: the entries of a match read from store, commands
 * run through one notify runner, alerts sent through fetch.
 */
struct hooks	*hooks_new(struct event_base *base, struct store *store,
		    struct fetch *fetch);
/* Counts the runs of its commands into m (notify_set_metrics). */
struct metrics;
void		 hooks_set_metrics(struct hooks *hs, struct metrics *m);
/*
 * The configuration in force (start-up and each reload; it must live
 * until the next call): the commands' parallel limit, the URL hooks.
 */
void		 hooks_set_config(struct hooks *hs,
		    const struct config *cfg);
/*
 * Inside the transaction that records them: a topic's new matches
 * ids[0..n) become the alerts of hook when it is a URL hook.
 */
void		 hooks_record(struct hooks *hs, const char *hook,
		    const char *topic, const int64_t *ids, size_t n);
/* After that transaction: its alerts go out (ok) or are forgotten. */
void		 hooks_committed(struct hooks *hs, bool ok);
/*
 * Another worker stored alerts (cluster.h): the URL hooks this worker
 * sends for look for them.
 */
void		 hooks_wake(struct hooks *hs);
/*
 * Once committed: a topic's new matches ids[0..n) run hook when it is a
 * command hook (NULL, or a hook not declared: nothing runs; topics
 * warns of that).
 */
void		 hooks_deliver(struct hooks *hs, const char *hook,
		    const char *topic, const int64_t *ids, size_t n);
/*
 * --once: runs the loop until the queued and running commands ended and
 * no alert is in flight, at most the longest timeout of a hook (twice,
 * for alerts), and a second.
 */
void		 hooks_drain(struct hooks *hs);

/*
 * A topic's hook runs and attempts that failed since the daemon started:
 * how many, the last one's reason in words and when (Unix seconds).
 * False when none failed.
 */
struct hooks_failures {
	uint64_t	 count;
	const char	*last;		/* borrowed from hs */
	int64_t		 at;
};
bool		 hooks_failures(const struct hooks *hs, const char *topic,
		    struct hooks_failures *ret);

/*
 * One hook's counts, the one place they are kept (the API and metrics
 * read them here). For a command hook sent and failed count runs; for a
 * URL hook, alerts: sent (delivered), failed (given up or dropped),
 * retries (failed attempts tried again), pending (waiting in the store).
 */
struct hooks_stats {
	uint64_t	 sent;
	uint64_t	 failed;
	uint64_t	 retries;
	uint64_t	 pending;
	int64_t		 last_sent;	/* 0: never */
	int64_t		 last_failure;	/* 0: never */
	const char	*last_error;	/* borrowed; NULL: none */
	bool		 sending;	/* an alert in flight */
	int64_t		 next_try;	/* the next attempt planned, or 0 */
};
/* Zeros when the hook did nothing yet. */
void		 hooks_stats(const struct hooks *hs, const char *hook,
		    struct hooks_stats *ret);

/*
 * Sends URL hook h a sample alert (webhooks_test); NULL when one is
 * under way.
 */
struct webhook_test *hooks_test(struct hooks *hs, const struct config_hook *h,
		    webhook_test_fn *fn, void *arg);

/* Stops what still runs (notify_free, webhooks_free); hs may be NULL. */
void		 hooks_free(struct hooks *hs);

#endif
