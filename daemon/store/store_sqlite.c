/*
 * store_sqlite: the SQLite store (store_sqlite.h): opening, the statement
 * cache, transactions, status, cursors and backups. Feeds, ingest,
 * topics and pruning live in store_*.c, each file with the text of its
 * own statements (struct store_sql) beside the functions that run them.
 */
#include <sys/stat.h>

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "log.h"
#include "store.h"
#include "store_ckpt.h"
#include "store_int.h"
#include "store_sqlite.h"
#include "xmalloc.h"

#ifndef STORE_PAGE_SIZE
#define STORE_PAGE_SIZE	"16384"
#endif

static const char *const state_names[STORE_FEED_STATE_MAX] = {
	[STORE_FEED_NEW] = "new",
	[STORE_FEED_OK] = "ok",
	[STORE_FEED_BACKING_OFF] = "backing_off",
	[STORE_FEED_GONE] = "gone",
	[STORE_FEED_BLOCKED] = "blocked",
	[STORE_FEED_MOVED] = "moved",
};

const char *
store_feed_state_name(enum store_feed_state st)
{
	if ((int)st < 0 || st >= STORE_FEED_STATE_MAX)
		return "new";
	return state_names[st];
}

int
store_feed_state_from_name(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < STORE_FEED_STATE_MAX; i++)
		if (strcmp(state_names[i], name) == 0)
			return i;
	return -1;
}

const char *
store_origin_name(enum store_origin o)
{
	return o == STORE_ORIGIN_CONFIG ? "config" : "api";
}

sqlite3_stmt *
store_stmt(struct sqlite_store *s, const struct store_sql *q)
{
	sqlite3_stmt **slot = &s->stmt[q->slot];

	if (*slot == NULL && sqlite3_prepare_v3(s->db, q->text, -1,
	    SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
		/* A bug in our SQL, or a damaged schema. */
		log_errx("store: preparing statement %d: %s", (int)q->slot,
		    sqlite3_errmsg(s->db));
		return NULL;
	}
	return *slot;
}

int64_t
store_now(const struct sqlite_store *s)
{
	return s->now != 0 ? s->now : (int64_t)time(NULL);
}

void
sqlite_store_set_now(struct sqlite_store *s, int64_t now)
{
	s->now = now;
}

/*
 * Failures of the disk or the file, not of a statement: they make the
 * store "failing" (store_health) until a commit works again.
 */
static bool
storage_error(int code)
{
	switch (code & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_CANTOPEN:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_PROTOCOL:
		return true;
	default:
		return false;
	}
}

static void
health_failing(struct sqlite_store *s, const char *what, const char *why)
{
	if (!s->health.failing)
		s->health.since = store_now(s);
	s->health.failing = true;
	/* A reason too long for the status is cut; the log has it whole. */
	if (snprintf(s->health.error, sizeof(s->health.error), "%s: %s",
	    what, why) >= (int)sizeof(s->health.error))
		s->health.error[sizeof(s->health.error) - 1] = '\0';
}

int
store_fail(struct sqlite_store *s, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);
	int sys = sqlite3_system_errno(s->db);
	char why[256];

	/* "disk I/O error" alone does not say that the disk is full. */
	if (code == SQLITE_FULL || code == SQLITE_IOERR_WRITE ||
	    code == SQLITE_IOERR_TRUNCATE)
		snprintf(why, sizeof(why), "%s (code %d: %s), nothing stored",
		    sqlite3_errmsg(s->db), code, sys != 0 ? strerror(sys) :
		    "disk full or file size limit reached");
	else if ((code & 0xff) == SQLITE_IOERR)
		snprintf(why, sizeof(why), "%s (code %d%s%s)",
		    sqlite3_errmsg(s->db), code, sys != 0 ? ", " : "",
		    sys != 0 ? strerror(sys) : "");
	else
		snprintf(why, sizeof(why), "%s (code %d)",
		    sqlite3_errmsg(s->db), code);
	log_errx("store: %s: '%s': %s", what, s->path, why);
	if (storage_error(code))
		health_failing(s, what, why);
	return -1;
}

