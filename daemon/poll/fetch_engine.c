/*
 * fetch_engine: see fetch_engine.h.
 *
 * The curl <-> libevent glue follows curl's hiperfifo/multi-event examples:
 * one one-shot timer for curl, one persistent event per socket curl asks us
 * to watch, completions read only with curl_multi_info_read().
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "buf.h"
#include "build_config.h"
#include "fetch.h"
#include "fetch_engine.h"
#include "httpdate.h"
#include "log.h"
#include "url.h"
#include "xmalloc.h"

/* What we can read, best first; anything else still gets a chance. */
#define FETCH_ACCEPT "Accept: application/rss+xml, application/atom+xml, " \
	"application/rdf+xml;q=0.9, application/feed+xml;q=0.9, " \
	"application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"

struct watch {
	struct event	*ev;
};

struct fetch_engine_xfer {
	TAILQ_ENTRY(fetch_engine_xfer) entry;
	struct fetch_engine	*f;
	CURL		*easy;
	struct curl_slist *headers;
	char		*url;
	char		*cur_url;
	char		*etag;
	char		*last_modified;
	bool		 has_body;	/* POST or PUT: no redirects, no file:// */
	long		 timeout_s;	/* the whole transfer */
	bool		 last_to_host;	/* fetch_request's */
	void		(*on_done)(const struct fetch_result *, void *);
	void		*arg;
	struct buf	 body;
	bool		 too_big;
	bool		 in_multi;
	/* Failed outside curl's completions, delivered by deliver_failed. */
	bool		 failed;
	enum fetch_status fail_status;
	char		*fail_error;
	int		 hops;
	struct timespec	 started;	/* the timeout covers every hop */
	bool		 perm_run;
	char		*permanent_url;
	double		 time_s;
	char		 errbuf[CURL_ERROR_SIZE];
};

TAILQ_HEAD(xfer_list, fetch_engine_xfer);

struct fetch_engine {
	struct event_base *base;
	struct event	*timer;
	struct event	*deferred;
	CURLM		*multi;
	CURLSH		*share;
	struct fetch_options opts;
	char		*user_agent;
	char		*ca_file;
	struct xfer_list xfers;
	size_t		 n;
	int		 running;
	bool		 closing;
};

static void	drain(struct fetch_engine *);

static void
fail_all(struct fetch_engine *f, const char *why);

static void
check_mcode(struct fetch_engine *f, CURLMcode rc, const char *what)
{
	if (rc == CURLM_OK || rc == CURLM_BAD_SOCKET)
		return;
	/*
	 * After any other error the state of every transfer is uncertain
	 * (curl_multi_socket_action(3)): fail them all so their feeds are
	 * rescheduled, and carry on with an empty multi handle.
	 */
	log_errx("fetch: %s: %s", what, curl_multi_strerror(rc));
	fail_all(f, curl_multi_strerror(rc));
}

static void
on_socket(evutil_socket_t fd, short events, void *arg)
{
	struct fetch_engine *f = arg;
	int action = 0;
	CURLMcode rc;

	if (events & EV_READ)
		action |= CURL_CSELECT_IN;
	if (events & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	rc = curl_multi_socket_action(f->multi, fd, action, &f->running);
	check_mcode(f, rc, "curl_multi_socket_action");
	drain(f);
}

static void
on_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct fetch_engine *f = arg;
	CURLMcode rc;

	rc = curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0,
	    &f->running);
	check_mcode(f, rc, "curl_multi_socket_action");
	drain(f);
}

static int
multi_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct fetch_engine *f = arg;
	struct timeval tv;

	if (timeout_ms < 0 || f->closing) {
		evtimer_del(f->timer);
		return 0;
	}
	/* Zero means "next loop turn"; never call curl from here. */
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(f->timer, &tv);
	return 0;
}

