/*
 * api_feeds: /v1/feeds — list, add (validated, refused when already
 * subscribed, polled at once), one feed with its recent polls, change
 * (title, category), remove, poll now.
 *
 * Adding first asks discover.h what the address is: a feed is subscribed
 * and its response read as its first poll (no second fetch); an HTML
 * page is searched for the feeds it announces, and the one found is
 * subscribed in its place ("found_from" says so), several are answered
 * with 300 and their list (unless "first"), none with 422: nothing is
 * subscribed then. The add then waits for the first poll to end (up to
 * API_ADD_WAIT_S, checked on a short timer against the feed's last_poll)
 * so the answer can say what was found; the wait costs one indexed read
 * per tick and never blocks. An add that does not wait ("wait": false)
 * subscribes at once, and its first poll looks behind a page itself.
 */
#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "api_state.h"
#include "category.h"
#include "discover.h"
#include "feedd.h"
#include "fetch.h"
#include "log.h"
#include "model_json.h"
#include "sched.h"
#include "store.h"
#include "units.h"
#include "url.h"
#include "xmalloc.h"

#define API_ADD_WAIT_S		20
#define API_ADD_TICK_MS		100

struct add_wait {
	TAILQ_ENTRY(add_wait) link;
	struct api	*api;
	struct evhttp_request *req;	/* NULL once the client went away */
	struct event	*timer;
	int64_t		 feed_id;
	time_t		 deadline;
	/* While discovery runs: it, and what the add asked for. */
	struct discover_job *job;
	char		*url;
	char		*title;
	char		*category;
	int64_t		 interval;
	bool		 first;
	/* Merged into the answer: found_from, candidates. */
	json_t		*extra;
};

/*
 * A feed as the API shows it: the stored record, with the scheduler's
 * plan for next_poll (the store's may lag behind it: a new feed, a poll
 * the database could not record) and whether a poll of it runs now.
 */
static json_t *
feed_json(struct api *api, struct store_feed *f)
{
	int64_t due;
	int rc = 0;
	json_t *j;

	if (api->d->sched != NULL &&
	    (rc = sched_feed_due(api->d->sched, f->id, &due)) != 0)
		f->next_poll = due;
	j = model_json_feed(f);
	json_object_set_new(j, "polling", json_boolean(rc == 2));
	return j;
}

/*
 * The feed's WebSub subscription, as far as it may be shown (never its
 * secret nor its callback's name), or null.
 */
static json_t *
websub_json(struct store *s, int64_t feed_id)
{
	struct store_websub w;
	json_t *j;

	if (store_websub_by_feed(s, feed_id, &w) != 1)
		return json_null();
	j = json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:o}",
	    "hub", w.hub, "topic", w.topic,
	    "state", store_websub_state_name(w.state),
	    "lease_until", w.lease_until > 0 ?
	    model_json_time(w.lease_until) : json_null(),
	    "last_push", w.last_push > 0 ? model_json_time(w.last_push) :
	    json_null(), "pushes", (json_int_t)w.pushes,
	    "last_error", model_json_str(w.last_error));
	store_websub_clear(&w);
	return j;
}

void
api_feeds_list(struct api *api, struct evhttp_request *req, const char *path)
{
	struct api_unread unread;
	struct store *s;
	struct store_feed *feeds;
	size_t n;
	json_t *arr;

	if ((s = api_plain_request(api, req)) == NULL)
		return;
	if (store_feed_list(s, &feeds, &n) == -1) {
		api_reply_error(req, 500, NULL, "cannot list feeds (see the "
		    "daemon's log)");
		return;
	}
	api_unread_load(s, api->user_id, false, &unread);
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *j = feed_json(api, &feeds[i]);

		json_object_set_new(j, "unread", api_unread_json(&unread,
		    feeds[i].id));
		json_array_append_new(arr, j);
	}
	api_unread_clear(&unread);
	store_feed_list_free(feeds, n);
	api_reply(req, 200, json_pack("{s:o}", "feeds", arr));
}

int
api_feeds_poll_now(struct api *api, int64_t id)
{
	struct feedd *d = api->d;

	if (d->sched != NULL)
		return sched_poll_now(d->sched, id);
	/* No scheduler (tests of the API alone): the plan says "now". */
	return store_feed_set_next_poll(d->store, id, (int64_t)time(NULL)) ==
	    1 ? 0 : -1;
}

