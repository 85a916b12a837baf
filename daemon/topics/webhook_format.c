/*
 * webhook_format: each service's request, by its public API:
 *   ntfy    https://docs.ntfy.sh/publish/#publish-as-json
 *   gotify  https://gotify.net/api-docs (POST /message) and
 *           https://gotify.net/docs/msgextras
 *   matrix  https://spec.matrix.org/v1.8/client-server-api/
 *           #put_matrixclientv3roomsroomidsendeventtypetxnid, m.text
 *   slack   https://api.slack.com/messaging/webhooks and
 *           https://api.slack.com/reference/surfaces/formatting#escaping
 * JSON by jansson, HTML escaped by libxml2, URLs edited through url.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <libxml/entities.h>

#include "buf.h"
#include "htmltext.h"
#include "log.h"
#include "strv.h"
#include "url.h"
#include "webhook_format.h"
#include "xmalloc.h"

/* Secrets shorter than this are not looked for in answers (config.c). */
#define SCRUB_MIN	6
/* Of an entry's summary, this much goes into a notification. */
#define SUMMARY_MAX	280
/* The path a Matrix hook's URL ends in, before the transaction id. */
#define MATRIX_SEND	"/send/m.room.message"

static const char *const format_names[WEBHOOK_FORMAT_MAX] = {
	[WEBHOOK_JSON] = "json",
	[WEBHOOK_NTFY] = "ntfy",
	[WEBHOOK_GOTIFY] = "gotify",
	[WEBHOOK_MATRIX] = "matrix",
	[WEBHOOK_SLACK] = "slack",
};

const char *
webhook_format_name(enum webhook_format f)
{
	return f < WEBHOOK_FORMAT_MAX ? format_names[f] : "unknown";
}

int
webhook_format_from_name(const char *name)
{
	for (int i = 0; i < WEBHOOK_FORMAT_MAX; i++)
		if (strcmp(format_names[i], name) == 0)
			return i;
	return -1;
}

const char *
webhook_format_names(void)
{
	return "json, ntfy, gotify, matrix or slack";
}

static bool
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && strcmp(s + n - t, tail) == 0;
}

/* Where "/rooms/ROOM" ends in a Matrix path; NULL if it has no room. */
static const char *
matrix_room_end(const char *path)
{
	const char *r = strstr(path, "/rooms/"), *end;

	if (r == NULL || r[7] == '\0' || r[7] == '/')
		return NULL;
	end = r + 7 + strcspn(r + 7, "/");
	return end;
}

int
webhook_format_check(enum webhook_format f, const char *url, char *why,
    size_t len)
{
	char *path = url_path(url);
	const char *end;
	int rc = 0;

	if (path == NULL) {
		snprintf(why, len, "not a URL libcurl can read");
		return -1;
	}
	switch (f) {
	case WEBHOOK_NTFY:
		if (ends_with(path, "/")) {
			snprintf(why, len, "the server's root: for ntfy, give "
			    "the topic's URL (https://ntfy.example.org/TOPIC)");
			rc = -1;
		}
		break;
	case WEBHOOK_MATRIX:
		if ((end = matrix_room_end(path)) == NULL ||
		    (*end != '\0' && strcmp(end, MATRIX_SEND) != 0 &&
		    strcmp(end, MATRIX_SEND "/") != 0)) {
			snprintf(why, len, "not a room's URL: for matrix, give "
			    "https://HOMESERVER/_matrix/client/v3/rooms/ROOM_ID"
			    MATRIX_SEND " (ROOM_ID as !id:server)");
			rc = -1;
		}
		break;
	default:
		break;
	}
	free(path);
	return rc;
}

/* ---- the words of an alert ---- */

static const char *
member(json_t *e, const char *key)
{
	const char *s = json_string_value(json_object_get(e, key));

	return s != NULL && *s != '\0' ? s : NULL;
}

static const char *
title_of(json_t *e)
{
	const char *t = member(e, "title");

	return t != NULL ? t : "(untitled)";
}

/* The length of s[0..max) cut back to a UTF-8 character boundary. */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* s, at most max bytes of it, "..." when cut. */
static void
put_cut(struct buf *b, const char *s, size_t max)
{
	size_t len = strlen(s), n = utf8_cut(s, len, max);

	buf_append(b, s, n);
	if (n < len)
		buf_puts(b, "...");
}

/* An entry's summary as plain text, at most SUMMARY_MAX bytes; or "". */
static void
put_summary(struct buf *b, json_t *e)
{
	const char *html = member(e, "summary");
	char *text;

	if (html == NULL)
		return;
	text = htmltext_dup(html);
	if (*text != '\0')
		put_cut(b, text, SUMMARY_MAX);
	free(text);
}