static int
multi_socket_cb(CURL *easy, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct fetch_engine *f = arg;
	struct watch *w = sockp;
	short kind;

	if (what == CURL_POLL_REMOVE) {
		/* curl may announce sockets it never asked us to watch. */
		if (w != NULL) {
			event_free(w->ev);
			free(w);
			if (!f->closing)
				curl_multi_assign(f->multi, s, NULL);
		}
		return 0;
	}
	if (f->closing)
		return 0;
	kind = EV_PERSIST;
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	if (w == NULL) {
		w = xcalloc(1, sizeof(*w));
		if ((w->ev = event_new(f->base, s, kind, on_socket, f)) ==
		    NULL) {
			free(w);
			log_errx("fetch: cannot create a socket event");
			return -1;
		}
		curl_multi_assign(f->multi, s, w);
	} else {
		/* A pending event cannot be re-assigned (event2/event.h). */
		event_del(w->ev);
		event_assign(w->ev, f->base, s, kind, on_socket, f);
	}
	event_add(w->ev, NULL);
	return 0;
}

static size_t
write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct fetch_engine_xfer *x = arg;
	size_t len = size * n;

	/* The cap is on decoded bytes: a gzip bomb stops here. */
	if (x->body.len + len > x->f->opts.max_body_size) {
		x->too_big = true;
		return len == 0 ? 1 : 0;
	}
	buf_append(&x->body, data, len);
	return len;
}

static void
xfer_free(struct fetch_engine_xfer *x)
{
	if (x->easy != NULL) {
		if (x->in_multi)
			curl_multi_remove_handle(x->f->multi, x->easy);
		curl_easy_cleanup(x->easy);
	}
	curl_slist_free_all(x->headers);
	buf_free(&x->body);
	free(x->url);
	free(x->cur_url);
	free(x->etag);
	free(x->last_modified);
	free(x->fail_error);
	free(x->permanent_url);
	free(x);
}

static void
deliver(struct fetch_engine_xfer *x, struct fetch_result *r)
{
	struct fetch_engine *f = x->f;

	r->url = x->url;
	if (r->effective_url == NULL)
		r->effective_url = x->cur_url;
	r->permanent_url = x->permanent_url;
	r->redirects = x->hops;
	r->body = x->body.data;
	r->body_len = x->body.len;
	r->total_time_s = x->time_s;
	TAILQ_REMOVE(&f->xfers, x, entry);
	f->n--;
	if (x->in_multi) {
		curl_multi_remove_handle(f->multi, x->easy);
		x->in_multi = false;
	}
	x->on_done(r, x->arg);
	xfer_free(x);
}

static void
result_init(struct fetch_result *r)
{
	memset(r, 0, sizeof(*r));
	r->retry_after_s = -1;
	r->max_age_s = -1;
	r->expires_s = -1;
}

static void
mark_failed(struct fetch_engine_xfer *x, enum fetch_status status,
    const char *why)
{
	x->failed = true;
	x->fail_status = status;
	free(x->fail_error);
	x->fail_error = xstrdup(why);
}

/*
 * Delivers every transfer marked failed. on_done may start or cancel
 * transfers, so the list is scanned again after each.
 */
static void
deliver_failed(struct fetch_engine *f)
{
	struct fetch_engine_xfer *x;
	struct fetch_result r;

	for (;;) {
		TAILQ_FOREACH(x, &f->xfers, entry)
			if (x->failed)
				break;
		if (x == NULL)
			return;
		result_init(&r);
		r.status = x->fail_status;
		r.error = x->fail_error;
		deliver(x, &r);
	}
}

static void
fail_all(struct fetch_engine *f, const char *why)
{
	struct fetch_engine_xfer *x;

	TAILQ_FOREACH(x, &f->xfers, entry)
		if (x->in_multi)
			mark_failed(x, FETCH_NET_ERROR, why);
	deliver_failed(f);
}

static void
on_deferred(evutil_socket_t fd, short events, void *arg)
{
	deliver_failed(arg);
}

/* Failures found before curl runs are still reported from the loop. */
static void
defer_failure(struct fetch_engine_xfer *x, enum fetch_status status,
    const char *why)
{
	mark_failed(x, status, why);
	event_active(x->f->deferred, EV_TIMEOUT, 0);
}

static const char *
header(CURL *easy, const char *name)
{
	struct curl_header *h;

	if (curl_easy_header(easy, name, 0, CURLH_HEADER, -1, &h) !=
	    CURLHE_OK)
		return NULL;
	return h->value;
}

