/*
 * api_auth: tokens for the TCP listener, and the slow-down of failed
 * attempts (api_auth.h).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "api_auth.h"
#include "api_internal.h"
#include "api_reply.h"
#include "log.h"
#include "xmalloc.h"

#define TOKEN_PREFIX		"feedd_"
#define TOKEN_RANDOM_BYTES	32
_Static_assert(sizeof(TOKEN_PREFIX) - 1 + 2 * TOKEN_RANDOM_BYTES ==
    API_AUTH_TOKEN_LEN, "API_AUTH_TOKEN_LEN is the prefix and the hex digits");
/* RFC 6750 2.1: b64token, then any '=' padding. */
#define B64TOKEN_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"

#define WINDOW_MS		(10 * 60 * 1000) /* failures this close count */
#define DELAY_MS		1000	/* between a slowed address's answers */
#define ADDRS_MAX		256	/* addresses whose failures are kept */
#define HELD_MAX		64	/* requests held at once, all addresses */
#define USED_EVERY_S		60	/* last_used is written this often */

/* The address a request came from. */
struct peer {
	unsigned char	 addr[16];	/* IPv6; IPv4 as ::ffff:a.b.c.d */
	char		 text[INET6_ADDRSTRLEN];
};

/* An address's recent failures. */
struct failures {
	bool		 used;
	unsigned char	 addr[16];
	unsigned	 count;
	int64_t		 last_ms;	/* the last failure (monotonic clock) */
	int64_t		 due_ms;	/* when its last held request is answered */
};

/* A request held by the slow-down. */
struct hold {
	TAILQ_ENTRY(hold) link;
	struct api_auth	*a;
	struct evhttp_request *req;
	struct event	*timer;
	void		(*cont)(struct evhttp_request *, void *);
	void		*arg;
	enum api_auth_scheme scheme;
	struct peer	 peer;
};

TAILQ_HEAD(holds, hold);

struct api_auth {
	struct event_base *base;
	struct store	*store;
	struct store_apitoken *tokens;	/* their hashes, never the tokens */
	size_t		 ntokens;
	struct failures	 failures[ADDRS_MAX];
	struct holds	 holds;
	size_t		 nholds;
	/* Let through by the next api_auth_request: its second has passed. */
	struct evhttp_request *released;
	/* The user of the request let through last (0: its door decides). */
	int64_t		 user_id;
};

enum verdict {
	V_NONE,		/* no Authorization header */
	V_SCHEME,	/* a scheme other than Bearer */
	V_MALFORMED,	/* Bearer without a well-formed token, or twice */
	V_INVALID,	/* a token that is not one of ours */
	V_ERROR,	/* we could not tell */
	V_GOOD,
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static evutil_socket_t
request_fd(struct evhttp_request *req)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	struct bufferevent *bev;

	if (c == NULL || (bev = evhttp_connection_get_bufferevent(c)) == NULL)
		return -1;
	return bufferevent_getfd(bev);
}

bool
api_auth_local(struct evhttp_request *req)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	evutil_socket_t fd = request_fd(req);

	/* A socket we cannot tell is not trusted. */
	return fd != -1 && getsockname(fd, (struct sockaddr *)&ss, &len) ==
	    0 && ss.ss_family == AF_UNIX;
}

bool
api_auth_local_only(struct evhttp_request *req, const char *what)
{
	if (api_auth_local(req))
		return true;
	api_reply_error(req, 403, "forbidden", "%s over the daemon's Unix "
	    "socket only", what);
	return false;
}

static void
peer_of(struct evhttp_request *req, struct peer *p)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	evutil_socket_t fd = request_fd(req);

	/* Addresses that cannot be told share the all-zero key. */
	memset(p, 0, sizeof(*p));
	snprintf(p->text, sizeof(p->text), "unknown address");
	if (fd == -1 || getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)&ss;

		p->addr[10] = p->addr[11] = 0xff;
		memcpy(p->addr + 12, &in->sin_addr, 4);
		inet_ntop(AF_INET, &in->sin_addr, p->text, sizeof(p->text));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)&ss;

		memcpy(p->addr, &in6->sin6_addr, 16);
		inet_ntop(AF_INET6, &in6->sin6_addr, p->text, sizeof(p->text));
	}
}

/* ---- failures by address ---- */

/* The address's failures, or NULL; those of long ago are forgotten. */
static struct failures *
failures_find(struct api_auth *a, const struct peer *p, int64_t now)
{
	for (size_t i = 0; i < ADDRS_MAX; i++) {
		struct failures *f = &a->failures[i];

		if (!f->used || memcmp(f->addr, p->addr, sizeof(f->addr)) != 0)
			continue;
		if (now - f->last_ms >= WINDOW_MS && now >= f->due_ms) {
			f->used = false;
			return NULL;
		}
		return f;
	}
	return NULL;
}

