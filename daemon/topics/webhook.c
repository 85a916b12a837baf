/*
 * webhook: one sender per URL hook, each with at most one transfer in
 * flight and one timer for its next attempt. The queue is the store's:
 * a sender reads its hook's oldest alert when it is free, so nothing of
 * a queue lives in memory that a crash could lose or a rollback leave
 * behind.
 */
#include <sys/queue.h>
#include <sys/random.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "model_json.h"
#include "store.h"
#include "webhook.h"
#include "webhook_format.h"
#include "xmalloc.h"

/* After a store error, a sender looks again this much later. */
#define WEBHOOK_STORE_RETRY_S	10

struct webhooks;

struct webhook {
	struct webhooks	*w;
	char		*name;
	bool		 declared;	/* a URL hook of the config in force */
	struct fetch_xfer *xfer;	/* the alert in flight, or NULL */
	struct store_alert cur;		/* that alert */
	struct event	*timer;		/* the next attempt */
	int64_t		 next_try;
	struct webhook_test *test;	/* a test under way, or NULL */
};

struct webhook_test {
	TAILQ_ENTRY(webhook_test) link;
	struct webhook	*wh;
	struct fetch_xfer *xfer;
	webhook_test_fn	*fn;
	void		*arg;
};

TAILQ_HEAD(webhook_tests, webhook_test);

/* Alerts stored by the open transaction, told once it commits. */
struct webhook_tentative {
	char		*hook;
	size_t		 n;
	int64_t		 before;	/* the hook's alerts before them */
};

struct webhooks {
	struct event_base *base;
	struct store	*store;
	struct fetch	*fetch;
	struct webhooks_callbacks cb;
	const struct config *cfg;
	struct webhook	**v;
	size_t		 n;
	struct webhook_tests tests;
	struct webhook_tentative *tent;
	size_t		 ntent;
	bool		 counted;	/* start-up's alerts were told */
	bool		 closing;
};

static void	kick(struct webhook *);

/* ---- rules ---- */

enum webhook_verdict
webhook_verdict(enum fetch_status status, long http_code)
{
	/* The receiver took it, whatever became of the rest of its answer. */
	if (http_code >= 200 && http_code <= 299)
		return WEBHOOK_DELIVERED;
	if (http_code == 429 || (http_code >= 500 && http_code <= 599))
		return WEBHOOK_RETRYABLE;
	/* No answer: the receiver may not have seen it. */
	if (http_code == 0 && (status == FETCH_TIMEOUT ||
	    status == FETCH_NET_ERROR))
		return WEBHOOK_RETRYABLE;
	/* Any other answer (4xx, a redirect) says it never will be taken. */
	return WEBHOOK_REFUSED;
}

int64_t
webhook_retry_at(int64_t now, int64_t created, int64_t attempts,
    int64_t retry_after_s, double jitter)
{
	int64_t deadline = created + WEBHOOK_GIVE_UP_S, delay, at;
	int shift;

	if (now >= deadline)
		return -1;
	if (retry_after_s >= 0) {
		/* The receiver said when: never sooner, and no later. */
		at = now + (retry_after_s > 0 ? retry_after_s : 1);
		return at <= deadline ? at : -1;
	}
	shift = attempts > 1 ? (int)(attempts - 1 < 20 ? attempts - 1 : 20) :
	    0;
	delay = (int64_t)WEBHOOK_RETRY_MIN_S << shift;
	if (delay > WEBHOOK_RETRY_MAX_S)
		delay = WEBHOOK_RETRY_MAX_S;
	/* +-10%, so that hooks failing together do not retry together. */
	delay = (int64_t)((double)delay * (0.9 + 0.2 * jitter) + 0.5);
	if (delay < 1)
		delay = 1;
	at = now + delay;
	/* The last attempt is made at the deadline. */
	return at < deadline ? at : deadline;
}

static double
jitter(void)
{
	uint16_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint16_t)time(NULL);
	return (double)r / 65536.0;
}

/* A new alert's key: 128 random bits in hex. 0, or -1. */
static int
new_key(char key[33])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return -1;
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(key + 2 * i, 3, "%02x", b[i]);
	return 0;
}

/* ---- senders ---- */

static void
tell(struct webhooks *w, const char *hook, const char *topic,
    enum webhook_event ev, size_t n, const char *why)
{
	if (w->cb.on_event != NULL && n > 0)
		w->cb.on_event(w->cb.arg, hook, topic, ev, n, why);
}

