/*
 * api_stream: GET /v1/stream[?topic=NAME&since=ID&heartbeat=S&content=1],
 * a long-lived chunked response with one JSON document per line:
 *   {"event": "open", "topic": ..., "since": N}     first
 *   {"id": 1042, "guid": ..., ...}                   one per new entry
 *   {"event": "heartbeat", "time": "...", "last_id": N}   every 30 s
 *   {"event": "poll", "feed_id": N, "ok": B, "error": E, "new": N}
 *                                    with polls=1, as each poll is recorded
 *
 * Streams cost no polling of their own: the poll pipeline tells the API
 * that entries were stored (api_stream_notify*), and one deferred pass
 * reads what is new for each distinct (topic, position) once and writes it
 * to every stream waiting there. A cheap once-a-second look at the last
 * entry id (only while streams are open) catches anything not announced.
 * A client that stops reading is dropped once API_STREAM_MAX_QUEUED bytes
 * wait for it: it never holds the daemon's memory or its polls.
 */
#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "feedd.h"
#include "log.h"
#include "model_json.h"
#include "store.h"
#include "xmalloc.h"

#define API_STREAM_HEARTBEAT_S	30
#define API_STREAM_MAX_QUEUED	(4 * 1024 * 1024)
#define API_STREAM_PAGE		1000

struct stream {
	TAILQ_ENTRY(stream) link;
	struct api_streams *owner;
	struct evhttp_request *req;
	struct evhttp_connection *conn;
	struct event	*heartbeat;
	int64_t		 topic_id;	/* 0: every entry */
	int64_t		 last_id;	/* entries up to here were considered */
	bool		 content;
	bool		 polls;		/* polls=1: poll events too */
};

TAILQ_HEAD(stream_list, stream);

struct api_streams {
	struct api	*api;
	struct stream_list list;
	size_t		 count;
	struct event	*deliver;	/* deferred pass over all streams */
	struct event	*watch;		/* 1 s look at the last entry id */
	int64_t		 watched_id;
};

static void	stream_close(struct stream *st, bool end_reply);

size_t
api_streams_count(const struct api_streams *s)
{
	return s != NULL ? s->count : 0;
}

/* Writes one line; false if the stream was dropped for not reading. */
static bool
stream_write(struct stream *st, json_t *doc)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(st->conn);
	struct evbuffer *buf;
	char *text;

	if (bev != NULL && evbuffer_get_length(bufferevent_get_output(bev)) >
	    API_STREAM_MAX_QUEUED) {
		json_decref(doc);
		log_warnx("api: a stream client stopped reading; dropping it");
		stream_close(st, false);
		return false;
	}
	text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (text == NULL)
		return true;
	buf = evbuffer_new();
	evbuffer_add(buf, text, strlen(text));
	evbuffer_add(buf, "\n", 1);
	free(text);
	evhttp_send_reply_chunk(st->req, buf);
	evbuffer_free(buf);
	return true;
}

static void
stream_free(struct stream *st)
{
	TAILQ_REMOVE(&st->owner->list, st, link);
	st->owner->count--;
	if (st->owner->count == 0)
		evtimer_del(st->owner->watch);
	event_free(st->heartbeat);
	free(st);
}

/* The connection is going away (client closed, error, timeout). */
static void
on_stream_conn_closed(struct evhttp_connection *conn, void *arg)
{
	struct stream *st = arg;

	log_debug("api: stream closed (%zu left)", st->owner->count - 1);
	api_request_abandon(st->req);
	stream_free(st);
}

static void
stream_close(struct stream *st, bool end_reply)
{
	struct evhttp_connection *conn = st->conn;

	evhttp_connection_set_closecb(conn, NULL, NULL);
	if (end_reply) {
		evhttp_send_reply_end(st->req);
		stream_free(st);
	} else {
		stream_free(st);
		/* Frees the request too. */
		evhttp_connection_free(conn);
	}
}

