/*
 * greader_subs: the Google Reader door's subscriptions and tags.
 *
 * A feed's category is its one label (user/-/label/CATEGORY): folders in
 * the apps. Topics are labels too, of type "tag" (the apps show them
 * beside the folders): a topic labels the stories it matched, each once.
 * Subscribing, unsubscribing and moving go through api_feeds_* like the
 * socket's own /v1/feeds, so the scheduler and the topics hear of them;
 * configured feeds (feedd.conf) are not changed here (409), as there.
 * Renaming or disabling a topic's label is refused (400): topics are
 * managed with feedctl, where their queries are.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api_internal.h"
#include "api_reply.h"
#include "buf.h"
#include "category.h"
#include "greader.h"
#include "log.h"
#include "store.h"
#include "url.h"
#include "xmalloc.h"

static json_t *
label_id(const char *name)
{
	char *s = xasprintf(GREADER_LABEL "%s", name);
	json_t *j = json_string(s);

	free(s);
	return j;
}

static json_t *
feed_id(const struct store_feed *f)
{
	char *s = xasprintf("feed/%s", f->url);
	json_t *j = json_string(s);

	free(s);
	return j;
}

void
greader_subscription_list(struct greader_req *g)
{
	json_t *subs = json_array(), *cats;

	if (greader_feeds(g) == -1) {
		json_decref(subs);
		return;
	}
	for (size_t i = 0; i < g->nfeeds; i++) {
		const struct store_feed *f = &g->feeds[i];

		cats = json_array();
		if (f->category != NULL)
			json_array_append_new(cats, json_pack("{s:o,s:s}",
			    "id", label_id(f->category), "label",
			    f->category));
		json_array_append_new(subs, json_pack("{s:o,s:s,s:o,s:s,"
		    "s:s,s:s,s:s}", "id", feed_id(f), "title", f->title != NULL ?
		    f->title : f->url, "categories", cats, "url", f->url,
		    "htmlUrl", f->site_link != NULL ? f->site_link : "",
		    "iconUrl", "", "sortid", ""));
	}
	api_reply(g->req, 200, json_pack("{s:o}", "subscriptions", subs));
}

/* The category a label names ("user/-/label/NAME"), or NULL. */
static const char *
label_name(const char *s)
{
	if (s == NULL)
		return NULL;
	if (strncmp(s, GREADER_LABEL, strlen(GREADER_LABEL)) == 0)
		s += strlen(GREADER_LABEL);
	else if (strncmp(s, "user/", 5) == 0) {
		/* user/ID/label/NAME */
		const char *p = strchr(s + 5, '/');

		if (p == NULL || strncmp(p, "/label/", 7) != 0)
			return NULL;
		s = p + 7;
	}
	return *s != '\0' ? s : NULL;
}

/* s= as a feed of the store (stream "feed/URL"); -1 after answering. */
static int
sub_feed(struct greader_req *g, struct store_feed *f)
{
	const char *s = greader_param(g, "s");
	int rc;

	if (s == NULL || strncmp(s, "feed/", 5) != 0) {
		api_reply_error(g->req, 400, NULL, "which feed? (s=feed/URL)");
		return -1;
	}
	if ((rc = store_feed_get_by_url(g->s, s + 5, f)) != 1) {
		if (rc == 0)
			api_reply_error(g->req, 404, "no_stream", "no such "
			    "feed: %.300s", s + 5);
		else
			api_reply_error(g->req, 500, NULL, "cannot read feeds");
		return -1;
	}
	if (f->origin == STORE_ORIGIN_CONFIG) {
		api_reply_error(g->req, 409, "configured", "%.300s is "
		    "declared in the configuration ([feed \"%s\"]); change it "
		    "there and reload", f->url, f->config_name != NULL ?
		    f->config_name : "?");
		store_feed_clear(f);
		return -1;
	}
	return 0;
}

