/*
 * topics_why: read-only queries over the store's tables (schema version 1:
 * entries, feeds, topics, topic_matches, entries_fts over the view
 * entries_fts_src, which calls html_text()).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "buf.h"
#include "htmltext.h"
#include "log.h"
#include "model_json.h"
#include "store.h"
#include "topics_why.h"
#include "xmalloc.h"

/* Highlight markers: bytes no feed text keeps (control characters). */
#define MARK_ON		"\x02"
#define MARK_OFF	"\x03"

static const char sql_key[] =
    "SELECT key_hash FROM entries WHERE id = ?";
static const char sql_carriers[] =
    "SELECT e.id, e.feed_id, COALESCE(f.user_title, f.doc_title, f.url),"
    " e.link, e.fetched, CASE WHEN e.id = ?1 THEN 'this'"
    " WHEN e.norm_link = ?2 THEN 'link' ELSE 'title' END"
    " FROM entries e JOIN feeds f ON f.id = e.feed_id"
    " WHERE e.id = ?1 OR (?2 IS NOT NULL AND e.norm_link = ?2)"
    " OR (?3 IS NOT NULL AND e.title = ?3"
    " AND abs(COALESCE(e.published, e.fetched) - ?4) <= 172800)"
    " ORDER BY e.id LIMIT ?5";
static const char sql_topics[] =
    "SELECT t.id, t.name, t.query, m.dup, m.norm_hash, m.feed_id,"
    " m.matched FROM topic_matches m JOIN topics t ON t.id = m.topic_id"
    " WHERE m.entry_id = ? ORDER BY t.name";
static const char sql_folded[] =
    "SELECT m.entry_id, COALESCE(f.user_title, f.doc_title, f.url)"
    " FROM topic_matches m JOIN feeds f ON f.id = m.feed_id"
    " WHERE m.topic_id = ?1 AND m.norm_hash = ?2 AND m.dup = 0"
    " AND m.feed_id <> ?3 ORDER BY m.entry_id LIMIT 1";
static const char sql_highlight[] =
    "SELECT highlight(entries_fts, 0, '" MARK_ON "', '" MARK_OFF "'),"
    " snippet(entries_fts, 1, '" MARK_ON "', '" MARK_OFF "', '...', 24),"
    " snippet(entries_fts, 2, '" MARK_ON "', '" MARK_OFF "', '...', 24),"
    " highlight(entries_fts, 3, '" MARK_ON "', '" MARK_OFF "')"
    " FROM entries_fts WHERE entries_fts MATCH ? AND rowid = ?";

/* The same words the store indexes (its view calls html_text()). */
static void
html_text_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	char *text;

	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	text = htmltext_dup((const char *)sqlite3_value_text(argv[0]));
	sqlite3_result_text(ctx, text, -1, free);
}

struct why {
	sqlite3		*db;
	char		*err;
	size_t		 errlen;
};

