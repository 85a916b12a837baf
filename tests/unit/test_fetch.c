/*
 * fetch against the suite's HTTP server (tests/daemon/feedserver.py on
 * 127.0.0.1):
 * every transfer runs concurrently in one libevent loop, as in the daemon.
 */
#include <sys/stat.h>
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
#include "tap.h"
#include "xmalloc.h"

static const char FEED[] =
    "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>A</title>"
    "<item><guid>1</guid><title>one</title></item></channel></rss>\n";

struct tcase {
	const char	*name;
	char		*url;
	const char	*etag;
	const char	*last_modified;
	bool		 done;
	enum fetch_status status;
	long		 http_code;
	char		*error;
	char		*etag_got;
	char		*lm_got;
	char		*permanent_url;
	char		*effective_url;
	int		 redirects;
	int64_t		 retry_after_s;
	int64_t		 max_age_s;
	int64_t		 expires_s;
	char		*body;
	size_t		 body_len;
	double		 elapsed;
	struct timespec	 t0;
	bool		 may_wait;
	char		*digest;	/* taken from the result */
};

static int pending;
static struct event_base *base;
static int port;
static char tmpdir[] = "/tmp/feedd-test-fetch.XXXXXX";

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
on_done(const struct fetch_result *r, void *arg)
{
	struct tcase *c = arg;

	c->done = true;
	c->elapsed = since(&c->t0);
	c->status = r->status;
	c->http_code = r->http_code;
	c->error = xstrdup_or_null(r->error);
	c->etag_got = xstrdup_or_null(r->etag);
	c->lm_got = xstrdup_or_null(r->last_modified);
	c->permanent_url = xstrdup_or_null(r->permanent_url);
	c->effective_url = xstrdup_or_null(r->effective_url);
	c->redirects = r->redirects;
	c->retry_after_s = r->retry_after_s;
	c->max_age_s = r->max_age_s;
	c->expires_s = r->expires_s;
	c->body = NULL;		/* a digest took it */
	if (r->body != NULL) {
		c->body = xmalloc(r->body_len + 1);
		memcpy(c->body, r->body, r->body_len);
		c->body[r->body_len] = '\0';
	}
	c->body_len = r->body_len;
	c->digest = r->digest;
	if (--pending == 0)
		event_base_loopbreak(base);
}

static void
tcase_clear(struct tcase *c)
{
	free(c->url);
	free(c->error);
	free(c->etag_got);
	free(c->lm_got);
	free(c->permanent_url);
	free(c->effective_url);
	free(c->body);
	free(c->digest);
	memset(c, 0, sizeof(*c));
}

static void
start(struct fetch *f, struct tcase *c)
{
	struct fetch_request req = {
		.url = c->url, .etag = c->etag,
		.last_modified = c->last_modified,
		.may_wait = c->may_wait,
		.on_done = on_done, .arg = c,
	};

	clock_gettime(CLOCK_MONOTONIC, &c->t0);
	pending++;
	fetch_start(f, &req);
}

static void
run(void)
{
	if (pending > 0)
		event_base_dispatch(base);
}

static char *
url(const char *path)
{
	return xasprintf("http://127.0.0.1:%d%s", port, path);
}

/* A control request to the server, outside the loop under test. */
static char *
control(const char *path, const char *post)
{
	struct buf_s { char *p; size_t n; } b = { NULL, 0 };
	FILE *mem;
	CURL *e;
	char *u = url(path);

	mem = open_memstream(&b.p, &b.n);
	e = curl_easy_init();
	curl_easy_setopt(e, CURLOPT_URL, u);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, mem);
	if (post != NULL)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, post);
	curl_easy_perform(e);
	curl_easy_cleanup(e);
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

/*
 * Waits (up to 3 s) until the server has noted n spans of path: it notes
 * one a moment after the client has it all, later on a busy machine.
 */
