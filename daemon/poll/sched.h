/*
 * sched: when each feed is polled, and how many polls run at once.
 *
 * Every feed has a due time kept in the store (next_poll), so a restart
 * resumes the plan; feeds already due at start-up are spread over a short
 * window. Polls start within max_connections in flight (and up to
 * SCHED_AHEAD_FACTOR times as many more waiting in the fetch's queue),
 * max_per_host per host, and host_gap between two starts on one host. After each poll the
 * next due time is planned and recorded with the outcome in one
 * store_feed_poll_done() call:
 *   - success: the feed's interval (configured, else default_interval),
 *     adapted to how often it publishes (entries of the last week, as
 *     Miniflux's entry-frequency scheduler), shortened by its recent
 *     topic hits or relaxed for having none (SCHED_TOPIC_*, below),
 *     raised to the document's <ttl> / sy:updatePeriod and the
 *     response's max-age / Expires, and
 *     to SCHED_PUSHED_INTERVAL_S while a WebSub hub pushes the feed,
 *     always within [min_interval, max_interval]; why, in words, is
 *     kept with the interval (store_feed.interval_note);
 *   - failure: exponential backoff with jitter from min_interval up to
 *     max_interval, and never before a 429/503 Retry-After (capped at 2 days).
 * A failing feed is never dropped: gone (410), blocked and backing-off feeds
 * stay on their backoff curve. A 301/308 seen on three polls in a row moves
 * the feed to its new URL.
 *
 * A poll the database could not store (its entries, its record, or the
 * commit of its batch failed: a full disk, say) is not the feed's fault:
 * nothing of it is recorded, and the feed is polled again after a step
 * that starts at SCHED_STORE_RETRY_S and doubles with each failed commit
 * in a row, up to min_interval; the first commit that works ends it. So
 * once the disk has room again, everything fetched meanwhile is stored
 * within one step.
 */
#ifndef FEEDD_SCHED_H
#define FEEDD_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What a 0 in sched_options stands for, and the defaults of feedd.conf's
 * keys of the same names. A host_gap of 0 means no gap: its default is
 * only feedd.conf's, in seconds.
 */
#define SCHED_DEFAULT_INTERVAL_S	(30 * 60)
#define SCHED_DEFAULT_MIN_INTERVAL_S	(5 * 60)
#define SCHED_DEFAULT_MAX_INTERVAL_S	(24 * 3600)
#define SCHED_DEFAULT_MAX_CONNECTIONS	32
#define SCHED_DEFAULT_MAX_PER_HOST	4
#define SCHED_DEFAULT_HOST_GAP_S	1
/*
 * Polls started ahead, beyond max_connections, as a multiple of it: they
 * wait in the fetch's queue (fetch_request's may_wait) for a connection,
 * so that while the loop writes a group of polls to the store the fetch
 * thread goes on with the next ones instead of idling once the running
 * transfers end. Never more than max_connections transfers run at once.
 * On a host with a gap, a poll started ahead is its host's only transfer,
 * holds the host until it ends, and the gap counts from its end: it may
 * start late, never early.
 */
#define SCHED_AHEAD_FACTOR		1
/*
 * A feed whose WebSub hub pushes its news (an active subscription) is
 * still polled, as a safety net, but at least this far apart; twice as far
 * as the last time after each poll that found nothing the hub had not
 * brought (a 304, or only entries pushed already), up to max_interval,
 * and this far again after one that found something new.
 */
#define SCHED_PUSHED_INTERVAL_S		(6 * 3600)
/*
 * Topic-aware polling. A feed's topic hits are its entries fetched in the
 * last SCHED_TOPIC_HISTORY_S that matched a topic, each weighing half as
 * much per SCHED_TOPIC_HALF_LIFE_S of age (fetched now 1, a week ago 0.5,
 * two weeks ago 0.25), so a feed that carries a topic once a week keeps
 * its rating between stories. With W their weight, the feed is polled
 * 1 + W / SCHED_TOPIC_WEIGHT_STEP times as often as its natural interval
 * says, at most SCHED_TOPIC_MAX_SPEEDUP times, never below min_interval
 * nor the publisher's hints.
 *
 * The budget for it comes from the feeds that carry no topic: while some
 * topic exists, a feed subscribed SCHED_TOPIC_RELAX_AFTER_S ago or more
 * without a hit in SCHED_TOPIC_HISTORY_S is polled SCHED_TOPIC_RELAX
 * times less often than its natural interval says, never beyond
 * max_interval. A configured interval is kept as configured. A poll's
 * own hits are matched after it was planned: once they are stored, its
 * feed is planned again with them (sched_topic_matched) when that is
 * sooner.
 */
