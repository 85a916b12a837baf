/*
 * api_hooks: /v1/hooks, the [hook] sections of feedd.conf as the daemon
 * runs them, with their counts (hook.h), and a test alert.
 *
 * Hooks are declared in the configuration only: this door reads them and
 * sends a test, it never makes or changes one. What a hook holds secret
 * never leaves: a URL hook is shown by its redacted URL and its headers'
 * names, a command hook by its program (its arguments may hold secrets),
 * a receiver's answer scrubbed of the hook's secrets.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "config.h"
#include "feedd.h"
#include "hook.h"
#include "model_json.h"
#include "store.h"
#include "webhook_format.h"
#include "xmalloc.h"

/* The names of the headers "Name: value": never their values. */
static json_t *
header_names(const struct config_hook *h)
{
	json_t *a = json_array();

	for (size_t i = 0; h->headers != NULL && h->headers[i] != NULL; i++)
		json_array_append_new(a, json_stringn(h->headers[i],
		    strcspn(h->headers[i], ":")));
	return a;
}

static json_t *
hook_json(struct api *api, const struct config_hook *h,
    const struct store_topic *topics, size_t ntopics)
{
	struct hooks_stats st;
	json_t *j, *names = json_array();
	bool url = h->url != NULL;

	for (size_t i = 0; i < ntopics; i++)
		if (topics[i].notify != NULL &&
		    strcmp(topics[i].notify, h->name) == 0)
			json_array_append_new(names,
			    model_json_str(topics[i].name));
	hooks_stats(api->d->hooks, h->name, &st);
	j = json_pack("{s:s,s:s,s:s,s:I,s:o}", "name", h->name, "kind",
	    url ? "url" : "command", "mode", h->mode == CONFIG_HOOK_BATCH ?
	    "batch" : "each", "timeout", (json_int_t)h->timeout_s, "topics",
	    names);
	if (url) {
		json_object_set_new(j, "format", json_string(
		    webhook_format_name(h->format)));
		json_object_set_new(j, "url", model_json_str(h->url_shown));
		json_object_set_new(j, "headers", header_names(h));
	} else
		json_object_set_new(j, "program", model_json_str(h->argv[0]));
	json_object_set_new(j, "sent", json_integer((json_int_t)st.sent));
	json_object_set_new(j, "failed", json_integer((json_int_t)st.failed));
	/* Commands neither wait in the store nor retry. */
	json_object_set_new(j, "retries", url ?
	    json_integer((json_int_t)st.retries) : json_null());
	json_object_set_new(j, "pending", url ?
	    json_integer((json_int_t)st.pending) : json_null());
	json_object_set_new(j, "last_sent", model_json_time(st.last_sent));
	json_object_set_new(j, "last_failure", st.last_failure != 0 ?
	    json_pack("{s:o,s:o}", "time", model_json_time(st.last_failure),
	    "error", model_json_str(st.last_error)) : json_null());
	json_object_set_new(j, "sending", json_boolean(st.sending));
	json_object_set_new(j, "next_attempt", model_json_time(st.next_try));
	return j;
}

/* The declared hook named by path segment 2; NULL after a 404. */
static const struct config_hook *
path_hook(struct api *api, struct evhttp_request *req, const char *path)
{
	const struct config_hook *h;
	char name[CONFIG_HOOK_NAME_MAX + 1];
	char *names;

	if (api_path_segment(path, 2, name, sizeof(name)) == -1 ||
	    (h = config_hook_find(api->d->cfg, name)) == NULL) {
		names = config_hook_names(api->d->cfg);
		api_reply_error(req, 404, "no_hook", "no hook of that name is "
		    "declared in %s (%s%s)", api->d->cfg->path, *names !=
		    '\0' ? "declared: " : "none is", names);
		free(names);
		return NULL;
	}
	return h;
}

