/*
 * pg_store: the PostgreSQL store, the other implementation of store.h
 * (the first is store_sqlite.h). Each function is its store.h namesake
 * on a PostgreSQL database through libpq: one connection, prepared
 * statements, the schema of pg_schema.h, full text by pg_fts.h.
 * store_front.c calls these when store_open was given a postgresql: URI;
 * the functions of store.h not listed here are not available on
 * PostgreSQL yet (store_front.c says so when they are called).
 */
#ifndef FEEDD_PG_STORE_H
#define FEEDD_PG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct pg_store;

struct pg_store *pg_store_open(const char *path, char *err, size_t errlen);
void	pg_store_free(struct pg_store *s);
const char *pg_store_path(const struct pg_store *s);
int64_t	pg_store_db_size(struct pg_store *s);
int64_t	pg_store_last_entry_id(struct pg_store *s);
void	pg_store_set_now(struct pg_store *s, int64_t now);
int	pg_store_feed_add(struct pg_store *s, const char *url,
	    const char *title, const char *category, int64_t interval_s,
	    int64_t *ret_id);
int	pg_store_feed_get(struct pg_store *s, int64_t id,
	    struct store_feed *ret);
int	pg_store_feed_get_by_url(struct pg_store *s, const char *url,
	    struct store_feed *ret);
int	pg_store_feed_list(struct pg_store *s, struct store_feed **ret,
	    size_t *ret_n);
int	pg_store_feed_list_brief(struct pg_store *s, struct store_feed **ret,
	    size_t *ret_n);
int	pg_store_feed_remove(struct pg_store *s, int64_t id);
int	pg_store_feed_change(struct pg_store *s, int64_t id,
	    const struct store_feed_change *c);
int	pg_store_feeds_last_poll(struct pg_store *s, int64_t *ret);
int	pg_store_feed_set_next_poll(struct pg_store *s, int64_t id,
	    int64_t when);
int	pg_store_topic_burst_feeds(struct pg_store *s, int64_t topic_id,
	    int64_t history_since, int64_t quiet_since, int64_t news_id,
	    int64_t now, int64_t polled_before, size_t max, int64_t **ret,
	    size_t *ret_n);
int	pg_store_feed_topic_hits(struct pg_store *s, int64_t id,
	    int64_t since, int64_t **ret, size_t *ret_n, int64_t *ret_topics);
int	pg_store_feed_set_plan(struct pg_store *s, int64_t id, int64_t when,
	    int64_t interval_s, const char *note);
int	pg_store_entry_feed(struct pg_store *s, int64_t entry_id, int64_t *ret);
int	pg_store_feed_poll_done(struct pg_store *s, int64_t feed_id,
	    const struct store_poll_result *r);
int	pg_store_poll_log_list(struct pg_store *s, int64_t feed_id,
	    size_t limit, struct store_poll_log **ret, size_t *ret_n);
int	pg_store_feeds_reconcile(struct pg_store *s,
	    const struct store_config_feed *feeds, size_t n,
	    struct store_reconcile_result *ret);
void	pg_store_set_token_sink(struct pg_store *s,
	    const struct store_token_sink *sink);
int	pg_store_ingest(struct pg_store *s, int64_t feed_id,
	    const struct feed_header *header,
	    const struct feed_entry *entries, struct store_index_text *made,
	    size_t n, struct store_ingest_result *ret);
int	pg_store_entry_list(struct pg_store *s,
	    const struct store_entry_query *q, struct store_entry **ret,
	    size_t *ret_n, char *err, size_t errlen);
int	pg_store_entry_each(struct pg_store *s,
	    const struct store_entry_query *q, store_entry_fn fn, void *arg,
	    size_t *ret_n, char *err, size_t errlen);
int	pg_store_entry_get(struct pg_store *s, int64_t id,
	    struct store_entry *ret);
int	pg_store_fts_check(struct pg_store *s, const char *query, char *err,
	    size_t errlen);