/* A label's category in its normal form (*ret may be NULL); -1 after 400. */
static int
category_of(struct greader_req *g, const char *label, char **ret)
{
	const char *why = NULL;

	*ret = NULL;
	if (label == NULL)
		return 0;
	if (category_norm(label, ret, &why) == -1) {
		api_reply_error(g->req, 400, NULL, "bad label '%.200s': %s",
		    label, why != NULL ? why : "?");
		return -1;
	}
	return 0;
}

/* Subscribes to url; the answer is left to the caller. -1 after answering. */
static int
subscribe(struct greader_req *g, const char *url, const char *title,
    const char *category, int64_t *ret_id)
{
	char why[128];

	if (url_check(url, 0, why, sizeof(why)) == -1) {
		api_reply_error(g->req, 400, "bad_url", "'%.200s': %s", url,
		    why);
		return -1;
	}
	/* An app that gives a site's address gets the feed behind it. */
	if (api_feeds_subscribe(g->api, url, title, category, 0,
	    API_SUBSCRIBE_PAGES, NULL, ret_id) == -1) {
		api_reply_error(g->req, 500, NULL, "cannot store the feed (see "
		    "the daemon's log)");
		return -1;
	}
	return 0;
}

void
greader_subscription_edit(struct greader_req *g)
{
	const char *ac = greader_param(g, "ac"), *s = greader_param(g, "s");
	const char *t = greader_param(g, "t");
	const char *add = label_name(greader_param(g, "a"));
	struct store_feed_change c = { 0 };
	struct store_feed f = { 0 };
	char *category = NULL;
	int64_t id;

	if (ac == NULL) {
		api_reply_error(g->req, 400, NULL, "what to do? "
		    "(ac=subscribe, unsubscribe or edit)");
		return;
	}
	if (category_of(g, add, &category) == -1)
		return;
	if (strcmp(ac, "subscribe") == 0) {
		if (s == NULL || strncmp(s, "feed/", 5) != 0) {
			api_reply_error(g->req, 400, NULL, "which feed? "
			    "(s=feed/URL)");
		} else if (subscribe(g, s + 5, t, category, &id) == 0)
			greader_text(g, 200, "OK");
		goto out;
	}
	if (strcmp(ac, "unsubscribe") != 0 && strcmp(ac, "edit") != 0) {
		api_reply_error(g->req, 400, NULL, "ac must be subscribe, "
		    "unsubscribe or edit");
		goto out;
	}
	if (sub_feed(g, &f) == -1)
		goto out;
	if (strcmp(ac, "unsubscribe") == 0) {
		if (api_feeds_unsubscribe(g->api, &f) == -1)
			api_reply_error(g->req, 500, NULL, "cannot remove the "
			    "feed");
		else
			greader_text(g, 200, "OK");
		goto out;
	}
	/* edit: t renames; a moves into a label, r out of it (a feed has one). */
	if (t != NULL) {
		c.set_title = true;
		c.title = *t != '\0' ? t : NULL;
	}
	if (add != NULL) {
		c.set_category = true;
		c.category = category;
	} else if (label_name(greader_param(g, "r")) != NULL &&
	    f.category != NULL &&
	    strcmp(label_name(greader_param(g, "r")), f.category) == 0) {
		c.set_category = true;
		c.category = NULL;
	}
	if (api_feeds_set(g->api, f.id, &c) == -1)
		api_reply_error(g->req, 500, NULL, "cannot change the feed");
	else
		greader_text(g, 200, "OK");
out:
	store_feed_clear(&f);
	free(category);
}

void
greader_quickadd(struct greader_req *g)
{
	const char *url = greader_param(g, "quickadd");
	char *sid;
	int64_t id;

	if (url == NULL) {
		api_reply_error(g->req, 400, NULL, "which feed? (quickadd=URL)");
		return;
	}
	if (strncmp(url, "feed/", 5) == 0)
		url += 5;
	if (subscribe(g, url, NULL, NULL, &id) == -1)
		return;
	sid = xasprintf("feed/%s", url);
	api_reply(g->req, 200, json_pack("{s:i,s:s,s:s}", "numResults", 1,
	    "query", url, "streamId", sid));
	free(sid);
}

