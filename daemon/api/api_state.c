/*
 * api_state: read and starred marks, unread counts (api_state.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <jansson.h>

#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "api_state.h"
#include "date.h"
#include "feedd.h"
#include "log.h"
#include "model_json.h"
#include "store.h"
#include "xmalloc.h"

/* Ids one request may mark: a page of the largest listing, and more. */
#define IDS_MAX		10000

/* ---- unread counts ---- */

int
api_unread_load(struct store *s, int64_t user_id, bool topics,
    struct api_unread *ret)
{
	memset(ret, 0, sizeof(*ret));
	return topics ? store_unread_topics(s, user_id, &ret->u, &ret->n) :
	    store_unread_feeds(s, user_id, &ret->u, &ret->n);
}

json_t *
api_unread_json(const struct api_unread *u, int64_t id)
{
	size_t lo = 0, hi = u->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (u->u[mid].id == id)
			return json_integer(u->u[mid].unread);
		if (u->u[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return json_null();
}

void
api_unread_clear(struct api_unread *u)
{
	free(u->u);
	memset(u, 0, sizeof(*u));
}

void
api_state_counts(struct api *api, struct evhttp_request *req,
    const char *path)
{
	struct api_unread fu, tu;
	struct store_feed *feeds = NULL;
	struct store_topic *topics = NULL;
	size_t nf = 0, nt = 0, i;
	json_t *jf, *jc, *jt, *v;
	struct store *s;
	int64_t total = 0;

	if ((s = api_plain_request(api, req)) == NULL)
		return;
	if (api_unread_load(s, api->user_id, false, &fu) == -1 ||
	    api_unread_load(s, api->user_id, true, &tu) == -1 ||
	    store_feed_list(s, &feeds, &nf) == -1 ||
	    store_topic_list(s, &topics, &nt) == -1) {
		api_reply_error(req, 500, NULL, "cannot count unread entries "
		    "(see the daemon's log)");
		goto out;
	}
	jf = json_object();
	jc = json_object();
	jt = json_object();
	for (i = 0; i < fu.n; i++) {
		char key[24];

		snprintf(key, sizeof(key), "%lld", (long long)fu.u[i].id);
		json_object_set_new(jf, key, json_integer(fu.u[i].unread));
		total += fu.u[i].unread;
	}
	/* A category counts its feeds and those of its sub-categories. */
	for (i = 0; i < nf; i++) {
		const char *c = feeds[i].category;
		json_int_t n;
		char key[24];

		if (c == NULL)
			continue;
		snprintf(key, sizeof(key), "%lld", (long long)feeds[i].id);
		n = json_integer_value(json_object_get(jf, key));
		/* Each ancestor, "A" then "A/B", and the category itself. */
		for (size_t k = 0;; k++) {
			if (c[k] != '/' && c[k] != '\0')
				continue;
			char *name = xstrndup(c, k);

			v = json_object_get(jc, name);
			json_object_set_new(jc, name, json_integer(
			    (v != NULL ? json_integer_value(v) : 0) + n));
			free(name);
			if (c[k] == '\0')
				break;
		}
	}
	for (i = 0; i < nt; i++)
		json_object_set_new(jt, topics[i].name,
		    api_unread_json(&tu, topics[i].id));
	api_reply(req, 200, json_pack("{s:I,s:o,s:o,s:o}", "total",
	    (json_int_t)total, "feeds", jf, "categories", jc, "topics", jt));
out:
	api_unread_clear(&fu);
	api_unread_clear(&tu);
	store_feed_list_free(feeds, nf);
	store_topic_list_free(topics, nt);
}

/* ---- marks ---- */

/*
 * The body's "ids" (1 to IDS_MAX entry ids) into a fresh array; 0 and
 * *ret NULL when absent; -1 after answering 400.
 */
static int
body_ids(struct evhttp_request *req, json_t *body, int64_t **ret,
    size_t *ret_n)
{
	json_t *a = json_object_get(body, "ids"), *v;
	size_t i;

	*ret = NULL;
	*ret_n = 0;
	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > IDS_MAX) {
		api_reply_error(req, 400, "bad_ids", "\"ids\" is an array of "
		    "1 to %d entry ids", IDS_MAX);
		return -1;
	}
	*ret = xcalloc(json_array_size(a), sizeof(**ret));
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			api_reply_error(req, 400, "bad_ids", "\"ids\"[%zu] is "
			    "not an entry id", i);
			free(*ret);
			*ret = NULL;
			return -1;
		}
		(*ret)[i] = json_integer_value(v);
	}
	*ret_n = json_array_size(a);
	return 0;
}

