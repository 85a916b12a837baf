/*
 * cluster: this worker's heartbeat and what it hears of the others
 * (cluster.h).
 */
#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "cluster.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

struct cluster {
	struct event_base *base;
	struct store	*store;
	struct store_worker me;
	int64_t		 lease_s;
	int64_t		 leases;	/* held at the last heartbeat */
	struct event	*beat;
	struct event	*hear;		/* the listening socket, or NULL */
	bool		 beat_failed;	/* the last heartbeat failed */
	struct cluster_callbacks cb;
};

static void	on_beat(evutil_socket_t fd, short what, void *arg);

static void
tell(struct cluster *c, unsigned what)
{
	if (what != 0 && c->cb.changed != NULL)
		c->cb.changed(c->cb.arg, what);
}

static void
hear_close(struct cluster *c)
{
	if (c->hear != NULL)
		event_free(c->hear);
	c->hear = NULL;
	store_listen_close(c->store);
}

static void
on_hear(evutil_socket_t fd, short what, void *arg)
{
	struct cluster *c = arg;
	int bits;

	if ((bits = store_listen_read(c->store)) == -1) {
		/* Opened again at the next heartbeat. */
		hear_close(c);
		return;
	}
	tell(c, (unsigned)bits);
}

static void
hear_open(struct cluster *c)
{
	int fd;

	if ((fd = store_listen_open(c->store)) == -1)
		return;
	c->hear = event_new(c->base, fd, EV_READ | EV_PERSIST, on_hear, c);
	if (c->hear == NULL || event_add(c->hear, NULL) == -1) {
		log_warnx("cluster: cannot watch the listening connection");
		hear_close(c);
	}
}

static void
beat_arm(struct cluster *c)
{
	int64_t ms = c->lease_s * 1000 / 3;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(c->beat, &tv);
}

static void
on_beat(evutil_socket_t fd, short what, void *arg)
{
	struct cluster *c = arg;
	bool reopened = false;

	if (c->hear == NULL) {
		hear_open(c);
		reopened = c->hear != NULL;
	}
	if (store_worker_beat(c->store, &c->me, c->lease_s, &c->leases) ==
	    -1) {
		if (!c->beat_failed)
			log_warnx("cluster: worker '%s': the heartbeat failed; "
			    "its leases run out %lld s after the last one "
			    "that worked", c->me.name, (long long)c->lease_s);
		c->beat_failed = true;
	} else if (c->beat_failed) {
		log_info("cluster: worker '%s': heartbeats work again",
		    c->me.name);
		c->beat_failed = false;
	}
	/* What others did while we could not hear them. */
	if (reopened && what != 0)
		tell(c, STORE_CHANGED_FEEDS | STORE_CHANGED_ENTRIES |
		    STORE_CHANGED_ALERTS | STORE_CHANGED_TOPICS);
	beat_arm(c);
}

/*
 * Two processes under one name would take each other's leases for their
 * own. A live worker of our name that is not us stops us, unless it is
 * a process of this machine that no longer runs (our predecessor, killed
 * before it could leave): its leases are ours to take over.
 */
static int
name_free(struct cluster *c)
{
	struct store_worker *w;
	size_t n;
	int rc = 0;

	if (store_worker_list(c->store, c->lease_s, &w, &n) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(w[i].name, c->me.name) != 0 ||
		    (strcmp(w[i].host, c->me.host) == 0 &&
		    (w[i].pid == c->me.pid ||
		    (kill((pid_t)w[i].pid, 0) == -1 && errno == ESRCH))))
			continue;
		log_errx("cluster: a worker named '%s' is alive (on %s, pid "
		    "%lld, seen %lld s ago): give each feedd its own "
		    "worker_name", c->me.name, w[i].host, (long long)w[i].pid,
		    (long long)((int64_t)time(NULL) - w[i].seen));
		rc = -1;
	}
	store_worker_list_free(w, n);
	return rc;
}

struct cluster *
cluster_new(struct event_base *base, struct store *store, const char *name,
    int64_t lease_s, const struct cluster_callbacks *cb)
{
	struct cluster *c = xcalloc(1, sizeof(*c));
	char host[256];

	c->base = base;
	c->store = store;
	c->lease_s = lease_s;
	if (cb != NULL)
		c->cb = *cb;
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	c->me.host = xstrdup(host);
	c->me.pid = (int64_t)getpid();
	c->me.started = (int64_t)time(NULL);
	c->me.name = name != NULL ? xstrdup(name) :
	    xasprintf("%s/%lld", host, (long long)c->me.pid);
	store_set_worker(store, c->me.name);
	if (name_free(c) == -1) {
		cluster_free(c);
		return NULL;
	}
	if ((c->beat = evtimer_new(base, on_beat, c)) == NULL) {
		log_warnx("cluster: cannot create the heartbeat timer");
		cluster_free(c);
		return NULL;
	}
	/* Alive and listening before the first claim. */
	on_beat(-1, 0, c);
	log_info("cluster: worker '%s' on %s, leases of %lld s",
	    c->me.name, store_path(store), (long long)lease_s);
	return c;
}

void
cluster_set_lease(struct cluster *c, int64_t lease_s)
{
	if (c != NULL)
		c->lease_s = lease_s;
}

void
cluster_polled(struct cluster *c)
{
	if (c != NULL)
		c->me.polls++;
}

const char *
cluster_name(const struct cluster *c)
{
	return c->me.name;
}

int64_t
cluster_lease(const struct cluster *c)
{
	return c->lease_s;
}

int64_t
cluster_leases(const struct cluster *c)
{
	return c->leases;
}

void
cluster_free(struct cluster *c)
{
	if (c == NULL)
		return;
	hear_close(c);
	if (c->beat != NULL) {
		event_free(c->beat);
		if (store_worker_leave(c->store) == 0)
			log_info("cluster: worker '%s' left", c->me.name);
	}
	free(c->me.name);
	free(c->me.host);
	free(c);
}

int
cluster_view_get(struct cluster *c, struct cluster_view *ret)
{
	memset(ret, 0, sizeof(*ret));
	if (store_worker_list(c->store, c->lease_s, &ret->workers,
	    &ret->n) == -1)
		return -1;
	for (size_t i = 0; i < ret->n; i++)
		ret->leases += ret->workers[i].leases;
	return 0;
}

void
cluster_view_clear(struct cluster_view *v)
{
	store_worker_list_free(v->workers, v->n);
	memset(v, 0, sizeof(*v));
}
