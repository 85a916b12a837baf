/*
 * api_entries: GET /v1/entries (a page of entries after a point, ascending
 * by id, so a client resumes after any crash from next_since) and
 * GET /v1/entries/{id} (one entry with its content), each with the
 * request's user's read and starred (filters unread=, starred=).
 *
 * The point is since=ID, or a named cursor (client=NAME), which this
 * endpoint only reads: the client moves it with PUT /v1/cursors/NAME once
 * it has handled the entries (at-least-once delivery).
 *
 * fold=1 shows one story once per page: an entry whose normalized link an
 * entry earlier in the page has (a copy in another feed) is left out and
 * counted in "folded"; next_since still passes it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api_internal.h"
#include "api_reply.h"
#include "api_request.h"
#include "feedd.h"
#include "log.h"
#include "model_json.h"
#include "store.h"
#include "xmalloc.h"


/* A page being written as the store reads it. */
struct page {
	struct model_json_list list;
	int64_t	 next;		/* highest id so far */
	bool	 failed;	/* jansson could not encode an entry */
	bool	 fold;		/* fold=1: copies left out */
	char	**links;	/* the normalized links shown so far */
	size_t	 nlinks;
	size_t	 folded;	/* copies left out */
};

/* True if the page already shows an entry with e's normalized link. */
static bool
page_has_copy(struct page *p, const struct store_entry *e)
{
	if (e->norm_link == NULL)
		return false;
	for (size_t i = 0; i < p->nlinks; i++)
		if (strcmp(p->links[i], e->norm_link) == 0)
			return true;
	p->links = xreallocarray(p->links, p->nlinks + 1, sizeof(*p->links));
	p->links[p->nlinks++] = xstrdup(e->norm_link);
	return false;
}

static void
page_links_free(struct page *p)
{
	for (size_t i = 0; i < p->nlinks; i++)
		free(p->links[i]);
	free(p->links);
}

static int
page_entry(const struct store_entry *e, void *arg)
{
	struct page *p = arg;

	if (p->fold && page_has_copy(p, e)) {
		p->folded++;
	} else if (model_json_list_entry(&p->list, e) == -1) {
		p->failed = true;
		return -1;
	}
	if (e->id > p->next)
		p->next = e->id;
	return 0;
}

