/*
 * pg_store_topic: topics, their matches and the cross-feed folding of
 * what a topic lists, on PostgreSQL (as store_topic.c).
 *
 * A topic's query is kept in FTS5's syntax and translated each time it
 * runs (pg_fts.h). The match count and the topic's read counts are kept
 * by the schema's triggers (pg_schema.c); several workers recording the
 * same match meet in the primary key (ON CONFLICT DO NOTHING).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "log.h"
#include "pg_fts.h"
#include "pg_store.h"
#include "pg_store_int.h"
#include "store_keys.h"
#include "xmalloc.h"

#define TOPIC_COLS \
	"t.id, t.name, t.query, t.origin, t.notify, t.created, t.match_count," \
	" t.feed_ids, t.category, t.notify_dropped"

static void
topic_read(const PGresult *r, int i, void *row)
{
	struct store_topic *t = row;

	t->id = pg_col_int(r, i, 0);
	t->name = pg_col_dup(r, i, 1);
	t->query = pg_col_dup(r, i, 2);
	t->origin = strcmp(PQgetvalue(r, i, 3), "config") == 0 ?
	    STORE_ORIGIN_CONFIG : STORE_ORIGIN_API;
	t->notify = pg_col_dup(r, i, 4);
	t->created = pg_col_int(r, i, 5);
	t->match_count = pg_col_int(r, i, 6);
	store_topic_feed_ids_read(t, pg_col_view(r, i, 7));
	t->category = pg_col_dup(r, i, 8);
	t->notify_dropped = pg_col_dup(r, i, 9);
}

int
pg_store_fts_check(struct pg_store *s, const char *query, char *err,
    size_t errlen)
{
	char *tsquery = NULL;
	int rc;

	if (query == NULL || query[0] == '\0') {
		snprintf(err, errlen, "empty query");
		return STORE_EQUERY;
	}
	rc = pg_fts_query(s->tok, query, &tsquery, err, errlen);
	free(tsquery);
	return rc;
}

int
pg_store_topic_get(struct pg_store *s, int64_t id, struct store_topic *ret)
{
	static const struct pg_sql sql = {
	    "SELECT " TOPIC_COLS " FROM topics t WHERE t.id = $1" };
	struct pg_params p = { 0 };

	pg_p_int(&p, id);
	return pg_one_row(s, &sql, &p, sizeof(*ret), topic_read, ret,
	    "reading a topic");
}

int
pg_store_topic_get_by_name(struct pg_store *s, const char *name,
    struct store_topic *ret)
{
	static const struct pg_sql sql = {
	    "SELECT " TOPIC_COLS " FROM topics t WHERE t.name = $1" };
	struct pg_params p = { 0 };

	pg_p_text(&p, name);
	return pg_one_row(s, &sql, &p, sizeof(*ret), topic_read, ret,
	    "reading a topic");
}

int
pg_store_topic_list(struct pg_store *s, struct store_topic **ret,
    size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT " TOPIC_COLS " FROM topics t ORDER BY t.id" };

	return pg_all_rows(s, &sql, NULL, sizeof(**ret), topic_read,
	    (void **)ret, ret_n, "listing topics");
}

static void
topic_feed_read(const PGresult *r, int i, void *row)
{
	struct store_topic_feed *tf = row;

	tf->topic_id = pg_col_int(r, i, 0);
	tf->feed_id = pg_col_int(r, i, 1);
}

int
pg_store_topic_feeds(struct pg_store *s, struct store_topic_feed **ret,
    size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT DISTINCT topic_id, feed_id FROM topic_matches"
	    " WHERE NOT dup ORDER BY topic_id, feed_id" };

	return pg_all_rows(s, &sql, NULL, sizeof(**ret), topic_feed_read,
	    (void **)ret, ret_n, "listing the feeds of topics");
}

int
pg_store_topic_add(struct pg_store *s, const char *name, const char *query,
    const char *notify, const struct store_topic_subset *subset,
    enum store_origin origin, int64_t *ret_id, char *err, size_t errlen)
{
	static const struct pg_sql sql = {
	    "INSERT INTO topics(name, query, origin, notify, created,"
	    " feed_ids, category) VALUES ($1, $2, $3, $4, $5, $6, $7)"
	    " ON CONFLICT (name) DO NOTHING RETURNING id" };
	static const struct pg_sql sql_id = {
	    "SELECT id FROM topics WHERE name = $1" };
	struct pg_params p = { 0 };
	char *ids;
	int rc;

	*ret_id = 0;
	if (name == NULL || name[0] == '\0') {
		snprintf(err, errlen, "empty topic name");
		return STORE_EQUERY;
	}
	if ((rc = pg_store_fts_check(s, query, err, errlen)) != 0)
		return rc;
	ids = subset != NULL ? store_topic_feed_ids_text(subset->feed_ids,
	    subset->nfeed_ids) : NULL;
	pg_p_text(&p, name);
	pg_p_text(&p, query);
	pg_p_text(&p, store_origin_name(origin));
	pg_p_text(&p, notify);
	pg_p_int(&p, pg_now(s));
	pg_p_text(&p, ids);
	pg_p_text(&p, subset != NULL ? subset->category : NULL);
	rc = pg_int(s, &sql, &p, "adding a topic", ret_id);
	free(ids);
	if (rc == 1)
		pg_changed(s, STORE_CHANGED_TOPICS);
	if (rc != 0)
		return rc == 1 ? 0 : -1;
	/* The name is taken (maybe by another worker just now). */
	p.n = 1;
	return pg_int(s, &sql_id, &p, "adding a topic", ret_id) == 1 ? 1 : -1;
}