/* Whether name is already in the array of strings. */
static bool
has(json_t *arr, const char *name)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(v), name) == 0)
			return true;
	return false;
}

/* The distinct categories of the feeds, in feed order. */
static json_t *
categories(struct greader_req *g)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < g->nfeeds; i++)
		if (g->feeds[i].category != NULL &&
		    !has(arr, g->feeds[i].category))
			json_array_append_new(arr,
			    json_string(g->feeds[i].category));
	return arr;
}

void
greader_tag_list(struct greader_req *g)
{
	struct store_topic *topics;
	size_t ntopics, i;
	json_t *tags, *cats, *v;

	if (greader_feeds(g) == -1)
		return;
	if (store_topic_list(g->s, &topics, &ntopics) == -1) {
		api_reply_error(g->req, 500, NULL, "cannot list the topics");
		return;
	}
	tags = json_pack("[{s:s},{s:s}]", "id", GREADER_STATE "starred",
	    "id", GREADER_STATE "read");
	cats = categories(g);
	json_array_foreach(cats, i, v)
		json_array_append_new(tags, json_pack("{s:o,s:s}", "id",
		    label_id(json_string_value(v)), "type", "folder"));
	for (i = 0; i < ntopics; i++)
		if (!has(cats, topics[i].name))
			json_array_append_new(tags, json_pack("{s:o,s:s}",
			    "id", label_id(topics[i].name), "type", "tag"));
	json_decref(cats);
	store_topic_list_free(topics, ntopics);
	api_reply(g->req, 200, json_pack("{s:o}", "tags", tags));
}

/*
 * The feeds filed in the category of label s= (or below it) moved to
 * dest (NULL: out of any category). -1 after answering.
 */
static int
move_category(struct greader_req *g, const char *dest)
{
	const char *from = label_name(greader_param(g, "s"));
	struct store_feed_change c = { .set_category = true };
	struct store_topic t = { 0 };
	size_t moved = 0, flen;

	if (from == NULL) {
		api_reply_error(g->req, 400, NULL, "which label? "
		    "(s=user/-/label/NAME)");
		return -1;
	}
	if (greader_feeds(g) == -1)
		return -1;
	flen = strlen(from);
	for (size_t i = 0; i < g->nfeeds; i++) {
		const struct store_feed *f = &g->feeds[i];
		char *to = NULL;

		if (!category_within(f->category, from) ||
		    f->origin == STORE_ORIGIN_CONFIG)
			continue;
		/* "News/UA" under "News" renamed to "Press": "Press/UA". */
		if (dest != NULL)
			to = xasprintf("%s%s", dest, f->category + flen);
		c.category = to;
		if (api_feeds_set(g->api, f->id, &c) == -1) {
			free(to);
			api_reply_error(g->req, 500, NULL, "cannot change "
			    "feed %lld", (long long)f->id);
			return -1;
		}
		free(to);
		moved++;
	}
	if (moved > 0)
		return 0;
	if (store_topic_get_by_name(g->s, from, &t) == 1) {
		store_topic_clear(&t);
		api_reply_error(g->req, 400, "topic", "'%.200s' is a topic: "
		    "topics are managed with feedctl (feedctl topics)", from);
		return -1;
	}
	api_reply_error(g->req, 404, "no_stream", "no label '%.200s' with "
	    "feeds the API may change", from);
	return -1;
}