static json_t *
add_result(struct store *s, int64_t id, bool waited)
{
	struct store_feed f = { 0 };
	json_t *doc, *poll;

	if (store_feed_get(s, id, &f) != 1)
		return json_pack("{s:{s:I},s:n}", "feed", (json_int_t)id,
		    "poll");
	if (f.last_poll == 0) {
		poll = json_pack("{s:b,s:s}", "done", 0, "message", waited ?
		    "the first poll has not finished yet; see feedctl feeds" :
		    "the feed will be polled shortly");
	} else {
		poll = json_pack("{s:b,s:b,s:I,s:o,s:o}", "done", 1,
		    "ok", f.last_error == NULL, "entries",
		    (json_int_t)f.entry_count, "title", model_json_str(f.title),
		    "error", model_json_str(f.last_error));
	}
	doc = json_pack("{s:o,s:o}", "feed", model_json_feed(&f), "poll", poll);
	store_feed_clear(&f);
	return doc;
}

static void
add_wait_free(struct add_wait *w)
{
	if (w->req != NULL) {
		struct evhttp_connection *c =
		    evhttp_request_get_connection(w->req);

		if (c != NULL) {
			evhttp_connection_set_closecb(c, NULL, NULL);
			if (w->url != NULL)	/* see add_wait_new */
				evhttp_connection_set_timeout(c,
				    API_IDLE_TIMEOUT_S);
		}
	}
	TAILQ_REMOVE(&w->api->add_waits, w, link);
	discover_cancel(w->job);
	event_free(w->timer);
	free(w->url);
	free(w->title);
	free(w->category);
	json_decref(w->extra);
	free(w);
}

void
api_feeds_free_waits(struct api *api)
{
	struct add_wait *w;

	/* Their requests go with the server's connections. */
	while ((w = TAILQ_FIRST(&api->add_waits)) != NULL)
		add_wait_free(w);
}

static void
on_add_client_closed(struct evhttp_connection *c, void *arg)
{
	struct add_wait *w = arg;

	api_request_abandon(w->req);
	w->req = NULL;
	/* Nobody to answer: the discovery stops, nothing is subscribed. */
	if (w->job != NULL)
		add_wait_free(w);
}

static void
on_add_tick(evutil_socket_t fd, short what, void *arg)
{
	struct add_wait *w = arg;
	struct store *s = w->api->d->store;
	struct evhttp_request *req;
	struct store_feed f = { 0 };
	int64_t w_feed_id = w->feed_id;
	struct timeval tv = { 0, API_ADD_TICK_MS * 1000 };
	json_t *doc;
	bool done;

	if (w->req == NULL) {
		add_wait_free(w);
		return;
	}
	done = store_feed_get(s, w->feed_id, &f) != 1 || f.last_poll != 0 ||
	    time(NULL) >= w->deadline;
	store_feed_clear(&f);
	if (!done) {
		evtimer_add(w->timer, &tv);
		return;
	}
	/* add_wait_free() drops the close callback before w goes. */
	req = w->req;
	doc = add_result(s, w_feed_id, true);
	if (w->extra != NULL)
		json_object_update(doc, w->extra);
	add_wait_free(w);
	api_reply(req, 201, doc);
}

int
api_feeds_subscribe(struct api *api, const char *url, const char *title,
    const char *category, int64_t interval_s, int flags,
    struct fetch_result *prefetched, int64_t *ret_id)
{
	struct feedd *d = api->d;
	int rc;

	rc = store_feed_add(d->store, url, title, category, interval_s,
	    ret_id);
	if (rc != 0) {
		fetch_result_free(prefetched);
		return rc;
	}
	log_info("api: subscribed to '%s' as feed %lld", url,
	    (long long)*ret_id);
	/* The scheduler learns of it, and polls it first. */
	d->feeds_changed(d);
	if ((flags & API_SUBSCRIBE_PAGES) && d->sched != NULL)
		sched_discover_pages(d->sched, *ret_id);
	if (prefetched != NULL && d->sched != NULL)
		sched_poll_fetched(d->sched, *ret_id, prefetched);
	else {
		fetch_result_free(prefetched);
		api_feeds_poll_now(api, *ret_id);
	}
	return 0;
}

int
api_feeds_unsubscribe(struct api *api, const struct store_feed *f)
{
	if (store_feed_remove(api->d->store, f->id) == -1)
		return -1;
	log_info("api: removed feed %lld '%s'", (long long)f->id, f->url);
	api->d->feeds_changed(api->d);
	return 0;
}

int
api_feeds_set(struct api *api, int64_t id, const struct store_feed_change *c)
{
	int rc;

	if ((rc = store_feed_change(api->d->store, id, c)) != 1)
		return rc;
	/* A category changes which topics follow the feed. */
	if (c->set_category)
		api->d->feeds_changed(api->d);
	return 1;
}