static struct webhook *
find(const struct webhooks *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->v[i]->name, name) == 0)
			return w->v[i];
	return NULL;
}

/* The URL hook named so in the configuration in force, or NULL. */
static const struct config_hook *
hook_config(const struct webhooks *w, const char *name)
{
	const struct config_hook *h = w->cfg != NULL ?
	    config_hook_find(w->cfg, name) : NULL;

	return h != NULL && h->url != NULL ? h : NULL;
}

/* What webhook_format needs of a URL hook. */
static struct webhook_target
target(const struct config_hook *h)
{
	struct webhook_target t = { h->name, h->url, h->url_shown, h->format,
	    h->headers, h->secrets };

	return t;
}

/*
 * Sends alert a to URL hook h through the fetch, within h's timeout;
 * on_done(arg) hears of it from the loop. NULL when its request cannot
 * be made (logged).
 */
static struct fetch_xfer *
start(struct webhooks *w, const struct config_hook *h,
    const struct webhook_alert *a,
    void (*on_done)(const struct fetch_result *, void *), void *arg)
{
	struct webhook_target t = target(h);
	struct webhook_request req;
	struct fetch_request fr;
	struct fetch_xfer *x;

	if (webhook_format_request(&t, a, &req) == -1)
		return NULL;
	memset(&fr, 0, sizeof(fr));
	fr.url = req.url;
	fr.method = req.method;
	fr.body = req.body;
	fr.body_len = req.body_len;
	fr.headers = req.headers;
	fr.timeout_s = (long)h->timeout_s;
	fr.on_done = on_done;
	fr.arg = arg;
	x = fetch_start(w->fetch, &fr);
	webhook_request_clear(&req);
	return x;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct webhook *wh = arg;

	wh->next_try = 0;
	kick(wh);
}

/*
 * The next attempt at second `at` (the store keeps whole seconds),
 * timed from now to the microsecond: a timer of whole seconds from a
 * later clock reading could fire up to a second early.
 */
static void
arm(struct webhook *wh, int64_t at)
{
	struct timespec ts;
	struct timeval tv = { 0, 0 };
	int64_t left_us;

	clock_gettime(CLOCK_REALTIME, &ts);
	left_us = (at - (int64_t)ts.tv_sec) * 1000000 -
	    (int64_t)ts.tv_nsec / 1000;
	if (left_us > 0) {
		tv.tv_sec = (time_t)(left_us / 1000000);
		tv.tv_usec = (suseconds_t)(left_us % 1000000);
	}
	wh->next_try = at;
	evtimer_add(wh->timer, &tv);
}

/* Now, rounded up to a whole second: a retry is never sooner than its delay. */
static int64_t
now_up(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec + (ts.tv_nsec > 0);
}

static struct webhook *
sender(struct webhooks *w, const char *name)
{
	struct webhook *wh = find(w, name);

	if (wh != NULL)
		return wh;
	wh = xcalloc(1, sizeof(*wh));
	wh->w = w;
	wh->name = xstrdup(name);
	if ((wh->timer = evtimer_new(w->base, on_timer, wh)) == NULL) {
		/* Only on OOM; a sender without a timer waits for kicks. */
		log_warnx("hook '%s': cannot make a timer", name);
	}
	w->v = xreallocarray(w->v, w->n + 1, sizeof(*w->v));
	w->v[w->n++] = wh;
	return wh;
}

/* The alert leaves the store undelivered. */
static void
give_up(struct webhook *wh, const struct store_alert *a, const char *why)
{
	struct webhooks *w = wh->w;
	const struct config_hook *h = hook_config(w, wh->name);

	if (store_alert_remove(w->store, a->id) == -1)
		return;
	log_warnx("hook '%s': alert %lld (topic '%s') to %s given up after "
	    "%lld %s: %s", wh->name, (long long)a->id, a->topic, h != NULL ?
	    h->url_shown : "its receiver", (long long)a->attempts + 1,
	    a->attempts == 0 ? "attempt" : "attempts", why);
	tell(w, wh->name, a->topic, WEBHOOK_GAVE_UP, 1, why);
}

static void	on_sent(const struct fetch_result *r, void *arg);

/* Sends wh's alert a (which wh takes). */
static void
send_alert(struct webhook *wh, const struct config_hook *h,
    struct store_alert *a)
{
	struct webhook_alert alert;
	json_error_t jerr;
	json_t *entries;