/* Inside the caller's transaction. */
static int
topic_set(struct pg_store *s, const struct store_topic *old,
    const char *query, const char *notify)
{
	/* A hook named: a dropped command's note has done its job. */
	static const struct pg_sql sql = {
	    "UPDATE topics SET query = $2, notify = $3,"
	    " notify_dropped = CASE WHEN $3::text IS NULL"
	    " THEN notify_dropped END WHERE id = $1" };
	static const struct pg_sql sql_clear = {
	    "DELETE FROM topic_matches WHERE topic_id = $1" };
	struct pg_params p = { 0 };

	pg_p_int(&p, old->id);
	pg_p_text(&p, query);
	pg_p_text(&p, notify);
	pg_changed(s, STORE_CHANGED_TOPICS);
	if (pg_exec(s, &sql, &p, "updating a topic", NULL) == -1)
		return -1;
	if (strcmp(old->query, query) == 0)
		return 0;
	/* Old matches answered another question. */
	p.n = 1;
	return pg_exec(s, &sql_clear, &p, "clearing a topic's matches", NULL);
}

int
pg_store_topic_update(struct pg_store *s, int64_t id, const char *query,
    const char *notify, char *err, size_t errlen)
{
	struct store_topic t;
	int rc;

	if ((rc = pg_store_fts_check(s, query, err, errlen)) != 0)
		return rc;
	if ((rc = pg_store_topic_get(s, id, &t)) != 1)
		return rc;
	if (pg_begin(s) == -1)
		goto fail;
	if (topic_set(s, &t, query, notify) == -1) {
		pg_rollback(s);
		goto fail;
	}
	store_topic_clear(&t);
	return pg_commit(s) == -1 ? -1 : 1;
fail:
	store_topic_clear(&t);
	return -1;
}

/* Inside the caller's transaction. 1 / 0 / -1. */
static int
topic_delete(struct pg_store *s, int64_t id)
{
	static const struct pg_sql sql_cursors = {
	    "DELETE FROM cursors WHERE topic_id = $1" };
	static const struct pg_sql sql = {
	    "DELETE FROM topics WHERE id = $1" };
	struct pg_params p = { 0 };
	int64_t n;

	pg_p_int(&p, id);
	if (pg_exec(s, &sql_cursors, &p, "removing a topic's cursors",
	    NULL) == -1)
		return -1;
	if (pg_exec(s, &sql, &p, "removing a topic", &n) == -1)
		return -1;
	if (n > 0)
		pg_changed(s, STORE_CHANGED_TOPICS);
	return n > 0;
}

int
pg_store_topic_remove(struct pg_store *s, int64_t id)
{
	int rc;

	if (pg_begin(s) == -1)
		return -1;
	if ((rc = topic_delete(s, id)) == -1) {
		pg_rollback(s);
		return -1;
	}
	return pg_commit(s) == -1 ? -1 : rc;
}

