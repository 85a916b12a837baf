/*
 * test_webhook: a URL hook from feedd.conf to its request. ${NAME}
 * secrets read from the environment and from systemd credentials (and
 * never printed), each format's URL and body, the hook's own headers
 * winning over feedd's, long batches kept within the services' limits,
 * answers scrubbed of secrets, and the delivery rules: which outcomes are
 * retried, and when.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "fetch.h"
#include "log.h"
#include "strv.h"
#include "tap.h"
#include "webhook.h"
#include "webhook_format.h"
#include "xmalloc.h"

static char dir[] = "/tmp/feedd-webhook-XXXXXX";

/* The configuration of text (in dir/feedd.conf); NULL if refused. */
static struct config *
load(const char *text, int flags)
{
	char *path = xasprintf("%s/feedd.conf", dir);
	struct config *c;
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	c = config_load_flags(path, flags);
	free(path);
	return c;
}

static bool
has(char **v, const char *s)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void
test_secrets(void)
{
	struct config *c;
	char *cred;
	FILE *f;

	setenv("FEEDD_TEST_TOKEN", "tk_abcdef123456", 1);
	c = load("[hook \"n\"]\nurl = https://ntfy.example.org/alerts"
	    "?auth=${FEEDD_TEST_TOKEN}\nformat = ntfy\n"
	    "header = Authorization: Bearer ${FEEDD_TEST_TOKEN}  # a comment\n"
	    "header = X-Plain: hello\n", 0);
	ok(c != NULL && c->nhooks == 1, "a URL hook loads");
	if (c == NULL)
		return;
	is_str(c->hooks[0].url, "https://ntfy.example.org/alerts?auth="
	    "tk_abcdef123456", "${NAME} in the url: from the environment");
	is_str(c->hooks[0].url_shown, "https://ntfy.example.org/\u2026",
	    "the url as it is shown");
	ok(strv_len(c->hooks[0].headers) == 2 &&
	    strcmp(c->hooks[0].headers[0], "Authorization: Bearer "
	    "tk_abcdef123456") == 0 &&
	    strcmp(c->hooks[0].headers[1], "X-Plain: hello") == 0,
	    "headers expanded, a trailing # comment dropped");
	ok(has(c->hooks[0].secrets, "tk_abcdef123456") &&
	    has(c->hooks[0].secrets, "Bearer tk_abcdef123456") &&
	    has(c->hooks[0].secrets, "alerts"),
	    "the secrets: the variable, the header values, ntfy's topic");
	ok(config_url_hooks(c) == 1, "one URL hook");
	config_free(c);

	/* systemd's LoadCredential=: a file, its newline not the secret. */
	cred = xasprintf("%s/creds", dir);
	mkdir(cred, 0700);
	setenv("CREDENTIALS_DIRECTORY", cred, 1);
	free(cred);
	cred = xasprintf("%s/creds/gotify_key", dir);
	f = fopen(cred, "w");
	fputs("AppTokenFromFile\n", f);
	fclose(f);
	free(cred);
	c = load("[hook \"g\"]\nurl = https://gotify.example.org\n"
	    "format = gotify\nheader = X-Gotify-Key: ${gotify_key}\n", 0);
	ok(c != NULL && strcmp(c->hooks[0].headers[0],
	    "X-Gotify-Key: AppTokenFromFile") == 0,
	    "${NAME} from $CREDENTIALS_DIRECTORY/NAME");
	config_free(c);
	unsetenv("CREDENTIALS_DIRECTORY");

	ok(load("[hook \"g\"]\nurl = https://a.example/${FEEDD_UNSET_X}\n",
	    0) == NULL, "an unset secret is an error");
	c = load("[hook \"g\"]\nurl = https://a.example/${FEEDD_UNSET_X}\n",
	    CONFIG_SECRETS_OPTIONAL);
	ok(c != NULL, "only a warning for --check-config");
	config_free(c);
	setenv("FEEDD_TEST_TWO", "line\nbreak", 1);
	ok(load("[hook \"g\"]\nurl = https://a.example/\nheader = X-A: "
	    "${FEEDD_TEST_TWO}\n", 0) == NULL,
	    "a secret of two lines is refused (no header injection)");
	ok(load("[hook \"g\"]\nurl = https://a.example/${1BAD}\n", 0) == NULL,
	    "a secret's name is letters, digits and _");
}

/* An entry as the API shows it. */
static json_t *
entry(int id, const char *title, const char *link)
{
	return json_pack("{s:i,s:s,s:s,s:s,s:s}", "id", id, "title", title,
	    "link", link, "feed_title", "Kyiv Independent", "summary",
	    "<p>Leaders <b>met</b> in Paris.</p>");
}

static struct webhook_target
hook(enum webhook_format f, const char *url)
{
	struct webhook_target h;

	memset(&h, 0, sizeof(h));
	h.name = "h";
	h.url = url;
	h.url_shown = "https://x/";
	h.format = f;
	return h;
}

