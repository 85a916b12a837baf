/*
 * poll: one poll of one feed against the suite's HTTP server
 * (tests/daemon/feedserver.py on 127.0.0.1), with a real store and event loop,
 * for each promise of poll.h: a 304 and a 200 whose body hashes as last
 * time cost no parse and no entry writes; an HTML page is reported as
 * blocked; the entries read before a document went bad are stored.
 *
 * "No parse" is seen in the outcome: the documents carry a <ttl>, which
 * only a parse can report (ttl_s).
 *
 * A response fetched is read on the fetch thread (fetch_request's
 * digest); every test runs twice, without then with a worker
 * (poll_options.worker), which reads a response in hand (discovery's), as
 * the daemon does; a poll cancelled while its body is being read, on
 * either thread, calls back nobody and leaks nothing.
 */
#include <sys/wait.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <jansson.h>

#include "feedserver.h"
#include "fetch.h"
#include "log.h"
#include "poll.h"
#include "store.h"
#include "tap.h"
#include "worker.h"
#include "xmalloc.h"

/* <ttl>60</ttl>: a parse reports ttl_s 3600. */
static const char FEED[] =
    "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>A</title>"
    "<ttl>60</ttl><item><guid>a1</guid><title>one</title></item>"
    "</channel></rss>\n";

static const char SAME[] =
    "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>S</title>"
    "<ttl>60</ttl><item><guid>s1</guid><title>one</title></item>"
    "<item><guid>s2</guid><title>two</title></item></channel></rss>\n";

/* Two whole items, then a third whose end tag is wrong. */
static const char BROKEN[] =
    "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>B</title>"
    "<item><guid>b1</guid><title>one</title></item>"
    "<item><guid>b2</guid><title>two</title></item>"
    "<item><guid>b3</guid><title>three</titl></item></channel></rss>\n";

static const char GARBAGE[] = "<rss><channel><<<>>>";

static struct event_base *base;
static struct store *store;
static struct fetch *fetcher;
static struct worker *worker;	/* the second pass: parses off the loop */
static int port;
static char tmpdir[] = "/tmp/feedd-test-poll.XXXXXX";

/* An outcome, copied out of the callback. */
struct got {
	bool		 done;
	enum poll_result result;
	long		 http_code;
	enum store_feed_state fail_state;
	char		*error;
	char		*etag;
	char		*last_modified;
	char		*body_hash;
	int64_t		 ttl_s;
	size_t		 new_count;
};

static void
got_clear(struct got *g)
{
	free(g->error);
	free(g->etag);
	free(g->last_modified);
	free(g->body_hash);
	memset(g, 0, sizeof(*g));
}

static void
on_done(const struct poll_outcome *o, void *arg)
{
	struct got *g = arg;

	g->done = true;
	g->result = o->result;
	g->http_code = o->http_code;
	g->fail_state = o->fail_state;
	g->error = xstrdup_or_null(o->error);
	g->etag = xstrdup_or_null(o->etag);
	g->last_modified = xstrdup_or_null(o->last_modified);
	g->body_hash = xstrdup_or_null(o->body_hash);
	g->ttl_s = o->ttl_s;
	g->new_count = o->new_count;
	event_base_loopbreak(base);
}

/* One poll of f, to its end. */
static void
poll_once(const struct store_feed *f, struct got *g)
{
	struct poll_options po = { .base = base, .worker = worker };

	memset(g, 0, sizeof(*g));
	poll_start(fetcher, store, NULL, f, &po, NULL, on_done, g);
	if (!g->done)
		event_base_dispatch(base);
}

static char *
url(const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", port, path);
}

/* A feed subscribed to path, as the store hands it to the scheduler. */
static void
feed_for(const char *path, struct store_feed *f)
{
	char *u = url(path);
	int64_t id = 0;

	memset(f, 0, sizeof(*f));
	if (store_feed_add(store, u, NULL, NULL, 0, &id) == -1 ||
	    store_feed_get(store, id, f) != 1)
		printf("Bail out! cannot add %s\n", u);
	free(u);
}

/* What the scheduler would record: the validators of a successful poll. */
static void
keep_validators(struct store_feed *f, const struct got *g)
{
	if (g->etag != NULL) {
		free(f->etag);
		f->etag = xstrdup(g->etag);
	}
	if (g->last_modified != NULL) {
		free(f->last_modified);
		f->last_modified = xstrdup(g->last_modified);
	}
	if (g->body_hash != NULL) {
		free(f->body_hash);
		f->body_hash = xstrdup(g->body_hash);
	}
}