void
sqlite_store_health_get(const struct sqlite_store *s, struct store_health *ret)
{
	*ret = s->health;
}

int
store_exec(struct sqlite_store *s, sqlite3_stmt *st, const char *what)
{
	int rc;

	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(s, what);
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

sqlite3_stmt *
store_bound_id(struct sqlite_store *s, const struct store_sql *q, int64_t id)
{
	sqlite3_stmt *st = store_stmt(s, q);

	if (st != NULL)
		sqlite3_bind_int64(st, 1, id);
	return st;
}

sqlite3_stmt *
store_bound_text(struct sqlite_store *s, const struct store_sql *q,
    const char *text)
{
	sqlite3_stmt *st = store_stmt(s, q);

	if (st != NULL)
		sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	return st;
}

int
store_exec_id(struct sqlite_store *s, const struct store_sql *q, int64_t id,
    const char *what)
{
	return store_exec(s, store_bound_id(s, q, id), what);
}

int
store_in_tx(struct sqlite_store *s, int (*fn)(struct sqlite_store *, int64_t),
    int64_t id)
{
	int rc;

	if (store_begin(s) == -1)
		return -1;
	if ((rc = fn(s, id)) == -1) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s) == -1 ? -1 : rc;
}

static const struct store_sql sql_begin = { ST_BEGIN, "BEGIN IMMEDIATE" };
static const struct store_sql sql_commit = { ST_COMMIT, "COMMIT" };

int
store_begin(struct sqlite_store *s)
{
	int rc;

	/*
	 * SQLite undid the transaction we are in (after a full disk, say):
	 * a savepoint now would start a transaction of its own and commit
	 * part of the batch. Fail until the outermost commit says so.
	 */
	if (s->tx_depth > 0 && sqlite3_get_autocommit(s->db)) {
		log_errx("store: '%s': the transaction was undone after an "
		    "error; nothing more of it is written", s->path);
		return -1;
	}
	if (s->tx_depth == 0)
		rc = store_exec(s, store_stmt(s, &sql_begin),
		    "starting a transaction");
	else if ((rc = sqlite3_exec(s->db, "SAVEPOINT sp", NULL, NULL,
	    NULL)) != SQLITE_OK)
		rc = store_fail(s, "starting a savepoint");
	if (rc == 0) {
		s->tx_depth++;
		if (s->tx_depth < STORE_MARKS)
			s->ipend_mark[s->tx_depth] = s->nipend;
	}
	return rc;
}

int
store_commit(struct sqlite_store *s)
{
	if (s->tx_depth > 1) {
		if (sqlite3_exec(s->db, "RELEASE sp", NULL, NULL, NULL) ==
		    SQLITE_OK) {
			s->tx_depth--;
			return 0;
		}
		store_fail(s, "releasing a savepoint");
		store_rollback(s);
		return -1;
	}
	if (sqlite3_get_autocommit(s->db)) {
		/* Undone by SQLite already (see store_begin): nothing to commit. */
		s->tx_depth = 0;
		store_index_drop(s, 0);
		s->index_defer = false;
		s->automerge = 0;	/* as it was: said again */
		s->health.commit_failures++;
		health_failing(s, "committing", "the transaction was undone "
		    "after an earlier error");
		log_errx("store: committing: '%s': the transaction was undone "
		    "after an earlier error, nothing of it stored", s->path);
		return -1;
	}
	store_mkeys_drop(s);
	/* Nothing commits that the index does not have. */
	if (s->nipend > 0 && sqlite_store_index_pending(s) == -1) {
		store_rollback(s);
		return -1;
	}
	s->index_defer = false;
	if (store_exec(s, store_stmt(s, &sql_commit), "committing") == -1) {
		s->health.commit_failures++;
		if (!s->health.failing)
			health_failing(s, "committing", sqlite3_errmsg(s->db));
		store_rollback(s);
		return -1;
	}
	s->tx_depth = 0;
	if (s->health.failing)
		log_notice("store: '%s' takes writes again", s->path);
	s->health.failing = false;
	s->health.since = 0;
	s->health.error[0] = '\0';
	return 0;
}

