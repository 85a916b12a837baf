/*
 * pg_store_feed: subscriptions, poll outcomes, the poll log and
 * reconciling feedd.conf's feeds, on PostgreSQL (as store_feed.c).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pg_store.h"
#include "pg_store_int.h"
#include "store_reconcile.h"
#include "xmalloc.h"

/* The columns feed_read() reads, in its order (store_feed.c's). */
#define FEED_COLS \
	"id, url, COALESCE(user_title, doc_title), site_link, config_name," \
	" origin, interval_s, cur_interval_s, etag, last_modified," \
	" body_hash, next_poll, last_poll, last_success, error_count," \
	" last_error, state, redirect_url, redirect_count," \
	" retry_after_until, entry_count, created, category, repairs," \
	" repair_note, (SELECT lease_until FROM websub w" \
	" WHERE w.feed_id = feeds.id AND w.state <> 'unsubscribing'" \
	" AND w.state = 'active')," \
	" interval_note, interval_base_s, interval_base_note," \
	" interval_hint_s"

static enum store_origin
origin_of(const PGresult *r, int i, int col)
{
	return strcmp(PQgetvalue(r, i, col), "config") == 0 ?
	    STORE_ORIGIN_CONFIG : STORE_ORIGIN_API;
}

static void
feed_read(const PGresult *r, int i, void *row)
{
	struct store_feed *f = row;
	int state;

	f->id = pg_col_int(r, i, 0);
	f->url = pg_col_dup(r, i, 1);
	f->title = pg_col_dup(r, i, 2);
	f->site_link = pg_col_dup(r, i, 3);
	f->config_name = pg_col_dup(r, i, 4);
	f->origin = origin_of(r, i, 5);
	f->interval_s = pg_col_int(r, i, 6);
	f->cur_interval_s = pg_col_int(r, i, 7);
	f->etag = pg_col_dup(r, i, 8);
	f->last_modified = pg_col_dup(r, i, 9);
	f->body_hash = pg_col_dup(r, i, 10);
	f->next_poll = pg_col_int(r, i, 11);
	f->last_poll = pg_col_int(r, i, 12);
	f->last_success = pg_col_int(r, i, 13);
	f->error_count = pg_col_int(r, i, 14);
	f->last_error = pg_col_dup(r, i, 15);
	state = store_feed_state_from_name(PQgetvalue(r, i, 16));
	f->state = state < 0 ? STORE_FEED_NEW : (enum store_feed_state)state;
	f->redirect_url = pg_col_dup(r, i, 17);
	f->redirect_count = pg_col_int(r, i, 18);
	f->retry_after_until = pg_col_int(r, i, 19);
	f->entry_count = pg_col_int(r, i, 20);
	f->created = pg_col_int(r, i, 21);
	f->category = pg_col_dup(r, i, 22);
	f->repairs = pg_col_int(r, i, 23);
	f->repair_note = pg_col_dup(r, i, 24);
	f->push_until = pg_col_int(r, i, 25);
	f->interval_note = pg_col_dup(r, i, 26);
	f->interval_base_s = pg_col_int(r, i, 27);
	f->interval_base_note = pg_col_dup(r, i, 28);
	f->interval_hint_s = pg_col_int(r, i, 29);
}

static int
feed_by(struct pg_store *s, const struct pg_sql *q, struct pg_params *p,
    struct store_feed *ret)
{
	return pg_one_row(s, q, p, sizeof(*ret), feed_read, ret,
	    "reading a feed");
}

int
pg_store_feed_get(struct pg_store *s, int64_t id, struct store_feed *ret)
{
	static const struct pg_sql sql = {
	    "SELECT " FEED_COLS " FROM feeds WHERE id = $1" };
	struct pg_params p = { 0 };

	pg_p_int(&p, id);
	return feed_by(s, &sql, &p, ret);
}

int
pg_store_feed_get_by_url(struct pg_store *s, const char *url,
    struct store_feed *ret)
{
	static const struct pg_sql sql = {
	    "SELECT " FEED_COLS " FROM feeds WHERE url = $1" };
	struct pg_params p = { 0 };

	pg_p_text(&p, url);
	return feed_by(s, &sql, &p, ret);
}

static int
feed_get_by_name(struct pg_store *s, const char *name,
    struct store_feed *ret)
{
	static const struct pg_sql sql = {
	    "SELECT " FEED_COLS " FROM feeds WHERE config_name = $1" };
	struct pg_params p = { 0 };