static int
reconcile_topic(struct pg_store *s, const struct store_config_topic *ct,
    struct store_reconcile_result *res, char *err, size_t errlen)
{
	/* A config topic's subset and notify are feedd.conf's. */
	static const struct pg_sql sql_adopt = {
	    "UPDATE topics SET origin = 'config', feed_ids = NULL,"
	    " category = NULL, notify_dropped = NULL WHERE id = $1" };
	struct pg_params p = { 0 };
	struct store_topic t;
	int64_t id;
	int rc, found;

	if ((rc = pg_store_fts_check(s, ct->query, err, errlen)) != 0) {
		if (rc == STORE_EQUERY) {
			char *why = xstrdup(err);

			snprintf(err, errlen, "topic '%s': %s", ct->name, why);
			free(why);
		}
		return rc;
	}
	if ((found = pg_store_topic_get_by_name(s, ct->name, &t)) == -1)
		return -1;
	if (!found) {
		rc = pg_store_topic_add(s, ct->name, ct->query, ct->notify,
		    NULL, STORE_ORIGIN_CONFIG, &id, err, errlen);
		if (rc == 0)
			res->added++;
		return rc == 1 ? 0 : rc;
	}
	rc = 0;
	if (t.origin == STORE_ORIGIN_CONFIG && strcmp(t.query, ct->query) == 0 &&
	    ((t.notify == NULL && ct->notify == NULL) || (t.notify != NULL &&
	    ct->notify != NULL && strcmp(t.notify, ct->notify) == 0))) {
		res->unchanged++;
		goto out;
	}
	res->updated++;
	if ((rc = topic_set(s, &t, ct->query, ct->notify)) == -1)
		goto out;
	pg_p_int(&p, t.id);
	rc = pg_exec(s, &sql_adopt, &p, "adopting a topic", NULL);
out:
	store_topic_clear(&t);
	return rc;
}

/* The configured topics no longer named: removed with their matches. */
static int
drop_unnamed(struct pg_store *s, const struct store_config_topic *topics,
    size_t n, size_t *ret_removed)
{
	static const struct pg_sql sql = {
	    "SELECT id, name FROM topics WHERE origin = 'config'" };
	PGresult *r;
	size_t j;
	int i, rc = 0;

	*ret_removed = 0;
	if ((r = pg_run(s, &sql, NULL, "listing configured topics")) == NULL)
		return -1;
	/* Topics are few: a plain search. */
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(topics[j].name, PQgetvalue(r, i, 1)) == 0)
				break;
		if (j < n)
			continue;
		if ((rc = topic_delete(s, pg_col_int(r, i, 0))) == 1) {
			(*ret_removed)++;
			rc = 0;
		}
	}
	PQclear(r);
	return rc;
}

int
pg_store_topics_reconcile(struct pg_store *s,
    const struct store_config_topic *topics, size_t n,
    struct store_reconcile_result *ret, char *err, size_t errlen)
{
	struct store_reconcile_result res = { 0 };
	size_t i;
	int rc = -1;

	if (pg_begin(s) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (topics[i].name == NULL || topics[i].query == NULL) {
			snprintf(err, errlen, "configured topic %zu has no "
			    "name or query", i);
			rc = STORE_EQUERY;
			goto fail;
		}
		if ((rc = reconcile_topic(s, &topics[i], &res, err,
		    errlen)) != 0)
			goto fail;
	}
	rc = -1;
	if (drop_unnamed(s, topics, n, &res.removed) == -1)
		goto fail;
	if (pg_commit(s) == -1)
		return -1;
	if (ret != NULL)
		*ret = res;
	return 0;
fail:
	pg_rollback(s);
	return rc;
}

/* ---- matching ---- */

struct found {
	int64_t	 id;
	int64_t	 feed_id;
	char	*norm_link;
	char	*title;
	int64_t	 when;		/* published, else fetched */
};