/* Counts a failure of the address; returns its count. */
static unsigned
failures_add(struct api_auth *a, const struct peer *p, int64_t now)
{
	struct failures *f = failures_find(a, p, now);

	if (f == NULL) {
		/* A free slot, else the one whose last failure is oldest. */
		for (size_t i = 0; i < ADDRS_MAX; i++) {
			struct failures *c = &a->failures[i];

			if (!c->used) {
				f = c;
				break;
			}
			if (f == NULL || c->last_ms < f->last_ms)
				f = c;
		}
		memset(f, 0, sizeof(*f));
		f->used = true;
		memcpy(f->addr, p->addr, sizeof(f->addr));
	}
	f->count++;
	f->last_ms = now;
	return f->count;
}

static void
failures_forget(struct api_auth *a, const struct peer *p)
{
	struct failures *f = failures_find(a, p, now_ms());

	if (f != NULL)
		f->used = false;
}

/* ---- tokens ---- */

static int
hash_token(const char *token, size_t len,
    unsigned char sha256[STORE_APITOKEN_HASH_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(token, len, sha256, &n, EVP_sha256(), NULL) != 1 ||
	    n != STORE_APITOKEN_HASH_LEN) {
		log_errx("api: cannot compute a SHA-256 (OpenSSL)");
		return -1;
	}
	return 0;
}

int
api_auth_mint(char *buf, size_t len,
    unsigned char sha256[STORE_APITOKEN_HASH_LEN])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[TOKEN_RANDOM_BYTES];
	size_t got = 0, i;
	ssize_t n;
	char *p;
	int rc;

	if (len < API_AUTH_TOKEN_LEN + 1)
		return -1;
	while (got < sizeof(raw)) {
		if ((n = getrandom(raw + got, sizeof(raw) - got, 0)) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("api: getrandom");
			return -1;
		}
		got += (size_t)n;
	}
	p = buf + strlen(TOKEN_PREFIX);
	memcpy(buf, TOKEN_PREFIX, strlen(TOKEN_PREFIX));
	for (i = 0; i < sizeof(raw); i++) {
		*p++ = hex[raw[i] >> 4];
		*p++ = hex[raw[i] & 0xf];
	}
	*p = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	if ((rc = hash_token(buf, API_AUTH_TOKEN_LEN, sha256)) == -1)
		OPENSSL_cleanse(buf, len);
	return rc;
}

/*
 * The index of the token whose hash is sha256, or a->ntokens. Every hash
 * is compared, in constant time, whether one matched or not: the time
 * taken tells nothing of which token matched, or how far.
 */
static size_t
token_find(const struct api_auth *a,
    const unsigned char sha256[STORE_APITOKEN_HASH_LEN])
{
	size_t found = a->ntokens;

	for (size_t i = 0; i < a->ntokens; i++) {
		size_t hit = (size_t)0 - (size_t)(CRYPTO_memcmp(sha256,
		    a->tokens[i].sha256, STORE_APITOKEN_HASH_LEN) == 0);

		found = (found & ~hit) | (i & hit);
	}
	return found;
}

static enum verdict
verify(struct api_auth *a, struct evhttp_request *req, size_t *ret_i)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	unsigned char sha256[STORE_APITOKEN_HASH_LEN];
	struct evkeyval *kv;
	const char *v = NULL, *token;
	size_t n = 0, len;

	TAILQ_FOREACH(kv, h, next)
		if (strcasecmp(kv->key, "Authorization") == 0) {
			v = kv->value;
			n++;
		}
	if (n == 0)
		return V_NONE;
	if (n > 1)
		return V_MALFORMED;
	/* "Bearer" 1*SP b64token; the scheme's case does not matter. */
	if (strncasecmp(v, "Bearer", 6) != 0 || (v[6] != ' ' && v[6] != '\0'))
		return V_SCHEME;
	for (token = v + 6; *token == ' '; token++)
		;
	len = strspn(token, B64TOKEN_CHARS);
	len += strspn(token + len, "=");
	if (len == 0 || token[len] != '\0')
		return V_MALFORMED;
	if (hash_token(token, len, sha256) == -1)
		return V_ERROR;
	*ret_i = token_find(a, sha256);
	return *ret_i < a->ntokens ? V_GOOD : V_INVALID;
}