	if ((entries = json_loads(a->entries, 0, &jerr)) == NULL ||
	    !json_is_array(entries)) {
		give_up(wh, a, "its stored entries are not a JSON array");
		json_decref(entries);
		store_alert_clear(a);
		return;
	}
	memset(&alert, 0, sizeof(alert));
	alert.topic = a->topic;
	alert.entries = entries;
	alert.batch = a->batch;
	alert.key = a->key;
	/* on_sent comes from the loop, never from fetch_start. */
	wh->xfer = start(wh->w, h, &alert, on_sent, wh);
	json_decref(entries);
	if (wh->xfer == NULL) {
		give_up(wh, a, "cannot make its request");
		store_alert_clear(a);
		return;
	}
	log_debug("hook '%s': sending alert %lld (topic '%s', attempt %lld) "
	    "to %s", wh->name, (long long)a->id, a->topic,
	    (long long)a->attempts + 1, h->url_shown);
	wh->cur = *a;
	memset(a, 0, sizeof(*a));
}

/*
 * Sends wh's oldest alert if it is due and wh is free; else plans when.
 * Alerts past their time are given up on the way.
 */
static void
kick(struct webhook *wh)
{
	struct webhooks *w = wh->w;
	const struct config_hook *h;
	struct store_alert a;
	int64_t now;
	int rc;

	if (w->closing || wh->xfer != NULL || !wh->declared ||
	    (h = hook_config(w, wh->name)) == NULL)
		return;
	if (wh->timer != NULL)
		evtimer_del(wh->timer);
	wh->next_try = 0;
	/*
	 * Several workers on one store: one at a time sends a hook's
	 * alerts, so each goes out once and in order. The others look
	 * again when the holder's lease could have run out.
	 */
	if (store_shared(w->store) &&
	    (rc = store_claim_hook(w->store, wh->name, w->cfg->lease_s)) !=
	    1) {
		if (wh->timer != NULL)
			arm(wh, (int64_t)time(NULL) + (rc == 0 ?
			    w->cfg->lease_s : WEBHOOK_STORE_RETRY_S));
		return;
	}
	for (;;) {
		if ((rc = store_alert_first(w->store, wh->name, &a)) == -1) {
			if (wh->timer != NULL)
				arm(wh, (int64_t)time(NULL) +
				    WEBHOOK_STORE_RETRY_S);
			return;
		}
		if (rc == 0)
			return;
		now = (int64_t)time(NULL);
		if (a.created + WEBHOOK_GIVE_UP_S <= now) {
			give_up(wh, &a, a.last_error != NULL ? a.last_error :
			    "not delivered in time");
			store_alert_clear(&a);
			continue;
		}
		if (a.next_try > now) {
			if (wh->timer != NULL)
				arm(wh, a.next_try);
			store_alert_clear(&a);
			return;
		}
		send_alert(wh, h, &a);
		if (wh->xfer != NULL)
			return;
	}
}

/* "HTTP 503: <the answer's start>", or fetch's own words. */
static char *
failure_text(const struct config_hook *h, const struct fetch_result *r)
{
	char *answer, *why;

	if (r->http_code == 0 || h == NULL || r->body_len == 0)
		return xstrdup(r->error != NULL ? r->error : (r->http_code ?
		    "unexpected answer" : "no answer"));
	answer = webhook_scrub(h->secrets, r->body, r->body_len,
	    WEBHOOK_ANSWER_LOG);
	why = xasprintf("%s: %s", r->error != NULL ? r->error : "HTTP",
	    answer);
	free(answer);
	return why;
}

