/*
 * greader_json: an entry as an item of the Google Reader API's
 * stream/contents, the shape FreshRSS and Miniflux answer: the long id,
 * times (crawlTimeMsec is when feedd fetched it, timestampUsec and
 * published when it was published, else fetched), links, summary.content
 * (the content, else the summary), author, origin, and the categories: the
 * reading list, read and starred as the user left them, the feed's
 * category as a label, and a label for each topic the entry matched.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "greader.h"
#include "store.h"

static void
add_label(json_t *cats, const char *name)
{
	char *s;

	if (name == NULL || *name == '\0')
		return;
	s = NULL;
	if (asprintf(&s, GREADER_LABEL "%s", name) >= 0 && s != NULL) {
		json_array_append_new(cats, json_string(s));
		free(s);
	}
}

json_t *
greader_item_categories(const struct greader_req *g,
    const struct store_entry *e)
{
	const struct store_feed *f = greader_feed(g, e->feed_id);
	json_t *cats = json_array(), *topics, *v;
	size_t i;

	json_array_append_new(cats, json_string(GREADER_STATE "reading-list"));
	if (e->read)
		json_array_append_new(cats, json_string(GREADER_STATE "read"));
	if (e->starred)
		json_array_append_new(cats,
		    json_string(GREADER_STATE "starred"));
	if (f != NULL)
		add_label(cats, f->category);
	if (e->topics_json != NULL &&
	    (topics = json_loads(e->topics_json, 0, NULL)) != NULL) {
		json_array_foreach(topics, i, v)
			add_label(cats, json_string_value(v));
		json_decref(topics);
	}
	return cats;
}

static json_t *
str_or_empty(const char *s)
{
	return json_string(s != NULL ? s : "");
}

json_t *
greader_json_item(const struct greader_req *g, const struct store_entry *e)
{
	const struct store_feed *f = greader_feed(g, e->feed_id);
	int64_t when = e->published != FEED_TIME_NONE ? e->published :
	    e->fetched;
	int64_t updated = e->updated != FEED_TIME_NONE ? e->updated : when;
	char id[64], crawl[32], usec[32], stream[32];
	json_t *item, *links;
	char *sid = NULL;

	greader_item_long(e->id, id, sizeof(id));
	snprintf(crawl, sizeof(crawl), "%lld000", (long long)e->fetched);
	snprintf(usec, sizeof(usec), "%lld000000", (long long)when);
	snprintf(stream, sizeof(stream), "feed/%lld", (long long)e->feed_id);
	if (f != NULL && asprintf(&sid, "feed/%s", f->url) < 0)
		sid = NULL;
	links = json_array();
	if (e->link != NULL)
		json_array_append_new(links, json_pack("{s:s,s:s}", "href",
		    e->link, "type", "text/html"));
	item = json_pack("{s:s,s:s,s:s,s:I,s:I,s:o,s:o,s:o,s:{s:s,s:o},"
	    "s:o,s:{s:o,s:o,s:o},s:o}",
	    "id", id,
	    "crawlTimeMsec", crawl,
	    "timestampUsec", usec,
	    "published", (json_int_t)when,
	    "updated", (json_int_t)updated,
	    "title", str_or_empty(e->title),
	    "canonical", json_deep_copy(links),
	    "alternate", links,
	    "summary", "direction", "ltr", "content", str_or_empty(
		e->content != NULL && *e->content != '\0' ? e->content :
		e->summary),
	    "author", str_or_empty(e->author),
	    "origin", "streamId", json_string(sid != NULL ? sid : stream),
	    "title", str_or_empty(f != NULL ? (f->title != NULL ? f->title :
		f->url) : e->feed_title),
	    "htmlUrl", str_or_empty(f != NULL ? f->site_link : NULL),
	    "categories", greader_item_categories(g, e));
	free(sid);
	return item;
}
