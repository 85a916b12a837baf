/*
 * topics_why: the answer of GET /v1/why/{id} and `feedctl why`, built from
 * the store's account of the entry (store.h, "explaining an entry").
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "model_json.h"
#include "store.h"
#include "topics_why.h"
#include "xmalloc.h"

/* Adds the marked words of s to words (once each, case-insensitively). */
static void
collect_words(json_t *words, const char *s)
{
	const char *p = s, *q;

	while (p != NULL && (p = strstr(p, STORE_MARK_ON)) != NULL) {
		size_t i, n;
		bool seen = false;
		char *w;

		p++;
		if ((q = strstr(p, STORE_MARK_OFF)) == NULL)
			break;
		n = (size_t)(q - p);
		w = xstrndup(p, n);
		for (i = 0; i < json_array_size(words) && !seen; i++)
			seen = strcasecmp(json_string_value(
			    json_array_get(words, i)), w) == 0;
		if (!seen && n > 0)
			json_array_append_new(words, model_json_str(w));
		free(w);
		p = q + 1;
	}
}

/* s with the markers shown as [ ], or NULL if nothing is marked. */
static json_t *
marked_json(const char *s)
{
	struct buf b;
	json_t *j;

	if (s == NULL || strstr(s, STORE_MARK_ON) == NULL)
		return NULL;
	buf_init(&b);
	for (; *s != '\0'; s++)
		buf_putc(&b, *s == STORE_MARK_ON[0] ? '[' :
		    *s == STORE_MARK_OFF[0] ? ']' : *s);
	buf_putc(&b, '\0');
	j = model_json_str(b.data);
	buf_free(&b);
	return j;
}

/*
 * The words of the topic's query in the entry, and its fields with them
 * marked. The store logs its failures; the answer goes on without them.
 */
static void
add_highlights(struct store *s, json_t *topic, const char *query,
    int64_t id)
{
	static const char *const names[STORE_FTS_FIELDS] = {
		[STORE_FTS_TITLE] = "title",
		[STORE_FTS_SUMMARY] = "summary",
		[STORE_FTS_CONTENT] = "content",
		[STORE_FTS_AUTHOR] = "author",
	};
	struct store_highlight h;
	json_t *words = json_array(), *hl = json_object();

	/* No row: the entry changed since it matched. */
	if (store_entry_highlight(s, id, query, &h) == 1)
		for (int i = 0; i < STORE_FTS_FIELDS; i++) {
			json_t *m = marked_json(h.field[i]);

			collect_words(words, h.field[i]);
			if (m != NULL)
				json_object_set_new(hl, names[i], m);
		}
	store_highlight_clear(&h);
	json_object_set_new(topic, "words", words);
	json_object_set_new(topic, "highlight", hl);
}

static int
add_topics(struct store *s, json_t *doc, int64_t id)
{
	struct store_entry_match *m;
	json_t *topics, *folded = NULL;
	size_t n;

	if (store_entry_matches(s, id, &m, &n) == -1)
		return -1;
	topics = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *t = json_pack("{s:o,s:o,s:b,s:o}", "name",
		    model_json_str(m[i].topic_name), "query",
		    model_json_str(m[i].query), "listed", m[i].listed,
		    "matched", model_json_time(m[i].matched));
		json_t *into = NULL;

		if (m[i].folded_entry_id != 0)
			into = json_pack("{s:I,s:o}", "entry_id",
			    (json_int_t)m[i].folded_entry_id, "feed_title",
			    model_json_str(m[i].folded_feed_title));
		if (into != NULL && folded == NULL) {
			folded = json_deep_copy(into);
			json_object_set_new(folded, "topic",
			    model_json_str(m[i].topic_name));
		}
		json_object_set_new(t, "folded_into", into != NULL ? into :
		    json_null());
		add_highlights(s, t, m[i].query, id);
		json_array_append_new(topics, t);
	}
	store_entry_match_list_free(m, n);
	json_object_set_new(doc, "topics", topics);
	json_object_set_new(doc, "folded_into", folded != NULL ? folded :
	    json_null());
	return 0;
}

static int
add_carriers(struct store *s, json_t *doc, int64_t id)
{
	static const char *const same[] = {
		[STORE_SAME_ENTRY] = "this",
		[STORE_SAME_LINK] = "link",
		[STORE_SAME_TITLE] = "title",
	};
	struct store_carrier *c;
	json_t *a;
	size_t n;

	if (store_entry_carriers(s, id, TOPICS_WHY_CARRIERS_MAX, &c,
	    &n) == -1)
		return -1;
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:I,s:I,s:o,s:o,s:o,s:s}",
		    "entry_id", (json_int_t)c[i].entry_id,
		    "feed_id", (json_int_t)c[i].feed_id,
		    "feed_title", model_json_str(c[i].feed_title),
		    "link", model_json_str(c[i].link),
		    "fetched", model_json_time(c[i].fetched),
		    "same", same[c[i].same]));
	store_carrier_list_free(c, n);
	json_object_set_new(doc, "carried_by", a);
	return 0;
}

static int
add_key(struct store *s, json_t *doc, const struct store_entry *e)
{
	char hex[32] = "";
	const char *kind, *value;
	uint64_t hash;
	int rc;

	if ((rc = store_entry_key_hash(s, e->id, &hash)) == -1)
		return -1;
	/* Gone meanwhile: no hash to show. */
	if (rc == 1)
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)hash);
	if (e->guid != NULL && e->guid[0] != '\0') {
		kind = "guid";
		value = e->guid;
	} else if (e->norm_link != NULL) {
		kind = "link";
		value = e->norm_link;
	} else {
		kind = "hash";
		value = "title + published + summary";
	}
	json_object_set_new(doc, "key", json_pack("{s:s,s:o,s:s}", "kind",
	    kind, "value", model_json_str(value), "hash", hex));
	json_object_set_new(doc, "norm_link", model_json_str(e->norm_link));
	return 0;
}

int
topics_why(struct store *s, int64_t id, json_t **ret, char *err,
    size_t errlen)
{
	struct store_entry e;
	json_t *doc;
	int rc;

	*ret = NULL;
	if (errlen > 0)
		err[0] = '\0';
	if ((rc = store_entry_get(s, id, &e)) != 1) {
		if (rc == -1)
			snprintf(err, errlen, "cannot read entry %lld",
			    (long long)id);
		return rc;
	}
	doc = json_object();
	json_object_set_new(doc, "entry", model_json_entry(&e, false));
	if (add_key(s, doc, &e) == -1 || add_carriers(s, doc, id) == -1 ||
	    add_topics(s, doc, id) == -1) {
		snprintf(err, errlen, "the store failed (logged)");
		json_decref(doc);
		rc = -1;
	} else
		*ret = doc;
	store_entry_clear(&e);
	return rc;
}
