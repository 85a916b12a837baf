/*
 * store_feed: subscriptions, poll outcomes, the poll log and reconciling
 * the feeds named in feedd.conf.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_reconcile.h"
#include "store_sqlite.h"
#include "xmalloc.h"

/*
 * The columns feed_read() reads, in its order. The lease is found by
 * websub_feed, a partial index (state <> 'unsubscribing'): SQLite uses
 * one only when the query names its condition, and without it every
 * feed of a list read the whole websub table (220 s of CPU to start
 * with 100,000 feeds and as many subscriptions; bench/README.md).
 */
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

static void
feed_read(sqlite3_stmt *st, void *row)
{
	struct store_feed *f = row;
	const char *origin = (const char *)sqlite3_column_text(st, 5);
	int state;

	f->id = sqlite3_column_int64(st, 0);
	f->url = store_col_dup(st, 1);
	f->title = store_col_dup(st, 2);
	f->site_link = store_col_dup(st, 3);
	f->config_name = store_col_dup(st, 4);
	f->origin = origin != NULL && strcmp(origin, "config") == 0 ?
	    STORE_ORIGIN_CONFIG : STORE_ORIGIN_API;
	f->interval_s = sqlite3_column_int64(st, 6);
	f->cur_interval_s = sqlite3_column_int64(st, 7);
	f->etag = store_col_dup(st, 8);
	f->last_modified = store_col_dup(st, 9);
	f->body_hash = store_col_dup(st, 10);
	f->next_poll = sqlite3_column_int64(st, 11);
	f->last_poll = sqlite3_column_int64(st, 12);
	f->last_success = sqlite3_column_int64(st, 13);
	f->error_count = sqlite3_column_int64(st, 14);
	f->last_error = store_col_dup(st, 15);
	state = store_feed_state_from_name(
	    (const char *)sqlite3_column_text(st, 16));
	f->state = state < 0 ? STORE_FEED_NEW : (enum store_feed_state)state;
	f->redirect_url = store_col_dup(st, 17);
	f->redirect_count = sqlite3_column_int64(st, 18);
	f->retry_after_until = sqlite3_column_int64(st, 19);
	f->entry_count = sqlite3_column_int64(st, 20);
	f->created = sqlite3_column_int64(st, 21);
	f->category = store_col_dup(st, 22);
	f->repairs = sqlite3_column_int64(st, 23);
	f->repair_note = store_col_dup(st, 24);
	f->push_until = sqlite3_column_int64(st, 25);
	f->interval_note = store_col_dup(st, 26);
	f->interval_base_s = sqlite3_column_int64(st, 27);
	f->interval_base_note = store_col_dup(st, 28);
	f->interval_hint_s = sqlite3_column_int64(st, 29);
}

static void
feed_clear(void *row)
{
	store_feed_clear(row);
}

void
store_feed_clear(struct store_feed *f)
{
	if (f == NULL)
		return;
	free(f->url);
	free(f->title);
	free(f->site_link);
	free(f->config_name);
	free(f->etag);
	free(f->last_modified);
	free(f->body_hash);
	free(f->last_error);
	free(f->redirect_url);
	free(f->category);
	free(f->repair_note);
	free(f->interval_note);
	free(f->interval_base_note);
	memset(f, 0, sizeof(*f));
}

void
store_feed_list_free(struct store_feed *feeds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		store_feed_clear(&feeds[i]);
	free(feeds);
}

static int
feed_lookup(struct sqlite_store *s, sqlite3_stmt *st, struct store_feed *ret)
{
	return store_one_row(s, st, sizeof(*ret), feed_read, ret,
	    "reading a feed");
}

int
sqlite_store_feed_get(struct sqlite_store *s, int64_t id,
    struct store_feed *ret)
{
	static const struct store_sql sql = { ST_FEED_GET,
	    "SELECT " FEED_COLS " FROM feeds WHERE id = ?" };

	return feed_lookup(s, store_bound_id(s, &sql, id), ret);
}

int
sqlite_store_feed_get_by_url(struct sqlite_store *s, const char *url,
    struct store_feed *ret)
{
	static const struct store_sql sql = { ST_FEED_GET_BY_URL,
	    "SELECT " FEED_COLS " FROM feeds WHERE url = ?" };

