/*
 * feedd: wiring only. Parses the command line, loads the configuration,
 * builds the modules around one libevent loop, and handles signals.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "api.h"
#include "api_auth.h"
#include "batch.h"
#include "cluster.h"
#include "config.h"
#include "discover.h"
#include "feedd.h"
#include "hook.h"
#include "fetch.h"
#include "listener.h"
#include "log.h"
#include "metrics.h"
#include "sched.h"
#include "worker.h"
#include "sdglue.h"
#include "store.h"
#include "store_prune.h"
#include "topics.h"
#include "websub.h"
#include "xmalloc.h"

struct options {
	const char	*config;
	const char	*database;
	const char	*socket;
	int		 verbosity;
	bool		 once;
	bool		 check;
};

/* A poll's new entries, told to the streams once their batch commits. */
struct news {
	int64_t		 feed_id;
	int64_t		*ids;
	size_t		 n;
};

struct runtime {
	struct feedd	 d;
	struct options	*opt;
	char		*socket_path;	/* we created it: unlink at exit */
	struct event	*ev_term, *ev_int, *ev_hup;
	int		 exit_code;
	struct fetch	*fetch;		/* sched wiring */
	struct batch	*batch;		/* sched wiring: group commit */
	struct worker	*worker;	/* sched wiring: parses off the loop */
	struct news	*news;		/* topics wiring: the batch's news */
	size_t		 nnews;
	struct store_pruner *pruner;	/* retention, off the hot path */
	struct hooks	*hooks;		/* topics wiring: matches to commands */
};

static void __attribute__((noreturn))
usage(int code)
{
	FILE *f = code == 0 ? stdout : stderr;

	fprintf(f,
	    "usage: feedd [-c FILE] [--once] [-v | -q] [--check-config]\n"
	    "             [--database PATH] [--socket PATH]\n"
	    "       feedd migrate --from PATH.db --to postgresql://...\n"
	    "             [--batch-size N] [--max-batches N] [-q]\n"
	    "\n"
	    "  -c, --config FILE    configuration file (default: %s)\n"
	    "      --database PATH  SQLite database, or a postgresql:// URI,\n"
	    "                       overriding the config\n"
	    "      --socket PATH    API socket, overriding the config\n"
	    "      --once           poll every feed once, store, and exit\n"
	    "      --check-config   validate the configuration and exit 0/1\n"
	    "  -v, --verbose        more logging (repeat for debug)\n"
	    "  -q, --quiet          only warnings and errors\n"
	    "  -V, --version        print the version and exit\n"
	    "  -h, --help           this help\n"
	    "\n"
	    "migrate copies a SQLite store into an empty PostgreSQL database\n"
	    "(run again, it goes on where it stopped), then compares counts.\n",
	    config_default_path());
	exit(code);
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	enum { OPT_DATABASE = 256, OPT_SOCKET, OPT_ONCE, OPT_CHECK };
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "database", required_argument, NULL, OPT_DATABASE },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:vqVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case OPT_DATABASE: o->database = optarg; break;
		case OPT_SOCKET: o->socket = optarg; break;
		case OPT_ONCE: o->once = true; break;
		case OPT_CHECK: o->check = true; break;
		case 'v': o->verbosity++; break;
		case 'q': o->verbosity = -1; break;
		case 'V':
			printf("feedd %s\n", FEEDD_VERSION);
			exit(0);
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (optind != argc)
		usage(2);
	if (o->config == NULL)
		o->config = config_default_path();
}

/*
 * The configuration's check read topic queries as SQLite does; a
 * PostgreSQL database (maybe given by --database) takes fewer. -1 when
 * one is refused (said on stderr).
 */
static int
check_topics_for_store(const struct config *cfg)
{
	char err[512];
	int rc = 0;

	for (size_t i = 0; i < cfg->ntopics; i++)
		if (store_fts_check_query_for(cfg->database,
		    cfg->topics[i].query, err, sizeof(err)) != 0) {
			fprintf(stderr, "feedd: [topic \"%s\"]: '%s' cannot "
			    "be used with this database: %s\n",
			    cfg->topics[i].name, cfg->topics[i].query, err);
			rc = -1;
		}
	return rc;
}

