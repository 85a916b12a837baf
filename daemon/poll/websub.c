#include <sys/random.h>

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "fetch.h"
#include "log.h"
#include "metrics.h"
#include "sched.h"
#include "store.h"
#include "units.h"
#include "url.h"
#include "websub.h"
#include "xmalloc.h"

/* Random bytes of a callback name and of a secret (hex: twice as many). */
#define CALLBACK_BYTES	16
#define SECRET_BYTES	32
/* The longest challenge echoed (hubs send a few dozen bytes). */
#define CHALLENGE_MAX	1024

struct request;

struct websub {
	struct event_base *base;
	struct store	*store;
	struct fetch	*fetch;
	struct sched	*sched;
	char		*public_url;
	uint64_t	 max_body;
	struct event	*timer;
	struct request	*requests;	/* to hubs, in flight */
	struct metric	*m_pushes, *m_verifications, *m_subs;
	/*
	 * When each subscription next needs something (next_action), by
	 * id: read from the store once (plan_all), then kept as this module
	 * saves and removes rows, so that a verification or a timer reads
	 * the rows it concerns, not every one (100,000 subscriptions were
	 * 100,000 rows read per event). Another worker's changes show when
	 * the row is read at its time, and in plan_all when feeds change.
	 */
	struct plan	*plan;		/* ascending by id */
	size_t		 nplan, plan_cap;
	bool		 plan_lost;	/* reading them failed: read again */
};

struct plan {
	int64_t	 id;
	int64_t	 at;		/* INT64_MAX: nothing planned */
};

/* A request to a hub, in flight; its row is found again by callback. */
struct request {
	struct websub	*w;
	struct fetch_xfer *xfer;
	char		*callback;
	bool		 subscribe;
	struct request	*next;
};

static void	plan_set(struct websub *, const struct store_websub *);
static void	plan_forget(struct websub *, int64_t);
static void	rearm(struct websub *);
static void	plan_all(struct websub *);

/* n random bytes as 2n hex digits. 0 / -1 (logged). */
static int
random_hex(char *out, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char b[SECRET_BYTES];
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		if ((r = getrandom(b + got, n - got, 0)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("websub: getrandom");
			return -1;
		}
		got += (size_t)r;
	}
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
	OPENSSL_cleanse(b, sizeof(b));
	return 0;
}

static char *
callback_url(const struct websub *w, const char *name)
{
	return xasprintf("%swebsub/%s", w->public_url, name);
}

static void
request_unlink(struct websub *w, struct request *rq)
{
	struct request **pp;

	for (pp = &w->requests; *pp != NULL; pp = &(*pp)->next)
		if (*pp == rq) {
			*pp = rq->next;
			break;
		}
}

static void
request_free(struct request *rq)
{
	free(rq->callback);
	free(rq);
}

/* Saves row, and plans its next need; a store error is logged there. */
static void
save(struct websub *w, const struct store_websub *row)
{
	if (store_websub_save(w->store, row) == 0)
		plan_set(w, row);
}

/* Removes row id (a store error is logged there). */
static void
forget(struct websub *w, int64_t id)
{
	if (store_websub_remove(w->store, id) == 0)
		plan_forget(w, id);
}