	pg_p_text(&p, name);
	return feed_by(s, &sql, &p, ret);
}

int
pg_store_feed_list(struct pg_store *s, struct store_feed **ret,
    size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT " FEED_COLS " FROM feeds ORDER BY id" };

	return pg_all_rows(s, &sql, NULL, sizeof(**ret), feed_read,
	    (void **)ret, ret_n, "listing feeds");
}

static void
feed_read_brief(const PGresult *r, int i, void *row)
{
	struct store_feed *f = row;

	f->id = pg_col_int(r, i, 0);
	f->url = pg_col_dup(r, i, 1);
	f->title = pg_col_dup(r, i, 2);
	f->site_link = pg_col_dup(r, i, 3);
	f->origin = origin_of(r, i, 4);
	f->category = pg_col_dup(r, i, 5);
	f->last_success = pg_col_int(r, i, 6);
}

int
pg_store_feed_list_brief(struct pg_store *s, struct store_feed **ret,
    size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT id, url, COALESCE(user_title, doc_title), site_link,"
	    " origin, category, last_success FROM feeds ORDER BY id" };

	return pg_all_rows(s, &sql, NULL, sizeof(**ret), feed_read_brief,
	    (void **)ret, ret_n, "listing feeds");
}

int
pg_store_feeds_last_poll(struct pg_store *s, int64_t *ret)
{
	static const struct pg_sql sql = {
	    "SELECT COALESCE(max(last_poll), 0) FROM feeds" };

	return pg_int(s, &sql, NULL, "reading the last poll", ret) == -1 ?
	    -1 : 0;
}

/*
 * Adds a feed unless its URL is taken: 0 and the new id, 1 and the id
 * of the feed that has it (another worker may have added it meanwhile).
 */
static int
feed_insert(struct pg_store *s, const char *url, const char *title,
    enum store_origin origin, int64_t interval_s, const char *name,
    const char *category, int64_t *ret_id)
{
	static const struct pg_sql sql = {
	    "INSERT INTO feeds(url, user_title, origin, interval_s,"
	    " config_name, created, category)"
	    " VALUES ($1, $2, $3, $4, $5, $6, $7)"
	    " ON CONFLICT (url) DO NOTHING RETURNING id" };
	static const struct pg_sql sql_id = {
	    "SELECT id FROM feeds WHERE url = $1" };
	struct pg_params p = { 0 };
	int rc;

	pg_p_text(&p, url);
	pg_p_text(&p, title);
	pg_p_text(&p, store_origin_name(origin));
	pg_p_int(&p, interval_s);
	pg_p_text(&p, name);
	pg_p_int(&p, pg_now(s));
	pg_p_text(&p, category);
	if ((rc = pg_int(s, &sql, &p, "adding a feed", ret_id)) != 0) {
		if (rc == 1)
			pg_changed(s, STORE_CHANGED_FEEDS);
		return rc == 1 ? 0 : -1;
	}
	p.n = 1;
	if ((rc = pg_int(s, &sql_id, &p, "adding a feed", ret_id)) != 1)
		return rc == 0 ? pg_fail(s, "adding a feed",
		    "its URL is taken and free at once") : -1;
	return 1;
}

int
pg_store_feed_add(struct pg_store *s, const char *url, const char *title,
    const char *category, int64_t interval_s, int64_t *ret_id)
{
	*ret_id = 0;
	return feed_insert(s, url, title, STORE_ORIGIN_API, interval_s, NULL,
	    category, ret_id);
}

int
pg_store_feed_change(struct pg_store *s, int64_t id,
    const struct store_feed_change *c)
{
	static const struct pg_sql sql = {
	    "UPDATE feeds SET"
	    " user_title = CASE WHEN $2 THEN $3 ELSE user_title END,"
	    " category = CASE WHEN $4 THEN $5 ELSE category END"
	    " WHERE id = $1" };
	struct pg_params p = { 0 };
	int64_t n;

	pg_p_int(&p, id);
	pg_p_bool(&p, c->set_title);
	pg_p_text(&p, c->title);
	pg_p_bool(&p, c->set_category);
	pg_p_text(&p, c->category);
	if (pg_exec(s, &sql, &p, "changing a feed", &n) == -1)
		return -1;
	return n > 0;
}

