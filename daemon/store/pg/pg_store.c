/*
 * pg_store: the PostgreSQL store's connection, statements, transactions
 * and health (pg_store.h, pg_store_int.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "log.h"
#include "pg_schema.h"
#include "pg_store.h"
#include "pg_store_int.h"
#include "xmalloc.h"

int64_t
pg_now(const struct pg_store *s)
{
	return s->now != 0 ? s->now : (int64_t)time(NULL);
}

void
pg_store_set_now(struct pg_store *s, int64_t now)
{
	s->now = now;
}

/* ---- parameters and columns ---- */

static const char **
param_slot(struct pg_params *p)
{
	if (p->n >= PG_MAXPARAMS) {
		/* A statement's text decides the count: a bug, not input. */
		log_warnx("store: too many parameters for one statement");
		abort();
	}
	return &p->v[p->n++];
}

void
pg_p_int(struct pg_params *p, int64_t v)
{
	int i = p->n;

	snprintf(p->num[i], sizeof(p->num[i]), "%" PRId64, v);
	*param_slot(p) = p->num[i];
}

void
pg_p_text(struct pg_params *p, const char *v)
{
	*param_slot(p) = v;
}

void
pg_p_bool(struct pg_params *p, bool v)
{
	*param_slot(p) = v ? "t" : "f";
}

void
pg_p_time(struct pg_params *p, int64_t v)
{
	if (v == FEED_TIME_NONE)
		pg_p_text(p, NULL);
	else
		pg_p_int(p, v);
}

char *
pg_col_dup(const PGresult *r, int row, int col)
{
	return xstrdup_or_null(pg_col_view(r, row, col));
}

