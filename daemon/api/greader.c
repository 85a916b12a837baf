/*
 * greader: the Google Reader door's routes, its logins and its tokens
 * (the trust rule is in greader.h). api.c routes /accounts/ClientLogin and
 * everything below /reader/ here, under both prefixes; this file picks the
 * endpoint, checks the GoogleLogin token (and T on writes), reads the
 * parameters and hands the request to the module that answers it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "api_auth.h"
#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "feedd.h"
#include "greader.h"
#include "log.h"
#include "password.h"
#include "store.h"
#include "xmalloc.h"

#define GREADER_PHP		"/api/greader.php"
#define MAC_HEX			(2 * 32)
#define T_WINDOW_S		3600
/* A name (api_users.c allows 64 bytes), '/', the MAC. */
#define AUTH_MAX		(64 + 1 + MAC_HEX)

/* ---- the request ---- */

const char *
greader_param(const struct greader_req *g, const char *key)
{
	const struct evkeyval *kv;

	/* Not evhttp_find_header: case counts ("t" is a title, "T" a token). */
	TAILQ_FOREACH(kv, &g->params, next)
		if (strcmp(kv->key, key) == 0)
			return kv->value;
	return NULL;
}

int
greader_feeds(struct greader_req *g)
{
	if (g->feeds != NULL || g->nfeeds != 0)
		return 0;
	if (store_feed_list_brief(g->s, &g->feeds, &g->nfeeds) == -1) {
		api_reply_error(g->req, 500, NULL, "cannot list feeds (see "
		    "the daemon's log)");
		return -1;
	}
	return 0;
}

const struct store_feed *
greader_feed(const struct greader_req *g, int64_t id)
{
	size_t lo = 0, hi = g->nfeeds;

	/* store_feed_list_brief gives them by id. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (g->feeds[mid].id == id)
			return &g->feeds[mid];
		if (g->feeds[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void
greader_text(struct greader_req *g, int status, const char *text)
{
	api_reply_raw(g->req, status, "text/plain; charset=utf-8", text,
	    strlen(text));
}

/* Query string and form body into g->params; -1 after answering 400. */
static int
read_params(struct greader_req *g)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(g->req);
	const char *qs = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	char *body;
	size_t len;
	int rc = 0;

	TAILQ_INIT(&g->params);
	if (qs != NULL && evhttp_parse_query_str(qs, &g->params) == -1)
		rc = -1;
	if (rc == 0 && evhttp_request_get_command(g->req) == EVHTTP_REQ_POST &&
	    (body = api_body_raw(g->req, &len)) != NULL) {
		if (len > 0 && evhttp_parse_query_str(body, &g->params) == -1)
			rc = -1;
		free(body);
	}
	if (rc == -1)
		api_reply_error(g->req, 400, NULL, "malformed parameters (a "
		    "query string or a form-encoded body)");
	return rc;
}

static void
greader_req_clear(struct greader_req *g)
{
	evhttp_clear_headers(&g->params);
	store_user_clear(&g->user);
	store_feed_list_free(g->feeds, g->nfeeds);
}

/* ---- derived tokens ---- */

