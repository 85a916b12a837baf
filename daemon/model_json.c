#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "charset.h"
#include "date.h"
#include "feed.h"
#include "feed_json.h"
#include "model_json.h"
#include "xmalloc.h"

/* Members are literal ASCII keys: jansson need not check them. */
static void
set(json_t *o, const char *key, json_t *v)
{
	json_object_set_new_nocheck(o, key, v);
}

json_t *
model_json_str(const char *s)
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
model_json_format_time(int64_t t, char *buf, size_t len)
{
	char iso[21];

	if (len == 0)
		return;
	if (t == 0 || !date_format_iso(t, iso))
		iso[0] = '\0';
	snprintf(buf, len, "%s", iso);
}

json_t *
model_json_time(int64_t t)
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
model_json_feed(const struct store_feed *f)
{
	json_t *j = json_object();

	set(j, "id", json_integer(f->id));
	set(j, "url", model_json_str(f->url));
	set(j, "title", model_json_str(f->title));
	set(j, "site_link", model_json_str(f->site_link));
	set(j, "origin",
	    json_string(store_origin_name(f->origin)));
	set(j, "config_name", model_json_str(f->config_name));
	set(j, "category", model_json_str(f->category));
	set(j, "interval", json_integer(f->interval_s));
	set(j, "current_interval",
	    json_integer(f->cur_interval_s));
	set(j, "state",
	    json_string(store_feed_state_name(f->state)));
	set(j, "entries", json_integer(f->entry_count));
	set(j, "last_poll", model_json_time(f->last_poll));
	set(j, "last_success",
	    model_json_time(f->last_success));
	set(j, "next_poll", model_json_time(f->next_poll));
	set(j, "error_count", json_integer(f->error_count));
	set(j, "last_error", model_json_str(f->last_error));
	set(j, "redirect_url", model_json_str(f->redirect_url));
	set(j, "retry_after_until",
	    model_json_time(f->retry_after_until));
	set(j, "created", model_json_time(f->created));
	set(j, "repairs", json_integer(f->repairs));
	set(j, "repair_note", model_json_str(f->repair_note));
	set(j, "interval_note", model_json_str(f->interval_note));
	set(j, "pushed_until", f->push_until > 0 ?
	    model_json_time(f->push_until) : json_null());
	return j;
}

json_t *
model_json_entry(const struct store_entry *e, bool content)
{
	json_t *j = json_object();

	set(j, "id", json_integer(e->id));
	set(j, "guid", model_json_str(e->guid));
	set(j, "feed_id", json_integer(e->feed_id));
	set(j, "feed_title", model_json_str(e->feed_title));
	set(j, "title", model_json_str(e->title));
	set(j, "link", model_json_str(e->link));
	set(j, "published", model_json_time(e->published));
	set(j, "updated", model_json_time(e->updated));
	set(j, "fetched", model_json_time(e->fetched));
	set(j, "author", model_json_str(e->author));
	set(j, "summary", model_json_str(e->summary));
	set(j, "categories",
	    stored_array(e->categories_json));
	set(j, "enclosures",
	    stored_array(e->enclosures_json));
	set(j, "topics",
	    stored_array(e->topics_json));
	set(j, "read", json_boolean(e->read));
	set(j, "starred", json_boolean(e->starred));
	if (content)
		set(j, "content", model_json_str(e->content));
	return j;
}

/* ---- listings written entry by entry ---- */

static int
dump_buf(const char *buffer, size_t size, void *arg)
{
	buf_append(arg, buffer, size);
	return 0;
}

/* v as jansson's compact text at the end of b. 0 or -1. */
static int
put_json(struct buf *b, const json_t *v)
{
	return json_dump_callback(v, dump_buf, b, JSON_COMPACT |
	    JSON_ENCODE_ANY);
}

/* The same for a new reference, dropped. */
static int
put_new(struct buf *b, json_t *v)
{
	int rc = v != NULL ? put_json(b, v) : -1;

	json_decref(v);
	return rc;
}