static void
set_error(struct store_websub *row, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
set_error(struct store_websub *row, const char *fmt, ...)
{
	va_list ap;
	char *e;

	va_start(ap, fmt);
	if (vasprintf(&e, fmt, ap) == -1)
		e = NULL;
	va_end(ap);
	free(row->last_error);
	row->last_error = e;
}

static void
set_asked(struct store_websub *row, const char *mode, int64_t when)
{
	free(row->asked);
	row->asked = xstrdup_or_null(mode);
	row->asked_at = mode != NULL ? when : 0;
}

/* The hub said no, or never answered: polling only, asked again later. */
static void
refused(struct websub *w, struct store_websub *row, int64_t now)
{
	bool was_active = row->state == STORE_WEBSUB_ACTIVE;

	row->state = STORE_WEBSUB_REFUSED;
	set_asked(row, NULL, 0);
	row->lease_until = 0;
	row->retry_at = now + WEBSUB_RETRY_S;
	save(w, row);
	log_warnx("websub: feed %lld at hub '%s': %s; polled as usual, the "
	    "hub asked again in %ds", (long long)row->feed_id, row->hub,
	    row->last_error != NULL ? row->last_error : "refused",
	    WEBSUB_RETRY_S);
	/* What the hub did not push meanwhile comes with a poll now. */
	if (was_active && !row->feed_gone)
		(void)sched_poll_now(w->sched, row->feed_id);
}

static void
on_hub_answer(const struct fetch_result *r, void *arg)
{
	struct request *rq = arg;
	struct websub *w = rq->w;
	struct store_websub row;
	int64_t now = time(NULL);

	request_unlink(w, rq);
	if (r->status == FETCH_CANCELLED ||
	    store_websub_by_callback(w->store, rq->callback, &row) != 1) {
		request_free(rq);
		return;
	}
	if (r->status == FETCH_OK && r->http_code >= 200 &&
	    r->http_code < 300) {
		log_info("websub: hub '%s' took the %s request for feed %lld; "
		    "waiting for its verification", row.hub, rq->subscribe ?
		    "subscription" : "unsubscription", (long long)row.feed_id);
		/* Planned again: no verification in time is an answer too. */
		plan_set(w, &row);
	} else if (!rq->subscribe) {
		/* It will lapse at the hub anyway. */
		log_info("websub: hub '%s' did not take the unsubscription "
		    "of feed %lld (%s); it lapses with its lease", row.hub,
		    (long long)row.feed_id, r->error != NULL ? r->error :
		    "refused");
		forget(w, row.id);
	} else {
		set_error(&row, "the hub refused the subscription (%s)",
		    r->error != NULL ? r->error : fetch_status_name(r->status));
		if (row.state == STORE_WEBSUB_ACTIVE &&
		    row.lease_until > now) {
			/* A renewal: the lease runs; try again later. */
			set_asked(&row, NULL, 0);
			row.retry_at = now + (row.lease_until - now) / 2 + 1;
			save(w, &row);
			log_warnx("websub: feed %lld: %s; renewal tried "
			    "again before the lease ends",
			    (long long)row.feed_id, row.last_error);
		} else
			refused(w, &row, now);
	}
	store_websub_clear(&row);
	request_free(rq);
	rearm(w);
}

/* Appends "&name=value", value escaped as a form wants it. */
static void
form_add(struct buf *b, const char *name, const char *value)
{
	char *v = evhttp_uriencode(value, -1, 1);

	buf_printf(b, "%s%s=%s", b->len > 0 ? "&" : "", name,
	    v != NULL ? v : "");
	free(v);
}

/* Asks row's hub to (un)subscribe; row is saved as asking. */
static void
ask(struct websub *w, struct store_websub *row, bool subscribe)
{
	static char *const headers[] = {
	    "Content-Type: application/x-www-form-urlencoded", NULL };
	struct fetch_request req;
	struct request *rq;
	struct buf body;
	char *cb, lease[32];

	if (w->public_url == NULL)
		return;
	cb = callback_url(w, row->callback);
	buf_init(&body);
	form_add(&body, "hub.callback", cb);
	form_add(&body, "hub.mode", subscribe ? "subscribe" : "unsubscribe");
	form_add(&body, "hub.topic", row->topic);
	if (subscribe) {
		snprintf(lease, sizeof(lease), "%d", WEBSUB_LEASE_S);
		form_add(&body, "hub.lease_seconds", lease);
		form_add(&body, "hub.secret", row->secret);
	}
	free(cb);
	set_asked(row, subscribe ? "subscribe" : "unsubscribe", time(NULL));
	if (!subscribe)
		row->state = STORE_WEBSUB_UNSUBSCRIBING;
	save(w, row);

	rq = xcalloc(1, sizeof(*rq));
	rq->w = w;
	rq->callback = xstrdup(row->callback);
	rq->subscribe = subscribe;
	rq->next = w->requests;
	w->requests = rq;
	memset(&req, 0, sizeof(req));
	req.url = row->hub;
	req.method = "POST";
	req.body = body.data;
	req.body_len = body.len;
	req.headers = headers;
	req.on_done = on_hub_answer;
	req.arg = rq;
	rq->xfer = fetch_start(w->fetch, &req);
	/* The body held the secret. */
	OPENSSL_cleanse(body.data, body.len);
	buf_free(&body);
}

/* Ends row's subscription: the hub is asked, the row kept until it is. */
static void
end(struct websub *w, struct store_websub *row)
{
	if (w->public_url == NULL) {
		forget(w, row->id);
		return;
	}
	log_info("websub: unsubscribing feed %lld from hub '%s'",
	    (long long)row->feed_id, row->hub);
	ask(w, row, false);
}

/* A new subscription of feed_id at hub for topic. */
static void
subscribe_new(struct websub *w, int64_t feed_id, const char *hub,
    const char *topic)
{
	struct store_websub row;
	char cb[2 * CALLBACK_BYTES + 1], secret[2 * SECRET_BYTES + 1];
	char why[256];

	if (url_check(hub, 0, why, sizeof(why)) == -1) {
		log_warnx("websub: feed %lld announces the hub '%s', which "
		    "is %s: polled only", (long long)feed_id, hub, why);
		return;
	}
	if (random_hex(cb, CALLBACK_BYTES) == -1 ||
	    random_hex(secret, SECRET_BYTES) == -1)
		return;
	memset(&row, 0, sizeof(row));
	row.feed_id = feed_id;
	row.callback = cb;
	row.hub = (char *)hub;
	row.topic = (char *)topic;
	row.secret = secret;
	row.state = STORE_WEBSUB_PENDING;
	if (store_websub_add(w->store, &row, &row.id) == -1) {
		OPENSSL_cleanse(secret, sizeof(secret));
		return;
	}
	log_info("websub: subscribing feed %lld to hub '%s' (topic '%s')",
	    (long long)feed_id, hub, topic);
	ask(w, &row, true);
	free(row.asked);	/* the rest of row is borrowed */
	OPENSSL_cleanse(secret, sizeof(secret));
}

void
websub_feed_polled(struct websub *w, int64_t feed_id, const char *url,
    const char *hub, const char *self)
{
	struct store_websub row;
	const char *topic = self != NULL ? self : url;
	int rc;

	if (w == NULL || w->public_url == NULL)
		return;
	if ((rc = store_websub_by_feed(w->store, feed_id, &row)) == -1)
		return;
	/*
	 * No hub, no subscription: nothing changed, and nothing to plan.
	 */
	if (rc == 0 && hub == NULL)
		return;
	if (rc == 1 && hub != NULL && strcmp(row.hub, hub) == 0 &&
	    strcmp(row.topic, topic) == 0) {
		store_websub_clear(&row);	/* as it should be */
		return;
	}
	if (rc == 1) {
		/* No hub any more, or another one: the old one is left. */
		end(w, &row);
		store_websub_clear(&row);
	}
	if (hub != NULL)
		subscribe_new(w, feed_id, hub, topic);
	rearm(w);
}

void
websub_feeds_changed(struct websub *w)
{
	if (w != NULL)
		plan_all(w);
}

/* When row next needs something done (INT64_MAX: never). */
static int64_t
next_action(const struct store_websub *row)
{
	int64_t t = INT64_MAX, renew;

	if (row->feed_gone && row->state != STORE_WEBSUB_UNSUBSCRIBING)
		return 0;
	if (row->state == STORE_WEBSUB_ACTIVE) {
		t = row->lease_until;
		renew = row->lease_until - (row->lease_s + 9) / 10;
		if (row->retry_at > renew)
			renew = row->retry_at;
		if (row->asked == NULL && renew < t)
			t = renew;
	}
	if (row->asked != NULL)
		return row->asked_at + WEBSUB_VERIFY_WAIT_S < t ?
		    row->asked_at + WEBSUB_VERIFY_WAIT_S : t;
	switch (row->state) {
	case STORE_WEBSUB_ACTIVE:
		return t;
	case STORE_WEBSUB_REFUSED:
		return row->retry_at;
	case STORE_WEBSUB_PENDING:
	case STORE_WEBSUB_UNSUBSCRIBING:
		return 0;	/* asked nothing: a request was lost */
	}
	return t;
}

/* Does what row needs now. */
static void
act(struct websub *w, struct store_websub *row, int64_t now)
{
	if (row->feed_gone && row->state != STORE_WEBSUB_UNSUBSCRIBING) {
		end(w, row);
		return;
	}
	if (row->state == STORE_WEBSUB_ACTIVE && now >= row->lease_until) {
		set_error(row, "the lease ended without renewal");
		refused(w, row, now);
		return;
	}
	if (row->asked != NULL) {
		/* Nothing verified within WEBSUB_VERIFY_WAIT_S. */
		if (row->state == STORE_WEBSUB_UNSUBSCRIBING) {
			forget(w, row->id);
			return;
		}
		set_error(row, "the hub did not verify the %s within %ds",
		    strcmp(row->asked, "subscribe") == 0 ? "subscription" :
		    "unsubscription", WEBSUB_VERIFY_WAIT_S);
		if (row->state == STORE_WEBSUB_ACTIVE) {
			set_asked(row, NULL, 0);
			row->retry_at = now + (row->lease_until - now) / 2 + 1;
			save(w, row);
		} else
			refused(w, row, now);
		return;
	}
	switch (row->state) {
	case STORE_WEBSUB_ACTIVE:
		log_info("websub: renewing the subscription of feed %lld at "
		    "hub '%s'", (long long)row->feed_id, row->hub);
		ask(w, row, true);
		return;
	case STORE_WEBSUB_REFUSED:
	case STORE_WEBSUB_PENDING:
		if (w->public_url == NULL)
			return;
		log_info("websub: asking hub '%s' again for feed %lld",
		    row->hub, (long long)row->feed_id);
		row->state = STORE_WEBSUB_PENDING;
		ask(w, row, true);
		return;
	case STORE_WEBSUB_UNSUBSCRIBING:
		forget(w, row->id);
		return;
	}
}

/* A row that a request in flight will settle waits for it. */
static bool
in_flight(const struct websub *w, const char *callback)
{
	for (const struct request *rq = w->requests; rq != NULL;
	    rq = rq->next)
		if (strcmp(rq->callback, callback) == 0)
			return true;
	return false;
}

/* ---- the plan ---- */

/* When row next needs something from this worker (INT64_MAX: nothing). */
static int64_t
row_plan(const struct websub *w, const struct store_websub *row)
{
	/* Without public_url, nothing is asked: leases lapse. */
	if (w->public_url == NULL && !row->feed_gone)
		return INT64_MAX;
	return next_action(row);
}

/* Where id is in the plan, or where it would go. */
static size_t
plan_find(const struct websub *w, int64_t id)
{
	size_t lo = 0, hi = w->nplan;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->plan[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
plan_set(struct websub *w, const struct store_websub *row)
{
	size_t i = plan_find(w, row->id);

	if (i == w->nplan || w->plan[i].id != row->id) {
		/* Ids grow: a new row is nearly always the last. */
		if (w->nplan == w->plan_cap) {
			w->plan_cap = w->plan_cap == 0 ? 64 : w->plan_cap * 2;
			w->plan = xreallocarray(w->plan, w->plan_cap,
			    sizeof(*w->plan));
		}
		memmove(&w->plan[i + 1], &w->plan[i],
		    (w->nplan - i) * sizeof(*w->plan));
		w->nplan++;
		w->plan[i].id = row->id;
	}
	w->plan[i].at = row_plan(w, row);
}

static void
plan_forget(struct websub *w, int64_t id)
{
	size_t i = plan_find(w, id);

	if (i < w->nplan && w->plan[i].id == id) {
		memmove(&w->plan[i], &w->plan[i + 1],
		    (w->nplan - i - 1) * sizeof(*w->plan));
		w->nplan--;
	}
}

/* Sleeps until the next thing planned (a walk over ids and times). */
static void
rearm(struct websub *w)
{
	struct timeval tv = { 0, 0 };
	int64_t now = time(NULL), next = INT64_MAX;

	for (size_t i = 0; i < w->nplan; i++)
		if (w->plan[i].at < next)
			next = w->plan[i].at;
	evtimer_del(w->timer);
	if (next == INT64_MAX)
		return;
	tv.tv_sec = next > now ? next - now : 1;
	evtimer_add(w->timer, &tv);
}

/* Does what row needs now, or plans it: it was read just now. */
static void
run_row(struct websub *w, struct store_websub *row, int64_t now)
{
	/* A row that a request in flight will settle waits for it. */
	if (in_flight(w, row->callback)) {
		plan_forget(w, row->id);
		return;
	}
	if (row_plan(w, row) <= now)
		act(w, row, now);
	else
		plan_set(w, row);
}

/*
 * Every subscription read and planned again: at the start, when the
 * configuration or the feeds changed (a feed removed ends its
 * subscription; another worker may have added some).
 */
static void
plan_all(struct websub *w)
{
	struct store_websub *rows = NULL;
	struct timeval tv = { 60, 0 };
	size_t n = 0;
	int64_t now = time(NULL);

	if (store_websub_list(w->store, &rows, &n) == -1) {
		w->plan_lost = true;
		evtimer_del(w->timer);
		evtimer_add(w->timer, &tv);
		return;
	}
	w->plan_lost = false;
	w->nplan = 0;
	for (size_t i = 0; i < n; i++)
		run_row(w, &rows[i], now);
	store_websub_list_free(rows, n);
	rearm(w);
}

/* Does what is due now, reading only those rows. */
static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct websub *w = arg;
	struct store_websub row;
	int64_t now = time(NULL), *due = NULL;
	size_t n = 0, i;
	int rc;

	(void)fd;
	(void)what;
	if (w->plan_lost) {
		plan_all(w);
		return;
	}
	for (i = 0; i < w->nplan; i++)
		if (w->plan[i].at <= now) {
			due = xreallocarray(due, n + 1, sizeof(*due));
			due[n++] = w->plan[i].id;
		}
	for (i = 0; i < n; i++) {
		if ((rc = store_websub_get(w->store, due[i], &row)) == 0)
			plan_forget(w, due[i]);
		if (rc != 1)
			continue;
		run_row(w, &row, now);
		store_websub_clear(&row);
	}
	free(due);
	rearm(w);
}

void
websub_count_states(struct websub *w)
{
	int64_t by[STORE_WEBSUB_NSTATES];

	if (w == NULL || w->m_subs == NULL ||
	    store_websub_counts(w->store, by) == -1)
		return;
	for (int i = 0; i < STORE_WEBSUB_NSTATES; i++)
		metric_set(w->m_subs, (double)by[i],
		    store_websub_state_name((enum store_websub_state)i));
}

enum websub_answer
websub_verify(struct websub *w, const char *callback, const char *mode,
    const char *topic, const char *challenge, const char *lease,
    const char *reason)
{
	struct store_websub row;
	enum websub_answer ans = WEBSUB_NOT_FOUND;
	int64_t now = time(NULL), lease_s = 0;
	char dur[32];

	if (w == NULL || callback == NULL || mode == NULL || topic == NULL ||
	    store_websub_by_callback(w->store, callback, &row) != 1) {
		if (w != NULL)
			metric_add(w->m_verifications, 1, "refused");
		return WEBSUB_NOT_FOUND;
	}
	/* Only the topic we asked for. */
	if (strcmp(topic, row.topic) != 0)
		goto out;
	if (strcmp(mode, "denied") == 0) {
		if (row.state != STORE_WEBSUB_PENDING &&
		    row.state != STORE_WEBSUB_ACTIVE)
			goto out;
		set_error(&row, "the hub denied the subscription%s%.200s",
		    reason != NULL ? ": " : "", reason != NULL ? reason : "");
		refused(w, &row, now);
		metric_add(w->m_verifications, 1, "denied");
		ans = WEBSUB_OK;
		goto out;
	}
	/* Only the mode we asked, while we wait for it. */
	if (row.asked == NULL || strcmp(mode, row.asked) != 0 ||
	    challenge == NULL || *challenge == '\0' ||
	    strlen(challenge) > CHALLENGE_MAX)
		goto out;
	if (strcmp(mode, "unsubscribe") == 0) {
		log_info("websub: hub '%s' confirmed the unsubscription of "
		    "feed %lld", row.hub, (long long)row.feed_id);
		forget(w, row.id);
		metric_add(w->m_verifications, 1, "unsubscribed");
		ans = WEBSUB_ECHO;
		goto out;
	}
	/* A subscription is granted for a lease (WebSub 5.3). */
	if (lease == NULL || *lease == '\0' || strlen(lease) > 12 ||
	    strspn(lease, "0123456789") != strlen(lease) ||
	    (lease_s = strtoll(lease, NULL, 10)) <= 0)
		goto out;
	if (lease_s > WEBSUB_MAX_LEASE_S)
		lease_s = WEBSUB_MAX_LEASE_S;
	row.state = STORE_WEBSUB_ACTIVE;
	set_asked(&row, NULL, 0);
	row.lease_s = lease_s;
	row.lease_until = now + lease_s;
	row.retry_at = 0;
	free(row.last_error);
	row.last_error = NULL;
	save(w, &row);
	units_format_duration(lease_s, dur, sizeof(dur));
	log_info("websub: feed %lld subscribed at hub '%s' for %s",
	    (long long)row.feed_id, row.hub, dur);
	metric_add(w->m_verifications, 1, "subscribed");
	ans = WEBSUB_ECHO;
out:
	store_websub_clear(&row);
	if (ans != WEBSUB_NOT_FOUND)
		rearm(w);
	else
		metric_add(w->m_verifications, 1, "refused");
	return ans;
}

/* The digest an X-Hub-Signature names (WebSub 8), or NULL. */
static const EVP_MD *
signature_md(const char *name, size_t len)
{
	static const struct { const char *name; const EVP_MD *(*md)(void); }
	    mds[] = {
		{ "sha1", EVP_sha1 }, { "sha256", EVP_sha256 },
		{ "sha384", EVP_sha384 }, { "sha512", EVP_sha512 },
	};

	for (size_t i = 0; i < sizeof(mds) / sizeof(mds[0]); i++)
		if (strlen(mds[i].name) == len &&
		    strncasecmp(name, mds[i].name, len) == 0)
			return mds[i].md();
	return NULL;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Whether signature ("sha256=HEX") is the HMAC of body under secret,
 * compared in constant time.
 */
static bool
signature_ok(const char *signature, const char *secret, const char *body,
    size_t len)
{
	unsigned char mac[EVP_MAX_MD_SIZE], want[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	const EVP_MD *md;
	const char *eq, *hex;
	size_t hexlen, i;
	int hi, lo;
	bool ok;

	if (signature == NULL || (eq = strchr(signature, '=')) == NULL ||
	    (md = signature_md(signature, (size_t)(eq - signature))) == NULL)
		return false;
	hex = eq + 1;
	hexlen = strlen(hex);
	if (HMAC(md, secret, (int)strlen(secret), (const unsigned char *)body,
	    len, mac, &maclen) == NULL || hexlen != 2 * (size_t)maclen)
		return false;
	for (i = 0; i < maclen; i++) {
		if ((hi = hexval(hex[2 * i])) == -1 ||
		    (lo = hexval(hex[2 * i + 1])) == -1)
			return false;
		want[i] = (unsigned char)(hi << 4 | lo);
	}
	ok = CRYPTO_memcmp(mac, want, maclen) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return ok;
}

enum websub_answer
websub_deliver(struct websub *w, const char *callback, const char *signature,
    const char *content_type, const char *body, size_t len)
{
	struct store_websub row;
	struct fetch_result r, *copy;
	enum websub_answer ans = WEBSUB_NOT_FOUND;
	const char *result = "unknown";	/* for /metrics */

	if (w == NULL || callback == NULL ||
	    store_websub_by_callback(w->store, callback, &row) != 1) {
		if (w != NULL)
			metric_add(w->m_pushes, 1, result);
		return WEBSUB_NOT_FOUND;
	}
	if (row.state != STORE_WEBSUB_ACTIVE || row.feed_gone)
		goto out;
	if (len > w->max_body) {
		log_warnx("websub: content for feed %lld refused: %zu bytes, "
		    "over max_body_size", (long long)row.feed_id, len);
		result = "too_large";
		goto out;
	}
	if (!signature_ok(signature, row.secret, body, len)) {
		log_warnx("websub: content for feed %lld refused: %s",
		    (long long)row.feed_id, signature == NULL ?
		    "no X-Hub-Signature" : "X-Hub-Signature does not match");
		result = "bad_signature";
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.status = FETCH_OK;
	r.http_code = 200;
	r.url = row.topic;
	r.effective_url = row.topic;
	r.content_type = content_type;
	r.retry_after_s = r.max_age_s = r.expires_s = -1;
	r.body = body;
	r.body_len = len;
	copy = fetch_result_dup(&r);
	row.last_push = time(NULL);
	row.pushes++;
	save(w, &row);
	if (sched_push(w->sched, row.feed_id, copy) == 0) {
		ans = WEBSUB_ACCEPTED;
		result = "accepted";
	} else
		result = "not_taken";
out:
	metric_add(w->m_pushes, 1, result);
	store_websub_clear(&row);
	return ans;
}

void
websub_set_metrics(struct websub *w, struct metrics *m)
{
	static const char *const pushes[] = { "accepted", "bad_signature",
	    "unknown", "too_large", "not_taken", NULL };
	static const char *const verifications[] = { "subscribed",
	    "unsubscribed", "denied", "refused", NULL };

	if (w == NULL)
		return;
	w->m_pushes = metrics_counter(m, "feedd_websub_pushes_total",
	    "Content pushed by WebSub hubs, by what became of it: accepted "
	    "(stored like a poll's document), bad_signature, unknown (no "
	    "active subscription by that name), too_large (over "
	    "max_body_size), not_taken (the scheduler could not take it).",
	    "result");
	for (size_t i = 0; pushes[i] != NULL; i++)
		metric_add(w->m_pushes, 0, pushes[i]);
	w->m_verifications = metrics_counter(m,
	    "feedd_websub_verifications_total", "Hubs' verifications of "
	    "intent, by outcome: subscribed, unsubscribed, denied (the hub "
	    "said no), refused (not one feedd asked for).", "result");
	for (size_t i = 0; verifications[i] != NULL; i++)
		metric_add(w->m_verifications, 0, verifications[i]);
	w->m_subs = metrics_gauge(m, "feedd_websub_subscriptions",
	    "WebSub subscriptions by state.", "state");
	/* Counted at each scrape (websub_count_states); now, for a first. */
	websub_count_states(w);
}

struct websub *
websub_new(struct event_base *base, struct store *store, struct fetch *fetch,
    struct sched *sched, const char *public_url, uint64_t max_body_size)
{
	struct websub *w = xcalloc(1, sizeof(*w));

	w->base = base;
	w->store = store;
	w->fetch = fetch;
	w->sched = sched;
	w->timer = evtimer_new(base, on_timer, w);
	websub_reconfigure(w, public_url, max_body_size);
	return w;
}

void
websub_reconfigure(struct websub *w, const char *public_url,
    uint64_t max_body_size)
{
	free(w->public_url);
	w->public_url = xstrdup_or_null(public_url);
	w->max_body = max_body_size > 0 ? max_body_size :
	    FETCH_DEFAULT_MAX_BODY;
	plan_all(w);
}

void
websub_free(struct websub *w)
{
	struct request *rq, *next;

	if (w == NULL)
		return;
	for (rq = w->requests; rq != NULL; rq = next) {
		next = rq->next;
		fetch_cancel(rq->xfer);
		request_free(rq);
	}
	event_free(w->timer);
	free(w->plan);
	free(w->public_url);
	free(w);
}
