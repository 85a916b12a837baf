/*
 * store_ingest: turning one poll's entries into rows (store_entry.c reads
 * them back).
 *
 * Per entry the work is: hash the key and the text, one index lookup
 * (feed_id, key_hash, content_hash), and only for an unknown key the
 * seen-table and reissue checks and the insert. A repeated poll therefore
 * costs one index probe per entry and writes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "buf.h"
#include "htmltext.h"
#include "linknorm.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "xmalloc.h"

/* Seeds keep the hash spaces apart: a key never equals a link+title. */
#define SEED_KEY	0x6b6579ULL
#define SEED_LT		0x6c74ULL
#define SEED_BODY	0x626f6479ULL

struct prepared {
	char	*norm_link;
	char	*categories;	/* JSON or NULL */
	char	*enclosures;	/* JSON or NULL */
	int64_t	 key_hash;
	int64_t	 lt_hash;
	bool	 has_lt;
	int64_t	 content_hash;
};

static uint64_t
hash_str(const char *str, uint64_t h)
{
	/* The length goes in too, so ("ab","c") differs from ("a","bc"). */
	if (str == NULL)
		return store_hash("", 0, h ^ 0xff);
	return store_hash(str, strlen(str), h);
}

static uint64_t
hash_int(int64_t v, uint64_t h)
{
	return store_hash(&v, sizeof(v), h);
}

static char *
categories_json(const struct feed_entry *e)
{
	json_t *a;
	char *out;
	size_t i;

	if (e->ncategories == 0)
		return NULL;
	a = json_array();
	for (i = 0; i < e->ncategories; i++)
		if (e->categories[i] != NULL)
			json_array_append_new(a, json_string(e->categories[i]));
	out = json_array_size(a) > 0 ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return out;
}

static char *
enclosures_json(const struct feed_entry *e)
{
	const struct feed_enclosure *en;
	json_t *a, *o;
	char *out;
	size_t i;

	if (e->nenclosures == 0)
		return NULL;
	a = json_array();
	for (i = 0; i < e->nenclosures; i++) {
		en = &e->enclosures[i];
		if (en->url == NULL)
			continue;
		o = json_object();
		json_object_set_new(o, "url", json_string(en->url));
		json_object_set_new(o, "type", en->type != NULL ?
		    json_string(en->type) : json_null());
		json_object_set_new(o, "length", en->length >= 0 ?
		    json_integer(en->length) : json_null());
		json_array_append_new(a, o);
	}
	out = json_array_size(a) > 0 ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return out;
}

/*
 * Identity and change hashes. The link is normalized only when the key
 * needs it; prepare_link() does it later for entries not seen before.
 * false: nothing to identify the entry by.
 */
static bool
prepare_keys(const struct feed_entry *e, struct prepared *p)
{
	uint64_t h;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (e->id != NULL && e->id[0] != '\0')
		h = hash_str(e->id, SEED_KEY);
	else if ((p->norm_link = linknorm_dup(e->link)) != NULL)
		h = hash_str(p->norm_link, SEED_KEY + 1);
	else if ((e->title != NULL && e->title[0] != '\0') ||
	    (e->summary != NULL && e->summary[0] != '\0') ||
	    e->published != FEED_TIME_NONE) {
		h = hash_str(e->title, SEED_KEY + 2);
		h = hash_int(e->published, h);
		h = hash_str(e->summary, h);
	} else
		return false;
	p->key_hash = (int64_t)h;

	h = hash_str(e->title, SEED_BODY);
	h = hash_str(e->link, h);
	h = hash_str(e->summary, h);
	h = hash_str(e->content, h);
	h = hash_str(e->author, h);
	h = hash_int(e->published, h);
	h = hash_int(e->updated, h);
	for (i = 0; i < e->ncategories; i++)
		h = hash_str(e->categories[i], h);
	for (i = 0; i < e->nenclosures; i++) {
		h = hash_str(e->enclosures[i].url, h);
		h = hash_str(e->enclosures[i].type, h);
		h = hash_int(e->enclosures[i].length, h);
	}
	p->content_hash = (int64_t)h;
	return true;
}

static void
prepare_link(const struct feed_entry *e, struct prepared *p)
{
	if (p->norm_link == NULL)
		p->norm_link = linknorm_dup(e->link);
	if (p->norm_link != NULL && e->title != NULL && e->title[0] != '\0') {
		p->lt_hash = (int64_t)hash_str(e->title,
		    hash_str(p->norm_link, SEED_LT));
		p->has_lt = true;
	}
}