void
store_rollback(struct sqlite_store *s)
{
	store_mkeys_drop(s);
	if (s->tx_depth > 1) {
		if (s->tx_depth < STORE_MARKS)
			store_index_drop(s, s->ipend_mark[s->tx_depth]);
		s->tx_depth--;
		/* After an I/O error SQLite may have undone everything. */
		if (!sqlite3_get_autocommit(s->db)) {
			sqlite3_exec(s->db, "ROLLBACK TO sp", NULL, NULL, NULL);
			sqlite3_exec(s->db, "RELEASE sp", NULL, NULL, NULL);
		}
		return;
	}
	s->tx_depth = 0;
	store_index_drop(s, 0);
	s->index_defer = false;
	s->automerge = 0;	/* the index's setting as it was: said again */
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int
sqlite_store_batch_begin(struct sqlite_store *s)
{
	return store_begin(s);
}

int
sqlite_store_batch_commit(struct sqlite_store *s)
{
	return store_commit(s);
}

void
sqlite_store_batch_rollback(struct sqlite_store *s)
{
	store_rollback(s);
}

int
store_one_row(struct sqlite_store *s, sqlite3_stmt *st, size_t size,
    store_read_fn *read, void *ret, const char *what)
{
	int rc;

	memset(ret, 0, size);
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read(st, ret);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, what);
	return rc == SQLITE_ROW;
}

int
store_all_rows(struct sqlite_store *s, sqlite3_stmt *st, size_t size,
    store_read_fn *read, store_clear_fn *clear, void **ret, size_t *ret_n,
    const char *what)
{
	char *rows = NULL;
	size_t n = 0, cap = 0, i;
	int rc;

	*ret = NULL;
	*ret_n = 0;
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			rows = xreallocarray(rows, cap, size);
		}
		memset(rows + n * size, 0, size);
		read(st, rows + n * size);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		for (i = 0; clear != NULL && i < n; i++)
			clear(rows + i * size);
		free(rows);
		return store_fail(s, what);
	}
	*ret = rows;
	*ret_n = n;
	return 0;
}

void
store_read_int64(sqlite3_stmt *st, void *row)
{
	*(int64_t *)row = sqlite3_column_int64(st, 0);
}

void
store_read_text(sqlite3_stmt *st, void *row)
{
	*(char **)row = store_col_dup(st, 0);
}

char *
store_col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t != NULL ? xstrdup((const char *)t) : NULL;
}

void
store_bind_time(sqlite3_stmt *st, int i, int64_t t)
{
	if (t == FEED_TIME_NONE)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, t);
}

int64_t
store_col_time(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return FEED_TIME_NONE;
	return sqlite3_column_int64(st, i);
}

