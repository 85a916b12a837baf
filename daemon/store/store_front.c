/*
 * store_front: store.h's functions, each handed to the store that
 * store_open opened: the SQLite store (store_sqlite.h) for a path, the
 * PostgreSQL store (pg/pg_store.h) for a postgresql: URI. The choice is
 * made once; each call costs one predictable branch, and the calls stay
 * type-checked end to end (no casts of functions or of handles).
 *
 * What the PostgreSQL store cannot do yet fails here, in one place:
 * logged as such, -1 to the caller (store_unavailable).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"
#include "store_sqlite.h"
#include "store_int.h"
#include "pg_fts.h"
#include "pg_store.h"
#include "xmalloc.h"

struct store {
	struct sqlite_store	*lite;	/* one of the two is set */
	struct pg_store		*pg;
};

/* Logs that the PostgreSQL store lacks what (a store.h function). -1. */
static int
store_unavailable(const char *what)
{
	log_warnx("store: %s is not available on the PostgreSQL store yet",
	    what);
	return -1;
}

bool
store_is_postgresql(const char *database)
{
	return strncmp(database, "postgresql:", 11) == 0 ||
	    strncmp(database, "postgres://", 11) == 0;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store *s = xcalloc(1, sizeof(*s));

	if (store_is_postgresql(path))
		s->pg = pg_store_open(path, err, errlen);
	else
		s->lite = sqlite_store_open(path, err, errlen);
	if (s->pg == NULL && s->lite == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

void
store_free(struct store *s)
{
	if (s == NULL)
		return;
	pg_store_free(s->pg);
	sqlite_store_free(s->lite);
	free(s);
}

const char *
store_path(const struct store *s)
{
	if (s->pg != NULL)
		return pg_store_path(s->pg);
	return sqlite_store_path(s->lite);
}

int64_t
store_db_size(struct store *s)
{
	if (s->pg != NULL)
		return pg_store_db_size(s->pg);
	return sqlite_store_db_size(s->lite);
}

int64_t
store_last_entry_id(struct store *s)
{
	if (s->pg != NULL)
		return pg_store_last_entry_id(s->pg);
	return sqlite_store_last_entry_id(s->lite);
}

void
store_set_now(struct store *s, int64_t now)
{
	if (s->pg != NULL) {
		pg_store_set_now(s->pg, now);
		return;
	}
	sqlite_store_set_now(s->lite, now);
}

int
store_backup(struct store *s, const char *dest_path, char *err, size_t errlen)
{
	/* PostgreSQL has its own tools for that (store_backup_possible). */
	if (s->pg != NULL) {
		store_backup_possible(s, err, errlen);
		return store_unavailable("store_backup");
	}
	return sqlite_store_backup(s->lite, dest_path, err, errlen);
}

int
store_feed_add(struct store *s, const char *url, const char *title,
    const char *category, int64_t interval_s, int64_t *ret_id)
{
	if (s->pg != NULL)
		return pg_store_feed_add(s->pg, url, title, category,
		    interval_s, ret_id);
	return sqlite_store_feed_add(s->lite, url, title, category,
	    interval_s, ret_id);
}

int
store_feed_get(struct store *s, int64_t id, struct store_feed *ret)
{
	if (s->pg != NULL)
		return pg_store_feed_get(s->pg, id, ret);
	return sqlite_store_feed_get(s->lite, id, ret);
}

int
store_feed_get_by_url(struct store *s, const char *url, struct store_feed *ret)
{
	if (s->pg != NULL)
		return pg_store_feed_get_by_url(s->pg, url, ret);
	return sqlite_store_feed_get_by_url(s->lite, url, ret);
}

int
store_feed_list(struct store *s, struct store_feed **ret, size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_feed_list(s->pg, ret, ret_n);
	return sqlite_store_feed_list(s->lite, ret, ret_n);
}

int
store_feed_list_brief(struct store *s, struct store_feed **ret, size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_feed_list_brief(s->pg, ret, ret_n);
	return sqlite_store_feed_list_brief(s->lite, ret, ret_n);
}

int
store_feed_remove(struct store *s, int64_t id)
{
	if (s->pg != NULL)
		return pg_store_feed_remove(s->pg, id);
	return sqlite_store_feed_remove(s->lite, id);
}

int
store_feed_change(struct store *s, int64_t id,
    const struct store_feed_change *c)
{
	if (s->pg != NULL)
		return pg_store_feed_change(s->pg, id, c);
	return sqlite_store_feed_change(s->lite, id, c);
}

int
store_feeds_last_poll(struct store *s, int64_t *ret)
{
	if (s->pg != NULL)
		return pg_store_feeds_last_poll(s->pg, ret);
	return sqlite_store_feeds_last_poll(s->lite, ret);
}

int
store_feed_set_next_poll(struct store *s, int64_t id, int64_t when)
{
	if (s->pg != NULL)
		return pg_store_feed_set_next_poll(s->pg, id, when);
	return sqlite_store_feed_set_next_poll(s->lite, id, when);
}

int
store_feed_set_plan(struct store *s, int64_t id, int64_t when,
    int64_t interval_s, const char *note)
{
	if (s->pg != NULL)
		return pg_store_feed_set_plan(s->pg, id, when, interval_s, note);
	return sqlite_store_feed_set_plan(s->lite, id, when, interval_s, note);
}

int
store_entry_feed(struct store *s, int64_t entry_id, int64_t *ret)
{
	if (s->pg != NULL)
		return pg_store_entry_feed(s->pg, entry_id, ret);
	return sqlite_store_entry_feed(s->lite, entry_id, ret);
}

int
store_topic_burst_feeds(struct store *s, int64_t topic_id,
    int64_t history_since, int64_t quiet_since, int64_t news_id, int64_t now,
    int64_t polled_before, size_t max, int64_t **ret, size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_topic_burst_feeds(s->pg, topic_id,
		    history_since, quiet_since, news_id, now, polled_before,
		    max, ret, ret_n);
	return sqlite_store_topic_burst_feeds(s->lite, topic_id,
	    history_since, quiet_since, news_id, now, polled_before, max, ret,
	    ret_n);
}

int
store_feed_topic_hits(struct store *s, int64_t id, int64_t since,
    int64_t **ret, size_t *ret_n, int64_t *ret_topics)
{
	if (s->pg != NULL)
		return pg_store_feed_topic_hits(s->pg, id, since, ret, ret_n,
		    ret_topics);
	return sqlite_store_feed_topic_hits(s->lite, id, since, ret, ret_n,
	    ret_topics);
}

int
store_feed_poll_done(struct store *s, int64_t feed_id,
    const struct store_poll_result *r)
{
	if (s->pg != NULL)
		return pg_store_feed_poll_done(s->pg, feed_id, r);
	return sqlite_store_feed_poll_done(s->lite, feed_id, r);
}

int
store_poll_log_list(struct store *s, int64_t feed_id, size_t limit,
    struct store_poll_log **ret, size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_poll_log_list(s->pg, feed_id, limit, ret,
		    ret_n);
	return sqlite_store_poll_log_list(s->lite, feed_id, limit, ret, ret_n);
}

int
store_feeds_reconcile(struct store *s, const struct store_config_feed *feeds,
    size_t n, struct store_reconcile_result *ret)
{
	if (s->pg != NULL)
		return pg_store_feeds_reconcile(s->pg, feeds, n, ret);
	return sqlite_store_feeds_reconcile(s->lite, feeds, n, ret);
}

void
store_set_token_sink(struct store *s, const struct store_token_sink *sink)
{
	if (s->pg != NULL) {
		pg_store_set_token_sink(s->pg, sink);
		return;
	}
	sqlite_store_set_token_sink(s->lite, sink);
}

int
store_ingest(struct store *s, int64_t feed_id,
    const struct feed_header *header, const struct feed_entry *entries,
    size_t n, struct store_ingest_result *ret)
{
	return store_ingest_texts(s, feed_id, header, entries, NULL, n, ret);
}

int
store_ingest_texts(struct store *s, int64_t feed_id,
    const struct feed_header *header, const struct feed_entry *entries,
    struct store_index_text *texts, size_t n,
    struct store_ingest_result *ret)
{
	if (s->pg != NULL)
		return pg_store_ingest(s->pg, feed_id, header, entries, texts,
		    n, ret);
	return sqlite_store_ingest(s->lite, feed_id, header, entries, texts,
	    n, ret);
}

int
store_entry_list(struct store *s, const struct store_entry_query *q,
    struct store_entry **ret, size_t *ret_n, char *err, size_t errlen)
{
	if (s->pg != NULL)
		return pg_store_entry_list(s->pg, q, ret, ret_n, err, errlen);
	return sqlite_store_entry_list(s->lite, q, ret, ret_n, err, errlen);
}

int
store_entry_each(struct store *s, const struct store_entry_query *q,
    store_entry_fn fn, void *arg, size_t *ret_n, char *err, size_t errlen)
{
	if (s->pg != NULL)
		return pg_store_entry_each(s->pg, q, fn, arg, ret_n, err,
		    errlen);
	return sqlite_store_entry_each(s->lite, q, fn, arg, ret_n, err,
	    errlen);
}

int
store_entry_get(struct store *s, int64_t id, struct store_entry *ret)
{
	if (s->pg != NULL)
		return pg_store_entry_get(s->pg, id, ret);
	return sqlite_store_entry_get(s->lite, id, ret);
}

int
store_fts_check(struct store *s, const char *query, char *err, size_t errlen)
{
	if (s->pg != NULL)
		return pg_store_fts_check(s->pg, query, err, errlen);
	return sqlite_store_fts_check(s->lite, query, err, errlen);
}

int
store_topic_add(struct store *s, const char *name, const char *query,
    const char *notify, const struct store_topic_subset *subset,
    enum store_origin origin, int64_t *ret_id, char *err, size_t errlen)
{
	if (s->pg != NULL)
		return pg_store_topic_add(s->pg, name, query, notify, subset,
		    origin, ret_id, err, errlen);
	return sqlite_store_topic_add(s->lite, name, query, notify, subset,
	    origin, ret_id, err, errlen);
}

int
store_topic_update(struct store *s, int64_t id, const char *query,
    const char *notify, char *err, size_t errlen)
{
	if (s->pg != NULL)
		return pg_store_topic_update(s->pg, id, query, notify, err,
		    errlen);
	return sqlite_store_topic_update(s->lite, id, query, notify, err,
	    errlen);
}

int
store_topic_remove(struct store *s, int64_t id)
{
	if (s->pg != NULL)
		return pg_store_topic_remove(s->pg, id);
	return sqlite_store_topic_remove(s->lite, id);
}

int
store_topic_get(struct store *s, int64_t id, struct store_topic *ret)
{
	if (s->pg != NULL)
		return pg_store_topic_get(s->pg, id, ret);
	return sqlite_store_topic_get(s->lite, id, ret);
}

int
store_topic_get_by_name(struct store *s, const char *name,
    struct store_topic *ret)
{
	if (s->pg != NULL)
		return pg_store_topic_get_by_name(s->pg, name, ret);
	return sqlite_store_topic_get_by_name(s->lite, name, ret);
}

int
store_topic_list(struct store *s, struct store_topic **ret, size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_topic_list(s->pg, ret, ret_n);
	return sqlite_store_topic_list(s->lite, ret, ret_n);
}

int
store_topic_feeds(struct store *s, struct store_topic_feed **ret,
    size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_topic_feeds(s->pg, ret, ret_n);
	return sqlite_store_topic_feeds(s->lite, ret, ret_n);
}

int
store_topics_reconcile(struct store *s,
    const struct store_config_topic *topics, size_t n,
    struct store_reconcile_result *ret, char *err, size_t errlen)
{
	if (s->pg != NULL)
		return pg_store_topics_reconcile(s->pg, topics, n, ret, err,
		    errlen);
	return sqlite_store_topics_reconcile(s->lite, topics, n, ret, err,
	    errlen);
}

int
store_topic_match(struct store *s, int64_t topic_id, int64_t min_id,
    int64_t max_id, int64_t **ret_ids, size_t *ret_n, char *err, size_t errlen)
{
	if (s->pg != NULL)
		return pg_store_topic_match(s->pg, topic_id, min_id, max_id,
		    ret_ids, ret_n, err, errlen);
	return sqlite_store_topic_match(s->lite, topic_id, min_id, max_id,
	    ret_ids, ret_n, err, errlen);
}

int
store_batch_begin(struct store *s)
{
	if (s->pg != NULL)
		return pg_store_batch_begin(s->pg);
	return sqlite_store_batch_begin(s->lite);
}

int
store_batch_commit(struct store *s)
{
	if (s->pg != NULL)
		return pg_store_batch_commit(s->pg);
	return sqlite_store_batch_commit(s->lite);
}

void
store_batch_rollback(struct store *s)
{
	if (s->pg != NULL) {
		pg_store_batch_rollback(s->pg);
		return;
	}
	sqlite_store_batch_rollback(s->lite);
}

void
store_index_defer(struct store *s)
{
	if (s->pg != NULL) {
		pg_store_index_defer(s->pg);
		return;
	}
	sqlite_store_index_defer(s->lite);
}

int
store_index_pending(struct store *s)
{
	if (s->pg != NULL)
		return pg_store_index_pending(s->pg);
	return sqlite_store_index_pending(s->lite);
}

int
store_index_tidy(struct store *s, bool *ret_done)
{
	if (s->pg != NULL) {
		*ret_done = true;
		return 0;
	}
	return sqlite_store_index_tidy(s->lite, ret_done);
}

int
store_entry_key_hash(struct store *s, int64_t id, uint64_t *ret)
{
	if (s->pg != NULL)
		return pg_store_entry_key_hash(s->pg, id, ret);
	return sqlite_store_entry_key_hash(s->lite, id, ret);
}

int
store_entry_carriers(struct store *s, int64_t id, size_t limit,
    struct store_carrier **ret, size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_entry_carriers(s->pg, id, limit, ret, ret_n);
	return sqlite_store_entry_carriers(s->lite, id, limit, ret, ret_n);
}

int
store_entry_matches(struct store *s, int64_t id,
    struct store_entry_match **ret, size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_entry_matches(s->pg, id, ret, ret_n);
	return sqlite_store_entry_matches(s->lite, id, ret, ret_n);
}

int
store_entry_highlight(struct store *s, int64_t id, const char *query,
    struct store_highlight *ret)
{
	if (s->pg != NULL)
		return pg_store_entry_highlight(s->pg, id, query, ret);
	return sqlite_store_entry_highlight(s->lite, id, query, ret);
}

int
store_cursor_get(struct store *s, const char *client, int64_t topic_id,
    int64_t *ret_value)
{
	if (s->pg != NULL)
		return pg_store_cursor_get(s->pg, client, topic_id, ret_value);
	return sqlite_store_cursor_get(s->lite, client, topic_id, ret_value);
}

int
store_cursor_set(struct store *s, const char *client, int64_t topic_id,
    int64_t value)
{
	if (s->pg != NULL)
		return pg_store_cursor_set(s->pg, client, topic_id, value);
	return sqlite_store_cursor_set(s->lite, client, topic_id, value);
}

int
store_cursor_list(struct store *s, const char *client,
    struct store_cursor **ret, size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_cursor_list(s->pg, client, ret, ret_n);
	return sqlite_store_cursor_list(s->lite, client, ret, ret_n);
}

int
store_apitoken_add(struct store *s, const char *name,
    const unsigned char sha256[STORE_APITOKEN_HASH_LEN], bool read_only,
    int64_t user_id)
{
	if (s->pg != NULL)
		return pg_store_apitoken_add(s->pg, name, sha256, read_only,
		    user_id);
	return sqlite_store_apitoken_add(s->lite, name, sha256, read_only,
	    user_id);
}

int
store_apitoken_list(struct store *s, struct store_apitoken **ret,
    size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_apitoken_list(s->pg, ret, ret_n);
	return sqlite_store_apitoken_list(s->lite, ret, ret_n);
}

int
store_apitoken_remove(struct store *s, const char *name)
{
	if (s->pg != NULL)
		return pg_store_apitoken_remove(s->pg, name);
	return sqlite_store_apitoken_remove(s->lite, name);
}

int
store_apitoken_used(struct store *s, const char *name, int64_t when)
{
	if (s->pg != NULL)
		return pg_store_apitoken_used(s->pg, name, when);
	return sqlite_store_apitoken_used(s->lite, name, when);
}

int
store_user_add(struct store *s, const char *name, const char *pass_hash,
    int64_t *ret_id)
{
	if (s->pg != NULL)
		return pg_store_user_add(s->pg, name, pass_hash, ret_id);
	return sqlite_store_user_add(s->lite, name, pass_hash, ret_id);
}

int
store_user_get(struct store *s, int64_t id, struct store_user *ret)
{
	if (s->pg != NULL)
		return pg_store_user_get(s->pg, id, ret);
	return sqlite_store_user_get(s->lite, id, ret);
}

int
store_user_get_by_name(struct store *s, const char *name,
    struct store_user *ret)
{
	if (s->pg != NULL)
		return pg_store_user_get_by_name(s->pg, name, ret);
	return sqlite_store_user_get_by_name(s->lite, name, ret);
}

int
store_user_list(struct store *s, struct store_user **ret, size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_user_list(s->pg, ret, ret_n);
	return sqlite_store_user_list(s->lite, ret, ret_n);
}

int
store_user_remove(struct store *s, int64_t id)
{
	if (s->pg != NULL)
		return pg_store_user_remove(s->pg, id);
	return sqlite_store_user_remove(s->lite, id);
}

int
store_user_set_password(struct store *s, int64_t id, const char *pass_hash)
{
	if (s->pg != NULL)
		return pg_store_user_set_password(s->pg, id, pass_hash);
	return sqlite_store_user_set_password(s->lite, id, pass_hash);
}

int
store_user_set_fever(struct store *s, int64_t id, const unsigned char *key)
{
	if (s->pg != NULL)
		return pg_store_user_set_fever(s->pg, id, key);
	return sqlite_store_user_set_fever(s->lite, id, key);
}

int
store_user_rename(struct store *s, int64_t id, const char *name)
{
	if (s->pg != NULL)
		return pg_store_user_rename(s->pg, id, name);
	return sqlite_store_user_rename(s->lite, id, name);
}

int
store_secret(struct store *s, unsigned char out[STORE_SECRET_LEN])
{
	if (s->pg != NULL)
		return pg_store_secret(s->pg, out);
	return sqlite_store_secret(s->lite, out);
}

int
store_state_set(struct store *s, int64_t user_id, enum store_flag flag,
    bool on, const int64_t *ids, size_t n, size_t *ret_changed)
{
	if (s->pg != NULL)
		return pg_store_state_set(s->pg, user_id, flag, on, ids, n,
		    ret_changed);
	return sqlite_store_state_set(s->lite, user_id, flag, on, ids, n,
	    ret_changed);
}

int
store_state_get(struct store *s, int64_t user_id, int64_t entry_id,
    bool *ret_read, bool *ret_starred)
{
	if (s->pg != NULL)
		return pg_store_state_get(s->pg, user_id, entry_id, ret_read,
		    ret_starred);
	return sqlite_store_state_get(s->lite, user_id, entry_id, ret_read,
	    ret_starred);
}

int
store_state_mark_all(struct store *s, int64_t user_id,
    const struct store_scope *scope, bool read, int64_t max_id,
    int64_t before, size_t *ret_changed)
{
	if (s->pg != NULL)
		return pg_store_state_mark_all(s->pg, user_id, scope, read,
		    max_id, before, ret_changed);
	return sqlite_store_state_mark_all(s->lite, user_id, scope, read,
	    max_id, before, ret_changed);
}

int
store_state_ids(struct store *s, int64_t user_id, enum store_flag flag,
    bool on, store_id_fn fn, void *arg)
{
	if (s->pg != NULL)
		return pg_store_state_ids(s->pg, user_id, flag, on, fn, arg);
	return sqlite_store_state_ids(s->lite, user_id, flag, on, fn, arg);
}

int
store_unread_feeds(struct store *s, int64_t user_id,
    struct store_unread **ret, size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_unread_feeds(s->pg, user_id, ret, ret_n);
	return sqlite_store_unread_feeds(s->lite, user_id, ret, ret_n);
}

int
store_unread_topics(struct store *s, int64_t user_id,
    struct store_unread **ret, size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_unread_topics(s->pg, user_id, ret, ret_n);
	return sqlite_store_unread_topics(s->lite, user_id, ret, ret_n);
}

int
store_unread_feeds_each(struct store *s, int64_t user_id,
    store_feed_unread_fn fn, void *arg)
{
	if (s->pg != NULL)
		return pg_store_unread_feeds_each(s->pg, user_id, fn, arg);
	return sqlite_store_unread_feeds_each(s->lite, user_id, fn, arg);
}

int
store_alert_add(struct store *s, const struct store_alert *a, int64_t *ret_id)
{
	if (s->pg != NULL)
		return pg_store_alert_add(s->pg, a, ret_id);
	return sqlite_store_alert_add(s->lite, a, ret_id);
}

int
store_alert_first(struct store *s, const char *hook, struct store_alert *ret)
{
	if (s->pg != NULL)
		return pg_store_alert_first(s->pg, hook, ret);
	return sqlite_store_alert_first(s->lite, hook, ret);
}

int
store_alert_remove(struct store *s, int64_t id)
{
	if (s->pg != NULL)
		return pg_store_alert_remove(s->pg, id);
	return sqlite_store_alert_remove(s->lite, id);
}

int
store_alert_retry(struct store *s, int64_t id, int64_t when, const char *error)
{
	if (s->pg != NULL)
		return pg_store_alert_retry(s->pg, id, when, error);
	return sqlite_store_alert_retry(s->lite, id, when, error);
}

int
store_alert_count(struct store *s, const char *hook, int64_t *ret)
{
	if (s->pg != NULL)
		return pg_store_alert_count(s->pg, hook, ret);
	return sqlite_store_alert_count(s->lite, hook, ret);
}

int
store_alert_hooks(struct store *s, struct store_alert_hook **ret,
    size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_alert_hooks(s->pg, ret, ret_n);
	return sqlite_store_alert_hooks(s->lite, ret, ret_n);
}

int
store_alert_expire(struct store *s, const char *hook, int64_t before,
    size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_alert_expire(s->pg, hook, before, ret_n);
	return sqlite_store_alert_expire(s->lite, hook, before, ret_n);
}

int
store_websub_add(struct store *s, const struct store_websub *w,
    int64_t *ret_id)
{
	if (s->pg != NULL)
		return pg_store_websub_add(s->pg, w, ret_id);
	return sqlite_store_websub_add(s->lite, w, ret_id);
}

int
store_websub_save(struct store *s, const struct store_websub *w)
{
	if (s->pg != NULL)
		return pg_store_websub_save(s->pg, w);
	return sqlite_store_websub_save(s->lite, w);
}

int
store_websub_remove(struct store *s, int64_t id)
{
	if (s->pg != NULL)
		return pg_store_websub_remove(s->pg, id);
	return sqlite_store_websub_remove(s->lite, id);
}

int
store_websub_by_callback(struct store *s, const char *callback,
    struct store_websub *ret)
{
	if (s->pg != NULL)
		return pg_store_websub_by_callback(s->pg, callback, ret);
	return sqlite_store_websub_by_callback(s->lite, callback, ret);
}

int
store_websub_by_feed(struct store *s, int64_t feed_id,
    struct store_websub *ret)
{
	if (s->pg != NULL)
		return pg_store_websub_by_feed(s->pg, feed_id, ret);
	return sqlite_store_websub_by_feed(s->lite, feed_id, ret);
}

int
store_websub_get(struct store *s, int64_t id, struct store_websub *ret)
{
	if (s->pg != NULL)
		return pg_store_websub_get(s->pg, id, ret);
	return sqlite_store_websub_get(s->lite, id, ret);
}

int
store_websub_counts(struct store *s, int64_t ret[STORE_WEBSUB_NSTATES])
{
	if (s->pg != NULL)
		return pg_store_websub_counts(s->pg, ret);
	return sqlite_store_websub_counts(s->lite, ret);
}

int
store_websub_list(struct store *s, struct store_websub **ret, size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_websub_list(s->pg, ret, ret_n);
	return sqlite_store_websub_list(s->lite, ret, ret_n);
}

int
store_status_get(struct store *s, struct store_status *ret)
{
	if (s->pg != NULL)
		return pg_store_status_get(s->pg, ret);
	return sqlite_store_status_get(s->lite, ret);
}

int
store_feed_state_counts(struct store *s, int64_t ret[STORE_FEED_STATE_MAX])
{
	if (s->pg != NULL)
		return pg_store_feed_state_counts(s->pg, ret);
	return sqlite_store_feed_state_counts(s->lite, ret);
}

void
store_health_get(const struct store *s, struct store_health *ret)
{
	if (s->pg != NULL) {
		pg_store_health_get(s->pg, ret);
		return;
	}
	sqlite_store_health_get(s->lite, ret);
}

int
store_prune(struct store *s, const struct store_retention *r, size_t batch,
    size_t *ret_pruned)
{
	if (s->pg != NULL)
		return pg_store_prune(s->pg, r, batch, ret_pruned);
	return sqlite_store_prune(s->lite, r, batch, ret_pruned);
}

int
store_fts_check_query_for(const char *database, const char *query,
    char *err, size_t errlen)
{
	struct store_tokenizer *tok;
	char *tsquery = NULL;
	int rc;

	if (!store_is_postgresql(database))
		return store_fts_check_query(query, err, errlen);
	if ((tok = store_tokenizer_new()) == NULL) {
		snprintf(err, errlen, "no full-text tokenizer");
		return -1;
	}
	rc = pg_fts_query(tok, query, &tsquery, err, errlen);
	free(tsquery);
	store_tokenizer_free(tok);
	return rc;
}

bool
store_backup_possible(const struct store *s, char *err, size_t errlen)
{
	if (s->pg == NULL)
		return true;
	snprintf(err, errlen, "a PostgreSQL store is backed up with "
	    "PostgreSQL's own tools (pg_dump), not through feedd");
	return false;
}

sqlite3 *
store_sqlite_db(struct store *s)
{
	return s->lite != NULL ? sqlite_store_db(s->lite) : NULL;
}

uint64_t
store_sqlite_replayed(struct store *s)
{
	return s->lite != NULL ? s->lite->replayed : 0;
}

/* ---- several workers (PostgreSQL only; a SQLite store is one's own) ---- */

bool
store_shared(const struct store *s)
{
	return s->pg != NULL;
}

void
store_set_worker(struct store *s, const char *name)
{
	if (s->pg != NULL)
		pg_store_set_worker(s->pg, name);
}

int
store_claim_feeds(struct store *s, int64_t lease_s, int64_t now,
    struct store_claim *c, size_t n)
{
	if (s->pg != NULL)
		return pg_store_claim_feeds(s->pg, lease_s, now, c, n);
	for (size_t i = 0; i < n; i++)
		c[i].granted = true;
	return 0;
}

int
store_claim_host(struct store *s, const char *host, int64_t gap_ms,
    int64_t *ret_wait_ms)
{
	if (s->pg != NULL)
		return pg_store_claim_host(s->pg, host, gap_ms, ret_wait_ms);
	*ret_wait_ms = 0;
	return 1;
}

int
store_claim_hook(struct store *s, const char *hook, int64_t lease_s)
{
	if (s->pg != NULL)
		return pg_store_claim_hook(s->pg, hook, lease_s);
	return 1;
}

int
store_worker_beat(struct store *s, const struct store_worker *me,
    int64_t lease_s, int64_t *ret_leases)
{
	if (s->pg != NULL)
		return pg_store_worker_beat(s->pg, me, lease_s, ret_leases);
	return store_unavailable("store_worker_beat");
}

int
store_worker_list(struct store *s, int64_t alive_s,
    struct store_worker **ret, size_t *ret_n)
{
	if (s->pg != NULL)
		return pg_store_worker_list(s->pg, alive_s, ret, ret_n);
	*ret = NULL;
	*ret_n = 0;
	return 0;
}

void
store_worker_list_free(struct store_worker *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(w[i].name);
		free(w[i].host);
	}
	free(w);
}

int
store_worker_leave(struct store *s)
{
	if (s->pg != NULL)
		return pg_store_worker_leave(s->pg);
	return 0;
}

int
store_listen_open(struct store *s)
{
	if (s->pg != NULL)
		return pg_store_listen_open(s->pg);
	return store_unavailable("store_listen_open");
}

int
store_listen_read(struct store *s)
{
	if (s->pg != NULL)
		return pg_store_listen_read(s->pg);
	return -1;
}

void
store_listen_close(struct store *s)
{
	if (s->pg != NULL)
		pg_store_listen_close(s->pg);
}
