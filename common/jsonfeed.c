/*
 * jsonfeed: JSON Feed documents through jansson into the neutral model.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "date.h"
#include "feed.h"
#include "feed_repair.h"
#include "feedtext.h"
#include "jsonfeed.h"
#include "url.h"
#include "xmalloc.h"

#define VERSION_PREFIX	"://jsonfeed.org/version/"

struct reader {
	const char	*base;
	struct feed_repairs *rep;
};

/* s[0..len) with its NULs dropped, cut at FEED_MAX_TEXT, trimmed. */
static char *
clean(struct reader *r, const char *s, size_t len)
{
	struct buf b;
	size_t i, start = 0, nul = 0;
	char *out;

	if (len > FEED_MAX_TEXT) {
		/* At a character boundary: jansson's strings are UTF-8. */
		len = FEED_MAX_TEXT;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
		feed_repairs_note(r->rep, FEED_REPAIR_CUT, 1, 0);
	}
	if (memchr(s, '\0', len) == NULL)
		return feedtext_trim(s, len);
	buf_init(&b);
	for (i = 0; i < len; i++) {
		if (s[i] != '\0')
			continue;
		buf_append(&b, s + start, i - start);
		start = i + 1;
		nul++;
	}
	buf_append(&b, s + start, len - start);
	feed_repairs_note(r->rep, FEED_REPAIR_CONTROL, nul, 0);
	out = feedtext_trim(b.data != NULL ? b.data : "", b.len);
	buf_free(&b);
	return out;
}

/* A string member, cleaned; NULL if absent, empty or not a string. */
static char *
str(struct reader *r, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return NULL;
	return clean(r, json_string_value(v), json_string_length(v));
}

/* A URL member, made absolute against the document's URL. */
static char *
url_member(struct reader *r, json_t *o, const char *key)
{
	char *v = str(r, o, key), *abs;

	if (v == NULL)
		return NULL;
	abs = url_resolve(r->base, v);
	free(v);
	return abs;
}

/* JSON Feed's "hubs": the first of type WebSub, absolute, or NULL. */
static char *
websub_hub(struct reader *r, json_t *root)
{
	json_t *hubs = json_object_get(root, "hubs"), *hub;
	const char *type;
	size_t i;

	json_array_foreach(hubs, i, hub) {
		type = json_string_value(json_object_get(hub, "type"));
		if (json_is_object(hub) && type != NULL &&
		    strcasecmp(type, "WebSub") == 0)
			return url_member(r, hub, "url");
	}
	return NULL;
}

/* Plain text as HTML: escaped, its line breaks kept as <br>. */
static char *
text_as_html(const char *s, bool breaks)
{
	struct buf b;
	size_t run;

	if (s == NULL)
		return NULL;
	buf_init(&b);
	for (; *s != '\0'; s++) {
		/* Runs of ordinary text in one copy. */
		if ((run = strcspn(s, "&<>\n")) > 0) {
			buf_append(&b, s, run);
			if ((s += run)[0] == '\0')
				break;
		}
		switch (*s) {
		case '&':
			buf_puts(&b, "&amp;");
			break;
		case '<':
			buf_puts(&b, "&lt;");
			break;
		case '>':
			buf_puts(&b, "&gt;");
			break;
		case '\n':
			buf_puts(&b, breaks ? "<br>\n" : "\n");
			break;
		default:
			buf_putc(&b, *s);
		}
	}
	return buf_detach(&b);
}

/*
 * The first author with a name: 1.1's "authors" array, else 1.0's
 * "author" object.
 */
static char *
author(struct reader *r, json_t *o)
{
	json_t *list = json_object_get(o, "authors"), *a;
	size_t i;
	char *name;

	json_array_foreach(list, i, a)
		if ((name = str(r, a, "name")) != NULL)
			return name;
	if ((a = json_object_get(o, "author")) != NULL && json_is_object(a))
		return str(r, a, "name");
	return NULL;
}

/*
 * "If an id is presented as a number or other type, a JSON Feed reader
 * must coerce it to a string": its JSON text. null, objects and arrays
 * identify nothing.
 */
