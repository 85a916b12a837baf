/*
 * sched: the planning rules of sched.h, through its public API, with a
 * real store, the real event loop and real polls against the suite's HTTP
 * server (tests/daemon/feedserver.py on 127.0.0.1). Each poll's plan is read back
 * from the store, where sched records it (next_poll, cur_interval_s).
 *
 *   - after a success: the feed's interval, adapted to its documents' hints
 *     and publishing rate, always within [min_interval, max_interval];
 *   - after failures: backoff from min_interval, doubling, capped;
 *   - a 429/503 Retry-After is honoured (capped at 2 days), other
 *     statuses' are not;
 *   - max_per_host and host_gap hold for feeds on one host.
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "feedserver.h"
#include "fetch.h"
#include "log.h"
#include "sched.h"
#include "store.h"
#include "tap.h"
#include "xmalloc.h"

#define WEEK_S		(7 * 24 * 3600)
#define TWO_DAYS_S	(2 * 24 * 3600)

static struct event_base *base;
static struct fetch *fetcher;
static const struct fetch_options fo_default = {
	.max_body_size = 1024 * 1024,
	.timeout_s = 20,
	.max_connections = 16,
	.max_per_host = 8,
};
static int port;
static char tmpdir[] = "/tmp/feedd-test-sched.XXXXXX";
static int nstore;

/* One scheduler over its own store, polling every feed of it at once. */
struct env {
	struct store	*store;
	struct sched	*sched;
	struct event	*sampler;
	size_t		 max_in_flight;
	bool		 done;
	size_t		 failed;
};

static char *
url(const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", port, path);
}

static void
env_open(struct env *e, const struct sched_options *o)
{
	char *p, err[256];

	memset(e, 0, sizeof(*e));
	p = xasprintf("%s/feedd-%d.db", tmpdir, nstore++);
	if ((e->store = store_open(p, err, sizeof(err))) == NULL ||
	    (e->sched = sched_new(base, e->store, fetcher, NULL, o,
	    NULL)) == NULL)
		printf("Bail out! %s\n", err);
	free(p);
}

static void
env_close(struct env *e)
{
	sched_free(e->sched);
	store_free(e->store);
	if (e->sampler != NULL)
		event_free(e->sampler);
}

static int64_t
add(struct env *e, const char *path)
{
	char *u = url(path);
	int64_t id = 0;

	if (store_feed_add(e->store, u, NULL, NULL, 0, &id) == -1)
		printf("Bail out! cannot add %s\n", u);
	free(u);
	return id;
}

static void
on_once(void *arg, size_t failed)
{
	struct env *e = arg;

	e->done = true;
	e->failed = failed;
	event_base_loopbreak(base);
}

/* How many polls run at once, seen every few milliseconds. */
static void
on_sample(evutil_socket_t fd, short what, void *arg)
{
	struct env *e = arg;

	if (sched_in_flight(e->sched) > e->max_in_flight)
		e->max_in_flight = sched_in_flight(e->sched);
}

/* Every feed polled once, each poll recorded. */
static void
run_once(struct env *e)
{
	struct timeval tv = { 0, 5000 };

	if (e->sampler == NULL)
		e->sampler = event_new(base, -1, EV_PERSIST, on_sample, e);
	event_add(e->sampler, &tv);
	e->done = false;
	if (sched_run_once(e->sched, on_once, e) == -1)
		printf("Bail out! sched_run_once\n");
	if (!e->done)
		event_base_dispatch(base);
	event_del(e->sampler);
}

static void
get(struct env *e, int64_t id, struct store_feed *f)
{
	memset(f, 0, sizeof(*f));
	if (store_feed_get(e->store, id, f) != 1)
		printf("Bail out! feed %lld is gone\n", (long long)id);
}

/* The server's control endpoint, outside the loop under test. */
static char *
control(const char *path, const char *post)
{
	struct { char *p; size_t n; } b = { NULL, 0 };
	FILE *mem;
	CURL *c;
	char *u = url(path);

	mem = open_memstream(&b.p, &b.n);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, u);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, mem);
	if (post != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	curl_easy_perform(c);
	curl_easy_cleanup(c);
	fclose(mem);
	free(u);
	return b.p;
}

static json_t *
stats_for(const char *path)
{
	char *s = control("/_control/stats", NULL);
	json_t *root = json_loads(s, 0, NULL), *p;

	free(s);
	p = json_incref(json_object_get(root, path));
	json_decref(root);
	return p;
}

