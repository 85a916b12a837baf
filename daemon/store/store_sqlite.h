/*
 * store_sqlite: the SQLite store, one implementation of store.h (the
 * other is pg/pg_store.h). Each function is its store.h namesake on a
 * SQLite file; store_front.c calls these when store_open opened a path.
 */
#ifndef FEEDD_STORE_SQLITE_H
#define FEEDD_STORE_SQLITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct sqlite_store;

struct sqlite_store *sqlite_store_open(const char *path, char *err,
	    size_t errlen);
void	sqlite_store_free(struct sqlite_store *s);
const char *sqlite_store_path(const struct sqlite_store *s);
int64_t	sqlite_store_db_size(struct sqlite_store *s);
int64_t	sqlite_store_last_entry_id(struct sqlite_store *s);
void	sqlite_store_set_now(struct sqlite_store *s, int64_t now);
int	sqlite_store_backup(struct sqlite_store *s, const char *dest_path,
	    char *err, size_t errlen);
int	sqlite_store_feed_add(struct sqlite_store *s, const char *url,
	    const char *title, const char *category, int64_t interval_s,
	    int64_t *ret_id);
int	sqlite_store_feed_get(struct sqlite_store *s, int64_t id,
	    struct store_feed *ret);
int	sqlite_store_feed_get_by_url(struct sqlite_store *s, const char *url,
	    struct store_feed *ret);
int	sqlite_store_feed_list(struct sqlite_store *s,
	    struct store_feed **ret, size_t *ret_n);
int	sqlite_store_feed_list_brief(struct sqlite_store *s,
	    struct store_feed **ret, size_t *ret_n);
int	sqlite_store_feed_remove(struct sqlite_store *s, int64_t id);
int	sqlite_store_feed_change(struct sqlite_store *s, int64_t id,
	    const struct store_feed_change *c);
int	sqlite_store_feeds_last_poll(struct sqlite_store *s, int64_t *ret);
int	sqlite_store_feed_set_next_poll(struct sqlite_store *s, int64_t id,
	    int64_t when);
int	sqlite_store_topic_burst_feeds(struct sqlite_store *s, int64_t topic_id,
	    int64_t history_since, int64_t quiet_since, int64_t news_id,
	    int64_t now, int64_t polled_before, size_t max, int64_t **ret,
	    size_t *ret_n);
int	sqlite_store_feed_topic_hits(struct sqlite_store *s, int64_t id,
	    int64_t since, int64_t **ret, size_t *ret_n, int64_t *ret_topics);
int	sqlite_store_feed_set_plan(struct sqlite_store *s, int64_t id, int64_t when,
	    int64_t interval_s, const char *note);
int	sqlite_store_entry_feed(struct sqlite_store *s, int64_t entry_id, int64_t *ret);
int	sqlite_store_feed_poll_done(struct sqlite_store *s, int64_t feed_id,
	    const struct store_poll_result *r);
int	sqlite_store_poll_log_list(struct sqlite_store *s, int64_t feed_id,
	    size_t limit, struct store_poll_log **ret, size_t *ret_n);
int	sqlite_store_feeds_reconcile(struct sqlite_store *s,
	    const struct store_config_feed *feeds, size_t n,
	    struct store_reconcile_result *ret);
void	sqlite_store_set_token_sink(struct sqlite_store *s,
	    const struct store_token_sink *sink);
int	sqlite_store_ingest(struct sqlite_store *s, int64_t feed_id,
	    const struct feed_header *header,
	    const struct feed_entry *entries,
	    struct store_index_text *texts, size_t n,
	    struct store_ingest_result *ret);
int	sqlite_store_entry_list(struct sqlite_store *s,
	    const struct store_entry_query *q, struct store_entry **ret,
	    size_t *ret_n, char *err, size_t errlen);
int	sqlite_store_entry_each(struct sqlite_store *s,
	    const struct store_entry_query *q, store_entry_fn fn, void *arg,
	    size_t *ret_n, char *err, size_t errlen);
