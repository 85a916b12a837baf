/*
 * store_int: what the SQLite store's files share (store_sqlite.c and
 * store_*.c).
 * Not for other modules: they use store.h.
 */
#ifndef FEEDD_STORE_INT_H
#define FEEDD_STORE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "buf.h"
#include "store.h"
#include "store_keys.h"

struct store_token_sink;

#define STORE_SCHEMA_VERSION	17
/*
 * The columns and tokenizer of entries_fts as the schema makes it now
 * (store_schema.c), for store_fts_check_query's in-memory copy; a schema
 * step that changes them changes this too (test_store.c compares both).
 */
#define STORE_FTS_COLUMNS	"title, summary, content, author, " \
	"tokenize='unicode61 remove_diacritics 2'"
/* "feed" in ASCII: marks the file as ours (PRAGMA application_id). */
#define STORE_APPLICATION_ID	0x66656564

/*
 * The slots of a connection's statement cache, one per statement, grouped
 * by the file that holds the statement's text (struct store_sql). A slot's
 * statement is prepared on first use and kept until sqlite_store_free().
 */
enum store_stmt {
	/* store_sqlite.c */
	ST_BEGIN,
	ST_COMMIT,
	ST_STATUS,
	ST_STATE_COUNTS,
	ST_LAST_ID,
	ST_CURSOR_GET,
	ST_CURSOR_SET,
	ST_CURSOR_LIST,
	/* store_feed.c */
	ST_FEED_ADD,
	ST_FEED_GET,
	ST_FEED_GET_BY_URL,
	ST_FEED_GET_BY_NAME,
	ST_FEED_LIST,
	ST_FEED_LIST_BRIEF,
	ST_FEED_REMOVE,
	ST_FEED_REMOVE_SEEN,
	ST_FEED_NEXT_POLL,
	ST_FEED_POLL_DONE,
	ST_FEED_TOPIC_HITS,
	ST_TOPIC_COUNT,
	ST_FEED_SET_PLAN,
	ST_ENTRY_FEED,
	ST_TOPIC_BURST_QUIET,
	ST_TOPIC_BURST_FEEDS,
	ST_FEED_MOVE,
	ST_FEED_COUNT_ADD,
	ST_FEED_CONFIG_SET,
	ST_FEED_CONFIG_LIST,
	ST_FEED_RESET_POLL,
	ST_FEED_CHANGE,
	ST_FEED_LAST_POLL,
	ST_POLL_LOG_ADD,
	ST_POLL_LOG_TRIM,
	ST_POLL_LOG_LIST,
	/* store_ingest.c */
	ST_FEED_DOC,
	ST_ENTRY_BY_KEY,
	ST_ENTRY_BY_LT,
	ST_SEEN_HAS,
	ST_ENTRY_INSERT,
	ST_FTS_INSERT,
	ST_ENTRY_UPDATE,
	/* store_entry.c */
	ST_ENTRY_GET,
	ST_ENTRY_TOPICS,
	ST_TOPIC_NAMES,
	/* store_topic.c */
	ST_FTS_CHECK,
	ST_TOPIC_ADD,
	ST_TOPIC_GET,
	ST_TOPIC_QUERY,
	ST_TOPIC_GET_BY_NAME,
	ST_TOPIC_LIST,
	ST_TOPIC_UPDATE,
	ST_TOPIC_REMOVE,
	ST_TOPIC_CLEAR_MATCHES,
	ST_TOPIC_CLEAR_CURSORS,
	ST_TOPIC_CONFIG_LIST,
	ST_TOPIC_ADOPT,
	ST_MATCH_FIND,
	ST_MATCH_SAME_LINK,
	ST_MATCH_SAME_TITLE,
	ST_MATCH_ADD,
	ST_MATCH_KEYS_ADD,
	ST_MATCH_KEYS_READ,
	ST_MATCH_KEYS_TWIN,
	ST_FTS_SOURCE,
	ST_FTS_USERMERGE,
	ST_FTS_SOURCE_SHORT,
	ST_FTS_AUTOMERGE,
	ST_FTS_MERGE,
	ST_MATCH_READ_BY,
	ST_MATCH_RANGE_READ,
	ST_MATCH_READS_ADD,
	ST_MATCH_COUNT_ADD,
	ST_TOPIC_FEEDS,
	/* store_prune.c */
	ST_SEEN_ADD,
	ST_PRUNE_OVER_FEEDS,
	ST_PRUNE_FEED_EXCESS,
	ST_PRUNE_AGED,
	ST_PRUNE_DELETE,
	/* store_explain.c */
	ST_EXPLAIN_KEY,
	ST_EXPLAIN_CARRIERS,
	ST_EXPLAIN_MATCHES,
	ST_EXPLAIN_FEED,
	ST_EXPLAIN_HIGHLIGHT,
	/* store_apitoken.c */
	ST_APITOKEN_ADD,
	ST_APITOKEN_LIST,
	ST_APITOKEN_REMOVE,
	ST_APITOKEN_USED,
	/* store_user.c */
	ST_USER_ADD,
	ST_USER_GET,
	ST_USER_GET_BY_NAME,
	ST_USER_LIST,
	ST_USER_REMOVE,
	ST_USER_SET_PASSWORD,
	ST_USER_SET_FEVER,
	ST_USER_RENAME,
	ST_SECRET_GET,
	ST_SECRET_SET,
	/* store_state.c */
	ST_STATE_STORY,
	ST_STATE_SET_READ,
	ST_STATE_SET_STARRED,
	ST_STATE_CLEAR_READ,
	ST_STATE_CLEAR_STARRED,
	ST_STATE_FOLD_STORY,
	ST_STATE_FOLD_COPY,
	ST_STATE_GET,
	ST_UNREAD_TOPICS,
	ST_UNREAD_FEED_ROWS,
	ST_UNREAD_FEED_READS,
	ST_STATE_IDS_READ,
	ST_STATE_IDS_STARRED,
	ST_STATE_IDS_ALL,
	/* store_alert.c */
	ST_ALERT_ADD,
	ST_ALERT_FIRST,
	ST_ALERT_REMOVE,
	ST_ALERT_RETRY,
	ST_ALERT_COUNT,
	ST_ALERT_HOOKS,
	ST_ALERT_EXPIRE,
	/* store_websub.c */
	ST_WEBSUB_ADD,
	ST_WEBSUB_SAVE,
	ST_WEBSUB_REMOVE,
	ST_WEBSUB_BY_CALLBACK,
	ST_WEBSUB_GET,
	ST_WEBSUB_COUNTS,
	ST_WEBSUB_BY_FEED,
	ST_WEBSUB_LIST,
	ST_MAX,
};