int	pg_store_topic_add(struct pg_store *s, const char *name,
	    const char *query, const char *notify,
	    const struct store_topic_subset *subset, enum store_origin origin,
	    int64_t *ret_id, char *err, size_t errlen);
int	pg_store_topic_update(struct pg_store *s, int64_t id,
	    const char *query, const char *notify, char *err, size_t errlen);
int	pg_store_topic_remove(struct pg_store *s, int64_t id);
int	pg_store_topic_get(struct pg_store *s, int64_t id,
	    struct store_topic *ret);
int	pg_store_topic_get_by_name(struct pg_store *s, const char *name,
	    struct store_topic *ret);
int	pg_store_topic_list(struct pg_store *s, struct store_topic **ret,
	    size_t *ret_n);
int	pg_store_topic_feeds(struct pg_store *s,
	    struct store_topic_feed **ret, size_t *ret_n);
int	pg_store_topics_reconcile(struct pg_store *s,
	    const struct store_config_topic *topics, size_t n,
	    struct store_reconcile_result *ret, char *err, size_t errlen);
int	pg_store_topic_match(struct pg_store *s, int64_t topic_id,
	    int64_t min_id, int64_t max_id, int64_t **ret_ids, size_t *ret_n,
	    char *err, size_t errlen);
int	pg_store_batch_begin(struct pg_store *s);
int	pg_store_batch_commit(struct pg_store *s);
void	pg_store_batch_rollback(struct pg_store *s);
void	pg_store_index_defer(struct pg_store *s);
int	pg_store_index_pending(struct pg_store *s);
int	pg_store_entry_key_hash(struct pg_store *s, int64_t id, uint64_t *ret);
int	pg_store_entry_carriers(struct pg_store *s, int64_t id, size_t limit,
	    struct store_carrier **ret, size_t *ret_n);
int	pg_store_entry_matches(struct pg_store *s, int64_t id,
	    struct store_entry_match **ret, size_t *ret_n);
int	pg_store_entry_highlight(struct pg_store *s, int64_t id,
	    const char *query, struct store_highlight *ret);
int	pg_store_cursor_get(struct pg_store *s, const char *client,
	    int64_t topic_id, int64_t *ret_value);
int	pg_store_cursor_set(struct pg_store *s, const char *client,
	    int64_t topic_id, int64_t value);
int	pg_store_cursor_list(struct pg_store *s, const char *client,
	    struct store_cursor **ret, size_t *ret_n);
int	pg_store_apitoken_add(struct pg_store *s, const char *name,
	    const unsigned char sha256[STORE_APITOKEN_HASH_LEN],
	    bool read_only, int64_t user_id);
int	pg_store_apitoken_list(struct pg_store *s,
	    struct store_apitoken **ret, size_t *ret_n);
int	pg_store_apitoken_remove(struct pg_store *s, const char *name);
int	pg_store_apitoken_used(struct pg_store *s, const char *name,
	    int64_t when);
int	pg_store_user_add(struct pg_store *s, const char *name,
	    const char *pass_hash, int64_t *ret_id);
int	pg_store_user_get(struct pg_store *s, int64_t id,
	    struct store_user *ret);
int	pg_store_user_get_by_name(struct pg_store *s, const char *name,
	    struct store_user *ret);
int	pg_store_user_list(struct pg_store *s, struct store_user **ret,
	    size_t *ret_n);
int	pg_store_user_remove(struct pg_store *s, int64_t id);
int	pg_store_user_set_password(struct pg_store *s, int64_t id,
	    const char *pass_hash);
int	pg_store_user_set_fever(struct pg_store *s, int64_t id,
	    const unsigned char *key);
int	pg_store_user_rename(struct pg_store *s, int64_t id, const char *name);
int	pg_store_secret(struct pg_store *s,
	    unsigned char out[STORE_SECRET_LEN]);
int	pg_store_state_set(struct pg_store *s, int64_t user_id,
	    enum store_flag flag, bool on, const int64_t *ids, size_t n,
	    size_t *ret_changed);