static void
on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
	struct stream *st = arg;

	stream_write(st, json_pack("{s:s,s:o,s:I}", "event", "heartbeat",
	    "time", model_json_time((int64_t)time(NULL)), "last_id",
	    (json_int_t)st->last_id));
}

struct page {
	int64_t		 topic_id;
	int64_t		 since;
	struct store_entry *ents;
	size_t		 n;
	int		 rc;
};

/*
 * One pass: every stream gets what is new past its position. Streams at
 * the same (topic, position) share one read.
 */
static void
on_deliver(evutil_socket_t fd, short what, void *arg)
{
	struct api_streams *ss = arg;
	struct store *s = ss->api->d->store;
	struct stream *st, *next;
	struct page *pages = NULL;
	size_t npages = 0, i;
	bool again = false;

	if (s == NULL)
		return;
	ss->watched_id = store_last_entry_id(s);
	for (st = TAILQ_FIRST(&ss->list); st != NULL; st = next) {
		struct page *p = NULL;
		int64_t since = st->last_id;

		next = TAILQ_NEXT(st, link);
		if (st->topic_id == 0 && since >= ss->watched_id)
			continue;
		for (i = 0; i < npages; i++)
			if (pages[i].topic_id == st->topic_id &&
			    pages[i].since == since)
				p = &pages[i];
		if (p == NULL) {
			struct store_entry_query q = { 0 };
			char err[256];

			pages = xreallocarray(pages, npages + 1,
			    sizeof(*pages));
			p = &pages[npages++];
			memset(p, 0, sizeof(*p));
			p->topic_id = st->topic_id;
			p->since = since;
			q.since_id = since;
			q.topic_id = st->topic_id;
			q.limit = API_STREAM_PAGE;
			q.content = true;
			p->rc = store_entry_list(s, &q, &p->ents, &p->n, err,
			    sizeof(err));
			if (p->rc == 0 && p->n == API_STREAM_PAGE)
				again = true;
		}
		if (p->rc != 0)
			continue;
		for (i = 0; i < p->n; i++) {
			if (!stream_write(st, model_json_entry(&p->ents[i],
			    st->content)))
				break;	/* dropped: st is gone */
			st->last_id = p->ents[i].id;
		}
		/* A topic stream's position only moves with what it got. */
		if (i == p->n && st->topic_id == 0 && ss->watched_id >
		    st->last_id && p->n < API_STREAM_PAGE)
			st->last_id = ss->watched_id;
	}
	for (i = 0; i < npages; i++)
		store_entry_list_free(pages[i].ents, pages[i].n);
	free(pages);
	if (again)
		event_active(ss->deliver, 0, 0);
}

static void
on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct api_streams *ss = arg;
	struct store *s = ss->api->d->store;

	if (s != NULL && store_last_entry_id(s) != ss->watched_id)
		event_active(ss->deliver, 0, 0);
}

void
api_stream_notify(struct api *api, int64_t feed_id, const int64_t *ids,
    size_t n)
{
	if (api != NULL && api->streams != NULL && api->streams->count > 0 &&
	    n > 0)
		event_active(api->streams->deliver, 0, 0);
}

void
api_stream_wake(struct api *api)
{
	if (api != NULL && api->streams != NULL && api->streams->count > 0)
		event_active(api->streams->deliver, 0, 0);
}

void
api_stream_notify_topic(struct api *api, int64_t topic_id,
    const int64_t *ids, size_t n)
{
	api_stream_notify(api, 0, ids, n);
}

