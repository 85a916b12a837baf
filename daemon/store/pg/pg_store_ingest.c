/*
 * pg_store_ingest: one poll's entries into rows on PostgreSQL, by the
 * rules of store_keys.h, as store_ingest.c does on SQLite.
 *
 * A poll's keys are looked up in one statement (the entries_key index,
 * which carries content_hash), so a repeated poll is one round trip and
 * no write; what the identity ladder asks of the keys not found (pruned?
 * reissued?) is a second statement for all of them, not three per item. Several workers may store the same feed at once: an insert
 * meets the other's row in ON CONFLICT (feed_id, key_hash), and the
 * entry is then the other's, counted unchanged here.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "htmltext.h"
#include "log.h"
#include "pg_fts.h"
#include "pg_store.h"
#include "pg_store_int.h"
#include "store_keys.h"
#include "xmalloc.h"

/* What a poll's keys already hold: key_hash -> (id, content_hash). */
struct known {
	int64_t	 key_hash;
	int64_t	 id;
	int64_t	 content_hash;
};

static int
cmp_known(const void *a, const void *b)
{
	int64_t x = ((const struct known *)a)->key_hash;
	int64_t y = ((const struct known *)b)->key_hash;

	return x < y ? -1 : x > y;
}

static void
known_read(const PGresult *r, int i, void *row)
{
	struct known *k = row;

	k->key_hash = pg_col_int(r, i, 0);
	k->id = pg_col_int(r, i, 1);
	k->content_hash = pg_col_int(r, i, 2);
}

/* The stored rows of the poll's keys, sorted by key. */
static int
known_load(struct pg_store *s, int64_t feed_id,
    const struct store_prepared *p, const bool *usable, size_t n,
    struct known **ret, size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT key_hash, id, content_hash FROM entries"
	    " WHERE feed_id = $1 AND key_hash = ANY ($2::bigint[])" };
	struct pg_params pp = { 0 };
	struct buf keys;
	size_t i;
	int rc;

	buf_init(&keys);
	buf_putc(&keys, '{');
	for (i = 0; i < n; i++)
		if (usable[i])
			buf_printf(&keys, "%s%" PRId64, keys.len > 1 ? "," : "",
			    p[i].key_hash);
	buf_putc(&keys, '}');
	pg_p_int(&pp, feed_id);
	pg_p_text(&pp, keys.data);
	rc = pg_all_rows(s, &sql, &pp, sizeof(**ret), known_read,
	    (void **)ret, ret_n, "looking up a poll's entries");
	buf_free(&keys);
	if (rc == 0 && *ret_n > 1)
		qsort(*ret, *ret_n, sizeof(**ret), cmp_known);
	return rc;
}

/* A set of hashes: sorted when looked in, grown as the poll goes. */
struct hset {
	int64_t	*v;
	size_t	 n;
	bool	 sorted;
};

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
hset_add(struct hset *h, int64_t v)
{
	if (h->n % 32 == 0)
		h->v = xreallocarray(h->v, h->n + 32, sizeof(*h->v));
	h->v[h->n++] = v;
	h->sorted = false;
}

static bool
hset_has(struct hset *h, int64_t v)
{
	if (h->n == 0)
		return false;
	if (!h->sorted) {
		qsort(h->v, h->n, sizeof(*h->v), cmp_i64);
		h->sorted = true;
	}
	return bsearch(&v, h->v, h->n, sizeof(v), cmp_i64) != NULL;
}

/*
 * What the identity ladder asks of an item the poll's keys did not find,
 * asked for all of them in one statement: which of their keys and link +
 * title hashes are a pruned entry's (seen), and which link + title hashes
 * an entry of the feed has (a reissue). An entry stored by this poll adds
 * its own link + title to the second set.
 */
struct prior {
	struct hset seen;
	struct hset lt;
};