#define SCHED_TOPIC_HISTORY_S		(30 * 86400)
#define SCHED_TOPIC_HALF_LIFE_S		(7 * 86400)
#define SCHED_TOPIC_WEIGHT_STEP		4
#define SCHED_TOPIC_MAX_SPEEDUP		8
#define SCHED_TOPIC_RELAX		3
#define SCHED_TOPIC_RELAX_AFTER_S	(7 * 86400)
/*
 * Burst mode: news breaks in several places at once. When a topic
 * matches after SCHED_BURST_QUIET_S without a match (a new story, not
 * the next copy of one being found), the feeds that carried it in the
 * SCHED_BURST_HISTORY_S before (the most recent carriers first; none
 * failing, under Retry-After, or polled within min_interval) are polled
 * within SCHED_BURST_WITHIN_S, spread over that window and within the
 * per-host limits, unless they are due sooner anyway. All bursts
 * together bring forward at most SCHED_BURST_PER_HOUR polls in any hour
 * (counted in memory, since sched_new).
 */
#define SCHED_BURST_QUIET_S		(30 * 60)
#define SCHED_BURST_HISTORY_S		(30 * 86400)
#define SCHED_BURST_PER_HOUR		200
#define SCHED_BURST_WITHIN_S		180
/*
 * Several workers on one store (store_shared, store.h): a feed due here
 * is claimed before it is queued, in one statement for what is due at
 * once, once fewer than max_connections polls run or could start now
 * and then up to twice that (feeds waiting out a host's gap do not
 * count), so the other workers get their share; a feed another worker
 * holds or polled meanwhile is planned again when the store says (its
 * new next_poll, or the end of that worker's lease,
 * SCHED_DEFAULT_LEASE_S unless feedd.conf's lease says). host_gap
 * holds across workers: a start is recorded in the store, and waits for
 * another worker's last one. max_per_host counts this worker's polls
 * only.
 */
#define SCHED_DEFAULT_LEASE_S		60
/* The first step after a failed commit (see above), in seconds. */
#define SCHED_STORE_RETRY_S		5

struct batch;
struct discover;
struct event_base;
struct fetch;
struct fetch_result;
struct sched;
struct sched_slot;
struct store;
struct worker;

struct sched_options {
	int64_t	 default_interval_s;
	int64_t	 min_interval_s;
	int64_t	 max_interval_s;
	int	 max_connections;	/* polls in flight */
	int	 max_per_host;
	int64_t	 host_gap_ms;		/* between starts on one host */
	int64_t	 startup_spread_s;	/* 0: min(60 s, 50 ms per feed) */
	int64_t	 lease_s;		/* a shared store's claims (0: default) */
};

struct sched_callbacks {
	/*
	 * New entries were stored (ids ascending); topics match them. With a
	 * batch this runs inside its transaction, before the commit.
	 */
	void	(*on_new_entries)(void *arg, int64_t feed_id,
		    const int64_t *ids, size_t n);
	/*
	 * A poll was recorded: error NULL when it succeeded, new_count new
	 * entries. May be NULL.
	 */
	void	(*on_polled)(void *arg, int64_t feed_id, const char *error,
		    size_t new_count);
	void	*arg;
	/*
	 * A poll parsed the feed (not pushed content): the WebSub hub and
	 * self URL it announced (NULL: none), after the poll was recorded.
	 * May be NULL.
	 */
	void	(*on_hub)(void *arg, int64_t feed_id, const char *url,
		    const char *hub, const char *self);
};

/*
 * batch: where polls write (poll.h); NULL writes each poll at once. With
 * a batch, its committed hook must call sched_batch_done().
 */
struct sched	*sched_new(struct event_base *base, struct store *store,
		    struct fetch *fetch, struct batch *batch,
		    const struct sched_options *opts,
		    const struct sched_callbacks *cb);
/* Loads the feeds and starts planning. 0, or -1 (logged). */
int		 sched_start(struct sched *s);
/*
 * Re-reads the feed list from the store (after a reload or an API add or
 * remove); polls in flight carry on. 0 or -1.
 */
int		 sched_reload_feeds(struct sched *s);
/*
 * The same for feeds another worker added (a shared store): those due
 * are spread as at start-up, so that workers that hear of a whole
 * configuration at once do not all poll it at once.
 */
int		 sched_reload_feeds_spread(struct sched *s);
void		 sched_reload_options(struct sched *s,
		    const struct sched_options *opts);