/* A byte a JSON string escapes: '"', '\\' and the controls. */
static bool
needs_escape(unsigned char c)
{
	return c < 0x20 || c == '"' || c == '\\';
}

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/* Whether a word may hold such a byte (never misses one). */
static bool
word_may_escape(uint64_t w)
{
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');

	return (((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) |
	    ((b - ONES) & ~b)) & HIGHS;
}

/*
 * Takes jansson's text for every byte that a string escapes. A string
 * is then written as jansson writes it: runs without such bytes as they
 * are (jansson copies them, with these flags), each escaped byte as
 * jansson escaped it. The run is found 8 bytes a step; jansson decodes
 * each character to find it, and that was most of a page's CPU (a page
 * of 1,000 entries with their summaries is 1.4 MB of text).
 */
static void
esc_init(struct model_json_list *l)
{
	struct buf b;
	char c;

	buf_init(&b);
	l->esc_ok = true;
	for (unsigned i = 0; i < 128; i++) {
		l->esc[i][0] = '\0';
		if (!needs_escape((unsigned char)i))
			continue;
		c = (char)i;
		b.len = 0;
		if (json_string_setn_nocheck(l->str, &c, 1) == -1 ||
		    put_json(&b, l->str) == -1 || b.len < 3 ||
		    b.len - 2 >= sizeof(l->esc[i])) {
			l->esc_ok = false;
			break;
		}
		memcpy(l->esc[i], b.data + 1, b.len - 2);
		l->esc[i][b.len - 2] = '\0';
	}
	buf_free(&b);
}

/* s (n bytes of valid UTF-8) as jansson's JSON string. */
static void
put_escaped(struct model_json_list *l, const char *s, size_t n)
{
	struct buf *b = &l->text;
	size_t i = 0, run = 0;
	uint64_t w;

	buf_reserve(b, n + 2);
	buf_putc(b, '"');
	while (i < n) {
		if (n - i >= 8) {
			memcpy(&w, s + i, 8);
			if (!word_may_escape(w)) {
				i += 8;
				continue;
			}
		}
		if (!needs_escape((unsigned char)s[i])) {
			i++;
			continue;
		}
		buf_append(b, s + run, i - run);
		buf_puts(b, l->esc[(unsigned char)s[i]]);
		run = ++i;
	}
	buf_append(b, s + run, n - run);
	buf_putc(b, '"');
}

/* A string member's value, as model_json_str() would give it. */
static int
put_str(struct model_json_list *l, const char *s)
{
	size_t n;

	if (s == NULL) {
		buf_puts(&l->text, l->null_text);
		return 0;
	}
	n = strlen(s);
	if (charset_utf8_clean_prefix((const unsigned char *)s, n) != n)
		return put_new(&l->text, model_json_str(s));
	if (l->esc_ok) {
		put_escaped(l, s, n);
		return 0;
	}
	/* One string value reused for the whole listing. */
	if (json_string_setn_nocheck(l->str, s, n) == -1)
		return -1;
	return put_json(&l->text, l->str);
}

static int
put_int(struct model_json_list *l, int64_t v)
{
	json_integer_set(l->num, v);
	return put_json(&l->text, l->num);
}

/*
 * Date member i's value, as model_json_time() would give it. The entries
 * of one poll share their fetch time: each member's last text is kept.
 */
static int
put_time(struct model_json_list *l, size_t i, int64_t t)
{
	char iso[21];
	size_t mark = l->text.len, n;

	if (l->dates[i].len > 0 && t == l->dates[i].t) {
		buf_append(&l->text, l->dates[i].text, l->dates[i].len);
		return 0;
	}
	if (t == 0 || !date_format_iso(t, iso)) {
		buf_puts(&l->text, l->null_text);
		return 0;
	}
	if (json_string_setn_nocheck(l->str, iso, strlen(iso)) == -1 ||
	    put_json(&l->text, l->str) == -1)
		return -1;
	if ((n = l->text.len - mark) < sizeof(l->dates[i].text)) {
		l->dates[i].t = t;
		l->dates[i].len = n;
		memcpy(l->dates[i].text, l->text.data + mark, n);
	}
	return 0;
}

/*
 * An array of the store's as it goes out. The store wrote it with the
 * encoder and flags of this answer (store.h), so parsing it only to print
 * it again would give back the same bytes; anything that is not an array
 * (a damaged row) goes out as [] like model_json_entry() does.
 */
static void
put_stored(struct buf *b, const char *text)
{
	size_t n = text != NULL ? strlen(text) : 0;

	if (n >= 2 && text[0] == '[' && text[n - 1] == ']')
		buf_append(b, text, n);
	else
		buf_puts(b, "[]");
}

void
model_json_list_init(struct model_json_list *l, const char *member, bool content,
    size_t size_hint)
{
	memset(l, 0, sizeof(*l));
	l->content = content;
	l->str = json_string("");
	l->num = json_integer(0);
	l->null_text = json_dumps(json_null(), JSON_ENCODE_ANY);
	if (l->str != NULL)
		esc_init(l);
	buf_init(&l->text);
	buf_reserve(&l->text, size_hint);
	buf_printf(&l->text, "{\"%s\":[", member);
}

int
model_json_list_entry(struct model_json_list *l, const struct store_entry *e)
{
	struct buf *b = &l->text;
	size_t mark = b->len;

	if (l->str == NULL || l->num == NULL || l->null_text == NULL)
		return -1;
	/*
	 * The members of model_json_entry(), in its order, each value encoded
	 * by jansson; an object per entry would cost twice as much (its
	 * table, its keys, and a loop check per dump).
	 */
	buf_puts(b, l->n > 0 ? ",{\"id\":" : "{\"id\":");
	if (put_int(l, e->id) == -1)
		goto fail;
	buf_puts(b, ",\"guid\":");
	if (put_str(l, e->guid) == -1)
		goto fail;
	buf_puts(b, ",\"feed_id\":");
	if (put_int(l, e->feed_id) == -1)
		goto fail;
	buf_puts(b, ",\"feed_title\":");
	if (put_str(l, e->feed_title) == -1)
		goto fail;
	buf_puts(b, ",\"title\":");
	if (put_str(l, e->title) == -1)
		goto fail;
	buf_puts(b, ",\"link\":");
	if (put_str(l, e->link) == -1)
		goto fail;
	buf_puts(b, ",\"published\":");
	if (put_time(l, 0, e->published) == -1)
		goto fail;
	buf_puts(b, ",\"updated\":");
	if (put_time(l, 1, e->updated) == -1)
		goto fail;
	buf_puts(b, ",\"fetched\":");
	if (put_time(l, 2, e->fetched) == -1)
		goto fail;
	buf_puts(b, ",\"author\":");
	if (put_str(l, e->author) == -1)
		goto fail;
	buf_puts(b, ",\"summary\":");
	if (put_str(l, e->summary) == -1)
		goto fail;
	buf_puts(b, ",\"categories\":");
	put_stored(b, e->categories_json);
	buf_puts(b, ",\"enclosures\":");
	put_stored(b, e->enclosures_json);
	buf_puts(b, ",\"topics\":");
	put_stored(b, e->topics_json);
	buf_puts(b, e->read ? ",\"read\":true" : ",\"read\":false");
	buf_puts(b, e->starred ? ",\"starred\":true" : ",\"starred\":false");
	if (l->content) {
		buf_puts(b, ",\"content\":");
		if (put_str(l, e->content) == -1)
			goto fail;
	}
	buf_putc(b, '}');
	l->n++;
	return 0;
fail:
	b->len = mark;
	b->data[mark] = '\0';
	return -1;
}

char *
model_json_list_finish(struct model_json_list *l, json_t *tail, size_t *ret_len)
{
	struct buf *b = &l->text;
	size_t mark;
	char *text;

	buf_putc(b, ']');
	mark = b->len;
	if (put_new(b, tail) == -1) {
		model_json_list_clear(l);
		return NULL;
	}
	/* The tail's members follow the array: its '{' becomes a ','. */
	if (b->len - mark == 2) {
		b->data[mark] = '}';
		b->data[--b->len] = '\0';
	} else
		b->data[mark] = ',';
	*ret_len = b->len;
	text = buf_detach(b);
	model_json_list_clear(l);
	return text;
}

void
model_json_list_clear(struct model_json_list *l)
{
	json_decref(l->str);
	json_decref(l->num);
	free(l->null_text);
	buf_free(&l->text);
	memset(l, 0, sizeof(*l));
}

json_t *
model_json_poll_log(const struct store_poll_log *l)
{
	json_t *j = json_object();

	set(j, "time", model_json_time(l->time));
	set(j, "http_status", l->http_status > 0 ?
	    json_integer(l->http_status) : json_null());
	set(j, "bytes", json_integer(l->bytes));
	set(j, "new_entries", json_integer(l->new_entries));
	set(j, "duration_ms", json_integer(l->duration_ms));
	set(j, "error", model_json_str(l->error));
	return j;
}

json_t *
model_json_cursor(const struct store_cursor *c)
{
	json_t *j = json_object();

	set(j, "topic", model_json_str(c->topic_name));
	set(j, "value", json_integer(c->value));
	set(j, "updated", model_json_time(c->updated));
	return j;
}

/* Never the hash: it is the store's, not the API's. */
json_t *
model_json_apitoken(const struct store_apitoken *t, const char *user)
{
	json_t *j = json_object();

	set(j, "name", model_json_str(t->name));
	set(j, "user", model_json_str(user));
	set(j, "read_only", json_boolean(t->read_only));
	set(j, "created", model_json_time(t->created));
	set(j, "last_used", model_json_time(t->last_used));
	return j;
}

json_t *
model_json_user(const struct store_user *u, size_t ntokens)
{
	json_t *j = json_object();

	set(j, "id", json_integer(u->id));
	set(j, "name", model_json_str(u->name));
	set(j, "owner", json_boolean(u->id == STORE_OWNER_ID));
	set(j, "password", json_boolean(u->pass_hash != NULL));
	set(j, "fever", json_boolean(u->fever));
	set(j, "tokens", json_integer((json_int_t)ntokens));
	set(j, "created", model_json_time(u->created));
	return j;
}