static int
prior_load(struct pg_store *s, int64_t feed_id, struct store_prepared *p,
    const struct feed_entry *e, const bool *usable,
    const struct known *known, size_t nknown, size_t n, struct prior *ret)
{
	static const struct pg_sql sql = {
	    "SELECT hash, false FROM seen"
	    " WHERE feed_id = $1 AND hash = ANY ($2::bigint[])"
	    " UNION ALL SELECT DISTINCT lt_hash, true FROM entries"
	    " WHERE feed_id = $1 AND lt_hash = ANY ($3::bigint[])" };
	struct pg_params pp = { 0 };
	struct known key;
	struct buf hashes, lts;
	PGresult *r;
	size_t i;
	int j;

	buf_init(&hashes);
	buf_init(&lts);
	buf_putc(&hashes, '{');
	buf_putc(&lts, '{');
	for (i = 0; i < n; i++) {
		key.key_hash = p[i].key_hash;
		if (!usable[i] || (nknown > 0 && bsearch(&key, known, nknown,
		    sizeof(key), cmp_known) != NULL))
			continue;
		store_prepare_link(&e[i], &p[i]);
		buf_printf(&hashes, "%s%" PRId64, hashes.len > 1 ? "," : "",
		    p[i].key_hash);
		if (!p[i].has_lt)
			continue;
		buf_printf(&hashes, ",%" PRId64, p[i].lt_hash);
		buf_printf(&lts, "%s%" PRId64, lts.len > 1 ? "," : "",
		    p[i].lt_hash);
	}
	buf_putc(&hashes, '}');
	buf_putc(&lts, '}');
	if (hashes.len == 2) {
		r = NULL;	/* every key known: nothing to ask */
		goto out;
	}
	pg_p_int(&pp, feed_id);
	pg_p_text(&pp, hashes.data);
	pg_p_text(&pp, lts.data);
	if ((r = pg_run(s, &sql, &pp, "looking up a poll's new entries")) ==
	    NULL) {
		buf_free(&hashes);
		buf_free(&lts);
		return -1;
	}
	for (j = 0; j < PQntuples(r); j++)
		hset_add(pg_col_bool(r, j, 1) ? &ret->lt : &ret->seen,
		    pg_col_int(r, j, 0));
	PQclear(r);
out:
	buf_free(&hashes);
	buf_free(&lts);
	return 0;
}

static void
prior_clear(struct prior *pr)
{
	free(pr->seen.v);
	free(pr->lt.v);
}

/* The sink hears the words of what is indexed, as the index cut them. */
static int
sink_token(void *arg, const char *tok, size_t len)
{
	const struct store_token_sink *sink = arg;

	sink->token(sink->arg, tok, (int)len);
	return 0;
}

/* A text's words to the sink, from the tokens cut ahead if any. */
static void
sink_made(struct pg_store *s, const char *text, size_t len,
    const unsigned char *tokens, size_t tokens_len)
{
	if (text != NULL && s->sink != NULL && s->sink->token != NULL &&
	    s->sink->begin != NULL)
		store_tokenize_made(s->tok, text, len, tokens, tokens_len,
		    sink_token, s->sink);
}

static void
sink_text(struct pg_store *s, const char *text)
{
	sink_made(s, text, text != NULL ? strlen(text) : 0, NULL, 0);
}

/*
 * Parameters $3.. of the insert and the update: the entry's fields and
 * its full-text document. An update keeps the first fetch's time and
 * takes now as the entry's updated (a change the store saw). The
 * document comes from the text made ahead (made) if there is one. *doc
 * is freed by the caller.
 */
static int
fields(struct pg_store *s, struct pg_params *pp, const struct feed_entry *e,
    const struct store_prepared *p, const struct store_index_text *made,
    int64_t now, bool update, struct buf text[2], char **doc)
{
	if (made != NULL)
		*doc = pg_fts_made_document(s->tok, e->title, made, e->author);
	else
		*doc = pg_fts_entry_document(s->tok, e->title, e->summary,
		    e->content, e->author, &text[0], &text[1]);
	if (*doc == NULL)
		return pg_fail(s, "indexing an entry", "the tokenizer failed");
	sink_text(s, e->title);
	if (made != NULL) {
		sink_made(s, made->summary, made->summary_len,
		    made->summary_tokens, made->summary_tokens_len);
		sink_made(s, made->content, made->content_len,
		    made->content_tokens, made->content_tokens_len);
	} else {
		sink_text(s, text[0].data);
		sink_text(s, text[1].data);
	}
	sink_text(s, e->author);
	pg_p_int(pp, p->content_hash);
	if (p->has_lt)
		pg_p_int(pp, p->lt_hash);
	else
		pg_p_text(pp, NULL);
	pg_p_text(pp, e->id);
	pg_p_text(pp, e->title);
	pg_p_text(pp, e->link);
	pg_p_text(pp, p->norm_link);
	/*
	 * The entry's date: an item dated only by dc:date or <updated> is
	 * listed by that date, never by when it was fetched.
	 */
	pg_p_time(pp, feed_entry_date(e));
	if (update)
		pg_p_int(pp, now);
	else {
		pg_p_time(pp, e->updated);
		pg_p_int(pp, now);
	}
	pg_p_text(pp, e->author);
	pg_p_text(pp, e->summary);
	pg_p_text(pp, e->content);
	pg_p_text(pp, p->categories);
	pg_p_text(pp, p->enclosures);
	pg_p_text(pp, *doc);
	return 0;
}