/* "3 new matches for topic 'coalition'". */
static char *
batch_title(const struct webhook_alert *a)
{
	size_t n = json_array_size(a->entries);

	return xasprintf("%zu new %s for topic '%s'", n, n == 1 ? "match" :
	    "matches", a->topic);
}

/* The plain text of a notification: one entry, or a list. */
static char *
plain_message(const struct webhook_alert *a, bool links, size_t max)
{
	struct buf b;
	size_t i, n = json_array_size(a->entries);
	json_t *e;

	buf_init(&b);
	if (!a->batch || n == 1) {
		e = json_array_get(a->entries, 0);
		buf_puts(&b, member(e, "feed_title") != NULL ?
		    member(e, "feed_title") : "feedd");
		buf_printf(&b, " \u00b7 topic '%s'", a->topic);
		if (member(e, "summary") != NULL) {
			buf_puts(&b, "\n\n");
			put_summary(&b, e);
		}
		if (links && member(e, "link") != NULL)
			buf_printf(&b, "\n%s", member(e, "link"));
	} else
		json_array_foreach(a->entries, i, e) {
			size_t mark = b.len;

			if (i == WEBHOOK_LIST_MAX || b.len > max / 2) {
				buf_printf(&b, "... and %zu more", n - i);
				break;
			}
			buf_printf(&b, "%s\u2022 %s", i > 0 ? "\n" : "",
			    title_of(e));
			if (member(e, "feed_title") != NULL)
				buf_printf(&b, " (%s)", member(e,
				    "feed_title"));
			if (links && member(e, "link") != NULL)
				buf_printf(&b, "\n  %s", member(e, "link"));
			if (b.len > max - 32) {
				b.len = mark;
				buf_printf(&b, "%s... and %zu more", i > 0 ?
				    "\n" : "", n - i);
				break;
			}
		}
	if (b.len > max)
		b.len = utf8_cut(b.data, b.len, max);
	buf_putc(&b, '\0');
	return buf_detach(&b);
}

/* The headline: the entry's title, or how many matched. */
static char *
headline(const struct webhook_alert *a)
{
	if (!a->batch || json_array_size(a->entries) == 1)
		return xstrdup(title_of(json_array_get(a->entries, 0)));
	return batch_title(a);
}

/* The link a tap on the notification opens: the (first) entry's. */
static const char *
click_link(const struct webhook_alert *a)
{
	return member(json_array_get(a->entries, 0), "link");
}

/* ---- bodies ---- */

static json_t *
body_json(const struct webhook_alert *a)
{
	json_t *doc;

	if (a->batch)
		return json_pack("{s:s,s:O}", "topic", a->topic, "entries",
		    a->entries);
	doc = json_deep_copy(json_array_get(a->entries, 0));
	json_object_set_new(doc, "topic", json_string(a->topic));
	return doc;
}

/* ntfy's topic: the URL's last path segment. */
static json_t *
body_ntfy(const struct webhook_alert *a, const char *topic)
{
	char *title = headline(a);
	char *msg = plain_message(a, a->batch, WEBHOOK_NTFY_MESSAGE_MAX);
	json_t *doc;

	/* "newspaper" is an emoji tag: ntfy shows it as an icon. */
	doc = json_pack("{s:s,s:s,s:s,s:[s,s]}", "topic", topic, "title",
	    title, "message", msg, "tags", "newspaper", a->topic);
	if (doc != NULL && click_link(a) != NULL)
		json_object_set_new(doc, "click", json_string(click_link(a)));
	free(title);
	free(msg);
	return doc;
}

static json_t *
body_gotify(const struct webhook_alert *a)
{
	char *title = headline(a);
	char *msg = plain_message(a, a->batch, 16000);
	json_t *doc, *extras;

	extras = json_pack("{s:{s:s}}", "client::display", "contentType",
	    "text/plain");
	if (extras != NULL && click_link(a) != NULL)
		json_object_set_new(extras, "client::notification",
		    json_pack("{s:{s:s}}", "click", "url", click_link(a)));
	/* 5: a notification with sound on Gotify's Android app (4-7). */
	doc = json_pack("{s:s,s:s,s:i,s:o}", "title", title, "message", msg,
	    "priority", 5, "extras", extras);
	free(title);
	free(msg);
	return doc;
}