static size_t
entries_of(int64_t feed_id)
{
	struct store_entry_query q = { .feed_id = feed_id, .limit = 1000 };
	struct store_entry *e;
	char err[256];
	size_t n;

	if (store_entry_list(store, &q, &e, &n, err, sizeof(err)) != 0)
		return (size_t)-1;
	store_entry_list_free(e, n);
	return n;
}

static bool
has_entry(int64_t feed_id, const char *guid)
{
	struct store_entry_query q = { .feed_id = feed_id, .limit = 1000 };
	struct store_entry *e;
	char err[256];
	bool found = false;
	size_t i, n;

	if (store_entry_list(store, &q, &e, &n, err, sizeof(err)) != 0)
		return false;
	for (i = 0; i < n; i++)
		if (e[i].guid != NULL && strcmp(e[i].guid, guid) == 0)
			found = true;
	store_entry_list_free(e, n);
	return found;
}

/* POSTs to the server's control endpoint, outside the loop under test. */
static void
control(const char *path, const char *post)
{
	CURL *e = curl_easy_init();
	char *u = url(path);
	FILE *null = fopen("/dev/null", "w");

	curl_easy_setopt(e, CURLOPT_URL, u);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, null);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, post);
	curl_easy_perform(e);
	curl_easy_cleanup(e);
	fclose(null);
	free(u);
}

/* Serves body at path (no validators) until changed. */
static void
route(const char *path, const char *ctype, const char *body)
{
	json_t *r = json_pack("{s:s, s:i, s:s, s:s}", "path", path,
	    "status", 200, "content_type", ctype, "body", body);
	char *s = json_dumps(r, JSON_COMPACT);

	control("/_control/route", s);
	free(s);
	json_decref(r);
}

static void
test_not_modified(void)
{
	struct store_feed f;
	struct got g;
	int64_t last;

	feed_for("/feeds/a.xml", &f);
	poll_once(&f, &g);
	ok(g.result == POLL_NEW && g.http_code == 200 && g.new_count == 1,
	    "first poll: 200, parsed, 1 new entry (%d, %ld, %zu)", g.result,
	    g.http_code, g.new_count);
	ok(g.ttl_s == 3600, "first poll: the document's <ttl> reported");
	ok(g.etag != NULL && g.etag[0] != '\0' && g.body_hash != NULL,
	    "first poll: ETag and body hash to keep");
	keep_validators(&f, &g);
	got_clear(&g);
	last = store_last_entry_id(store);

	poll_once(&f, &g);
	ok(g.result == POLL_NOT_MODIFIED && g.http_code == 304,
	    "second poll with the ETag: 304 (%d, %ld)", g.result, g.http_code);
	ok(g.ttl_s == 0 && g.new_count == 0, "304: not parsed, nothing new");
	ok(store_last_entry_id(store) == last && entries_of(f.id) == 1,
	    "304: no entry written");
	ok(g.etag == NULL && g.body_hash == NULL,
	    "304: the stored validators are kept");
	ok(g.error == NULL, "304: no error");
	got_clear(&g);
	store_feed_clear(&f);
}

static void
test_unchanged(void)
{
	struct store_feed f;
	struct got g;
	char *hash;
	int64_t last;

	/* No ETag, no Last-Modified: only the body hash can tell. */
	route("/same", "application/rss+xml", SAME);
	feed_for("/same", &f);
	poll_once(&f, &g);
	ok(g.result == POLL_NEW && g.new_count == 2 && g.ttl_s == 3600,
	    "body without validators: parsed, 2 new (%d, %zu)", g.result,
	    g.new_count);
	ok(g.etag != NULL && g.etag[0] == '\0',
	    "no ETag sent: the stored one is cleared");
	keep_validators(&f, &g);
	hash = xstrdup_or_null(g.body_hash);
	got_clear(&g);
	last = store_last_entry_id(store);

	poll_once(&f, &g);
	ok(g.result == POLL_UNCHANGED && g.http_code == 200,
	    "same body again: unchanged (%d, %ld)", g.result, g.http_code);
	ok(g.ttl_s == 0 && g.new_count == 0,
	    "same body: not parsed, nothing new");
	ok(store_last_entry_id(store) == last && entries_of(f.id) == 2,
	    "same body: no entry written");
	is_str(g.body_hash, hash, "same body: the same hash");
	got_clear(&g);

	/* A changed body is parsed again, under the same old hash. */
	route("/same", "application/rss+xml", FEED);
	poll_once(&f, &g);
	ok(g.result == POLL_NEW && g.new_count == 1 && g.ttl_s == 3600,
	    "changed body: parsed again, 1 new (%d, %zu)", g.result,
	    g.new_count);
	ok(g.body_hash != NULL && hash != NULL &&
	    strcmp(g.body_hash, hash) != 0, "changed body: a new hash");
	got_clear(&g);
	free(hash);
	store_feed_clear(&f);
}