char *
pg_col_view(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

int64_t
pg_col_int(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? 0 :
	    strtoll(PQgetvalue(r, row, col), NULL, 10);
}

int64_t
pg_col_time(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? FEED_TIME_NONE :
	    strtoll(PQgetvalue(r, row, col), NULL, 10);
}

bool
pg_col_bool(const PGresult *r, int row, int col)
{
	return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* ---- health ---- */

static void
health_failing(struct pg_store *s, const char *what, const char *why)
{
	if (!s->health.failing)
		s->health.since = pg_now(s);
	s->health.failing = true;
	if (snprintf(s->health.error, sizeof(s->health.error), "%s: %s",
	    what, why) >= (int)sizeof(s->health.error))
		s->health.error[sizeof(s->health.error) - 1] = '\0';
}

static void
health_ok(struct pg_store *s)
{
	s->health.failing = false;
	s->health.since = 0;
	s->health.error[0] = '\0';
}

void
pg_store_health_get(const struct pg_store *s, struct store_health *ret)
{
	*ret = s->health;
}

int
pg_fail(struct pg_store *s, const char *what, const char *why)
{
	log_warnx("store: %s: %s", what, why);
	return -1;
}

/* PostgreSQL's message on one line, in buf. */
static const char *
message(PGconn *c, const PGresult *r, char *buf, size_t len)
{
	const char *msg = r != NULL ? PQresultErrorMessage(r) : "";
	size_t i, n;

	if (msg[0] == '\0')
		msg = PQerrorMessage(c);
	for (i = n = 0; msg[i] != '\0' && n + 1 < len; i++)
		buf[n++] = msg[i] == '\n' ? ' ' : msg[i];
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return buf;
}

/*
 * Whether a failure is the database's rather than the statement's: the
 * connection, the disk, the server's resources (SQLSTATE classes 08, 53,
 * 57, 58, XX). Those make the store failing.
 */
static bool
is_systemic(PGconn *c, const PGresult *r)
{
	const char *state;

	if (PQstatus(c) != CONNECTION_OK)
		return true;
	state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	if (state == NULL)
		return false;
	return strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
	    strncmp(state, "57", 2) == 0 || strncmp(state, "58", 2) == 0 ||
	    strncmp(state, "XX", 2) == 0;
}

/*
 * A lost connection is made again between transactions (never inside
 * one: what it held is gone). Its statements are prepared again.
 */
static int
reconnect(struct pg_store *s)
{
	if (PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	if (s->tx_depth > 0)
		return -1;
	PQreset(s->conn);
	s->nprepared = 0;
	if (PQstatus(s->conn) != CONNECTION_OK) {
		char msg[256];

		health_failing(s, "connecting",
		    message(s->conn, NULL, msg, sizeof(msg)));
		return -1;
	}
	log_info("store: connected to %s again", s->shown);
	return 0;
}

/* The prepared statement's name for q on this connection. */
static int
prepare(struct pg_store *s, const struct pg_sql *q, char *name, size_t len)
{
	PGresult *r;
	size_t i;

	snprintf(name, len, "s%p", (const void *)q);
	for (i = 0; i < s->nprepared; i++)
		if (s->prepared[i] == q)
			return 0;
	r = PQprepare(s->conn, name, q->text, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		char msg[512];

		log_warnx("store: preparing \"%.60s...\": %s", q->text,
		    message(s->conn, r, msg, sizeof(msg)));
		PQclear(r);
		return -1;
	}
	PQclear(r);
	s->prepared = xreallocarray(s->prepared, s->nprepared + 1,
	    sizeof(*s->prepared));
	s->prepared[s->nprepared++] = q;
	return 0;
}

PGresult *
pg_run(struct pg_store *s, const struct pg_sql *q, const struct pg_params *p,
    const char *what)
{
	char name[32], msg[512];
	PGresult *r;
	ExecStatusType st;

	if (s->tx_failed) {
		/* PostgreSQL refuses all but a rollback now. */
		log_warnx("store: %s: the transaction was undone", what);
		return NULL;
	}
	if (reconnect(s) == -1 || prepare(s, q, name, sizeof(name)) == -1) {
		log_warnx("store: %s: %s", what,
		    message(s->conn, NULL, msg, sizeof(msg)));
		return NULL;
	}
	r = PQexecPrepared(s->conn, name, p != NULL ? p->n : 0,
	    p != NULL ? p->v : NULL, NULL, NULL, 0);
	st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return r;
	message(s->conn, r, msg, sizeof(msg));
	log_warnx("store: %s: %s", what, msg);
	if (is_systemic(s->conn, r))
		health_failing(s, what, msg);
	PQclear(r);
	return NULL;
}

int
pg_exec(struct pg_store *s, const struct pg_sql *q, const struct pg_params *p,
    const char *what, int64_t *ret_n)
{
	PGresult *r = pg_run(s, q, p, what);

	if (r == NULL)
		return -1;
	if (ret_n != NULL)
		*ret_n = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return 0;
}

int
pg_int(struct pg_store *s, const struct pg_sql *q, const struct pg_params *p,
    const char *what, int64_t *ret)
{
	PGresult *r = pg_run(s, q, p, what);
	int found;

	*ret = 0;
	if (r == NULL)
		return -1;
	found = PQntuples(r) > 0;
	if (found)
		*ret = pg_col_int(r, 0, 0);
	PQclear(r);
	return found;
}

int
pg_command(struct pg_store *s, const char *sql, const char *what)
{
	PGresult *r;
	char msg[512];

	if (reconnect(s) == -1)
		return -1;
	r = PQexec(s->conn, sql);
	if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		PQclear(r);
		return 0;
	}
	message(s->conn, r, msg, sizeof(msg));
	log_warnx("store: %s: %s", what, msg);
	if (is_systemic(s->conn, r))
		health_failing(s, what, msg);
	PQclear(r);
	return -1;
}

/* ---- transactions ---- */

/*
 * BEGIN and the write lock in one round trip: writers of all workers
 * take turns (PG_WRITE_LOCK), the lock going with the transaction.
 */
static int
begin_locked(struct pg_store *s)
{
	char sql[80], msg[256];
	PGresult *r;

	if (reconnect(s) == -1)
		return -1;
	snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%d)",
	    PG_WRITE_LOCK);
	r = PQexec(s->conn, sql);
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		PQclear(r);
		return 0;
	}
	message(s->conn, r, msg, sizeof(msg));
	log_warnx("store: beginning a transaction: %s", msg);
	if (is_systemic(s->conn, r))
		health_failing(s, "beginning a transaction", msg);
	PQclear(r);
	if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		PQclear(PQexec(s->conn, "ROLLBACK"));
	return -1;
}