enum outcome { OUT_NEW, OUT_UPDATED, OUT_UNCHANGED, OUT_REISSUED };

static int
ingest_one(struct pg_store *s, int64_t feed_id, const struct feed_entry *e,
    struct store_prepared *p, const struct store_index_text *made,
    const struct known *k, struct prior *pr, int64_t now, struct buf text[2],
    enum outcome *out, int64_t *ret_id)
{
	static const struct pg_sql sql_insert = {
	    "INSERT INTO entries(feed_id, key_hash, content_hash, lt_hash,"
	    " guid, title, link, norm_link, published, updated, fetched,"
	    " author, summary, content, categories, enclosures, fts)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
	    " $13, $14, $15, $16, $17::tsvector)"
	    " ON CONFLICT (feed_id, key_hash) DO NOTHING RETURNING id" };
	static const struct pg_sql sql_update = {
	    "UPDATE entries SET content_hash = $3, lt_hash = $4, guid = $5,"
	    " title = $6, link = $7, norm_link = $8, published = $9,"
	    " updated = $10, author = $11, summary = $12, content = $13,"
	    " categories = $14, enclosures = $15, fts = $16::tsvector"
	    " WHERE id = $1 AND feed_id = $2" };
	struct pg_params pp = { 0 };
	char *doc = NULL;
	int found, rc = -1;
	int64_t id = 0;

	if (k != NULL && k->content_hash == p->content_hash) {
		*out = OUT_UNCHANGED;
		return 0;
	}
	if (k == NULL) {
		if (hset_has(&pr->seen, p->key_hash)) {
			*out = OUT_UNCHANGED;
			return 0;
		}
		store_prepare_link(e, p);
		/*
		 * Some feeds give every item a new guid on every poll: an
		 * unknown key with a known link + title is such a reissue.
		 */
		if (p->has_lt && (hset_has(&pr->lt, p->lt_hash) ||
		    hset_has(&pr->seen, p->lt_hash))) {
			*out = OUT_REISSUED;
			return 0;
		}
	} else
		store_prepare_link(e, p);
	if (!p->complete) {
		p->categories = store_categories_json(e);
		p->enclosures = store_enclosures_json(e);
	}
	pg_p_int(&pp, k != NULL ? k->id : feed_id);
	pg_p_int(&pp, k != NULL ? feed_id : p->key_hash);
	if (fields(s, &pp, e, p, made, now, k != NULL, text, &doc) == -1)
		goto out;
	if (k == NULL) {
		if ((found = pg_int(s, &sql_insert, &pp, "storing an entry",
		    &id)) == -1)
			goto out;
		/* Another worker stored it first: it is theirs. */
		*out = found ? OUT_NEW : OUT_UNCHANGED;
		if (found)
			pg_changed(s, STORE_CHANGED_ENTRIES);
		/* A later item of this poll with its link + title reissues it. */
		if (found && p->has_lt)
			hset_add(&pr->lt, p->lt_hash);
		*ret_id = id;
	} else {
		if (pg_exec(s, &sql_update, &pp, "updating an entry",
		    NULL) == -1)
			goto out;
		*out = OUT_UPDATED;
	}
	rc = 0;
out:
	free(doc);
	return rc;
}

static int
feed_doc(struct pg_store *s, int64_t feed_id, const struct feed_header *h)
{
	/* No write when nothing changed: most polls. */
	static const struct pg_sql sql = {
	    "UPDATE feeds SET doc_title = $2, site_link = $3"
	    " WHERE id = $1 AND (doc_title IS DISTINCT FROM $2"
	    " OR site_link IS DISTINCT FROM $3)" };
	struct pg_params p = { 0 };

	pg_p_int(&p, feed_id);
	pg_p_text(&p, h->title);
	pg_p_text(&p, h->link);
	return pg_exec(s, &sql, &p, "updating a feed's title", NULL);
}

