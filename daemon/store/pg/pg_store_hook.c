/*
 * pg_store_hook: URL hooks' alerts and WebSub subscriptions on PostgreSQL
 * (as store_alert.c and store_websub.c): what is on its way out, and
 * what hubs push in.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_store.h"
#include "pg_store_int.h"

/* ---- alerts ---- */

#define ALERT_COLS "id, hook, topic, batch, entries, key, created," \
	" attempts, next_try, last_error"

static void
alert_read(const PGresult *r, int i, void *row)
{
	struct store_alert *a = row;

	a->id = pg_col_int(r, i, 0);
	a->hook = pg_col_dup(r, i, 1);
	a->topic = pg_col_dup(r, i, 2);
	a->batch = pg_col_bool(r, i, 3);
	a->entries = pg_col_dup(r, i, 4);
	a->key = pg_col_dup(r, i, 5);
	a->created = pg_col_int(r, i, 6);
	a->attempts = pg_col_int(r, i, 7);
	a->next_try = pg_col_int(r, i, 8);
	a->last_error = pg_col_dup(r, i, 9);
}

int
pg_store_alert_add(struct pg_store *s, const struct store_alert *a,
    int64_t *ret_id)
{
	static const struct pg_sql sql = {
	    "INSERT INTO hook_alerts(hook, topic, batch, entries, key,"
	    " created) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id" };
	struct pg_params p = { 0 };
	int64_t id;

	pg_p_text(&p, a->hook);
	pg_p_text(&p, a->topic);
	pg_p_bool(&p, a->batch);
	pg_p_text(&p, a->entries);
	pg_p_text(&p, a->key);
	pg_p_int(&p, pg_now(s));
	if (pg_int(s, &sql, &p, "queueing a hook's alert", &id) != 1)
		return -1;
	pg_changed(s, STORE_CHANGED_ALERTS);
	if (ret_id != NULL)
		*ret_id = id;
	return 0;
}

int
pg_store_alert_first(struct pg_store *s, const char *hook,
    struct store_alert *ret)
{
	static const struct pg_sql sql = {
	    "SELECT " ALERT_COLS " FROM hook_alerts WHERE hook = $1"
	    " ORDER BY id LIMIT 1" };
	struct pg_params p = { 0 };

	pg_p_text(&p, hook);
	return pg_one_row(s, &sql, &p, sizeof(*ret), alert_read, ret,
	    "reading a hook's next alert");
}

int
pg_store_alert_remove(struct pg_store *s, int64_t id)
{
	static const struct pg_sql sql = {
	    "DELETE FROM hook_alerts WHERE id = $1" };
	struct pg_params p = { 0 };
	int64_t n;

	pg_p_int(&p, id);
	if (pg_exec(s, &sql, &p, "removing a hook's alert", &n) == -1)
		return -1;
	return n > 0;
}

int
pg_store_alert_retry(struct pg_store *s, int64_t id, int64_t when,
    const char *error)
{
	static const struct pg_sql sql = {
	    "UPDATE hook_alerts SET attempts = attempts + 1, next_try = $2,"
	    " last_error = $3 WHERE id = $1" };
	struct pg_params p = { 0 };

	pg_p_int(&p, id);
	pg_p_int(&p, when);
	pg_p_text(&p, error);
	return pg_exec(s, &sql, &p, "planning a hook's next attempt", NULL);
}

int
pg_store_alert_count(struct pg_store *s, const char *hook, int64_t *ret)
{
	static const struct pg_sql sql = {
	    "SELECT count(*) FROM hook_alerts WHERE hook = $1" };
	struct pg_params p = { 0 };

	pg_p_text(&p, hook);
	return pg_int(s, &sql, &p, "counting a hook's alerts", ret) == -1 ?
	    -1 : 0;
}

static void
hook_read(const PGresult *r, int i, void *row)
{
	struct store_alert_hook *h = row;

	h->hook = pg_col_dup(r, i, 0);
	h->count = pg_col_int(r, i, 1);
	h->oldest = pg_col_int(r, i, 2);
}

int
pg_store_alert_hooks(struct pg_store *s, struct store_alert_hook **ret,
    size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT hook, count(*), min(created) FROM hook_alerts"
	    " GROUP BY hook ORDER BY hook COLLATE \"C\"" };

	return pg_all_rows(s, &sql, NULL, sizeof(**ret), hook_read,
	    (void **)ret, ret_n, "listing the hooks' alerts");
}

int
pg_store_alert_expire(struct pg_store *s, const char *hook, int64_t before,
    size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "DELETE FROM hook_alerts WHERE hook = $1 AND created < $2" };
	struct pg_params p = { 0 };
	int64_t n;

	*ret_n = 0;
	pg_p_text(&p, hook);
	pg_p_int(&p, before);
	if (pg_exec(s, &sql, &p, "dropping a hook's old alerts", &n) == -1)
		return -1;
	*ret_n = (size_t)n;
	return 0;
}

/* ---- WebSub ---- */

#define WEBSUB_COLS "w.id, w.feed_id, NOT EXISTS (SELECT 1 FROM feeds f" \
	" WHERE f.id = w.feed_id), w.callback, w.hub, w.topic, w.secret," \
	" w.state, w.asked, w.asked_at, w.lease_s, w.lease_until," \
	" w.retry_at, w.last_push, w.pushes, w.last_error, w.created"

static enum store_websub_state
state_from_name(const char *name)
{
	for (int i = STORE_WEBSUB_PENDING; i <= STORE_WEBSUB_UNSUBSCRIBING;
	    i++)
		if (strcmp(name, store_websub_state_name(
		    (enum store_websub_state)i)) == 0)
			return (enum store_websub_state)i;
	return STORE_WEBSUB_REFUSED;
}

