/*
 * pg_store_int: what the PostgreSQL store's files share (pg_store*.c).
 * Not for other modules: they use store.h.
 */
#ifndef FEEDD_PG_STORE_INT_H
#define FEEDD_PG_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store.h"

/*
 * One statement: its text, written beside the function that runs it,
 * with $1.. parameters. Prepared on a connection at its first use there
 * (named by its address) and kept until the connection closes.
 */
struct pg_sql {
	const char	*text;
};

/* Parameters as text, the way libpq's text format hands them over. */
#define PG_MAXPARAMS	32
struct pg_params {
	int		 n;
	const char	*v[PG_MAXPARAMS];
	char		 num[PG_MAXPARAMS][24];
};

struct pg_store {
	PGconn		*conn;
	char		*shown;		/* the URI with its password hidden */
	int64_t		 now;		/* 0: the real clock */
	const struct pg_sql **prepared;	/* on this connection */
	size_t		 nprepared;
	/* pg_begin nesting: 0 none, 1 a transaction, >1 savepoints in it. */
	int		 tx_depth;
	bool		 tx_failed;	/* the transaction was undone */
	struct store_token_sink *sink;	/* a copy, or NULL */
	struct store_tokenizer *tok;	/* documents' and queries' words */
	struct store_health health;
	/* Several workers (pg_store_cluster.c). */
	char		*worker;	/* our name among them, or NULL */
	char		*conninfo;	/* for the listening connection */
	PGconn		*listen;	/* hears other workers, or NULL */
	unsigned	 changed;	/* STORE_CHANGED_* of the transaction */
};

/*
 * "writ": the lock every write transaction takes first, so that the
 * transactions of all workers commit one after the other and entry ids
 * grow in commit order (store.h, several workers).
 */
#define PG_WRITE_LOCK	0x77726974

/*
 * "cnts": held by whoever adds feed_counts' rows up, so that one does at
 * a time (pg_feed_counts_fold); the others leave it to them.
 */
#define PG_COUNTS_LOCK	0x636e7473

/*
 * Adds feed_counts' rows up into one a state (schema step 3), inside the
 * caller's transaction or as a statement of its own. 0 / -1.
 */
int	pg_feed_counts_fold(struct pg_store *s);

/*
 * What this write changed, told to other workers (STORE_CHANGED_*):
 * with the commit of the transaction at hand, or at once outside one.
 */
void	pg_changed(struct pg_store *s, unsigned what);
/* Sends what was noted for the transaction (before its COMMIT). */
int	pg_changed_send(struct pg_store *s);

int64_t	pg_now(const struct pg_store *s);

void	pg_p_int(struct pg_params *p, int64_t v);
void	pg_p_text(struct pg_params *p, const char *v);	/* NULL: NULL */
void	pg_p_bool(struct pg_params *p, bool v);
/* len bytes as bytea's hex text, written into hex (2 * len + 3 bytes). */
void	pg_p_bytes(struct pg_params *p, const unsigned char *v, size_t len,
	    char *hex);
/* v, or NULL for FEED_TIME_NONE. */
void	pg_p_time(struct pg_params *p, int64_t v);

/*
 * Runs q with p (may be NULL). The result (free with PQclear) when it
 * worked; NULL when it failed, logged with what. A failure that is the
 * connection's or the disk's makes the store failing (store_health).
 */
PGresult *pg_run(struct pg_store *s, const struct pg_sql *q,
	    const struct pg_params *p, const char *what);
/* pg_run without rows: 0, or -1. *ret_n (may be NULL): rows affected. */
int	pg_exec(struct pg_store *s, const struct pg_sql *q,
	    const struct pg_params *p, const char *what, int64_t *ret_n);
/* One integer (NULL: 0) of at most one row: 1 / 0 none / -1. */
int	pg_int(struct pg_store *s, const struct pg_sql *q,
	    const struct pg_params *p, const char *what, int64_t *ret);
/* Text of the command, unprepared (BEGIN, SAVEPOINT...). 0 / -1. */
int	pg_command(struct pg_store *s, const char *sql, const char *what);
/* An error of the store's: logged once, -1. */
int	pg_fail(struct pg_store *s, const char *what, const char *why);

/* Reads row i of r into *out (a struct of the caller's kind). */
typedef void pg_read_fn(const PGresult *r, int i, void *out);
typedef void pg_clear_fn(void *row);
/* At most one row into *ret (zeroed first): 1 found / 0 / -1. */
int	pg_one_row(struct pg_store *s, const struct pg_sql *q,
	    const struct pg_params *p, size_t size, pg_read_fn *read,
	    void *ret, const char *what);
/* Every row into a fresh array of size-byte rows (*ret NULL for none). */
int	pg_all_rows(struct pg_store *s, const struct pg_sql *q,
	    const struct pg_params *p, size_t size, pg_read_fn *read,
	    void **ret, size_t *ret_n, const char *what);
pg_read_fn pg_read_int64;
/*
 * Each row of q handed to fn as it arrives (libpq's single-row mode), for
 * answers too long to hold at once. fn returns 0 to go on or -1 to stop,
 * which pg_each returns without logging; -1 also on errors (logged).
 */
int	pg_each(struct pg_store *s, const struct pg_sql *q,
	    const struct pg_params *p, int (*fn)(const PGresult *r, void *arg),
	    void *arg, const char *what);

/* Column values: NULL as NULL / 0 / FEED_TIME_NONE. */
char	*pg_col_dup(const PGresult *r, int row, int col);
/* Borrowed: r's, until it is cleared. */
char	*pg_col_view(const PGresult *r, int row, int col);
int64_t	pg_col_int(const PGresult *r, int row, int col);
int64_t	pg_col_time(const PGresult *r, int row, int col);
bool	pg_col_bool(const PGresult *r, int row, int col);
/* A bytea (or hex text) of exactly len bytes into out: true, else false. */
bool	pg_col_bytes(const PGresult *r, int row, int col, unsigned char *out,
	    size_t len);

/*
 * The listed match of another feed that a match of topic_id duplicates
 * (store_match_original's rule on SQLite): the same normalized link
 * hash, else the same title key published within
 * STORE_TITLE_DUP_WINDOW_S of when; the lowest entry id. 1 and its id,
 * 0 none, -1.
 */
int	pg_match_original(struct pg_store *s, int64_t topic_id,
	    int64_t feed_id, bool has_norm, int64_t norm_hash, bool has_title,
	    int64_t title_key, int64_t when, int64_t *ret);

/*
 * Transactions nest as the SQLite store's: the outermost pg_begin is
 * BEGIN, inner ones are savepoints; a failure undoes only its own part.
 */
/*
 * Opening: entries' documents made by an older rule (meta 'fts_doc',
 * PG_FTS_DOC_VERSION) are made again, in batches that each commit. 0 / -1.
 */
int	pg_store_fts_refresh(struct pg_store *s);
int	pg_begin(struct pg_store *s);
int	pg_commit(struct pg_store *s);
void	pg_rollback(struct pg_store *s);

#endif