static void
prepared_clear(struct prepared *p)
{
	free(p->norm_link);
	free(p->categories);
	free(p->enclosures);
	memset(p, 0, sizeof(*p));
}

/* Binds ?3..?16, shared by the insert and the update. */
static void
bind_fields(sqlite3_stmt *st, const struct feed_entry *e,
    const struct prepared *p, int64_t now)
{
	sqlite3_bind_int64(st, 3, p->content_hash);
	if (p->has_lt)
		sqlite3_bind_int64(st, 4, p->lt_hash);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, e->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, e->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, e->link, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, p->norm_link, -1, SQLITE_STATIC);
	/*
	 * The entry's date: an item dated only by dc:date or <updated> is
	 * listed by that date, never by when it was fetched.
	 */
	store_bind_time(st, 9, feed_entry_date(e));
	store_bind_time(st, 10, e->updated);
	sqlite3_bind_int64(st, 11, now);
	sqlite3_bind_text(st, 12, e->author, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, e->summary, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, e->content, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, p->categories, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, p->enclosures, -1, SQLITE_STATIC);
}

/* The probes of ingest_one(): each takes (feed_id, hash). */
static const struct store_sql sql_by_key = { ST_ENTRY_BY_KEY,
    "SELECT id, content_hash FROM entries WHERE feed_id = ? AND key_hash = ?" };
static const struct store_sql sql_by_lt = { ST_ENTRY_BY_LT,
    "SELECT 1 FROM entries WHERE feed_id = ? AND lt_hash = ? LIMIT 1" };
/* Keys (and link + title hashes) of pruned entries. */
static const struct store_sql sql_seen = { ST_SEEN_HAS,
    "SELECT 1 FROM seen WHERE feed_id = ? AND hash = ?" };

/* Probes (feed_id, hash) with q. 1 found (row id in *ret_id), 0, -1. */
static int
probe(struct store *s, const struct store_sql *q, int64_t feed_id,
    int64_t hash, int64_t *ret_id, int64_t *ret_col1)
{
	sqlite3_stmt *st = store_stmt(s, q);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, feed_id);
	sqlite3_bind_int64(st, 2, hash);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (ret_id != NULL)
			*ret_id = sqlite3_column_int64(st, 0);
		if (ret_col1 != NULL)
			*ret_col1 = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "looking up an entry");
	return rc == SQLITE_ROW;
}

/* The index row for a new entry; the same text html_text() derives. */
static int
fts_insert(struct store *s, int64_t id, const char *title,
    const char *summary, const char *content, const char *author)
{
	static const struct store_sql sql = { ST_FTS_INSERT,
	    "INSERT INTO entries_fts(rowid, title, summary, content, author)"
	    " VALUES (?, ?, ?, ?, ?)" };
	sqlite3_stmt *st = store_stmt(s, &sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, summary, -1, SQLITE_STATIC);
	if (content != NULL) {
		buf_reset(&s->text);
		htmltext_append(&s->text, content, strlen(content));
		sqlite3_bind_text(st, 4, s->text.data, s->text.len,
		    SQLITE_STATIC);
	} else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, author, -1, SQLITE_STATIC);
	return store_exec(s, st, "indexing an entry");
}