void
greader_rename_tag(struct greader_req *g)
{
	const char *dest = label_name(greader_param(g, "dest"));
	char *category = NULL;

	if (dest == NULL) {
		api_reply_error(g->req, 400, NULL, "to what? "
		    "(dest=user/-/label/NAME)");
		return;
	}
	if (category_of(g, dest, &category) == -1)
		return;
	if (category == NULL) {
		api_reply_error(g->req, 400, NULL, "an empty label");
		return;
	}
	if (move_category(g, category) == 0)
		greader_text(g, 200, "OK");
	free(category);
}

void
greader_disable_tag(struct greader_req *g)
{
	if (move_category(g, NULL) == 0)
		greader_text(g, 200, "OK");
}

/*
 * One count of unread-count's list, written as it is made: the one
 * object is refilled for every feed (an answer for 10,000 feeds builds
 * no tree of 10,000 objects).
 */
struct count_out {
	struct api_list	*list;
	json_t		*o, *id, *n, *usec;
};

static void
count_out_init(struct count_out *co, struct api_list *list)
{
	co->list = list;
	co->o = json_object();
	co->id = json_string("");
	co->n = json_integer(0);
	co->usec = json_string("");
	json_object_set_nocheck(co->o, "id", co->id);
	json_object_set_nocheck(co->o, "count", co->n);
	json_object_set_nocheck(co->o, "newestItemTimestampUsec", co->usec);
}

static void
count_out_free(struct count_out *co)
{
	json_decref(co->o);
	json_decref(co->id);
	json_decref(co->n);
	json_decref(co->usec);
}

/* Adds the count of the stream id (len bytes); one not UTF-8 is left out. */
static int
count_add(struct count_out *co, const char *id, size_t len, int64_t n,
    int64_t newest)
{
	char usec[32];

	if (json_string_setn(co->id, id, len) == -1)
		return 0;
	snprintf(usec, sizeof(usec), "%lld000000", (long long)newest);
	json_integer_set(co->n, n);
	json_string_set_nocheck(co->usec, usec);
	return api_list_add(co->list, co->o);
}

/* count_add for a label: "user/-/label/NAME". */
static int
count_label(struct count_out *co, struct buf *id, const char *name,
    int64_t n, int64_t newest)
{
	buf_reset(id);
	buf_puts(id, GREADER_LABEL);
	buf_puts(id, name);
	return count_add(co, id->data, id->len, n, newest);
}

/* A category's own feeds' unread entries and newest poll. */
struct cat_sum {
	char	*name;
	size_t	 seen;		/* order of its first feed */
	int64_t	 n;
	int64_t	 t;
};

/* unread-count's pass over the feeds: their counts and their categories'. */
struct counting {
	struct count_out out;
	struct buf	 id;		/* "feed/URL", reused */
	struct cat_sum	*cats;		/* by name, for the nesting */
	size_t		 ncats, capcats;
	size_t		 last;		/* the previous feed's, likely again */
	int64_t		 total, newest;
};

