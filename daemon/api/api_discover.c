/*
 * api_discover: POST /v1/discover {"url"} says what an address is and
 * lists the feeds behind it (discover.h), subscribing to none: what
 * `feedctl discover` shows, and what an app asks before it subscribes.
 * The request waits for the discovery (at most DISCOVER_MAX_S).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "discover.h"
#include "feed.h"
#include "feedd.h"
#include "model_json.h"
#include "xmalloc.h"

/* A request waiting for its discovery. */
struct api_discovery {
	struct api_discovery *next;
	struct api	*api;
	struct evhttp_request *req;
	struct discover_job *job;
};

json_t *
api_discover_json(const struct discover_result *r)
{
	static const char *const kinds[] = { "feed", "not_feed", "page",
	    "failed" };
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < r->ncandidates; i++) {
		const struct discover_candidate *c = &r->candidates[i];

		json_array_append_new(list, json_pack("{s:s,s:o,s:o,s:s,s:I,"
		    "s:s,s:b}", "url", c->url, "title",
		    model_json_str(c->title), "feed_title",
		    model_json_str(c->feed_title), "format",
		    feed_format_name(c->format), "entries",
		    (json_int_t)c->entries, "via", c->via, "comments",
		    c->comments));
	}
	return json_pack("{s:s,s:s,s:o,s:o}", "url", r->url, "kind",
	    kinds[r->kind], "page_title", model_json_str(r->page_title),
	    "candidates", list);
}

static void
unlink_wait(struct api_discovery *w)
{
	struct api_discovery **pp;

	for (pp = &w->api->discoveries; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
}

static void
wait_free(struct api_discovery *w)
{
	struct evhttp_connection *c;

	if (w->req != NULL &&
	    (c = evhttp_request_get_connection(w->req)) != NULL) {
		evhttp_connection_set_closecb(c, NULL, NULL);
		evhttp_connection_set_timeout(c, API_IDLE_TIMEOUT_S);
	}
	unlink_wait(w);
	discover_cancel(w->job);
	free(w);
}

static void
on_client_closed(struct evhttp_connection *c, void *arg)
{
	struct api_discovery *w = arg;

	api_request_abandon(w->req);
	w->req = NULL;
	wait_free(w);
}

static void
on_discovered(struct discover_result *r, void *arg)
{
	struct api_discovery *w = arg;
	struct evhttp_request *req = w->req;
	json_t *doc;
	int status = 200;

	w->job = NULL;		/* it ends when this returns */
	wait_free(w);
	if (r->cancelled) {
		api_reply_error(req, 503, NULL, "feedd is stopping");
		return;
	}
	if (r->kind == DISCOVER_FAILED) {
		api_reply_error(req, 504, "timeout", "'%.200s' did not answer "
		    "within %d s", r->url, DISCOVER_MAX_S);
		return;
	}
	doc = api_discover_json(r);
	/* Why nothing is listed: the fetch's error, or what was tried. */
	json_object_set_new(doc, "message", r->ncandidates == 0 ?
	    json_sprintf("'%.200s' %s %s", r->url, r->kind ==
	    DISCOVER_PAGE ? "is" : "is not a feed:", r->error != NULL ?
	    r->error : "?") : json_null());
	api_reply(req, status, doc);
}

void
api_discover(struct api *api, struct evhttp_request *req, const char *path)
{
	static const char *const fields[] = { "url", NULL };
	struct api_discovery *w;
	struct feedd *d = api->d;
	json_t *body;
	const char *url;

	if (api_plain_request(api, req) == NULL ||
	    (body = api_body_json(req, fields, false)) == NULL)
		return;
	/* file:// is refused here as for an add: never from a client. */
	if ((url = api_url_field(req, body)) == NULL)
		goto out;
	if (d->discover == NULL) {
		api_reply_error(req, 503, NULL, "discovery is not running");
		goto out;
	}
	w = xcalloc(1, sizeof(*w));
	w->api = api;
	w->req = req;
	w->next = api->discoveries;
	api->discoveries = w;
	if ((w->job = discover_start(d->discover, url, NULL, on_discovered,
	    w)) == NULL) {
		w->req = NULL;
		wait_free(w);
		api_reply_error(req, 503, NULL, "too many addresses are being "
		    "looked at just now; try again in a moment");
		goto out;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    on_client_closed, w);
	/* The idle timeout guards requests, not a discovery. */
	evhttp_connection_set_timeout(evhttp_request_get_connection(req),
	    DISCOVER_MAX_S + API_IDLE_TIMEOUT_S);
out:
	json_decref(body);
}

void
api_discover_free_waits(struct api *api)
{
	/* Their requests go with the server's connections. */
	while (api->discoveries != NULL) {
		api->discoveries->req = NULL;
		wait_free(api->discoveries);
	}
}