/* Deletes a feed inside the caller's transaction. 1 / 0 / -1. */
static int
feed_delete(struct pg_store *s, int64_t id)
{
	static const struct pg_sql sql_seen = {
	    "DELETE FROM seen WHERE feed_id = $1" };
	static const struct pg_sql sql = {
	    "DELETE FROM feeds WHERE id = $1" };
	struct pg_params p = { 0 };
	int64_t n;

	pg_p_int(&p, id);
	if (pg_exec(s, &sql_seen, &p, "removing a feed's seen keys",
	    NULL) == -1)
		return -1;
	/* Entries, their matches and the poll log go by ON DELETE CASCADE. */
	if (pg_exec(s, &sql, &p, "removing a feed", &n) == -1)
		return -1;
	if (n > 0)
		pg_changed(s, STORE_CHANGED_FEEDS);
	return n > 0;
}

int
pg_store_feed_remove(struct pg_store *s, int64_t id)
{
	int rc;

	if (pg_begin(s) == -1)
		return -1;
	if ((rc = feed_delete(s, id)) == -1) {
		pg_rollback(s);
		return -1;
	}
	return pg_commit(s) == -1 ? -1 : rc;
}

int
pg_store_feed_set_next_poll(struct pg_store *s, int64_t id, int64_t when)
{
	static const struct pg_sql sql = {
	    "UPDATE feeds SET next_poll = $2 WHERE id = $1" };
	struct pg_params p = { 0 };
	int64_t n;

	pg_p_int(&p, id);
	pg_p_int(&p, when);
	if (pg_exec(s, &sql, &p, "planning a poll", &n) == -1)
		return -1;
	return n > 0;
}

int
pg_store_feed_set_plan(struct pg_store *s, int64_t id, int64_t when,
    int64_t interval_s, const char *note)
{
	static const struct pg_sql sql = {
	    "UPDATE feeds SET next_poll = $2, cur_interval_s = $3,"
	    " interval_note = $4 WHERE id = $1" };
	struct pg_params p = { 0 };
	int64_t n;

	pg_p_int(&p, id);
	pg_p_int(&p, when);
	pg_p_int(&p, interval_s);
	pg_p_text(&p, note);
	if (pg_exec(s, &sql, &p, "planning a poll", &n) == -1)
		return -1;
	return n > 0;
}

int
pg_store_entry_feed(struct pg_store *s, int64_t entry_id, int64_t *ret)
{
	static const struct pg_sql sql = {
	    "SELECT feed_id FROM entries WHERE id = $1" };
	struct pg_params p = { 0 };

	pg_p_int(&p, entry_id);
	return pg_int(s, &sql, &p, "finding an entry's feed", ret);
}

int
pg_store_topic_burst_feeds(struct pg_store *s, int64_t topic_id,
    int64_t history_since, int64_t quiet_since, int64_t news_id,
    int64_t now, int64_t polled_before, size_t max, int64_t **ret,
    size_t *ret_n)
{
	static const struct pg_sql quiet = {
	    "SELECT count(*) FROM topic_matches WHERE topic_id = $1"
	    " AND matched >= $2 AND entry_id < $3" };
	static const struct pg_sql feeds = {
	    "SELECT m.feed_id FROM topic_matches m"
	    " JOIN feeds f ON f.id = m.feed_id"
	    " WHERE m.topic_id = $1 AND m.matched >= $2 AND m.matched < $3"
	    " AND f.state = 'ok' AND f.retry_after_until <= $5"
	    " AND f.last_poll < $7"
	    " AND NOT EXISTS (SELECT 1 FROM websub w"
	    "   WHERE w.feed_id = m.feed_id AND w.state <> 'unsubscribing'"
	    "   AND w.state = 'active' AND w.lease_until > $5)"
	    " AND NOT EXISTS (SELECT 1 FROM topic_matches r"
	    "   WHERE r.topic_id = $1 AND r.feed_id = m.feed_id"
	    "   AND r.entry_id >= $4)"
	    " GROUP BY m.feed_id ORDER BY max(m.matched) DESC LIMIT $6" };
	struct pg_params p = { 0 };
	int64_t n;

	*ret = NULL;
	*ret_n = 0;
	pg_p_int(&p, topic_id);
	pg_p_int(&p, quiet_since);
	pg_p_int(&p, news_id);
	if (pg_int(s, &quiet, &p, "reading a topic's recent matches",
	    &n) == -1)
		return -1;
	if (n > 0)
		return 0;	/* not the first match in a while */
	p.n = 0;
	pg_p_int(&p, topic_id);
	pg_p_int(&p, history_since);
	pg_p_int(&p, quiet_since);
	pg_p_int(&p, news_id);
	pg_p_int(&p, now);
	pg_p_int(&p, (int64_t)max);
	pg_p_int(&p, polled_before);
	return pg_all_rows(s, &feeds, &p, sizeof(**ret), pg_read_int64,
	    (void **)ret, ret_n, "listing the feeds that carried a topic");
}