	return feed_lookup(s, store_bound_text(s, &sql, url), ret);
}

static int
feed_get_by_name(struct sqlite_store *s, const char *name,
    struct store_feed *ret)
{
	static const struct store_sql sql = { ST_FEED_GET_BY_NAME,
	    "SELECT " FEED_COLS " FROM feeds WHERE config_name = ?" };

	return feed_lookup(s, store_bound_text(s, &sql, name), ret);
}

int
sqlite_store_feed_list(struct sqlite_store *s, struct store_feed **ret,
    size_t *ret_n)
{
	static const struct store_sql sql = { ST_FEED_LIST,
	    "SELECT " FEED_COLS " FROM feeds ORDER BY id" };

	return store_all_rows(s, store_stmt(s, &sql), sizeof(**ret),
	    feed_read, feed_clear, (void **)ret, ret_n, "listing feeds");
}

static void
feed_read_brief(sqlite3_stmt *st, void *row)
{
	struct store_feed *f = row;
	const char *origin = (const char *)sqlite3_column_text(st, 4);

	f->id = sqlite3_column_int64(st, 0);
	f->url = store_col_dup(st, 1);
	f->title = store_col_dup(st, 2);
	f->site_link = store_col_dup(st, 3);
	f->origin = origin != NULL && strcmp(origin, "config") == 0 ?
	    STORE_ORIGIN_CONFIG : STORE_ORIGIN_API;
	f->category = store_col_dup(st, 5);
	f->last_success = sqlite3_column_int64(st, 6);
}

int
sqlite_store_feed_list_brief(struct sqlite_store *s, struct store_feed **ret,
    size_t *ret_n)
{
	static const struct store_sql sql = { ST_FEED_LIST_BRIEF,
	    "SELECT id, url, COALESCE(user_title, doc_title), site_link,"
	    " origin, category, last_success FROM feeds ORDER BY id" };

	return store_all_rows(s, store_stmt(s, &sql), sizeof(**ret),
	    feed_read_brief, feed_clear, (void **)ret, ret_n, "listing feeds");
}

int
sqlite_store_feeds_last_poll(struct sqlite_store *s, int64_t *ret)
{
	static const struct store_sql sql = { ST_FEED_LAST_POLL,
	    "SELECT COALESCE(max(last_poll), 0) FROM feeds" };

	*ret = 0;
	return store_one_row(s, store_stmt(s, &sql), sizeof(*ret),
	    store_read_int64, ret, "reading the last poll") == -1 ? -1 : 0;
}

static int
feed_insert(struct sqlite_store *s, const char *url, const char *title,
    enum store_origin origin, int64_t interval_s, const char *name,
    const char *category, int64_t *ret_id)
{
	static const struct store_sql sql = { ST_FEED_ADD,
	    "INSERT INTO feeds(url, user_title, origin, interval_s,"
	    " config_name, created, category)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" };
	sqlite3_stmt *st = store_stmt(s, &sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, title, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, store_origin_name(origin), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, interval_s);
	sqlite3_bind_text(st, 5, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, store_now(s));
	sqlite3_bind_text(st, 7, category, -1, SQLITE_STATIC);
	if (store_exec(s, st, "adding a feed") == -1)
		return -1;
	*ret_id = sqlite3_last_insert_rowid(s->db);
	return 0;
}

int
sqlite_store_feed_add(struct sqlite_store *s, const char *url,
    const char *title,
    const char *category, int64_t interval_s, int64_t *ret_id)
{
	struct store_feed f;
	int found;

	*ret_id = 0;
	if ((found = sqlite_store_feed_get_by_url(s, url, &f)) == -1)
		return -1;
	if (found) {
		*ret_id = f.id;
		store_feed_clear(&f);
		return 1;
	}
	return feed_insert(s, url, title, STORE_ORIGIN_API, interval_s, NULL,
	    category, ret_id);
}