/* 401, with WWW-Authenticate; error is RFC 6750's code, or NULL. */
static void
deny(struct evhttp_request *req, const char *error, const char *msg)
{
	char value[80];

	snprintf(value, sizeof(value), "Bearer realm=\"feedd\"%s%s%s",
	    error != NULL ? ", error=\"" : "", error != NULL ? error : "",
	    error != NULL ? "\"" : "");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "WWW-Authenticate", value);
	api_reply_error(req, 401, "unauthorized", "%s", msg);
}

/* Records a use in the store, at most once a minute per token. */
static void
note_use(struct api_auth *a, struct store_apitoken *t)
{
	int64_t now = (int64_t)time(NULL);

	if (now - t->last_used < USED_EVERY_S)
		return;
	t->last_used = now;
	/* A failure is logged by the store and costs only the date. */
	store_apitoken_used(a->store, t->name, now);
}

/*
 * Whether a TCP request may go on: true for a good token allowed to do
 * what req asks, else false after answering.
 */
static bool
decide(struct api_auth *a, struct evhttp_request *req, const struct peer *p)
{
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const char *why, *error = NULL, *msg;
	struct store_apitoken *t;
	unsigned count;
	size_t i = 0;

	switch (verify(a, req, &i)) {
	case V_NONE:
		/* It guessed nothing: answered, not counted as a failure. */
		log_debug("api: %s: a request without a token", p->text);
		deny(req, NULL, "the API over TCP needs a token: "
		    "\"Authorization: Bearer TOKEN\" (feedctl token create "
		    "NAME makes one)");
		return false;
	case V_ERROR:
		api_reply_error(req, 500, NULL, "cannot check the token (see "
		    "the daemon's log)");
		return false;
	case V_SCHEME:
		why = "an Authorization scheme other than Bearer";
		msg = "the API over TCP takes \"Authorization: Bearer TOKEN\"";
		break;
	case V_MALFORMED:
		why = "a malformed Authorization header";
		error = "invalid_request";
		msg = "malformed Authorization header: expected one "
		    "\"Bearer TOKEN\"";
		break;
	case V_INVALID:
		why = "a token that is not valid";
		error = "invalid_token";
		msg = "the token is not valid (revoked, or never made)";
		break;
	case V_GOOD:
	default:
		goto good;
	}
	count = failures_add(a, p, now_ms());
	log_warnx("api: %s: %s, failure %u from this address%s", p->text,
	    why, count, count >= API_AUTH_FREE_FAILS ? " (its requests are "
	    "answered a second late now)" : "");
	deny(req, error, msg);
	return false;
good:
	t = &a->tokens[i];
	failures_forget(a, p);
	if (t->read_only && m != EVHTTP_REQ_GET && m != EVHTTP_REQ_HEAD) {
		log_info("api: %s: token '%s' is read-only; %s refused",
		    p->text, t->name, evhttp_request_get_uri(req));
		api_reply_error(req, 403, "forbidden", "the token '%s' is "
		    "read-only: it may read (GET), not change anything",
		    t->name);
		return false;
	}
	note_use(a, t);
	a->user_id = t->user_id;
	log_msg(m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD ? LOG_LEVEL_DEBUG :
	    LOG_LEVEL_INFO, "api: %s from %s with token '%s'",
	    evhttp_request_get_uri(req), p->text, t->name);
	return true;
}

/* ---- holding requests ---- */

static void
hold_free(struct hold *h)
{
	struct evhttp_connection *c = h->req != NULL ?
	    evhttp_request_get_connection(h->req) : NULL;

	if (c != NULL)
		evhttp_connection_set_closecb(c, NULL, NULL);
	TAILQ_REMOVE(&h->a->holds, h, link);
	h->a->nholds--;
	event_free(h->timer);
	free(h);
}

static void
on_held_closed(struct evhttp_connection *c, void *arg)
{
	struct hold *h = arg;
	struct evhttp_request *req = h->req;

	evhttp_connection_set_closecb(c, NULL, NULL);
	log_debug("api: %s: the client left while held", h->peer.text);
	h->req = NULL;
	hold_free(h);
	api_request_abandon(req);
}

static void
on_held_due(evutil_socket_t fd, short what, void *arg)
{
	struct hold *h = arg;
	struct api_auth *a = h->a;
	struct evhttp_request *req = h->req;
	void (*cont)(struct evhttp_request *, void *) = h->cont;
	void *cont_arg = h->arg;
	enum api_auth_scheme scheme = h->scheme;
	struct peer p = h->peer;

	hold_free(h);
	/* Decided now: a token removed meanwhile no longer works. */
	if (scheme == API_AUTH_BEARER && !decide(a, req, &p))
		return;
	if (scheme == API_AUTH_DOOR)
		a->user_id = 0;
	a->released = req;
	cont(req, cont_arg);
}