/*
 * One statement: its text, written beside the function that runs it, and
 * its slot in the cache. Each slot has exactly one struct store_sql.
 */
struct store_sql {
	enum store_stmt	 slot;
	const char	*text;
};

/* Listing statements kept per connection (the combinations in use). */
#define STORE_LQ_CACHE	32

struct store_list_stmt {
	unsigned	 mask;
	sqlite3_stmt	*st;	/* NULL: a free slot */
	uint64_t	 used;	/* the cache's clock when last used */
};

#define STORE_MARKS	8

/* store_index_pending's merges (store_ingest.c, set_automerge). */
#define STORE_FTS_AUTOMERGE	4	/* FTS5's default */
#define STORE_BULK_ENTRIES	1000
#define STORE_BULK_AUTOMERGE	16

struct store_index_poll {
	int64_t		 feed_id;
	int64_t		*ids;
	/* NULL, or each entry's index text, made ahead (store_ingest_texts) */
	struct store_index_text *texts;
	size_t		 n;
};

struct sqlite_store {
	sqlite3		*db;
	char		*path;
	int64_t		 now;		/* 0: the real clock */
	sqlite3_stmt	*stmt[ST_MAX];
	struct store_list_stmt list_stmt[STORE_LQ_CACHE];
	uint64_t	 list_clock;
	struct buf	 text;		/* scratch for html_text on ingest */
	struct buf	 stext;		/* the same, for the summary */
	/* store_begin nesting: 0 none, 1 a transaction, >1 savepoints in it. */
	int		 tx_depth;
	struct store_token_sink *sink;	/* a copy, or NULL */
	/* store_index_defer: polls stored but not indexed yet, in order. */
	bool		 index_defer;
	int64_t		 defer_floor;	/* ids from here on: maybe unindexed */
	struct store_index_poll *ipend;
	size_t		 nipend;
	/* nipend when the savepoint of depth i began (i < STORE_MARKS). */
	size_t		 ipend_mark[STORE_MARKS];
	bool		 capturing;	/* store_ingest is indexing */
	bool		 tokens_wrapped;	/* store_tokens_wrap worked */
	bool		 tidy_configured;	/* usermerge said (index_tidy) */
	int		 automerge;	/* as last set, 0 not yet */
	struct store_health health;	/* store_health(): writes failing */
	/* The keys of the entries a group's topics match (store_topic.c). */
	struct store_mkeys *mkeys;
	struct store_ckpt *ckpt;	/* the WAL's checkpoints, or NULL */
	/* Documents about to be indexed with their tokens made ahead. */
	struct store_tokens_ahead {
		const char	*text;
		size_t		 len;
		const unsigned char *stream;
		size_t		 stream_len;
	}		 ahead[2];
	uint64_t	 replayed;	/* documents replayed (tests, benches) */
};