/* Command-line overrides and -v/-q win over the file. */
static struct config *
load_config(const struct options *o)
{
	/* A check may run where the service's secrets are not. */
	struct config *cfg = config_load_flags(o->config, o->check ?
	    CONFIG_SECRETS_OPTIONAL : 0);

	if (cfg == NULL)
		return NULL;
	if (o->database != NULL) {
		free(cfg->database);
		cfg->database = xstrdup(o->database);
	}
	if (o->socket != NULL) {
		free(cfg->socket);
		cfg->socket = xstrdup(o->socket);
	}
	if (o->verbosity < 0)
		cfg->log_level = LOG_LEVEL_WARNING;
	else if (o->verbosity > 0)
		cfg->log_level = cfg->log_level + o->verbosity > LOG_LEVEL_DEBUG ?
		    LOG_LEVEL_DEBUG : cfg->log_level + o->verbosity;
	return cfg;
}

static void
retention_from_config(const struct config *cfg, struct store_retention *r)
{
	memset(r, 0, sizeof(*r));
	r->max_entries_per_feed = cfg->max_entries_per_feed;
	r->max_age_s = cfg->max_age_s;
}

/*
 * Makes the stored subscriptions match the [feed] sections: new ones are
 * added, changed ones updated, removed ones dropped; API feeds stay.
 */
static int
reconcile_feeds(struct feedd *d)
{
	struct store_config_feed *feeds;
	struct store_reconcile_result res;
	int rc;

	feeds = xcalloc(d->cfg->nfeeds + 1, sizeof(*feeds));
	for (size_t i = 0; i < d->cfg->nfeeds; i++) {
		feeds[i].name = d->cfg->feeds[i].name;
		feeds[i].url = d->cfg->feeds[i].url;
		feeds[i].title = d->cfg->feeds[i].title;
		feeds[i].interval_s = d->cfg->feeds[i].interval_s;
		feeds[i].category = d->cfg->feeds[i].category;
	}
	rc = store_feeds_reconcile(d->store, feeds, d->cfg->nfeeds, &res);
	free(feeds);
	if (rc == -1)
		return -1;
	if (res.added != 0 || res.updated != 0 || res.removed != 0)
		log_info("config feeds: %zu added, %zu updated, %zu removed, "
		    "%zu unchanged", res.added, res.updated, res.removed,
		    res.unchanged);
	return 0;
}

/* sched wiring: fetch and sched options from the config. */
static void
sched_wiring_options(const struct config *cfg, struct fetch_options *fo,
    struct sched_options *so)
{
	memset(fo, 0, sizeof(*fo));
	fo->user_agent = cfg->user_agent;
	fo->ca_file = cfg->ca_file;
	fo->max_connections = cfg->max_connections;
	fo->max_per_host = cfg->max_per_host;
	fo->connect_timeout_s = cfg->connect_timeout_s;
	fo->timeout_s = cfg->timeout_s;
	fo->max_body_size = cfg->max_body_size;
	/* A URL hook has an alert and a test in flight at most. */
	fo->extra_connections = 2 * (long)config_url_hooks(cfg);
	memset(so, 0, sizeof(*so));
	so->default_interval_s = cfg->default_interval_s;
	so->min_interval_s = cfg->min_interval_s;
	so->max_interval_s = cfg->max_interval_s;
	so->max_connections = cfg->max_connections;
	so->max_per_host = cfg->max_per_host;
	so->host_gap_ms = cfg->host_gap_s * 1000;
	so->lease_s = cfg->lease_s;
}

/*
 * The scheduler's plan, then the topics' feed subsets (feedd.h). others:
 * another worker changed them (new feeds spread as at start-up).
 */
static void
feeds_reload(struct feedd *d, bool others)
{
	if (d->sched != NULL && (others ?
	    sched_reload_feeds_spread(d->sched) :
	    sched_reload_feeds(d->sched)) == -1)
		log_warnx("the scheduler did not reload the feed list");
	topics_feeds_changed(d->topics);
	websub_feeds_changed(d->websub);
}