static int
count_add(struct pg_store *s, int64_t feed_id, int64_t delta)
{
	static const struct pg_sql sql = {
	    "UPDATE feeds SET entry_count = entry_count + $2 WHERE id = $1" };
	struct pg_params p = { 0 };

	pg_p_int(&p, feed_id);
	pg_p_int(&p, delta);
	return pg_exec(s, &sql, &p, "counting entries", NULL);
}

static void
note_new(struct store_ingest_result *r, int64_t id)
{
	if (r->new_count % 32 == 0)
		r->new_ids = xreallocarray(r->new_ids, r->new_count + 32,
		    sizeof(*r->new_ids));
	r->new_ids[r->new_count++] = id;
	if (r->first_new_id == 0)
		r->first_new_id = id;
	r->last_new_id = id;
}

int
pg_store_ingest(struct pg_store *s, int64_t feed_id,
    const struct feed_header *h, const struct feed_entry *entries,
    struct store_index_text *made, size_t n, struct store_ingest_result *ret)
{
	struct store_ingest_result r = { 0 };
	struct store_prepared *p = xcalloc(n + 1, sizeof(*p));
	bool *usable = xcalloc(n + 1, sizeof(*usable));
	struct known *known = NULL, key, *k;
	struct prior prior = { 0 };
	size_t nknown = 0, i;
	/* Scratch for the summary's and the content's text. */
	struct buf text[2];
	enum outcome out;
	int64_t now = pg_now(s), id;
	int rc = -1;

	memset(ret, 0, sizeof(*ret));
	buf_init(&text[0]);
	buf_init(&text[1]);
	for (i = 0; i < n; i++) {
		if (made != NULL && made[i].keys != NULL) {
			/* Made ahead: its strings are p[i]'s now. */
			p[i] = *made[i].keys;
			free(made[i].keys);
			made[i].keys = NULL;
			usable[i] = true;
		} else if (!(usable[i] = store_prepare_keys(&entries[i],
		    &p[i])))
			r.skipped++;
	}
	if (pg_begin(s) == -1)
		goto done;
	if (s->sink != NULL && s->sink->begin != NULL)
		s->sink->begin(s->sink->arg);
	if (h != NULL && feed_doc(s, feed_id, h) == -1)
		goto fail;
	if (n > r.skipped && (known_load(s, feed_id, p, usable, n, &known,
	    &nknown) == -1 || prior_load(s, feed_id, p, entries, usable, known,
	    nknown, n, &prior) == -1))
		goto fail;
	/* Oldest first, so that the newest item gets the highest id. */
	for (i = n; i-- > 0;) {
		if (!usable[i])
			continue;
		key.key_hash = p[i].key_hash;
		k = nknown > 0 ? bsearch(&key, known, nknown, sizeof(key),
		    cmp_known) : NULL;
		id = 0;
		if (ingest_one(s, feed_id, &entries[i], &p[i], made != NULL ?
		    &made[i] : NULL, k, &prior, now, text, &out, &id) == -1)
			goto fail;
		switch (out) {
		case OUT_NEW:
			note_new(&r, id);
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
		}
	}
	if (r.new_count > 0 && count_add(s, feed_id,
	    (int64_t)r.new_count) == -1)
		goto fail;
	if (pg_commit(s) == -1)
		goto done;
	/* PostgreSQL's index took each row as it was written. */
	if (r.new_count > 0 && s->sink != NULL && s->sink->indexed != NULL)
		s->sink->indexed(s->sink->arg, feed_id, r.new_ids,
		    r.new_count);
	if (r.skipped > 0)
		log_debug("store: feed %lld: %zu entries without id, link, "
		    "title or text, skipped", (long long)feed_id, r.skipped);
	*ret = r;
	memset(&r, 0, sizeof(r));
	rc = 0;
	goto done;
fail:
	pg_rollback(s);
done:
	free(r.new_ids);
	for (i = 0; i < n; i++)
		store_prepared_clear(&p[i]);
	free(p);
	free(usable);
	free(known);
	prior_clear(&prior);
	buf_free(&text[0]);
	buf_free(&text[1]);
	return rc;
}

/* ---- documents made again ---- */

#define REFRESH_BATCH	500