/*
 * A topic's matches were committed (topic_id, its name for the log, the
 * entries it matched): their feeds planned again with these hits, and
 * burst mode, above. Returns how many feeds the burst brought forward.
 */
size_t		 sched_topic_matched(struct sched *s, int64_t topic_id,
		    const char *topic, const int64_t *ids, size_t n);
/* Polls a feed as soon as the limits allow. 0, or -1 if no such feed. */
int		 sched_poll_now(struct sched *s, int64_t feed_id);
/*
 * --once: polls every feed once, now, without start-up spreading, and
 * calls done(arg, failed) when the last poll has been recorded.
 */
int		 sched_run_once(struct sched *s,
		    void (*done)(void *arg, size_t failed), void *arg);
/*
 * The batch's group was committed (ok) or not: the polls written in it
 * are counted, or their feeds planned for another try (see above).
 */
void		 sched_batch_done(struct sched *s, bool ok);
/*
 * --once: the polls that failed (their feed's URL and why), in the order
 * they ended; valid until sched_free.
 */
struct sched_failure {
	char	*url;
	char	*error;
};
const struct sched_failure *sched_once_failures(const struct sched *s,
		    size_t *ret_n);

/* Where the polls stand now, for the status. */
struct sched_counts {
	size_t	 feeds;		/* in the plan */
	size_t	 in_flight;	/* transfers running */
	size_t	 due;		/* due, waiting for a connection or a host's gap */
	size_t	 storing;	/* fetched, waiting for their group's commit */
	int64_t	 next_due;	/* the earliest due time (Unix s), now when
				   some are due; 0: nothing planned */
	unsigned store_failures;	/* failed commits in a row */
	int64_t	 store_retry_s;	/* the step after the last one (0: none) */
};

void		 sched_counts(const struct sched *s, struct sched_counts *ret);
/*
 * Polls a feed now with a response already in hand (taken: discovery
 * fetched it), instead of fetching it again: the feed's first poll after
 * an add. 0, or -1 if there is no such feed (r freed either way).
 */
int		 sched_poll_fetched(struct sched *s, int64_t feed_id,
		    struct fetch_result *r);
/*
 * Content a WebSub hub pushed for a feed (taken), read like a poll's
 * response through the same parse, batch and topics, but not a poll: the
 * feed's plan, validators and record stay as they are, and a body that
 * cannot be read is logged and dropped. When the feed is being polled
 * right now, r is dropped and the feed polled again once that poll ends
 * (which brings the same news). 0, or -1 if there is no such feed.
 */
int		 sched_push(struct sched *s, int64_t feed_id,
		    struct fetch_result *r);
/*
 * The feed's next poll, if it gets an HTML page, looks for the feeds the
 * page announces and reads the first one in its place (the feed moves to
 * it; poll.h). For subscriptions nobody watches: an OPML import, an add
 * that does not wait. 0, or -1 if there is no such feed.
 */
int		 sched_discover_pages(struct sched *s, int64_t feed_id);
/* The discovery those polls use (main.c wires it; NULL: none). */
void		 sched_set_discover(struct sched *s, struct discover *d);
/* Polls parse their bodies on w's thread (worker.h); NULL: on the loop. */
void		 sched_set_worker(struct sched *s, struct worker *w);
/*
 * A slot of url's host for a fetch that is not a poll (discovery's):
 * granted(arg) runs from the loop once the limits allow, under the
 * same max_connections, max_per_host and host_gap as polls, before the
 * host's due polls (someone waits for it). Release every slot, granted
 * or not, once its transfer ended or is not wanted any more.
 */
struct sched_slot *sched_slot_request(struct sched *s, const char *url,
		    void (*granted)(void *arg), void *arg);
void		 sched_slot_release(struct sched_slot *slot);
size_t		 sched_in_flight(const struct sched *s);
/*
 * A feed's next poll as planned now (Unix s; now when due or running).
 * 1 planned, 2 running, 0 not in the plan.
 */
int		 sched_feed_due(const struct sched *s, int64_t feed_id,
		    int64_t *ret_due);
/*
 * Counts into m (metrics.h), once each poll's group is committed:
 * feedd_polls_total{result} (poll_result_label), the poll duration
 * histogram, the bytes fetched and the entries ingested by result.
 */
struct metrics;
void		 sched_set_metrics(struct sched *s, struct metrics *m);
/* Cancels the polls in flight (their feeds keep their stored plan). */
void		 sched_stop(struct sched *s);
void		 sched_free(struct sched *s);

#endif