int	sqlite_store_entry_get(struct sqlite_store *s, int64_t id,
	    struct store_entry *ret);
int	sqlite_store_fts_check(struct sqlite_store *s, const char *query,
	    char *err, size_t errlen);
int	sqlite_store_topic_add(struct sqlite_store *s, const char *name,
	    const char *query, const char *notify,
	    const struct store_topic_subset *subset, enum store_origin origin,
	    int64_t *ret_id, char *err, size_t errlen);
int	sqlite_store_topic_update(struct sqlite_store *s, int64_t id,
	    const char *query, const char *notify, char *err, size_t errlen);
int	sqlite_store_topic_remove(struct sqlite_store *s, int64_t id);
int	sqlite_store_topic_get(struct sqlite_store *s, int64_t id,
	    struct store_topic *ret);
int	sqlite_store_topic_get_by_name(struct sqlite_store *s,
	    const char *name, struct store_topic *ret);
int	sqlite_store_topic_list(struct sqlite_store *s,
	    struct store_topic **ret, size_t *ret_n);
int	sqlite_store_topic_feeds(struct sqlite_store *s,
	    struct store_topic_feed **ret, size_t *ret_n);
int	sqlite_store_topics_reconcile(struct sqlite_store *s,
	    const struct store_config_topic *topics, size_t n,
	    struct store_reconcile_result *ret, char *err, size_t errlen);
int	sqlite_store_topic_match(struct sqlite_store *s, int64_t topic_id,
	    int64_t min_id, int64_t max_id, int64_t **ret_ids, size_t *ret_n,
	    char *err, size_t errlen);
int	sqlite_store_batch_begin(struct sqlite_store *s);
int	sqlite_store_batch_commit(struct sqlite_store *s);
void	sqlite_store_batch_rollback(struct sqlite_store *s);
void	sqlite_store_index_defer(struct sqlite_store *s);
int	sqlite_store_index_tidy(struct sqlite_store *s, bool *ret_done);
int	sqlite_store_index_pending(struct sqlite_store *s);
int	sqlite_store_entry_key_hash(struct sqlite_store *s, int64_t id,
	    uint64_t *ret);
int	sqlite_store_entry_carriers(struct sqlite_store *s, int64_t id,
	    size_t limit, struct store_carrier **ret, size_t *ret_n);
int	sqlite_store_entry_matches(struct sqlite_store *s, int64_t id,
	    struct store_entry_match **ret, size_t *ret_n);
int	sqlite_store_entry_highlight(struct sqlite_store *s, int64_t id,
	    const char *query, struct store_highlight *ret);
int	sqlite_store_cursor_get(struct sqlite_store *s, const char *client,
	    int64_t topic_id, int64_t *ret_value);
int	sqlite_store_cursor_set(struct sqlite_store *s, const char *client,
	    int64_t topic_id, int64_t value);
int	sqlite_store_cursor_list(struct sqlite_store *s, const char *client,
	    struct store_cursor **ret, size_t *ret_n);
int	sqlite_store_apitoken_add(struct sqlite_store *s, const char *name,
	    const unsigned char sha256[STORE_APITOKEN_HASH_LEN],
	    bool read_only, int64_t user_id);
int	sqlite_store_apitoken_list(struct sqlite_store *s,
	    struct store_apitoken **ret, size_t *ret_n);
int	sqlite_store_apitoken_remove(struct sqlite_store *s, const char *name);
int	sqlite_store_apitoken_used(struct sqlite_store *s, const char *name,
	    int64_t when);
int	sqlite_store_user_add(struct sqlite_store *s, const char *name,
	    const char *pass_hash, int64_t *ret_id);
int	sqlite_store_user_get(struct sqlite_store *s, int64_t id,
	    struct store_user *ret);
int	sqlite_store_user_get_by_name(struct sqlite_store *s,
	    const char *name, struct store_user *ret);