/* Whether the request's user may mark (a read-only token may not). */
static struct store *
mark_request(struct api *api, struct evhttp_request *req)
{
	if (api->user_id == 0) {
		api_reply_error(req, 403, "forbidden", "no user to mark for");
		return NULL;
	}
	return api_store(api, req);
}

/* Marks ids: the answer is {"changed": N}. */
static void
mark_ids(struct api *api, struct evhttp_request *req, struct store *s,
    enum store_flag flag, bool on, const int64_t *ids, size_t n)
{
	size_t changed = 0;

	if (store_state_set(s, api->user_id, flag, on, ids, n,
	    &changed) == -1) {
		api_reply_error(req, 500, NULL, "cannot mark entries (see the "
		    "daemon's log)");
		return;
	}
	api_reply(req, 200, json_pack("{s:I}", "changed",
	    (json_int_t)changed));
}

/* A time given as Unix seconds or an ISO 8601 / RFC 3339 date. */
static int
body_time(struct evhttp_request *req, json_t *v, int64_t *ret)
{
	*ret = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*ret = json_integer_value(v);
		return 0;
	}
	if (json_is_string(v) && (*ret = date_parse(json_string_value(v))) !=
	    FEED_TIME_NONE)
		return 0;
	api_reply_error(req, 400, "bad_time", "\"before\" is Unix seconds or "
	    "a date such as \"2026-12-05T10:00:00Z\"");
	return -1;
}

/* POST /v1/entries/read and /unread. */
static void
mark_read(struct api *api, struct evhttp_request *req, bool read)
{
	static const char *const fields[] = { "ids", "all", "feed",
	    "category", "topic", "up_to", "before", NULL };
	struct store_scope scope = { 0 };
	struct store *s;
	json_t *body, *v;
	int64_t *ids = NULL, up_to = 0, before = 0;
	size_t n = 0, changed = 0;
	char *category = NULL;
	bool all;

	if ((s = mark_request(api, req)) == NULL ||
	    (body = api_body_json(req, fields, false)) == NULL)
		return;
	if (body_ids(req, body, &ids, &n) == -1)
		goto out;
	all = json_is_true(json_object_get(body, "all"));
	if ((ids != NULL) == all) {
		api_reply_error(req, 400, NULL, "give \"ids\", or \"all\": "
		    "true (with \"feed\", \"category\" or \"topic\" to "
		    "narrow it)");
		goto out;
	}
	if (ids != NULL) {
		if (json_object_size(body) > 1) {
			api_reply_error(req, 400, NULL, "\"ids\" takes no "
			    "\"feed\", \"category\", \"topic\", \"up_to\" "
			    "or \"before\"");
			goto out;
		}
		mark_ids(api, req, s, STORE_FLAG_READ, read, ids, n);
		goto out;
	}
	if ((v = json_object_get(body, "feed")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			api_reply_error(req, 400, NULL, "\"feed\" is a feed "
			    "id");
			goto out;
		}
		scope.feed_id = json_integer_value(v);
	}
	if ((v = json_object_get(body, "up_to")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			api_reply_error(req, 400, NULL, "\"up_to\" is an "
			    "entry id");
			goto out;
		}
		up_to = json_integer_value(v);
	}
	if ((v = json_object_get(body, "topic")) != NULL &&
	    !json_is_string(v)) {
		api_reply_error(req, 400, NULL, "\"topic\" is a topic's name");
		goto out;
	}
	if (api_category(req, json_object_get(body, "category"),
	    &category) == -1 ||
	    api_topic_id(api, req, json_string_value(v), &scope.topic_id) ==
	    -1 || body_time(req, json_object_get(body, "before"), &before) ==
	    -1)
		goto out;
	scope.category = category;
	if (store_state_mark_all(s, api->user_id, &scope, read, up_to, before,
	    &changed) == -1) {
		api_reply_error(req, 500, NULL, "cannot mark entries (see the "
		    "daemon's log)");
		goto out;
	}
	api_reply(req, 200, json_pack("{s:I}", "changed",
	    (json_int_t)changed));
out:
	free(ids);
	free(category);
	json_decref(body);
}

