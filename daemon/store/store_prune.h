/*
 * store_prune: retention in the background. A pruner runs store_prune()
 * from the daemon's event loop: one small batch per loop turn while there
 * is work, so polls and API requests interleave with it, then it sleeps
 * for interval_s. Errors are logged by the store and retried next time.
 */
#ifndef FEEDD_STORE_PRUNE_H
#define FEEDD_STORE_PRUNE_H

#include <stdint.h>

#include "store.h"

struct event_base;
struct store_pruner;

/*
 * Starts pruning s under r (copied) on base: first on the next loop turn,
 * then every interval_s (0: one hour). Nothing to do when r has no limit.
 */
struct store_pruner *store_pruner_new(struct event_base *base,
	    struct store *s, const struct store_retention *r,
	    int64_t interval_s);
/* New limits (SIGHUP); the next run starts on the next loop turn. */
void	store_pruner_set(struct store_pruner *p,
	    const struct store_retention *r);
/* Entries pruned since the pruner started. */
uint64_t store_pruner_count(const struct store_pruner *p);
void	store_pruner_free(struct store_pruner *p);

#endif