static void
feeds_changed(struct feedd *d)
{
	feeds_reload(d, false);
}

/* sched wiring: new limits and intervals. */
static void
sched_wiring_reload(struct runtime *rt)
{
	struct fetch_options fo;
	struct sched_options so;

	sched_wiring_options(rt->d.cfg, &fo, &so);
	if (rt->fetch != NULL)
		fetch_set_options(rt->fetch, &fo);
	if (rt->d.sched != NULL)
		sched_reload_options(rt->d.sched, &so);
	cluster_set_lease(rt->d.cluster, rt->d.cfg->lease_s);
}

/*
 * sched wiring: --once ends when the last feed's poll is recorded. A
 * failed feed makes the exit status 1 (as sfeed_update's), and the
 * failures are listed here: a cron job has no daemon to ask.
 */
static void
sched_wiring_once_done(void *arg, size_t failed)
{
	struct runtime *rt = arg;
	const struct sched_failure *f;
	struct sched_counts sc;
	size_t n;

	if (failed > 0) {
		sched_counts(rt->d.sched, &sc);
		log_warnx("--once: %zu of %zu feeds failed (exit status 1):",
		    failed, sc.feeds);
		f = sched_once_failures(rt->d.sched, &n);
		for (size_t i = 0; i < n; i++)
			log_warnx("--once: '%s': %s", f[i].url, f[i].error);
		rt->exit_code = 1;
	}
	event_base_loopexit(rt->d.base, NULL);
}

static void
on_terminate(evutil_socket_t sig, short what, void *arg)
{
	struct runtime *rt = arg;

	log_info("received %s, shutting down", strsignal((int)sig));
	sdglue_stopping();	/* sd */
	event_base_loopexit(rt->d.base, NULL);
}

static void
on_reload(evutil_socket_t sig, short what, void *arg)
{
	struct runtime *rt = arg;
	struct config *cfg, *old = rt->d.cfg;

	log_info("received SIGHUP, reloading '%s'", rt->opt->config);
	if ((cfg = load_config(rt->opt)) == NULL) {
		log_warnx("reload failed; keeping the running configuration");
		return;
	}
	if (strcmp(cfg->database, old->database) != 0 ||
	    strcmp(cfg->socket, old->socket) != 0)
		log_warnx("reload: database and socket changes take effect "
		    "at the next restart");
	/* Paths stay those in use until restart. */
	free(cfg->database);
	cfg->database = xstrdup(old->database);
	free(cfg->socket);
	cfg->socket = xstrdup(old->socket);
	log_set_level((enum log_level)cfg->log_level);
	rt->d.cfg = cfg;
	/* reload wiring: store reconcile, sched options, topics */
	if (reconcile_feeds(&rt->d) == -1)
		log_warnx("reload: feeds not reconciled; the next reload "
		    "tries again");
	sched_wiring_reload(rt);	/* sched wiring */
	if (rt->d.api != NULL)
		api_reconfigure(rt->d.api);
	if (rt->d.websub != NULL)	/* websub wiring */
		websub_reconfigure(rt->d.websub, cfg->public_url,
		    cfg->max_body_size);
	rt->d.feeds_changed(&rt->d);
	if (rt->pruner != NULL) {
		struct store_retention r;

		retention_from_config(cfg, &r);
		store_pruner_set(rt->pruner, &r);
	}
	if (topics_reconcile(rt->d.topics, cfg) == -1)	/* topics wiring */
		log_warnx("reload: topics not reconciled; the previous ones "
		    "stay in effect");
	hooks_set_config(rt->hooks, cfg);	/* before old goes */
	config_free(old);
	log_info("configuration reloaded: %zu feeds, %zu topics",
	    cfg->nfeeds, cfg->ntopics);
}

/* sd: systemd brackets a SIGHUP reload with RELOADING=1 ... READY=1. */
static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	sdglue_reloading();
	on_reload(sig, what, arg);
	sdglue_ready();
}

