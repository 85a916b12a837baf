/*
 * api_topics: /v1/topics and /v1/why over the store and the topics module.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "api_state.h"
#include "api_topics.h"
#include "config.h"
#include "feedd.h"
#include "hook.h"
#include "log.h"
#include "model_json.h"
#include "store.h"
#include "topics.h"
#include "topics_why.h"
#include "xmalloc.h"

#define API_TOPIC_NAME_MAX	100
#define API_TOPIC_FEEDS_MAX	10000	/* ids in a "feeds" list */

/* Topic names: printable, no '/', short. */
static bool
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > API_TOPIC_NAME_MAX)
		return false;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == '/' || *s == 0x7f)
			return false;
	return true;
}

/* The newest listed match, or null. */
static json_t *
newest_json(struct store *s, int64_t topic_id)
{
	struct store_entry_query q = { .topic_id = topic_id, .limit = 1,
	    .latest = true };
	struct store_entry *e = NULL;
	char err[256];
	size_t n = 0;
	json_t *j;

	if (store_entry_list(s, &q, &e, &n, err, sizeof(err)) != 0)
		return json_null();
	if (n == 0) {
		store_entry_list_free(e, n);
		return json_null();
	}
	j = json_pack("{s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)e[0].id,
	    "title", model_json_str(e[0].title), "feed_title",
	    model_json_str(e[0].feed_title), "published",
	    model_json_time(e[0].published), "fetched",
	    model_json_time(e[0].fetched));
	store_entry_list_free(e, n);
	return j;
}

static int
count_entry(const struct store_entry *e, void *arg)
{
	return 0;
}

/* Listed matches after the client's cursor, counted up to a cap. */
static int
unseen(struct store *s, int64_t topic_id, const char *client,
    json_t *doc)
{
	struct store_entry_query q = { .topic_id = topic_id,
	    .limit = API_TOPICS_UNSEEN_MAX };
	int64_t cursor = 0;
	char err[256];
	size_t n = 0;

	if (store_cursor_get(s, client, topic_id, &cursor) == -1)
		return -1;
	q.since_id = cursor;
	/* Counted as they are read: no copies of up to 1000 entries. */
	if (store_entry_each(s, &q, count_entry, NULL, &n, err,
	    sizeof(err)) != 0)
		return -1;
	json_object_set_new(doc, "cursor", json_integer(cursor));
	json_object_set_new(doc, "unseen", json_integer((json_int_t)n));
	json_object_set_new(doc, "unseen_more", json_boolean(
	    n == API_TOPICS_UNSEEN_MAX));
	return 0;
}

static json_t *
ids_json(const int64_t *ids, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)ids[i]));
	return a;
}

/*
 * "hook_failures": how many of the topic's hook runs failed since the
 * daemon started (counted in memory, see hook.h), and
 * "hook_last_failure": {"time", "error"} of the last, or null.
 */
static void
hook_failures_json(struct api *api, const struct store_topic *t, json_t *j)
{
	struct hooks_failures f;

	if (!hooks_failures(api->d->hooks, t->name, &f)) {
		json_object_set_new(j, "hook_failures", json_integer(0));
		json_object_set_new(j, "hook_last_failure", json_null());
		return;
	}
	json_object_set_new(j, "hook_failures", json_integer((json_int_t)
	    f.count));
	json_object_set_new(j, "hook_last_failure", json_pack("{s:o,s:s}",
	    "time", model_json_time(f.at), "error", f.last));
}

/*
 * "notify": the hook's name; "notify_dropped": a command from before
 * hooks, never run (null once a hook is set). The subset: "feeds" as
 * defined (config feed names, or API feed ids), "category", and
 * "feed_ids", the feeds it takes in now (null: every feed).
 */