static void
wait_spans(const char *path, size_t n)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	for (int i = 0; i < 150; i++) {
		json_t *st = stats_for(path);
		size_t got = json_array_size(json_object_get(st, "spans"));

		json_decref(st);
		if (got >= n)
			return;
		nanosleep(&ts, NULL);
	}
	diag("the server noted fewer than %zu spans of %s", n, path);
}

static const char *
sent_header(json_t *st, const char *name)
{
	return json_string_value(json_object_get(json_object_get(st,
	    "headers"), name));
}

static void
write_feed(void)
{
	char *p = xasprintf("%s/a.xml", tmpdir);
	FILE *fp = fopen(p, "w");

	fputs(FEED, fp);
	fclose(fp);
	free(p);
}

/* A digest: says what it saw of the result, and where it ran. */
static void *
digest_of(struct fetch_result *r, const char *key)
{
	char *body = xasprintf("%.*s", (int)r->body_len, r->body);
	char *d = xasprintf("%s: %ld, %s", key, r->http_code,
	    strcmp(body, FEED) == 0 ? "same body" : "other body");

	free(body);
	/* Read: taken, so that it is not held while the result waits. */
	free((char *)r->body);
	r->body = NULL;
	return d;
}

/* The most of path's spans (on the server) that overlapped at once. */
static size_t
max_overlap(const char *path)
{
	json_t *st = stats_for(path), *spans = json_object_get(st, "spans");
	size_t n = json_array_size(spans), best = 0;

	for (size_t i = 0; i < n; i++) {
		double t = json_real_value(json_array_get(json_array_get(spans,
		    i), 0));
		size_t at = 0;

		/* Who runs as span i starts (the server notes ends late). */
		for (size_t j = 0; j < n; j++) {
			json_t *sj = json_array_get(spans, j);

			if (json_real_value(json_array_get(sj, 0)) <= t &&
			    json_real_value(json_array_get(sj, 1)) > t + 0.05)
				at++;
		}
		if (at > best)
			best = at;
	}
	json_decref(st);
	return best;
}

/* The earliest start (edge 0) or end (edge 1) of path's spans. */
static double
span_first(const char *path, int edge)
{
	json_t *st = stats_for(path), *spans = json_object_get(st, "spans");
	double t = -1;

	for (size_t i = 0; i < json_array_size(spans); i++) {
		double u = json_real_value(json_array_get(json_array_get(spans,
		    i), edge));

		if (t < 0 || u < t)
			t = u;
	}
	json_decref(st);
	return t;
}

/*
 * Requests that may wait: at most max_connections of them run, at most
 * max_per_host on a host, the others start as those end; one that may
 * not wait starts at once; a waiting one can be cancelled, and
 * fetch_free reports it cancelled.
 */