/* sd: the counts behind the service manager's STATUS= line. */
static void
sd_counts(struct sdglue_counts *c, void *arg)
{
	struct runtime *rt = arg;

	struct store_status st;
	struct store_health h;
	struct sched_counts sc;

	c->feeds = (int64_t)rt->d.cfg->nfeeds;
	if (rt->d.store != NULL && store_status_get(rt->d.store, &st) == 0) {
		c->feeds = st.feeds;
		c->entries = st.entries;
		c->backing_off = st.feeds_backing_off;
		c->failing = st.feeds_failing;
	}
	if (rt->d.store != NULL) {
		store_health_get(rt->d.store, &h);
		/* Cut to the status line's room; the log has it whole. */
		if (snprintf(c->store_error, sizeof(c->store_error), "%s",
		    h.error) >= (int)sizeof(c->store_error))
			c->store_error[sizeof(c->store_error) - 1] = '\0';
	}
	/* When the next poll is due: the plan in memory. */
	if (rt->d.sched != NULL) {
		sched_counts(rt->d.sched, &sc);
		c->next_poll = (time_t)sc.next_due;
		c->in_flight = (int64_t)(sc.in_flight + sc.storing);
		c->due = (int64_t)sc.due;
	}
}

/*
 * topics wiring: right after each poll's ingest, inside the batch's
 * transaction, the topics note which of them may match; once the whole
 * batch is written they match, in the same transaction, and only after
 * the commit do streams and notify commands hear of anything.
 */
/* A poll was recorded: streams that asked for polls hear of it. */
static void
on_polled(void *arg, int64_t feed_id, const char *error, size_t new_count)
{
	struct runtime *rt = arg;

	api_notify_poll(rt->d.api, feed_id, error, new_count);
	cluster_polled(rt->d.cluster);
}

/*
 * cluster wiring: what other workers committed reaches this one's plan,
 * streams and URL hooks as if it had happened here.
 */
static void
on_cluster_changed(void *arg, unsigned what)
{
	struct runtime *rt = arg;

	if (what & STORE_CHANGED_TOPICS)
		topics_reload(rt->d.topics);
	if (what & STORE_CHANGED_FEEDS)
		feeds_reload(&rt->d, true);
	if ((what & STORE_CHANGED_ENTRIES) && rt->d.api != NULL)
		api_stream_wake(rt->d.api);
	if (what & STORE_CHANGED_ALERTS)
		hooks_wake(rt->hooks);
}

/* websub wiring: a parsed poll's hub, for the subscriptions. */
static void
on_hub(void *arg, int64_t feed_id, const char *url, const char *hub,
    const char *self)
{
	struct runtime *rt = arg;

	websub_feed_polled(rt->d.websub, feed_id, url, hub, self);
}

static void
on_new_entries(void *arg, int64_t feed_id, const int64_t *ids, size_t n)
{
	struct runtime *rt = arg;
	struct news *nw;

	/* The topics noted them as the store indexed them (topics_new). */
	rt->news = xreallocarray(rt->news, rt->nnews + 1, sizeof(*rt->news));
	nw = &rt->news[rt->nnews++];
	nw->feed_id = feed_id;
	nw->ids = xreallocarray(NULL, n, sizeof(*ids));
	memcpy(nw->ids, ids, n * sizeof(*ids));
	nw->n = n;
}

/* topics wiring: a topic's committed matches, to its streams and hook. */
static void
on_topic_matches(void *arg, int64_t topic_id, const char *topic,
    const char *hook, const int64_t *ids, size_t n)
{
	struct runtime *rt = arg;

	if (rt->d.api != NULL)
		api_stream_notify_topic(rt->d.api, topic_id, ids, n);
	hooks_deliver(rt->hooks, hook, topic, ids, n);
	/* sched wiring: burst mode, news breaking in several places */
	if (rt->d.sched != NULL)
		(void)sched_topic_matched(rt->d.sched, topic_id, topic, ids,
		    n);
}