void
api_state_read(struct api *api, struct evhttp_request *req, const char *path)
{
	mark_read(api, req, true);
}

void
api_state_unread(struct api *api, struct evhttp_request *req,
    const char *path)
{
	mark_read(api, req, false);
}

/* POST /v1/entries/star and /unstar. */
static void
mark_star(struct api *api, struct evhttp_request *req, bool on)
{
	static const char *const fields[] = { "ids", NULL };
	struct store *s;
	json_t *body;
	int64_t *ids = NULL;
	size_t n = 0;

	if ((s = mark_request(api, req)) == NULL ||
	    (body = api_body_json(req, fields, false)) == NULL)
		return;
	if (body_ids(req, body, &ids, &n) == 0) {
		if (ids == NULL)
			api_reply_error(req, 400, "bad_ids", "give \"ids\": "
			    "the entries to %s", on ? "star" : "unstar");
		else
			mark_ids(api, req, s, STORE_FLAG_STARRED, on, ids, n);
	}
	free(ids);
	json_decref(body);
}

void
api_state_star(struct api *api, struct evhttp_request *req, const char *path)
{
	mark_star(api, req, true);
}

void
api_state_unstar(struct api *api, struct evhttp_request *req,
    const char *path)
{
	mark_star(api, req, false);
}

/* PUT /v1/entries/{id}: the answer is the entry's state after. */
void
api_state_put(struct api *api, struct evhttp_request *req, const char *path)
{
	static const char *const fields[] = { "read", "starred", NULL };
	static const struct {
		const char	*name;
		enum store_flag	 flag;
	} flags[] = {
		{ "read", STORE_FLAG_READ },
		{ "starred", STORE_FLAG_STARRED },
	};
	struct store *s;
	json_t *body = NULL, *v;
	int64_t id;
	bool read, starred;
	int rc;

	if (api_path_id(req, path, 2, &id) == -1 ||
	    (s = mark_request(api, req)) == NULL ||
	    (body = api_body_json(req, fields, false)) == NULL)
		return;
	if (json_object_size(body) == 0) {
		api_reply_error(req, 400, NULL, "give \"read\" and/or "
		    "\"starred\", true or false");
		goto out;
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if ((v = json_object_get(body, flags[i].name)) != NULL &&
		    !json_is_boolean(v)) {
			api_reply_error(req, 400, NULL, "\"%s\" must be true "
			    "or false", flags[i].name);
			goto out;
		}
	if ((rc = store_state_get(s, api->user_id, id, &read,
	    &starred)) != 1) {
		api_reply_lookup(req, rc, "entry", id);
		goto out;
	}
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if ((v = json_object_get(body, flags[i].name)) != NULL &&
		    store_state_set(s, api->user_id, flags[i].flag,
		    json_is_true(v), &id, 1, NULL) == -1) {
			api_reply_error(req, 500, NULL, "cannot mark the "
			    "entry (see the daemon's log)");
			goto out;
		}
	if (store_state_get(s, api->user_id, id, &read, &starred) != 1) {
		api_reply_error(req, 500, NULL, "cannot read the entry's "
		    "state (see the daemon's log)");
		goto out;
	}
	api_reply(req, 200, json_pack("{s:I,s:b,s:b}", "id", (json_int_t)id,
	    "read", read, "starred", starred));
out:
	json_decref(body);
}