int
pg_match_original(struct pg_store *s, int64_t topic_id, int64_t feed_id,
    bool has_norm, int64_t norm_hash, bool has_title, int64_t title_key,
    int64_t when, int64_t *ret)
{
	/* The entries known by the key (schema step 4), then the topic's. */
	static const struct pg_sql sql_link = {
	    "SELECT k.entry_id FROM match_keys k JOIN topic_matches m"
	    " ON m.topic_id = $1 AND m.entry_id = k.entry_id"
	    " WHERE k.norm_hash = $2 AND k.feed_id <> $3 AND NOT m.dup"
	    " ORDER BY k.entry_id LIMIT 1" };
	static const struct pg_sql sql_title = {
	    "SELECT k.entry_id FROM match_keys k JOIN topic_matches m"
	    " ON m.topic_id = $1 AND m.entry_id = k.entry_id"
	    " WHERE k.title_key = $2 AND k.feed_id <> $3 AND NOT m.dup"
	    " AND k.published BETWEEN $4::bigint - $5::bigint"
	    " AND $4::bigint + $5::bigint"
	    " ORDER BY k.entry_id LIMIT 1" };
	struct pg_params p = { 0 };
	int rc;

	*ret = 0;
	pg_p_int(&p, topic_id);
	pg_p_int(&p, norm_hash);
	pg_p_int(&p, feed_id);
	if (has_norm && (rc = pg_int(s, &sql_link, &p, "checking a match",
	    ret)) != 0)
		return rc;
	if (!has_title)
		return 0;
	p.n = 0;
	pg_p_int(&p, topic_id);
	pg_p_int(&p, title_key);
	pg_p_int(&p, feed_id);
	pg_p_int(&p, when);
	pg_p_int(&p, STORE_TITLE_DUP_WINDOW_S);
	return pg_int(s, &sql_title, &p, "checking a match", ret);
}

/*
 * Entry copy_id was folded into original_id's story: it joins the story
 * and takes on each user's state of it (store_state_fold's rule).
 */
static int
state_fold(struct pg_store *s, int64_t copy_id, int64_t original_id)
{
	static const struct pg_sql sql_story = {
	    "UPDATE entries SET story_id = (SELECT COALESCE(o.story_id, o.id)"
	    " FROM entries o WHERE o.id = $2) WHERE id = $1"
	    " AND story_id IS NULL AND id <> $2" };
	/* The copy takes the story's state; what it had of its own stays. */
	static const struct pg_sql sql_copy = {
	    "INSERT INTO entry_state(user_id, entry_id, feed_id, read,"
	    " starred, read_changed, starred_changed)"
	    " SELECT u.user_id, $1, (SELECT feed_id FROM entries"
	    " WHERE id = $1), u.read, u.starred, u.read_changed,"
	    " u.starred_changed FROM entry_state u WHERE u.entry_id = $2"
	    " AND (u.read OR u.starred)"
	    " ON CONFLICT (entry_id, user_id) DO NOTHING" };
	struct pg_params p = { 0 };

	pg_p_int(&p, copy_id);
	pg_p_int(&p, original_id);
	if (pg_exec(s, &sql_story, &p, "folding a copy into its story",
	    NULL) == -1)
		return -1;
	return pg_exec(s, &sql_copy, &p, "giving a copy its story's state",
	    NULL);
}