/* A boolean member of the body: 0 (*ret set or left), -1 after a 400. */
static int
bool_field(struct evhttp_request *req, json_t *body, const char *name,
    bool *ret)
{
	json_t *v = json_object_get(body, name);

	if (v == NULL)
		return 0;
	if (!json_is_boolean(v)) {
		api_reply_error(req, 400, NULL, "\"%s\" must be true or false",
		    name);
		return -1;
	}
	*ret = json_is_true(v);
	return 0;
}

/* Holds req until feed id's first poll ends (on_add_tick answers). */
static void
add_wait_poll(struct add_wait *w, int64_t id)
{
	struct timeval tv = { 0, API_ADD_TICK_MS * 1000 };

	w->feed_id = id;
	w->deadline = time(NULL) + API_ADD_WAIT_S;
	evtimer_add(w->timer, &tv);
}

static struct add_wait *
add_wait_new(struct api *api, struct evhttp_request *req, bool discovering)
{
	struct add_wait *w = xcalloc(1, sizeof(*w));

	w->api = api;
	w->req = req;
	w->timer = evtimer_new(api->d->base, on_add_tick, w);
	TAILQ_INSERT_TAIL(&api->add_waits, w, link);
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    on_add_client_closed, w);
	/* The idle timeout guards requests, not a discovery and its poll. */
	if (discovering)
		evhttp_connection_set_timeout(evhttp_request_get_connection(
		    req), DISCOVER_MAX_S + API_ADD_WAIT_S + API_IDLE_TIMEOUT_S);
	return w;
}

/* Answers w's request with doc (stolen) and lets w go. */
static void
add_wait_reply(struct add_wait *w, int status, json_t *doc)
{
	struct evhttp_request *req = w->req;

	add_wait_free(w);
	api_reply(req, status, doc);
}

/* What discovery found out about the address an add was given. */
static void
on_add_discovered(struct discover_result *res, void *arg)
{
	struct add_wait *w = arg;
	struct api *api = w->api;
	const char *url = w->url;
	json_t *doc;
	int64_t id;
	int rc, flags = 0;

	w->job = NULL;		/* it ends when this returns */
	if (res->cancelled) {
		add_wait_reply(w, 503, api_error_json(503, NULL,
		    "feedd is stopping; nothing was subscribed"));
		return;
	}
	switch (res->kind) {
	case DISCOVER_FAILED:
		/* No answer in time: subscribed as asked, its poll goes on. */
		flags = API_SUBSCRIBE_PAGES;
		break;
	case DISCOVER_FEED:
	case DISCOVER_NOT_FEED:
		break;
	case DISCOVER_PAGE:
		if (res->ncandidates == 0) {
			doc = api_error_json(422, "no_feed", NULL);
			json_object_set_new(json_object_get(doc, "error"),
			    "message", json_sprintf("'%.200s' is %s; nothing "
			    "was subscribed", w->url, res->error));
			json_object_update_new(doc, api_discover_json(res));
			add_wait_reply(w, 422, doc);
			return;
		}
		if ((res->primaries > 1 || (res->primaries == 0 &&
		    res->ncandidates > 1)) && !w->first) {
			doc = api_error_json(300, "multiple_feeds", NULL);
			json_object_set_new(json_object_get(doc, "error"),
			    "message", json_sprintf("'%.200s' announces %zu "
			    "feeds: add one of them by its URL, or the first "
			    "(\"first\": true)", w->url, res->ncandidates));
			json_object_update_new(doc, api_discover_json(res));
			add_wait_reply(w, 300, doc);
			return;
		}
		url = res->candidates[0].url;
		w->extra = api_discover_json(res);
		json_object_set_new(w->extra, "found_from",
		    json_string(w->url));
		json_object_del(w->extra, "url");
		break;
	}
	rc = api_feeds_subscribe(api, url, w->title, w->category, w->interval,
	    flags, res->fetched, &id);
	res->fetched = NULL;
	if (rc == -1) {
		add_wait_reply(w, 500, api_error_json(500, NULL, "cannot store "
		    "the feed (see the daemon's log)"));
		return;
	}
	if (rc == 1) {
		doc = api_error_json(409, "exists", NULL);
		json_object_set_new(json_object_get(doc, "error"), "message",
		    url == w->url ? json_sprintf("'%.200s' is already "
		    "subscribed as feed %lld", url, (long long)id) :
		    json_sprintf("'%.200s' announces '%.200s', already "
		    "subscribed as feed %lld", w->url, url, (long long)id));
		add_wait_reply(w, 409, doc);
		return;
	}
	if (res->kind == DISCOVER_FAILED) {
		add_wait_reply(w, 201, add_result(api->d->store, id, true));
		return;
	}
	add_wait_poll(w, id);
}