/*
 * The connection of a SQLite store; and of a store_open()ed one, NULL
 * when it is PostgreSQL (for tests and benches that look inside).
 */
sqlite3	*sqlite_store_db(struct sqlite_store *s);
sqlite3	*store_sqlite_db(struct store *s);
/* Documents the index took with their tokens cut ahead, so far. */
uint64_t store_sqlite_replayed(struct store *s);

/* Creates or upgrades the schema. 0, or -1 with the reason in err. */
int	store_schema_migrate(sqlite3 *db, char *err, size_t errlen);
/*
 * Registers the SQL functions the schema calls: html_text() and
 * fts_summary() in the FTS view and triggers, and the others.
 */
int	store_schema_functions(sqlite3 *db);
/* Forgets the group's keys: a transaction ended or undid a part. */
void	store_mkeys_drop(struct sqlite_store *s);
/* Forgets deferred polls from the n-th on. */
void	store_index_drop(struct sqlite_store *s, size_t n);
/* Wraps the connection's unicode61 for the token sink. 0 / -1. */
int	store_tokens_wrap(struct sqlite_store *s);
/*
 * A tokenizer for this thread's while (store_tokenizer_new's, kept for
 * the next borrower when given back), or NULL (logged once).
 */
struct store_tokenizer *store_tokenizer_borrow(void);
void	store_tokenizer_give_back(struct store_tokenizer *t);
/*
 * text's tokens as the index cuts them (store_tokenize's, with where
 * each lies), as a stream for the wrapped tokenizer to replay: xmalloc'ed,
 * its length in *ret_len; NULL if the tokenizer failed.
 */
unsigned char *store_tokens_encode(struct store_tokenizer *t, const char *text,
	    size_t len, size_t *ret_len);

/* q's statement on this connection, prepared on first use; NULL (logged). */
sqlite3_stmt *store_stmt(struct sqlite_store *s, const struct store_sql *q);
int64_t	store_now(const struct sqlite_store *s);
/* Logs SQLite's error for what failed; returns -1. */
int	store_fail(struct sqlite_store *s, const char *what);
/*
 * Transactions nest: the outermost store_begin is BEGIN IMMEDIATE, inner
 * ones are savepoints, so a function that needs atomicity calls these
 * whether or not a caller (store_batch_begin) already opened one, and its
 * failure undoes only its own part.
 */