/* v as an element of an array literal: quoted, '"' and '\\' escaped. */
static void
array_text(struct buf *b, const char *v)
{
	buf_putc(b, b->len > 1 ? ',' : '{');
	buf_putc(b, '"');
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			buf_putc(b, '\\');
		buf_putc(b, *v);
	}
	buf_putc(b, '"');
}

/*
 * The documents of entries after *last, up to REFRESH_BATCH, written by
 * one statement (a round trip per entry took most of the time). 0 / -1.
 */
static int
refresh_batch(struct pg_store *s, int64_t *last, int *ret_n,
    struct buf text[2])
{
	static const struct pg_sql sql_rows = {
	    "SELECT id, title, summary, content, author FROM entries"
	    " WHERE id > $1 ORDER BY id LIMIT $2" };
	static const struct pg_sql sql_set = {
	    "UPDATE entries AS e SET fts = v.doc::tsvector"
	    " FROM unnest($1::bigint[], $2::text[]) AS v(id, doc)"
	    " WHERE e.id = v.id" };
	struct pg_params p = { 0 };
	struct buf ids, docs;
	PGresult *r;
	char *doc;
	int i, n, rc = -1;

	if (pg_begin(s) == -1)
		return -1;
	pg_p_int(&p, *last);
	pg_p_int(&p, REFRESH_BATCH);
	if ((r = pg_run(s, &sql_rows, &p, "reading entries to index")) ==
	    NULL)
		goto fail;
	n = PQntuples(r);
	buf_init(&ids);
	buf_init(&docs);
	buf_putc(&ids, '{');
	for (i = 0; i < n; i++) {
		*last = pg_col_int(r, i, 0);
		doc = pg_fts_entry_document(s->tok, pg_col_view(r, i, 1),
		    pg_col_view(r, i, 2), pg_col_view(r, i, 3),
		    pg_col_view(r, i, 4), &text[0], &text[1]);
		if (doc == NULL) {
			pg_fail(s, "indexing an entry", "the tokenizer failed");
			break;
		}
		buf_printf(&ids, "%s%" PRId64, i > 0 ? "," : "", *last);
		array_text(&docs, doc);
		free(doc);
	}
	PQclear(r);
	buf_putc(&ids, '}');
	buf_puts(&docs, n > 0 ? "}" : "{}");
	if (i == n && n > 0) {
		p.n = 0;
		pg_p_text(&p, ids.data);
		pg_p_text(&p, docs.data);
		rc = pg_exec(s, &sql_set, &p, "indexing entries", NULL);
	} else if (n == 0)
		rc = 0;
	buf_free(&ids);
	buf_free(&docs);
	if (rc == -1)
		goto fail;
	*ret_n = n;
	return pg_commit(s);
fail:
	pg_rollback(s);
	return -1;
}

int
pg_store_fts_refresh(struct pg_store *s)
{
	static const struct pg_sql sql_version = {
	    "SELECT value::bigint FROM meta WHERE key = '" PG_FTS_DOC_KEY
	    "'" };
	static const struct pg_sql sql_done = {
	    "INSERT INTO meta(key, value) VALUES ('" PG_FTS_DOC_KEY "', $1)"
	    " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value" };
	const int64_t want = PG_FTS_DOC_VERSION * 1000 + HTMLTEXT_VERSION;
	struct pg_params p = { 0 };
	struct buf text[2];
	int64_t have = 0, last = 0, done = 0;
	int n = 0, rc = 0;

	if (pg_int(s, &sql_version, NULL, "reading the index's version",
	    &have) == -1)
		return -1;
	if (have == want)
		return 0;
	buf_init(&text[0]);
	buf_init(&text[1]);
	do {
		if ((rc = refresh_batch(s, &last, &n, text)) == -1)
			break;
		if ((done += n) > 0 && done % 100000 < REFRESH_BATCH && n > 0)
			log_notice("store: %s: %lld entries indexed again",
			    s->shown, (long long)done);
	} while (n == REFRESH_BATCH);
	buf_free(&text[0]);
	buf_free(&text[1]);
	if (rc == -1)
		return -1;
	if (done > 0)
		log_notice("store: %s: the full-text index was made again "
		    "(%lld entries): summaries are indexed as text, and "
		    "not at all when they lead the content",
		    s->shown, (long long)done);
	pg_p_int(&p, want);
	return pg_exec(s, &sql_done, &p, "noting the index's version", NULL);
}