int
pg_begin(struct pg_store *s)
{
	char sql[32];

	if (s->tx_depth == 0) {
		if (begin_locked(s) == -1)
			return -1;
		s->tx_failed = false;
		s->changed = 0;
	} else {
		if (s->tx_failed)
			return -1;
		snprintf(sql, sizeof(sql), "SAVEPOINT s%d", s->tx_depth);
		if (pg_command(s, sql, "beginning a savepoint") == -1)
			return -1;
	}
	s->tx_depth++;
	return 0;
}

int
pg_commit(struct pg_store *s)
{
	char sql[32];

	if (s->tx_depth <= 0)
		return -1;
	if (s->tx_depth > 1) {
		if (s->tx_failed) {
			s->tx_depth--;
			return -1;
		}
		snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT s%d",
		    s->tx_depth - 1);
		s->tx_depth--;
		return pg_command(s, sql, "releasing a savepoint");
	}
	s->tx_depth = 0;
	/* A statement that failed outside any savepoint undid it all. */
	if (PQtransactionStatus(s->conn) == PQTRANS_INERROR)
		s->tx_failed = true;
	if (s->tx_failed) {
		/* Nothing of a batch is committed piecemeal. */
		pg_command(s, "ROLLBACK", "rolling back");
		s->tx_failed = false;
		s->health.commit_failures++;
		return -1;
	}
	if (s->changed != 0 && pg_changed_send(s) == -1) {
		pg_command(s, "ROLLBACK", "rolling back");
		s->health.commit_failures++;
		return -1;
	}
	if (pg_command(s, "COMMIT", "committing") == -1) {
		s->health.commit_failures++;
		if (!s->health.failing)
			health_failing(s, "committing",
			    PQerrorMessage(s->conn));
		return -1;
	}
	if (s->health.failing)
		log_info("store: writes work again");
	health_ok(s);
	return 0;
}

void
pg_rollback(struct pg_store *s)
{
	char sql[96];

	if (s->tx_depth <= 0)
		return;
	if (s->tx_depth == 1) {
		s->tx_depth = 0;
		s->tx_failed = false;
		s->changed = 0;
		pg_command(s, "ROLLBACK", "rolling back");
		return;
	}
	s->tx_depth--;
	if (s->tx_failed)
		return;
	snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT s%d; "
	    "RELEASE SAVEPOINT s%d", s->tx_depth, s->tx_depth);
	if (pg_command(s, sql, "rolling back a savepoint") == -1)
		s->tx_failed = true;
}

int
pg_store_batch_begin(struct pg_store *s)
{
	return pg_begin(s);
}

int
pg_store_batch_commit(struct pg_store *s)
{
	/*
	 * The group's additions to feed_counts added up as it commits: the
	 * table stays at a row a state and a group's rows. A failure leaves
	 * the transaction failed, which pg_commit undoes.
	 */
	if (s->tx_depth == 1 && !s->tx_failed)
		(void)pg_feed_counts_fold(s);
	return pg_commit(s);
}

void
pg_store_batch_rollback(struct pg_store *s)
{
	pg_rollback(s);
}

/*
 * PostgreSQL's index takes each row as it is written: there is nothing
 * to defer, and nothing pending.
 */
void
pg_store_index_defer(struct pg_store *s)
{
	(void)s;
}

int
pg_store_index_pending(struct pg_store *s)
{
	(void)s;
	return 0;
}

void
pg_store_set_token_sink(struct pg_store *s,
    const struct store_token_sink *sink)
{
	free(s->sink);
	s->sink = NULL;
	if (sink != NULL) {
		s->sink = xmalloc(sizeof(*s->sink));
		*s->sink = *sink;
	}
}