/* Every instance of a header, joined by ", " (a list), or NULL. */
static char *
header_all(CURL *easy, const char *name)
{
	struct curl_header *h;
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; curl_easy_header(easy, name, i, CURLH_HEADER, -1, &h) ==
	    CURLHE_OK; i++) {
		buf_printf(&b, "%s%s", i > 0 ? ", " : "", h->value);
		if (i + 1 >= h->amount)
			break;
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* Sets up the easy handle for the next hop to x->cur_url. */
static int
xfer_arm(struct fetch_engine_xfer *x)
{
	struct fetch_engine *f = x->f;
	CURL *e = x->easy;
	CURLMcode rc;

	struct timespec now;
	long left_ms;

	buf_reset(&x->body);
	x->too_big = false;
	x->errbuf[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &now);
	left_ms = x->timeout_s * 1000 -
	    ((now.tv_sec - x->started.tv_sec) * 1000 +
	    (now.tv_nsec - x->started.tv_nsec) / 1000000);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, left_ms > 1000 ? left_ms :
	    1000L);
	curl_easy_setopt(e, CURLOPT_URL, x->cur_url);
	/* Redirect targets come from the network: never file:// there. */
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR,
	    x->hops == 0 && !x->has_body ? "http,https,file" : "http,https");
	/*
	 * Over TLS, wait for a connection to the host that is being set up
	 * rather than open another: if ALPN settles on HTTP/2 this transfer
	 * becomes one of its streams. Plain HTTP stays HTTP/1.1, nothing to
	 * wait for; a redirect may change the scheme, hence set every hop.
	 */
	curl_easy_setopt(e, CURLOPT_PIPEWAIT,
	    strncmp(x->cur_url, "https:", 6) == 0 ? 1L : 0L);
	if ((rc = curl_multi_add_handle(f->multi, e)) != CURLM_OK) {
		defer_failure(x, FETCH_NET_ERROR, curl_multi_strerror(rc));
		return -1;
	}
	x->in_multi = true;
	return 0;
}

/* A feed's Accept and validators, which go back byte for byte. */
static void
get_headers(struct fetch_engine_xfer *x)
{
	char *h;

	x->headers = curl_slist_append(x->headers, FETCH_ACCEPT);
	if (x->etag != NULL && *x->etag != '\0') {
		h = xasprintf("If-None-Match: %s", x->etag);
		x->headers = curl_slist_append(x->headers, h);
		free(h);
	}
	if (x->last_modified != NULL && *x->last_modified != '\0') {
		h = xasprintf("If-Modified-Since: %s", x->last_modified);
		x->headers = curl_slist_append(x->headers, h);
		free(h);
	}
}

/* A POST or PUT: its body and the caller's headers. */
static void
body_request(struct fetch_engine_xfer *x, const struct fetch_request *req)
{
	CURL *e = x->easy;

	for (size_t i = 0; req->headers != NULL && req->headers[i] != NULL;
	    i++)
		x->headers = curl_slist_append(x->headers, req->headers[i]);
	/* No "100-continue" wait: receivers answer small bodies at once. */
	x->headers = curl_slist_append(x->headers, "Expect:");
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)req->body_len);
	curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body != NULL ?
	    req->body : "");
	if (strcmp(req->method, "POST") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
}