/* An entry stored earlier in this transaction, indexed now. */
static int
fts_insert_stored(struct store *s, int64_t id)
{
	static const struct store_sql sql = { ST_FTS_SOURCE,
	    "SELECT title, summary, content, author FROM entries"
	    " WHERE id = ?1" };
	sqlite3_stmt *st = store_bound_id(s, &sql, id);
	int rc, step;

	if (st == NULL)
		return -1;
	if ((step = sqlite3_step(st)) == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (step != SQLITE_ROW) {
		sqlite3_reset(st);
		return store_fail(s, "reading an entry to index");
	}
	rc = fts_insert(s, id, (const char *)sqlite3_column_text(st, 0),
	    (const char *)sqlite3_column_text(st, 1),
	    (const char *)sqlite3_column_text(st, 2),
	    (const char *)sqlite3_column_text(st, 3));
	sqlite3_reset(st);
	return rc;
}

static void
capture_begin(struct store *s)
{
	if (s->tokens_wrapped && s->sink != NULL && s->sink->begin != NULL) {
		s->sink->begin(s->sink->arg);
		s->capturing = true;
	}
}

static void
tell_indexed(struct store *s, int64_t feed_id, const int64_t *ids, size_t n)
{
	if (n > 0 && s->sink != NULL && s->sink->indexed != NULL)
		s->sink->indexed(s->sink->arg, feed_id, ids, n);
}

void
store_index_defer(struct store *s)
{
	if (s->tx_depth == 1) {
		s->index_defer = true;
		s->defer_floor = store_last_entry_id(s) + 1;
	}
}

void
store_index_drop(struct store *s, size_t n)
{
	while (s->nipend > n)
		free(s->ipend[--s->nipend].ids);
}

int
store_index_pending(struct store *s)
{
	struct store_index_poll *p;
	size_t i, j;

	for (i = 0; i < s->nipend; i++) {
		p = &s->ipend[i];
		capture_begin(s);
		for (j = 0; j < p->n; j++) {
			if (fts_insert_stored(s, p->ids[j]) == -1) {
				s->capturing = false;
				return -1;
			}
		}
		s->capturing = false;
		tell_indexed(s, p->feed_id, p->ids, p->n);
	}
	store_index_drop(s, 0);
	return 0;
}

/* A poll stored, to be indexed before its batch commits. */
static void
index_later(struct store *s, int64_t feed_id, const int64_t *ids, size_t n)
{
	struct store_index_poll *p;

	s->ipend = xreallocarray(s->ipend, s->nipend + 1, sizeof(*s->ipend));
	p = &s->ipend[s->nipend++];
	p->feed_id = feed_id;
	p->ids = xreallocarray(NULL, n, sizeof(*ids));
	memcpy(p->ids, ids, n * sizeof(*ids));
	p->n = n;
}

enum outcome { OUT_NEW, OUT_UPDATED, OUT_UNCHANGED, OUT_REISSUED,
    OUT_SKIPPED, OUT_NOT_INDEXED };

static int
ingest_one(struct store *s, int64_t feed_id, const struct feed_entry *e,
    int64_t now, bool index, enum outcome *out, int64_t *ret_id)
{
	/* ?3..?16 are bind_fields()'s. */
	static const struct store_sql sql_insert = { ST_ENTRY_INSERT,
	    "INSERT INTO entries(feed_id, key_hash, content_hash, lt_hash,"
	    " guid, title, link, norm_link, published, updated, fetched,"
	    " author, summary, content, categories, enclosures) VALUES (?1,"
	    " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
	    " ?16)" };
	/* fetched (?11) stays the first fetch's. */
	static const struct store_sql sql_update = { ST_ENTRY_UPDATE,
	    "UPDATE entries SET content_hash = ?3, lt_hash = ?4, guid = ?5,"
	    " title = ?6, link = ?7, norm_link = ?8, published = ?9,"
	    " updated = ?10, author = ?12, summary = ?13, content = ?14,"
	    " categories = ?15, enclosures = ?16"
	    " WHERE id = ?1 AND feed_id = ?2" };
	struct prepared p;
	sqlite3_stmt *st;
	int64_t id = 0, old_hash = 0;
	int rc = -1, found;

	if (!prepare_keys(e, &p)) {
		*out = OUT_SKIPPED;
		return 0;
	}
	if ((found = probe(s, &sql_by_key, feed_id, p.key_hash, &id,
	    &old_hash)) == -1)
		goto out;
	if (found && old_hash == p.content_hash) {
		*out = OUT_UNCHANGED;
		rc = 0;
		goto out;
	}
	if (!found) {
		if ((found = probe(s, &sql_seen, feed_id, p.key_hash, NULL,
		    NULL)) == -1)
			goto out;
		if (found) {
			*out = OUT_UNCHANGED;
			rc = 0;
			goto out;
		}
		prepare_link(e, &p);
		/*
		 * Some feeds give every item a new guid on every poll: an
		 * unknown key with a known link + title is such a reissue.
		 */
		if (p.has_lt) {
			if ((found = probe(s, &sql_by_lt, feed_id,
			    p.lt_hash, NULL, NULL)) == 0)
				found = probe(s, &sql_seen, feed_id,
				    p.lt_hash, NULL, NULL);
			if (found == -1)
				goto out;
			if (found) {
				*out = OUT_REISSUED;
				rc = 0;
				goto out;
			}
		}
		id = 0;
	}

	if (found)
		prepare_link(e, &p);
	p.categories = categories_json(e);
	p.enclosures = enclosures_json(e);
	if (id == 0) {
		if ((st = store_stmt(s, &sql_insert)) == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, feed_id);
		sqlite3_bind_int64(st, 2, p.key_hash);
		bind_fields(st, e, &p, now);
		if (store_exec(s, st, "storing an entry") == -1)
			goto out;
		*ret_id = sqlite3_last_insert_rowid(s->db);
		if (index && fts_insert(s, *ret_id, e->title, e->summary,
		    e->content, e->author) == -1)
			goto out;
		*out = OUT_NEW;
	} else if (!index && id >= s->defer_floor) {
		/*
		 * An entry of this batch, not in the index yet, changes (a
		 * document that repeats a guid): the index's update trigger
		 * would take out terms that were never put in.
		 */
		*out = OUT_NOT_INDEXED;
	} else {
		if ((st = store_stmt(s, &sql_update)) == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, feed_id);
		bind_fields(st, e, &p, now);
		/* A change the store saw: updated is when it saw it. */
		sqlite3_bind_int64(st, 10, now);
		if (store_exec(s, st, "updating an entry") == -1)
			goto out;
		*out = OUT_UPDATED;
	}
	rc = 0;
out:
	prepared_clear(&p);
	return rc;
}

static int
feed_doc(struct store *s, int64_t feed_id, const struct feed_header *h)
{
	/* No write when nothing changed: most polls. */
	static const struct store_sql sql = { ST_FEED_DOC,
	    "UPDATE feeds SET doc_title = ?2, site_link = ?3"
	    " WHERE id = ?1 AND (doc_title IS NOT ?2 OR site_link IS NOT ?3)" };
	sqlite3_stmt *st = store_stmt(s, &sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, feed_id);
	sqlite3_bind_text(st, 2, h->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, h->link, -1, SQLITE_STATIC);
	return store_exec(s, st, "updating a feed's title");
}

int
store_ingest(struct store *s, int64_t feed_id, const struct feed_header *h,
    const struct feed_entry *entries, size_t n,
    struct store_ingest_result *ret)
{
	struct store_ingest_result r = { 0 };
	enum outcome out;
	int64_t now = store_now(s), id;
	size_t i;
	/* Deferred only where every enclosing savepoint has its mark. */
	bool defer = s->index_defer && s->tx_depth + 1 < STORE_MARKS;

	memset(ret, 0, sizeof(*ret));
	if (store_begin(s) == -1)
		return -1;
	if (!defer)
		capture_begin(s);
	if (h != NULL && feed_doc(s, feed_id, h) == -1)
		goto fail;
	/* Oldest first, so that the newest item gets the highest id. */
	for (i = n; i-- > 0;) {
		id = 0;
		if (ingest_one(s, feed_id, &entries[i], now, !defer, &out,
		    &id) == -1)
			goto fail;
		if (out == OUT_NOT_INDEXED) {
			/*
			 * The batch's index is brought up to date, then this
			 * poll is stored again, indexed as it goes.
			 */
			s->capturing = false;
			store_rollback(s);
			free(r.new_ids);
			if (store_index_pending(s) == -1)
				return -1;
			s->index_defer = false;
			return store_ingest(s, feed_id, h, entries, n, ret);
		}
		switch (out) {
		case OUT_NEW:
			if (r.new_count % 32 == 0)
				r.new_ids = xreallocarray(r.new_ids,
				    r.new_count + 32, sizeof(*r.new_ids));
			r.new_ids[r.new_count++] = id;
			if (r.first_new_id == 0)
				r.first_new_id = id;
			r.last_new_id = id;
			break;
		case OUT_UPDATED:
			r.updated++;
			break;
		case OUT_REISSUED:
			r.reissued++;
			/* FALLTHROUGH */
		case OUT_UNCHANGED:
			r.unchanged++;
			break;
		case OUT_SKIPPED:
			r.skipped++;
			break;
		case OUT_NOT_INDEXED:
			break;
		}
	}
	if (r.new_count > 0 && store_feed_count_add(s, feed_id,
	    (int64_t)r.new_count) == -1)
		goto fail;
	s->capturing = false;
	if (store_commit(s) == -1) {
		free(r.new_ids);
		return -1;
	}
	if (defer && r.new_count > 0)
		index_later(s, feed_id, r.new_ids, r.new_count);
	else
		tell_indexed(s, feed_id, r.new_ids, r.new_count);
	if (r.skipped > 0)
		log_debug("store: feed %lld: %zu entries without id, link, "
		    "title or text, skipped", (long long)feed_id, r.skipped);
	*ret = r;
	return 0;
fail:
	s->capturing = false;
	store_rollback(s);
	free(r.new_ids);
	return -1;
}

void
store_ingest_result_clear(struct store_ingest_result *r)
{
	free(r->new_ids);
	memset(r, 0, sizeof(*r));
}