/* ---- opening ---- */

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	log_debug("store: postgresql: %s", msg);
}

/* The database as logs and answers may show it: no password. */
static char *
shown_name(PGconn *c)
{
	const char *host = PQhost(c), *db = PQdb(c), *user = PQuser(c);

	return xasprintf("postgresql://%s@%s/%s", user != NULL ? user : "",
	    host != NULL && host[0] != '/' ? host : "", db != NULL ? db : "");
}

struct pg_store *
pg_store_open(const char *uri, char *err, size_t errlen)
{
	struct pg_store *s = xcalloc(1, sizeof(*s));
	/* "postgresql:" alone: everything from libpq's PG* environment. */
	const char *conninfo = strcmp(uri, "postgresql:") == 0 ? "" : uri;
	char msg[512];

	s->conn = PQconnectdb(conninfo);
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
		snprintf(err, errlen, "postgresql: %s", s->conn != NULL ?
		    message(s->conn, NULL, msg, sizeof(msg)) :
		    "out of memory");
		goto fail;
	}
	PQsetNoticeProcessor(s->conn, quiet, NULL);
	s->shown = shown_name(s->conn);
	s->conninfo = xstrdup(conninfo);
	if (PQserverVersion(s->conn) < 150000) {
		snprintf(err, errlen, "%s: PostgreSQL %d.%d is too old; feedd "
		    "needs 15 or newer", s->shown,
		    PQserverVersion(s->conn) / 10000,
		    PQserverVersion(s->conn) % 10000);
		goto fail;
	}
	/* Times are Unix seconds; text and sorting never depend on locale. */
	if (pg_command(s, "SET client_encoding = 'UTF8'; "
	    "SET TIME ZONE 'UTC'", "setting up the session") == -1) {
		snprintf(err, errlen, "%s: %s", s->shown,
		    message(s->conn, NULL, msg, sizeof(msg)));
		goto fail;
	}
	if (pg_schema_migrate(s->conn, msg, sizeof(msg)) == -1) {
		snprintf(err, errlen, "%s: %s", s->shown, msg);
		goto fail;
	}
	if ((s->tok = store_tokenizer_new()) == NULL) {
		snprintf(err, errlen, "%s: no full-text tokenizer", s->shown);
		goto fail;
	}
	/* Documents made by an older rule are made again (pg_fts.h). */
	if (pg_store_fts_refresh(s) == -1) {
		snprintf(err, errlen, "%s: making the full-text index again "
		    "failed", s->shown);
		goto fail;
	}
	return s;
fail:
	pg_store_free(s);
	return NULL;
}

void
pg_store_free(struct pg_store *s)
{
	if (s == NULL)
		return;
	if (s->tx_depth > 0)
		PQclear(PQexec(s->conn, "ROLLBACK"));
	PQfinish(s->conn);
	if (s->listen != NULL)
		PQfinish(s->listen);
	free(s->worker);
	free(s->conninfo);
	store_tokenizer_free(s->tok);
	free(s->prepared);
	free(s->sink);
	free(s->shown);
	free(s);
}

const char *
pg_store_path(const struct pg_store *s)
{
	return s->shown;
}

int64_t
pg_store_db_size(struct pg_store *s)
{
	static const struct pg_sql sql = {
	    "SELECT pg_database_size(current_database())" };
	int64_t size;

	if (pg_int(s, &sql, NULL, "reading the database's size", &size) != 1)
		return -1;
	return size;
}

int64_t
pg_store_last_entry_id(struct pg_store *s)
{
	/*
	 * The greatest committed id, not the sequence's: the sequence counts
	 * ids another worker's transaction holds and has not committed yet,
	 * and a reader that moved past them (a stream, "mark all read up to
	 * the last entry") would never see those entries. Committed ids grow
	 * in commit order (every write transaction takes PG_WRITE_LOCK), so
	 * nothing committed later has an id at or below this one.
	 */
	static const struct pg_sql sql = {
	    "SELECT coalesce(max(id), 0) FROM entries" };
	int64_t id;

	if (pg_int(s, &sql, NULL, "reading the last entry id", &id) != 1)
		return 0;
	return id;
}

