/*
 * pg_store_cluster: several workers on one PostgreSQL database (store.h,
 * "several workers"): leases on feeds and hooks, hosts' last starts, the
 * workers' heartbeats, and the notifications of each other's commits.
 *
 * Leases run on the database's clock (dbnow below), so workers whose
 * clocks differ still agree on when one ran out; next_poll stays on the
 * clock of the worker that planned it, as on SQLite. A claim never waits
 * for a row another worker has locked (SKIP LOCKED): it is answered
 * "not now", and looked at again a moment later.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "buf.h"
#include "log.h"
#include "pg_store.h"
#include "pg_store_int.h"
#include "xmalloc.h"

/* The one channel every worker listens on; payload "BITS WORKER". */
#define CHANNEL		"feedd"
/* A row locked by another worker's commit: looked at again this soon. */
#define LOCKED_RETRY_S	1

#define DBNOW	"extract(epoch FROM clock_timestamp())::bigint"
#define DBNOW_MS "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

void
pg_store_set_worker(struct pg_store *s, const char *name)
{
	free(s->worker);
	s->worker = xstrdup(name);
}

/* ---- telling others ---- */

void
pg_changed(struct pg_store *s, unsigned what)
{
	s->changed |= what;
	if (s->tx_depth == 0)
		(void)pg_changed_send(s);
}

int
pg_changed_send(struct pg_store *s)
{
	static const struct pg_sql sql = {
	    "SELECT pg_notify('" CHANNEL "', $1)" };
	struct pg_params p = { 0 };
	char payload[300];
	PGresult *r;

	if (s->changed == 0)
		return 0;
	snprintf(payload, sizeof(payload), "%u %s", s->changed,
	    s->worker != NULL ? s->worker : "");
	s->changed = 0;
	pg_p_text(&p, payload);
	if ((r = pg_run(s, &sql, &p, "telling other workers")) == NULL)
		return -1;
	PQclear(r);
	return 0;
}

/* ---- claims ---- */

/*
 * c's ids, and those of them forced, as PostgreSQL array literals
 * ("{1,2}"), into ids and force (freed by the caller).
 */
static void
claim_arrays(const struct store_claim *c, size_t n, struct buf *ids,
    struct buf *force)
{
	const char *sep = "";

	buf_init(ids);
	buf_init(force);
	buf_puts(ids, "{");
	buf_puts(force, "{");
	for (size_t i = 0; i < n; i++) {
		buf_printf(ids, "%s%" PRId64, i > 0 ? "," : "", c[i].id);
		if (c[i].force) {
			buf_printf(force, "%s%" PRId64, sep, c[i].id);
			sep = ",";
		}
	}
	buf_puts(ids, "}");
	buf_puts(force, "}");
}

int
pg_store_claim_feeds(struct pg_store *s, int64_t lease_s, int64_t now,
    struct store_claim *c, size_t n)
{
	/*
	 * One statement for the batch. A feed is ours when it is due by our
	 * clock (or forced), and no other worker's lease on it still runs;
	 * rows another worker has locked are skipped. For the others the
	 * answer says when to look again: its next_poll, or when the lease
	 * that holds it runs out (in our clock); a feed gone from the store
	 * is not in the answer. The outer SELECT reads the rows as they were
	 * before the UPDATE: the state that refused us. The ids go as arrays
	 * compared with = ANY, so that each is one probe of the primary key.
	 * The claim commits without waiting for the disk (synchronous_commit
	 * off for its transaction alone): a claim a crash of the server
	 * loses costs at most a second poll of the feed.
	 */
	static const struct pg_sql sql = {
	    "WITH async AS ("
	    "  SELECT set_config('synchronous_commit', 'off', true)"
	    "), got AS ("
	    "  UPDATE feeds f SET lease_owner = $1,"
	    "   lease_until = " DBNOW " + $2"
	    "  WHERE f.id IN ("
	    "   SELECT g.id FROM feeds g WHERE g.id = ANY($3::bigint[])"
	    "    AND (g.next_poll <= $5 OR g.id = ANY($4::bigint[]))"
	    "    AND (g.lease_owner IS NULL OR g.lease_owner = $1"
	    "     OR g.lease_until < " DBNOW ")"
	    "   FOR UPDATE SKIP LOCKED)"
	    "  RETURNING f.id"
	    ")"
	    " SELECT f.id, g.id IS NOT NULL,"
	    "  greatest(f.next_poll, CASE WHEN f.lease_owner IS NOT NULL"
	    "   AND f.lease_owner <> $1 AND f.lease_until >= " DBNOW
	    "   THEN $5 + f.lease_until - " DBNOW " ELSE 0 END)"
	    " FROM feeds f LEFT JOIN got g ON g.id = f.id, async"
	    " WHERE f.id = ANY($3::bigint[])" };
	struct pg_params p = { 0 };
	struct buf ids, force;
	PGresult *r;
	int64_t id, at;
	int i, rows;