static void
test_queue(void)
{
	struct fetch_options o = {
		.timeout_s = 20,
		.max_connections = 2,
		.max_per_host = 8,
		.extra_connections = 2,
	};
	struct tcase q[6];
	struct fetch *f;
	struct fetch_xfer *x;

	memset(q, 0, sizeof(q));
	free(control("/_control/reset", ""));
	f = fetch_new(base, &o);
	for (int i = 0; i < 4; i++) {
		q[i].url = xasprintf("http://127.0.0.1:%d/drip/q?n=4&"
		    "delay=0.1&k=%d", port, i);
		q[i].may_wait = true;
		start(f, &q[i]);
	}
	/* Started last, it does not wait for the four. */
	q[4].url = url("/drip/now?n=4&delay=0.1");
	start(f, &q[4]);
	ok(fetch_in_flight(f) == 5, "five in flight, three of them waiting");
	run();
	ok(q[0].done && q[3].done && q[4].done && q[0].status == FETCH_OK &&
	    q[3].status == FETCH_OK && q[4].status == FETCH_OK,
	    "the waiting requests ran once others ended");
	wait_spans("/drip/q", 4);
	wait_spans("/drip/now", 1);
	ok(max_overlap("/drip/q") == 2, "max_connections 2: two ran at once "
	    "(%zu)", max_overlap("/drip/q"));
	ok(span_first("/drip/now", 0) < span_first("/drip/q", 1) - 0.1,
	    "a request that may not wait started at once (%.2f s before the "
	    "first end)", span_first("/drip/q", 1) -
	    span_first("/drip/now", 0));
	for (int i = 0; i < 5; i++)
		tcase_clear(&q[i]);

	/* max_per_host holds for those that wait. */
	free(control("/_control/reset", ""));
	o.max_connections = 4;
	o.max_per_host = 1;
	fetch_set_options(f, &o);
	for (int i = 0; i < 3; i++) {
		q[i].url = xasprintf("http://127.0.0.1:%d/drip/host?n=3&"
		    "delay=0.1&k=%d", port, i);
		q[i].may_wait = true;
		start(f, &q[i]);
	}
	run();
	wait_spans("/drip/host", 3);
	ok(q[2].done && q[2].status == FETCH_OK &&
	    max_overlap("/drip/host") == 1, "max_per_host 1: one at a time on "
	    "the host (%zu)", max_overlap("/drip/host"));
	for (int i = 0; i < 3; i++)
		tcase_clear(&q[i]);

	/* A waiting request cancelled is never run, nor reported. */
	free(control("/_control/reset", ""));
	o.max_connections = 1;
	o.max_per_host = 8;
	fetch_set_options(f, &o);
	q[0].url = url("/drip/c?n=3&delay=0.1");
	q[1].url = url("/feeds/a.xml?k=cancelled");
	q[2].url = url("/feeds/a.xml?k=after");
	for (int i = 0; i < 3; i++) {
		struct fetch_request req = { .url = q[i].url, .may_wait = true,
		    .on_done = on_done, .arg = &q[i] };

		pending++;
		x = fetch_start(f, &req);
		if (i == 1) {
			fetch_cancel(x);
			pending--;
		}
	}
	run();
	{
		json_t *st = stats_for("/feeds/a.xml");

		ok(q[0].done && !q[1].done && q[2].done &&
		    q[2].status == FETCH_OK &&
		    json_integer_value(json_object_get(st, "count")) == 1,
		    "a waiting request cancelled: not run, not reported");
		json_decref(st);
	}
	for (int i = 0; i < 3; i++)
		tcase_clear(&q[i]);

	/* A digest: made of the result off the loop, handed to on_done. */
	{
		struct fetch_request req = { .url = NULL, .digest = digest_of,
		    .digest_free = free, .digest_key = "key",
		    .on_done = on_done, .arg = &q[0] };

		q[0].url = url("/feeds/a.xml?k=digest");
		req.url = q[0].url;
		pending++;
		fetch_start(f, &req);
		run();
		ok(q[0].digest != NULL && strcmp(q[0].digest, "key: 200, "
		    "same body") == 0, "the digest reached on_done (%s)",
		    q[0].digest != NULL ? q[0].digest : "none");
		ok(q[0].body == NULL && q[0].body_len == strlen(FEED),
		    "a body the digest took is not there, its length is");
		tcase_clear(&q[0]);
		/* Cancelled at once: its digest, if made, is freed (ASan). */
		q[0].url = url("/feeds/a.xml?k=digest2");
		req.url = q[0].url;
		fetch_cancel(fetch_start(f, &req));
		tcase_clear(&q[0]);
	}

	/* fetch_free: the running one and the waiting one, both cancelled. */
	q[0].url = url("/drip?n=100&delay=1");
	q[0].may_wait = q[1].may_wait = true;
	q[1].url = url("/feeds/a.xml?k=waiting");
	start(f, &q[0]);
	start(f, &q[1]);
	fetch_free(f);
	ok(q[0].done && q[1].done && q[0].status == FETCH_CANCELLED &&
	    q[1].status == FETCH_CANCELLED, "fetch_free cancels the waiting "
	    "too");
	pending = 0;
	tcase_clear(&q[0]);
	tcase_clear(&q[1]);
}