void
api_hooks_list(struct api *api, struct evhttp_request *req, const char *path)
{
	const struct config *cfg = api->d->cfg;
	struct store_topic *t = NULL;
	struct store *s;
	size_t nt = 0;
	json_t *arr;

	if ((s = api_plain_request(api, req)) == NULL)
		return;
	if (store_topic_list(s, &t, &nt) == -1) {
		api_reply_error(req, 500, NULL, "cannot list the topics (see "
		    "the daemon's log)");
		return;
	}
	arr = json_array();
	for (size_t i = 0; i < cfg->nhooks; i++)
		json_array_append_new(arr, hook_json(api, &cfg->hooks[i], t,
		    nt));
	store_topic_list_free(t, nt);
	api_reply(req, 200, json_pack("{s:o}", "hooks", arr));
}

void
api_hooks_get(struct api *api, struct evhttp_request *req, const char *path)
{
	const struct config_hook *h;
	struct store_topic *t = NULL;
	struct store *s;
	size_t nt = 0;

	if ((s = api_plain_request(api, req)) == NULL ||
	    (h = path_hook(api, req, path)) == NULL)
		return;
	if (store_topic_list(s, &t, &nt) == -1) {
		api_reply_error(req, 500, NULL, "cannot list the topics (see "
		    "the daemon's log)");
		return;
	}
	api_reply(req, 200, hook_json(api, h, t, nt));
	store_topic_list_free(t, nt);
}

/* A test under way: its request, answered when the receiver answered. */
struct hook_wait {
	struct evhttp_request *req;
	struct webhook_test *test;
	char		*hook;
	char		*url;
	const char	*format;
};

static void
hook_wait_free(struct hook_wait *w)
{
	struct evhttp_connection *c = evhttp_request_get_connection(w->req);

	if (c != NULL)
		evhttp_connection_set_closecb(c, NULL, NULL);
	free(w->hook);
	free(w->url);
	free(w);
}

static void
on_test_client_closed(struct evhttp_connection *c, void *arg)
{
	struct hook_wait *w = arg;

	webhooks_test_cancel(w->test);
	api_request_abandon(w->req);
	free(w->hook);
	free(w->url);
	free(w);
}

static void
on_tested(void *arg, const struct webhook_test_result *r)
{
	struct hook_wait *w = arg;
	struct evhttp_request *req = w->req;
	json_t *doc;

	doc = json_pack("{s:s,s:s,s:s,s:b,s:o,s:o,s:o,s:o,s:f}", "hook",
	    w->hook, "url", w->url, "format", w->format, "ok", r->ok,
	    "status", r->http_code > 0 ? json_integer(r->http_code) :
	    json_null(), "error", model_json_str(r->error), "answer",
	    model_json_str(r->answer), "content_type",
	    model_json_str(r->content_type), "time", r->time_s);
	hook_wait_free(w);
	if (doc == NULL)
		api_reply_error(req, 500, NULL, "cannot encode the answer");
	else if (!r->ok && r->http_code == 0 && r->error != NULL &&
	    strcmp(r->error, "shutting down") == 0)
		api_reply_error(req, 503, NULL, "the daemon is shutting down");
	else
		api_reply(req, 200, doc);
}

void
api_hooks_test(struct api *api, struct evhttp_request *req, const char *path)
{
	static const char *const fields[] = { NULL };
	const struct config_hook *h;
	struct hook_wait *w;
	json_t *body;

	if (api_plain_request(api, req) == NULL ||
	    (h = path_hook(api, req, path)) == NULL ||
	    (body = api_body_json(req, fields, true)) == NULL)
		return;
	json_decref(body);
	if (h->url == NULL) {
		api_reply_error(req, 400, "command_hook", "hook '%s' runs a "
		    "command: try the command by hand with the variables and "
		    "the JSON on stdin it gets (feedd.conf(5))", h->name);
		return;
	}
	w = xcalloc(1, sizeof(*w));
	w->req = req;
	w->hook = xstrdup(h->name);
	w->url = xstrdup(h->url_shown);
	w->format = webhook_format_name(h->format);
	if ((w->test = hooks_test(api->d->hooks, h, on_tested, w)) == NULL) {
		free(w->hook);
		free(w->url);
		free(w);
		api_reply_error(req, 409, "busy", "a test of hook '%s' is "
		    "still under way", h->name);
		return;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    on_test_client_closed, w);
}