static inline uint64_t
fold_mul(uint64_t a, uint64_t b)
{
	__extension__ unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * Word-at-a-time multiply-fold hash (the wyhash idea): keys and change
 * detection only, never security. Little-endian reads keep stored hashes
 * valid if the file moves to another machine.
 */
uint64_t
store_hash(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ 0x9e3779b97f4a7c15ULL ^ len, w;

	while (len >= 8) {
		memcpy(&w, p, 8);
		h = fold_mul(h ^ le64toh(w), 0xbf58476d1ce4e5b9ULL);
		p += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, p, len);
	h = fold_mul(h ^ le64toh(w) ^ ((uint64_t)len << 56),
	    0x94d049bb133111ebULL);
	return fold_mul(h, 0x2545f4914f6cdd1dULL);
}

struct sqlite_store *
sqlite_store_open(const char *path, char *err, size_t errlen)
{
	struct sqlite_store *s;
	char cerr[256];
	/*
	 * page_size counts only when the file is created. Entries are
	 * 1-3 kB: at 4 kB most pages held one row and half of the file was
	 * slack (bench/README-store.md).
	 */
	const char *pragmas =
	    "PRAGMA page_size = " STORE_PAGE_SIZE ";"
	    "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;"
	    /* A WAL grown by a big transaction shrinks back after it. */
	    "PRAGMA journal_size_limit = 33554432;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA temp_store = MEMORY;"
	    "PRAGMA cache_size = -16384;";

	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	buf_init(&s->text);
	buf_init(&s->stext);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "'%s': %s", path, s->db != NULL ?
		    sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);
	if (sqlite3_exec(s->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "'%s': %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (store_schema_functions(s->db) == -1) {
		snprintf(err, errlen, "'%s': registering functions: %s", path,
		    sqlite3_errmsg(s->db));
		goto fail;
	}
	/* Before anything opens the index: its tokenizer is made then. */
	if (store_tokens_wrap(s) == -1)
		log_warnx("store: '%s': cannot wrap the full-text tokenizer; "
		    "topics are filtered more slowly", path);
	else
		s->tokens_wrapped = true;
	if (store_schema_migrate(s->db, err, errlen) == -1) {
		/* Prefix the path without losing the reason. */
		char *reason = xstrdup(err);

		snprintf(err, errlen, "'%s': %s", path, reason);
		free(reason);
		goto fail;
	}
	if ((s->ckpt = store_ckpt_new(path, s->db, STORE_CKPT_FRAMES, cerr,
	    sizeof(cerr))) == NULL && cerr[0] != '\0')
		log_warnx("store: '%s': checkpoints stay with the writer: %s",
		    path, cerr);
	return s;
fail:
	sqlite_store_free(s);
	return NULL;
}

void
sqlite_store_free(struct sqlite_store *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_MAX; i++)
		sqlite3_finalize(s->stmt[i]);
	for (i = 0; i < STORE_LQ_CACHE; i++)
		sqlite3_finalize(s->list_stmt[i].st);
	store_ckpt_free(s->ckpt);
	/* Closing the last connection checkpoints and removes the WAL. */
	sqlite3_close(s->db);
	buf_free(&s->text);
	buf_free(&s->stext);
	store_index_drop(s, 0);
	store_mkeys_drop(s);
	free(s->ipend);
	free(s->sink);
	free(s->path);
	free(s);
}

sqlite3 *
sqlite_store_db(struct sqlite_store *s)
{
	return s->db;
}

const char *
sqlite_store_path(const struct sqlite_store *s)
{
	return s->path;
}

int64_t
sqlite_store_db_size(struct sqlite_store *s)
{
	struct stat sb;
	char *wal;
	int64_t size;

	if (stat(s->path, &sb) == -1) {
		log_warn("store: '%s'", s->path);
		return -1;
	}
	size = sb.st_size;
	wal = xasprintf("%s-wal", s->path);
	if (stat(wal, &sb) == 0)
		size += sb.st_size;
	free(wal);
	return size;
}

int64_t
sqlite_store_last_entry_id(struct sqlite_store *s)
{
	static const struct store_sql sql = { ST_LAST_ID,
	    "SELECT seq FROM sqlite_sequence WHERE name = 'entries'" };
	sqlite3_stmt *st = store_stmt(s, &sql);
	int64_t id = 0;
	int rc;

	if (st == NULL)
		return 0;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		store_fail(s, "reading the last entry id");
	sqlite3_reset(st);
	return id;
}