int
sqlite_store_feed_change(struct sqlite_store *s, int64_t id,
    const struct store_feed_change *c)
{
	static const struct store_sql sql = { ST_FEED_CHANGE,
	    "UPDATE feeds SET"
	    " user_title = CASE WHEN ?2 THEN ?3 ELSE user_title END,"
	    " category = CASE WHEN ?4 THEN ?5 ELSE category END"
	    " WHERE id = ?1" };
	sqlite3_stmt *st = store_stmt(s, &sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, c->set_title);
	sqlite3_bind_text(st, 3, c->title, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, c->set_category);
	sqlite3_bind_text(st, 5, c->category, -1, SQLITE_STATIC);
	if (store_exec(s, st, "changing a feed") == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

/* Deletes a feed inside the caller's transaction. 1 / 0 / -1. */
static int
feed_delete(struct sqlite_store *s, int64_t id)
{
	static const struct store_sql sql_seen = { ST_FEED_REMOVE_SEEN,
	    "DELETE FROM seen WHERE feed_id = ?" };
	static const struct store_sql sql = { ST_FEED_REMOVE,
	    "DELETE FROM feeds WHERE id = ?" };

	if (store_exec_id(s, &sql_seen, id,
	    "removing a feed's seen keys") == -1)
		return -1;
	/* Entries, their matches and the poll log go by ON DELETE CASCADE. */
	if (store_exec_id(s, &sql, id, "removing a feed") == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
sqlite_store_feed_remove(struct sqlite_store *s, int64_t id)
{
	return store_in_tx(s, feed_delete, id);
}

int
sqlite_store_feed_set_next_poll(struct sqlite_store *s, int64_t id,
    int64_t when)
{
	static const struct store_sql sql = { ST_FEED_NEXT_POLL,
	    "UPDATE feeds SET next_poll = ?2 WHERE id = ?1" };
	sqlite3_stmt *st = store_stmt(s, &sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, when);
	if (store_exec(s, st, "planning a poll") == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
sqlite_store_feed_set_plan(struct sqlite_store *s, int64_t id, int64_t when,
    int64_t interval_s, const char *note)
{
	static const struct store_sql sql = { ST_FEED_SET_PLAN,
	    "UPDATE feeds SET next_poll = ?2, cur_interval_s = ?3,"
	    " interval_note = ?4 WHERE id = ?1" };
	sqlite3_stmt *st = store_bound_id(s, &sql, id);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 2, when);
	sqlite3_bind_int64(st, 3, interval_s);
	sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
	if (store_exec(s, st, "planning a poll") == -1)
		return -1;
	return sqlite3_changes(s->db) > 0;
}

int
sqlite_store_entry_feed(struct sqlite_store *s, int64_t entry_id, int64_t *ret)
{
	static const struct store_sql sql = { ST_ENTRY_FEED,
	    "SELECT feed_id FROM entries WHERE id = ?" };

	return store_one_row(s, store_bound_id(s, &sql, entry_id),
	    sizeof(*ret), store_read_int64, ret, "finding an entry's feed");
}

int
store_feed_count_add(struct sqlite_store *s, int64_t feed_id, int64_t delta)
{
	static const struct store_sql sql = { ST_FEED_COUNT_ADD,
	    "UPDATE feeds SET entry_count = entry_count + ?2 WHERE id = ?1" };
	sqlite3_stmt *st = store_bound_id(s, &sql, feed_id);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 2, delta);
	return store_exec(s, st, "counting entries");
}

static int
poll_log_add(struct sqlite_store *s, int64_t feed_id, int64_t started,
    const struct store_poll_result *r)
{
	static const struct store_sql sql = { ST_POLL_LOG_ADD,
	    "INSERT INTO poll_log(feed_id, time, http_status, bytes,"
	    " new_entries, duration_ms, error)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)" };
	/* Keeps the newest ?2 rows of feed ?1. */
	static const struct store_sql sql_trim = { ST_POLL_LOG_TRIM,
	    "DELETE FROM poll_log WHERE feed_id = ?1 AND"
	    " id <= (SELECT id FROM poll_log WHERE feed_id = ?1"
	    " ORDER BY id DESC LIMIT 1 OFFSET ?2)" };
	sqlite3_stmt *st;

	if ((st = store_stmt(s, &sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, feed_id);
	sqlite3_bind_int64(st, 2, started);
	sqlite3_bind_int(st, 3, r->http_status);
	sqlite3_bind_int64(st, 4, r->bytes);
	sqlite3_bind_int64(st, 5, r->new_entries);
	sqlite3_bind_int64(st, 6, r->duration_ms);
	sqlite3_bind_text(st, 7, r->error, -1, SQLITE_STATIC);
	if (store_exec(s, st, "logging a poll") == -1)
		return -1;
	if ((st = store_stmt(s, &sql_trim)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, feed_id);
	sqlite3_bind_int(st, 2, STORE_POLL_LOG_PER_FEED);
	return store_exec(s, st, "trimming the poll log");
}

int
sqlite_store_topic_burst_feeds(struct sqlite_store *s, int64_t topic_id,
    int64_t history_since, int64_t quiet_since, int64_t news_id,
    int64_t now, int64_t polled_before, size_t max, int64_t **ret,
    size_t *ret_n)
{
	static const struct store_sql quiet = { ST_TOPIC_BURST_QUIET,
	    "SELECT count(*) FROM topic_matches WHERE topic_id = ?1"
	    " AND matched >= ?2 AND entry_id < ?3" };
	static const struct store_sql feeds = { ST_TOPIC_BURST_FEEDS,
	    "SELECT m.feed_id FROM topic_matches m"
	    " JOIN feeds f ON f.id = m.feed_id"
	    " WHERE m.topic_id = ?1 AND m.matched >= ?2 AND m.matched < ?3"
	    " AND f.state = 'ok' AND f.retry_after_until <= ?5"
	    " AND f.last_poll < ?7"
	    " AND NOT EXISTS (SELECT 1 FROM websub w"
	    "   WHERE w.feed_id = m.feed_id AND w.state <> 'unsubscribing'"
	    "   AND w.state = 'active' AND w.lease_until > ?5)"
	    " AND NOT EXISTS (SELECT 1 FROM topic_matches r"
	    "   WHERE r.topic_id = ?1 AND r.feed_id = m.feed_id"
	    "   AND r.entry_id >= ?4)"
	    " GROUP BY m.feed_id ORDER BY max(m.matched) DESC LIMIT ?6" };
	sqlite3_stmt *st;
	int64_t n = 0;

	*ret = NULL;
	*ret_n = 0;
	if ((st = store_bound_id(s, &quiet, topic_id)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 2, quiet_since);
	sqlite3_bind_int64(st, 3, news_id);
	if (store_one_row(s, st, sizeof(n), store_read_int64, &n,
	    "reading a topic's recent matches") == -1)
		return -1;
	if (n > 0)
		return 0;	/* not the first match in a while */
	if ((st = store_bound_id(s, &feeds, topic_id)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 2, history_since);
	sqlite3_bind_int64(st, 3, quiet_since);
	sqlite3_bind_int64(st, 4, news_id);
	sqlite3_bind_int64(st, 5, now);
	sqlite3_bind_int64(st, 6, (int64_t)max);
	sqlite3_bind_int64(st, 7, polled_before);
	return store_all_rows(s, st, sizeof(**ret), store_read_int64, NULL,
	    (void **)ret, ret_n, "listing the feeds that carried a topic");
}

int
sqlite_store_feed_topic_hits(struct sqlite_store *s, int64_t id,
    int64_t since, int64_t **ret, size_t *ret_n, int64_t *ret_topics)
{
	/* From the feed's recent entries: one index row an entry, not a match. */
	static const struct store_sql hits = { ST_FEED_TOPIC_HITS,
	    "SELECT e.fetched FROM entries e"
	    " WHERE e.feed_id = ?1 AND e.fetched >= ?2"
	    " AND EXISTS (SELECT 1 FROM topic_matches m"
	    " WHERE m.entry_id = e.id AND m.matched >= ?2) ORDER BY 1" };
	static const struct store_sql topics = { ST_TOPIC_COUNT,
	    "SELECT count(*) FROM topics" };
	sqlite3_stmt *st;

	*ret = NULL;
	*ret_n = 0;
	*ret_topics = 0;
	if ((st = store_stmt(s, &topics)) == NULL ||
	    store_one_row(s, st, sizeof(*ret_topics), store_read_int64,
	    ret_topics, "counting the topics") == -1)
		return -1;
	if ((st = store_bound_id(s, &hits, id)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 2, since);
	return store_all_rows(s, st, sizeof(**ret), store_read_int64, NULL,
	    (void **)ret, ret_n, "listing a feed's topic matches");
}

int
sqlite_store_feed_poll_done(struct sqlite_store *s, int64_t feed_id,
    const struct store_poll_result *r)
{
	static const struct store_sql sql = { ST_FEED_POLL_DONE,
	    "UPDATE feeds SET"
	    " etag = COALESCE(?1, etag),"
	    " last_modified = COALESCE(?2, last_modified),"
	    " body_hash = COALESCE(?3, body_hash),"
	    " last_poll = ?4,"
	    " last_success = CASE WHEN ?5 IS NULL THEN ?4"
	    " ELSE last_success END,"
	    " error_count = CASE WHEN ?5 IS NULL THEN 0"
	    " ELSE error_count + 1 END,"
	    " last_error = ?5, state = ?6, next_poll = ?7, cur_interval_s = ?8,"
	    " redirect_url = ?9, redirect_count = ?10, retry_after_until = ?11,"
	    " repairs = CASE WHEN ?13 THEN ?14 ELSE repairs END,"
	    " repair_note = CASE WHEN ?13 THEN ?15 ELSE repair_note END,"
	    " interval_note = ?16,"
	    " interval_base_s = CASE WHEN ?17 > 0 THEN ?17"
	    " ELSE interval_base_s END,"
	    " interval_base_note = CASE WHEN ?17 > 0 THEN ?18"
	    " ELSE interval_base_note END,"
	    " interval_hint_s = CASE WHEN ?17 > 0 THEN ?19"
	    " ELSE interval_hint_s END"
	    " WHERE id = ?12" };
	static const struct store_sql sql_move = { ST_FEED_MOVE,
	    "UPDATE feeds SET url = ?2, redirect_url = NULL,"
	    " redirect_count = 0 WHERE id = ?1" };
	sqlite3_stmt *st;
	int64_t started = r->started != 0 ? r->started : store_now(s);

	if (store_begin(s) == -1)
		return -1;
	if ((st = store_stmt(s, &sql)) == NULL)
		goto fail;
	sqlite3_bind_text(st, 1, r->etag, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->last_modified, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->body_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, started);
	sqlite3_bind_text(st, 5, r->error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, store_feed_state_name(r->state), -1,
	    SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, r->next_poll);
	sqlite3_bind_int64(st, 8, r->cur_interval_s);
	sqlite3_bind_text(st, 9, r->redirect_url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, r->redirect_count);
	sqlite3_bind_int64(st, 11, r->retry_after_until);
	sqlite3_bind_int64(st, 12, feed_id);
	sqlite3_bind_int(st, 13, r->set_repairs);
	sqlite3_bind_int64(st, 14, r->repairs);
	sqlite3_bind_text(st, 15, r->repairs > 0 ? r->repair_note : NULL, -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(st, 16, r->interval_note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 17, r->interval_base_s);
	sqlite3_bind_text(st, 18, r->interval_base_note, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 19, r->interval_hint_s);
	if (store_exec(s, st, "recording a poll") == -1)
		goto fail;
	if (sqlite3_changes(s->db) == 0) {
		/* Removed while the poll ran: nothing to record. */
		store_rollback(s);
		return 0;
	}
	if (r->new_url != NULL) {
		if ((st = store_stmt(s, &sql_move)) == NULL)
			goto fail;
		sqlite3_bind_int64(st, 1, feed_id);
		sqlite3_bind_text(st, 2, r->new_url, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			/* Most likely already subscribed under the new URL. */
			log_warnx("store: feed %lld: cannot move to '%s': %s, "
			    "keeping the old URL", (long long)feed_id,
			    r->new_url, sqlite3_errmsg(s->db));
		}
		sqlite3_reset(st);
	}
	if (poll_log_add(s, feed_id, started, r) == -1)
		goto fail;
	return store_commit(s);
fail:
	store_rollback(s);
	return -1;
}

static void
poll_log_read(sqlite3_stmt *st, void *row)
{
	struct store_poll_log *l = row;

	l->time = sqlite3_column_int64(st, 0);
	l->http_status = sqlite3_column_int(st, 1);
	l->bytes = sqlite3_column_int64(st, 2);
	l->new_entries = sqlite3_column_int64(st, 3);
	l->duration_ms = sqlite3_column_int64(st, 4);
	l->error = store_col_dup(st, 5);
}

static void
poll_log_clear(void *row)
{
	free(((struct store_poll_log *)row)->error);
}

int
sqlite_store_poll_log_list(struct sqlite_store *s, int64_t feed_id,
    size_t limit,
    struct store_poll_log **ret, size_t *ret_n)
{
	static const struct store_sql sql = { ST_POLL_LOG_LIST,
	    "SELECT time, http_status, bytes, new_entries, duration_ms, error"
	    " FROM poll_log WHERE feed_id = ? ORDER BY id DESC LIMIT ?" };
	sqlite3_stmt *st = store_stmt(s, &sql);

	if (st != NULL) {
		sqlite3_bind_int64(st, 1, feed_id);
		sqlite3_bind_int64(st, 2, limit == 0 ?
		    STORE_POLL_LOG_PER_FEED : (int64_t)limit);
	}
	return store_all_rows(s, st, sizeof(**ret), poll_log_read,
	    poll_log_clear, (void **)ret, ret_n, "reading the poll log");
}

void
store_poll_log_list_free(struct store_poll_log *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(l[i].error);
	free(l);
}

/* ---- reconcile (store_reconcile.h: the rule; here, the statements) ---- */

static int
rc_begin(void *s)
{
	return store_begin(s);
}

static int
rc_commit(void *s)
{
	return store_commit(s);
}

static void
rc_rollback(void *s)
{
	store_rollback(s);
}

static int
rc_by_id(void *s, int64_t id, struct store_feed *ret)
{
	return sqlite_store_feed_get(s, id, ret);
}

static int
rc_by_name(void *s, const char *name, struct store_feed *ret)
{
	return feed_get_by_name(s, name, ret);
}

static int
rc_by_url(void *s, const char *url, struct store_feed *ret)
{
	return sqlite_store_feed_get_by_url(s, url, ret);
}

/* One writer: the URL checked free is free still. */
static int
rc_insert(void *s, const struct store_config_feed *cf, int64_t *ret_id)
{
	return feed_insert(s, cf->url, cf->title, STORE_ORIGIN_CONFIG,
	    cf->interval_s, cf->name, cf->category, ret_id) == -1 ? -1 : 0;
}

static int
rc_config_set(void *s, int64_t id, const struct store_config_feed *cf)
{
	static const struct store_sql sql = { ST_FEED_CONFIG_SET,
	    "UPDATE feeds SET config_name = ?2, origin = 'config',"
	    " user_title = ?3, interval_s = ?4, category = ?5 WHERE id = ?1" };
	sqlite3_stmt *st = store_stmt(s, &sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, cf->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, cf->title, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, cf->interval_s);
	sqlite3_bind_text(st, 5, cf->category, -1, SQLITE_STATIC);
	return store_exec(s, st, "updating a configured feed");
}

/* A configured feed now at another URL starts over (fresh validators). */
static int
rc_new_url(void *s, int64_t id, const char *url)
{
	static const struct store_sql sql = { ST_FEED_RESET_POLL,
	    "UPDATE feeds SET url = ?2, etag = NULL, last_modified = NULL,"
	    " body_hash = NULL, state = 'new', next_poll = 0, error_count = 0,"
	    " last_error = NULL, redirect_url = NULL, redirect_count = 0,"
	    " retry_after_until = 0, repairs = 0, repair_note = NULL"
	    " WHERE id = ?1" };
	sqlite3_stmt *st = store_stmt(s, &sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
	return store_exec(s, st, "changing a feed's URL");
}

static int
rc_drop_unnamed(void *s, const struct store_config_feed *feeds, size_t n,
    size_t *ret_removed)
{
	static const struct store_sql sql_configured = { ST_FEED_CONFIG_LIST,
	    "SELECT id, config_name FROM feeds WHERE origin = 'config'" };

	return store_drop_unnamed(s, &sql_configured, feeds, n,
	    sizeof(*feeds), offsetof(struct store_config_feed, name),
	    feed_delete, ret_removed);
}

static const struct store_reconcile_ops reconcile_ops = {
	rc_begin, rc_commit, rc_rollback, rc_by_id, rc_by_name, rc_by_url,
	rc_insert, rc_config_set, rc_new_url, rc_drop_unnamed,
};

int
sqlite_store_feeds_reconcile(struct sqlite_store *s,
    const struct store_config_feed *feeds,
    size_t n, struct store_reconcile_result *ret)
{
	return store_reconcile_run(s, &reconcile_ops, feeds, n, ret);
}