void
api_feeds_add(struct api *api, struct evhttp_request *req, const char *path)
{
	static const char *const fields[] = { "url", "title", "interval",
	    "category", "wait", "discover", "first", NULL };
	static const char *const params[] = { NULL };
	struct feedd *d = api->d;
	struct store_feed known = { 0 };
	struct add_wait *w;
	struct store *s;
	struct evkeyvalq q;
	json_t *body, *v;
	const char *url, *title = NULL;
	char *category = NULL;
	int64_t interval = 0, id;
	bool wait = true, discover = true, first = false;
	int rc;

	if (api_query(req, params, &q) == -1)
		return;
	api_query_clear(&q);
	if ((s = api_store(api, req)) == NULL ||
	    (body = api_body_json(req, fields, false)) == NULL)
		return;
	if ((url = api_url_field(req, body)) == NULL)
		goto out;
	if ((v = json_object_get(body, "title")) != NULL &&
	    !json_is_null(v) && (title = json_string_value(v)) == NULL) {
		api_reply_error(req, 400, NULL, "\"title\" must be a string");
		goto out;
	}
	if ((v = json_object_get(body, "interval")) != NULL &&
	    !json_is_null(v)) {
		if (json_is_integer(v))
			interval = json_integer_value(v);
		else if (!json_is_string(v) || units_parse_duration(
		    json_string_value(v), &interval) == -1)
			interval = -1;
		if (interval <= 0 || interval > 365 * 86400) {
			api_reply_error(req, 400, NULL, "\"interval\" must be "
			    "a duration such as \"15m\", \"2h\" or a number of "
			    "seconds (at most a year)");
			goto out;
		}
	}
	if (api_category(req, json_object_get(body, "category"),
	    &category) == -1 || bool_field(req, body, "wait", &wait) == -1 ||
	    bool_field(req, body, "discover", &discover) == -1 ||
	    bool_field(req, body, "first", &first) == -1)
		goto out;
	/* Known already: no fetch to find that out. */
	if ((rc = store_feed_get_by_url(s, url, &known)) != 0) {
		if (rc == 1)
			api_reply_error(req, 409, "exists", "'%.200s' is "
			    "already subscribed as feed %lld", url,
			    (long long)known.id);
		else
			api_reply_error(req, 500, NULL, "cannot read the "
			    "feeds (see the daemon's log)");
		store_feed_clear(&known);
		goto out;
	}
	if (wait && discover && d->discover != NULL && d->sched != NULL) {
		w = add_wait_new(api, req, true);
		w->url = xstrdup(url);
		w->title = xstrdup_or_null(title);
		w->category = xstrdup_or_null(category);
		w->interval = interval;
		w->first = first;
		if ((w->job = discover_start(d->discover, url, NULL,
		    on_add_discovered, w)) == NULL) {
			add_wait_reply(w, 503, api_error_json(503, NULL,
			    "too many addresses are being looked at just now; "
			    "try again in a moment"));
		}
		goto out;
	}
	rc = api_feeds_subscribe(api, url, title, category, interval,
	    discover ? API_SUBSCRIBE_PAGES : 0, NULL, &id);
	if (rc == -1) {
		api_reply_error(req, 500, NULL, "cannot store the feed (see "
		    "the daemon's log)");
		goto out;
	}
	if (rc == 1) {
		api_reply_error(req, 409, "exists", "'%.200s' is already "
		    "subscribed as feed %lld", url, (long long)id);
		goto out;
	}
	if (!wait || d->sched == NULL)
		api_reply(req, 201, add_result(s, id, false));
	else
		add_wait_poll(add_wait_new(api, req, false), id);
out:
	free(category);
	json_decref(body);
}

void
api_feeds_get(struct api *api, struct evhttp_request *req, const char *path)
{
	static const char *const params[] = { "polls", NULL };
	struct store_feed f = { 0 };
	struct store_poll_log *log;
	struct evkeyvalq q;
	struct store *s;
	int64_t id, npolls = 10;
	size_t n;
	json_t *doc, *arr;
	int rc;

	if (api_path_id(req, path, 2, &id) == -1 ||
	    api_query(req, params, &q) == -1)
		return;
	rc = api_query_int(req, &q, "polls", 0, STORE_POLL_LOG_PER_FEED,
	    &npolls);
	api_query_clear(&q);
	if (rc == -1 || (s = api_store(api, req)) == NULL)
		return;
	if ((rc = store_feed_get(s, id, &f)) != 1) {
		if (rc == 0)
			api_reply_error(req, 404, NULL, "no feed %lld "
			    "(feedctl feeds lists them)", (long long)id);
		else
			api_reply_error(req, 500, NULL, "cannot read feed "
			    "%lld", (long long)id);
		return;
	}
	doc = feed_json(api, &f);
	store_feed_clear(&f);
	json_object_set_new(doc, "websub", websub_json(s, id));
	arr = json_array();
	if (npolls > 0 &&
	    store_poll_log_list(s, id, (size_t)npolls, &log, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, model_json_poll_log(&log[i]));
		store_poll_log_list_free(log, n);
	}
	json_object_set_new(doc, "polls", arr);
	api_reply(req, 200, doc);
}

