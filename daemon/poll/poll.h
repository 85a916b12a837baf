/*
 * poll: one poll of one feed, start to finish: conditional GET (fetch),
 * parse (feed.h), store the entries (store_ingest). It decides nothing about
 * timing and writes no poll record: it reports an outcome, and the scheduler
 * plans the next poll and records both in one store_feed_poll_done() call.
 * With a batch, storing and reporting happen when the batch writes, inside
 * its transaction (batch.h); without one, as soon as the body is parsed.
 *
 * Promises: a 304, or a 200 whose body hashes as last time, costs no parse
 * and no entry writes; an HTML page or a challenge where a feed was expected
 * is reported as blocked, not as a parse error; entries read before a
 * document went bad are still stored.
 */
#ifndef FEEDD_POLL_H
#define FEEDD_POLL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fetch.h"
#include "store.h"

struct poll;

enum poll_result {
	POLL_NEW,		/* parsed and stored (maybe 0 new entries) */
	POLL_NOT_MODIFIED,	/* 304 */
	POLL_UNCHANGED,		/* 200 with the same body as last time */
	POLL_FAILED,		/* see error and state */
};

struct poll_outcome {
	enum poll_result result;
	enum fetch_status fetch_status;
	long		 http_code;
	const char	*error;		/* NULL unless POLL_FAILED */
	/* On failure: what the feed is now (backing_off, gone, blocked). */
	enum store_feed_state fail_state;
	/* Validators to store: "" clears, NULL keeps (304, failures). */
	const char	*etag;
	const char	*last_modified;
	const char	*body_hash;	/* NULL keeps */
	const char	*permanent_url;	/* a 301/308 chain's target, or NULL */
	/* The feed a page announced, read in its place (poll_options). */
	const char	*moved_to;
	int64_t		 retry_after_s;	/* -1 when absent */
	int64_t		 max_age_s;	/* -1 when absent */
	int64_t		 expires_s;	/* -1 when absent */
	int64_t		 ttl_s;		/* document hints, 0 when absent */
	int64_t		 update_period_s;
	/*
	 * A body was parsed: what the parser mended to read it (kinds of
	 * repair, and their lines joined by "; ", NULL when none).
	 */
	bool		 parsed;
	int64_t		 repairs;
	const char	*repair_note;
	/*
	 * WebSub discovery (a parsed 200 only): the hub and the feed's own
	 * URL it announced, the Link header first, then the document; NULL
	 * when it announced none.
	 */
	const char	*hub;
	const char	*self;
	/* Content a hub pushed (poll_options.pushed), not a poll. */
	bool		 pushed;
	/* Entries dated within the last week; -1 if no entry had a date. */
	int64_t		 week_entries;
	int64_t		 bytes;
	int64_t		 duration_ms;
	int64_t		 started;
	/* New entry ids, ascending. */
	const int64_t	*new_ids;
	size_t		 new_count;
	size_t		 updated_count;		/* changed in place */
	size_t		 duplicate_count;	/* repeats, reissues included */
	/*
	 * The store failed to take the entries (POLL_FAILED): the database's
	 * fault, not the feed's, and the poll is worth trying again soon.
	 */
	bool		 store_failed;
};

/*
 * What happened, in one word, for metrics and logs: "ok" (parsed),
 * "not_modified", "unchanged", "http_4xx", "http_5xx", "http_other",
 * "network_error", "timeout", "too_large", "redirect_error", "bad_url",
 * "blocked" (a bot wall, or HTML where a feed was expected),
 * "parse_error", "store_error" or "cancelled".
 */
const char	*poll_result_label(const struct poll_outcome *o);
/* Every label poll_result_label gives but "cancelled", NULL-terminated. */
extern const char *const poll_result_labels[];

typedef void	poll_done_cb(const struct poll_outcome *o, void *arg);

struct batch;
struct discover;
struct event_base;
struct worker;

struct poll_options {
	/*
	 * The response to read instead of fetching (taken: the poll frees
	 * it), as discovery fetched it; read from base's loop.
	 */
	struct fetch_result *prefetched;
	struct event_base *base;
	/*
	 * Not NULL: an HTML page where the feed was expected is searched
	 * for the feeds it announces (discover.h); the first one found is
	 * read in its place and named in the outcome's moved_to.
	 */
	struct discover	*discover;
	/*
	 * prefetched is content a WebSub hub pushed, maybe only the new
	 * items: it keeps the stored validators and body hash (the next
	 * poll still compares with the last polled document), tells nothing
	 * of how often the feed publishes and announces no hub.
	 */
	bool		 pushed;
	/* Nothing else waits for the feed's host: fetch_request's. */
	bool		 last_to_host;
	/* The transfer may wait for a connection: fetch_request's. */
	bool		 may_wait;
	/*
	 * Not NULL: a response in hand (prefetched) is parsed on this
	 * worker's thread (worker.h) while the loop goes on. One fetched is
	 * parsed on the fetch's digest thread whatever this says (fetch.h).
	 * The transfer's slot is given back (the fetched callback) once the
	 * body is parsed.
	 */
	struct worker	*worker;
};

/*
 * Starts polling feed (its url, validators and body hash are copied);
 * opts may be NULL. cb runs once from the event loop (from the batch's
 * write, if batch is not NULL), unless poll_cancel() comes first.
 * fetched(arg), if not NULL, runs first, once the network is not needed
 * any more (the transfer ended and the poll waits for its batch, or a
 * page's discovery took over, whose fetches take slots of their own);
 * without a batch it may not run.
 */
struct poll	*poll_start(struct fetch *fetch, struct store *store,
		    struct batch *batch, const struct store_feed *feed,
		    const struct poll_options *opts,
		    void (*fetched)(void *arg), poll_done_cb *cb, void *arg);
void		 poll_cancel(struct poll *p);

/* True if a body that should be a feed is an HTML page. */
bool		 poll_looks_like_html(const char *body, size_t len);

#endif