/* s escaped for HTML text and attribute values, appended to b. */
static void
put_html(struct buf *b, const char *s)
{
	xmlChar *x = xmlEncodeSpecialChars(NULL, (const xmlChar *)s);

	if (x != NULL) {
		buf_puts(b, (const char *)x);
		xmlFree(x);
	}
}

/* <a href="link">title</a> — feed, or the title alone. */
static void
html_entry(struct buf *b, json_t *e)
{
	if (member(e, "link") != NULL) {
		buf_puts(b, "<a href=\"");
		put_html(b, member(e, "link"));
		buf_puts(b, "\">");
		put_html(b, title_of(e));
		buf_puts(b, "</a>");
	} else
		put_html(b, title_of(e));
	if (member(e, "feed_title") != NULL) {
		buf_puts(b, " \u2014 ");
		put_html(b, member(e, "feed_title"));
	}
}

/*
 * m.text, not m.notice: clients' default push rules silence notices,
 * and these are meant to reach a phone.
 */
static json_t *
body_matrix(const struct webhook_alert *a)
{
	struct buf html;
	char *title = headline(a), *plain, *text;
	size_t i, n = json_array_size(a->entries);
	json_t *e, *doc;

	buf_init(&html);
	plain = plain_message(a, true, 30000);
	text = xasprintf("%s\n%s", title, plain);
	if (!a->batch || n == 1) {
		buf_puts(&html, "<b>");
		put_html(&html, a->topic);
		buf_puts(&html, "</b>: ");
		html_entry(&html, json_array_get(a->entries, 0));
	} else {
		buf_puts(&html, "<b>");
		put_html(&html, title);
		buf_puts(&html, "</b><ul>");
		json_array_foreach(a->entries, i, e) {
			if (i == WEBHOOK_LIST_MAX) {
				buf_printf(&html, "<li>... and %zu more</li>",
				    n - i);
				break;
			}
			buf_puts(&html, "<li>");
			html_entry(&html, e);
			buf_puts(&html, "</li>");
		}
		buf_puts(&html, "</ul>");
	}
	buf_putc(&html, '\0');
	doc = json_pack("{s:s,s:s,s:s,s:s}", "msgtype", "m.text", "body",
	    text, "format", "org.matrix.custom.html", "formatted_body",
	    html.data);
	buf_free(&html);
	free(title);
	free(plain);
	free(text);
	return doc;
}

/* Slack's escaping: &, < and > only (its formatting reference). */
static void
put_slack(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++)
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		default: buf_putc(b, *s); break;
		}
}

/* <link|title> — feed. */
static void
slack_entry(struct buf *b, json_t *e)
{
	if (member(e, "link") != NULL) {
		buf_putc(b, '<');
		put_slack(b, member(e, "link"));
		buf_putc(b, '|');
		put_slack(b, title_of(e));
		buf_putc(b, '>');
	} else
		put_slack(b, title_of(e));
	if (member(e, "feed_title") != NULL) {
		buf_puts(b, " \u2014 ");
		put_slack(b, member(e, "feed_title"));
	}
}

static json_t *
body_slack(const struct webhook_alert *a)
{
	struct buf b;
	size_t i, n = json_array_size(a->entries);
	json_t *e, *doc;
	char *title;

	buf_init(&b);
	if (!a->batch || n == 1) {
		buf_putc(&b, '*');
		put_slack(&b, a->topic);
		buf_puts(&b, "*: ");
		slack_entry(&b, json_array_get(a->entries, 0));
	} else {
		title = batch_title(a);
		buf_putc(&b, '*');
		put_slack(&b, title);
		buf_putc(&b, '*');
		free(title);
		json_array_foreach(a->entries, i, e) {
			if (i == WEBHOOK_LIST_MAX) {
				buf_printf(&b, "\n... and %zu more", n - i);
				break;
			}
			buf_puts(&b, "\n\u2022 ");
			slack_entry(&b, e);
		}
	}
	buf_putc(&b, '\0');
	doc = json_pack("{s:s}", "text", b.data);
	buf_free(&b);
	return doc;
}

/* ---- the request ---- */

/* Whether the hook's own headers name this one (they win). */
static bool
hook_gives(const struct webhook_target *h, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; h->headers != NULL && h->headers[i] != NULL; i++)
		if (strncasecmp(h->headers[i], name, n) == 0 &&
		    h->headers[i][n] == ':')
			return true;
	return false;
}

static void
add_header(struct webhook_request *r, const struct webhook_target *h,
    const char *name, const char *value)
{
	char *line;

	if (hook_gives(h, name))
		return;
	line = xasprintf("%s: %s", name, value);
	strv_add(&r->headers, line, strlen(line));
	free(line);
}