static void
test_html(void)
{
	struct store_feed f;
	struct got g;

	feed_for("/html", &f);
	poll_once(&f, &g);
	ok(g.result == POLL_FAILED && g.fail_state == STORE_FEED_BLOCKED,
	    "HTML page: failed, blocked (%d, %d)", g.result, g.fail_state);
	ok(g.error != NULL && strstr(g.error, "HTML") != NULL,
	    "HTML page: the error says so (%s)", g.error);
	ok(g.etag == NULL && g.last_modified == NULL && g.body_hash == NULL,
	    "HTML page: its validators are not kept");
	ok(entries_of(f.id) == 0, "HTML page: nothing stored");
	got_clear(&g);
	store_feed_clear(&f);

	feed_for("/challenge", &f);
	poll_once(&f, &g);
	ok(g.result == POLL_FAILED && g.fail_state == STORE_FEED_BLOCKED &&
	    g.http_code == 403, "bot challenge: failed, blocked (%d, %d)",
	    g.result, g.fail_state);
	got_clear(&g);
	store_feed_clear(&f);

	/* Feeds served as text/html exist: the bytes decide, not the label. */
	route("/labelled", "text/html", FEED);
	feed_for("/labelled", &f);
	poll_once(&f, &g);
	ok(g.result == POLL_NEW && g.new_count == 1,
	    "a feed labelled text/html: parsed (%d)", g.result);
	got_clear(&g);
	store_feed_clear(&f);

	ok(poll_looks_like_html(" \n<!DOCTYPE HTML><p>", 19),
	    "blanks, then <!DOCTYPE HTML: HTML");
	ok(poll_looks_like_html("\xef\xbb\xbf<!doctype html>", 18),
	    "a BOM, then <!doctype html: HTML");
	ok(poll_looks_like_html("<html lang=en>", 14), "<html: HTML");
	ok(poll_looks_like_html("\xef\xbb\xbf\r\n<!DOCTYPE html>", 20),
	    "a BOM, then a blank line, then the doctype: HTML");
	ok(!poll_looks_like_html(FEED, strlen(FEED)), "an RSS document: not "
	    "HTML");
	ok(!poll_looks_like_html("<htm", 4), "a short body: not HTML");
}

static void
test_broken(void)
{
	struct store_feed f;
	struct got g;

	route("/broken", "application/rss+xml", BROKEN);
	feed_for("/broken", &f);
	poll_once(&f, &g);
	ok(g.result == POLL_NEW && g.new_count == 2,
	    "a document that goes bad: the 2 entries before it are new "
	    "(%d, %zu)", g.result, g.new_count);
	ok(entries_of(f.id) == 2 && has_entry(f.id, "b1") &&
	    has_entry(f.id, "b2") && !has_entry(f.id, "b3"),
	    "... and stored; the broken one is not");
	got_clear(&g);
	store_feed_clear(&f);

	route("/garbage", "application/rss+xml", GARBAGE);
	feed_for("/garbage", &f);
	poll_once(&f, &g);
	ok(g.result == POLL_FAILED && g.fail_state ==
	    STORE_FEED_BACKING_OFF, "a document bad from the start: failed, "
	    "backing off (%d, %s)", g.result, g.error != NULL ? g.error :
	    "no error");
	ok(g.body_hash == NULL, "... its hash not kept, so it is read again");
	ok(entries_of(f.id) == 0, "... nothing stored");
	got_clear(&g);
	store_feed_clear(&f);
}

static void
on_never(const struct poll_outcome *o, void *arg)
{
	bool *called = arg;

	(void)o;
	*called = true;
}

/* A job that holds the worker until released, so a poll queues behind it. */
static pthread_mutex_t hold_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hold_cond = PTHREAD_COND_INITIALIZER;
static bool held;

static void
hold_run(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&hold_lock);
	while (held)
		pthread_cond_wait(&hold_cond, &hold_lock);
	pthread_mutex_unlock(&hold_lock);
}

static void
hold_done(void *arg)
{
	(void)arg;
}

/* Stops the loop once the poll's body waits for the worker. */
static void
wait_parsing(evutil_socket_t fd, short what, void *arg)
{
	struct event *ev = arg;
	struct timeval ms = { 0, 1000 };

	(void)fd;
	(void)what;
	if (worker_pending(worker) == 2)
		event_base_loopbreak(base);
	else
		evtimer_add(ev, &ms);
}

