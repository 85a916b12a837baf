/*
 * pg_store_prune: retention on PostgreSQL (as store_prune.c): small
 * batches, each its own short transaction; a pruned entry's key (and its
 * link + title) moves to the seen table, so an item the feed still
 * carries never comes back as new.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "pg_store.h"
#include "pg_store_int.h"
#include "xmalloc.h"

#define DEFAULT_BATCH	500
#define DEFAULT_MIN	50

/*
 * Never pruned: an entry a topic lists, fetched since the topic
 * retention's cutoff ($3), and an entry anyone starred.
 */
#define PROTECTED \
	"((EXISTS (SELECT 1 FROM topic_matches m WHERE m.entry_id = e.id" \
	" AND NOT m.dup) AND e.fetched >= $3) OR EXISTS (SELECT 1" \
	" FROM entry_state x WHERE x.entry_id = e.id AND x.starred))"

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Appends the first column of q's rows to ids (at most max in all). */
static int
collect(struct pg_store *s, const struct pg_sql *q,
    const struct pg_params *p, int64_t *ids, size_t *n, size_t max)
{
	PGresult *r = pg_run(s, q, p, "choosing entries to prune");
	int i;

	if (r == NULL)
		return -1;
	for (i = 0; i < PQntuples(r) && *n < max; i++)
		ids[(*n)++] = pg_col_int(r, i, 0);
	PQclear(r);
	return 0;
}

/* The victims' keys to seen, their feeds' counts down, then them. */
static int
drop_all(struct pg_store *s, const int64_t *ids, size_t n)
{
	static const struct pg_sql sql_seen = {
	    "INSERT INTO seen(feed_id, hash)"
	    " SELECT feed_id, key_hash FROM entries WHERE id = ANY ($1::bigint[])"
	    " UNION SELECT feed_id, lt_hash FROM entries"
	    " WHERE id = ANY ($1::bigint[]) AND lt_hash IS NOT NULL"
	    " ON CONFLICT DO NOTHING" };
	static const struct pg_sql sql_count = {
	    "UPDATE feeds f SET entry_count = f.entry_count - x.n"
	    " FROM (SELECT feed_id, count(*) AS n FROM entries"
	    " WHERE id = ANY ($1::bigint[]) GROUP BY feed_id) x"
	    " WHERE f.id = x.feed_id" };
	static const struct pg_sql sql_delete = {
	    "DELETE FROM entries WHERE id = ANY ($1::bigint[])" };
	struct pg_params p = { 0 };
	struct buf text;
	size_t i;
	int rc;

	buf_init(&text);
	buf_putc(&text, '{');
	for (i = 0; i < n; i++)
		buf_printf(&text, "%s%" PRId64, i > 0 ? "," : "", ids[i]);
	buf_putc(&text, '}');
	pg_p_text(&p, text.data);
	rc = pg_exec(s, &sql_seen, &p, "remembering pruned keys", NULL) ==
	    -1 || pg_exec(s, &sql_count, &p, "counting entries", NULL) == -1 ||
	    pg_exec(s, &sql_delete, &p, "pruning entries", NULL) == -1 ?
	    -1 : 0;
	buf_free(&text);
	return rc;
}

int
pg_store_prune(struct pg_store *s, const struct store_retention *r,
    size_t batch, size_t *ret_pruned)
{
	/* Feeds over $1 entries, in id order: their oldest beyond it. */
	static const struct pg_sql sql_over = {
	    "SELECT v.id FROM feeds f CROSS JOIN LATERAL"
	    " (SELECT e.id FROM entries e WHERE e.feed_id = f.id"
	    " AND e.id <= (SELECT id FROM entries WHERE feed_id = f.id"
	    " ORDER BY id DESC LIMIT 1 OFFSET $1)"
	    " AND NOT " PROTECTED " ORDER BY e.id LIMIT $2) v"
	    " WHERE f.entry_count > $1 ORDER BY f.id, v.id LIMIT $2" };
	/* Fetched before $1, beyond their feed's newest $4, at most $2. */
	static const struct pg_sql sql_aged = {
	    "SELECT e.id FROM entries e WHERE e.fetched < $1"
	    " AND e.id <= (SELECT id FROM entries WHERE feed_id = e.feed_id"
	    " ORDER BY id DESC LIMIT 1 OFFSET $4)"
	    " AND NOT " PROTECTED " ORDER BY e.id LIMIT $2" };
	struct pg_params p = { 0 };
	int64_t *ids, now = pg_now(s), topic_cutoff, min_keep;
	size_t max = batch == 0 ? DEFAULT_BATCH : batch, n = 0, i, pruned = 0;

	if (ret_pruned != NULL)
		*ret_pruned = 0;
	ids = xcalloc(max, sizeof(*ids));
	min_keep = r->min_entries_per_feed > 0 ? r->min_entries_per_feed :
	    DEFAULT_MIN;
	/* Entries a topic lists stay until the topic retention says. */
	if (r->topic_max_age_s > 0)
		topic_cutoff = now - r->topic_max_age_s;
	else if (r->max_age_s > 0)
		topic_cutoff = now - r->max_age_s;
	else
		topic_cutoff = INT64_MIN;
	if (pg_begin(s) == -1) {
		free(ids);
		return -1;
	}
	if (r->max_entries_per_feed > 0) {
		pg_p_int(&p, r->max_entries_per_feed);
		pg_p_int(&p, (int64_t)max);
		pg_p_int(&p, topic_cutoff);
		if (collect(s, &sql_over, &p, ids, &n, max) == -1)
			goto fail;
	}
	if (r->max_age_s > 0 && n < max) {
		p.n = 0;
		pg_p_int(&p, now - r->max_age_s);
		pg_p_int(&p, (int64_t)(max - n));
		pg_p_int(&p, topic_cutoff);
		/* Only entries older than the feed's min_keep newest. */
		pg_p_int(&p, min_keep);
		if (collect(s, &sql_aged, &p, ids, &n, max) == -1)
			goto fail;
	}
	/* Both passes may have picked the same entry. */
	qsort(ids, n, sizeof(*ids), cmp_id);
	for (i = 0; i < n; i++)
		if (pruned == 0 || ids[i] != ids[pruned - 1])
			ids[pruned++] = ids[i];
	if (pruned > 0 && drop_all(s, ids, pruned) == -1)
		goto fail;
	free(ids);
	if (pg_commit(s) == -1)
		return -1;
	if (ret_pruned != NULL)
		*ret_pruned = pruned;
	if (pruned > 0)
		log_debug("store: pruned %zu entries", pruned);
	return n == max;
fail:
	pg_rollback(s);
	free(ids);
	return -1;
}