/*
 * The URL the alert goes to: ntfy's root, where JSON is published (and
 * the topic, *ret_topic), Gotify's /message, Matrix's send/TXNID.
 */
static char *
target_url(const struct webhook_target *h, const struct webhook_alert *a,
    char **ret_topic)
{
	char *path = url_path(h->url), *slash, *np, *url = NULL;
	const char *end;

	*ret_topic = NULL;
	if (path == NULL)
		return NULL;
	switch (h->format) {
	case WEBHOOK_NTFY:
		if ((slash = strrchr(path, '/')) == NULL || slash[1] == '\0')
			break;
		*ret_topic = xstrdup(slash + 1);
		slash[1] = '\0';
		url = url_with_path(h->url, path);
		break;
	case WEBHOOK_GOTIFY:
		if (ends_with(path, "/message")) {
			url = xstrdup(h->url);
			break;
		}
		np = xasprintf("%s%smessage", path, ends_with(path, "/") ? "" :
		    "/");
		url = url_with_path(h->url, np);
		free(np);
		break;
	case WEBHOOK_MATRIX:
		if ((end = matrix_room_end(path)) == NULL)
			break;
		np = xasprintf("%.*s" MATRIX_SEND "/%s", (int)(end - path),
		    path, a->key);
		url = url_with_path(h->url, np);
		free(np);
		break;
	default:
		url = xstrdup(h->url);
		break;
	}
	free(path);
	if (h->format == WEBHOOK_NTFY && url == NULL) {
		free(*ret_topic);
		*ret_topic = NULL;
	}
	return url;
}

int
webhook_format_request(const struct webhook_target *h,
    const struct webhook_alert *a, struct webhook_request *ret)
{
	json_t *doc = NULL;
	char *topic = NULL;

	memset(ret, 0, sizeof(*ret));
	if (json_array_size(a->entries) == 0 ||
	    (ret->url = target_url(h, a, &topic)) == NULL) {
		log_warnx("hook '%s': cannot make the request to %s (no "
		    "entries, or a URL libcurl cannot rebuild)", h->name,
		    h->url_shown);
		return -1;
	}
	switch (h->format) {
	case WEBHOOK_NTFY:
		doc = body_ntfy(a, topic);
		break;
	case WEBHOOK_GOTIFY:
		doc = body_gotify(a);
		break;
	case WEBHOOK_MATRIX:
		doc = body_matrix(a);
		break;
	case WEBHOOK_SLACK:
		doc = body_slack(a);
		break;
	default:
		doc = body_json(a);
		break;
	}
	free(topic);
	ret->method = h->format == WEBHOOK_MATRIX ? "PUT" : "POST";
	if (doc == NULL || (ret->body = json_dumps(doc, JSON_COMPACT)) ==
	    NULL) {
		log_warnx("hook '%s': cannot encode the alert", h->name);
		json_decref(doc);
		webhook_request_clear(ret);
		return -1;
	}
	json_decref(doc);
	ret->body_len = strlen(ret->body);
	add_header(ret, h, "Content-Type", "application/json; charset=utf-8");
	add_header(ret, h, "X-Feedd-Delivery", a->key);
	for (size_t i = 0; h->headers != NULL && h->headers[i] != NULL; i++)
		strv_add(&ret->headers, h->headers[i], strlen(h->headers[i]));
	return 0;
}

void
webhook_request_clear(struct webhook_request *r)
{
	free(r->url);
	/* The hook's headers may hold secrets. */
	for (size_t i = 0; r->headers != NULL && r->headers[i] != NULL; i++)
		explicit_bzero(r->headers[i], strlen(r->headers[i]));
	strv_free(r->headers);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

char *
webhook_scrub(char *const *secrets, const char *text, size_t len,
    size_t max)
{
	struct buf b;
	size_t i, n;

	buf_init(&b);
	for (i = 0; i < len; ) {
		bool hit = false;

		for (size_t k = 0; secrets != NULL && secrets[k] != NULL &&
		    !hit; k++) {
			n = strlen(secrets[k]);
			if (n >= SCRUB_MIN && n <= len - i &&
			    memcmp(text + i, secrets[k], n) == 0) {
				buf_puts(&b, "***");
				i += n;
				hit = true;
			}
		}
		if (hit)
			continue;
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			buf_putc(&b, '|');
		else
			buf_putc(&b, text[i]);
		i++;
	}
	if (b.len > max) {
		b.len = utf8_cut(b.data, b.len, max);
		buf_puts(&b, "...");
	}
	buf_putc(&b, '\0');
	return buf_detach(&b);
}