/* topics wiring: inside the batch, a URL hook's alerts are stored. */
static void
on_topic_recorded(void *arg, const char *topic, const char *hook,
    const int64_t *ids, size_t n)
{
	struct runtime *rt = arg;

	hooks_record(rt->hooks, hook, topic, ids, n);
}

static void
on_batch_written(void *arg)
{
	struct runtime *rt = arg;

	topics_match(rt->d.topics);
}

static void
on_batch_committed(void *arg, bool ok)
{
	struct runtime *rt = arg;

	/* sched wiring: count the group's polls, or plan them again. */
	if (rt->d.sched != NULL)
		sched_batch_done(rt->d.sched, ok);
	sdglue_refresh();	/* sd: the status follows the polls */

	for (size_t i = 0; i < rt->nnews; i++) {
		if (ok && rt->d.api != NULL)
			api_stream_notify(rt->d.api, rt->news[i].feed_id,
			    rt->news[i].ids, rt->news[i].n);
		free(rt->news[i].ids);
	}
	rt->nnews = 0;
	topics_deliver(rt->d.topics, ok);
	hooks_committed(rt->hooks, ok);
}

static int
open_listeners(struct runtime *rt)
{
	struct config *cfg = rt->d.cfg;
	char err[512];
	int fd;

	/* sd: a socket passed by systemd is used as it is, never unlinked */
	if ((fd = sdglue_api_fd()) != -1) {
		if (api_listen_fd(rt->d.api, fd) == -1)
			return -1;
		log_info("listening on the socket passed by systemd");
	} else {
		if ((fd = listener_unix(cfg->socket, cfg->socket_group, err,
		    sizeof(err))) == -1) {
			log_errx("%s", err);
			return -1;
		}
		rt->socket_path = xstrdup(cfg->socket);
		if (api_listen_fd(rt->d.api, fd) == -1)
			return -1;
		log_info("listening on %s", cfg->socket);
	}
	if (cfg->listen != NULL) {
		if ((fd = listener_tcp(cfg->listen, cfg->listen_allow_remote,
		    err, sizeof(err))) == -1) {
			log_errx("%s", err);
			return -1;
		}
		if (api_listen_fd(rt->d.api, fd) == -1)
			return -1;
		log_info("listening on %s", cfg->listen);
	}
	return 0;
}

static void
libevent_log_cb(int severity, const char *msg)
{
	if (severity >= EVENT_LOG_ERR)
		log_errx("libevent: %s", msg);
	else if (severity == EVENT_LOG_WARN)
		log_warnx("libevent: %s", msg);
	else
		log_debug("libevent: %s", msg);
}

/* What the daemon serves: the store's feeds and topics, not the file's. */
static void
log_started(struct feedd *d)
{
	struct store_status st;

	if (store_status_get(d->store, &st) == -1) {
		st.feeds = (int64_t)d->cfg->nfeeds;
		st.topics = (int64_t)d->cfg->ntopics;
	}
	log_info("feedd %s started: %lld feeds (%zu from the configuration), "
	    "%lld topics (%zu from the configuration), database %s",
	    FEEDD_VERSION, (long long)st.feeds, d->cfg->nfeeds,
	    (long long)st.topics, d->cfg->ntopics, store_path(d->store));
}

/* discover_slots: the scheduler lends discovery its host slots. */
static void *
slot_request(void *ctx, const char *url, void (*granted)(void *), void *arg)
{
	return sched_slot_request(ctx, url, granted, arg);
}

static void
slot_release(void *ctx, void *slot)
{
	sched_slot_release(slot);
}