int
pg_store_feed_topic_hits(struct pg_store *s, int64_t id, int64_t since,
    int64_t **ret, size_t *ret_n, int64_t *ret_topics)
{
	/* The topics' count with the hits, in one round trip. */
	static const struct pg_sql sql = {
	    "SELECT (SELECT count(*) FROM topics), h.fetched"
	    " FROM (SELECT 1) one LEFT JOIN (SELECT max(e.fetched) AS fetched"
	    "  FROM topic_matches m JOIN entries e ON e.id = m.entry_id"
	    "  WHERE m.feed_id = $1 AND m.matched >= $2 AND e.fetched >= $2"
	    "  GROUP BY m.entry_id) h ON true ORDER BY 2" };
	struct pg_params p = { 0 };
	PGresult *r;
	int i, rows;

	*ret = NULL;
	*ret_n = 0;
	*ret_topics = 0;
	pg_p_int(&p, id);
	pg_p_int(&p, since);
	if ((r = pg_run(s, &sql, &p, "listing a feed's topic matches")) ==
	    NULL)
		return -1;
	rows = PQntuples(r);
	if (rows > 0)
		*ret_topics = pg_col_int(r, 0, 0);
	*ret = xreallocarray(NULL, rows > 0 ? (size_t)rows : 1,
	    sizeof(**ret));
	for (i = 0; i < rows; i++)
		if (!PQgetisnull(r, i, 1))
			(*ret)[(*ret_n)++] = pg_col_int(r, i, 1);
	PQclear(r);
	if (*ret_n == 0) {
		free(*ret);
		*ret = NULL;
	}
	return 0;
}

/* A confirmed move, in a savepoint: the new URL may be subscribed. */
static int
feed_move(struct pg_store *s, int64_t feed_id, const char *url)
{
	static const struct pg_sql sql = {
	    "UPDATE feeds SET url = $2, redirect_url = NULL,"
	    " redirect_count = 0 WHERE id = $1"
	    " AND NOT EXISTS (SELECT 1 FROM feeds WHERE url = $2)" };
	struct pg_params p = { 0 };
	int64_t n = 0;

	pg_p_int(&p, feed_id);
	pg_p_text(&p, url);
	if (pg_begin(s) == -1)
		return -1;
	if (pg_exec(s, &sql, &p, "moving a feed", &n) == -1) {
		pg_rollback(s);
		n = 0;
	} else {
		if (n > 0)
			pg_changed(s, STORE_CHANGED_FEEDS);
		if (pg_commit(s) == -1)
			return -1;
	}
	if (n == 0)
		log_warnx("store: feed %lld: cannot move to '%s': it is "
		    "subscribed already, keeping the old URL",
		    (long long)feed_id, url);
	return 0;
}