void
api_notify_poll(struct api *api, int64_t feed_id, const char *error,
    size_t new_count)
{
	struct stream *st, *next;

	if (api == NULL)
		return;
	api_opml_polled(api, feed_id, error != NULL, new_count);
	if (api->streams == NULL)
		return;
	/* stream_write may drop a stream: take the next one first. */
	for (st = TAILQ_FIRST(&api->streams->list); st != NULL; st = next) {
		next = TAILQ_NEXT(st, link);
		if (st->polls)
			stream_write(st, json_pack("{s:s,s:I,s:b,s:o,s:I}",
			    "event", "poll", "feed_id", (json_int_t)feed_id,
			    "ok", error == NULL, "error", model_json_str(error),
			    "new", (json_int_t)new_count));
	}
}

void
api_stream_open(struct api *api, struct evhttp_request *req,
    const char *path)
{
	static const char *const params[] = { "topic", "since", "heartbeat",
	    "content", "polls", NULL };
	struct api_streams *ss = api->streams;
	struct evkeyvalq q;
	struct store *s;
	struct stream *st;
	struct timeval tv = { 0, 0 };
	struct timeval watch = { 1, 0 };
	const char *topic;
	int64_t topic_id = 0, since = -1, hb = API_STREAM_HEARTBEAT_S;
	bool content = false, polls = false;

	if (api_query(req, params, &q) == -1)
		return;
	if (api_query_int(req, &q, "since", 0, INT64_MAX, &since) == -1 ||
	    api_query_int(req, &q, "heartbeat", 1, 3600, &hb) == -1 ||
	    api_query_bool(req, &q, "content", &content) == -1 ||
	    api_query_bool(req, &q, "polls", &polls) == -1 ||
	    (s = api_store(api, req)) == NULL)
		goto out;
	topic = evhttp_find_header(&q, "topic");
	if (api_topic_id(api, req, topic, &topic_id) == -1)
		goto out;
	st = xcalloc(1, sizeof(*st));
	st->owner = ss;
	st->req = req;
	st->conn = evhttp_request_get_connection(req);
	st->topic_id = topic_id;
	st->content = content;
	st->polls = polls;
	st->last_id = since >= 0 ? since : store_last_entry_id(s);
	st->heartbeat = event_new(api->d->base, -1, EV_PERSIST, on_heartbeat,
	    st);
	TAILQ_INSERT_TAIL(&ss->list, st, link);
	ss->count++;
	/*
	 * The idle timeout guards requests, not a stream: allow a little
	 * more than a heartbeat for a write to drain before giving up.
	 */
	evhttp_connection_set_timeout(st->conn, (int)hb * 2 + 30);
	evhttp_connection_set_closecb(st->conn, on_stream_conn_closed, st);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/x-ndjson; charset=utf-8");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	evhttp_send_reply_start(req, 200, "OK");
	stream_write(st, json_pack("{s:s,s:o,s:I}", "event", "open", "topic",
	    model_json_str(topic), "since", (json_int_t)st->last_id));
	tv.tv_sec = hb;
	event_add(st->heartbeat, &tv);
	if (!evtimer_pending(ss->watch, NULL))
		evtimer_add(ss->watch, &watch);
	log_debug("api: stream opened (topic %s, since %lld; %zu open)",
	    topic != NULL ? topic : "*", (long long)st->last_id, ss->count);
	/* Entries past an explicit since= go out at once. */
	if (since >= 0)
		event_active(ss->deliver, 0, 0);
out:
	api_query_clear(&q);
}

struct api_streams *
api_streams_new(struct api *api)
{
	struct api_streams *ss = xcalloc(1, sizeof(*ss));

	ss->api = api;
	TAILQ_INIT(&ss->list);
	ss->deliver = event_new(api->d->base, -1, 0, on_deliver, ss);
	ss->watch = event_new(api->d->base, -1, EV_PERSIST, on_watch, ss);
	return ss;
}

void
api_streams_free(struct api_streams *ss)
{
	struct stream *st;

	if (ss == NULL)
		return;
	while ((st = TAILQ_FIRST(&ss->list)) != NULL)
		stream_close(st, true);
	event_free(ss->deliver);
	event_free(ss->watch);
	free(ss);
}