int	pg_store_state_get(struct pg_store *s, int64_t user_id,
	    int64_t entry_id, bool *ret_read, bool *ret_starred);
int	pg_store_state_mark_all(struct pg_store *s, int64_t user_id,
	    const struct store_scope *scope, bool read, int64_t max_id,
	    int64_t before, size_t *ret_changed);
int	pg_store_state_ids(struct pg_store *s, int64_t user_id,
	    enum store_flag flag, bool on, store_id_fn fn, void *arg);
int	pg_store_unread_feeds(struct pg_store *s, int64_t user_id,
	    struct store_unread **ret, size_t *ret_n);
int	pg_store_unread_topics(struct pg_store *s, int64_t user_id,
	    struct store_unread **ret, size_t *ret_n);
int	pg_store_unread_feeds_each(struct pg_store *s, int64_t user_id,
	    store_feed_unread_fn fn, void *arg);
int	pg_store_alert_add(struct pg_store *s, const struct store_alert *a,
	    int64_t *ret_id);
int	pg_store_alert_first(struct pg_store *s, const char *hook,
	    struct store_alert *ret);
int	pg_store_alert_remove(struct pg_store *s, int64_t id);
int	pg_store_alert_retry(struct pg_store *s, int64_t id, int64_t when,
	    const char *error);
int	pg_store_alert_count(struct pg_store *s, const char *hook,
	    int64_t *ret);
int	pg_store_alert_hooks(struct pg_store *s,
	    struct store_alert_hook **ret, size_t *ret_n);
int	pg_store_alert_expire(struct pg_store *s, const char *hook,
	    int64_t before, size_t *ret_n);
int	pg_store_websub_add(struct pg_store *s, const struct store_websub *w,
	    int64_t *ret_id);
int	pg_store_websub_save(struct pg_store *s, const struct store_websub *w);
int	pg_store_websub_remove(struct pg_store *s, int64_t id);
int	pg_store_websub_get(struct pg_store *s, int64_t id,
	    struct store_websub *ret);
int	pg_store_websub_counts(struct pg_store *s, int64_t *ret);
int	pg_store_websub_by_callback(struct pg_store *s, const char *callback,
	    struct store_websub *ret);
int	pg_store_websub_by_feed(struct pg_store *s, int64_t feed_id,
	    struct store_websub *ret);
int	pg_store_websub_list(struct pg_store *s, struct store_websub **ret,
	    size_t *ret_n);
int	pg_store_status_get(struct pg_store *s, struct store_status *ret);
int	pg_store_feed_state_counts(struct pg_store *s,
	    int64_t ret[STORE_FEED_STATE_MAX]);
void	pg_store_health_get(const struct pg_store *s,
	    struct store_health *ret);
int	pg_store_prune(struct pg_store *s, const struct store_retention *r,
	    size_t batch, size_t *ret_pruned);

/* Several workers (pg_store_cluster.c). */
void	pg_store_set_worker(struct pg_store *s, const char *name);
int	pg_store_claim_feeds(struct pg_store *s, int64_t lease_s,
	    int64_t now, struct store_claim *c, size_t n);
int	pg_store_claim_host(struct pg_store *s, const char *host,
	    int64_t gap_ms, int64_t *ret_wait_ms);
int	pg_store_claim_hook(struct pg_store *s, const char *hook,
	    int64_t lease_s);
int	pg_store_worker_beat(struct pg_store *s,
	    const struct store_worker *me, int64_t lease_s,
	    int64_t *ret_leases);
int	pg_store_worker_list(struct pg_store *s, int64_t alive_s,
	    struct store_worker **ret, size_t *ret_n);
int	pg_store_worker_leave(struct pg_store *s);
int	pg_store_listen_open(struct pg_store *s);
int	pg_store_listen_read(struct pg_store *s);
void	pg_store_listen_close(struct pg_store *s);

#endif
