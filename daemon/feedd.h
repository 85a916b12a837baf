/*
 * feedd: the daemon's shared state, built by main.c and lent to the modules
 * that serve requests (api) and run polls (sched). One per process; nothing
 * here is global so tests can build their own.
 */
#ifndef FEEDD_FEEDD_H
#define FEEDD_FEEDD_H

#include <stdbool.h>
#include <time.h>

struct api;
struct api_auth;
struct cluster;
struct config;
struct discover;
struct event_base;
struct hooks;
struct metrics;
struct sched;
struct store;
struct topics;
struct websub;

struct feedd {
	struct config	*cfg;
	struct event_base *base;
	struct store	*store;
	struct sched	*sched;
	/* discover.c: the feeds behind a page; NULL with --once */
	struct discover	*discover;
	struct api	*api;
	struct api_auth	*auth;		/* api_auth.c: tokens for TCP */
	struct topics	*topics;	/* topics.c; NULL until wired */
	struct hooks	*hooks;		/* hook.c: runs, failures; or NULL */
	struct metrics	*metrics;	/* metrics.h: what GET /metrics shows */
	struct websub	*websub;	/* websub.h: WebSub callbacks; or NULL */
	/* cluster.h: this worker among others on a shared store; or NULL */
	struct cluster	*cluster;
	time_t		 started;
	bool		 once;		/* --once: poll all, then exit */
	/*
	 * Feeds were added, removed or re-filed in the store: the one call
	 * the API and a reload make, so that the scheduler's feed list and
	 * the topics' feed subsets follow alike (main.c wires it).
	 */
	void		(*feeds_changed)(struct feedd *d);
};

#endif