static void
on_sent(const struct fetch_result *r, void *arg)
{
	struct webhook *wh = arg;
	struct webhooks *w = wh->w;
	const struct config_hook *h = hook_config(w, wh->name);
	struct store_alert *a = &wh->cur;
	int64_t now = now_up(), at;
	char *why, *what;

	wh->xfer = NULL;
	if (r->status == FETCH_CANCELLED) {
		/* Shutting down: the alert stays for the next run. */
		store_alert_clear(a);
		return;
	}
	switch (webhook_verdict(r->status, r->http_code)) {
	case WEBHOOK_DELIVERED:
		if (store_alert_remove(w->store, a->id) == -1)
			break;	/* sent again: at least once */
		log_info("hook '%s': alert %lld (topic '%s') delivered to %s "
		    "in %.2f s (HTTP %ld)", wh->name, (long long)a->id,
		    a->topic, h != NULL ? h->url_shown : "its receiver",
		    r->total_time_s, r->http_code);
		tell(w, wh->name, a->topic, WEBHOOK_SENT, 1, NULL);
		break;
	case WEBHOOK_RETRYABLE:
		why = failure_text(h, r);
		at = webhook_retry_at(now, a->created, a->attempts + 1,
		    r->http_code == 429 || r->http_code == 503 ?
		    r->retry_after_s : -1, jitter());
		if (at == -1) {
			what = xasprintf("%s%s", why, r->retry_after_s >
			    WEBHOOK_GIVE_UP_S ? " (Retry-After is past the "
			    "hour alerts are kept)" : "");
			give_up(wh, a, what);
			free(what);
		} else if (store_alert_retry(w->store, a->id, at, why) == 0) {
			log_warnx("hook '%s': alert %lld (topic '%s') to %s: "
			    "%s; trying again in %lld s (attempt %lld)",
			    wh->name, (long long)a->id, a->topic, h != NULL ?
			    h->url_shown : "its receiver", why,
			    (long long)(at - now), (long long)a->attempts + 2);
			what = xasprintf("%s (retrying in %lld s)", why,
			    (long long)(at - now));
			tell(w, wh->name, a->topic, WEBHOOK_RETRY, 1, what);
			free(what);
		}
		free(why);
		break;
	case WEBHOOK_REFUSED:
		why = failure_text(h, r);
		what = xasprintf("%s (not retried)", why);
		give_up(wh, a, what);
		free(what);
		free(why);
		break;
	}
	store_alert_clear(a);
	kick(wh);
}

/* ---- the configuration, recording, committing ---- */

/* Alerts of hooks that are no longer URL hooks: old ones go. */
static void
tidy_orphans(struct webhooks *w)
{
	struct store_alert_hook *ah;
	size_t n, gone;
	int64_t now = (int64_t)time(NULL);

	if (store_alert_hooks(w->store, &ah, &n) == -1)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!w->counted)
			tell(w, ah[i].hook, NULL, WEBHOOK_QUEUED,
			    (size_t)ah[i].count, NULL);
		if (hook_config(w, ah[i].hook) != NULL)
			continue;
		if (store_alert_expire(w->store, ah[i].hook, now -
		    WEBHOOK_GIVE_UP_S, &gone) == 0 && gone > 0) {
			log_warnx("hook '%s': %zu alerts given up: the hook is "
			    "no longer declared with a url", ah[i].hook, gone);
			tell(w, ah[i].hook, NULL, WEBHOOK_GAVE_UP, gone,
			    "the hook is no longer declared with a url");
		}
		if ((int64_t)gone < ah[i].count)
			log_warnx("hook '%s': %lld alerts wait for it, but no "
			    "[hook \"%s\"] with a url is declared: they are "
			    "kept for an hour in case it comes back",
			    ah[i].hook, (long long)(ah[i].count -
			    (int64_t)gone), ah[i].hook);
	}
	w->counted = true;
	store_alert_hook_list_free(ah, n);
}

void
webhooks_set_config(struct webhooks *w, const struct config *cfg)
{
	w->cfg = cfg;
	for (size_t i = 0; i < w->n; i++)
		w->v[i]->declared = false;
	for (size_t i = 0; i < cfg->nhooks; i++)
		if (cfg->hooks[i].url != NULL)
			sender(w, cfg->hooks[i].name)->declared = true;
	tidy_orphans(w);
	for (size_t i = 0; i < w->n; i++) {
		if (!w->v[i]->declared && w->v[i]->timer != NULL)
			evtimer_del(w->v[i]->timer);
		kick(w->v[i]);
	}
}