static json_t *
topic_json(struct api *api, struct store *s, const struct store_topic *t,
    const char *client)
{
	struct topics_info info;
	json_t *j, *feeds = json_null(), *in = json_null();
	const char *category = t->category;

	j = json_pack("{s:I,s:o,s:o,s:s,s:o,s:o,s:o,s:I}", "id",
	    (json_int_t)t->id, "name", model_json_str(t->name), "query",
	    model_json_str(t->query), "origin", store_origin_name(t->origin),
	    "notify", model_json_str(t->notify), "notify_dropped",
	    model_json_str(t->notify_dropped), "created",
	    model_json_time(t->created), "match_count",
	    (json_int_t)t->match_count);
	json_object_set_new(j, "newest", newest_json(s, t->id));
	if (t->nfeed_ids > 0)
		feeds = ids_json(t->feed_ids, t->nfeed_ids);
	if (api->d->topics != NULL && topics_info(api->d->topics, t->id,
	    &info)) {
		if (info.feeds != NULL) {
			json_decref(feeds);
			feeds = json_array();
			for (size_t i = 0; info.feeds[i] != NULL; i++)
				json_array_append_new(feeds,
				    model_json_str(info.feeds[i]));
		}
		category = info.category;
		if (info.subset) {
			json_decref(in);
			in = ids_json(info.feed_ids, info.nfeed_ids);
		}
		json_object_set_new(j, "backfill", info.backfilling ?
		    json_pack("{s:I,s:I}", "done",
		    (json_int_t)info.backfill_done, "of",
		    (json_int_t)info.backfill_end) : json_null());
	}
	json_object_set_new(j, "feeds", feeds);
	json_object_set_new(j, "category", model_json_str(category));
	json_object_set_new(j, "feed_ids", in);
	hook_failures_json(api, t, j);
	if (client != NULL && unseen(s, t->id, client, j) == -1) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* ?client=NAME, checked; 0 (*ret NULL when absent) or -1 after a 400. */
static int
client_param(struct evhttp_request *req, struct evkeyvalq *q,
    const char **ret)
{
	*ret = evhttp_find_header(q, "client");
	if (*ret != NULL && api_client_check(req, *ret) == -1)
		return -1;
	return 0;
}

void
api_topics_list(struct api *api, struct evhttp_request *req,
    const char *path)
{
	static const char *const params[] = { "client", NULL };
	struct api_unread unread = { 0 };
	struct store_topic *t = NULL;
	struct store *s;
	struct evkeyvalq q;
	const char *client;
	json_t *arr;
	size_t n = 0;

	if (api_query(req, params, &q) == -1)
		return;
	if (client_param(req, &q, &client) == -1 ||
	    (s = api_store(api, req)) == NULL)
		goto out;
	if (store_topic_list(s, &t, &n) == -1) {
		api_reply_error(req, 500, NULL, "cannot list topics (see the "
		    "daemon's log)");
		goto out;
	}
	api_unread_load(s, api->user_id, true, &unread);
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *j = topic_json(api, s, &t[i], client);

		if (j == NULL) {
			json_decref(arr);
			api_reply_error(req, 500, NULL, "cannot read topic "
			    "'%s'", t[i].name);
			goto out;
		}
		json_object_set_new(j, "unread", api_unread_json(&unread,
		    t[i].id));
		json_array_append_new(arr, j);
	}
	api_reply(req, 200, json_pack("{s:o}", "topics", arr));
out:
	api_unread_clear(&unread);
	store_topic_list_free(t, n);
	api_query_clear(&q);
}

/* The {name} segment and its topic; -1 after answering. */
static int
path_topic(struct api *api, struct evhttp_request *req, const char *path,
    struct store *s, struct store_topic *ret)
{
	char name[API_TOPIC_NAME_MAX * 3 + 1];
	int rc;

	if (api_path_segment(path, 2, name, sizeof(name)) == -1) {
		api_reply_error(req, 400, "bad_name", "malformed topic name");
		return -1;
	}
	if ((rc = store_topic_get_by_name(s, name, ret)) == 1)
		return 0;
	if (rc == 0)
		api_reply_error(req, 404, "no_topic", "no topic '%.100s' "
		    "(feedctl topics lists them)", name);
	else
		api_reply_error(req, 500, NULL, "cannot read topic '%.100s'",
		    name);
	return -1;
}

void
api_topics_get(struct api *api, struct evhttp_request *req,
    const char *path)
{
	static const char *const params[] = { "client", NULL };
	struct store_topic t = { 0 };
	struct store *s;
	struct evkeyvalq q;
	const char *client;
	json_t *j;

	if (api_query(req, params, &q) == -1)
		return;
	if (client_param(req, &q, &client) == -1 ||
	    (s = api_store(api, req)) == NULL ||
	    path_topic(api, req, path, s, &t) == -1)
		goto out;
	if ((j = topic_json(api, s, &t, client)) == NULL)
		api_reply_error(req, 500, NULL, "cannot read topic '%s'",
		    t.name);
	else
		api_reply(req, 200, j);
out:
	store_topic_clear(&t);
	api_query_clear(&q);
}

/*
 * A "feeds" field (v NULL when absent): a list of existing feed ids, into
 * *ret (free() it; NULL when absent or null). -1 after answering 400.
 */