static void
websub_read(const PGresult *r, int i, void *row)
{
	struct store_websub *w = row;

	w->id = pg_col_int(r, i, 0);
	w->feed_id = pg_col_int(r, i, 1);
	w->feed_gone = pg_col_bool(r, i, 2);
	w->callback = pg_col_dup(r, i, 3);
	w->hub = pg_col_dup(r, i, 4);
	w->topic = pg_col_dup(r, i, 5);
	w->secret = pg_col_dup(r, i, 6);
	w->state = state_from_name(PQgetvalue(r, i, 7));
	w->asked = pg_col_dup(r, i, 8);
	w->asked_at = pg_col_int(r, i, 9);
	w->lease_s = pg_col_int(r, i, 10);
	w->lease_until = pg_col_int(r, i, 11);
	w->retry_at = pg_col_int(r, i, 12);
	w->last_push = pg_col_int(r, i, 13);
	w->pushes = pg_col_int(r, i, 14);
	w->last_error = pg_col_dup(r, i, 15);
	w->created = pg_col_int(r, i, 16);
}

int
pg_store_websub_add(struct pg_store *s, const struct store_websub *w,
    int64_t *ret_id)
{
	static const struct pg_sql sql = {
	    "INSERT INTO websub(feed_id, callback, hub, topic, secret, state,"
	    " created) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id" };
	struct pg_params p = { 0 };
	int64_t id;

	pg_p_int(&p, w->feed_id);
	pg_p_text(&p, w->callback);
	pg_p_text(&p, w->hub);
	pg_p_text(&p, w->topic);
	pg_p_text(&p, w->secret);
	pg_p_text(&p, store_websub_state_name(w->state));
	pg_p_int(&p, pg_now(s));
	if (pg_int(s, &sql, &p, "adding a WebSub subscription", &id) != 1)
		return -1;
	if (ret_id != NULL)
		*ret_id = id;
	return 0;
}

int
pg_store_websub_save(struct pg_store *s, const struct store_websub *w)
{
	static const struct pg_sql sql = {
	    "UPDATE websub SET state = $2, asked = $3, asked_at = $4,"
	    " lease_s = $5, lease_until = $6, retry_at = $7, last_push = $8,"
	    " pushes = $9, last_error = $10 WHERE id = $1" };
	struct pg_params p = { 0 };

	pg_p_int(&p, w->id);
	pg_p_text(&p, store_websub_state_name(w->state));
	pg_p_text(&p, w->asked);
	pg_p_int(&p, w->asked_at);
	pg_p_int(&p, w->lease_s);
	pg_p_int(&p, w->lease_until);
	pg_p_int(&p, w->retry_at);
	pg_p_int(&p, w->last_push);
	pg_p_int(&p, w->pushes);
	pg_p_text(&p, w->last_error);
	return pg_exec(s, &sql, &p, "recording a WebSub subscription", NULL);
}

int
pg_store_websub_remove(struct pg_store *s, int64_t id)
{
	static const struct pg_sql sql = {
	    "DELETE FROM websub WHERE id = $1" };
	struct pg_params p = { 0 };

	pg_p_int(&p, id);
	return pg_exec(s, &sql, &p, "removing a WebSub subscription", NULL);
}

int
pg_store_websub_by_callback(struct pg_store *s, const char *callback,
    struct store_websub *ret)
{
	static const struct pg_sql sql = {
	    "SELECT " WEBSUB_COLS " FROM websub w WHERE w.callback = $1" };
	struct pg_params p = { 0 };

	pg_p_text(&p, callback);
	return pg_one_row(s, &sql, &p, sizeof(*ret), websub_read, ret,
	    "reading a WebSub subscription");
}

int
pg_store_websub_by_feed(struct pg_store *s, int64_t feed_id,
    struct store_websub *ret)
{
	static const struct pg_sql sql = {
	    "SELECT " WEBSUB_COLS " FROM websub w WHERE w.feed_id = $1"
	    " AND w.state <> 'unsubscribing'" };
	struct pg_params p = { 0 };

	pg_p_int(&p, feed_id);
	return pg_one_row(s, &sql, &p, sizeof(*ret), websub_read, ret,
	    "reading a WebSub subscription");
}

int
pg_store_websub_list(struct pg_store *s, struct store_websub **ret,
    size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT " WEBSUB_COLS " FROM websub w ORDER BY w.id" };

	return pg_all_rows(s, &sql, NULL, sizeof(**ret), websub_read,
	    (void **)ret, ret_n, "listing the WebSub subscriptions");
}

int
pg_store_websub_get(struct pg_store *s, int64_t id, struct store_websub *ret)
{
	static const struct pg_sql sql = {
	    "SELECT " WEBSUB_COLS " FROM websub w WHERE w.id = $1" };
	struct pg_params p = { 0 };

	pg_p_int(&p, id);
	return pg_one_row(s, &sql, &p, sizeof(*ret), websub_read, ret,
	    "reading a WebSub subscription");
}

int
pg_store_websub_counts(struct pg_store *s, int64_t *ret)
{
	static const struct pg_sql sql = {
	    "SELECT state, count(*) FROM websub GROUP BY state" };
	PGresult *r;

	memset(ret, 0, STORE_WEBSUB_NSTATES * sizeof(*ret));
	if ((r = pg_run(s, &sql, NULL, "counting the WebSub subscriptions")) ==
	    NULL)
		return -1;
	for (int i = 0; i < PQntuples(r); i++)
		ret[state_from_name(PQgetvalue(r, i, 0))] = pg_col_int(r, i, 1);
	PQclear(r);
	return 0;
}