/* Records one match inside the caller's transaction. 1 listed, 0, -1. */
static int
match_add(struct pg_store *s, int64_t topic_id, const struct found *f,
    int64_t now)
{
	/* A new match keys its entry, once (one round trip for both). */
	static const struct pg_sql sql = {
	    "WITH m AS (INSERT INTO topic_matches(topic_id, entry_id,"
	    " feed_id, dup, matched) VALUES ($1, $2, $3, $5, $6)"
	    " ON CONFLICT (topic_id, entry_id) DO NOTHING RETURNING entry_id),"
	    " k AS (INSERT INTO match_keys(entry_id, feed_id, norm_hash,"
	    " title_key, published) SELECT entry_id, $3::bigint, $4::bigint,"
	    " $7::bigint, $8::bigint FROM m"
	    " ON CONFLICT (entry_id) DO NOTHING)"
	    " SELECT count(*) FROM m" };
	struct pg_params p = { 0 };
	int64_t norm_hash = 0, title_key = 0, original, n;
	bool has_norm = false, has_title;
	int dup;

	if (f->norm_link != NULL) {
		norm_hash = store_match_norm_hash(f->norm_link);
		has_norm = true;
	}
	has_title = f->title != NULL && store_title_key(f->title,
	    strlen(f->title), &title_key);
	if ((dup = pg_match_original(s, topic_id, f->feed_id, has_norm,
	    norm_hash, has_title, title_key, f->when, &original)) == -1)
		return -1;
	pg_p_int(&p, topic_id);
	pg_p_int(&p, f->id);
	pg_p_int(&p, f->feed_id);
	if (has_norm)
		pg_p_int(&p, norm_hash);
	else
		pg_p_text(&p, NULL);
	pg_p_bool(&p, dup != 0);
	pg_p_int(&p, now);
	if (has_title)
		pg_p_int(&p, title_key);
	else
		pg_p_text(&p, NULL);
	pg_p_int(&p, f->when);
	if (pg_int(s, &sql, &p, "recording a match", &n) == -1)
		return -1;
	if (n == 0)
		return 0;
	/* A folded copy is read and starred with its story. */
	if (dup && state_fold(s, f->id, original) == -1)
		return -1;
	return !dup;
}

int
pg_store_topic_match(struct pg_store *s, int64_t topic_id, int64_t min_id,
    int64_t max_id, int64_t **ret_ids, size_t *ret_n, char *err,
    size_t errlen)
{
	static const struct pg_sql sql_query = {
	    "SELECT query FROM topics WHERE id = $1" };
	static const struct pg_sql sql_find = {
	    "SELECT e.id, e.feed_id, e.norm_link, e.title,"
	    " COALESCE(e.published, e.fetched) FROM entries e"
	    " WHERE e.fts @@ $1::tsquery AND e.id BETWEEN $2 AND $3"
	    " ORDER BY e.id" };
	struct pg_params p = { 0 };
	struct found f;
	int64_t *ids = NULL, now = pg_now(s);
	size_t n = 0;
	char *query = NULL, *tsquery = NULL;
	PGresult *r = NULL, *qr;
	int i, rc, added;

	if (ret_ids != NULL)
		*ret_ids = NULL;
	if (ret_n != NULL)
		*ret_n = 0;
	/* A topic removed meanwhile matches nothing. */
	pg_p_int(&p, topic_id);
	if ((qr = pg_run(s, &sql_query, &p, "reading a topic")) == NULL)
		return -1;
	if (PQntuples(qr) > 0)
		query = pg_col_dup(qr, 0, 0);
	PQclear(qr);
	if (query == NULL)
		return 0;
	rc = pg_fts_query(s->tok, query, &tsquery, err, errlen);
	free(query);
	if (rc != 0)
		return rc;
	if (tsquery[0] == '\0') {
		free(tsquery);
		return 0;
	}
	/* Inside a caller's batch this is a savepoint: fails on its own. */
	if (pg_begin(s) == -1) {
		free(tsquery);
		return -1;
	}
	rc = -1;
	p.n = 0;
	pg_p_text(&p, tsquery);
	pg_p_int(&p, min_id);
	pg_p_int(&p, max_id);
	if ((r = pg_run(s, &sql_find, &p, "matching a topic")) == NULL)
		goto out;
	for (i = 0; i < PQntuples(r); i++) {
		f.id = pg_col_int(r, i, 0);
		f.feed_id = pg_col_int(r, i, 1);
		f.norm_link = pg_col_view(r, i, 2);
		f.title = pg_col_view(r, i, 3);
		f.when = pg_col_int(r, i, 4);
		if ((added = match_add(s, topic_id, &f, now)) == -1)
			goto out;
		if (added == 1) {
			ids = xreallocarray(ids, n + 1, sizeof(*ids));
			ids[n++] = f.id;
		}
	}
	if (pg_commit(s) == -1)
		goto done;
	rc = (int)n;
	if (ret_ids != NULL) {
		*ret_ids = ids;
		ids = NULL;
	}
	if (ret_n != NULL)
		*ret_n = n;
	goto done;
out:
	pg_rollback(s);
done:
	PQclear(r);
	free(ids);
	free(tsquery);
	return rc;
}