static int
feeds_param(struct evhttp_request *req, struct store *s, json_t *v,
    int64_t **ret, size_t *ret_n)
{
	struct store_feed f;
	json_t *x;
	size_t i, n = 0;
	int rc;

	*ret = NULL;
	*ret_n = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) > API_TOPIC_FEEDS_MAX) {
		api_reply_error(req, 400, "bad_feeds", "\"feeds\" must be a "
		    "list of feed ids (at most %d), such as [3, 7]",
		    API_TOPIC_FEEDS_MAX);
		return -1;
	}
	if (json_array_size(v) == 0) {
		api_reply_error(req, 400, "bad_feeds", "\"feeds\" lists no "
		    "feed; leave it out (or null) to follow every feed");
		return -1;
	}
	*ret = xcalloc(json_array_size(v), sizeof(**ret));
	json_array_foreach(v, i, x) {
		int64_t id = json_is_integer(x) ? json_integer_value(x) : 0;
		bool dup = false;

		if (id <= 0) {
			api_reply_error(req, 400, "bad_feeds", "\"feeds\" "
			    "item %zu is not a feed id (a positive integer)",
			    i + 1);
			goto fail;
		}
		if ((rc = store_feed_get(s, id, &f)) != 1) {
			if (rc == 0)
				api_reply_error(req, 400, "unknown_feed", "no "
				    "feed %lld (feedctl feeds lists them)",
				    (long long)id);
			else
				api_reply_lookup(req, rc, "feed", id);
			goto fail;
		}
		store_feed_clear(&f);
		for (size_t k = 0; k < n && !dup; k++)
			dup = (*ret)[k] == id;
		if (!dup)
			(*ret)[n++] = id;
	}
	*ret_n = n;
	return 0;
fail:
	free(*ret);
	*ret = NULL;
	return -1;
}

/* The topics module, or NULL after answering 503 (start-up). */
static struct topics *
ready_topics(struct api *api, struct evhttp_request *req)
{
	if (api->d->topics == NULL)
		api_reply_error(req, 503, "unavailable", "topics are not "
		    "ready yet; try again shortly");
	return api->d->topics;
}

/*
 * A "notify" field (v NULL when absent): null, or the name of a hook the
 * configuration declares, into *ret (borrowed from v; NULL: none). A
 * client never gives a command, only picks one of the file's. -1 after
 * answering 400.
 */
static int
hook_param(struct api *api, struct evhttp_request *req, json_t *v,
    const char **ret)
{
	const char *name = json_string_value(v);
	char *names;

	*ret = NULL;
	if (v == NULL || json_is_null(v))
		return 0;
	if (name != NULL && config_hook_find(api->d->cfg, name) != NULL) {
		*ret = name;
		return 0;
	}
	names = config_hook_names(api->d->cfg);
	api_reply_error(req, 400, "unknown_hook", "\"notify\" is null or "
	    "the name of a [hook] that %s declares; %s%.100s%s is not one "
	    "(%s%.600s)", api->d->cfg->path, name != NULL ? "'" : "",
	    name != NULL ? name : "that", name != NULL ? "'" : "",
	    *names != '\0' ? "declared: " : "none is declared", names);
	free(names);
	return -1;
}

void
api_topics_add(struct api *api, struct evhttp_request *req,
    const char *path)
{
	static const char *const fields[] = { "name", "query", "notify",
	    "feeds", "category", NULL };
	struct store_topic t = { 0 };
	struct store_topic_subset sub = { 0 };
	struct topics *topics;
	struct store *s;
	const char *name, *query, *hook;
	json_t *body, *j;
	char err[512] = "", *category = NULL;
	int64_t id, *ids = NULL;
	int rc;

	if ((body = api_body_json(req, fields, false)) == NULL)
		return;
	name = json_string_value(json_object_get(body, "name"));
	query = json_string_value(json_object_get(body, "query"));
	if (name == NULL || query == NULL) {
		api_reply_error(req, 400, "bad_request", "give {\"name\": "
		    "string, \"query\": string, \"notify\": hook name or "
		    "null, \"feeds\": [feed ids], \"category\": string}");
		goto out;
	}
	if (!valid_name(name)) {
		api_reply_error(req, 400, "bad_name", "topic names are 1 to "
		    "%d printable characters without '/'", API_TOPIC_NAME_MAX);
		goto out;
	}
	if (hook_param(api, req, json_object_get(body, "notify"),
	    &hook) == -1)
		goto out;
	if ((s = api_store(api, req)) == NULL ||
	    feeds_param(req, s, json_object_get(body, "feeds"), &ids,
	    &sub.nfeed_ids) == -1 ||
	    api_category(req, json_object_get(body, "category"),
	    &category) == -1)
		goto out;
	sub.feed_ids = ids;
	sub.category = category;
	if ((topics = ready_topics(api, req)) == NULL)
		goto out;
	rc = topics_add(topics, name, query, hook, &sub, &id, err,
	    sizeof(err));
	if (rc == STORE_EQUERY) {
		api_reply_error(req, 400, "bad_query", "%s", err);
		goto out;
	}
	if (rc == 1) {
		api_reply_error(req, 409, "exists", "a topic named '%.100s' "
		    "exists already", name);
		goto out;
	}
	if (rc != 0 || store_topic_get(s, id, &t) != 1) {
		api_reply_error(req, 500, NULL, "cannot add the topic (see "
		    "the daemon's log)");
		goto out;
	}
	if ((j = topic_json(api, s, &t, NULL)) == NULL)
		api_reply_error(req, 500, NULL, "cannot read the topic");
	else
		api_reply(req, 201, j);
out:
	free(ids);
	free(category);
	store_topic_clear(&t);
	json_decref(body);
}