static char *
item_id(struct reader *r, json_t *v)
{
	char *s, *t;

	if (json_is_string(v))
		return clean(r, json_string_value(v), json_string_length(v));
	if (json_is_integer(v))
		return xasprintf("%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	if (json_is_true(v))
		return xstrdup("true");
	if (json_is_false(v))
		return xstrdup("false");
	if (json_is_real(v) &&
	    (s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17))) !=
	    NULL) {
		t = xstrdup(s);
		free(s);
		return t;
	}
	return NULL;
}

static void
add_enclosure(struct reader *r, struct feed_entry *e, char *url, char *type,
    int64_t length)
{
	struct feed_enclosure *enc;

	for (size_t i = 0; i < e->nenclosures; i++)
		if (strcmp(e->enclosures[i].url, url) == 0) {
			free(url);
			free(type);
			return;
		}
	if (e->nenclosures >= FEED_MAX_LIST) {
		feed_repairs_note(r->rep, FEED_REPAIR_LIST, 1, 0);
		free(url);
		free(type);
		return;
	}
	e->enclosures = xreallocarray(e->enclosures, e->nenclosures + 1,
	    sizeof(*e->enclosures));
	enc = &e->enclosures[e->nenclosures++];
	enc->url = url;
	enc->type = type;
	enc->length = length;
}

static void
attachments(struct reader *r, struct feed_entry *e, json_t *item)
{
	json_t *list = json_object_get(item, "attachments"), *a, *size;
	int64_t length;
	char *url;
	size_t i;

	json_array_foreach(list, i, a) {
		if ((url = url_member(r, a, "url")) == NULL)
			continue;
		size = json_object_get(a, "size_in_bytes");
		length = -1;
		if (json_is_integer(size) && json_integer_value(size) >= 0)
			length = json_integer_value(size);
		else if (json_is_real(size) && json_real_value(size) >= 0 &&
		    json_real_value(size) < 9e18)
			length = (int64_t)json_real_value(size);
		add_enclosure(r, e, url, str(r, a, "mime_type"), length);
	}
	/* The item's main image, as Media RSS's content images are. */
	if ((url = url_member(r, item, "image")) != NULL)
		add_enclosure(r, e, url, NULL, -1);
}

static void
tags(struct reader *r, struct feed_entry *e, json_t *item)
{
	json_t *t;
	size_t i;
	char *v;

	json_array_foreach(json_object_get(item, "tags"), i, t) {
		if (!json_is_string(t) || (v = clean(r, json_string_value(t),
		    json_string_length(t))) == NULL)
			continue;
		if (e->ncategories >= FEED_MAX_LIST) {
			feed_repairs_note(r->rep, FEED_REPAIR_LIST, 1, 0);
			free(v);
			continue;
		}
		e->categories = xreallocarray(e->categories,
		    e->ncategories + 1, sizeof(*e->categories));
		e->categories[e->ncategories++] = v;
	}
}

static int64_t
date(struct reader *r, json_t *o, const char *key)
{
	char *v = str(r, o, key);
	int64_t t = date_parse(v);

	free(v);
	return t;
}

static void
read_item(struct reader *r, json_t *item, const struct feed_header *h,
    struct feed_entry *e)
{
	char *text;

	e->id = item_id(r, json_object_get(item, "id"));
	if ((e->link = url_member(r, item, "url")) == NULL)
		e->link = url_member(r, item, "external_url");
	e->title = str(r, item, "title");
	if ((e->content = str(r, item, "content_html")) == NULL) {
		text = str(r, item, "content_text");
		e->content = text_as_html(text, true);
		free(text);
	}
	/* "a plain text sentence or two": text, and the model's is HTML. */
	text = str(r, item, "summary");
	e->summary = text_as_html(text, false);
	free(text);
	e->published = date(r, item, "date_published");
	e->updated = date(r, item, "date_modified");
	/* Items without authors have the feed's (1.1, section "authors"). */
	if ((e->author = author(r, item)) == NULL)
		e->author = xstrdup_or_null(h->author);
	tags(r, e, item);
	attachments(r, e, item);
}

