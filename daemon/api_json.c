#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api_json.h"
#include "buf.h"
#include "charset.h"
#include "date.h"
#include "feed.h"
#include "feed_json.h"
#include "xmalloc.h"

/* Members are literal ASCII keys: jansson need not check them. */
static void
set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new_nocheck(o, key, v);
}

json_t *
api_json_str(const char *s)
{
	struct charset_repair r;
	struct buf b;
	size_t n;
	json_t *j;

	if (s == NULL)
		return json_null();
	n = strlen(s);
	/* Checked here, so jansson need not check again. */
	if (charset_utf8_clean_prefix((const unsigned char *)s, n) == n &&
	    (j = json_stringn_nocheck(s, n)) != NULL)
		return j;
	/* A feed sent bytes that are not UTF-8: U+FFFD for each. */
	buf_init(&b);
	charset_repair_init(&r);
	charset_repair_push(&r, s, n, true, &b);
	j = json_stringn(b.data, b.len);
	buf_free(&b);
	return j != NULL ? j : json_null();
}

void
api_json_format_time(int64_t t, char *buf, size_t len)
{
	char iso[21];

	if (len == 0)
		return;
	if (t == 0 || !date_format_iso(t, iso))
		iso[0] = '\0';
	snprintf(buf, len, "%s", iso);
}

json_t *
api_json_time(int64_t t)
{
	return t == 0 ? json_null() : feed_json_time(t);
}

/* A JSON text the store keeps (categories, enclosures): an array or []. */
static json_t *
stored_array(const char *text)
{
	json_t *j;

	/* Most entries have none: skip the parser for "[]". */
	if (text == NULL || strcmp(text, "[]") == 0 ||
	    (j = json_loads(text, JSON_DECODE_ANY, NULL)) == NULL)
		return json_array();
	if (!json_is_array(j)) {
		json_decref(j);
		return json_array();
	}
	return j;
}

json_t *
api_json_feed(const struct store_feed *f)
{
	json_t *j = json_object();

	set(j, "id", json_integer(f->id));
	set(j, "url", api_json_str(f->url));
	set(j, "title", api_json_str(f->title));
	set(j, "site_link", api_json_str(f->site_link));
	set(j, "origin",
	    json_string(store_origin_name(f->origin)));
	set(j, "config_name", api_json_str(f->config_name));
	set(j, "category", api_json_str(f->category));
	set(j, "interval", json_integer(f->interval_s));
	set(j, "current_interval",
	    json_integer(f->cur_interval_s));
	set(j, "state",
	    json_string(store_feed_state_name(f->state)));
	set(j, "entries", json_integer(f->entry_count));
	set(j, "last_poll", api_json_time(f->last_poll));
	set(j, "last_success",
	    api_json_time(f->last_success));
	set(j, "next_poll", api_json_time(f->next_poll));
	set(j, "error_count", json_integer(f->error_count));
	set(j, "last_error", api_json_str(f->last_error));
	set(j, "redirect_url", api_json_str(f->redirect_url));
	set(j, "retry_after_until",
	    api_json_time(f->retry_after_until));
	set(j, "created", api_json_time(f->created));
	return j;
}

void
api_json_cache_clear(struct api_json_cache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->text[i]);
		json_decref(c->val[i]);
	}
	c->n = 0;
}

/* A new reference to the array for text, parsed once per listing. */
static json_t *
cached_array(struct api_json_cache *c, const char *text)
{
	json_t *j;

	if (c == NULL || text == NULL || strcmp(text, "[]") == 0)
		return stored_array(text);
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->text[i], text) == 0)
			return json_incref(c->val[i]);
	j = stored_array(text);
	if (c->n < API_JSON_CACHE_SIZE) {
		c->text[c->n] = xstrdup(text);
		c->val[c->n++] = json_incref(j);
	}
	return j;
}

json_t *
api_json_entry(const struct store_entry *e, bool content)
{
	return api_json_entry_cached(e, content, NULL);
}

json_t *
api_json_entry_cached(const struct store_entry *e, bool content,
    struct api_json_cache *cache)
{
	json_t *j = json_object();

	set(j, "id", json_integer(e->id));
	set(j, "guid", api_json_str(e->guid));
	set(j, "feed_id", json_integer(e->feed_id));
	set(j, "feed_title", api_json_str(e->feed_title));
	set(j, "title", api_json_str(e->title));
	set(j, "link", api_json_str(e->link));
	set(j, "published", api_json_time(e->published));
	set(j, "updated", api_json_time(e->updated));
	set(j, "fetched", api_json_time(e->fetched));
	set(j, "author", api_json_str(e->author));
	set(j, "summary", api_json_str(e->summary));
	set(j, "categories",
	    stored_array(e->categories_json));
	set(j, "enclosures",
	    stored_array(e->enclosures_json));
	set(j, "topics",
	    cached_array(cache, e->topics_json));
	if (content)
		set(j, "content", api_json_str(e->content));
	return j;
}

json_t *
api_json_poll_log(const struct store_poll_log *l)
{
	json_t *j = json_object();

	set(j, "time", api_json_time(l->time));
	set(j, "http_status", l->http_status > 0 ?
	    json_integer(l->http_status) : json_null());
	set(j, "bytes", json_integer(l->bytes));
	set(j, "new_entries", json_integer(l->new_entries));
	set(j, "duration_ms", json_integer(l->duration_ms));
	set(j, "error", api_json_str(l->error));
	return j;
}

json_t *
api_json_cursor(const struct store_cursor *c)
{
	json_t *j = json_object();

	set(j, "topic", api_json_str(c->topic_name));
	set(j, "value", json_integer(c->value));
	set(j, "updated", api_json_time(c->updated));
	return j;
}