void
api_topics_change(struct api *api, struct evhttp_request *req,
    const char *path)
{
	static const char *const fields[] = { "notify", NULL };
	struct store_topic t = { 0 };
	struct topics *topics;
	struct store *s;
	const char *hook;
	json_t *body, *j;
	int64_t id;
	int rc;

	if ((body = api_body_json(req, fields, false)) == NULL)
		return;
	if (json_object_get(body, "notify") == NULL) {
		api_reply_error(req, 400, "bad_request", "give {\"notify\": "
		    "hook name or null}");
		goto out;
	}
	if (hook_param(api, req, json_object_get(body, "notify"),
	    &hook) == -1 || (s = api_store(api, req)) == NULL ||
	    path_topic(api, req, path, s, &t) == -1)
		goto out;
	if (t.origin == STORE_ORIGIN_CONFIG) {
		api_reply_error(req, 409, "configured", "topic '%s' is "
		    "defined in %s; change it there and reload", t.name,
		    api->d->cfg->path);
		goto out;
	}
	if ((topics = ready_topics(api, req)) == NULL)
		goto out;
	id = t.id;
	if ((rc = topics_set_hook(topics, id, hook)) == 1) {
		store_topic_clear(&t);
		rc = store_topic_get(s, id, &t);
	}
	if (rc != 1) {
		api_reply_lookup(req, rc, "topic", id);
		goto out;
	}
	log_info("api: topic '%s': notify %s", t.name, hook != NULL ? hook :
	    "none");
	if ((j = topic_json(api, s, &t, NULL)) == NULL)
		api_reply_error(req, 500, NULL, "cannot read the topic");
	else
		api_reply(req, 200, j);
out:
	store_topic_clear(&t);
	json_decref(body);
}

void
api_topics_remove(struct api *api, struct evhttp_request *req,
    const char *path)
{
	struct store_topic t = { 0 };
	struct store *s;
	int rc;

	if ((s = api_store(api, req)) == NULL ||
	    path_topic(api, req, path, s, &t) == -1)
		goto out;
	if (t.origin == STORE_ORIGIN_CONFIG) {
		api_reply_error(req, 409, "configured", "topic '%s' is "
		    "defined in %s; remove it there and reload", t.name,
		    api->d->cfg->path);
		goto out;
	}
	rc = api->d->topics != NULL ? topics_remove(api->d->topics, t.id) :
	    store_topic_remove(s, t.id);
	if (rc == -1)
		api_reply_error(req, 500, NULL, "cannot remove the topic (see "
		    "the daemon's log)");
	else if (rc == 0)
		api_reply_error(req, 404, "no_topic", "no topic '%s'", t.name);
	else {
		log_info("api: topic '%s' removed", t.name);
		api_reply(req, 200, json_pack("{s:s,s:I}", "removed", t.name,
		    "id", (json_int_t)t.id));
	}
out:
	store_topic_clear(&t);
}

void
api_topics_why(struct api *api, struct evhttp_request *req,
    const char *path)
{
	struct store *s;
	json_t *doc;
	char err[512] = "";
	int64_t id;
	int rc;

	if (api_path_id(req, path, 2, &id) == -1 ||
	    (s = api_store(api, req)) == NULL)
		return;
	if ((rc = topics_why(s, id, &doc, err, sizeof(err))) == 1)
		api_reply(req, 200, doc);
	else if (rc == 0)
		api_reply_error(req, 404, "no_entry", "no entry %lld",
		    (long long)id);
	else
		api_reply_error(req, 500, NULL, "cannot explain entry %lld: "
		    "%s", (long long)id, err);
}
