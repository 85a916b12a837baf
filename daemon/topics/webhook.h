/*
 * webhook: the alerts of URL hooks ([hook] sections with a url), sent
 * from the event loop through the daemon's fetch (the libcurl multi of
 * the polls: no thread, nothing that blocks).
 *
 * Promises:
 *   - webhooks_record(), called inside the transaction that records a
 *     topic's matches, stores their alert (one per match, or one for all
 *     in batch mode) in that transaction: an alert exists exactly when
 *     its matches do, and a restart loses none;
 *   - each hook sends its alerts one at a time, oldest first, so they
 *     arrive in order; a hook's slow or failing receiver holds up that
 *     hook alone, never polls or other hooks, and a transfer takes at
 *     most the hook's timeout (with the caps on bodies and speed that
 *     polls have);
 *   - delivery is at least once: an alert leaves the store when its
 *     receiver answered 2xx. A 5xx, a 429 (after its Retry-After) or a
 *     network error or timeout is retried with exponential backoff
 *     (WEBHOOK_RETRY_MIN_S doubling up to WEBHOOK_RETRY_MAX_S, +-10%)
 *     until WEBHOOK_GIVE_UP_S after the alert was made, then given up;
 *     any other answer (4xx, a redirect, which is never followed) gives
 *     it up at once. Every attempt of an alert carries the same key;
 *   - each outcome is told to the on_event callback (hook.c counts them);
 *   - a hook's secrets never reach the log: URLs are shown redacted,
 *     headers never, a receiver's answer scrubbed (webhook_scrub).
 */
#ifndef FEEDD_WEBHOOK_H
#define FEEDD_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fetch.h"

#define WEBHOOK_RETRY_MIN_S	2
#define WEBHOOK_RETRY_MAX_S	600
#define WEBHOOK_GIVE_UP_S	3600
/* Alerts one hook may have waiting; beyond, new ones are dropped. */
#define WEBHOOK_PENDING_MAX	10000
/* Of a receiver's answer: kept for hook tests, and for the log. */
#define WEBHOOK_ANSWER_MAX	4096
#define WEBHOOK_ANSWER_LOG	200

struct config;
struct config_hook;
struct event_base;
struct store;
struct webhooks;

enum webhook_event {
	WEBHOOK_QUEUED,		/* n alerts stored (or found at start-up) */
	WEBHOOK_SENT,		/* an alert delivered */
	WEBHOOK_RETRY,		/* an attempt failed; tried again later */
	WEBHOOK_GAVE_UP,	/* n alerts left the store undelivered */
	WEBHOOK_DROPPED,	/* an alert never stored: the queue was full */
};

struct webhooks_callbacks {
	/* topic NULL when n alerts of several topics are meant; why: NULL
	 * for QUEUED and SENT. */
	void	(*on_event)(void *arg, const char *hook, const char *topic,
		    enum webhook_event ev, size_t n, const char *why);
	void	*arg;
};

struct webhooks	*webhooks_new(struct event_base *base,
		    struct store *store, struct fetch *fetch,
		    const struct webhooks_callbacks *cb);
/*
 * The configuration in force (start-up and each reload; it must live
 * until the next call): its URL hooks send, others wait. The first call
 * counts the alerts a previous run left; each drops those of hooks no
 * longer declared that are past WEBHOOK_GIVE_UP_S.
 */
void		 webhooks_set_config(struct webhooks *w,
		    const struct config *cfg);
/*
 * Inside the transaction that records them: the alert of topic's new
 * matches entries (an array of the API's entry objects) for h.
 * 0, or -1 (logged; nothing stored for it).
 */
int		 webhooks_record(struct webhooks *w,
		    const struct config_hook *h, const char *topic,
		    json_t *entries);
/* After that transaction: sends what it stored (ok), or forgets it. */
void		 webhooks_committed(struct webhooks *w, bool ok);
/*
 * Alerts may wait that this process did not store (another worker's,
 * on a shared store): every hook looks. On a shared store a hook sends
 * only while this worker holds it (store_claim_hook), for
 * feedd.conf's lease, renewed with the worker's heartbeat.
 */
void		 webhooks_wake(struct webhooks *w);

/* A hook's sending now: an alert in flight, or when the next is due. */
struct webhooks_state {
	bool		 sending;
	int64_t		 next_try;	/* Unix seconds; 0: none planned */
};
bool		 webhooks_state(const struct webhooks *w, const char *hook,
		    struct webhooks_state *ret);
/*
 * --once: runs the loop until no alert is in flight (those due later
 * wait for the next run), at most max_s seconds.
 */
void		 webhooks_drain(struct webhooks *w, int64_t max_s);

/* ---- a test alert (feedctl hook test) ---- */

struct webhook_test_result {
	bool		 ok;		/* delivered (2xx) */
	long		 http_code;	/* 0: no answer */
	const char	*error;		/* NULL when ok */
	const char	*answer;	/* scrubbed, at most WEBHOOK_ANSWER_MAX */
	const char	*content_type;
	double		 time_s;
};

typedef void	 webhook_test_fn(void *arg,
		    const struct webhook_test_result *r);
struct webhook_test;

/*
 * Sends h a sample alert outside its queue (not counted); fn(arg) gets
 * the outcome from the loop, once, unless cancelled. NULL when a test of
 * h is still under way.
 */
struct webhook_test *webhooks_test(struct webhooks *w,
		    const struct config_hook *h, webhook_test_fn *fn,
		    void *arg);
void		 webhooks_test_cancel(struct webhook_test *t);

/* Stops what is in flight (alerts stay stored; tests hear "shutting
 * down"); w may be NULL. */
void		 webhooks_free(struct webhooks *w);

/* ---- the rules, for tests ---- */

enum webhook_verdict {
	WEBHOOK_DELIVERED,
	WEBHOOK_RETRYABLE,
	WEBHOOK_REFUSED,
};

/* What a transfer's outcome means for its alert. */
enum webhook_verdict webhook_verdict(enum fetch_status status,
		    long http_code);
/*
 * When to try again an alert made at created that failed attempts times
 * (the last just now), given the answer's Retry-After (-1: none) and
 * jitter in [0, 1): a time, or -1 to give up.
 */
int64_t		 webhook_retry_at(int64_t now, int64_t created,
		    int64_t attempts, int64_t retry_after_s, double jitter);

#endif