enum {
	C_PLAIN, C_GZIP, C_BOMB, C_BIG, C_R301, C_R302, C_R301_302, C_R308,
	C_LOOP, C_LOOP2, C_429, C_503, C_DRIP, C_LYING, C_RESET, C_CHALLENGE,
	C_FILE, C_FTP, C_TOFILE, C_REFUSED, C_404, C_CACHE, C_NOFILE, C_GARBAGE,
	C_MAX
};

int
main(void)
{
	struct fetch_options o = {
		.max_body_size = 1024 * 1024,
		.timeout_s = 20,
		.low_speed_bytes = 10,
		.low_speed_time_s = 2,
		.max_connections = 16,
		.max_per_host = 8,
	};
	struct tcase c[C_MAX], d;
	struct fetch *f;
	json_t *st;
	char *s, *feedurl;
	pid_t pid;
	int i;

	log_init("test_fetch");
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (mkdtemp(tmpdir) == NULL)
		return 1;
	write_feed();
	if ((pid = feedserver_start(tmpdir, &port)) == -1) {
		printf("Bail out! cannot start feedserver.py\n");
		return 1;
	}
	base = event_base_new();
	f = fetch_new(base, &o);
	ok(f != NULL, "fetch_new");
	feedurl = url("/feeds/a.xml");

	/* Route the odd cases through the server's control endpoint. */
	free(control("/_control/route", "{\"path\": \"/tofile\", \"status\": "
	    "301, \"headers\": {\"Location\": \"file:///etc/passwd\"}}"));
	free(control("/_control/route", "{\"path\": \"/cache\", \"status\": "
	    "200, \"headers\": {\"Cache-Control\": \"public, max-age=600\", "
	    "\"Expires\": \"Sun, 06 Nov 1994 09:49:37 GMT\", "
	    "\"ETag\": \"W/\\\"odd, etag\\\"\"}, \"body\": \"<rss/>\"}"));

	memset(c, 0, sizeof(c));
	c[C_PLAIN].url = url("/feeds/a.xml");
	c[C_GZIP].url = url("/feeds/a.xml?gzip=force");
	c[C_BOMB].url = url("/bomb?mb=256");
	c[C_BIG].url = url("/big?kb=2048");
	c[C_R301].url = url("/redirect/301/feeds/a.xml");
	c[C_R302].url = url("/redirect/302/feeds/a.xml");
	c[C_R301_302].url = url("/redirect/301/redirect/302/feeds/a.xml");
	c[C_R308].url = url("/redirect/308/redirect/301/feeds/a.xml");
	c[C_LOOP].url = url("/loop/0");
	c[C_LOOP2].url = url("/loop2/a");
	c[C_429].url = url("/status/429?retry_after=120");
	c[C_503].url = url("/status/503?retry_date=3600");
	c[C_DRIP].url = url("/drip?n=100&delay=1");
	c[C_LYING].url = url("/lying");
	c[C_RESET].url = url("/reset");
	c[C_CHALLENGE].url = url("/challenge");
	c[C_FILE].url = xasprintf("file://%s/a.xml", tmpdir);
	c[C_FTP].url = xasprintf("ftp://127.0.0.1:%d/a.xml", port);
	c[C_TOFILE].url = url("/tofile");
	c[C_REFUSED].url = xstrdup("http://127.0.0.1:1/feed");
	c[C_404].url = url("/nothing-here");
	c[C_CACHE].url = url("/cache");
	c[C_NOFILE].url = xasprintf("file://%s/missing.xml", tmpdir);
	c[C_GARBAGE].url = xstrdup("not a url at all");
	for (i = 0; i < C_MAX; i++)
		start(f, &c[i]);
	ok(fetch_in_flight(f) == C_MAX, "%d transfers in flight", C_MAX);
	run();
	ok(fetch_in_flight(f) == 0, "all transfers done");

	ok(c[C_PLAIN].status == FETCH_OK && c[C_PLAIN].http_code == 200,
	    "plain GET: ok, 200");
	is_str(c[C_PLAIN].body, FEED, "plain GET: body");
	ok(c[C_PLAIN].etag_got != NULL && c[C_PLAIN].lm_got != NULL,
	    "plain GET: ETag and Last-Modified read");
	ok(c[C_GZIP].status == FETCH_OK, "gzip: ok");
	is_str(c[C_GZIP].body, FEED, "gzip: body decoded");
	ok(c[C_BOMB].status == FETCH_TOO_BIG, "gzip bomb: too_big (%s)",
	    c[C_BOMB].error);
	ok(c[C_BOMB].body_len <= o.max_body_size,
	    "gzip bomb: kept at most the cap (%zu)", c[C_BOMB].body_len);
	ok(c[C_BIG].status == FETCH_TOO_BIG, "big body: too_big (%s)",
	    c[C_BIG].error);

	ok(c[C_R301].status == FETCH_OK && c[C_R301].redirects == 1,
	    "301: followed");
	is_str(c[C_R301].permanent_url, feedurl, "301: permanent target");
	is_str(c[C_R301].effective_url, feedurl, "301: effective URL");
	ok(c[C_R302].status == FETCH_OK && c[C_R302].permanent_url == NULL,
	    "302: followed, not permanent");
	s = url("/redirect/302/feeds/a.xml");
	is_str(c[C_R301_302].permanent_url, s,
	    "301 then 302: permanent part only");
	free(s);
	is_str(c[C_R308].permanent_url, feedurl, "308 then 301: permanent");
	ok(c[C_R308].redirects == 2, "308 then 301: two hops");
	ok(c[C_LOOP].status == FETCH_REDIRECTS, "endless chain: stopped (%s)",
	    c[C_LOOP].error);
	st = stats_for("/loop/5");
	ok(st != NULL && stats_for("/loop/6") == NULL,
	    "endless chain: five redirects followed, no more");
	json_decref(st);
	ok(c[C_LOOP2].status == FETCH_REDIRECTS, "two-step loop: stopped");

	ok(c[C_429].status == FETCH_HTTP_ERROR && c[C_429].http_code == 429,
	    "429: http error");
	ok(c[C_429].retry_after_s == 120, "429: Retry-After seconds (%lld)",
	    (long long)c[C_429].retry_after_s);
	ok(c[C_503].http_code == 503 && c[C_503].retry_after_s > 3590 &&
	    c[C_503].retry_after_s <= 3601, "503: Retry-After date (%lld)",
	    (long long)c[C_503].retry_after_s);
	ok(c[C_DRIP].status == FETCH_TIMEOUT, "slow drip: timeout (%s)",
	    c[C_DRIP].error);
	ok(c[C_DRIP].elapsed < 10, "slow drip: cut off early (%.1f s)",
	    c[C_DRIP].elapsed);
	ok(c[C_LYING].status == FETCH_NET_ERROR, "lying length: error (%s)",
	    c[C_LYING].error);
	ok(c[C_RESET].status == FETCH_NET_ERROR, "reset: error (%s)",
	    c[C_RESET].error);
	ok(c[C_CHALLENGE].status == FETCH_BLOCKED, "challenge: blocked (%s)",
	    c[C_CHALLENGE].error);
	ok(c[C_FILE].status == FETCH_OK, "file://: ok");
	is_str(c[C_FILE].body, FEED, "file://: body");
	ok(c[C_NOFILE].status == FETCH_NET_ERROR, "missing file: error (%s)",
	    c[C_NOFILE].error);
	ok(c[C_FTP].status == FETCH_BAD_URL, "ftp://: refused (%s)",
	    c[C_FTP].error);
	ok(c[C_TOFILE].status == FETCH_BAD_URL,
	    "redirect to file://: refused (%s)", c[C_TOFILE].error);
	ok(c[C_REFUSED].status == FETCH_NET_ERROR,
	    "connection refused: error (%s)", c[C_REFUSED].error);
	ok(c[C_404].status == FETCH_HTTP_ERROR && c[C_404].http_code == 404,
	    "404: http error");
	ok(c[C_GARBAGE].status == FETCH_BAD_URL, "garbage URL: bad_url (%s)",
	    c[C_GARBAGE].error);
	ok(c[C_CACHE].max_age_s == 600, "Cache-Control max-age");
	ok(c[C_CACHE].expires_s == 0, "Expires in the past: 0");
	is_str(c[C_CACHE].etag_got, "W/\"odd, etag\"", "ETag kept as sent");

	/* Conditional GETs send the validators back byte for byte. */
	memset(&d, 0, sizeof(d));
	d.url = url("/feeds/a.xml");
	d.etag = c[C_PLAIN].etag_got;
	start(f, &d);
	run();
	ok(d.status == FETCH_NOT_MODIFIED && d.http_code == 304,
	    "If-None-Match: 304");
	ok(d.body_len == 0, "304: no body");
	st = stats_for("/feeds/a.xml");
	is_str(sent_header(st, "If-None-Match"), c[C_PLAIN].etag_got,
	    "If-None-Match sent as received");
	ok(sent_header(st, "If-Modified-Since") == NULL,
	    "no If-Modified-Since without a stored Last-Modified");
	s = (char *)sent_header(st, "User-Agent");
	ok(s != NULL && strncmp(s, "feedd/", 6) == 0, "User-Agent: %s", s);
	s = (char *)sent_header(st, "Accept");
	ok(s != NULL && strstr(s, "application/rss+xml") != NULL &&
	    strstr(s, "application/atom+xml") != NULL, "Accept: feed types");
	s = (char *)sent_header(st, "Accept-Encoding");
	ok(s != NULL && strstr(s, "gzip") != NULL, "Accept-Encoding: %s", s);
	json_decref(st);
	d.etag = NULL;
	free(d.url);
	d.url = NULL;
	tcase_clear(&d);

	d.url = url("/feeds/a.xml");
	d.last_modified = c[C_PLAIN].lm_got;
	start(f, &d);
	run();
	ok(d.status == FETCH_NOT_MODIFIED, "If-Modified-Since: 304");
	st = stats_for("/feeds/a.xml");
	is_str(sent_header(st, "If-Modified-Since"), c[C_PLAIN].lm_got,
	    "If-Modified-Since sent as received");
	json_decref(st);
	tcase_clear(&d);

	d.url = url("/cache");
	d.etag = "W/\"odd, etag\"";
	start(f, &d);
	run();
	st = stats_for("/cache");
	is_str(sent_header(st, "If-None-Match"), "W/\"odd, etag\"",
	    "weak ETag with a comma sent back unchanged");
	json_decref(st);
	tcase_clear(&d);

	/* The three sequential GETs above shared one connection. */
	st = stats_for("/feeds/a.xml");
	{
		json_t *ports = json_object_get(st, "ports");
		size_t n = json_array_size(ports);

		ok(n >= 3 && json_integer_value(json_array_get(ports, n - 1)) ==
		    json_integer_value(json_array_get(ports, n - 2)),
		    "connection reused between sequential requests");
	}
	json_decref(st);

	/* fetch_free with a transfer in flight reports it cancelled. */
	d.url = url("/drip?n=100&delay=1");
	start(f, &d);
	fetch_free(f);
	ok(d.done && d.status == FETCH_CANCELLED, "fetch_free cancels");
	tcase_clear(&d);

	test_queue();

	for (i = 0; i < C_MAX; i++)
		tcase_clear(&c[i]);
	free(feedurl);
	event_base_free(base);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	s = xasprintf("rm -rf '%s'", tmpdir);
	if (system(s) != 0)
		diag("cannot remove %s", tmpdir);
	free(s);
	curl_global_cleanup();
	return tap_done();
}