/* Which JSON Feed the document says it is; UNKNOWN and why if none. */
static enum feed_format
version(json_t *root, char *why, size_t whylen)
{
	json_t *v = json_object_get(root, "version");
	const char *s = json_string_value(v), *p;

	if (v == NULL) {
		/* Unversioned, but shaped like one: read it as the current. */
		if (json_is_array(json_object_get(root, "items")))
			return FEED_FORMAT_JSON11;
		snprintf(why, whylen, "a JSON document, but not a JSON Feed "
		    "(no \"version\" and no \"items\")");
		return FEED_FORMAT_UNKNOWN;
	}
	if (s == NULL || (p = strstr(s, VERSION_PREFIX)) == NULL ||
	    !((p - s == 5 && strncasecmp(s, "https", 5) == 0) ||
	    (p - s == 4 && strncasecmp(s, "http", 4) == 0))) {
		snprintf(why, whylen, "a JSON document, but not a JSON Feed "
		    "(\"version\" is not https://jsonfeed.org/version/1.1)");
		return FEED_FORMAT_UNKNOWN;
	}
	p += strlen(VERSION_PREFIX);
	return strcmp(p, "1") == 0 || strcmp(p, "1.0") == 0 ?
	    FEED_FORMAT_JSON10 : FEED_FORMAT_JSON11;
}

static const char *
kind_name(json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	default:
		return "not an object";
	}
}

int
jsonfeed_read(const char *data, size_t len, const char *base_url,
    const struct feed_parser_cb *cb, void *arg, struct feed_header *h,
    struct feed_repairs *rep, struct jsonfeed_result *res)
{
	struct reader r = { base_url, rep };
	struct feed_entry e;
	json_error_t jerr;
	json_t *root, *items, *item;
	char why[160];
	size_t i, rest;
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (len > FEED_MAX_JSON) {
		res->error = xasprintf("a JSON document is read whole, and this "
		    "one is larger than %d MiB", FEED_MAX_JSON / (1024 * 1024));
		return -1;
	}
	/*
	 * Strict JSON (no NaN, no comments), but a NUL escape is dropped
	 * rather than failing the feed, and text after the document is
	 * ignored as it is after an XML root element.
	 */
	root = json_loadb(data, len, JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL,
	    &jerr);
	if (root == NULL) {
		res->error = xasprintf("line %d, column %d: not valid JSON: %s",
		    jerr.line, jerr.column, jerr.text);
		return -1;
	}
	for (rest = (size_t)jerr.position; rest < len; rest++)
		if (!feedtext_is_space(data[rest])) {
			feed_repairs_note(rep, FEED_REPAIR_TRAILING, 1, 0);
			break;
		}
	if (!json_is_object(root)) {
		res->error = xasprintf("a JSON document, but not a JSON Feed "
		    "(the document is %s, not an object)", kind_name(root));
		json_decref(root);
		return -1;
	}
	if ((h->format = version(root, why, sizeof(why))) ==
	    FEED_FORMAT_UNKNOWN) {
		res->error = xstrdup(why);
		json_decref(root);
		return -1;
	}
	h->title = str(&r, root, "title");
	h->link = url_member(&r, root, "home_page_url");
	h->subtitle = str(&r, root, "description");
	h->language = str(&r, root, "language");
	h->author = author(&r, root);
	h->self = url_member(&r, root, "feed_url");
	h->hub = websub_hub(&r, root);
	if (cb->on_header != NULL)
		cb->on_header(h, arg);

	items = json_object_get(root, "items");
	json_array_foreach(items, i, item) {
		if (!json_is_object(item))
			continue;
		if (res->delivered >= FEED_MAX_ENTRIES) {
			res->error = xstrdup("too many entries");
			rc = -1;
			break;
		}
		memset(&e, 0, sizeof(e));
		read_item(&r, item, h, &e);
		res->delivered++;
		if (cb->on_entry != NULL && !cb->on_entry(&e, arg)) {
			feed_entry_clear(&e);
			res->error = xstrdup("stopped by the caller");
			rc = -1;
			break;
		}
		feed_entry_clear(&e);
	}
	json_decref(root);
	return rc;
}