struct fetch_engine_xfer *
fetch_engine_start(struct fetch_engine *f, const struct fetch_request *req)
{
	const struct fetch_options *o = &f->opts;
	struct fetch_engine_xfer *x;
	char err[256], why[128];
	CURL *e;

	x = xcalloc(1, sizeof(*x));
	x->f = f;
	x->url = xstrdup(req->url);
	x->cur_url = xstrdup(req->url);
	x->has_body = req->method != NULL;
	x->last_to_host = req->last_to_host;
	if (!x->has_body) {
		x->etag = xstrdup_or_null(req->etag);
		x->last_modified = xstrdup_or_null(req->last_modified);
	}
	x->timeout_s = req->timeout_s > 0 ? req->timeout_s : o->timeout_s;
	x->on_done = req->on_done;
	x->arg = req->arg;
	x->perm_run = true;
	clock_gettime(CLOCK_MONOTONIC, &x->started);
	buf_init(&x->body);
	TAILQ_INSERT_TAIL(&f->xfers, x, entry);
	f->n++;

	/* A feed's own URL may be file:// (feedd.conf's); a redirect never. */
	if (url_check(x->url, x->has_body ? 0 : URL_FILE_OK, why,
	    sizeof(why)) == -1) {
		snprintf(err, sizeof(err), "bad URL: %s", why);
		defer_failure(x, FETCH_BAD_URL, err);
		return x;
	}
	if (x->has_body && strcmp(req->method, "POST") != 0 &&
	    strcmp(req->method, "PUT") != 0) {
		defer_failure(x, FETCH_BAD_URL, "a request with a body is a "
		    "POST or a PUT");
		return x;
	}
	if ((e = x->easy = curl_easy_init()) == NULL) {
		defer_failure(x, FETCH_NET_ERROR, "cannot create a transfer");
		return x;
	}
	if (x->has_body)
		body_request(x, req);
	else
		get_headers(x);
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, f->user_agent);
	curl_easy_setopt(e, CURLOPT_SHARE, f->share);
	/* libcurl's default since 7.62; stated, as PIPEWAIT relies on it. */
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	if (f->ca_file != NULL) {
		curl_easy_setopt(e, CURLOPT_CAINFO, f->ca_file);
		/*
		 * Debian's libcurl also reads a built-in CA directory, which
		 * would quietly keep trusting the system's CAs: ca_file means
		 * these CAs only, on every build.
		 */
		curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
	}
	/* "" = every decoder this libcurl was built with. */
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
	if (o->low_speed_time_s > 0) {
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT,
		    o->low_speed_bytes);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
		    o->low_speed_time_s);
	}
	/* Early refusal on an announced length; write_cb checks the rest. */
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)o->max_body_size);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	/*
	 * No DNS cache of libcurl's own: it is pruned by a walk over every
	 * entry at each new connection, so with thousands of hosts resolved
	 * within its minute each connection cost more (20,000 hosts: 28 s of
	 * CPU against 12 s without it, bench/README.md). Connections are
	 * kept and reused; a new one asks the system's resolver, and its
	 * cache, like any other program.
	 */
	curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	/*
	 * A connection kept to a host that nothing is bound for soon only
	 * waits to be evicted, and libcurl (7.88) evicts the oldest idle
	 * connection with a walk over every host it has held one to,
	 * leaving that host's empty entry behind: with 20,000 hosts most of
	 * a cold poll's CPU. Closed after its transfer, it leaves nothing.
	 */
	curl_easy_setopt(e, CURLOPT_FORBID_REUSE, x->last_to_host ? 1L : 0L);
	xfer_arm(x);
	return x;
}

/* A 3xx we follow ourselves; returns true if the transfer goes on. */
static bool
follow(struct fetch_engine_xfer *x, long code, const char *location,
    struct fetch_result *r, char *err, size_t errlen)
{
	int max = x->f->opts.max_redirects;
	char *next, why[128];

	if (max < 0 || x->has_body) {
		snprintf(err, errlen, "HTTP %ld redirect not followed%s", code,
		    x->has_body ? " (a POST or PUT is never redirected)" : "");
		r->status = FETCH_REDIRECTS;
		return false;
	}
	if (x->hops >= max) {
		snprintf(err, errlen, "more than %d redirects (loop?), last "
		    "to '%s'", max, location);
		r->status = FETCH_REDIRECTS;
		return false;
	}
	/* A target from the network: never file://. */
	if (url_check(location, 0, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "redirect to '%.200s' refused: %s",
		    location, why);
		r->status = FETCH_BAD_URL;
		return false;
	}
	next = xstrdup(location);
	if (x->perm_run && (code == 301 || code == 308)) {
		free(x->permanent_url);
		x->permanent_url = xstrdup(next);
	} else
		x->perm_run = false;
	free(x->cur_url);
	x->cur_url = next;
	x->hops++;
	curl_multi_remove_handle(x->f->multi, x->easy);
	x->in_multi = false;
	/* A failure to re-arm is delivered through the deferred path. */
	xfer_arm(x);
	return true;
}