int	sqlite_store_user_list(struct sqlite_store *s,
	    struct store_user **ret, size_t *ret_n);
int	sqlite_store_user_remove(struct sqlite_store *s, int64_t id);
int	sqlite_store_user_set_password(struct sqlite_store *s, int64_t id,
	    const char *pass_hash);
int	sqlite_store_user_set_fever(struct sqlite_store *s, int64_t id,
	    const unsigned char *key);
int	sqlite_store_user_rename(struct sqlite_store *s, int64_t id,
	    const char *name);
int	sqlite_store_secret(struct sqlite_store *s,
	    unsigned char out[STORE_SECRET_LEN]);
int	sqlite_store_state_set(struct sqlite_store *s, int64_t user_id,
	    enum store_flag flag, bool on, const int64_t *ids, size_t n,
	    size_t *ret_changed);
int	sqlite_store_state_get(struct sqlite_store *s, int64_t user_id,
	    int64_t entry_id, bool *ret_read, bool *ret_starred);
int	sqlite_store_state_mark_all(struct sqlite_store *s, int64_t user_id,
	    const struct store_scope *scope, bool read, int64_t max_id,
	    int64_t before, size_t *ret_changed);
int	sqlite_store_state_ids(struct sqlite_store *s, int64_t user_id,
	    enum store_flag flag, bool on, store_id_fn fn, void *arg);
int	sqlite_store_unread_feeds(struct sqlite_store *s, int64_t user_id,
	    struct store_unread **ret, size_t *ret_n);
int	sqlite_store_unread_topics(struct sqlite_store *s, int64_t user_id,
	    struct store_unread **ret, size_t *ret_n);
int	sqlite_store_unread_feeds_each(struct sqlite_store *s,
	    int64_t user_id, store_feed_unread_fn fn, void *arg);
int	sqlite_store_alert_add(struct sqlite_store *s,
	    const struct store_alert *a, int64_t *ret_id);
int	sqlite_store_alert_first(struct sqlite_store *s, const char *hook,
	    struct store_alert *ret);
int	sqlite_store_alert_remove(struct sqlite_store *s, int64_t id);
int	sqlite_store_alert_retry(struct sqlite_store *s, int64_t id,
	    int64_t when, const char *error);
int	sqlite_store_alert_count(struct sqlite_store *s, const char *hook,
	    int64_t *ret);
int	sqlite_store_alert_hooks(struct sqlite_store *s,
	    struct store_alert_hook **ret, size_t *ret_n);
int	sqlite_store_alert_expire(struct sqlite_store *s, const char *hook,
	    int64_t before, size_t *ret_n);
int	sqlite_store_websub_add(struct sqlite_store *s,
	    const struct store_websub *w, int64_t *ret_id);
int	sqlite_store_websub_save(struct sqlite_store *s,
	    const struct store_websub *w);
int	sqlite_store_websub_remove(struct sqlite_store *s, int64_t id);
int	sqlite_store_websub_get(struct sqlite_store *s, int64_t id,
	    struct store_websub *ret);
int	sqlite_store_websub_counts(struct sqlite_store *s, int64_t *ret);
int	sqlite_store_websub_by_callback(struct sqlite_store *s,
	    const char *callback, struct store_websub *ret);
int	sqlite_store_websub_by_feed(struct sqlite_store *s, int64_t feed_id,
	    struct store_websub *ret);
int	sqlite_store_websub_list(struct sqlite_store *s,
	    struct store_websub **ret, size_t *ret_n);
int	sqlite_store_status_get(struct sqlite_store *s,
	    struct store_status *ret);
int	sqlite_store_feed_state_counts(struct sqlite_store *s,
	    int64_t ret[STORE_FEED_STATE_MAX]);
void	sqlite_store_health_get(const struct sqlite_store *s,
	    struct store_health *ret);
int	sqlite_store_prune(struct sqlite_store *s,
	    const struct store_retention *r, size_t batch, size_t *ret_pruned);

#endif