/* One stored alert of entries. 0 or -1. */
static int
record_one(struct webhooks *w, const struct config_hook *h,
    const char *topic, json_t *entries, bool batch)
{
	struct webhook_tentative *t = NULL;
	struct store_alert a;
	char key[33], *text;
	int64_t pending;
	int rc;

	/* Counted once per transaction, not once per alert. */
	for (size_t i = 0; i < w->ntent && t == NULL; i++)
		if (strcmp(w->tent[i].hook, h->name) == 0)
			t = &w->tent[i];
	if (t == NULL) {
		w->tent = xreallocarray(w->tent, w->ntent + 1,
		    sizeof(*w->tent));
		t = &w->tent[w->ntent++];
		t->hook = xstrdup(h->name);
		t->n = 0;
		if (store_alert_count(w->store, h->name, &t->before) == -1)
			t->before = 0;
	}
	if ((pending = t->before + (int64_t)t->n) >= WEBHOOK_PENDING_MAX) {
		log_warnx("hook '%s': %lld alerts already wait for %s; "
		    "dropping the one of topic '%s'", h->name,
		    (long long)pending, h->url_shown, topic);
		tell(w, h->name, topic, WEBHOOK_DROPPED, 1, "too many alerts "
		    "waiting (the receiver has been failing)");
		return -1;
	}
	if (new_key(key) == -1 ||
	    (text = json_dumps(entries, JSON_COMPACT)) == NULL) {
		log_warnx("hook '%s': cannot make the alert of topic '%s'",
		    h->name, topic);
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.hook = h->name;
	a.topic = (char *)topic;
	a.batch = batch;
	a.entries = text;
	a.key = key;
	rc = store_alert_add(w->store, &a, NULL);
	free(text);
	if (rc == -1)
		return -1;
	t->n++;
	return 0;
}

int
webhooks_record(struct webhooks *w, const struct config_hook *h,
    const char *topic, json_t *entries)
{
	size_t i;
	json_t *e;
	int rc = 0;

	if (h->mode == CONFIG_HOOK_BATCH)
		return record_one(w, h, topic, entries, true);
	json_array_foreach(entries, i, e) {
		json_t *one = json_pack("[O]", e);

		if (record_one(w, h, topic, one, false) == -1)
			rc = -1;
		json_decref(one);
	}
	return rc;
}

void
webhooks_wake(struct webhooks *w)
{
	for (size_t i = 0; i < w->n; i++)
		kick(w->v[i]);
}

void
webhooks_committed(struct webhooks *w, bool ok)
{
	struct webhook *wh;

	for (size_t i = 0; i < w->ntent; i++) {
		if (ok) {
			tell(w, w->tent[i].hook, NULL, WEBHOOK_QUEUED,
			    w->tent[i].n, NULL);
			if ((wh = find(w, w->tent[i].hook)) != NULL &&
			    wh->next_try == 0)
				kick(wh);
		}
		free(w->tent[i].hook);
	}
	w->ntent = 0;
}

bool
webhooks_state(const struct webhooks *w, const char *hook,
    struct webhooks_state *ret)
{
	const struct webhook *wh = w != NULL ? find(w, hook) : NULL;

	memset(ret, 0, sizeof(*ret));
	if (wh == NULL)
		return false;
	ret->sending = wh->xfer != NULL;
	ret->next_try = wh->next_try;
	return true;
}

struct webhooks *
webhooks_new(struct event_base *base, struct store *store,
    struct fetch *fetch, const struct webhooks_callbacks *cb)
{
	struct webhooks *w = xcalloc(1, sizeof(*w));

	w->base = base;
	w->store = store;
	w->fetch = fetch;
	if (cb != NULL)
		w->cb = *cb;
	TAILQ_INIT(&w->tests);
	return w;
}

static bool
in_flight(const struct webhooks *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i]->xfer != NULL)
			return true;
	return false;
}

static void
on_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	/* Only wakes the loop up to look at the clock. */
}

void
webhooks_drain(struct webhooks *w, int64_t max_s)
{
	struct timeval tick = { 0, 100 * 1000 };
	struct timespec start, now;
	struct event *ev;

	if (w == NULL || !in_flight(w))
		return;
	log_info("hooks: waiting for the alerts in flight");
	if ((ev = event_new(w->base, -1, EV_PERSIST, on_drain_tick, w)) ==
	    NULL)
		return;
	event_add(ev, &tick);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		event_base_loop(w->base, EVLOOP_ONCE);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (in_flight(w) && now.tv_sec - start.tv_sec < max_s);
	event_free(ev);
}

/* ---- tests ---- */

static void
test_free(struct webhook_test *t)
{
	TAILQ_REMOVE(&t->wh->w->tests, t, link);
	t->wh->test = NULL;
	free(t);
}