static void
finished(struct fetch_engine_xfer *x, CURLcode res)
{
	struct fetch_result r;
	char err[CURL_ERROR_SIZE + 128];
	const char *redir = NULL, *eff = NULL, *v;
	long code = 0;
	double t = 0;
	int64_t now = time(NULL), date, exp;
	char *link = NULL;

	result_init(&r);
	err[0] = '\0';
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME, &t);
	curl_easy_getinfo(x->easy, CURLINFO_REDIRECT_URL, &redir);
	curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &eff);
	x->time_s += t;
	r.http_code = code;

	if (res == CURLE_OK && redir != NULL && (code == 301 || code == 302 ||
	    code == 303 || code == 307 || code == 308)) {
		if (follow(x, code, redir, &r, err, sizeof(err)))
			return;
		r.error = err;
		deliver(x, &r);
		return;
	}
	if (code > 0) {
		r.etag = header(x->easy, "ETag");
		r.last_modified = header(x->easy, "Last-Modified");
		r.content_type = header(x->easy, "Content-Type");
		r.link = link = header_all(x->easy, "Link");
		r.retry_after_s = httpdate_retry_after(
		    header(x->easy, "Retry-After"), now);
		r.max_age_s = httpdate_max_age(
		    header(x->easy, "Cache-Control"));
		if ((exp = httpdate_parse(header(x->easy, "Expires"))) != -1) {
			/* Relative to the server's clock when it gives one. */
			date = httpdate_parse(header(x->easy, "Date"));
			exp -= date != -1 ? date : now;
			r.expires_s = exp > 0 ? exp : 0;
		}
	}
	r.effective_url = eff;

	if ((res == CURLE_WRITE_ERROR && x->too_big) ||
	    res == CURLE_FILESIZE_EXCEEDED) {
		r.status = FETCH_TOO_BIG;
		snprintf(err, sizeof(err), "body larger than %llu bytes",
		    (unsigned long long)x->f->opts.max_body_size);
	} else if (res == CURLE_OPERATION_TIMEDOUT) {
		r.status = FETCH_TIMEOUT;
		snprintf(err, sizeof(err), "%s", x->errbuf[0] != '\0' ?
		    x->errbuf : curl_easy_strerror(res));
	} else if (res == CURLE_UNSUPPORTED_PROTOCOL ||
	    res == CURLE_URL_MALFORMAT) {
		r.status = FETCH_BAD_URL;
		snprintf(err, sizeof(err), "%s", x->errbuf[0] != '\0' ?
		    x->errbuf : curl_easy_strerror(res));
	} else if (res != CURLE_OK) {
		r.status = FETCH_NET_ERROR;
		snprintf(err, sizeof(err), "%s", x->errbuf[0] != '\0' ?
		    x->errbuf : curl_easy_strerror(res));
	} else if (code == 0 || (code >= 200 && code < 300)) {
		r.status = FETCH_OK;
	} else if (code == 304) {
		r.status = FETCH_NOT_MODIFIED;
	} else if ((v = header(x->easy, "cf-mitigated")) != NULL &&
	    strcasecmp(v, "challenge") == 0) {
		r.status = FETCH_BLOCKED;
		snprintf(err, sizeof(err), "HTTP %ld: bot challenge page "
		    "(cf-mitigated: challenge)", code);
	} else {
		r.status = FETCH_HTTP_ERROR;
		if (code >= 300 && code < 400)
			snprintf(err, sizeof(err), "HTTP %ld without a usable "
			    "Location", code);
		else
			snprintf(err, sizeof(err), "HTTP %ld", code);
	}
	if (err[0] != '\0')
		r.error = err;
	deliver(x, &r);
	free(link);
}