	if (n == 0)
		return 0;
	claim_arrays(c, n, &ids, &force);
	pg_p_text(&p, s->worker != NULL ? s->worker : "");
	pg_p_int(&p, lease_s);
	pg_p_text(&p, ids.data);
	pg_p_text(&p, force.data);
	pg_p_int(&p, now);
	r = pg_run(s, &sql, &p, "claiming feeds to poll");
	buf_free(&ids);
	buf_free(&force);
	if (r == NULL)
		return -1;
	for (size_t j = 0; j < n; j++) {
		c[j].granted = false;
		c[j].retry_at = 0;
	}
	rows = PQntuples(r);
	for (i = 0; i < rows; i++) {
		id = pg_col_int(r, i, 0);
		for (size_t j = 0; j < n; j++) {
			if (c[j].id != id)
				continue;
			c[j].granted = pg_col_bool(r, i, 1);
			if (!c[j].granted) {
				at = pg_col_int(r, i, 2);
				/* Due, free, yet refused: locked just now. */
				c[j].retry_at = at > now ? at :
				    now + LOCKED_RETRY_S;
			}
			break;
		}
	}
	PQclear(r);
	return 0;
}

int
pg_store_claim_host(struct pg_store *s, const char *host, int64_t gap_ms,
    int64_t *ret_wait_ms)
{
	/* Our start is recorded only if the last one is gap_ms old. */
	static const struct pg_sql sql = {
	    "INSERT INTO hosts AS h (name, last_start_ms)"
	    " VALUES ($1, " DBNOW_MS ")"
	    " ON CONFLICT (name) DO UPDATE SET last_start_ms ="
	    "  excluded.last_start_ms"
	    "  WHERE h.last_start_ms <= excluded.last_start_ms - $2"
	    " RETURNING 0" };
	static const struct pg_sql sql_wait = {
	    "SELECT last_start_ms + $2 - " DBNOW_MS " FROM hosts"
	    " WHERE name = $1" };
	struct pg_params p = { 0 };
	int64_t wait;
	int rc;

	*ret_wait_ms = 0;
	pg_p_text(&p, host);
	pg_p_int(&p, gap_ms);
	if ((rc = pg_int(s, &sql, &p, "starting a poll of a host",
	    &wait)) != 0)
		return rc;
	if ((rc = pg_int(s, &sql_wait, &p, "starting a poll of a host",
	    &wait)) == -1)
		return -1;
	/* Another start took the row meanwhile: wait a gap at most. */
	*ret_wait_ms = rc == 0 || wait < 1 ? 1 : wait > gap_ms ? gap_ms :
	    wait;
	return 0;
}

int
pg_store_claim_hook(struct pg_store *s, const char *hook, int64_t lease_s)
{
	static const struct pg_sql sql = {
	    "INSERT INTO hook_leases AS l (hook, owner, until)"
	    " VALUES ($1, $2, " DBNOW " + $3)"
	    " ON CONFLICT (hook) DO UPDATE SET owner = excluded.owner,"
	    "  until = excluded.until"
	    "  WHERE l.owner = excluded.owner OR l.until < " DBNOW
	    " RETURNING 1" };
	struct pg_params p = { 0 };
	int64_t one;

	pg_p_text(&p, hook);
	pg_p_text(&p, s->worker != NULL ? s->worker : "");
	pg_p_int(&p, lease_s);
	return pg_int(s, &sql, &p, "claiming a hook's alerts", &one);
}

/* ---- workers ---- */

int
pg_store_worker_beat(struct pg_store *s, const struct store_worker *me,
    int64_t lease_s, int64_t *ret_leases)
{
	static const struct pg_sql sql_me = {
	    "INSERT INTO workers(name, host, pid, started, seen, polls)"
	    " VALUES ($1, $2, $3, $4, " DBNOW ", $5)"
	    " ON CONFLICT (name) DO UPDATE SET host = excluded.host,"
	    "  pid = excluded.pid, started = excluded.started,"
	    "  seen = excluded.seen, polls = excluded.polls" };
	/*
	 * Renews every lease we hold. A row locked by another worker's
	 * commit (its poll of a feed whose lease we took over) is skipped,
	 * never waited for: waiting there could deadlock with that commit.
	 */
	static const struct pg_sql sql_renew = {
	    "UPDATE feeds SET lease_until = " DBNOW " + $2"
	    " WHERE id IN (SELECT id FROM feeds WHERE lease_owner = $1"
	    "  FOR UPDATE SKIP LOCKED)" };
	static const struct pg_sql sql_hooks = {
	    "UPDATE hook_leases SET until = " DBNOW " + $2"
	    " WHERE owner = $1" };
	/* Workers gone for a day are forgotten. */
	static const struct pg_sql sql_gone = {
	    "DELETE FROM workers WHERE seen < " DBNOW " - 86400" };
	struct pg_params p = { 0 };
	int64_t n;

	pg_p_text(&p, me->name);
	pg_p_text(&p, me->host);
	pg_p_int(&p, me->pid);
	pg_p_int(&p, me->started);
	pg_p_int(&p, me->polls);
	if (pg_exec(s, &sql_me, &p, "a worker's heartbeat", NULL) == -1)
		return -1;
	p.n = 0;
	pg_p_text(&p, me->name);
	pg_p_int(&p, lease_s);
	if (pg_exec(s, &sql_renew, &p, "renewing leases", &n) == -1 ||
	    pg_exec(s, &sql_hooks, &p, "renewing hook leases", NULL) == -1)
		return -1;
	if (ret_leases != NULL)
		*ret_leases = n;
	return pg_exec(s, &sql_gone, NULL, "forgetting old workers", NULL);
}