static void
on_tested(const struct fetch_result *r, void *arg)
{
	struct webhook_test *t = arg;
	const struct config_hook *h = hook_config(t->wh->w, t->wh->name);
	struct webhook_test_result res;
	char *answer = NULL, *error = NULL;

	memset(&res, 0, sizeof(res));
	t->xfer = NULL;
	res.http_code = r->http_code;
	res.ok = r->status != FETCH_CANCELLED &&
	    webhook_verdict(r->status, r->http_code) == WEBHOOK_DELIVERED;
	if (h != NULL && r->body_len > 0)
		answer = webhook_scrub(h->secrets, r->body, r->body_len,
		    WEBHOOK_ANSWER_MAX);
	if (!res.ok)
		error = r->status == FETCH_CANCELLED ? xstrdup("shutting "
		    "down") : failure_text(h, r);
	res.answer = answer;
	res.error = error;
	res.content_type = r->content_type;
	res.time_s = r->total_time_s;
	if (res.ok)
		log_info("hook '%s': test alert delivered to %s in %.2f s "
		    "(HTTP %ld)", t->wh->name, h != NULL ? h->url_shown : "?",
		    res.time_s, res.http_code);
	else
		log_warnx("hook '%s': test alert to %s: %s", t->wh->name,
		    h != NULL ? h->url_shown : "?", error);
	t->fn(t->arg, &res);
	free(answer);
	free(error);
	test_free(t);
}

/* The sample: what an alert of one entry looks like, made up. */
static json_t *
sample_entries(const struct config_hook *h)
{
	struct store_entry e;
	char *title, *summary;
	json_t *a;

	memset(&e, 0, sizeof(e));
	title = xasprintf("Test alert from feedd (hook '%s')", h->name);
	summary = xasprintf("If you read this where the alerts of hook '%s' "
	    "should arrive, it works.", h->name);
	e.feed_title = (char *)"feedd";
	e.title = title;
	e.link = (char *)"https://example.org/feedd-test-alert";
	e.published = e.fetched = e.updated = (int64_t)time(NULL);
	e.summary = summary;
	e.categories_json = e.enclosures_json = (char *)"[]";
	e.topics_json = (char *)"[\"test\"]";
	a = json_pack("[o]", model_json_entry(&e, false));
	free(title);
	free(summary);
	return a;
}

struct webhook_test *
webhooks_test(struct webhooks *w, const struct config_hook *h,
    webhook_test_fn *fn, void *arg)
{
	struct webhook *wh = sender(w, h->name);
	struct webhook_alert alert;
	struct webhook_test *t;
	char key[33];

	if (wh->test != NULL)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->wh = wh;
	t->fn = fn;
	t->arg = arg;
	wh->test = t;
	TAILQ_INSERT_TAIL(&w->tests, t, link);
	memset(&alert, 0, sizeof(alert));
	alert.topic = "test";
	alert.entries = sample_entries(h);
	alert.batch = h->mode == CONFIG_HOOK_BATCH;
	if (new_key(key) == -1)
		snprintf(key, sizeof(key), "%032llx", (long long)time(NULL));
	alert.key = key;
	if ((t->xfer = start(w, h, &alert, on_tested, t)) == NULL) {
		/* Told as a bad URL, from the loop like any outcome. */
		struct fetch_request bad = { .url = "", .method = "POST",
		    .on_done = on_tested, .arg = t };

		t->xfer = fetch_start(w->fetch, &bad);
	}
	json_decref(alert.entries);
	return t;
}

void
webhooks_test_cancel(struct webhook_test *t)
{
	if (t == NULL)
		return;
	if (t->xfer != NULL)
		fetch_cancel(t->xfer);
	test_free(t);
}

void
webhooks_free(struct webhooks *w)
{
	struct webhook_test *t;
	struct webhook_test_result res;

	if (w == NULL)
		return;
	w->closing = true;
	while ((t = TAILQ_FIRST(&w->tests)) != NULL) {
		memset(&res, 0, sizeof(res));
		res.error = "shutting down";
		if (t->xfer != NULL)
			fetch_cancel(t->xfer);
		t->xfer = NULL;
		t->fn(t->arg, &res);
		test_free(t);
	}
	for (size_t i = 0; i < w->n; i++) {
		struct webhook *wh = w->v[i];

		if (wh->xfer != NULL)
			fetch_cancel(wh->xfer);
		store_alert_clear(&wh->cur);
		if (wh->timer != NULL)
			event_free(wh->timer);
		free(wh->name);
		free(wh);
	}
	free(w->v);
	for (size_t i = 0; i < w->ntent; i++)
		free(w->tent[i].hook);
	free(w->tent);
	free(w);
}