/* Holds req until the address's next free second. */
static void
hold(struct api_auth *a, struct evhttp_request *req, struct failures *f,
    const struct peer *p, enum api_auth_scheme scheme,
    void (*cont)(struct evhttp_request *, void *), void *arg)
{
	int64_t now = now_ms(), due;
	struct timeval tv;
	struct hold *h;

	if (a->nholds >= HELD_MAX) {
		/* Nothing checked, nothing told: only "later". */
		log_warnx("api: %s: too many requests held for failed "
		    "attempts; refused", p->text);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "60");
		api_reply_error(req, 429, "too_many_requests", "too many "
		    "failed attempts; try again later");
		return;
	}
	/* One answer a second per address, however many connections. */
	due = (f->due_ms > now ? f->due_ms : now) + DELAY_MS;
	f->due_ms = due;
	h = xcalloc(1, sizeof(*h));
	h->a = a;
	h->req = req;
	h->cont = cont;
	h->arg = arg;
	h->scheme = scheme;
	h->peer = *p;
	h->timer = evtimer_new(a->base, on_held_due, h);
	TAILQ_INSERT_TAIL(&a->holds, h, link);
	a->nholds++;
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    on_held_closed, h);
	tv.tv_sec = (due - now) / 1000;
	tv.tv_usec = (due - now) % 1000 * 1000;
	evtimer_add(h->timer, &tv);
}

bool
api_auth_request(struct api_auth *a, struct evhttp_request *req,
    enum api_auth_scheme scheme,
    void (*cont)(struct evhttp_request *, void *), void *arg)
{
	struct failures *f;
	struct peer p;

	if (a != NULL && req == a->released) {
		a->released = NULL;
		return true;
	}
	if (scheme == API_AUTH_OPEN) {
		if (a != NULL)
			a->user_id = 0;
		return true;
	}
	if (api_auth_local(req)) {
		if (a != NULL)
			a->user_id = scheme == API_AUTH_BEARER ?
			    STORE_OWNER_ID : 0;
		return true;
	}
	if (a == NULL) {
		deny(req, NULL, "the API over TCP is not ready yet");
		return false;
	}
	peer_of(req, &p);
	f = failures_find(a, &p, now_ms());
	if (f != NULL && f->count >= API_AUTH_FREE_FAILS) {
		hold(a, req, f, &p, scheme, cont, arg);
		return false;
	}
	if (scheme == API_AUTH_DOOR) {
		a->user_id = 0;
		return true;
	}
	return decide(a, req, &p);
}

int64_t
api_auth_user(const struct api_auth *a)
{
	return a != NULL ? a->user_id : 0;
}

void
api_auth_failure(struct api_auth *a, struct evhttp_request *req,
    const char *why)
{
	struct peer p;
	unsigned count;

	if (api_auth_local(req)) {
		log_warnx("api: over the socket: %s", why);
		return;
	}
	peer_of(req, &p);
	count = failures_add(a, &p, now_ms());
	log_warnx("api: %s: %s, failure %u from this address%s", p.text,
	    why, count, count >= API_AUTH_FREE_FAILS ? " (its requests are "
	    "answered a second late now)" : "");
}

void
api_auth_success(struct api_auth *a, struct evhttp_request *req)
{
	struct peer p;

	if (api_auth_local(req))
		return;
	peer_of(req, &p);
	failures_forget(a, &p);
}

/* ---- the object ---- */

int
api_auth_reload(struct api_auth *a)
{
	struct store_apitoken *t = NULL;
	size_t n = 0;
	int rc;

	rc = a->store != NULL ? store_apitoken_list(a->store, &t, &n) : 0;
	store_apitoken_list_free(a->tokens, a->ntokens);
	/* On failure none: a removed token must not go on working. */
	a->tokens = t;
	a->ntokens = n;
	if (rc == -1)
		log_errx("api: cannot read the API tokens; none works until "
		    "they can be read");
	return rc;
}

struct api_auth *
api_auth_new(struct event_base *base, struct store *s)
{
	struct api_auth *a = xcalloc(1, sizeof(*a));

	a->base = base;
	a->store = s;
	TAILQ_INIT(&a->holds);
	api_auth_reload(a);
	return a;
}

void
api_auth_free(struct api_auth *a)
{
	struct hold *h;

	if (a == NULL)
		return;
	/* Their requests go with the server's connections. */
	while ((h = TAILQ_FIRST(&a->holds)) != NULL)
		hold_free(h);
	store_apitoken_list_free(a->tokens, a->ntokens);
	free(a);
}