static sqlite3_stmt *
prep(struct why *w, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(w->db, sql, -1, &st, NULL) != SQLITE_OK) {
		snprintf(w->err, w->errlen, "%s", sqlite3_errmsg(w->db));
		return NULL;
	}
	return st;
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Adds the marked words of s to words (once each, case-insensitively). */
static void
collect_words(json_t *words, const char *s)
{
	const char *p = s, *q;

	while (p != NULL && (p = strstr(p, MARK_ON)) != NULL) {
		size_t i, n;
		bool seen = false;
		char *w;

		p++;
		if ((q = strstr(p, MARK_OFF)) == NULL)
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

	if (s == NULL || strstr(s, MARK_ON) == NULL)
		return NULL;
	buf_init(&b);
	for (; *s != '\0'; s++)
		buf_putc(&b, *s == MARK_ON[0] ? '[' : *s == MARK_OFF[0] ?
		    ']' : *s);
	buf_putc(&b, '\0');
	j = model_json_str(b.data);
	buf_free(&b);
	return j;
}

static int
add_highlights(struct why *w, json_t *topic, const char *query, int64_t id)
{
	static const char *const cols[] = { "title", "summary", "content",
	    "author" };
	sqlite3_stmt *st;
	json_t *words = json_array(), *hl = json_object();
	int rc;

	if ((st = prep(w, sql_highlight)) == NULL) {
		json_decref(words);
		json_decref(hl);
		return -1;
	}
	sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < 4; i++) {
			json_t *m = marked_json(col_text(st, i));

			collect_words(words, col_text(st, i));
			if (m != NULL)
				json_object_set_new(hl, cols[i], m);
		}
	}
	sqlite3_finalize(st);
	json_object_set_new(topic, "words", words);
	json_object_set_new(topic, "highlight", hl);
	/* No row: the entry changed since it matched. */
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static json_t *
folded_into(struct why *w, int64_t topic_id, int64_t norm_hash,
    int64_t feed_id)
{
	sqlite3_stmt *st;
	json_t *j = NULL;

	if ((st = prep(w, sql_folded)) == NULL)
		return NULL;
	sqlite3_bind_int64(st, 1, topic_id);
	sqlite3_bind_int64(st, 2, norm_hash);
	sqlite3_bind_int64(st, 3, feed_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		j = json_pack("{s:I,s:o}", "entry_id",
		    (json_int_t)sqlite3_column_int64(st, 0), "feed_title",
		    model_json_str(col_text(st, 1)));
	sqlite3_finalize(st);
	return j;
}

static int
add_topics(struct why *w, json_t *doc, int64_t id)
{
	sqlite3_stmt *st;
	json_t *topics = json_array(), *folded = NULL;
	int rc;

	if ((st = prep(w, sql_topics)) == NULL) {
		json_decref(topics);
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool dup = sqlite3_column_int(st, 3) != 0;
		json_t *t = json_pack("{s:o,s:o,s:b,s:o}", "name",
		    model_json_str(col_text(st, 1)), "query",
		    model_json_str(col_text(st, 2)), "listed", !dup, "matched",
		    model_json_time(sqlite3_column_int64(st, 6)));
		json_t *into = NULL;

		if (dup && sqlite3_column_type(st, 4) != SQLITE_NULL)
			into = folded_into(w, sqlite3_column_int64(st, 0),
			    sqlite3_column_int64(st, 4),
			    sqlite3_column_int64(st, 5));
		if (into != NULL && folded == NULL) {
			folded = json_deep_copy(into);
			json_object_set_new(folded, "topic",
			    model_json_str(col_text(st, 1)));
		}
		json_object_set_new(t, "folded_into", into != NULL ? into :
		    json_null());
		if (add_highlights(w, t, col_text(st, 2), id) == -1)
			log_warnx("why: entry %lld, topic '%s': %s",
			    (long long)id, col_text(st, 1),
			    sqlite3_errmsg(w->db));
		json_array_append_new(topics, t);
	}
	sqlite3_finalize(st);
	json_object_set_new(doc, "topics", topics);
	json_object_set_new(doc, "folded_into", folded != NULL ? folded :
	    json_null());
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
add_carriers(struct why *w, json_t *doc, const struct store_entry *e)
{
	sqlite3_stmt *st;
	json_t *a = json_array();
	int64_t when = e->published != FEED_TIME_NONE ? e->published :
	    e->fetched;
	int rc;

	if ((st = prep(w, sql_carriers)) == NULL) {
		json_decref(a);
		return -1;
	}
	sqlite3_bind_int64(st, 1, e->id);
	if (e->norm_link != NULL)
		sqlite3_bind_text(st, 2, e->norm_link, -1, SQLITE_STATIC);
	if (e->title != NULL && e->title[0] != '\0')
		sqlite3_bind_text(st, 3, e->title, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, when);
	sqlite3_bind_int(st, 5, TOPICS_WHY_CARRIERS_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		json_array_append_new(a, json_pack("{s:I,s:I,s:o,s:o,s:o,s:s}",
		    "entry_id", (json_int_t)sqlite3_column_int64(st, 0),
		    "feed_id", (json_int_t)sqlite3_column_int64(st, 1),
		    "feed_title", model_json_str(col_text(st, 2)),
		    "link", model_json_str(col_text(st, 3)),
		    "fetched", model_json_time(sqlite3_column_int64(st, 4)),
		    "same", col_text(st, 5)));
	sqlite3_finalize(st);
	json_object_set_new(doc, "carried_by", a);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
add_key(struct why *w, json_t *doc, const struct store_entry *e)
{
	sqlite3_stmt *st;
	char hex[32];
	const char *kind, *value;
	int rc;

	if ((st = prep(w, sql_key)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, e->id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		snprintf(hex, sizeof(hex), "%016llx", (unsigned long long)
		    sqlite3_column_int64(st, 0));
	else
		hex[0] = '\0';
	sqlite3_finalize(st);
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
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
topics_why(struct store *s, int64_t id, json_t **ret, char *err,
    size_t errlen)
{
	struct store_entry e;
	struct why w = { NULL, err, errlen };
	json_t *doc = NULL;
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
	rc = -1;
	if (sqlite3_open_v2(store_path(s), &w.db, SQLITE_OPEN_READONLY,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot open '%s': %s", store_path(s),
		    w.db != NULL ? sqlite3_errmsg(w.db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(w.db, 2000);
	if (sqlite3_create_function_v2(w.db, "html_text", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, html_text_fn, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(w.db));
		goto out;
	}
	doc = json_object();
	json_object_set_new(doc, "entry", model_json_entry(&e, false));
	if (add_key(&w, doc, &e) == -1 || add_carriers(&w, doc, &e) == -1 ||
	    add_topics(&w, doc, id) == -1) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s", sqlite3_errmsg(w.db));
		goto out;
	}
	*ret = doc;
	doc = NULL;
	rc = 1;
out:
	if (rc == -1)
		log_warnx("why: entry %lld: %s", (long long)id, err);
	json_decref(doc);
	sqlite3_close(w.db);
	store_entry_clear(&e);
	return rc;
}