static void
write_file(const char *name, const char *text)
{
	char *p = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(p, "w");

	if (fp == NULL) {
		printf("Bail out! cannot write %s\n", p);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
	free(p);
}

/* An RSS document: ttl in minutes (0: none), and n items dated age_s ago. */
static void
write_feed(const char *name, int ttl_min, int n, int64_t age_s)
{
	char *doc, *items = xstrdup(""), *t, date[64];
	time_t when = time(NULL) - age_s;
	struct tm tm;
	int i;

	gmtime_r(&when, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	for (i = 0; i < n; i++) {
		t = xasprintf("%s<item><guid>%s-%d</guid><title>%d</title>"
		    "<pubDate>%s</pubDate></item>", items, name, i, i, date);
		free(items);
		items = t;
	}
	t = ttl_min > 0 ? xasprintf("<ttl>%d</ttl>", ttl_min) : xstrdup("");
	doc = xasprintf("<?xml version=\"1.0\"?>\n<rss version=\"2.0\">"
	    "<channel><title>%s</title>%s%s%s</channel></rss>\n", name, t,
	    n > 0 ? "" : "<item><guid>x</guid><title>undated</title></item>",
	    items);
	write_file(name, doc);
	free(doc);
	free(t);
	free(items);
}

/*
 * The plan recorded for feed id after a success: cur_interval_s is want,
 * and next_poll is that interval from the poll, give or take its jitter
 * (5%), never outside [min, max].
 */
static void
planned(struct env *e, int64_t id, const struct sched_options *o,
    int64_t t0, int64_t t1, int64_t want, const char *what)
{
	struct store_feed f;
	int64_t lo = want - want / 20 - 1, hi = want + want / 20 + 1;

	if (lo < o->min_interval_s)
		lo = o->min_interval_s;
	if (hi > o->max_interval_s)
		hi = o->max_interval_s;
	get(e, id, &f);
	ok(f.state == STORE_FEED_OK && f.cur_interval_s == want,
	    "%s: interval %llds (got %lld)", what, (long long)want,
	    (long long)f.cur_interval_s);
	ok(f.next_poll >= t0 + lo && f.next_poll <= t1 + hi,
	    "%s: next poll in %llds, within [%lld, %lld]", what,
	    (long long)(f.next_poll - t1), (long long)lo, (long long)hi);
	store_feed_clear(&f);
}

static void
test_success(void)
{
	struct sched_options o = {
		.default_interval_s = 60,
		.min_interval_s = 600,
		.max_interval_s = WEEK_S,
	};
	struct env e;
	int64_t plain, ttl, bigttl, rate, stale, t0, t1;

	write_feed("plain.xml", 0, 0, 0);
	write_feed("ttl.xml", 20, 0, 0);
	write_feed("bigttl.xml", 1000000, 0, 0);
	write_feed("rate.xml", 0, 2, 3600);
	write_feed("stale.xml", 0, 3, 30 * 24 * 3600);
	env_open(&e, &o);
	plain = add(&e, "/feeds/plain.xml");
	ttl = add(&e, "/feeds/ttl.xml");
	bigttl = add(&e, "/feeds/bigttl.xml");
	rate = add(&e, "/feeds/rate.xml");
	stale = add(&e, "/feeds/stale.xml");
	t0 = time(NULL);
	run_once(&e);
	t1 = time(NULL);
	ok(e.done && e.failed == 0, "five feeds polled, none failed (%zu)",
	    e.failed);
	planned(&e, plain, &o, t0, t1, 600,
	    "no hints: the default, raised to min_interval");
	planned(&e, ttl, &o, t0, t1, 1200, "<ttl>20</ttl>: 20 minutes");
	planned(&e, bigttl, &o, t0, t1, WEEK_S,
	    "a huge <ttl>: capped at max_interval");
	planned(&e, rate, &o, t0, t1, WEEK_S / 2,
	    "two entries this week: every 3.5 days");
	planned(&e, stale, &o, t0, t1, WEEK_S,
	    "nothing this week: max_interval");
	env_close(&e);

	/* A default above max_interval is capped too. */
	o.default_interval_s = 2 * WEEK_S;
	o.max_interval_s = 3600;
	env_open(&e, &o);
	plain = add(&e, "/feeds/plain.xml");
	t0 = time(NULL);
	run_once(&e);
	t1 = time(NULL);
	planned(&e, plain, &o, t0, t1, 3600,
	    "a default over max_interval: max_interval");
	env_close(&e);
}

static void
test_backoff(void)
{
	struct sched_options o = {
		.min_interval_s = 60,
		.max_interval_s = 3600,
	};
	struct store_feed f;
	struct env e;
	int64_t id, base_d, prev = 0, t;
	bool grows = true, bounded = true, capped = false;
	int i;

	env_open(&e, &o);
	id = add(&e, "/status/500");
	for (i = 1; i <= 8; i++) {
		run_once(&e);
		t = time(NULL);
		get(&e, id, &f);
		/* min_interval doubled per failure, plus up to a quarter. */
		base_d = o.min_interval_s << (i - 1);
		if (base_d > o.max_interval_s)
			base_d = o.max_interval_s;
		diag("failure %d: interval %llds", i,
		    (long long)f.cur_interval_s);
		if (f.error_count != i || f.state != STORE_FEED_BACKING_OFF)
			bounded = false;
		if (f.cur_interval_s < base_d || f.cur_interval_s >
		    (base_d + base_d / 4 + 1 < o.max_interval_s ?
		    base_d + base_d / 4 + 1 : o.max_interval_s))
			bounded = false;
		if (f.next_poll < t - 1 + f.cur_interval_s ||
		    f.next_poll > t + f.cur_interval_s)
			bounded = false;
		if (i <= 6 && f.cur_interval_s <= prev)
			grows = false;
		if (i >= 7)
			capped = f.cur_interval_s == o.max_interval_s;
		prev = f.cur_interval_s;
		store_feed_clear(&f);
	}
	ok(e.failed == 1, "a failing poll is reported failed");
	ok(bounded, "backoff: min_interval * 2^(n-1) plus up to 25%%, "
	    "counted, next poll that far away");
	ok(grows, "backoff grows with each failure");
	ok(capped, "backoff is capped at max_interval");
	env_close(&e);
}

static void
test_retry_after(void)
{
	struct sched_options o = {
		.min_interval_s = 60,
		.max_interval_s = 3600,
	};
	struct store_feed f;
	struct env e;
	int64_t a503, a429, a500, shortra, t0, t1;

	env_open(&e, &o);
	a503 = add(&e, "/status/503?retry_after=7200");
	a429 = add(&e, "/status/429?retry_after=900000");
	a500 = add(&e, "/status/500?retry_after=7200");
	shortra = add(&e, "/status/429?retry_after=5");
	t0 = time(NULL);
	run_once(&e);
	t1 = time(NULL);
	ok(e.failed == 4, "four failures (%zu)", e.failed);

	get(&e, a503, &f);
	ok(f.cur_interval_s == 7200 && f.next_poll >= t0 + 7200 &&
	    f.next_poll <= t1 + 7200, "503 Retry-After 7200: next poll then, "
	    "past max_interval (%lld)", (long long)f.cur_interval_s);
	ok(f.retry_after_until >= t0 + 7200 && f.retry_after_until <= t1 +
	    7200, "503: Retry-After recorded");
	store_feed_clear(&f);

	get(&e, a429, &f);
	ok(f.cur_interval_s == TWO_DAYS_S && f.next_poll <= t1 + TWO_DAYS_S,
	    "429 Retry-After 900000: capped at 2 days (%lld)",
	    (long long)f.cur_interval_s);
	store_feed_clear(&f);

	get(&e, a500, &f);
	ok(f.cur_interval_s >= 60 && f.cur_interval_s <= 76 &&
	    f.retry_after_until == 0, "500 with Retry-After: plain backoff "
	    "(%lld)", (long long)f.cur_interval_s);
	store_feed_clear(&f);

	get(&e, shortra, &f);
	ok(f.cur_interval_s >= 60 && f.cur_interval_s <= 76,
	    "429 Retry-After 5: never sooner than the backoff (%lld)",
	    (long long)f.cur_interval_s);
	store_feed_clear(&f);
	env_close(&e);
}

/*
 * Whether the server's two /drip transfers overlapped in time. The server
 * notes a span a moment after the client has it all: on a busy machine
 * the second may not be noted yet when the polls are done, so it is
 * waited for (up to 3 s).
 */
static int
drip_overlap(double *gap)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	json_t *st = NULL, *spans = NULL;
	double s0, e0, s1, e1;
	int rc;

	for (int i = 0; i < 150; i++) {
		json_decref(st);
		st = stats_for("/drip");
		spans = json_object_get(st, "spans");
		if (json_array_size(spans) >= 2)
			break;
		nanosleep(&ts, NULL);
	}
	if (json_array_size(spans) != 2) {
		diag("the server noted %zu /drip transfers, not 2",
		    json_array_size(spans));
		json_decref(st);
		return -1;
	}
	s0 = json_real_value(json_array_get(json_array_get(spans, 0), 0));
	e0 = json_real_value(json_array_get(json_array_get(spans, 0), 1));
	s1 = json_real_value(json_array_get(json_array_get(spans, 1), 0));
	e1 = json_real_value(json_array_get(json_array_get(spans, 1), 1));
	/* The spans are listed as they end, so s1 may come before s0. */
	*gap = s1 > s0 ? s1 - e0 : s0 - e1;
	/* The server notes an end a moment after the client has it all. */
	rc = *gap > -0.05 ? 0 : 1;
	json_decref(st);
	return rc;
}

static void
test_per_host(void)
{
	struct sched_options o = {
		.min_interval_s = 60,
		.max_interval_s = 3600,
		.max_per_host = 1,
	};
	struct env e;
	json_t *st, *times;
	double gap = 0;
	int rc;

	/* Two feeds on one host that take 0.8 s each to send. */
	env_open(&e, &o);
	add(&e, "/drip?n=4&delay=0.2&feed=plain.xml&k=1");
	add(&e, "/drip?n=4&delay=0.2&feed=plain.xml&k=2");
	free(control("/_control/reset", ""));
	run_once(&e);
	rc = drip_overlap(&gap);
	ok(e.failed == 0 && e.max_in_flight == 1, "max_per_host 1: one "
	    "poll at a time (at most %zu)", e.max_in_flight);
	ok(rc == 0, "max_per_host 1: the server saw one after the other "
	    "(gap %.2f s)", gap);
	env_close(&e);

	/* The same with 2: both at once, so the above was the limit. */
	o.max_per_host = 2;
	env_open(&e, &o);
	add(&e, "/drip?n=4&delay=0.2&feed=plain.xml&k=1");
	add(&e, "/drip?n=4&delay=0.2&feed=plain.xml&k=2");
	free(control("/_control/reset", ""));
	run_once(&e);
	rc = drip_overlap(&gap);
	ok(e.failed == 0 && e.max_in_flight == 2, "max_per_host 2: both "
	    "at once (at most %zu)", e.max_in_flight);
	ok(rc == 1, "max_per_host 2: the server saw them overlap (gap "
	    "%.2f s)", gap);
	env_close(&e);

	/* host_gap: two quick feeds on one host start that far apart. */
	o.max_per_host = 4;
	o.host_gap_ms = 700;
	env_open(&e, &o);
	add(&e, "/feeds/plain.xml?k=1");
	add(&e, "/feeds/plain.xml?k=2");
	free(control("/_control/reset", ""));
	run_once(&e);
	st = stats_for("/feeds/plain.xml");
	times = json_object_get(st, "times");
	ok(e.failed == 0 && json_array_size(times) == 2 &&
	    json_real_value(json_array_get(times, 1)) -
	    json_real_value(json_array_get(times, 0)) >= 0.5,
	    "host_gap 700 ms: the second start waited (%.2f s)",
	    json_array_size(times) == 2 ?
	    json_real_value(json_array_get(times, 1)) -
	    json_real_value(json_array_get(times, 0)) : -1.0);
	json_decref(st);
	env_close(&e);
}

/*
 * Polls started ahead, beyond max_connections, wait in the fetch's queue:
 * more polls in flight than max_connections, never more transfers at
 * once; and on a host with a gap, never two starts closer than the gap.
 */
static void
test_ahead(void)
{
	struct sched_options o = {
		.min_interval_s = 60,
		.max_interval_s = 3600,
		.max_connections = 1,
		.max_per_host = 4,
	};
	struct env e;
	json_t *st, *times;
	double gap = 0;
	int rc;
	char *u;
	int64_t id;

	/* The daemon gives both the same max_connections. */
	fetch_set_options(fetcher, &(struct fetch_options){ .timeout_s = 20,
	    .max_connections = 1, .max_per_host = 4 });
	/* Two slow feeds on one host without a gap: the second waits. */
	env_open(&e, &o);
	add(&e, "/drip?n=4&delay=0.2&feed=plain.xml&k=1");
	add(&e, "/drip?n=4&delay=0.2&feed=plain.xml&k=2");
	free(control("/_control/reset", ""));
	run_once(&e);
	rc = drip_overlap(&gap);
	ok(e.failed == 0 && e.max_in_flight == 2, "max_connections 1: a "
	    "second poll started ahead (at most %zu in flight)",
	    e.max_in_flight);
	ok(rc == 0, "max_connections 1: the server saw one transfer after "
	    "the other (gap %.2f s)", gap);
	env_close(&e);

	/*
	 * host_gap 700 ms on "localhost", with a slow feed on 127.0.0.1
	 * holding the one connection: whichever of the two localhost polls
	 * starts ahead, the second starts the gap after it, or later.
	 */
	o.host_gap_ms = 700;
	env_open(&e, &o);
	add(&e, "/drip?n=4&delay=0.2&feed=plain.xml&k=3");
	for (int i = 1; i <= 2; i++) {
		u = xasprintf("http://localhost:%d/feeds/plain.xml?k=%d", port,
		    i);
		if (store_feed_add(e.store, u, NULL, NULL, 0, &id) == -1)
			printf("Bail out! cannot add %s\n", u);
		free(u);
	}
	free(control("/_control/reset", ""));
	run_once(&e);
	st = stats_for("/feeds/plain.xml");
	times = json_object_get(st, "times");
	ok(e.failed == 0 && e.max_in_flight >= 2 &&
	    json_array_size(times) == 2 &&
	    json_real_value(json_array_get(times, 1)) -
	    json_real_value(json_array_get(times, 0)) >= 0.5,
	    "host_gap 700 ms with polls ahead: the second start waited "
	    "(%.2f s; at most %zu in flight)", json_array_size(times) == 2 ?
	    json_real_value(json_array_get(times, 1)) -
	    json_real_value(json_array_get(times, 0)) : -1.0,
	    e.max_in_flight);
	json_decref(st);
	env_close(&e);
	fetch_set_options(fetcher, &fo_default);
}

/* A running scheduler keeps to the stored plan; "poll now" overrides it. */
static void
test_plan_kept(void)
{
	struct sched_options o = {
		.min_interval_s = 60,
		.max_interval_s = 3600,
	};
	struct timeval tv = { 1, 0 }, tenth = { 0, 100000 };
	struct store_feed f;
	struct env e;
	json_t *st;
	int64_t id, before;
	int i;

	env_open(&e, &o);
	id = add(&e, "/status/503?retry_after=7200&k=plan");
	free(control("/_control/reset", ""));
	run_once(&e);
	get(&e, id, &f);
	before = f.next_poll;
	store_feed_clear(&f);
	env_close(&e);

	/* A restart: a new scheduler over the same store, running. */
	nstore--;
	env_open(&e, &o);
	ok(sched_start(e.sched) == 0, "sched_start");
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	st = stats_for("/status/503");
	ok(json_integer_value(json_object_get(st, "count")) == 1,
	    "after a restart, no poll before Retry-After (%lld requests)",
	    (long long)json_integer_value(json_object_get(st, "count")));
	json_decref(st);
	get(&e, id, &f);
	ok(f.next_poll == before, "the plan is the stored one");
	store_feed_clear(&f);

	ok(sched_poll_now(e.sched, id) == 0, "sched_poll_now");
	/* Up to 5 s for the poll to happen, on a busy machine. */
	for (i = 0;; i++) {
		event_base_loopexit(base, &tenth);
		event_base_dispatch(base);
		st = stats_for("/status/503");
		if (json_integer_value(json_object_get(st, "count")) >= 2 ||
		    i == 49)
			break;
		json_decref(st);
	}
	ok(json_integer_value(json_object_get(st, "count")) == 2,
	    "\"poll now\" polls at once (%lld requests)",
	    (long long)json_integer_value(json_object_get(st, "count")));
	json_decref(st);
	ok(sched_poll_now(e.sched, id + 100) == -1,
	    "sched_poll_now of no such feed: -1");
	env_close(&e);
}

int
main(void)
{
	const struct fetch_options *fo = &fo_default;
	char *p;
	pid_t pid;

	log_init("test_sched");
	log_set_level(LOG_LEVEL_ERR);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	write_feed("plain.xml", 0, 0, 0);
	if ((pid = feedserver_start(tmpdir, &port)) == -1) {
		printf("Bail out! cannot start feedserver.py\n");
		return 1;
	}
	base = event_base_new();
	if ((fetcher = fetch_new(base, fo)) == NULL) {
		printf("Bail out! fetch_new\n");
		return 1;
	}

	test_success();
	test_backoff();
	test_retry_after();
	test_per_host();
	test_ahead();
	test_plan_kept();

	fetch_free(fetcher);
	event_base_free(base);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	p = xasprintf("rm -rf '%s'", tmpdir);
	if (system(p) != 0)
		diag("cannot remove %s", tmpdir);
	free(p);
	curl_global_cleanup();
	return tap_done();
}