static int
run(struct runtime *rt)
{
	struct feedd *d = &rt->d;
	char err[512];

	event_set_log_callback(libevent_log_cb);
	/* Tests: libevent checks every use of an event (and aborts). */
	if (getenv("FEEDD_LIBEVENT_DEBUG") != NULL)
		event_enable_debug_mode();
	if ((d->base = event_base_new()) == NULL) {
		log_errx("cannot create the event loop");
		return 1;
	}
	if (!d->once && sdglue_init(d->base, sd_counts, rt) == -1)	/* sd */
		return 1;
	d->metrics = metrics_new();
	if (!store_is_postgresql(d->cfg->database) &&
	    listener_mkdir_parent(d->cfg->database, 0750, err,
	    sizeof(err)) == -1) {
		log_errx("%s", err);
		return 1;
	}
	/* store wiring */
	if ((d->store = store_open(d->cfg->database, err, sizeof(err))) ==
	    NULL) {
		log_errx("%s", err);
		return 1;
	}
	/* cluster wiring: named and alive before any claim or reconcile */
	if (store_shared(d->store)) {
		struct cluster_callbacks cb = { on_cluster_changed, rt };

		if ((d->cluster = cluster_new(d->base, d->store,
		    d->cfg->worker_name, d->cfg->lease_s, &cb)) == NULL)
			return 1;
	}
	if (reconcile_feeds(d) == -1)
		return 1;
	if (!d->once) {
		struct store_retention r;

		retention_from_config(d->cfg, &r);
		rt->pruner = store_pruner_new(d->base, d->store, &r, 0);
	}

	if (!d->once) {
		/*
		 * Signals first: one that arrives while the socket is being
		 * made waits for the loop instead of killing us with the
		 * socket file left behind.
		 */
		rt->ev_term = evsignal_new(d->base, SIGTERM, on_terminate, rt);
		rt->ev_int = evsignal_new(d->base, SIGINT, on_terminate, rt);
		rt->ev_hup = evsignal_new(d->base, SIGHUP, on_hup, rt);
		event_add(rt->ev_term, NULL);
		event_add(rt->ev_int, NULL);
		event_add(rt->ev_hup, NULL);
		d->auth = api_auth_new(d->base, d->store);
		if ((d->api = api_new(d)) == NULL || open_listeners(rt) == -1)
			return 1;
	}
	/* sched wiring: the fetch polls and URL hooks share */
	{
		struct fetch_options fo;
		struct sched_options so;

		sched_wiring_options(d->cfg, &fo, &so);
		if ((rt->fetch = fetch_new(d->base, &fo)) == NULL)
			return 1;
	}
	/* topics wiring: config topics into the store, back-fill, hooks. */
	{
		struct topics_callbacks cb = { .on_matches = on_topic_matches,
		    .on_recorded = on_topic_recorded, .arg = rt };

		if ((rt->hooks = hooks_new(d->base, d->store,
		    rt->fetch)) == NULL)
			return 1;
		/* Alerts a previous run left go out from here on. */
		hooks_set_config(rt->hooks, d->cfg);
		if ((d->topics = topics_new(d, &cb)) == NULL ||
		    topics_reconcile(d->topics, d->cfg) == -1)
			return 1;
		d->hooks = rt->hooks;	/* the API shows their failures */
		hooks_set_metrics(rt->hooks, d->metrics);
	}
	/* sched wiring */
	{
		struct fetch_options fo;
		struct sched_options so;
		/* topics wiring */
		struct sched_callbacks cb = { on_new_entries, on_polled, rt,
		    on_hub };
		struct batch_hooks bh = { on_batch_written,
		    on_batch_committed, rt };
		/* --once leaves its index as the polls made it. */
		struct batch_options bo = { .tidy = !d->once };

		sched_wiring_options(d->cfg, &fo, &so);
		if ((rt->batch = batch_new(d->base, d->store, &bo,
		    &bh)) == NULL ||
		    (d->sched = sched_new(d->base, d->store, rt->fetch,
		    rt->batch, &so, &cb)) == NULL)
			return 1;
		batch_set_metrics(rt->batch, d->metrics);
		sched_set_metrics(d->sched, d->metrics);
		/* The store's core parses no more: without it, it does. */
		rt->worker = worker_new(d->base);
		sched_set_worker(d->sched, rt->worker);
		if ((d->once ? sched_run_once(d->sched, sched_wiring_once_done,
		    rt) : sched_start(d->sched)) == -1)
			return 1;
		if (!d->once) {
			/* Discovery's fetches take the polls' host slots. */
			struct discover_slots slots = { slot_request,
			    slot_release, d->sched };

			d->discover = discover_new(d->base, rt->fetch, &slots);
			sched_set_discover(d->sched, d->discover);
			/* websub wiring: hubs push through the scheduler. */
			d->websub = websub_new(d->base, d->store, rt->fetch,
			    d->sched, d->cfg->public_url,
			    d->cfg->max_body_size);
			websub_set_metrics(d->websub, d->metrics);
		}
	}
	/* end of sched wiring */

	log_started(d);
	if (!d->once) {
		sdglue_ready();		/* sd: sent from the loop's first turn */
		event_base_dispatch(d->base);
	}
	if (d->once) {		/* sched wiring: until the last poll is done */
		struct store_retention r;

		event_base_dispatch(d->base);
		/* Cron users get retention too: prune before exiting. */
		retention_from_config(d->cfg, &r);
		if (r.max_entries_per_feed > 0 || r.max_age_s > 0)
			while (store_prune(d->store, &r, 0, NULL) == 1)
				;
	}
	return rt->exit_code;
}