/* Stops the loop after a while. */
static void
on_later(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(base);
}

/*
 * A poll cancelled while its response is fetched, or read on the fetch
 * thread: the result, digest and all, is dropped when it comes back.
 */
static void
test_cancel_fetching(void)
{
	struct timeval later = { 0, 300000 };
	struct store_feed f;
	struct event *ev;
	struct poll *p;
	bool called = false;

	route("/cancelled2", "application/rss+xml", SAME);
	feed_for("/cancelled2", &f);
	p = poll_start(fetcher, store, NULL, &f, NULL, NULL, on_never,
	    &called);
	poll_cancel(p);
	ev = evtimer_new(base, on_later, NULL);
	evtimer_add(ev, &later);
	event_base_dispatch(base);
	ok(!called, "cancelled while fetched: no outcome reported");
	ok(entries_of(f.id) == 0, "cancelled while fetched: nothing stored");
	event_free(ev);
	store_feed_clear(&f);
}

static void
test_cancel_parsing(void)
{
	struct poll_options po = { .base = base, .worker = worker };
	struct timeval ms = { 0, 1000 };
	struct store_feed f;
	struct event *ev;
	struct poll *p;
	bool called = false;

	struct fetch_result r = { .status = FETCH_OK, .http_code = 200,
	    .content_type = "application/rss+xml", .body = SAME,
	    .body_len = sizeof(SAME) - 1, .retry_after_s = -1,
	    .max_age_s = -1, .expires_s = -1 };

	/* A response in hand (as discovery fetched it) goes to the worker. */
	route("/cancelled", "application/rss+xml", SAME);
	feed_for("/cancelled", &f);
	r.url = r.effective_url = f.url;
	po.prefetched = fetch_result_dup(&r);
	held = true;
	worker_submit(worker, hold_run, hold_done, NULL);
	ev = evtimer_new(base, wait_parsing, event_self_cbarg());
	evtimer_add(ev, &ms);
	p = poll_start(fetcher, store, NULL, &f, &po, NULL, on_never,
	    &called);
	event_base_dispatch(base);
	ok(worker_pending(worker) == 2, "a poll whose body waits for the "
	    "worker (%zu jobs out)", worker_pending(worker));
	poll_cancel(p);
	pthread_mutex_lock(&hold_lock);
	held = false;
	pthread_cond_signal(&hold_cond);
	pthread_mutex_unlock(&hold_lock);
	/* The worker parses it and hands it back; the loop just frees it. */
	while (worker_pending(worker) > 0)
		event_base_loop(base, EVLOOP_ONCE);
	ok(!called, "cancelled while parsed: no outcome reported");
	ok(entries_of(f.id) == 0, "cancelled while parsed: nothing stored");
	event_free(ev);
	store_feed_clear(&f);
}

int
main(void)
{
	struct fetch_options fo = {
		.max_body_size = 1024 * 1024,
		.timeout_s = 20,
		.max_connections = 4,
		.max_per_host = 4,
	};
	char *p, err[256];
	FILE *fp;
	pid_t pid;

	log_init("test_poll");
	log_set_level(LOG_LEVEL_ERR);
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	p = xasprintf("%s/a.xml", tmpdir);
	if ((fp = fopen(p, "w")) == NULL)
		return 1;
	fputs(FEED, fp);
	fclose(fp);
	free(p);
	if ((pid = feedserver_start(tmpdir, &port)) == -1) {
		printf("Bail out! cannot start feedserver.py\n");
		return 1;
	}
	p = xasprintf("%s/feedd.db", tmpdir);
	store = store_open(p, err, sizeof(err));
	free(p);
	base = event_base_new();
	fetcher = fetch_new(base, &fo);
	if (store == NULL || fetcher == NULL) {
		printf("Bail out! %s\n", store == NULL ? err : "fetch_new");
		return 1;
	}

	test_not_modified();
	test_unchanged();
	test_html();
	test_broken();

	/* Again, parsing on a worker's thread, into a store of its own. */
	store_free(store);
	p = xasprintf("%s/feedd-worker.db", tmpdir);
	store = store_open(p, err, sizeof(err));
	free(p);
	if (store == NULL || (worker = worker_new(base)) == NULL) {
		printf("Bail out! %s\n", store == NULL ? err : "worker_new");
		return 1;
	}
	diag("parsing on a worker's thread");
	test_not_modified();
	test_unchanged();
	test_html();
	test_broken();
	test_cancel_parsing();
	test_cancel_fetching();
	worker_free(worker);

	fetch_free(fetcher);
	store_free(store);
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