static void
drain(struct fetch_engine *f)
{
	struct fetch_engine_xfer *x;
	CURLMsg *msg;
	CURLcode res;
	CURL *easy;
	int left;

	while ((msg = curl_multi_info_read(f->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		easy = msg->easy_handle;
		res = msg->data.result;
		x = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&x);
		if (x == NULL)
			continue;
		finished(x, res);
	}
}

static void
apply_options(struct fetch_engine *f, const struct fetch_options *opts)
{
	struct fetch_options *o = &f->opts;

	*o = *opts;
	if (o->connect_timeout_s <= 0)
		o->connect_timeout_s = FETCH_DEFAULT_CONNECT_TIMEOUT_S;
	if (o->timeout_s <= 0)
		o->timeout_s = FETCH_DEFAULT_TIMEOUT_S;
	if (o->max_body_size == 0)
		o->max_body_size = FETCH_DEFAULT_MAX_BODY;
	if (o->low_speed_bytes <= 0)
		o->low_speed_bytes = FETCH_DEFAULT_LOW_SPEED_BYTES;
	if (o->low_speed_time_s == 0)
		o->low_speed_time_s = FETCH_DEFAULT_LOW_SPEED_TIME_S;
	if (o->max_redirects == 0)
		o->max_redirects = FETCH_DEFAULT_MAX_REDIRECTS;
	free(f->user_agent);
	f->user_agent = xstrdup(opts->user_agent != NULL &&
	    *opts->user_agent != '\0' ? opts->user_agent : FEEDD_USER_AGENT);
	o->user_agent = f->user_agent;
	free(f->ca_file);
	f->ca_file = xstrdup_or_null(opts->ca_file != NULL &&
	    *opts->ca_file != '\0' ? opts->ca_file : NULL);
	o->ca_file = f->ca_file;
	curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    o->max_connections > 0 ? o->max_connections +
	    (o->extra_connections > 0 ? o->extra_connections : 0) : 0L);
	/*
	 * These count connections, not transfers: over HTTP/2 every transfer
	 * to a host can be a stream of one connection. The scheduler bounds
	 * transfers in flight per host itself.
	 */
	curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    o->max_per_host > 0 ? o->max_per_host : 0L);
}

struct fetch_engine *
fetch_engine_new(struct event_base *base, const struct fetch_options *opts)
{
	struct fetch_engine *f;

	f = xcalloc(1, sizeof(*f));
	f->base = base;
	TAILQ_INIT(&f->xfers);
	if ((f->multi = curl_multi_init()) == NULL) {
		log_errx("fetch: curl_multi_init failed");
		free(f);
		return NULL;
	}
	f->timer = evtimer_new(base, on_timeout, f);
	f->deferred = event_new(base, -1, 0, on_deferred, f);
	if (f->timer == NULL || f->deferred == NULL) {
		log_errx("fetch: cannot create events");
		fetch_engine_free(f);
		return NULL;
	}
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, multi_socket_cb);
	curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, f);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, multi_timer_cb);
	curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, f);
	/* libcurl's default since 7.62; stated, as PIPEWAIT relies on it. */
	curl_multi_setopt(f->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	/*
	 * The multi handle already shares connections and the DNS cache
	 * between its transfers, but each easy handle keeps its own TLS
	 * session cache: shared here, a new connection to a host seen before
	 * can resume the session instead of a full handshake.
	 */
	if ((f->share = curl_share_init()) == NULL ||
	    curl_share_setopt(f->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
		log_errx("fetch: cannot create a TLS session cache");
		fetch_engine_free(f);
		return NULL;
	}
	apply_options(f, opts);
	return f;
}

void
fetch_engine_set_options(struct fetch_engine *f,
    const struct fetch_options *opts)
{
	apply_options(f, opts);
}

void
fetch_engine_cancel(struct fetch_engine_xfer *x)
{
	struct fetch_engine *f = x->f;

	TAILQ_REMOVE(&f->xfers, x, entry);
	f->n--;
	xfer_free(x);
}

size_t
fetch_engine_in_flight(const struct fetch_engine *f)
{
	return f->n;
}

void
fetch_engine_free(struct fetch_engine *f)
{
	struct fetch_engine_xfer *x;
	struct fetch_result r;

	if (f == NULL)
		return;
	while ((x = TAILQ_FIRST(&f->xfers)) != NULL) {
		result_init(&r);
		r.status = FETCH_CANCELLED;
		r.error = "shutting down";
		deliver(x, &r);
	}
	/* curl may call the socket callback while cleaning up. */
	f->closing = true;
	if (f->multi != NULL)
		curl_multi_cleanup(f->multi);
	/* Last: every easy handle using it is gone by now. */
	if (f->share != NULL)
		curl_share_cleanup(f->share);
	if (f->timer != NULL)
		event_free(f->timer);
	if (f->deferred != NULL)
		event_free(f->deferred);
	free(f->user_agent);
	free(f->ca_file);
	free(f);
}