void
api_feeds_remove(struct api *api, struct evhttp_request *req,
    const char *path)
{
	struct store_feed f = { 0 };
	struct store *s;
	int64_t id;
	int rc;

	if ((s = api_id_request(api, req, path, 2, &id)) == NULL)
		return;
	if ((rc = store_feed_get(s, id, &f)) != 1) {
		api_reply_lookup(req, rc, "feed", id);
		return;
	}
	if (f.origin == STORE_ORIGIN_CONFIG) {
		api_reply_error(req, 409, "configured", "feed %lld is declared "
		    "in the configuration ([feed \"%s\"]); remove it there and "
		    "reload", (long long)id, f.config_name != NULL ?
		    f.config_name : "?");
		store_feed_clear(&f);
		return;
	}
	if (api_feeds_unsubscribe(api, &f) == -1) {
		api_reply_error(req, 500, NULL, "cannot remove feed %lld",
		    (long long)id);
		store_feed_clear(&f);
		return;
	}
	api_reply(req, 200, json_pack("{s:o}", "removed", model_json_feed(&f)));
	store_feed_clear(&f);
}

void
api_feeds_poll(struct api *api, struct evhttp_request *req, const char *path)
{
	struct store *s;
	int64_t id;

	if ((s = api_id_request(api, req, path, 2, &id)) == NULL)
		return;
	if (api_feeds_poll_now(api, id) == -1) {
		api_reply_error(req, 404, NULL, "no feed %lld (or it cannot "
		    "be polled now)", (long long)id);
		return;
	}
	api_reply(req, 202, json_pack("{s:I,s:b}", "feed", (json_int_t)id,
	    "queued", 1));
}

void
api_feeds_change(struct api *api, struct evhttp_request *req,
    const char *path)
{
	static const char *const fields[] = { "title", "category", NULL };
	struct store_feed_change c = { 0 };
	struct store_feed f = { 0 };
	struct store *s;
	json_t *body = NULL, *v;
	char *category = NULL;
	int64_t id;
	int rc;

	if ((s = api_id_request(api, req, path, 2, &id)) == NULL ||
	    (body = api_body_json(req, fields, false)) == NULL)
		return;
	if ((v = json_object_get(body, "title")) != NULL) {
		if (!json_is_null(v) && !json_is_string(v)) {
			api_reply_error(req, 400, NULL, "\"title\" must be a "
			    "string, or null for the feed's own");
			goto out;
		}
		c.set_title = true;
		c.title = json_string_value(v);
		if (c.title != NULL && *c.title == '\0')
			c.title = NULL;
	}
	if ((v = json_object_get(body, "category")) != NULL) {
		if (api_category(req, v, &category) == -1)
			goto out;
		c.set_category = true;
		c.category = category;
	}
	if ((rc = store_feed_get(s, id, &f)) != 1) {
		api_reply_lookup(req, rc, "feed", id);
		goto out;
	}
	if (f.origin == STORE_ORIGIN_CONFIG) {
		api_reply_error(req, 409, "configured", "feed %lld is declared "
		    "in the configuration ([feed \"%s\"]); change it there "
		    "and reload", (long long)id, f.config_name != NULL ?
		    f.config_name : "?");
		goto out;
	}
	if ((rc = api_feeds_set(api, id, &c)) != 1) {
		api_reply_lookup(req, rc, "feed", id);
		goto out;
	}
	store_feed_clear(&f);
	if ((rc = store_feed_get(s, id, &f)) != 1) {
		api_reply_lookup(req, rc, "feed", id);
		goto out;
	}
	log_info("api: feed %lld changed: title '%s', category '%s'",
	    (long long)id, f.title != NULL ? f.title : "",
	    f.category != NULL ? f.category : "");
	api_reply(req, 200, model_json_feed(&f));
out:
	store_feed_clear(&f);
	free(category);
	json_decref(body);
}