/* ---- rows ---- */

int
pg_one_row(struct pg_store *s, const struct pg_sql *q,
    const struct pg_params *p, size_t size, pg_read_fn *read, void *ret,
    const char *what)
{
	PGresult *r = pg_run(s, q, p, what);
	int found;

	memset(ret, 0, size);
	if (r == NULL)
		return -1;
	if ((found = PQntuples(r) > 0))
		read(r, 0, ret);
	PQclear(r);
	return found;
}

int
pg_all_rows(struct pg_store *s, const struct pg_sql *q,
    const struct pg_params *p, size_t size, pg_read_fn *read, void **ret,
    size_t *ret_n, const char *what)
{
	PGresult *r = pg_run(s, q, p, what);
	char *rows;
	int i, n;

	*ret = NULL;
	*ret_n = 0;
	if (r == NULL)
		return -1;
	n = PQntuples(r);
	if (n > 0) {
		rows = xcalloc((size_t)n, size);
		for (i = 0; i < n; i++)
			read(r, i, rows + (size_t)i * size);
		*ret = rows;
		*ret_n = (size_t)n;
	}
	PQclear(r);
	return 0;
}

int
pg_each(struct pg_store *s, const struct pg_sql *q, const struct pg_params *p,
    int (*fn)(const PGresult *r, void *arg), void *arg, const char *what)
{
	char name[32], msg[512];
	PGresult *r;
	ExecStatusType st;
	int out = 0, failed = 0;

	if (s->tx_failed) {
		log_warnx("store: %s: the transaction was undone", what);
		return -1;
	}
	if (reconnect(s) == -1 || prepare(s, q, name, sizeof(name)) == -1 ||
	    !PQsendQueryPrepared(s->conn, name, p != NULL ? p->n : 0,
	    p != NULL ? p->v : NULL, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(s->conn)) {
		log_warnx("store: %s: %s", what,
		    message(s->conn, NULL, msg, sizeof(msg)));
		/* A query that was sent is read to its end below. */
		failed = 1;
	}
	/* Every result is read, even after fn stopped: the connection's. */
	while ((r = PQgetResult(s->conn)) != NULL) {
		st = PQresultStatus(r);
		if (st == PGRES_SINGLE_TUPLE) {
			if (out == 0 && !failed && fn(r, arg) == -1)
				out = -1;
		} else if (st != PGRES_TUPLES_OK && !failed) {
			message(s->conn, r, msg, sizeof(msg));
			log_warnx("store: %s: %s", what, msg);
			if (is_systemic(s->conn, r))
				health_failing(s, what, msg);
			failed = 1;
		}
		PQclear(r);
	}
	return failed ? -1 : out;
}

void
pg_read_int64(const PGresult *r, int i, void *out)
{
	*(int64_t *)out = pg_col_int(r, i, 0);
}

/* ---- bytes ---- */

void
pg_p_bytes(struct pg_params *p, const unsigned char *v, size_t len,
    char *hex)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	hex[0] = '\\';
	hex[1] = 'x';
	for (i = 0; i < len; i++) {
		hex[2 + 2 * i] = digits[v[i] >> 4];
		hex[3 + 2 * i] = digits[v[i] & 0xf];
	}
	hex[2 + 2 * len] = '\0';
	pg_p_text(p, hex);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool
pg_col_bytes(const PGresult *r, int row, int col, unsigned char *out,
    size_t len)
{
	const char *v;
	size_t i;
	int hi, lo;

	if (PQgetisnull(r, row, col))
		return false;
	v = PQgetvalue(r, row, col);
	if (v[0] == '\\' && v[1] == 'x')
		v += 2;
	if (strlen(v) != 2 * len)
		return false;
	for (i = 0; i < len; i++) {
		if ((hi = hexval(v[2 * i])) < 0 ||
		    (lo = hexval(v[2 * i + 1])) < 0)
			return false;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return true;
}