void
api_entries_list(struct api *api, struct evhttp_request *req,
    const char *path)
{
	static const char *const params[] = { "since", "feed", "topic", "q",
	    "limit", "content", "client", "latest", "unread", "starred",
	    "category", "fold", NULL };
	struct store_entry_query eq = { 0 };
	struct page page = { 0 };
	struct store *s;
	struct evkeyvalq q;
	const char *topic, *client;
	int64_t since = 0, feed = 0, limit = API_LIMIT_DEFAULT, topic_id = 0;
	int64_t cursor = -1;
	bool content = false, latest = false, fold = false, flag;
	char *category = NULL;
	char err[512] = "";
	size_t n = 0, len;
	json_t *tail;
	char *text;
	int rc;

	if (api_query(req, params, &q) == -1)
		return;
	if (api_query_int(req, &q, "since", 0, INT64_MAX, &since) == -1 ||
	    api_query_int(req, &q, "feed", 1, INT64_MAX, &feed) == -1 ||
	    api_query_int(req, &q, "limit", 1, API_LIMIT_MAX, &limit) == -1 ||
	    api_query_bool(req, &q, "content", &content) == -1 ||
	    api_query_bool(req, &q, "latest", &latest) == -1 ||
	    api_query_bool(req, &q, "fold", &fold) == -1)
		goto out;
	/* unread=1: only unread ones, unread=0: only read ones. */
	if (evhttp_find_header(&q, "unread") != NULL) {
		if (api_query_bool(req, &q, "unread", &flag) == -1)
			goto out;
		eq.read = flag ? STORE_FLAG_UNSET : STORE_FLAG_SET;
	}
	if (evhttp_find_header(&q, "starred") != NULL) {
		if (api_query_bool(req, &q, "starred", &flag) == -1)
			goto out;
		eq.starred = flag ? STORE_FLAG_SET : STORE_FLAG_UNSET;
	}
	if (evhttp_find_header(&q, "category") != NULL) {
		json_t *c = json_string(evhttp_find_header(&q, "category"));

		rc = api_category(req, c, &category);
		json_decref(c);
		if (rc == -1)
			goto out;
		if (category == NULL) {
			api_reply_error(req, 400, "bad_category", "category "
			    "names no category");
			goto out;
		}
	}
	eq.category = category;
	eq.user_id = api->user_id;
	topic = evhttp_find_header(&q, "topic");
	client = evhttp_find_header(&q, "client");
	eq.fts = evhttp_find_header(&q, "q");
	if (eq.fts != NULL && strspn(eq.fts, " \t\r\n") == strlen(eq.fts)) {
		api_reply_error(req, 400, "bad_query", "the search query is "
		    "empty");
		goto out;
	}
	if (client != NULL && (evhttp_find_header(&q, "since") != NULL ||
	    latest)) {
		api_reply_error(req, 400, NULL, "give either client=NAME (the "
		    "named cursor says where to start) or since/latest, not "
		    "both");
		goto out;
	}
	if (client != NULL && api_client_check(req, client) == -1)
		goto out;
	if ((s = api_store(api, req)) == NULL ||
	    api_topic_id(api, req, topic, &topic_id) == -1)
		goto out;
	if (feed != 0) {
		struct store_feed f = { 0 };

		if ((rc = store_feed_get(s, feed, &f)) != 1) {
			api_reply_error(req, rc == 0 ? 404 : 500, NULL,
			    "no feed %lld", (long long)feed);
			goto out;
		}
		store_feed_clear(&f);
	}
	if (client != NULL) {
		if ((rc = store_cursor_get(s, client, topic_id, &cursor)) ==
		    -1) {
			api_reply_error(req, 500, NULL, "cannot read the "
			    "cursor of '%s'", client);
			goto out;
		}
		if (rc == 0)
			cursor = 0;
		since = cursor;
	}
	eq.since_id = since;
	eq.feed_id = feed;
	eq.topic_id = topic_id;
	eq.limit = (size_t)limit;
	eq.content = content;
	/* The acting user's read and starred, with each entry. */
	eq.user_id = api->user_id;
	eq.latest = latest;
	/* read and starred are the requesting user's. */
	eq.user_id = api->user_id;
	/* An entry is about 300 bytes without content. */
	memset(&page, 0, sizeof(page));
	model_json_list_init(&page.list, "entries", content, eq.limit *
	    (content ? 4096 : 512));
	page.next = since;
	page.fold = fold;
	rc = store_entry_each(s, &eq, page_entry, &page, &n, err,
	    sizeof(err));
	if (rc == STORE_EQUERY) {
		api_reply_error(req, 400, "bad_query", "invalid search query "
		    "'%.200s': %s", eq.fts, err);
		goto out_page;
	}
	if (rc != 0) {
		if (page.failed)
			log_warnx("api: cannot encode an entry");
		api_reply_error(req, 500, NULL, "cannot list entries (see the "
		    "daemon's log)");
		goto out_page;
	}
	tail = json_pack("{s:I,s:b}", "next_since", (json_int_t)page.next,
	    "more", n == (size_t)limit);
	if (fold)
		json_object_set_new(tail, "folded", json_integer((json_int_t)
		    page.folded));
	if (client != NULL) {
		json_object_set_new(tail, "client", json_string(client));
		json_object_set_new(tail, "cursor", json_integer(cursor));
	}
	if ((text = model_json_list_finish(&page.list, tail, &len)) == NULL) {
		log_warnx("api: cannot encode a response");
		api_reply_error(req, 500, NULL, "cannot encode response");
		goto out;
	}
	api_reply_text(req, 200, text, len);
	goto out;
out_page:
	model_json_list_clear(&page.list);
out:
	free(category);
	page_links_free(&page);
	api_query_clear(&q);
}

void
api_entries_get(struct api *api, struct evhttp_request *req,
    const char *path)
{
	struct store_entry e;
	struct store *s;
	int64_t id;
	int rc;

	if ((s = api_id_request(api, req, path, 2, &id)) == NULL)
		return;
	memset(&e, 0, sizeof(e));
	if ((rc = store_entry_get(s, id, &e)) != 1 ||
	    (rc = store_state_get(s, api->user_id, id, &e.read,
	    &e.starred)) != 1) {
		api_reply_lookup(req, rc, "entry", id);
		store_entry_clear(&e);
		return;
	}
	api_reply(req, 200, model_json_entry(&e, true));
	store_entry_clear(&e);
}
