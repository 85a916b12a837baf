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
#include "store_sqlite.h"
#include "store_keys.h"
#include "xmalloc.h"

/* Binds ?3..?16, shared by the insert and the update. */
static void
bind_fields(sqlite3_stmt *st, const struct feed_entry *e,
    const struct store_prepared *p, int64_t now)
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
probe(struct sqlite_store *s, const struct store_sql *q, int64_t feed_id,
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

/*
 * The index row for a new entry: the summary's and the content's text,
 * as the schema's view derives them (entries_fts_src: fts_summary(),
 * html_text(); steps 16 and 17).
 */
static int
fts_insert_text(struct sqlite_store *s, int64_t id, const char *title,
    const char *author, const struct store_index_text *t)
{
	static const struct store_sql sql = { ST_FTS_INSERT,
	    "INSERT INTO entries_fts(rowid, title, summary, content, author)"
	    " VALUES (?, ?, ?, ?, ?)" };
	sqlite3_stmt *st = store_stmt(s, &sql);
	int rc;

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	if (t->summary != NULL)
		sqlite3_bind_text(st, 3, t->summary, (int)t->summary_len,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	if (t->content != NULL)
		sqlite3_bind_text(st, 4, t->content, (int)t->content_len,
		    SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 4);
	sqlite3_bind_text(st, 5, author, -1, SQLITE_STATIC);
	/* Their tokens, if cut ahead, for the tokenizer to replay. */
	s->ahead[0] = (struct store_tokens_ahead){ t->summary, t->summary_len,
	    t->summary_tokens, t->summary_tokens_len };
	s->ahead[1] = (struct store_tokens_ahead){ t->content, t->content_len,
	    t->content_tokens, t->content_tokens_len };
	rc = store_exec(s, st, "indexing an entry");
	memset(s->ahead, 0, sizeof(s->ahead));
	return rc;
}

/* The index row from the entry's HTML, converted here. */
static int
fts_insert(struct sqlite_store *s, int64_t id, const char *title,
    const char *summary, const char *content, const char *author)
{
	struct store_index_text t = { 0 };

	if (htmltext_entry(summary, content, &s->stext, &s->text)) {
		t.summary = s->stext.data;
		t.summary_len = s->stext.len;
	}
	if (content != NULL) {
		t.content = s->text.data;
		t.content_len = s->text.len;
	}
	return fts_insert_text(s, id, title, author, &t);
}

/*
 * An entry stored earlier in this transaction, indexed now: with its
 * text made ahead (t), or from its row. Gone since: nothing to index.
 */
static int
fts_insert_stored(struct sqlite_store *s, int64_t id,
    const struct store_index_text *t)
{
	static const struct store_sql sql = { ST_FTS_SOURCE,
	    "SELECT title, author, summary, content FROM entries"
	    " WHERE id = ?1" };
	static const struct store_sql sql_short = { ST_FTS_SOURCE_SHORT,
	    "SELECT title, author FROM entries WHERE id = ?1" };
	sqlite3_stmt *st = store_bound_id(s, t != NULL ? &sql_short : &sql,
	    id);
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
	if (t != NULL)
		rc = fts_insert_text(s, id,
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), t);
	else
		rc = fts_insert(s, id, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3),
		    (const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	return rc;
}

static void
capture_begin(struct sqlite_store *s)
{
	if (s->tokens_wrapped && s->sink != NULL && s->sink->begin != NULL) {
		s->sink->begin(s->sink->arg);
		s->capturing = true;
	}
}

static void
tell_indexed(struct sqlite_store *s, int64_t feed_id, const int64_t *ids,
    size_t n)
{
	if (n > 0 && s->sink != NULL && s->sink->indexed != NULL)
		s->sink->indexed(s->sink->arg, feed_id, ids, n);
}

void
sqlite_store_index_defer(struct sqlite_store *s)
{
	if (s->tx_depth == 1) {
		s->index_defer = true;
		s->defer_floor = sqlite_store_last_entry_id(s) + 1;
	}
}

void
store_index_drop(struct sqlite_store *s, size_t n)
{
	struct store_index_poll *p;

	while (s->nipend > n) {
		p = &s->ipend[--s->nipend];
		for (size_t i = 0; p->texts != NULL && i < p->n; i++)
			store_index_text_clear(&p->texts[i]);
		free(p->texts);
		free(p->ids);
	}
}

/*
 * FTS5 merges a level of the index once it holds `automerge` segments,
 * rewriting each token at every level it climbs. A group of
 * STORE_BULK_ENTRIES new entries or more (a cold start, an imported list)
 * is written with automerge STORE_BULK_AUTOMERGE, so that its tokens
 * climb fewer levels; store_index_tidy merges what that leaves once the
 * writes pause. Smaller groups (a running daemon's) keep FTS5's 4, so the
 * index stays merged where the writes never pause. The setting is the
 * index's own (kept in entries_fts_config): said when it changes.
 */
static int
set_automerge(struct sqlite_store *s, size_t entries)
{
	static const struct store_sql sql = { ST_FTS_AUTOMERGE,
	    "INSERT INTO entries_fts(entries_fts, rank) VALUES"
	    " ('automerge', ?1)" };
	int want = entries >= STORE_BULK_ENTRIES ? STORE_BULK_AUTOMERGE :
	    STORE_FTS_AUTOMERGE;
	sqlite3_stmt *st;

	if (s->automerge == want)
		return 0;
	if ((st = store_stmt(s, &sql)) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, want);
	if (store_exec(s, st, "setting the full-text index's merges") == -1)
		return -1;
	s->automerge = want;
	return 0;
}

int
sqlite_store_index_pending(struct sqlite_store *s)
{
	struct store_index_poll *p;
	size_t i, j, entries = 0;

	for (i = 0; i < s->nipend; i++)
		entries += s->ipend[i].n;
	if (entries > 0 && set_automerge(s, entries) == -1)
		return -1;
	for (i = 0; i < s->nipend; i++) {
		p = &s->ipend[i];
		capture_begin(s);
		for (j = 0; j < p->n; j++) {
			if (fts_insert_stored(s, p->ids[j], p->texts != NULL ?
			    &p->texts[j] : NULL) == -1) {
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

/*
 * A poll stored, to be indexed before its batch commits; with the texts
 * made ahead (texts[at[i]] for ids[i], taken) when texts is not NULL.
 */
static void
index_later(struct sqlite_store *s, int64_t feed_id, const int64_t *ids,
    size_t n, struct store_index_text *texts, const size_t *at)
{
	struct store_index_poll *p;

	s->ipend = xreallocarray(s->ipend, s->nipend + 1, sizeof(*s->ipend));
	p = &s->ipend[s->nipend++];
	p->feed_id = feed_id;
	p->ids = xreallocarray(NULL, n, sizeof(*ids));
	memcpy(p->ids, ids, n * sizeof(*ids));
	p->texts = NULL;
	if (texts != NULL) {
		p->texts = xreallocarray(NULL, n, sizeof(*p->texts));
		for (size_t i = 0; i < n; i++) {
			p->texts[i] = texts[at[i]];
			memset(&texts[at[i]], 0, sizeof(texts[at[i]]));
		}
	}
	p->n = n;
}

enum outcome { OUT_NEW, OUT_UPDATED, OUT_UNCHANGED, OUT_REISSUED,
    OUT_SKIPPED, OUT_NOT_INDEXED };

static int
ingest_one(struct sqlite_store *s, int64_t feed_id, const struct feed_entry *e,
    struct store_index_text *t, int64_t now, bool index,
    enum outcome *out, int64_t *ret_id)
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
	struct store_prepared p;
	sqlite3_stmt *st;
	int64_t id = 0, old_hash = 0;
	int rc = -1, found;

	if (t != NULL && t->keys != NULL) {
		p = *t->keys;		/* made ahead: its strings are p's now */
		free(t->keys);
		t->keys = NULL;
	} else if (!store_prepare_keys(e, &p)) {
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
		store_prepare_link(e, &p);
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
		store_prepare_link(e, &p);
	if (!p.complete) {
		p.categories = store_categories_json(e);
		p.enclosures = store_enclosures_json(e);
	}
	if (id == 0) {
		if ((st = store_stmt(s, &sql_insert)) == NULL)
			goto out;
		sqlite3_bind_int64(st, 1, feed_id);
		sqlite3_bind_int64(st, 2, p.key_hash);
		bind_fields(st, e, &p, now);
		if (store_exec(s, st, "storing an entry") == -1)
			goto out;
		*ret_id = sqlite3_last_insert_rowid(s->db);
		if (index && (t != NULL ? fts_insert_text(s, *ret_id,
		    e->title, e->author, t) : fts_insert(s, *ret_id, e->title,
		    e->summary, e->content, e->author)) == -1)
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
	store_prepared_clear(&p);
	return rc;
}

static int
feed_doc(struct sqlite_store *s, int64_t feed_id, const struct feed_header *h)
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
sqlite_store_ingest(struct sqlite_store *s, int64_t feed_id,
    const struct feed_header *h,
    const struct feed_entry *entries,
    struct store_index_text *texts, size_t n,
    struct store_ingest_result *ret)
{
	struct store_ingest_result r = { 0 };
	size_t *new_at = NULL;	/* the entry of each of r.new_ids */
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
		if (ingest_one(s, feed_id, &entries[i], texts != NULL ?
		    &texts[i] : NULL, now, !defer, &out, &id) == -1)
			goto fail;
		if (out == OUT_NOT_INDEXED) {
			/*
			 * The batch's index is brought up to date, then this
			 * poll is stored again, indexed as it goes.
			 */
			s->capturing = false;
			store_rollback(s);
			free(r.new_ids);
			free(new_at);
			if (sqlite_store_index_pending(s) == -1)
				return -1;
			s->index_defer = false;
			return sqlite_store_ingest(s, feed_id, h, entries,
			    texts, n, ret);
		}
		switch (out) {
		case OUT_NEW:
			if (r.new_count % 32 == 0) {
				r.new_ids = xreallocarray(r.new_ids,
				    r.new_count + 32, sizeof(*r.new_ids));
				new_at = xreallocarray(new_at,
				    r.new_count + 32, sizeof(*new_at));
			}
			new_at[r.new_count] = i;
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
		free(new_at);
		return -1;
	}
	if (defer && r.new_count > 0)
		index_later(s, feed_id, r.new_ids, r.new_count, texts, new_at);
	else
		tell_indexed(s, feed_id, r.new_ids, r.new_count);
	free(new_at);
	if (r.skipped > 0)
		log_debug("store: feed %lld: %zu entries without id, link, "
		    "title or text, skipped", (long long)feed_id, r.skipped);
	*ret = r;
	return 0;
fail:
	s->capturing = false;
	store_rollback(s);
	free(r.new_ids);
	free(new_at);
	return -1;
}

void
store_ingest_result_clear(struct store_ingest_result *r)
{
	free(r->new_ids);
	memset(r, 0, sizeof(*r));
}

/* Pages a merge step may write: about 20 ms of CPU. */
#define TIDY_PAGES	"500"

int
sqlite_store_index_tidy(struct sqlite_store *s, bool *ret_done)
{
	/*
	 * usermerge 2: a step merges any level holding two segments or more
	 * (FTS5 waits for 4 by default), so the index ends as one segment.
	 * Kept in the index's configuration; said again once per connection.
	 */
	static const struct store_sql sql_config = { ST_FTS_USERMERGE,
	    "INSERT INTO entries_fts(entries_fts, rank) VALUES ('usermerge', 2)" };
	static const struct store_sql sql_merge = { ST_FTS_MERGE,
	    "INSERT INTO entries_fts(entries_fts, rank)"
	    " VALUES ('merge', " TIDY_PAGES ")" };
	int64_t before;

	*ret_done = true;
	if (s->tx_depth > 0)
		return 0;
	if (!s->tidy_configured) {
		if (store_exec(s, store_stmt(s, &sql_config),
		    "configuring the full-text index's merges") == -1)
			return -1;
		s->tidy_configured = true;
	}
	before = sqlite3_total_changes64(s->db);
	if (store_exec(s, store_stmt(s, &sql_merge),
	    "merging the full-text index") == -1)
		return -1;
	/* A step with nothing to merge writes nothing (FTS5's own test). */
	*ret_done = sqlite3_total_changes64(s->db) - before < 2;
	return 0;
}
