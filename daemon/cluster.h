/*
 * cluster: this worker among the others that share its PostgreSQL store
 * (store.h, "several workers"). Made only for a shared store.
 *
 * Promises:
 *   - the worker is named (feedd.conf's worker_name, else HOSTNAME/PID)
 *     in the store before any claim;
 *   - every lease_s / 3 a heartbeat tells the store the worker is alive
 *     and renews every lease it holds, so a lease runs out only lease_s
 *     after the worker stopped (died, hung, or lost the database);
 *   - what other workers commit is heard on a connection of its own
 *     (LISTEN) and told to changed() from the event loop, at once; a lost
 *     connection is opened again at the next heartbeat, and then
 *     changed() is told everything, since something may have been missed;
 *   - cluster_free leaves cleanly: the leases still held are released at
 *     once, so other workers need not wait for them to run out.
 */
#ifndef FEEDD_CLUSTER_H
#define FEEDD_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

struct cluster;
struct event_base;
struct store;
struct store_worker;

struct cluster_callbacks {
	/* Other workers changed what (STORE_CHANGED_* bits). */
	void	(*changed)(void *arg, unsigned what);
	void	*arg;
};

/* name NULL: HOSTNAME/PID. NULL on error (logged). */
struct cluster	*cluster_new(struct event_base *base, struct store *store,
		    const char *name, int64_t lease_s,
		    const struct cluster_callbacks *cb);
/* A reload: the new lease, from the next heartbeat on. */
void		 cluster_set_lease(struct cluster *c, int64_t lease_s);
/* This worker recorded a poll (counted in its heartbeat). */
void		 cluster_polled(struct cluster *c);
const char	*cluster_name(const struct cluster *c);
int64_t		 cluster_lease(const struct cluster *c);
/* Feeds this worker held at its last heartbeat. */
int64_t		 cluster_leases(const struct cluster *c);

/*
 * The workers alive (a heartbeat younger than a lease: one that stopped
 * beating has lost its leases by then), by name, and the feeds they hold
 * in all: what /v1/status and /metrics show. 0 / -1 (logged by the store).
 */
struct cluster_view {
	struct store_worker	*workers;
	size_t			 n;
	int64_t			 leases;
};
int		 cluster_view_get(struct cluster *c, struct cluster_view *ret);
void		 cluster_view_clear(struct cluster_view *v);
void		 cluster_free(struct cluster *c);

#endif