int
sqlite_store_status_get(struct sqlite_store *s, struct store_status *ret)
{
	/* feed_counts has a row a state (schema step 14): no feed is read. */
	static const struct store_sql sql = { ST_STATUS,
	    "SELECT COALESCE(sum(feeds), 0),"
	    " COALESCE(sum(feeds) FILTER (WHERE state = 'new'), 0),"
	    " COALESCE(sum(feeds) FILTER (WHERE state = 'backing_off'), 0),"
	    " COALESCE(sum(failing), 0),"
	    " COALESCE(sum(entries), 0),"
	    " (SELECT count(*) FROM topics)"
	    " FROM feed_counts" };
	sqlite3_stmt *st;

	memset(ret, 0, sizeof(*ret));
	if ((st = store_stmt(s, &sql)) == NULL)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_fail(s, "reading the status");
		sqlite3_reset(st);
		return -1;
	}
	ret->feeds = sqlite3_column_int64(st, 0);
	ret->feeds_new = sqlite3_column_int64(st, 1);
	ret->feeds_backing_off = sqlite3_column_int64(st, 2);
	ret->feeds_failing = sqlite3_column_int64(st, 3);
	ret->entries = sqlite3_column_int64(st, 4);
	ret->topics = sqlite3_column_int64(st, 5);
	sqlite3_reset(st);
	ret->last_entry_id = sqlite_store_last_entry_id(s);
	ret->db_bytes = sqlite_store_db_size(s);
	return 0;
}

int
sqlite_store_feed_state_counts(struct sqlite_store *s,
    int64_t ret[STORE_FEED_STATE_MAX])
{
	static const struct store_sql sql = { ST_STATE_COUNTS,
	    "SELECT state, feeds FROM feed_counts" };
	sqlite3_stmt *st = store_stmt(s, &sql);
	int rc, i;

	memset(ret, 0, STORE_FEED_STATE_MAX * sizeof(*ret));
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((i = store_feed_state_from_name((const char *)
		    sqlite3_column_text(st, 0))) >= 0)
			ret[i] = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return store_fail(s, "counting feeds by state");
	return 0;
}

/* ---- reconciling configured feeds and topics ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted copy of the names, for bsearch. */
static const char **
names_sorted(const void *items, size_t n, size_t size, size_t off)
{
	const char **names = xcalloc(n, sizeof(*names));
	size_t i;

	for (i = 0; i < n; i++)
		names[i] = *(const char *const *)((const char *)items +
		    i * size + off);
	qsort(names, n, sizeof(*names), cmp_str);
	return names;
}

static bool
names_has(const char **names, size_t n, const char *name)
{
	return name != NULL && bsearch(&name, names, n, sizeof(*names),
	    cmp_str) != NULL;
}

int
store_drop_unnamed(struct sqlite_store *s, const struct store_sql *list,
    const void *items, size_t n, size_t size, size_t off,
    int (*drop)(struct sqlite_store *, int64_t), size_t *ret_removed)
{
	sqlite3_stmt *st;
	const char **names;
	int64_t *gone = NULL;
	size_t i, ngone = 0;
	int rc = -1, step;

	if ((st = store_stmt(s, list)) == NULL)
		return -1;
	names = names_sorted(items, n, size, off);
	/* Collected first: deleting while the statement walks the table. */
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!names_has(names, n,
		    (const char *)sqlite3_column_text(st, 1))) {
			gone = xreallocarray(gone, ngone + 1, sizeof(*gone));
			gone[ngone++] = sqlite3_column_int64(st, 0);
		}
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE) {
		store_fail(s, "listing configured items");
		goto out;
	}
	for (i = 0; i < ngone; i++) {
		if (drop(s, gone[i]) == -1)
			goto out;
		(*ret_removed)++;
	}
	rc = 0;
out:
	free(names);
	free(gone);
	return rc;
}

/* ---- cursors ---- */

int
sqlite_store_cursor_get(struct sqlite_store *s, const char *client,
    int64_t topic_id,
    int64_t *ret_value)
{
	static const struct store_sql sql = { ST_CURSOR_GET,
	    "SELECT value FROM cursors WHERE client = ? AND topic_id = ?" };
	sqlite3_stmt *st = store_bound_text(s, &sql, client);

	if (st != NULL)
		sqlite3_bind_int64(st, 2, topic_id);
	return store_one_row(s, st, sizeof(*ret_value), store_read_int64,
	    ret_value, "reading a cursor");
}

