/*
 * discover: the feed behind an address, when the address is a web page.
 *
 * A job fetches the URL (or takes the page a poll already fetched). A
 * feed, or anything that is not an HTML page, ends it at once. An HTML
 * page is searched (feedlinks.h) for, in turn: the feeds its <link
 * rel="alternate"> elements announce; else its <a> links to feed-like
 * targets; else the usual paths on its site (/feed, /rss, /atom.xml,
 * /index.xml, /feed.xml, /rss.xml, one at a time until one is a feed).
 * Every candidate is fetched and parsed: only feeds are kept, a feed
 * found twice (by its URL after redirects, or by its entries: an RSS and
 * an Atom of the same posts) once, comments feeds after the others.
 *
 * Politeness is the polls': every fetch waits for a slot of its host
 * under the scheduler's limits (max_connections, max_per_host, host_gap,
 * through struct discover_slots), and the fetch options (timeouts,
 * max_body_size) are the same. A job probes at most DISCOVER_MAX_PROBES
 * candidates and ends within DISCOVER_MAX_S with what it has; at most
 * DISCOVER_MAX_JOBS run at once. Nothing blocks the loop: pages are read
 * (gumbo) and candidates parsed as their transfers end. file:// URLs are
 * never discovered.
 *
 * The response of the feed a job settles on (the URL itself, or the
 * first candidate) is kept, so that subscribing to it needs no second
 * fetch: sched_poll_fetched() makes it the feed's first poll.
 */
#ifndef FEEDD_DISCOVER_H
#define FEEDD_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feed.h"

#define DISCOVER_MAX_S		25
#define DISCOVER_MAX_PROBES	16
#define DISCOVER_MAX_JOBS	32

struct discover;
struct discover_job;
struct event_base;
struct fetch;
struct fetch_result;

/*
 * Host slots, lent by the scheduler (sched_slot_request/_release): a
 * request's granted(arg) runs from the loop once the URL's host has room;
 * every slot, granted or not, is given back with release.
 */
struct discover_slots {
	void	*(*request)(void *ctx, const char *url,
		    void (*granted)(void *arg), void *arg);
	void	 (*release)(void *ctx, void *slot);
	void	*ctx;
};

enum discover_kind {
	DISCOVER_FEED,		/* the URL answered with a feed */
	DISCOVER_NOT_FEED,	/* an answer that is neither feed nor page */
	DISCOVER_PAGE,		/* an HTML page: candidates (maybe none) */
	DISCOVER_FAILED,	/* no answer in time, or cancelled */
};

struct discover_candidate {
	char	*url;		/* as announced (absolute) */
	char	*title;		/* the page's name for it, else the feed's */
	char	*feed_title;	/* the document's own title */
	enum feed_format format;
	size_t	 entries;
	const char *via;	/* "self", "link", "a", "guess" */
	bool	 comments;	/* a comments feed (feedlinks_comments) */
};

struct discover_result {
	enum discover_kind kind;
	const char *url;	/* the URL asked about */
	/*
	 * NOT_FEED: what was wrong (the fetch's error, or the parser's);
	 * PAGE without candidates: what was tried; FAILED: why.
	 */
	const char *error;
	const char *page_title;	/* PAGE: the page's <title>, or NULL */
	/* FEED: the URL itself; PAGE: what was found, primaries first. */
	struct discover_candidate *candidates;
	size_t	 ncandidates;
	size_t	 primaries;	/* how many are not comments feeds */
	/*
	 * The response of the URL (FEED, NOT_FEED) or of candidates[0]
	 * (PAGE): the callback may take it (set it to NULL) and then owns
	 * it (fetch_result_free).
	 */
	struct fetch_result *fetched;
	bool	 cancelled;	/* FAILED by discover_free (shutting down) */
};

typedef void	discover_done_cb(struct discover_result *r, void *arg);

struct discover	*discover_new(struct event_base *base, struct fetch *fetch,
		    const struct discover_slots *slots);
/*
 * Starts a job on url; cb runs once, from the loop, unless the job is
 * cancelled. page, if not NULL, is url's response already fetched (an
 * HTML page a poll got; copied). NULL when DISCOVER_MAX_JOBS run already.
 */
struct discover_job *discover_start(struct discover *d, const char *url,
		    const struct fetch_result *page, discover_done_cb *cb,
		    void *arg);
/* Drops a job without its callback. */
void		 discover_cancel(struct discover_job *j);
size_t		 discover_running(const struct discover *d);
/* Ends the jobs still running (their callbacks see cancelled), frees. */
void		 discover_free(struct discover *d);

#endif
