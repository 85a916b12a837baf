/*
 * feed_json: neutral model -> jansson.
 */
#include <jansson.h>

#include "date.h"
#include "feed.h"
#include "feed_json.h"

static json_t *
str_or_null(const char *s)
{
	json_t *j;

	if (s == NULL || (j = json_string(s)) == NULL)
		return json_null();
	return j;
}

json_t *
feed_json_time(int64_t t)
{
	char iso[21];

	if (!date_format_iso(t, iso))
		return json_null();
	return json_string(iso);
}

json_t *
feed_json_header(const struct feed_header *h)
{
	json_t *o = json_object();

	json_object_set_new(o, "title", str_or_null(h->title));
	json_object_set_new(o, "link", str_or_null(h->link));
	json_object_set_new(o, "subtitle", str_or_null(h->subtitle));
	json_object_set_new(o, "language", str_or_null(h->language));
	json_object_set_new(o, "updated", feed_json_time(h->updated));
	json_object_set_new(o, "author", str_or_null(h->author));
	return o;
}

json_t *
feed_json_entry(const struct feed_entry *e)
{
	json_t *o = json_object(), *cats = json_array(), *encs = json_array();
	size_t i;

	json_object_set_new(o, "id", str_or_null(e->id));
	json_object_set_new(o, "title", str_or_null(e->title));
	json_object_set_new(o, "link", str_or_null(e->link));
	json_object_set_new(o, "published", feed_json_time(e->published));
	json_object_set_new(o, "updated", feed_json_time(e->updated));
	json_object_set_new(o, "summary", str_or_null(e->summary));
	json_object_set_new(o, "content", str_or_null(e->content));
	json_object_set_new(o, "author", str_or_null(e->author));
	for (i = 0; i < e->ncategories; i++)
		json_array_append_new(cats, str_or_null(e->categories[i]));
	json_object_set_new(o, "categories", cats);
	for (i = 0; i < e->nenclosures; i++) {
		const struct feed_enclosure *enc = &e->enclosures[i];

		json_array_append_new(encs, json_pack("{s:o,s:o,s:o}",
		    "url", str_or_null(enc->url),
		    "type", str_or_null(enc->type),
		    "length", enc->length >= 0 ?
		    json_integer(enc->length) : json_null()));
	}
	json_object_set_new(o, "enclosures", encs);
	return o;
}

json_t *
feed_json_doc(const struct feed_doc *d)
{
	json_t *o = json_object(), *entries = json_array(), *warnings;
	size_t i;

	json_object_set_new(o, "format", d->header.format ==
	    FEED_FORMAT_UNKNOWN ? json_null() :
	    json_string(feed_format_name(d->header.format)));
	json_object_set_new(o, "feed", feed_json_header(&d->header));
	for (i = 0; i < d->nentries; i++)
		json_array_append_new(entries, feed_json_entry(&d->entries[i]));
	json_object_set_new(o, "entries", entries);
	json_object_set_new(o, "error", str_or_null(d->error));
	json_object_set_new(o, "warnings", warnings = json_array());
	for (i = 0; i < d->nwarnings; i++)
		json_array_append_new(warnings, str_or_null(d->warnings[i]));
	return o;
}
