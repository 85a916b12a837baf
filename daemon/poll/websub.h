/*
 * websub: the subscriber side of W3C WebSub. A feed whose poll found a hub
 * (<link rel="hub">, or a Link header) is subscribed to at that hub when
 * public_url is set; the hub then pushes the feed's news to a callback
 * below public_url, and the scheduler polls the feed only as a safety net
 * (SCHED_PUSHED_INTERVAL_S) while the subscription is active.
 *
 * Each subscription has a callback name and a hub.secret of its own, both
 * random (getrandom), kept in the store (store_websub); the secret is
 * never shown, never logged. Requests to hubs go through the daemon's
 * fetch, never blocking.
 *
 * Promises:
 *   - verification of intent: a challenge is echoed only for what we
 *     asked and wait for (the mode we asked, the topic we asked for, a
 *     lease for a subscription); anything else is refused;
 *   - content is taken only for an active subscription whose X-Hub-
 *     Signature (sha1, sha256, sha384, sha512: an HMAC of the body with
 *     its secret) matches, compared in constant time before anything of
 *     the body is read, within max_body_size; it goes to sched_push, the
 *     same parse, store and topics as a poll;
 *   - a lease is renewed when nine tenths of it have passed; a lease that
 *     ends without renewal, a hub that refuses or never verifies, falls
 *     back to polling at the feed's own interval (the feed is polled at
 *     once when a lease lapses), and the hub is asked again after
 *     WEBSUB_RETRY_S;
 *   - a removed feed is unsubscribed (the row is kept until the hub
 *     verified that, or WEBSUB_VERIFY_WAIT_S passed).
 */
#ifndef FEEDD_WEBSUB_H
#define FEEDD_WEBSUB_H

#include <stddef.h>
#include <stdint.h>

/* The lease asked for (hubs grant what they grant). */
#define WEBSUB_LEASE_S		(7 * 86400)
/* How long a hub has to verify what we asked. */
#define WEBSUB_VERIFY_WAIT_S	300
/* How long after a refusal, or a silent hub, the hub is asked again. */
#define WEBSUB_RETRY_S		(6 * 3600)
/* The longest lease taken; a hub that grants more is held to this. */
#define WEBSUB_MAX_LEASE_S	(365 * 86400)

struct event_base;
struct fetch;
struct metrics;
struct sched;
struct store;
struct websub;

/* public_url: the base of the callbacks, ending in '/'; NULL: none. */
struct websub	*websub_new(struct event_base *base, struct store *store,
		    struct fetch *fetch, struct sched *sched,
		    const char *public_url, uint64_t max_body_size);
/* A reload: a new base for new callbacks, or none (NULL), a new cap. */
void		 websub_reconfigure(struct websub *w, const char *public_url,
		    uint64_t max_body_size);
/*
 * A poll parsed feed_id (at url): the hub and self URL it announced,
 * NULL when none. Subscribes, moves to a new hub or topic, or ends a
 * subscription whose feed no longer announces a hub.
 */
void		 websub_feed_polled(struct websub *w, int64_t feed_id,
		    const char *url, const char *hub, const char *self);
/* Feeds were removed (or added): the removed ones are unsubscribed. */
void		 websub_feeds_changed(struct websub *w);

enum websub_answer {
	WEBSUB_NOT_FOUND,	/* 404: not ours, not asked, bad signature */
	WEBSUB_ECHO,		/* 200 with the challenge as the body */
	WEBSUB_OK,		/* 200, no body (a denial heard) */
	WEBSUB_ACCEPTED,	/* 202: content taken */
};

/*
 * A hub's GET on callback name: hub.mode, hub.topic, hub.challenge,
 * hub.lease_seconds and hub.reason as they came (NULL when absent).
 */
enum websub_answer websub_verify(struct websub *w, const char *callback,
		    const char *mode, const char *topic, const char *challenge,
		    const char *lease, const char *reason);
/*
 * A hub's POST on callback name: the X-Hub-Signature header (or NULL),
 * the Content-Type, the body.
 */
enum websub_answer websub_deliver(struct websub *w, const char *callback,
		    const char *signature, const char *content_type,
		    const char *body, size_t len);
/*
 * Counts pushes, verifications and subscriptions by state in m (the
 * feedd_websub_* series of /metrics).
 */
void		 websub_set_metrics(struct websub *w, struct metrics *m);
/* Sets feedd_websub_subscriptions to the store's counts (a scrape). */
void		 websub_count_states(struct websub *w);
/* Cancels the requests in flight (their rows stay as they are). */
void		 websub_free(struct websub *w);

#endif