static void
hex(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * hex(HMAC-SHA256(secret, what NUL id NUL pass_hash NUL extra)) into
 * out (MAC_HEX + 1 bytes). 0 / -1 (logged).
 */
static int
derive(struct store *s, const char *what, const struct store_user *u,
    long long extra, char out[MAC_HEX + 1])
{
	unsigned char key[STORE_SECRET_LEN], mac[32];
	unsigned int maclen = sizeof(mac);
	char *msg = NULL;
	int len, rc = -1;

	if (u->pass_hash == NULL || store_secret(s, key) == -1)
		goto out;
	len = asprintf(&msg, "%s%c%lld%c%s%c%lld", what, 0,
	    (long long)u->id, 0, u->pass_hash, 0, extra);
	if (len < 0) {
		msg = NULL;
		goto out;
	}
	if (HMAC(EVP_sha256(), key, sizeof(key), (unsigned char *)msg,
	    (size_t)len, mac, &maclen) == NULL || maclen != sizeof(mac)) {
		log_errx("greader: HMAC failed");
		goto out;
	}
	hex(mac, sizeof(mac), out);
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	free(msg);
	return rc;
}

static bool
same_mac(const char *a, const char *b)
{
	return strlen(a) == MAC_HEX && strlen(b) == MAC_HEX &&
	    CRYPTO_memcmp(a, b, MAC_HEX) == 0;
}

static void
unauthorized(struct greader_req *g, const char *why, bool count)
{
	if (count)
		api_auth_failure(g->api->d->auth, g->req, why);
	greader_text(g, 401, "Unauthorized\n");
}

/*
 * The user of "Authorization: GoogleLogin auth=NAME/MAC" in g->user:
 * 0, or -1 after answering 401.
 */
static int
check_auth(struct greader_req *g)
{
	const char *h = evhttp_find_header(
	    evhttp_request_get_input_headers(g->req), "Authorization");
	char name[AUTH_MAX + 1], want[MAC_HEX + 1];
	const char *tok, *slash;
	bool ok;

	if (h == NULL || strncasecmp(h, "GoogleLogin ", 12) != 0) {
		unauthorized(g, "Google Reader: no GoogleLogin token", false);
		return -1;
	}
	tok = h + 12;
	tok += strspn(tok, " ");
	if (strncasecmp(tok, "auth=", 5) != 0 || strlen(tok + 5) > AUTH_MAX ||
	    (slash = strrchr(tok + 5, '/')) == NULL) {
		unauthorized(g, "Google Reader: malformed token", true);
		return -1;
	}
	tok += 5;
	memcpy(name, tok, (size_t)(slash - tok));
	name[slash - tok] = '\0';
	ok = store_user_get_by_name(g->s, name, &g->user) == 1 &&
	    derive(g->s, "auth", &g->user, 0, want) == 0;
	/* An unknown name costs the same comparison as a known one. */
	if (!ok)
		memset(want, '0', MAC_HEX), want[MAC_HEX] = '\0';
	if (!same_mac(slash + 1, want) || !ok) {
		unauthorized(g, "Google Reader: wrong token", true);
		return -1;
	}
	return 0;
}

/* The T token of the user for the hour window w. */
static int
t_token(struct greader_req *g, long long w, char out[MAC_HEX + 1])
{
	return derive(g->s, "T", &g->user, w, out);
}

/* Whether the request's T is this hour's or the last hour's; else 401. */
static int
check_t(struct greader_req *g)
{
	const char *t = greader_param(g, "T");
	long long w = (long long)(time(NULL) / T_WINDOW_S);
	char want[MAC_HEX + 1];
	bool ok = false;

	if (t != NULL) {
		for (long long i = 0; i < 2; i++)
			if (t_token(g, w - i, want) == 0 && same_mac(t, want))
				ok = true;
	}
	if (!ok) {
		evhttp_add_header(evhttp_request_get_output_headers(g->req),
		    "X-Reader-Google-Bad-Token", "true");
		unauthorized(g, t == NULL ? "Google Reader: a write without "
		    "its T token" : "Google Reader: stale or wrong T token",
		    t != NULL);
		return -1;
	}
	return 0;
}

/* ---- ClientLogin, token, user-info ---- */

void
greader_login(struct api *api, struct evhttp_request *req, const char *path)
{
	struct greader_req g = { .api = api, .req = req };
	const char *email, *pw;
	char mac[MAC_HEX + 1];
	char *text;
	bool found;

	if ((g.s = api_store(api, req)) == NULL || read_params(&g) == -1)
		return;
	email = greader_param(&g, "Email");
	pw = greader_param(&g, "Passwd");
	found = email != NULL && pw != NULL &&
	    store_user_get_by_name(g.s, email, &g.user) == 1;
	/* An unknown user is checked too: the time tells nothing (password.h). */
	if (pw == NULL || !password_check(pw, found ? g.user.pass_hash :
	    NULL) || !found) {
		api_auth_failure(api->d->auth, req, "Google Reader: bad login");
		greader_text(&g, 401, "Error=BadAuthentication\n");
		goto out;
	}
	if (derive(g.s, "auth", &g.user, 0, mac) == -1) {
		api_reply_error(req, 500, NULL, "cannot make a token");
		goto out;
	}
	api_auth_success(api->d->auth, req);
	log_info("greader: %s logged in", g.user.name);
	if (asprintf(&text, "SID=%s/%s\nLSID=null\nAuth=%s/%s\n", g.user.name,
	    mac, g.user.name, mac) < 0) {
		api_reply_error(req, 500, NULL, "out of memory");
		goto out;
	}
	greader_text(&g, 200, text);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
out:
	greader_req_clear(&g);
}

static void
token_get(struct greader_req *g)
{
	char t[MAC_HEX + 2];

	if (t_token(g, (long long)(time(NULL) / T_WINDOW_S), t) == -1) {
		api_reply_error(g->req, 500, NULL, "cannot make a token");
		return;
	}
	greader_text(g, 200, t);
}

static void
user_info(struct greader_req *g)
{
	char id[32];

	snprintf(id, sizeof(id), "%lld", (long long)g->user.id);
	api_reply(g->req, 200, json_pack("{s:s,s:s,s:s,s:s,s:b,s:I,s:b}",
	    "userId", id, "userName", g->user.name, "userProfileId", id,
	    "userEmail", "", "isBloggerUser", 0, "signupTimeSec",
	    (json_int_t)g->user.created, "isMultiLoginEnabled", 0));
}

/* ---- routes ---- */

struct endpoint {
	const char *path;	/* below /reader/; ending in '/': a prefix */
	bool	 write;		/* POST only, with T */
	void	(*fn)(struct greader_req *);
	void	(*fn_id)(struct greader_req *, const char *);
};

static const struct endpoint endpoints[] = {
	{ "api/0/token", false, token_get, NULL },
	{ "api/0/user-info", false, user_info, NULL },
	{ "api/0/subscription/list", false, greader_subscription_list, NULL },
	{ "api/0/subscription/edit", true, greader_subscription_edit, NULL },
	{ "api/0/subscription/quickadd", true, greader_quickadd, NULL },
	{ "api/0/tag/list", false, greader_tag_list, NULL },
	{ "api/0/rename-tag", true, greader_rename_tag, NULL },
	{ "api/0/disable-tag", true, greader_disable_tag, NULL },
	{ "api/0/unread-count", false, greader_unread_count, NULL },
	{ "api/0/stream/items/ids", false, greader_items_ids, NULL },
	{ "api/0/stream/items/contents", false, greader_items_contents, NULL },
	{ "api/0/stream/contents/", false, NULL, greader_stream_contents },
	{ "api/0/stream/contents", false, NULL, greader_stream_contents },
	{ "api/0/edit-tag", true, greader_edit_tag, NULL },
	{ "api/0/mark-all-as-read", true, greader_mark_all_read, NULL },
	{ "atom/", false, NULL, greader_stream_atom },
	{ "atom", false, NULL, greader_stream_atom },
};

static void
dispatch(struct api *api, struct evhttp_request *req, const char *path)
{
	struct greader_req g = { .api = api, .req = req };
	const struct endpoint *e = NULL;
	const char *rest;
	char *id = NULL;
	size_t i, n;

	TAILQ_INIT(&g.params);
	if (strncmp(path, GREADER_PHP, strlen(GREADER_PHP)) == 0)
		path += strlen(GREADER_PHP);
	rest = path + strlen("/reader/");
	for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
		n = strlen(endpoints[i].path);
		if (endpoints[i].path[n - 1] == '/' ?
		    strncmp(rest, endpoints[i].path, n) == 0 && rest[n] != '\0' :
		    strcmp(rest, endpoints[i].path) == 0) {
			e = &endpoints[i];
			break;
		}
	}
	if ((g.s = api_store(api, req)) == NULL)
		return;
	/* Who asks comes first: what exists is not told to strangers. */
	if (check_auth(&g) == -1)
		goto out;
	if (e == NULL) {
		api_reply_error(req, 404, NULL, "no such endpoint: %s", path);
		goto out;
	}
	if (e->write && evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		api_reply_error(req, 405, NULL, "%s takes a POST", path);
		goto out;
	}
	if (read_params(&g) == -1)
		goto out;
	if (e->write && check_t(&g) == -1)
		goto out;
	api_auth_success(api->d->auth, req);
	if (e->fn != NULL) {
		e->fn(&g);
	} else {
		/* The stream id: in the path (percent-encoded), else s=. */
		const char *raw = rest + strlen(e->path);

		if (*raw != '\0')
			id = evhttp_uridecode(raw, 0, NULL);
		else if (greader_param(&g, "s") != NULL)
			id = xstrdup(greader_param(&g, "s"));
		if (id == NULL)
			api_reply_error(req, 400, NULL, "which stream? (a "
			    "stream id in the path or s=)");
		else
			e->fn_id(&g, id);
	}
out:
	free(id);
	greader_req_clear(&g);
}

void
greader_get(struct api *api, struct evhttp_request *req, const char *path)
{
	dispatch(api, req, path);
}

void
greader_post(struct api *api, struct evhttp_request *req, const char *path)
{
	dispatch(api, req, path);
}