int
pg_store_feed_poll_done(struct pg_store *s, int64_t feed_id,
    const struct store_poll_result *r)
{
	/*
	 * One statement: the feed's row, its poll_log row and the log's
	 * trim (the trim does not see the row being added: it keeps one
	 * fewer), so a poll's record is one round trip. The counts say
	 * whether the feed was there.
	 */
	static const struct pg_sql sql = {
	    "WITH upd AS (UPDATE feeds SET"
	    " etag = COALESCE($1, etag),"
	    " last_modified = COALESCE($2, last_modified),"
	    " body_hash = COALESCE($3, body_hash),"
	    " last_poll = $4,"
	    " last_success = CASE WHEN $5::text IS NULL THEN $4"
	    " ELSE last_success END,"
	    " error_count = CASE WHEN $5::text IS NULL THEN 0"
	    " ELSE error_count + 1 END,"
	    " last_error = $5, state = $6, next_poll = $7, cur_interval_s = $8,"
	    " redirect_url = $9, redirect_count = $10, retry_after_until = $11,"
	    " repairs = CASE WHEN $13 THEN $14 ELSE repairs END,"
	    " repair_note = CASE WHEN $13 THEN $15 ELSE repair_note END,"
	    " interval_note = $16,"
	    " interval_base_s = CASE WHEN $17 > 0 THEN $17"
	    " ELSE interval_base_s END,"
	    " interval_base_note = CASE WHEN $17 > 0 THEN $18"
	    " ELSE interval_base_note END,"
	    " interval_hint_s = CASE WHEN $17 > 0 THEN $19"
	    " ELSE interval_hint_s END,"
	    /* The poll is recorded: our lease on the feed ends with it. */
	    " lease_owner = CASE WHEN lease_owner = $20 THEN NULL"
	    " ELSE lease_owner END,"
	    " lease_until = CASE WHEN lease_owner = $20 THEN 0"
	    " ELSE lease_until END"
	    " WHERE id = $12 RETURNING id),"
	    " log AS (INSERT INTO poll_log(feed_id, time, http_status, bytes,"
	    "  new_entries, duration_ms, error)"
	    "  SELECT id, $4, $21, $22, $23, $24, $5 FROM upd),"
	    " trim AS (DELETE FROM poll_log WHERE feed_id = $12"
	    "  AND EXISTS (SELECT 1 FROM upd) AND id <= (SELECT id"
	    "  FROM poll_log WHERE feed_id = $12 ORDER BY id DESC"
	    "  LIMIT 1 OFFSET $25))"
	    " SELECT count(*) FROM upd" };
	struct pg_params p = { 0 };
	int64_t started = r->started != 0 ? r->started : pg_now(s), n;
	bool move = r->new_url != NULL;

	pg_p_text(&p, r->etag);
	pg_p_text(&p, r->last_modified);
	pg_p_text(&p, r->body_hash);
	pg_p_int(&p, started);
	pg_p_text(&p, r->error);
	pg_p_text(&p, store_feed_state_name(r->state));
	pg_p_int(&p, r->next_poll);
	pg_p_int(&p, r->cur_interval_s);
	pg_p_text(&p, r->redirect_url);
	pg_p_int(&p, r->redirect_count);
	pg_p_int(&p, r->retry_after_until);
	pg_p_int(&p, feed_id);
	pg_p_bool(&p, r->set_repairs);
	pg_p_int(&p, r->repairs);
	pg_p_text(&p, r->repairs > 0 ? r->repair_note : NULL);
	pg_p_text(&p, r->interval_note);
	pg_p_int(&p, r->interval_base_s);
	pg_p_text(&p, r->interval_base_note);
	pg_p_int(&p, r->interval_hint_s);
	pg_p_text(&p, s->worker != NULL ? s->worker : "");
	pg_p_int(&p, r->http_status);
	pg_p_int(&p, r->bytes);
	pg_p_int(&p, r->new_entries);
	pg_p_int(&p, r->duration_ms);
	pg_p_int(&p, STORE_POLL_LOG_PER_FEED - 1);
	/*
	 * A statement on its own is all or nothing; a move, whose new URL
	 * may be taken, goes with it in a transaction (a savepoint inside a
	 * group).
	 */
	if (move && pg_begin(s) == -1)
		return -1;
	if (pg_int(s, &sql, &p, "recording a poll", &n) != 1)
		goto fail;
	if (n == 0) {
		/* Removed while the poll ran: nothing to record. */
		if (move)
			pg_rollback(s);
		return 0;
	}
	if (!move)
		return 0;
	if (feed_move(s, feed_id, r->new_url) == -1)
		goto fail;
	return pg_commit(s);
fail:
	if (move)
		pg_rollback(s);
	return -1;
}

static void
poll_log_read(const PGresult *r, int i, void *row)
{
	struct store_poll_log *l = row;

	l->time = pg_col_int(r, i, 0);
	l->http_status = (int)pg_col_int(r, i, 1);
	l->bytes = pg_col_int(r, i, 2);
	l->new_entries = pg_col_int(r, i, 3);
	l->duration_ms = pg_col_int(r, i, 4);
	l->error = pg_col_dup(r, i, 5);
}

