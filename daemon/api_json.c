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

	json_object_set_new_nocheck(j, "id", json_integer(f->id));
	json_object_set_new_nocheck(j, "url", api_json_str(f->url));
	json_object_set_new_nocheck(j, "title", api_json_str(f->title));
	json_object_set_new_nocheck(j, "site_link", api_json_str(f->site_link));
	json_object_set_new_nocheck(j, "origin",
	    json_string(store_origin_name(f->origin)));
	json_object_set_new_nocheck(j, "config_name", api_json_str(f->config_name));
	json_object_set_new_nocheck(j, "interval", json_integer(f->interval_s));
	json_object_set_new_nocheck(j, "current_interval",
	    json_integer(f->cur_interval_s));
	json_object_set_new_nocheck(j, "state",
	    json_string(store_feed_state_name(f->state)));
	json_object_set_new_nocheck(j, "entries", json_integer(f->entry_count));
	json_object_set_new_nocheck(j, "last_poll", api_json_time(f->last_poll));
	json_object_set_new_nocheck(j, "last_success",
	    api_json_time(f->last_success));
	json_object_set_new_nocheck(j, "next_poll", api_json_time(f->next_poll));
	json_object_set_new_nocheck(j, "error_count", json_integer(f->error_count));
	json_object_set_new_nocheck(j, "last_error", api_json_str(f->last_error));
	json_object_set_new_nocheck(j, "redirect_url", api_json_str(f->redirect_url));
	json_object_set_new_nocheck(j, "retry_after_until",
	    api_json_time(f->retry_after_until));
	json_object_set_new_nocheck(j, "created", api_json_time(f->created));
	return j;
}

json_t *
api_json_entry(const struct store_entry *e, bool content)
{
	json_t *j = json_object();

	json_object_set_new_nocheck(j, "id", json_integer(e->id));
	json_object_set_new_nocheck(j, "guid", api_json_str(e->guid));
	json_object_set_new_nocheck(j, "feed_id", json_integer(e->feed_id));
	json_object_set_new_nocheck(j, "feed_title", api_json_str(e->feed_title));
	json_object_set_new_nocheck(j, "title", api_json_str(e->title));
	json_object_set_new_nocheck(j, "link", api_json_str(e->link));
	json_object_set_new_nocheck(j, "published", api_json_time(e->published));
	json_object_set_new_nocheck(j, "updated", api_json_time(e->updated));
	json_object_set_new_nocheck(j, "fetched", api_json_time(e->fetched));
	json_object_set_new_nocheck(j, "author", api_json_str(e->author));
	json_object_set_new_nocheck(j, "summary", api_json_str(e->summary));
	json_object_set_new_nocheck(j, "categories", stored_array(e->categories_json));
	json_object_set_new_nocheck(j, "enclosures", stored_array(e->enclosures_json));
	json_object_set_new_nocheck(j, "topics", stored_array(e->topics_json));
	if (content)
		json_object_set_new_nocheck(j, "content", api_json_str(e->content));
	return j;
}

json_t *
api_json_poll_log(const struct store_poll_log *l)
{
	json_t *j = json_object();

	json_object_set_new_nocheck(j, "time", api_json_time(l->time));
	json_object_set_new_nocheck(j, "http_status", l->http_status > 0 ?
	    json_integer(l->http_status) : json_null());
	json_object_set_new_nocheck(j, "bytes", json_integer(l->bytes));
	json_object_set_new_nocheck(j, "new_entries", json_integer(l->new_entries));
	json_object_set_new_nocheck(j, "duration_ms", json_integer(l->duration_ms));
	json_object_set_new_nocheck(j, "error", api_json_str(l->error));
	return j;
}

json_t *
api_json_cursor(const struct store_cursor *c)
{
	json_t *j = json_object();

	json_object_set_new_nocheck(j, "topic", api_json_str(c->topic_name));
	json_object_set_new_nocheck(j, "value", json_integer(c->value));
	json_object_set_new_nocheck(j, "updated", api_json_time(c->updated));
	return j;
}
