/*
 * greader_atom: a stream as Atom, the Google Reader API's /reader/atom/
 * form that newsboat (urls-source "feedhq") reads. Written with libxml2's
 * xmlTextWriter, which escapes every text and attribute, so no title or
 * content can break the document.
 *
 * Read state travels as Google Reader put it: a category with
 * scheme="http://www.google.com/reader/" and label "read" (newsboat marks
 * the item read), "fresh" for an unread one (newsboat marks it unread
 * again when it was read elsewhere), and "starred"; topics and the feed's
 * category come as user/-/label/NAME categories.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libxml/xmlwriter.h>

#include "api_reply.h"
#include "greader.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define GR_SCHEME	"http://www.google.com/reader/"
#define X(s)		BAD_CAST (s)

struct greader_atom {
	xmlBufferPtr	 buf;
	xmlTextWriterPtr w;
	bool		 failed;
};

static void
check(struct greader_atom *a, int rc)
{
	if (rc < 0)
		a->failed = true;
}

static void
elem(struct greader_atom *a, const char *name, const char *text)
{
	check(a, xmlTextWriterWriteElement(a->w, X(name), X(text != NULL ?
	    text : "")));
}

static void
rfc3339(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "1970-01-01T00:00:00Z");
}

struct greader_atom *
greader_atom_new(const char *stream_id, const char *title)
{
	struct greader_atom *a = xcalloc(1, sizeof(*a));
	char now[32];

	if ((a->buf = xmlBufferCreate()) == NULL ||
	    (a->w = xmlNewTextWriterMemory(a->buf, 0)) == NULL) {
		a->failed = true;
		return a;
	}
	rfc3339((int64_t)time(NULL), now, sizeof(now));
	check(a, xmlTextWriterStartDocument(a->w, NULL, "UTF-8", NULL));
	check(a, xmlTextWriterStartElementNS(a->w, NULL, X("feed"),
	    X("http://www.w3.org/2005/Atom")));
	check(a, xmlTextWriterWriteAttribute(a->w, X("xmlns:gr"),
	    X("http://www.google.com/schemas/reader/atom/")));
	elem(a, "id", stream_id);
	elem(a, "title", title != NULL ? title : stream_id);
	elem(a, "updated", now);
	return a;
}

static void
category(struct greader_atom *a, const char *term, const char *label)
{
	check(a, xmlTextWriterStartElement(a->w, X("category")));
	check(a, xmlTextWriterWriteAttribute(a->w, X("term"), X(term)));
	check(a, xmlTextWriterWriteAttribute(a->w, X("scheme"),
	    X(GR_SCHEME)));
	check(a, xmlTextWriterWriteAttribute(a->w, X("label"), X(label)));
	check(a, xmlTextWriterEndElement(a->w));
}

static void
link_elem(struct greader_atom *a, const char *rel, const char *href)
{
	check(a, xmlTextWriterStartElement(a->w, X("link")));
	check(a, xmlTextWriterWriteAttribute(a->w, X("rel"), X(rel)));
	check(a, xmlTextWriterWriteAttribute(a->w, X("href"), X(href)));
	check(a, xmlTextWriterEndElement(a->w));
}

int
greader_atom_entry(struct greader_atom *a, const struct greader_req *g,
    const struct store_entry *e)
{
	const struct store_feed *f = greader_feed(g, e->feed_id);
	int64_t when = e->published != FEED_TIME_NONE ? e->published :
	    e->fetched;
	char id[64], date[32];
	json_t *cats, *v;
	size_t i;

	if (a->failed)
		return -1;
	check(a, xmlTextWriterStartElement(a->w, X("entry")));
	greader_item_long(e->id, id, sizeof(id));
	elem(a, "id", id);
	check(a, xmlTextWriterStartElement(a->w, X("title")));
	check(a, xmlTextWriterWriteAttribute(a->w, X("type"), X("html")));
	check(a, xmlTextWriterWriteString(a->w, X(e->title != NULL ? e->title :
	    "")));
	check(a, xmlTextWriterEndElement(a->w));
	rfc3339(when, date, sizeof(date));
	elem(a, "published", date);
	rfc3339(e->updated != FEED_TIME_NONE ? e->updated : when, date,
	    sizeof(date));
	elem(a, "updated", date);
	if (e->link != NULL)
		link_elem(a, "alternate", e->link);
	cats = greader_item_categories(g, e);
	json_array_foreach(cats, i, v) {
		const char *term = json_string_value(v), *label;

		label = strrchr(term, '/') + 1;
		if (strncmp(term, GREADER_LABEL, strlen(GREADER_LABEL)) == 0)
			label = term + strlen(GREADER_LABEL);
		category(a, term, label);
	}
	json_decref(cats);
	if (!e->read)
		category(a, GREADER_STATE "fresh", "fresh");
	check(a, xmlTextWriterStartElement(a->w, X(e->content != NULL &&
	    *e->content != '\0' ? "content" : "summary")));
	check(a, xmlTextWriterWriteAttribute(a->w, X("type"), X("html")));
	check(a, xmlTextWriterWriteString(a->w, X(e->content != NULL &&
	    *e->content != '\0' ? e->content : e->summary != NULL ?
	    e->summary : "")));
	check(a, xmlTextWriterEndElement(a->w));
	if (e->author != NULL && *e->author != '\0') {
		check(a, xmlTextWriterStartElement(a->w, X("author")));
		elem(a, "name", e->author);
		check(a, xmlTextWriterEndElement(a->w));
	}
	if (f != NULL) {
		char *sid = xasprintf("feed/%s", f->url);

		check(a, xmlTextWriterStartElement(a->w, X("source")));
		check(a, xmlTextWriterWriteAttribute(a->w,
		    X("gr:stream-id"), X(sid)));
		elem(a, "id", sid);
		elem(a, "title", f->title != NULL ? f->title : f->url);
		if (f->site_link != NULL)
			link_elem(a, "alternate", f->site_link);
		check(a, xmlTextWriterEndElement(a->w));
		free(sid);
	}
	check(a, xmlTextWriterEndElement(a->w));
	return a->failed ? -1 : 0;
}

void
greader_atom_reply(struct greader_atom *a, struct greader_req *g,
    const char *continuation)
{
	if (continuation != NULL)
		elem(a, "gr:continuation", continuation);
	if (!a->failed) {
		check(a, xmlTextWriterEndDocument(a->w));
		check(a, xmlTextWriterFlush(a->w));
	}
	if (a->failed) {
		log_warnx("greader: cannot write the Atom document");
		api_reply_error(g->req, 500, NULL, "cannot write the Atom "
		    "document");
	} else
		api_reply_raw(g->req, 200, "application/atom+xml; "
		    "charset=utf-8", xmlBufferContent(a->buf),
		    (size_t)xmlBufferLength(a->buf));
	greader_atom_free(a);
}

void
greader_atom_free(struct greader_atom *a)
{
	if (a == NULL)
		return;
	if (a->w != NULL)
		xmlFreeTextWriter(a->w);
	if (a->buf != NULL)
		xmlBufferFree(a->buf);
	free(a);
}