static void
teardown(struct runtime *rt)
{
	struct feedd *d = &rt->d;

	/*
	 * Discovery first: its jobs hold host slots of the scheduler, and
	 * tell the polls and requests waiting on them that it stops.
	 */
	discover_free(d->discover);
	d->discover = NULL;
	/* Its requests to hubs go before the fetch; pushes before sched. */
	websub_free(d->websub);
	d->websub = NULL;
	/* sched wiring: polls stop before the store and the loop go. */
	sched_free(d->sched);
	d->sched = NULL;		/* the batch's last word must not reach it */
	worker_free(rt->worker);	/* its polls were cancelled: just freed */
	rt->worker = NULL;
	batch_free(rt->batch);		/* writes what was fetched */
	free(rt->news);
	topics_free(d->topics);		/* topics wiring */
	/*
	 * --once: the matches of this run still get their commands, and
	 * their alerts a try (what fails waits in the store).
	 */
	if (d->once && rt->hooks != NULL)
		hooks_drain(rt->hooks);
	d->hooks = NULL;
	hooks_free(rt->hooks);		/* before the fetch its alerts use */
	fetch_free(rt->fetch);
	store_pruner_free(rt->pruner);
	/* cluster wiring: after the last poll was written, leases released */
	cluster_free(d->cluster);
	d->cluster = NULL;
	api_free(d->api);
	api_auth_free(d->auth);		/* after the requests it holds */
	if (rt->socket_path != NULL) {
		unlink(rt->socket_path);
		free(rt->socket_path);
	}
	if (rt->ev_term != NULL)
		event_free(rt->ev_term);
	if (rt->ev_int != NULL)
		event_free(rt->ev_int);
	if (rt->ev_hup != NULL)
		event_free(rt->ev_hup);
	sdglue_fini();		/* sd */
	store_free(d->store);
	if (d->base != NULL)
		event_base_free(d->base);
	metrics_free(d->metrics);
	config_free(d->cfg);
}

/* Progress of feedd migrate: a table's line when done, else each second. */
struct migrate_progress {
	bool		 quiet;
	time_t		 last;
	const char	*table;		/* the last line's */
	int64_t		 done;
};

static void
migrate_progress(const char *table, int64_t done, int64_t total, void *arg)
{
	struct migrate_progress *p = arg;
	time_t now = time(NULL);

	if (p->quiet || (done < total && now == p->last) ||
	    (p->table == table && p->done == done))
		return;
	p->last = now;
	p->table = table;
	p->done = done;
	printf("%-14s %" PRId64 " of %" PRId64 " rows\n", table, done, total);
	fflush(stdout);
}

/*
 * feedd migrate: 0 copied and every count equal, 1 failed or a count
 * differs, 2 usage, 3 stopped by --max-batches (run again to go on).
 */