int
sqlite_store_cursor_set(struct sqlite_store *s, const char *client,
    int64_t topic_id,
    int64_t value)
{
	static const struct store_sql sql = { ST_CURSOR_SET,
	    "INSERT INTO cursors(client, topic_id, value, updated)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(client, topic_id)"
	    " DO UPDATE SET value = ?3, updated = ?4" };
	sqlite3_stmt *st = store_stmt(s, &sql);

	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, client, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, topic_id);
	sqlite3_bind_int64(st, 3, value);
	sqlite3_bind_int64(st, 4, store_now(s));
	return store_exec(s, st, "saving a cursor");
}

static void
cursor_read(sqlite3_stmt *st, void *row)
{
	struct store_cursor *c = row;

	c->topic_id = sqlite3_column_int64(st, 0);
	c->topic_name = store_col_dup(st, 1);
	c->value = sqlite3_column_int64(st, 2);
	c->updated = sqlite3_column_int64(st, 3);
}

static void
cursor_clear(void *row)
{
	free(((struct store_cursor *)row)->topic_name);
}

int
sqlite_store_cursor_list(struct sqlite_store *s, const char *client,
    struct store_cursor **ret, size_t *ret_n)
{
	static const struct store_sql sql = { ST_CURSOR_LIST,
	    "SELECT c.topic_id, t.name, c.value, c.updated"
	    " FROM cursors c LEFT JOIN topics t ON t.id = c.topic_id"
	    " WHERE c.client = ? ORDER BY c.topic_id" };
	sqlite3_stmt *st = store_stmt(s, &sql);

	if (st != NULL)
		sqlite3_bind_text(st, 1, client, -1, SQLITE_STATIC);
	return store_all_rows(s, st, sizeof(**ret), cursor_read,
	    cursor_clear, (void **)ret, ret_n, "listing cursors");
}

void
store_cursor_list_free(struct store_cursor *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(c[i].topic_name);
	free(c);
}

/* ---- backup ---- */

int
sqlite_store_backup(struct sqlite_store *s, const char *dest_path, char *err,
    size_t errlen)
{
	sqlite3 *src = NULL, *dst = NULL;
	sqlite3_backup *b;
	char *tmp;
	int rc = -1;

	/* Written beside the target and renamed: never a half copy at dest. */
	tmp = xasprintf("%s.tmp", dest_path);
	unlink(tmp);
	if (sqlite3_open_v2(s->path, &src, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "'%s': %s", s->path,
		    src != NULL ? sqlite3_errmsg(src) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(src, 5000);
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "'%s': %s", tmp,
		    dst != NULL ? sqlite3_errmsg(dst) : "out of memory");
		goto out;
	}
	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL) {
		snprintf(err, errlen, "'%s': %s", dest_path,
		    sqlite3_errmsg(dst));
		goto out;
	}
	/* One step: one read transaction, so one consistent snapshot. */
	sqlite3_backup_step(b, -1);
	if (sqlite3_backup_finish(b) != SQLITE_OK) {
		snprintf(err, errlen, "'%s': %s", dest_path,
		    sqlite3_errmsg(dst));
		goto out;
	}
	if (sqlite3_close(dst) != SQLITE_OK) {
		snprintf(err, errlen, "'%s': %s", dest_path,
		    sqlite3_errmsg(dst));
		goto out;
	}
	dst = NULL;
	if (rename(tmp, dest_path) == -1) {
		snprintf(err, errlen, "'%s': %s", dest_path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (dst != NULL)
		sqlite3_close(dst);
	if (src != NULL)
		sqlite3_close(src);
	if (rc == -1)
		unlink(tmp);
	free(tmp);
	return rc;
}
