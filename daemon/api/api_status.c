/*
 * api_status: GET /v1/status, what the daemon is and how it is doing.
 */
#include <sys/types.h>

#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "cluster.h"
#include "config.h"
#include "feedd.h"
#include "model_json.h"
#include "sched.h"
#include "store.h"

/* Several workers on one store: this one, and those alive (cluster.h). */
static json_t *
cluster_json(struct feedd *d)
{
	struct cluster_view v;
	struct store_worker *w;
	json_t *doc, *list;

	if (cluster_view_get(d->cluster, &v) == -1)
		return json_null();
	w = v.workers;
	list = json_array();
	for (size_t i = 0; i < v.n; i++) {
		json_array_append_new(list, json_pack("{s:s,s:s,s:I,s:o,s:o,"
		    "s:I,s:I}", "name", w[i].name, "host", w[i].host,
		    "pid", (json_int_t)w[i].pid,
		    "started", model_json_time(w[i].started),
		    "last_seen", model_json_time(w[i].seen),
		    "leases", (json_int_t)w[i].leases,
		    "polls", (json_int_t)w[i].polls));
	}
	doc = json_pack("{s:s,s:I,s:I,s:I,s:o}",
	    "worker", cluster_name(d->cluster),
	    "lease_s", (json_int_t)cluster_lease(d->cluster),
	    "workers_alive", (json_int_t)v.n,
	    "leases_held", (json_int_t)v.leases,
	    "workers", list);
	cluster_view_clear(&v);
	return doc;
}

void
api_status_get(struct api *api, struct evhttp_request *req, const char *path)
{
	static const char *const params[] = { NULL };
	struct feedd *d = api->d;
	struct store_status st;
	struct store_health h;
	struct sched_counts sc = { 0 };
	struct evkeyvalq q;
	json_t *doc;
	time_t now = time(NULL);

	if (api_query(req, params, &q) == -1)
		return;
	api_query_clear(&q);
	doc = json_object();
	json_object_set_new(doc, "version", json_string(FEEDD_VERSION));
	json_object_set_new(doc, "pid", json_integer((json_int_t)getpid()));
	json_object_set_new(doc, "uptime",
	    json_integer((json_int_t)(now - d->started)));
	json_object_set_new(doc, "started", model_json_time(d->started));
	json_object_set_new(doc, "database",
	    model_json_str(store_path(d->store)));
	json_object_set_new(doc, "config", model_json_str(d->cfg->path));
	json_object_set_new(doc, "feeds_configured",
	    json_integer((json_int_t)d->cfg->nfeeds));
	json_object_set_new(doc, "topics_configured",
	    json_integer((json_int_t)d->cfg->ntopics));
	if (d->sched != NULL)
		sched_counts(d->sched, &sc);
	json_object_set_new(doc, "polls_in_flight", d->sched != NULL ?
	    json_integer((json_int_t)sc.in_flight) : json_null());
	json_object_set_new(doc, "polls_due", d->sched != NULL ?
	    json_integer((json_int_t)sc.due) : json_null());
	json_object_set_new(doc, "polls_storing", d->sched != NULL ?
	    json_integer((json_int_t)sc.storing) : json_null());
	json_object_set_new(doc, "streams",
	    json_integer((json_int_t)api_streams_count(api->streams)));
	if (d->store != NULL && store_status_get(d->store, &st) == 0) {
		json_object_set_new(doc, "db_size", json_integer(st.db_bytes));
		json_object_set_new(doc, "feeds", json_integer(st.feeds));
		json_object_set_new(doc, "feeds_new",
		    json_integer(st.feeds_new));
		json_object_set_new(doc, "feeds_backing_off",
		    json_integer(st.feeds_backing_off));
		json_object_set_new(doc, "feeds_failing",
		    json_integer(st.feeds_failing));
		json_object_set_new(doc, "entries", json_integer(st.entries));
		json_object_set_new(doc, "topics", json_integer(st.topics));
		json_object_set_new(doc, "last_entry_id",
		    json_integer(st.last_entry_id));
		/* The plan in memory: the scheduler plans every poll. */
		json_object_set_new(doc, "next_poll", d->sched != NULL ?
		    model_json_time(sc.next_due) : json_null());
	} else {
		/* Still starting, or the database failed: say so, don't 500. */
		json_object_set_new(doc, "db_size", json_integer(0));
		json_object_set_new(doc, "store", json_string(d->store ==
		    NULL ? "not open" : "error"));
	}
	if (d->store != NULL) {
		store_health_get(d->store, &h);
		json_object_set_new(doc, "store_failing",
		    json_boolean(h.failing));
		json_object_set_new(doc, "store_error", h.failing ?
		    json_string(h.error) : json_null());
		json_object_set_new(doc, "store_failing_since",
		    model_json_time(h.since));
		/* Polls the database lost are tried again after this. */
		json_object_set_new(doc, "store_retry_in", d->sched != NULL &&
		    sc.store_retry_s > 0 ? json_integer(sc.store_retry_s) :
		    json_null());
	}
	if (d->cluster != NULL)
		json_object_set_new(doc, "cluster", cluster_json(d));
	api_reply(req, 200, doc);
}

void
api_health_get(struct api *api, struct evhttp_request *req, const char *path)
{
	struct feedd *d = api->d;
	struct store_health h;

	/* Answered from the loop: that it comes at all says the loop turns. */
	if (d->store == NULL || d->sched == NULL) {
		api_reply_error(req, 503, "starting", "feedd is starting");
		return;
	}
	store_health_get(d->store, &h);
	if (h.failing) {
		api_reply_error(req, 503, "store_failing", "the database does "
		    "not take writes (for %lld s): %s", (long long)
		    (time(NULL) - h.since), h.error);
		return;
	}
	api_reply(req, 200, json_pack("{s:s}", "status", "ok"));
}
