/*
 * api_metrics: GET /metrics, the daemon's metrics (metrics.h) in the
 * Prometheus text format. The counters are bumped where things happen
 * (sched, batch, notify, topics, api.c); what is read rather than counted
 * (feeds by state, the database's size, polls running) is set here from
 * the store and the scheduler just before the text is written, as
 * GET /v1/status reads them.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "buf.h"
#include "cluster.h"
#include "feedd.h"
#include "metrics.h"
#include "sched.h"
#include "store.h"
#include "websub.h"
#include "xmalloc.h"

struct api_gauges {
	struct metric	*build;
	struct metric	*started;
	struct metric	*feeds;
	struct metric	*entries;
	struct metric	*topics;
	struct metric	*db_bytes;
	struct metric	*in_flight;
	struct metric	*due;
	struct metric	*storing;
	struct metric	*next_poll;
	struct metric	*store_failing;
	struct metric	*streams;
	/* several workers on one store (cluster.h); NULL without */
	struct metric	*workers;
	struct metric	*cluster_leases;
	struct metric	*own_leases;
};

void
api_metrics_init(struct api *api)
{
	struct metrics *m = api->d->metrics;
	struct api_gauges *g;

	if (m == NULL)
		return;
	g = api->gauges = xcalloc(1, sizeof(*g));
	g->build = metrics_gauge(m, "feedd_build_info", "Always 1; the "
	    "version in a label.", "version");
	g->started = metrics_gauge(m, "feedd_start_time_seconds", "When the "
	    "daemon started, in Unix seconds.", NULL);
	g->feeds = metrics_gauge(m, "feedd_feeds", "Subscribed feeds, by "
	    "state.", "state");
	g->entries = metrics_gauge(m, "feedd_entries", "Entries stored.",
	    NULL);
	g->topics = metrics_gauge(m, "feedd_topics", "Topics followed.",
	    NULL);
	g->db_bytes = metrics_gauge(m, "feedd_database_size_bytes", "Size "
	    "of the database file and its write-ahead log.", NULL);
	g->in_flight = metrics_gauge(m, "feedd_polls_in_flight", "Polls "
	    "whose transfer runs now.", NULL);
	g->due = metrics_gauge(m, "feedd_polls_due", "Polls due, waiting "
	    "for a connection slot or a host's gap.", NULL);
	g->storing = metrics_gauge(m, "feedd_polls_storing", "Polls "
	    "fetched, waiting for their group to be stored.", NULL);
	g->next_poll = metrics_gauge(m, "feedd_next_poll_timestamp_seconds",
	    "When the next poll is due, in Unix seconds (0: none planned).",
	    NULL);
	g->store_failing = metrics_gauge(m, "feedd_store_failing", "1 while "
	    "the database does not take writes (a full disk, say), else 0.",
	    NULL);
	g->streams = metrics_gauge(m, "feedd_stream_clients", "Open "
	    "/v1/stream connections.", NULL);
	if (api->d->cluster == NULL)
		return;
	g->workers = metrics_gauge(m, "feedd_cluster_workers", "Workers "
	    "sharing the database whose heartbeat is younger than a lease.",
	    NULL);
	g->cluster_leases = metrics_gauge(m, "feedd_cluster_leases", "Feeds "
	    "claimed by live workers now (polls running or queued).", NULL);
	g->own_leases = metrics_gauge(m, "feedd_worker_leases", "Feeds this "
	    "worker held at its last heartbeat.", NULL);
}

void
api_metrics_free(struct api_gauges *g)
{
	free(g);
}

/* The gauges, as they are now. */
static void
read_gauges(struct api *api, struct api_gauges *g)
{
	struct feedd *d = api->d;
	struct store_status st;
	struct store_health h;
	struct sched_counts sc;
	int64_t states[STORE_FEED_STATE_MAX];

	metric_set(g->build, 1, FEEDD_VERSION);
	metric_set(g->started, (double)d->started);
	metric_set(g->streams, (double)api_streams_count(api->streams));
	websub_count_states(d->websub);
	if (d->store != NULL) {
		if (store_feed_state_counts(d->store, states) == 0)
			for (int i = 0; i < STORE_FEED_STATE_MAX; i++)
				metric_set(g->feeds, (double)states[i],
				    store_feed_state_name(i));
		if (store_status_get(d->store, &st) == 0) {
			metric_set(g->entries, (double)st.entries);
			metric_set(g->topics, (double)st.topics);
			metric_set(g->db_bytes, (double)st.db_bytes);
		}
		store_health_get(d->store, &h);
		metric_set(g->store_failing, h.failing ? 1 : 0);
	}
	if (d->cluster != NULL) {
		struct cluster_view v;

		if (cluster_view_get(d->cluster, &v) == 0) {
			metric_set(g->workers, (double)v.n);
			metric_set(g->cluster_leases, (double)v.leases);
			cluster_view_clear(&v);
		}
		metric_set(g->own_leases, (double)cluster_leases(d->cluster));
	}
	if (d->sched != NULL) {
		sched_counts(d->sched, &sc);
		metric_set(g->in_flight, (double)sc.in_flight);
		metric_set(g->due, (double)sc.due);
		metric_set(g->storing, (double)sc.storing);
		metric_set(g->next_poll, (double)sc.next_due);
	}
}

void
api_metrics_get(struct api *api, struct evhttp_request *req,
    const char *path)
{
	static const char *const params[] = { NULL };
	struct evkeyvalq q;
	struct buf out;

	if (api_query(req, params, &q) == -1)
		return;
	api_query_clear(&q);
	if (api->gauges != NULL)
		read_gauges(api, api->gauges);
	buf_init(&out);
	metrics_render(api->d->metrics, &out);
	api_reply_raw(req, 200, METRICS_CONTENT_TYPE, out.data, out.len);
	buf_free(&out);
}