static void
read_worker(const PGresult *r, int i, void *out)
{
	struct store_worker *w = out;

	w->name = pg_col_dup(r, i, 0);
	w->host = pg_col_dup(r, i, 1);
	w->pid = pg_col_int(r, i, 2);
	w->started = pg_col_int(r, i, 3);
	w->seen = pg_col_int(r, i, 4);
	w->polls = pg_col_int(r, i, 5);
	w->leases = pg_col_int(r, i, 6);
}

int
pg_store_worker_list(struct pg_store *s, int64_t alive_s,
    struct store_worker **ret, size_t *ret_n)
{
	static const struct pg_sql sql = {
	    "SELECT w.name, w.host, w.pid, w.started, w.seen, w.polls,"
	    " (SELECT count(*) FROM feeds f WHERE f.lease_owner = w.name"
	    "  AND f.lease_until >= " DBNOW ")"
	    " FROM workers w WHERE w.seen >= " DBNOW " - $1"
	    " ORDER BY w.name" };
	struct pg_params p = { 0 };
	void *rows;
	int rc;

	pg_p_int(&p, alive_s);
	rc = pg_all_rows(s, &sql, &p, sizeof(struct store_worker),
	    read_worker, &rows, ret_n, "listing workers");
	*ret = rc == 0 ? rows : NULL;
	return rc;
}

int
pg_store_worker_leave(struct pg_store *s)
{
	static const struct pg_sql sql_feeds = {
	    "UPDATE feeds SET lease_owner = NULL, lease_until = 0"
	    " WHERE lease_owner = $1" };
	static const struct pg_sql sql_hooks = {
	    "DELETE FROM hook_leases WHERE owner = $1" };
	static const struct pg_sql sql_me = {
	    "DELETE FROM workers WHERE name = $1" };
	struct pg_params p = { 0 };

	if (s->worker == NULL)
		return 0;
	pg_p_text(&p, s->worker);
	if (pg_exec(s, &sql_feeds, &p, "releasing leases", NULL) == -1 ||
	    pg_exec(s, &sql_hooks, &p, "releasing hook leases", NULL) == -1 ||
	    pg_exec(s, &sql_me, &p, "leaving the workers", NULL) == -1)
		return -1;
	/*
	 * The others planned our feeds for when our leases would run out:
	 * told now that they are free, they look at them again at once.
	 */
	pg_changed(s, STORE_CHANGED_FEEDS | STORE_CHANGED_ALERTS);
	return 0;
}

/* ---- hearing others ---- */

int
pg_store_listen_open(struct pg_store *s)
{
	PGresult *r;

	pg_store_listen_close(s);
	s->listen = PQconnectdb(s->conninfo);
	if (s->listen == NULL || PQstatus(s->listen) != CONNECTION_OK) {
		log_warnx("store: %s: listening for other workers: %s",
		    s->shown, s->listen != NULL ?
		    PQerrorMessage(s->listen) : "out of memory");
		pg_store_listen_close(s);
		return -1;
	}
	r = PQexec(s->listen, "LISTEN " CHANNEL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		log_warnx("store: %s: listening for other workers: %s",
		    s->shown, PQerrorMessage(s->listen));
		PQclear(r);
		pg_store_listen_close(s);
		return -1;
	}
	PQclear(r);
	if (PQsetnonblocking(s->listen, 1) == -1) {
		pg_store_listen_close(s);
		return -1;
	}
	return PQsocket(s->listen);
}

int
pg_store_listen_read(struct pg_store *s)
{
	PGnotify *nt;
	unsigned bits, what = 0;
	const char *sp;

	if (s->listen == NULL)
		return -1;
	if (PQconsumeInput(s->listen) == 0 ||
	    PQstatus(s->listen) != CONNECTION_OK) {
		log_warnx("store: %s: lost the connection that hears other "
		    "workers: %s", s->shown, PQerrorMessage(s->listen));
		return -1;
	}
	while ((nt = PQnotifies(s->listen)) != NULL) {
		sp = strchr(nt->extra, ' ');
		/* Our own commits were told to us where they happened. */
		if (sp != NULL && sscanf(nt->extra, "%u", &bits) == 1 &&
		    (s->worker == NULL || strcmp(sp + 1, s->worker) != 0))
			what |= bits;
		PQfreemem(nt);
	}
	return (int)what;
}

void
pg_store_listen_close(struct pg_store *s)
{
	if (s->listen != NULL)
		PQfinish(s->listen);
	s->listen = NULL;
}