static int
migrate_main(int argc, char **argv)
{
	enum { OPT_FROM = 256, OPT_TO, OPT_BATCH, OPT_MAX };
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "batch-size", required_argument, NULL, OPT_BATCH },
		{ "max-batches", required_argument, NULL, OPT_MAX },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct migrate_progress progress = { 0 };
	struct store_migrate_opts o = { .progress = migrate_progress,
	    .arg = &progress };
	struct store_migrate_result r;
	const char *from = NULL, *to = NULL;
	char err[1024], *end;
	unsigned long long v;
	int ch, rc = 0;

	while ((ch = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (ch) {
		case OPT_FROM: from = optarg; break;
		case OPT_TO: to = optarg; break;
		case OPT_BATCH:
		case OPT_MAX:
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    *optarg == '-' || v == 0 || v > 1000000000) {
				fprintf(stderr, "feedd migrate: --%s wants a "
				    "number from 1 to 1000000000, not '%s'\n",
				    ch == OPT_BATCH ? "batch-size" :
				    "max-batches", optarg);
				return 2;
			}
			if (ch == OPT_BATCH)
				o.batch = (size_t)v;
			else
				o.max_batches = (size_t)v;
			break;
		case 'q': progress.quiet = true; break;
		case 'h': usage(0);
		default: usage(2);
		}
	}
	if (optind != argc || from == NULL || to == NULL) {
		fprintf(stderr, "feedd migrate: --from PATH.db and --to "
		    "postgresql://... are both needed\n");
		return 2;
	}
	if (store_migrate(from, to, &o, &r, err, sizeof(err)) == -1) {
		fprintf(stderr, "feedd migrate: %s\n", err);
		return 1;
	}
	if (r.stopped) {
		printf("stopped after %zu batches (--max-batches): run again "
		    "to go on\n", r.batches);
		return 3;
	}
	printf("%-26s %12s %12s\n", "counted", "SQLite", "PostgreSQL");
	for (size_t i = 0; i < r.ncounts; i++) {
		const struct store_migrate_count *c = &r.counts[i];
		bool same = c->source == c->target;

		printf("%-26s %12" PRId64 " %12" PRId64 "%s\n", c->what,
		    c->source, c->target, same ? "" : "  DIFFERENT");
		if (!same)
			rc = 1;
	}
	if (rc != 0)
		fprintf(stderr, "feedd migrate: the counts differ (above)\n");
	else
		printf("done: every count is the same on both sides (%" PRId64
		    " rows copied by this run)\n", r.rows);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options opt = { 0 };
	struct runtime rt;
	int code;

	memset(&rt, 0, sizeof(rt));
	/*
	 * The database, its WAL and backups are nobody else's business,
	 * with or without systemd: at least umask 027, or stricter (the
	 * unit's UMask=0077) as given.
	 */
	umask(umask(0) | 027);
	log_init("feedd");
	if (argc > 1 && strcmp(argv[1], "migrate") == 0)
		return migrate_main(argc - 1, argv + 1);
	parse_args(argc, argv, &opt);
	if (opt.verbosity > 0)
		log_set_level(LOG_LEVEL_DEBUG);
	if ((rt.d.cfg = load_config(&opt)) == NULL)
		return 1;
	if (opt.check && check_topics_for_store(rt.d.cfg) == -1) {
		config_free(rt.d.cfg);
		return 1;
	}
	if (opt.check) {
		printf("%s: configuration OK (%zu feeds, %zu topics)\n",
		    opt.config, rt.d.cfg->nfeeds, rt.d.cfg->ntopics);
		config_free(rt.d.cfg);
		return 0;
	}
	log_set_level((enum log_level)rt.d.cfg->log_level);
	rt.opt = &opt;
	rt.d.once = opt.once;
	rt.d.started = time(NULL);
	rt.d.feeds_changed = feeds_changed;
	signal(SIGPIPE, SIG_IGN);
	/* A file-size limit must fail the write (EFBIG), not kill us mid-poll. */
	signal(SIGXFSZ, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_errx("cannot initialise libcurl");
		config_free(rt.d.cfg);
		return 1;
	}
	code = run(&rt);
	teardown(&rt);
	curl_global_cleanup();
	log_info("feedd stopped");
	return code;
}