/* The request of a one-entry alert (or of entries) for h; its body. */
static json_t *
request(const struct webhook_target *h, json_t *entries, bool batch,
    struct webhook_request *r)
{
	struct webhook_alert a = { "coalition", entries, batch,
	    "0123456789abcdef0123456789abcdef" };

	if (webhook_format_request(h, &a, r) == -1)
		return NULL;
	return json_loads(r->body, 0, NULL);
}

static void
test_formats(void)
{
	struct webhook_target h;
	struct webhook_request r;
	json_t *one = json_pack("[o]", entry(7, "Coalition & <allies>",
	    "https://k.example/a?x=1&y=2")), *b, *many;
	char *hdrs[] = { "Content-Type: text/x-mine", NULL };
	char why[256];

	h = hook(WEBHOOK_NTFY, "https://ntfy.example.org/sub/alerts");
	b = request(&h, one, false, &r);
	is_str(r.url, "https://ntfy.example.org/sub/", "ntfy: to the root");
	ok(b != NULL && strcmp(json_string_value(json_object_get(b,
	    "topic")), "alerts") == 0 && strcmp(json_string_value(
	    json_object_get(b, "title")), "Coalition & <allies>") == 0 &&
	    strstr(json_string_value(json_object_get(b, "message")),
	    "Leaders met in Paris.") != NULL,
	    "ntfy: topic, title, the summary as text");
	json_decref(b);
	webhook_request_clear(&r);

	h = hook(WEBHOOK_GOTIFY, "https://g.example/?token=1");
	b = request(&h, one, false, &r);
	is_str(r.url, "https://g.example/message?token=1",
	    "gotify: /message added, the query kept");
	json_decref(b);
	webhook_request_clear(&r);
	h = hook(WEBHOOK_GOTIFY, "https://g.example/gotify/message");
	b = request(&h, one, false, &r);
	is_str(r.url, "https://g.example/gotify/message",
	    "gotify: a /message URL as it is");
	json_decref(b);
	webhook_request_clear(&r);

	h = hook(WEBHOOK_MATRIX,
	    "https://m.example/_matrix/client/v3/rooms/!r:m.example");
	b = request(&h, one, false, &r);
	is_str(r.url, "https://m.example/_matrix/client/v3/rooms/!r:m.example"
	    "/send/m.room.message/0123456789abcdef0123456789abcdef",
	    "matrix: a room's URL completed, the key as txnId");
	ok(strcmp(r.method, "PUT") == 0, "matrix: PUT");
	json_decref(b);
	webhook_request_clear(&r);

	h = hook(WEBHOOK_SLACK, "https://hooks.example/services/x");
	h.headers = hdrs;
	b = request(&h, one, false, &r);
	ok(strv_len(r.headers) == 2 && strcmp(r.headers[0],
	    "X-Feedd-Delivery: 0123456789abcdef0123456789abcdef") == 0 &&
	    strcmp(r.headers[1], "Content-Type: text/x-mine") == 0,
	    "the hook's own header replaces feedd's");
	is_str(json_string_value(json_object_get(b, "text")), "*coalition*: "
	    "<https://k.example/a?x=1&amp;y=2|Coalition &amp; &lt;allies&gt;>"
	    " \u2014 Kyiv Independent", "slack: <link|title>, escaped");
	json_decref(b);
	webhook_request_clear(&r);

	/* A batch of 500: lists stay short, ntfy's message in its limit. */
	many = json_array();
	for (int i = 0; i < 500; i++) {
		char t[400];

		snprintf(t, sizeof(t), "%0300d", i);
		json_array_append_new(many, entry(i, t, "https://k.example/"));
	}
	h = hook(WEBHOOK_NTFY, "https://ntfy.example.org/alerts");
	b = request(&h, many, true, &r);
	ok(b != NULL && strlen(json_string_value(json_object_get(b,
	    "message"))) <= WEBHOOK_NTFY_MESSAGE_MAX &&
	    strstr(json_string_value(json_object_get(b, "message")),
	    "more") != NULL && strcmp(json_string_value(json_object_get(b,
	    "title")), "500 new matches for topic 'coalition'") == 0,
	    "ntfy: a batch of 500 within its message limit, the rest counted");
	json_decref(b);
	webhook_request_clear(&r);
	h = hook(WEBHOOK_JSON, "https://j.example/");
	b = request(&h, many, true, &r);
	ok(json_array_size(json_object_get(b, "entries")) == 500,
	    "json: a batch carries every entry");
	json_decref(b);
	webhook_request_clear(&r);
	json_decref(many);
	json_decref(one);

	ok(webhook_format_check(WEBHOOK_NTFY, "https://n.example/", why,
	    sizeof(why)) == -1, "ntfy needs a topic: %s", why);
	ok(webhook_format_check(WEBHOOK_MATRIX, "https://m.example/_matrix/"
	    "client/v3/rooms/!r:x/send/m.room.message", why, sizeof(why)) ==
	    0 && webhook_format_check(WEBHOOK_MATRIX, "https://m.example/"
	    "rooms//send", why, sizeof(why)) == -1, "matrix needs a room");
	ok(webhook_format_from_name("slack") == WEBHOOK_SLACK &&
	    webhook_format_from_name("Slack") == -1, "format names");
}