int	store_begin(struct sqlite_store *s);
int	store_commit(struct sqlite_store *s);
void	store_rollback(struct sqlite_store *s);
/* The statement with ?1 bound to id / text (borrowed); NULL on error. */
sqlite3_stmt *store_bound_id(struct sqlite_store *s,
	    const struct store_sql *q, int64_t id);
sqlite3_stmt *store_bound_text(struct sqlite_store *s,
	    const struct store_sql *q, const char *text);
/* Binds id to the statement's ?1 and runs it (store_exec). 0 / -1. */
int	store_exec_id(struct sqlite_store *s, const struct store_sql *q,
	    int64_t id, const char *what);
/* Runs fn(s, id) in a transaction of its own; returns what fn returned. */
int	store_in_tx(struct sqlite_store *s,
	    int (*fn)(struct sqlite_store *, int64_t), int64_t id);
/* Steps a statement that returns no rows, then resets it. 0 / -1. */
int	store_exec(struct sqlite_store *s, sqlite3_stmt *st, const char *what);
/* Reads the current row of st into *row (a struct of the caller's kind). */
typedef void store_read_fn(sqlite3_stmt *st, void *row);
typedef void store_clear_fn(void *row);

/* Readers of a row's first column into an int64_t / a fresh char *. */
store_read_fn store_read_int64;
store_read_fn store_read_text;

/* At most one row of st into *ret (zeroed first). 1 found / 0 / -1. */
int	store_one_row(struct sqlite_store *s, sqlite3_stmt *st, size_t size,
	    store_read_fn *read, void *ret, const char *what);
/* Every row of st into a fresh array of size-byte rows (clear may be NULL
 * for rows that own nothing). 0 / -1. */
int	store_all_rows(struct sqlite_store *s, sqlite3_stmt *st, size_t size,
	    store_read_fn *read, store_clear_fn *clear, void **ret,
	    size_t *ret_n, const char *what);

/* Column i as a fresh string, or NULL. */
char	*store_col_dup(sqlite3_stmt *st, int i);
/* Binds t, or NULL for FEED_TIME_NONE. */
void	store_bind_time(sqlite3_stmt *st, int i, int64_t t);
int64_t	store_col_time(sqlite3_stmt *st, int i);
/*
 * Entry copy_id was folded into original_id's story by a topic: it joins
 * that story (entries.story_id) and takes on each user's state of it.
 * Inside the caller's transaction. 0 / -1.
 */
int	store_state_fold(struct sqlite_store *s, int64_t copy_id,
	    int64_t original_id);

/* What a topic's match is compared by across feeds. */
struct store_match_key {
	int64_t	 topic_id;
	int64_t	 feed_id;
	bool	 has_norm;
	int64_t	 norm_hash;	/* of the normalized link */
	bool	 has_title;
	int64_t	 title_key;	/* store_title_key() */
	int64_t	 when;		/* published, else fetched */
};

/*
 * The listed match that a match with key k duplicates (store_topic_match
 * records it as a duplicate then): one of the same topic from another
 * feed with the same normalized link, else with the same title key
 * published within STORE_TITLE_DUP_WINDOW_S; the lowest entry id of
 * those. 1 and its entry id, 0 none, -1.
 */
int	store_match_original(struct sqlite_store *s,
	    const struct store_match_key *k, int64_t *ret_entry_id);

/*
 * Reconciling configured items: inside the caller's transaction, drops
 * (with drop) each row of list (id, name) whose name is not among the n
 * items' names (a const char * at offset off in each size-byte item).
 */
int	store_drop_unnamed(struct sqlite_store *s, const struct store_sql *list,
	    const void *items, size_t n, size_t size, size_t off,
	    int (*drop)(struct sqlite_store *, int64_t), size_t *ret_removed);
/* Adds delta to a feed's stored entry count (ingest, pruning). 0 / -1. */
int	store_feed_count_add(struct sqlite_store *s, int64_t feed_id,
	    int64_t delta);

#endif