int
pg_store_poll_log_list(struct pg_store *s, int64_t feed_id, size_t limit,
    struct store_poll_log **ret, size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT time, http_status, bytes, new_entries, duration_ms, error"
	    " FROM poll_log WHERE feed_id = $1 ORDER BY id DESC LIMIT $2" };
	struct pg_params p = { 0 };

	pg_p_int(&p, feed_id);
	pg_p_int(&p, limit == 0 ? STORE_POLL_LOG_PER_FEED : (int64_t)limit);
	return pg_all_rows(s, &sql, &p, sizeof(**ret), poll_log_read,
	    (void **)ret, ret_n, "reading the poll log");
}

/* ---- reconcile (store_reconcile.h: the rule; here, the statements) ---- */

static int
rc_begin(void *s)
{
	return pg_begin(s);
}

static int
rc_commit(void *s)
{
	return pg_commit(s);
}

static void
rc_rollback(void *s)
{
	pg_rollback(s);
}

static int
rc_by_id(void *s, int64_t id, struct store_feed *ret)
{
	return pg_store_feed_get(s, id, ret);
}

static int
rc_by_name(void *s, const char *name, struct store_feed *ret)
{
	return feed_get_by_name(s, name, ret);
}

static int
rc_by_url(void *s, const char *url, struct store_feed *ret)
{
	return pg_store_feed_get_by_url(s, url, ret);
}

static int
rc_insert(void *s, const struct store_config_feed *cf, int64_t *ret_id)
{
	return feed_insert(s, cf->url, cf->title, STORE_ORIGIN_CONFIG,
	    cf->interval_s, cf->name, cf->category, ret_id);
}

static int
rc_config_set(void *s, int64_t id, const struct store_config_feed *cf)
{
	static const struct pg_sql sql = {
	    "UPDATE feeds SET config_name = $2, origin = 'config',"
	    " user_title = $3, interval_s = $4, category = $5 WHERE id = $1" };
	struct pg_params p = { 0 };

	pg_p_int(&p, id);
	pg_p_text(&p, cf->name);
	pg_p_text(&p, cf->title);
	pg_p_int(&p, cf->interval_s);
	pg_p_text(&p, cf->category);
	return pg_exec(s, &sql, &p, "updating a configured feed", NULL);
}

/* A configured feed now at another URL starts over (fresh validators). */
static int
rc_new_url(void *s, int64_t id, const char *url)
{
	static const struct pg_sql sql = {
	    "UPDATE feeds SET url = $2, etag = NULL, last_modified = NULL,"
	    " body_hash = NULL, state = 'new', next_poll = 0, error_count = 0,"
	    " last_error = NULL, redirect_url = NULL, redirect_count = 0,"
	    " retry_after_until = 0, repairs = 0, repair_note = NULL"
	    " WHERE id = $1" };
	struct pg_params p = { 0 };

	pg_p_int(&p, id);
	pg_p_text(&p, url);
	pg_changed(s, STORE_CHANGED_FEEDS);
	return pg_exec(s, &sql, &p, "changing a feed's URL", NULL);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The configured feeds no longer named: removed with their entries. */
static int
rc_drop_unnamed(void *arg, const struct store_config_feed *feeds,
    size_t n, size_t *ret_removed)
{
	static const struct pg_sql sql = {
	    "SELECT id, config_name FROM feeds WHERE origin = 'config'" };
	struct pg_store *s = arg;
	const char **names = xcalloc(n + 1, sizeof(*names));
	PGresult *r;
	size_t j;
	int i, rc = 0;

	*ret_removed = 0;
	for (j = 0; j < n; j++)
		names[j] = feeds[j].name;
	qsort(names, n, sizeof(*names), cmp_str);
	if ((r = pg_run(s, &sql, NULL, "listing configured feeds")) == NULL) {
		free(names);
		return -1;
	}
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		const char *name = PQgetvalue(r, i, 1);

		if (bsearch(&name, names, n, sizeof(*names), cmp_str) != NULL)
			continue;
		if ((rc = feed_delete(s, pg_col_int(r, i, 0))) == 1) {
			(*ret_removed)++;
			rc = 0;
		}
	}
	PQclear(r);
	free(names);
	return rc;
}

static const struct store_reconcile_ops reconcile_ops = {
	rc_begin, rc_commit, rc_rollback, rc_by_id, rc_by_name, rc_by_url,
	rc_insert, rc_config_set, rc_new_url, rc_drop_unnamed,
};

int
pg_store_feeds_reconcile(struct pg_store *s,
    const struct store_config_feed *feeds, size_t n,
    struct store_reconcile_result *ret)
{
	return store_reconcile_run(s, &reconcile_ops, feeds, n, ret);
}