static void
test_scrub(void)
{
	char *secrets[] = { "Bearer tk_abcdef123456", "tk_abcdef123456",
	    "abc", NULL };
	const char answer[] = "got tk_abcdef123456 and\nabc\x01";
	char *s;

	s = webhook_scrub(secrets, answer, sizeof(answer) - 1, 100);
	is_str(s, "got *** and|abc|", "secrets scrubbed (not the short "
	    "ones), control characters shown as |");
	free(s);
	s = webhook_scrub(secrets, "\xd0\x9a\xd0\x9a\xd0\x9a", 6, 3);
	is_str(s, "\xd0\x9a...", "cut on a UTF-8 boundary");
	free(s);
}

static void
test_rules(void)
{
	int64_t at, prev = 0;
	bool doubling = true;

	ok(webhook_verdict(FETCH_OK, 200) == WEBHOOK_DELIVERED &&
	    webhook_verdict(FETCH_TOO_BIG, 204) == WEBHOOK_DELIVERED,
	    "2xx: delivered, whatever the rest of the answer");
	ok(webhook_verdict(FETCH_HTTP_ERROR, 500) == WEBHOOK_RETRYABLE &&
	    webhook_verdict(FETCH_HTTP_ERROR, 503) == WEBHOOK_RETRYABLE &&
	    webhook_verdict(FETCH_HTTP_ERROR, 429) == WEBHOOK_RETRYABLE &&
	    webhook_verdict(FETCH_TIMEOUT, 0) == WEBHOOK_RETRYABLE &&
	    webhook_verdict(FETCH_NET_ERROR, 0) == WEBHOOK_RETRYABLE,
	    "5xx, 429, timeouts and network errors: retried");
	ok(webhook_verdict(FETCH_HTTP_ERROR, 400) == WEBHOOK_REFUSED &&
	    webhook_verdict(FETCH_HTTP_ERROR, 404) == WEBHOOK_REFUSED &&
	    webhook_verdict(FETCH_REDIRECTS, 302) == WEBHOOK_REFUSED &&
	    webhook_verdict(FETCH_BAD_URL, 0) == WEBHOOK_REFUSED,
	    "4xx, a redirect, a bad URL: given up");
	for (int n = 1; n <= 8; n++) {
		at = webhook_retry_at(1000, 1000, n, -1, 0.5) - 1000;
		if (n > 1 && at != 2 * prev && at != WEBHOOK_RETRY_MAX_S)
			doubling = false;
		prev = at;
	}
	ok(doubling && webhook_retry_at(1000, 1000, 1, -1, 0.5) == 1002,
	    "backoff: 2 s, doubling");
	ok(webhook_retry_at(1000, 1000, 1, -1, 0.0) == 1002 &&
	    webhook_retry_at(1000, 1000, 5, -1, 0.0) == 1000 + 29 &&
	    webhook_retry_at(1000, 1000, 5, -1, 0.999) == 1000 + 35,
	    "+-10%% jitter");
	ok(webhook_retry_at(1000, 1000, 30, -1, 0.5) == 1000 +
	    WEBHOOK_RETRY_MAX_S, "capped at %d s", WEBHOOK_RETRY_MAX_S);
	ok(webhook_retry_at(1000, 1000, 1, 120, 0.5) == 1120 &&
	    webhook_retry_at(1000, 1000, 1, 0, 0.5) == 1001,
	    "Retry-After: honoured, at least a second");
	ok(webhook_retry_at(1000, 1000, 1, 2 * WEBHOOK_GIVE_UP_S, 0.5) == -1,
	    "a Retry-After past the hour: given up");
	ok(webhook_retry_at(1000 + WEBHOOK_GIVE_UP_S - 5, 1000, 12, -1, 0.5) ==
	    1000 + WEBHOOK_GIVE_UP_S && webhook_retry_at(1000 +
	    WEBHOOK_GIVE_UP_S, 1000, 13, -1, 0.5) == -1,
	    "a last attempt at the hour, then given up");
}

int
main(void)
{
	log_init("test_webhook");
	log_set_level(LOG_LEVEL_ERR);
	if (mkdtemp(dir) == NULL)
		return 1;
	test_secrets();
	test_formats();
	test_scrub();
	test_rules();
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			diag("cannot remove %s", dir);
	}
	return tap_done();
}