/* Where name is in cats, or where it would go (*found false). */
static size_t
cat_find(const struct counting *c, const char *name, bool *found)
{
	size_t lo = 0, hi = c->ncats;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(c->cats[mid].name, name);

		if (cmp == 0) {
			*found = true;
			return mid;
		}
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct cat_sum *
cat_get(struct counting *c, const char *name)
{
	bool found;
	size_t i;

	if (c->last < c->ncats && strcmp(c->cats[c->last].name, name) == 0)
		return &c->cats[c->last];
	i = cat_find(c, name, &found);
	if (!found) {
		if (c->ncats == c->capcats) {
			c->capcats = c->capcats == 0 ? 16 : c->capcats * 2;
			c->cats = xreallocarray(c->cats, c->capcats,
			    sizeof(*c->cats));
		}
		memmove(&c->cats[i + 1], &c->cats[i],
		    (c->ncats - i) * sizeof(*c->cats));
		c->cats[i] = (struct cat_sum){ .name = xstrdup(name),
		    .seen = c->ncats };
		c->ncats++;
	}
	c->last = i;
	return &c->cats[i];
}

static int
count_feed(const struct store_feed_unread *u, void *arg)
{
	struct counting *c = arg;
	struct cat_sum *cs;

	/*
	 * newestItemTimestampUsec: the feed's last successful poll, the
	 * newest time an item can have arrived (no entry is read for it).
	 */
	if (u->unread != 0) {
		c->total += u->unread;
		if (u->last_success > c->newest)
			c->newest = u->last_success;
		buf_reset(&c->id);
		buf_puts(&c->id, "feed/");
		buf_puts(&c->id, u->url);
		if (count_add(&c->out, c->id.data, c->id.len, u->unread,
		    u->last_success) == -1)
			return -1;
	}
	if (u->category != NULL) {
		cs = cat_get(c, u->category);
		cs->n += u->unread;
		if (u->last_success > cs->t)
			cs->t = u->last_success;
	}
	return 0;
}

/*
 * The categories' counts, in the order their first feeds came: each
 * takes in those below it ("News" counts "News/Ukraine"), which sort
 * together right after "News/".
 */
static int
count_categories(struct counting *c)
{
	size_t *order = xreallocarray(NULL, c->ncats + 1, sizeof(*order));
	size_t i, j, len;
	bool found;
	int rc = 0;

	for (i = 0; i < c->ncats; i++)
		order[c->cats[i].seen] = i;
	for (i = 0; i < c->ncats && rc == 0; i++) {
		const struct cat_sum *cs = &c->cats[order[i]];
		int64_t n = cs->n, t = cs->t;

		buf_reset(&c->id);
		buf_puts(&c->id, cs->name);
		buf_putc(&c->id, '/');
		len = c->id.len;
		for (j = cat_find(c, c->id.data, &found); j < c->ncats &&
		    strncmp(c->cats[j].name, c->id.data, len) == 0; j++) {
			n += c->cats[j].n;
			if (c->cats[j].t > t)
				t = c->cats[j].t;
		}
		if (n > 0)
			rc = count_label(&c->out, &c->id, cs->name, n, t);
	}
	free(order);
	return rc;
}

void
greader_unread_count(struct greader_req *g)
{
	struct counting c = { .cats = NULL };
	struct store_unread *tu = NULL;
	struct store_topic *topics = NULL;
	size_t ntu = 0, ntopics = 0, i, j;
	int64_t now = (int64_t)time(NULL);
	bool found;
	int rc;

	buf_init(&c.id);
	count_out_init(&c.out, api_list_new(g->req, json_pack("{s:I}", "max",
	    (json_int_t)GREADER_N_MAX), "unreadcounts", 0));
	if (store_unread_feeds_each(g->s, g->user.id, count_feed, &c) == -1 ||
	    store_unread_topics(g->s, g->user.id, &tu, &ntu) == -1 ||
	    store_topic_list(g->s, &topics, &ntopics) == -1) {
		api_list_fail(c.out.list, 500, "cannot count (see the "
		    "daemon's log)");
		goto out;
	}
	rc = count_categories(&c);
	/* A topic named as a category is shown as the category. */
	for (i = 0; i < ntu && rc == 0; i++)
		for (j = 0; j < ntopics && rc == 0; j++)
			if (topics[j].id == tu[i].id && tu[i].unread > 0 &&
			    (cat_find(&c, topics[j].name, &found), !found))
				rc = count_label(&c.out, &c.id, topics[j].name,
				    tu[i].unread, now);
	if (rc == 0)
		count_add(&c.out, GREADER_STATE "reading-list",
		    strlen(GREADER_STATE "reading-list"), c.total, c.newest);
	/* A failed element is answered as a 500 by api_list_end. */
	api_list_end(c.out.list, 200);
out:
	count_out_free(&c.out);
	for (i = 0; i < c.ncats; i++)
		free(c.cats[i].name);
	free(c.cats);
	buf_free(&c.id);
	free(tu);
	store_topic_list_free(topics, ntopics);
}
