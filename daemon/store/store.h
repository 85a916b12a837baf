/*
 * store: the daemon's memory: one SQLite file in WAL mode, or a PostgreSQL
 * database (store_open chooses; the rest of the daemon never knows which).
 *
 * Promises: every entry has an integer id that only grows and is never
 * reused; an entry is identified by (feed, key) where key is the guid / atom
 * id, else the link, else a hash of title + published + summary; a repeat is
 * dropped without a write, a changed entry is updated in place and never
 * announced again; all entries of one poll are written in one transaction,
 * so a reader never sees half a poll and a crash never leaves half an entry.
 * Pruned entries leave their key behind so they never come back as new.
 *
 * Conventions: times are Unix seconds (UTC); 0 means "never" for feed
 * timestamps, FEED_TIME_NONE means "absent" for entry dates. Functions
 * return 0 on success and -1 on failure; lookups return 1 found / 0 not
 * found / -1 error. SQLite failures are logged here, once, with SQLite's
 * text, so callers need not log them again. Errors a client caused (an
 * invalid FTS5 query) are not logged: they come back as STORE_EQUERY with
 * SQLite's message in err, for the API to answer 400.
 * Strings in returned structs are owned by the struct; free them with the
 * matching _clear / _list_free. Strings passed in are copied.
 *
 * One struct store is used from one thread. store_backup() opens its own
 * connection and may run on another thread.
 */
#ifndef FEEDD_STORE_H
#define FEEDD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feed.h"

#define STORE_EQUERY	(-2)	/* invalid FTS5 query; message in err */

struct store;

enum store_origin {
	STORE_ORIGIN_CONFIG = 0,	/* declared in feedd.conf */
	STORE_ORIGIN_API,		/* added through the API, kept in the DB */
};

enum store_feed_state {
	STORE_FEED_NEW = 0,	/* never polled */
	STORE_FEED_OK,
	STORE_FEED_BACKING_OFF,	/* errors; polled less often */
	STORE_FEED_GONE,	/* HTTP 410 or repeated 404: not polled */
	STORE_FEED_BLOCKED,	/* 401/403/451: not polled until changed */
	STORE_FEED_MOVED,	/* permanent redirect confirmed, URL updated */
	STORE_FEED_STATE_MAX,
};

/* "ok", "backing_off", ...; and back (-1 if unknown). */
const char *store_feed_state_name(enum store_feed_state s);
int	store_feed_state_from_name(const char *name);
const char *store_origin_name(enum store_origin o);	/* "config", "api" */

/*
 * Retention, from feedd.conf; 0 in a field means "no limit". store_prune()
 * applies it; store_prune.h runs that from the event loop.
 */
/* feedd.conf's max_entries_per_feed and max_age when not set. */
#define STORE_DEFAULT_MAX_ENTRIES_PER_FEED	1000
#define STORE_DEFAULT_MAX_AGE_S			0	/* forever */
struct store_retention {
	int64_t	max_entries_per_feed;
	int64_t	max_age_s;	/* by fetch time */
	/*
	 * Age pruning never takes a feed below this many entries, so what the
	 * feed still publishes stays stored (default 50 when 0).
	 */
	int64_t	min_entries_per_feed;
	/* Entries a topic lists are kept this long (0: as long as max_age_s). */
	int64_t	topic_max_age_s;
};

/* ---- opening ---- */

/*
 * Opens or creates the database at path (the caller makes the parent
 * directory), sets WAL, synchronous=NORMAL, a busy timeout and foreign keys,
 * and migrates the schema. A database written by a newer feedd, or by
 * another program, is refused. On failure returns NULL with the reason in
 * err. A full disk fails the transaction at hand (logged, nothing of it
 * stored) and the next one works once there is room; processes should
 * ignore SIGXFSZ so that a file size limit shows up the same way.
 */
/*
 * A database that store_is_postgresql() takes ("postgresql://..." or
 * "postgres://...", any libpq connection URI, or "postgresql:" alone for
 * libpq's PG* environment) opens the PostgreSQL store instead: one
 * connection, the schema migrated (pg/pg_schema.h). What it cannot do yet
 * fails with a logged "not available on the PostgreSQL store yet".
 */
struct store *store_open(const char *path, char *err, size_t errlen);
bool	store_is_postgresql(const char *database);
void	store_free(struct store *s);
const char *store_path(const struct store *s);
/* Bytes used by the database file and its WAL; -1 on error. */
int64_t	store_db_size(struct store *s);
/* Highest entry id ever given (0 if none). */
int64_t	store_last_entry_id(struct store *s);
/* Tests and benches: pretend the time is now (0: use the real clock). */
void	store_set_now(struct store *s, int64_t now);

/*
 * Consistent copy of the live database to dest_path (replaced if present)
 * through SQLite's online backup API, from a separate read connection, so
 * polls keep writing meanwhile. 0, or -1 with the reason in err. It copies
 * the whole file in one step (5.6 s for 865 MB here): call it from a
 * thread, not from the event loop, for large databases.
 */
int	store_backup(struct store *s, const char *dest_path, char *err,
	    size_t errlen);
/*
 * Whether store_backup can copy this store to a file: a SQLite store can;
 * a PostgreSQL one is backed up with PostgreSQL's own tools, and err says
 * so (false).
 */
bool	store_backup_possible(const struct store *s, char *err,
	    size_t errlen);

/* ---- feeds ---- */

struct store_feed {
	int64_t	 id;
	char	*url;
	char	*title;		/* configured title, else the document's; may be NULL */
	char	*site_link;	/* the document's <link>; may be NULL */
	char	*config_name;	/* section name in feedd.conf; NULL if via API */
	enum store_origin origin;
	int64_t	 interval_s;	/* configured; 0 = the global default */
	int64_t	 cur_interval_s; /* the scheduler's current interval (backoff) */
	char	*etag;
	char	*last_modified;
	char	*body_hash;	/* hash of the last body, to skip reparsing */
	int64_t	 next_poll;
	int64_t	 last_poll;
	int64_t	 last_success;
	int64_t	 error_count;	/* consecutive failed polls */
	char	*last_error;	/* NULL after a success */
	enum store_feed_state state;
	char	*redirect_url;	/* permanent-redirect candidate, or NULL */
	int64_t	 redirect_count; /* consecutive polls that saw it */
	int64_t	 retry_after_until; /* don't poll before this (Retry-After) */
	int64_t	 entry_count;	/* entries stored now */
	int64_t	 created;
	char	*category;	/* "News/Ukraine" (category.h), or NULL */
	/*
	 * What the parser mended in the last document it read of the feed
	 * (feed_repair.h): how many kinds of repair, and their lines
	 * joined by "; " (NULL when none).
	 */
	int64_t	 repairs;
	char	*repair_note;
	/* An active WebSub subscription's lease end, else 0 (read only). */
	int64_t	 push_until;
	/* Why cur_interval_s is what it is, as last planned; or NULL. */
	char	*interval_note;
	/*
	 * What the scheduler keeps of its last parsed plan (sched.h): the
	 * natural interval and why ("adaptive 45m"), and the document's
	 * own hint (<ttl>, sy:updatePeriod; 0 none).
	 */
	int64_t	 interval_base_s;
	char	*interval_base_note;
	int64_t	 interval_hint_s;
};

void	store_feed_clear(struct store_feed *f);
void	store_feed_list_free(struct store_feed *feeds, size_t n);

/*
 * Adds an API feed (origin api, state new, due now). title and category
 * may be NULL. Returns 0 and the new id; 1 and the existing id when the
 * URL is already subscribed (nothing changed); -1 on error.
 */
int	store_feed_add(struct store *s, const char *url, const char *title,
	    const char *category, int64_t interval_s, int64_t *ret_id);
int	store_feed_get(struct store *s, int64_t id, struct store_feed *ret);
int	store_feed_get_by_url(struct store *s, const char *url,
	    struct store_feed *ret);
/* All feeds by id; *ret is an array freed with store_feed_list_free. */
int	store_feed_list(struct store *s, struct store_feed **ret,
	    size_t *ret_n);
/*
 * All feeds by id with only what a reader's list shows of them: id, url,
 * title, site_link, category, origin and last_success (the rest zero or
 * NULL), for answers that name many feeds. Freed the same way.
 */
int	store_feed_list_brief(struct store *s, struct store_feed **ret,
	    size_t *ret_n);
/*
 * Removes a feed with its entries, matches and seen keys. 1 removed,
 * 0 no such feed, -1 error. (Config feeds come back on reconcile; the API
 * decides whether to allow it.)
 */
int	store_feed_remove(struct store *s, int64_t id);
/*
 * What the API may change of a feed: its title (NULL: the document's own)
 * and its category (NULL: none), each only if its set_ flag is true.
 * 1 changed / 0 no such feed / -1.
 */
struct store_feed_change {
	bool	 set_title;
	const char *title;
	bool	 set_category;
	const char *category;
};

int	store_feed_change(struct store *s, int64_t id,
	    const struct store_feed_change *c);
/* When a feed was last polled, the latest of all (0: never). 0 / -1. */
int	store_feeds_last_poll(struct store *s, int64_t *ret);
/* "Poll now" and the scheduler's plan. 1 / 0 no such feed / -1. */
int	store_feed_set_next_poll(struct store *s, int64_t id, int64_t when);
/*
 * A plan made between polls: the next poll, the interval and why
 * (store_feed.cur_interval_s, interval_note). 1 / 0 no such feed / -1.
 */
int	store_feed_set_plan(struct store *s, int64_t id, int64_t when,
	    int64_t interval_s, const char *note);
/* The feed an entry belongs to, in *ret. 1 / 0 no such entry / -1. */
int	store_entry_feed(struct store *s, int64_t entry_id, int64_t *ret);
/*
 * Burst mode (sched.h): when topic_id had no match since quiet_since but
 * the news (its matches of entries from news_id on), the feeds that
 * carried it between history_since and quiet_since and are not among the
 * news, in good standing (state ok, no Retry-After pending at now), not
 * pushed by a WebSub hub at now (its news come without a poll), last
 * polled before polled_before, most recent first, at most max; *ret_n 0
 * otherwise. *ret is freed by the caller. 0 / -1.
 */
int	store_topic_burst_feeds(struct store *s, int64_t topic_id,
	    int64_t history_since, int64_t quiet_since, int64_t news_id,
	    int64_t now, int64_t polled_before, size_t max, int64_t **ret,
	    size_t *ret_n);
/*
 * A feed's topic hits since since (sched.h): when each of its entries
 * fetched since then that matched a topic since then was fetched (an
 * entry once, whatever its topics), oldest first, in *ret (freed by the
 * caller); and how many topics there are, in *ret_topics. 0 / -1.
 */
int	store_feed_topic_hits(struct store *s, int64_t id, int64_t since,
	    int64_t **ret, size_t *ret_n, int64_t *ret_topics);

/*
 * The outcome of one poll, recorded in one call (also appends a poll-log
 * row; the log keeps the last STORE_POLL_LOG_PER_FEED rows per feed).
 */
#define STORE_POLL_LOG_PER_FEED	50

struct store_poll_result {
	int64_t	 started;	/* when the poll began (0: now) */
	int	 http_status;	/* 0 when no HTTP response came */
	/* Non-NULL replaces the stored value; NULL keeps it. */
	const char *etag;
	const char *last_modified;
	const char *body_hash;
	int64_t	 bytes;		/* body bytes received (decoded) */
	int64_t	 duration_ms;
	int64_t	 new_entries;	/* from store_ingest, for the log */
	/*
	 * NULL: success (error count reset, last_success = started).
	 * Else the failure, counted in error_count, kept as last_error.
	 */
	const char *error;
	enum store_feed_state state;
	int64_t	 next_poll;
	int64_t	 cur_interval_s;
	/* Permanent-redirect candidate and how many polls saw it (NULL, 0). */
	const char *redirect_url;
	int64_t	 redirect_count;
	/* Confirmed move: the feed's URL becomes this (NULL: unchanged). */
	const char *new_url;
	int64_t	 retry_after_until;
	/* A document was parsed: its repairs replace the stored ones. */
	bool	 set_repairs;
	int64_t	 repairs;
	const char *repair_note;
	/* Why the interval is cur_interval_s (NULL: forgotten). */
	const char *interval_note;
	/* The parts of it kept for the next plan (store_feed). */
	int64_t	 interval_base_s;
	const char *interval_base_note;
	int64_t	 interval_hint_s;
};

int	store_feed_poll_done(struct store *s, int64_t feed_id,
	    const struct store_poll_result *r);

struct store_poll_log {
	int64_t	 time;
	int	 http_status;
	int64_t	 bytes;
	int64_t	 new_entries;
	int64_t	 duration_ms;
	char	*error;
};

/* The newest polls of a feed, newest first; free with _list_free. */
int	store_poll_log_list(struct store *s, int64_t feed_id, size_t limit,
	    struct store_poll_log **ret, size_t *ret_n);
void	store_poll_log_list_free(struct store_poll_log *log, size_t n);

/*
 * Feeds named in feedd.conf. Matched to stored feeds by name, then by URL
 * (an API feed with the same URL is adopted). New ones are added, changed
 * ones updated, config feeds no longer named are removed with their
 * entries. API feeds are never touched otherwise. One transaction.
 */
struct store_config_feed {
	const char *name;
	const char *url;
	const char *title;	/* may be NULL */
	int64_t	 interval_s;	/* 0 = default */
	const char *category;	/* may be NULL */
};

struct store_reconcile_result {
	size_t	 added;
	size_t	 updated;
	size_t	 removed;
	size_t	 unchanged;
};

int	store_feeds_reconcile(struct store *s,
	    const struct store_config_feed *feeds, size_t n,
	    struct store_reconcile_result *ret);

/* ---- ingest ---- */

struct store_ingest_result {
	size_t	 new_count;
	size_t	 updated;	/* same key, changed text: updated, not new */
	size_t	 unchanged;	/* repeats, including reissued items */
	size_t	 reissued;	/* of unchanged: new key, same link + title */
	size_t	 skipped;	/* unusable (no key material at all) */
	/* Ids given to new entries, ascending; first..last is the range. */
	int64_t	*new_ids;
	int64_t	 first_new_id;	/* 0 when none */
	int64_t	 last_new_id;
};

/*
 * Stores one poll's entries in one transaction. header (may be NULL)
 * refreshes the feed's document title and site link. entries are in
 * document order (newest first, usually); new ones get ids in reverse
 * document order so that the newest item has the highest id. On error
 * nothing is written. Free ret with store_ingest_result_clear.
 * An entry with an unknown key but the normalized link and title of an
 * entry this feed already had (stored or pruned) is a reissue: counted in
 * unchanged and reissued, not stored. Entries without a title or link are
 * never taken for reissues.
 */
/*
 * What the full-text index is given while store_ingest runs, token by
 * token, exactly as the index's tokenizer made it: begin() as an ingest
 * starts, then token() for each token of the entries it adds or changes
 * (a superset of the new entries' tokens). For the topics' filter.
 */
struct store_token_sink {
	void	(*begin)(void *arg);
	void	(*token)(void *arg, const char *tok, int len);
	void	*arg;
	/*
	 * A poll's new entries are in the index (its tokens all given):
	 * at the end of store_ingest, or in store_index_pending() for a
	 * deferred one. May be NULL.
	 */
	void	(*indexed)(void *arg, int64_t feed_id, const int64_t *ids,
		    size_t n);
};

/* NULL removes it. Without the wrapped tokenizer, begin() never runs. */
void	store_set_token_sink(struct store *s,
	    const struct store_token_sink *sink);

/*
 * The index's tokenizer on its own, outside any database, for reading
 * text and queries exactly as the index does (topics_filter.h). NULL when
 * SQLite offers none (logged).
 */
struct store_tokenizer;

enum store_tokenize {
	STORE_TOKENIZE_QUERY,		/* an FTS5 query's phrase */
	STORE_TOKENIZE_DOCUMENT,	/* text as it is indexed */
};

/* One token (folded, not terminated): 0 to go on, -1 to stop. */
typedef int store_token_fn(void *arg, const char *tok, size_t len);

struct store_tokenizer *store_tokenizer_new(void);
void	store_tokenizer_free(struct store_tokenizer *t);
/* fn for each token of text, in order: 0, or -1 if fn stopped or it failed. */
int	store_tokenize(struct store_tokenizer *t, enum store_tokenize kind,
	    const char *text, size_t len, store_token_fn *fn, void *arg);
/*
 * The same for a document's text from the tokens store_index_texts_make
 * cut ahead (tokens, tokens_len) when there are any, else by tokenizing
 * it with t.
 */
int	store_tokenize_made(struct store_tokenizer *t, const char *text,
	    size_t len, const unsigned char *tokens, size_t tokens_len,
	    store_token_fn *fn, void *arg);

int	store_ingest(struct store *s, int64_t feed_id,
	    const struct feed_header *header, const struct feed_entry *entries,
	    size_t n, struct store_ingest_result *ret);
/*
 * An entry's text as the full-text index takes it (htmltext_entry(): the
 * content's text, and the summary's unless it leads the content), made
 * ahead of store_ingest_texts() on any thread: it needs no store. summary
 * NULL: no summary to index; content NULL: the entry has no content.
 */
struct store_prepared;
struct store_index_text {
	char	*summary;
	char	*content;
	size_t	 summary_len;
	size_t	 content_len;
	/*
	 * Their tokens, cut by the index's tokenizer as they were made (a
	 * stream only store_tokens.c reads), which the SQLite store replays
	 * rather than tokenizing them on the writer's thread; NULL: none.
	 */
	unsigned char *summary_tokens;
	unsigned char *content_tokens;
	size_t	 summary_tokens_len;
	size_t	 content_tokens_len;
	/*
	 * The entry's keys, its normalized link and its JSON, made ahead
	 * as well (store_prepare_all), or NULL; the store takes them.
	 */
	struct store_prepared *keys;
};
void	store_index_text_make(const struct feed_entry *e,
	    struct store_index_text *t);
/* The same for n entries: t[i] for e[i]. */
void	store_index_texts_make(const struct feed_entry *e,
	    struct store_index_text *t, size_t n);
void	store_index_text_clear(struct store_index_text *t);
/*
 * store_ingest, with texts[i] made ahead for entries[i] (or texts NULL):
 * the store then converts no HTML for the index, cuts no words and makes
 * no keys on the writer's thread, and the SQLite store reads no new entry
 * back to index it at the end of a group.
 * It may take the texts it keeps for later (their pointers left NULL);
 * what is left in texts stays the caller's to clear.
 */
int	store_ingest_texts(struct store *s, int64_t feed_id,
	    const struct feed_header *header, const struct feed_entry *entries,
	    struct store_index_text *texts, size_t n,
	    struct store_ingest_result *ret);
void	store_ingest_result_clear(struct store_ingest_result *r);

/* ---- entries ---- */

struct store_entry {
	int64_t	 id;
	char	*guid;		/* the document's id, or NULL */
	int64_t	 feed_id;
	char	*feed_title;
	char	*title;
	char	*link;
	char	*norm_link;	/* linknorm_dup(link), or NULL */
	/* The document's published date, else its updated one
	 * (feed_entry_date); FEED_TIME_NONE when it has neither. */
	int64_t	 published;
	int64_t	 updated;	/* last change seen by the store, or the doc's */
	int64_t	 fetched;
	char	*author;
	char	*summary;
	/*
	 * JSON arrays as jansson's JSON_COMPACT text (the encoder and flags
	 * of the API's answers), never NULL.
	 */
	char	*categories_json;	/* of strings */
	char	*enclosures_json;	/* of {"url","type","length"} */
	char	*topics_json;	/* of the names of the topics it matched */
	char	*content;	/* only when asked for */
	/* The query's user's state (false without a user). */
	bool	 read;
	bool	 starred;
};

/* A filter on a flag of the query's user: any, only set, only unset. */
enum store_flag_filter {
	STORE_FLAG_ANY = 0,
	STORE_FLAG_SET,
	STORE_FLAG_UNSET,
};

struct store_entry_query {
	int64_t	 since_id;	/* id > since_id */
	int64_t	 feed_id;	/* 0: any */
	int64_t	 topic_id;	/* 0: any; else matched and not a cross-feed dup */
	const char *fts;	/* FTS5 query, or NULL */
	size_t	 limit;		/* 0: 100; at most 1000 */
	bool	 content;	/* include content */
	bool	 latest;	/* the newest `limit` matches (still ascending) */
	/* Feeds filed in this category or below it ("News" takes "News/UA"). */
	const char *category;
	int64_t	 before_id;	/* id < before_id (0: no bound) */
	/* published, else fetched: >= newer_than, < older_than (0: none) */
	int64_t	 newer_than;
	int64_t	 older_than;
	bool	 descending;	/* newest first (before_id pages on) */
	/* Whose read and starred the entries carry and the filters test. */
	int64_t	 user_id;	/* 0: nobody's (both false, filters off) */
	enum store_flag_filter read;
	enum store_flag_filter starred;
};

/*
 * Entries matching q, ascending by id. 0, -1 on error, STORE_EQUERY when
 * q->fts is not a valid FTS5 query (SQLite's message in err).
 */
int	store_entry_list(struct store *s, const struct store_entry_query *q,
	    struct store_entry **ret, size_t *ret_n, char *err, size_t errlen);
/*
 * The same entries without copies, for answers written as the rows are
 * read: fn sees each in turn; its strings are the store's, valid only
 * during the call, and fn must not use the store meanwhile. fn returns 0
 * to go on, or -1 to stop, which store_entry_each returns without logging
 * (fn knows why). *ret_n: the entries fn took.
 */
typedef int (*store_entry_fn)(const struct store_entry *e, void *arg);
int	store_entry_each(struct store *s, const struct store_entry_query *q,
	    store_entry_fn fn, void *arg, size_t *ret_n, char *err,
	    size_t errlen);
/* One entry, with content. 1 / 0 / -1. */
int	store_entry_get(struct store *s, int64_t id, struct store_entry *ret);
void	store_entry_clear(struct store_entry *e);
void	store_entry_list_free(struct store_entry *e, size_t n);

/* ---- topics ---- */

struct store_topic {
	int64_t	 id;
	char	*name;
	char	*query;		/* FTS5 query */
	enum store_origin origin;
	char	*notify;	/* the name of a hook, or NULL */
	/* A command from before hooks, never run: shown until notify is set. */
	char	*notify_dropped;
	int64_t	 created;
	int64_t	 match_count;
	/* An API topic's feed subset (config topics: in feedd.conf). */
	int64_t	*feed_ids;	/* NULL: not limited by id */
	size_t	 nfeed_ids;
	char	*category;	/* NULL: not limited by category */
};

/*
 * A feed subset: the topic follows the feeds listed plus those in the
 * category or below it. Neither: every feed.
 */
struct store_topic_subset {
	const int64_t *feed_ids;
	size_t	 nfeed_ids;
	const char *category;
};

void	store_topic_clear(struct store_topic *t);
void	store_topic_list_free(struct store_topic *t, size_t n);

/*
 * Checks that query is a valid FTS5 query: 0, or STORE_EQUERY with
 * SQLite's message in err (-1 on other errors).
 */
int	store_fts_check(struct store *s, const char *query, char *err,
	    size_t errlen);
/*
 * The same check without a database: the query compiled against an
 * in-memory index of the same columns and tokenizer as the store's (for
 * feedd.conf's topics, before any database is open). 0, STORE_EQUERY or
 * -1, as store_fts_check.
 */
int	store_fts_check_query(const char *query, char *err, size_t errlen);
/*
 * The same check for the store database names (a path or a postgresql:
 * URI), still without opening it: on PostgreSQL, NEAR and ^ are refused
 * too (pg/pg_fts.h). 0, STORE_EQUERY or -1.
 */
int	store_fts_check_query_for(const char *database, const char *query,
	    char *err, size_t errlen);
/*
 * Adds a topic; subset may be NULL (every feed). 0 and the id; 1 and the
 * existing id if the name exists; STORE_EQUERY for an invalid query
 * (message in err); -1.
 */
int	store_topic_add(struct store *s, const char *name, const char *query,
	    const char *notify, const struct store_topic_subset *subset,
	    enum store_origin origin, int64_t *ret_id, char *err,
	    size_t errlen);
/*
 * Changes query/notify; a changed query drops the old matches, a hook
 * (notify not NULL) the notify_dropped note. 1/0/-1/EQUERY.
 */
int	store_topic_update(struct store *s, int64_t id, const char *query,
	    const char *notify, char *err, size_t errlen);
/* Removes a topic with its matches and cursors. 1 / 0 / -1. */
int	store_topic_remove(struct store *s, int64_t id);
int	store_topic_get(struct store *s, int64_t id, struct store_topic *ret);
int	store_topic_get_by_name(struct store *s, const char *name,
	    struct store_topic *ret);
int	store_topic_list(struct store *s, struct store_topic **ret,
	    size_t *ret_n);

/* A feed whose entries a topic lists (not counting folded copies). */
struct store_topic_feed {
	int64_t	 topic_id;
	int64_t	 feed_id;
};

/* Every such pair, by topic then feed; free *ret with free(). */
int	store_topic_feeds(struct store *s, struct store_topic_feed **ret,
	    size_t *ret_n);

/* Topics named in feedd.conf, reconciled like feeds (API topics untouched). */
struct store_config_topic {
	const char *name;
	const char *query;
	const char *notify;	/* may be NULL */
};

int	store_topics_reconcile(struct store *s,
	    const struct store_config_topic *topics, size_t n,
	    struct store_reconcile_result *ret, char *err, size_t errlen);

/*
 * Runs the topic's query over entries min_id..max_id (inclusive) and records
 * the matches. An entry whose normalized link was already matched by this
 * topic from another feed is recorded as a duplicate and not listed.
 * Returns the number of new, listed matches (their ids ascending in
 * *ret_ids, which may be NULL; free() it), -1, or STORE_EQUERY. A topic
 * that no longer exists matches nothing (0). Matching is not retroactive:
 * after adding a topic or changing its query, run it over 1..last id.
 */
int	store_topic_match(struct store *s, int64_t topic_id, int64_t min_id,
	    int64_t max_id, int64_t **ret_ids, size_t *ret_n, char *err,
	    size_t errlen);

/*
 * Groups writes into one transaction: one commit (one WAL sync, one FTS5
 * segment) for many polls instead of one each. Every store function
 * called inside a batch still succeeds or fails on its own (a savepoint);
 * nothing of the batch is durable before store_batch_commit returns 0.
 * Batches nest like the store's own transactions. store_batch_rollback
 * undoes everything since store_batch_begin (all or nothing: an import).
 * Once SQLite has undone a transaction by itself (a full disk may make it
 * do so), every store call inside the batch fails until its commit, which
 * fails too: nothing of a batch is ever committed piecemeal.
 */
int	store_batch_begin(struct store *s);
int	store_batch_commit(struct store *s);
void	store_batch_rollback(struct store *s);
/*
 * Inside the batch just begun, store_ingest leaves its new entries out of
 * the full-text index until store_index_pending(): FTS5 writes its
 * pending terms out at every savepoint, so indexing poll by poll between
 * the polls' savepoints made one index segment per poll (to be merged
 * again) instead of one per batch. The deferred entries are indexed in
 * the order they were stored, each poll's tokens given to the sink and
 * then its indexed() told, at the latest before the batch commits;
 * entries whose savepoint was rolled back are never indexed.
 */
void	store_index_defer(struct store *s);
/* Indexes what was deferred. 0, or -1 (the batch must not commit). */
int	store_index_pending(struct store *s);
/*
 * One bounded step of merging the full-text index's segments, in a
 * transaction of its own (about 20 ms of CPU): each group of polls adds
 * segments, and every search and topic match reads them all; merged,
 * matching 100 topics against a group costs a fifth (bench/README.md,
 * "FTS5 merge settings"). *ret_done is set once a step found nothing
 * left to merge. SQLite only: elsewhere, and inside a transaction, it
 * does nothing and says done. 0 / -1.
 */
int	store_index_tidy(struct store *s, bool *ret_done);

/* ---- explaining an entry ---- */

/*
 * What the store knows and decided about one entry, for topics_why.h,
 * asked by the same rules it stores and matches by. Each call is 0 / -1
 * (or 1 / 0 / -1 where it says so); arrays are freed with their
 * _list_free.
 */

/* The 64-bit hash of entry id's identity key. 1 / 0 no such entry / -1. */
int	store_entry_key_hash(struct store *s, int64_t id, uint64_t *ret);

/* What an entry shares with the one explained. */
enum store_same {
	STORE_SAME_ENTRY,	/* it is that entry */
	STORE_SAME_LINK,	/* the normalized link */
	STORE_SAME_TITLE,	/* the title, published close in time */
};

struct store_carrier {
	int64_t	 entry_id;
	int64_t	 feed_id;
	char	*feed_title;	/* the feed's title, else its URL */
	char	*link;
	int64_t	 fetched;
	enum store_same same;
};

/*
 * The entries of any feed that carry the same article as entry id (and
 * it), ascending by id, at most limit: the same normalized link, or the
 * same title as topics compare titles across feeds (long enough to tell,
 * published within the window of store_topic_match's duplicates).
 */
int	store_entry_carriers(struct store *s, int64_t id, size_t limit,
	    struct store_carrier **ret, size_t *ret_n);
void	store_carrier_list_free(struct store_carrier *c, size_t n);

struct store_entry_match {
	int64_t	 topic_id;
	char	*topic_name;
	char	*query;
	int64_t	 matched;	/* when the match was recorded */
	bool	 listed;	/* false: a cross-feed duplicate */
	/*
	 * A duplicate's listed original, by the rule that made it one
	 * (store_topic_match); 0 and NULL when the topic lists none now.
	 */
	int64_t	 folded_entry_id;
	char	*folded_feed_title;	/* its feed's title, else its URL */
};

/* The topics that matched entry id, by name. */
int	store_entry_matches(struct store *s, int64_t id,
	    struct store_entry_match **ret, size_t *ret_n);
void	store_entry_match_list_free(struct store_entry_match *m, size_t n);

/* In highlights, the words a query matched stand between these bytes. */
#define STORE_MARK_ON	"\x02"
#define STORE_MARK_OFF	"\x03"

/* The fields of the full-text index, in its order. */
enum store_fts_field {
	STORE_FTS_TITLE,
	STORE_FTS_SUMMARY,
	STORE_FTS_CONTENT,
	STORE_FTS_AUTHOR,
	STORE_FTS_FIELDS,
};

/* Title and author whole, summary and content as snippets; NULL: empty. */
struct store_highlight {
	char	*field[STORE_FTS_FIELDS];
};

/*
 * Entry id's indexed text with the words of query marked: 1; 0 when the
 * query does not match the entry (it changed since it matched); -1, also
 * for an invalid query. Free with store_highlight_clear.
 */
int	store_entry_highlight(struct store *s, int64_t id, const char *query,
	    struct store_highlight *ret);
void	store_highlight_clear(struct store_highlight *h);

/* ---- cursors ---- */

/* topic_id 0 is the client's cursor over all entries. */
int	store_cursor_get(struct store *s, const char *client,
	    int64_t topic_id, int64_t *ret_value);	/* 1 / 0 / -1 */
int	store_cursor_set(struct store *s, const char *client,
	    int64_t topic_id, int64_t value);

struct store_cursor {
	int64_t	 topic_id;
	char	*topic_name;	/* NULL for topic 0 */
	int64_t	 value;
	int64_t	 updated;
};

int	store_cursor_list(struct store *s, const char *client,
	    struct store_cursor **ret, size_t *ret_n);
void	store_cursor_list_free(struct store_cursor *c, size_t n);

/* ---- API tokens ---- */

/*
 * The tokens that open the API's TCP listener (api_auth.h). The store
 * keeps a token's SHA-256, never the token; names and hashes are unique.
 */
#define STORE_APITOKEN_HASH_LEN	32

struct store_apitoken {
	char	*name;
	int64_t	 user_id;	/* whose the token is */
	unsigned char sha256[STORE_APITOKEN_HASH_LEN];
	bool	 read_only;
	int64_t	 created;
	int64_t	 last_used;	/* 0: never */
};

/* 0 added, 1 the name is taken (nothing changed), -1. */
int	store_apitoken_add(struct store *s, const char *name,
	    const unsigned char sha256[STORE_APITOKEN_HASH_LEN],
	    bool read_only, int64_t user_id);
/* Every token, by name; free with store_apitoken_list_free. */
int	store_apitoken_list(struct store *s, struct store_apitoken **ret,
	    size_t *ret_n);
void	store_apitoken_list_free(struct store_apitoken *t, size_t n);
/* 1 removed / 0 no such token / -1. */
int	store_apitoken_remove(struct store *s, const char *name);
/* Records that the token was used at when. 0 / -1. */
int	store_apitoken_used(struct store *s, const char *name, int64_t when);

/* ---- users and their state ---- */

/*
 * People who read. User 1 is the owner (made by the schema, never
 * removed): Unix-socket clients act as the owner unless they name another
 * user. Passwords are kept as crypt(3) hashes made by the caller; the
 * Fever key (md5 of "name:password", as that protocol defines it) only
 * for users who enable Fever.
 */
#define STORE_OWNER_ID		1
#define STORE_FEVER_KEY_LEN	16

struct store_user {
	int64_t	 id;
	char	*name;
	char	*pass_hash;	/* crypt(3) text, or NULL: no login */
	bool	 fever;		/* fever_key is set */
	unsigned char fever_key[STORE_FEVER_KEY_LEN];
	int64_t	 created;
};

void	store_user_clear(struct store_user *u);
void	store_user_list_free(struct store_user *u, size_t n);
/* 0 and the id; 1 when the name is taken (nothing changed); -1. */
int	store_user_add(struct store *s, const char *name,
	    const char *pass_hash, int64_t *ret_id);
int	store_user_get(struct store *s, int64_t id, struct store_user *ret);
int	store_user_get_by_name(struct store *s, const char *name,
	    struct store_user *ret);		/* 1 / 0 / -1 */
int	store_user_list(struct store *s, struct store_user **ret,
	    size_t *ret_n);			/* by id */
/* With its state and tokens. 1 / 0 no such user / -1 (the owner: -1). */
int	store_user_remove(struct store *s, int64_t id);
/* pass_hash NULL: no password (no login). 1 / 0 / -1. */
int	store_user_set_password(struct store *s, int64_t id,
	    const char *pass_hash);
/* key NULL: Fever off for the user. 1 / 0 / -1. */
int	store_user_set_fever(struct store *s, int64_t id,
	    const unsigned char *key);
/* 1 renamed / 0 no such user / 2 the name is taken / -1. */
int	store_user_rename(struct store *s, int64_t id, const char *name);

/*
 * The daemon's own secret (32 random bytes, made on first use and kept in
 * the database), for keys it derives rather than stores. 0 / -1.
 */
#define STORE_SECRET_LEN	32
int	store_secret(struct store *s, unsigned char out[STORE_SECRET_LEN]);

/*
 * A user's read and starred flags. Entries are unread and not starred
 * until marked; a mark reaches every folded copy of the story. Each call
 * is one transaction and returns the number of entries whose flag
 * changed (0 when ids name no entry), or -1.
 */
enum store_flag {
	STORE_FLAG_READ,
	STORE_FLAG_STARRED,
};

int	store_state_set(struct store *s, int64_t user_id, enum store_flag flag,
	    bool on, const int64_t *ids, size_t n, size_t *ret_changed);
/* One entry's flags for the user. 1 / 0 no such entry / -1. */
int	store_state_get(struct store *s, int64_t user_id, int64_t entry_id,
	    bool *ret_read, bool *ret_starred);

/*
 * Everything of a scope (any of feed, category, topic; none: all
 * entries) up to max_id (0: no bound) and, when before is not 0,
 * published (else fetched) before it, marked read or unread.
 */
struct store_scope {
	int64_t	 feed_id;
	const char *category;
	int64_t	 topic_id;
};

int	store_state_mark_all(struct store *s, int64_t user_id,
	    const struct store_scope *scope, bool read, int64_t max_id,
	    int64_t before, size_t *ret_changed);

/*
 * The ids of the user's entries whose flag is on (or off), each handed to
 * fn, which returns 0 to go on or -1 to stop (returned without logging).
 * For a reader's whole list at once (Fever's unread_item_ids), which may
 * be hundreds of thousands of ids: scans of indexes, no row is read, no
 * entry looked up. Flags that are on come ascending; off ones ascend
 * within each feed.
 */
typedef int (*store_id_fn)(int64_t id, void *arg);
int	store_state_ids(struct store *s, int64_t user_id, enum store_flag flag,
	    bool on, store_id_fn fn, void *arg);

/* A user's unread entries of one feed or topic (its id), and the total. */
struct store_unread {
	int64_t	 id;
	int64_t	 unread;
};

/*
 * Every feed's (topic's) unread count for the user, by id, from counts
 * the store keeps: no entry is read. Free *ret with free().
 */
int	store_unread_feeds(struct store *s, int64_t user_id,
	    struct store_unread **ret, size_t *ret_n);
int	store_unread_topics(struct store *s, int64_t user_id,
	    struct store_unread **ret, size_t *ret_n);

/*
 * A feed's unread count with what a reader's count list shows of it, for
 * store_unread_feeds_each: the strings are the store's, valid only
 * during the call.
 */
struct store_feed_unread {
	int64_t		 id;
	int64_t		 unread;
	int64_t		 last_success;
	const char	*url;
	const char	*category;	/* NULL: none */
};
typedef int (*store_feed_unread_fn)(const struct store_feed_unread *u,
	    void *arg);
/*
 * Every feed's unread count for the user, by id, with its url, category
 * and last successful poll, each handed to fn (0 to go on, -1 to stop:
 * returned without logging). One pass and no copy, for a count of
 * every feed at once (Google Reader's unread-count).
 */
int	store_unread_feeds_each(struct store *s, int64_t user_id,
	    store_feed_unread_fn fn, void *arg);

/* ---- alerts of URL hooks ---- */

/*
 * A topic's new matches on their way to a URL hook: the entries as JSON
 * (an array of the API's entry objects), kept until the receiver took
 * them or the hook gave up.
 */
struct store_alert {
	int64_t	 id;		/* one hook's alerts go out in id order */
	char	*hook;
	char	*topic;
	bool	 batch;		/* one message for all entries */
	char	*entries;	/* JSON array */
	char	*key;		/* the alert's id for receivers */
	int64_t	 created;
	int64_t	 attempts;	/* failed so far */
	int64_t	 next_try;	/* not before (0: now) */
	char	*last_error;
};

void	store_alert_clear(struct store_alert *a);
/* Adds a (its id, attempts, next_try and created are the store's). 0 / -1. */
int	store_alert_add(struct store *s, const struct store_alert *a,
	    int64_t *ret_id);
/* The hook's oldest alert. 1 / 0 none / -1. */
int	store_alert_first(struct store *s, const char *hook,
	    struct store_alert *ret);
/* Delivered or given up. 1 / 0 no such alert / -1. */
int	store_alert_remove(struct store *s, int64_t id);
/* A failed attempt: counted, the error kept, next try at when. 0 / -1. */
int	store_alert_retry(struct store *s, int64_t id, int64_t when,
	    const char *error);
/* How many alerts the hook has waiting. 0 / -1. */
int	store_alert_count(struct store *s, const char *hook, int64_t *ret);

/* The hooks that have alerts waiting: how many, since when. */
struct store_alert_hook {
	char	*hook;
	int64_t	 count;
	int64_t	 oldest;	/* created */
};

int	store_alert_hooks(struct store *s, struct store_alert_hook **ret,
	    size_t *ret_n);
void	store_alert_hook_list_free(struct store_alert_hook *h, size_t n);
/* Removes the hook's alerts created before before; *ret_n of them. */
int	store_alert_expire(struct store *s, const char *hook, int64_t before,
	    size_t *ret_n);

/* ---- WebSub subscriptions ---- */

/*
 * A feed's subscription at its WebSub hub (the websub module's data):
 * pending until the hub verified it, active for its lease, refused (the
 * hub said no or never verified: asked again at retry_at), unsubscribing
 * once its feed was removed, until the hub confirms.
 */
enum store_websub_state {
	STORE_WEBSUB_PENDING,
	STORE_WEBSUB_ACTIVE,
	STORE_WEBSUB_REFUSED,
	STORE_WEBSUB_UNSUBSCRIBING,
};

struct store_websub {
	int64_t	 id;
	int64_t	 feed_id;
	bool	 feed_gone;	/* the feed was removed (read only) */
	char	*callback;	/* the callback URL's last segment, random */
	char	*hub;
	char	*topic;
	char	*secret;	/* hub.secret: never shown, never logged */
	enum store_websub_state state;
	/*
	 * What we asked the hub and wait for it to verify: "subscribe",
	 * "unsubscribe" or NULL, and when.
	 */
	char	*asked;
	int64_t	 asked_at;
	int64_t	 lease_s;	/* the lease the hub granted */
	int64_t	 lease_until;
	int64_t	 retry_at;	/* refused: asked again then */
	int64_t	 last_push;
	int64_t	 pushes;
	char	*last_error;
	int64_t	 created;
};

void	store_websub_clear(struct store_websub *w);
void	store_websub_list_free(struct store_websub *w, size_t n);
/* Adds w (its id and created are the store's). 0 / -1. */
int	store_websub_add(struct store *s, const struct store_websub *w,
	    int64_t *ret_id);
/* Writes w's state, what was asked, lease, pushes and error. 0 / -1. */
int	store_websub_save(struct store *s, const struct store_websub *w);
int	store_websub_remove(struct store *s, int64_t id);
/* 1 found / 0 / -1. */
int	store_websub_by_callback(struct store *s, const char *callback,
	    struct store_websub *ret);
/* The feed's subscription that is not being ended. 1 / 0 / -1. */
int	store_websub_by_feed(struct store *s, int64_t feed_id,
	    struct store_websub *ret);
int	store_websub_list(struct store *s, struct store_websub **ret,
	    size_t *ret_n);
/* Subscription id. 1 found / 0 / -1. */
int	store_websub_get(struct store *s, int64_t id, struct store_websub *ret);
#define STORE_WEBSUB_NSTATES	(STORE_WEBSUB_UNSUBSCRIBING + 1)
/* How many subscriptions are in each state. 0 / -1. */
int	store_websub_counts(struct store *s,
	    int64_t ret[STORE_WEBSUB_NSTATES]);
const char *store_websub_state_name(enum store_websub_state st);

/* ---- status and retention ---- */

/*
 * The figures of the status. The feeds' come from counts the store keeps
 * as the feeds change, a row a state (no pass over the feeds: 100,000 of
 * them cost 40-50 ms a status); the topics, few, are counted. When the
 * next poll is due is the scheduler's to say (sched_counts): it plans
 * every poll.
 */
struct store_status {
	int64_t	 feeds;
	int64_t	 feeds_new;	/* never polled */
	int64_t	 feeds_backing_off;
	int64_t	 feeds_failing;	/* error_count > 0 */
	int64_t	 entries;
	int64_t	 topics;
	int64_t	 last_entry_id;
	int64_t	 db_bytes;
};

int	store_status_get(struct store *s, struct store_status *ret);
/* How many feeds are in each state, by enum store_feed_state. 0 / -1. */
int	store_feed_state_counts(struct store *s,
	    int64_t ret[STORE_FEED_STATE_MAX]);

/*
 * Whether the database takes writes. A transaction whose commit fails, or
 * any call that fails because of the disk or the file (full, I/O error,
 * read-only, damaged, locked past the busy timeout), makes the store
 * "failing" with that reason in words; the next commit that works makes
 * it healthy again. Kept in memory, for the status, /healthz and metrics.
 */
struct store_health {
	bool	 failing;
	int64_t	 since;		/* when it started failing; 0 if healthy */
	char	 error[256];	/* why, "" if healthy */
	uint64_t commit_failures;	/* failed commits since store_open */
};

void	store_health_get(const struct store *s, struct store_health *ret);

/*
 * ---- several workers on one database ----
 *
 * feedd processes on any number of machines may share one PostgreSQL
 * store (store_shared). Each names itself (store_set_worker) and then:
 *   - claims due feeds before polling them (store_claim_feeds): a claim
 *     is a lease in the database, held until the poll is recorded
 *     (store_feed_poll_done ends it) or until it runs out, lease_s after
 *     the worker's last heartbeat (store_worker_beat renews them all);
 *     rows another worker is claiming are skipped, never waited for;
 *   - starts a poll of a host only host_gap after any worker's last
 *     start there (store_claim_host);
 *   - sends a URL hook's alerts only while it holds the hook
 *     (store_claim_hook), so each goes out once and in order;
 *   - hears of other workers' changes (store_listen_*): feeds added,
 *     removed or moved, entries stored, alerts stored, topics changed.
 * Every write transaction of a shared store runs under one lock of the
 * database's, so entry ids grow in the order of their commits: a reader
 * that has seen id N never later finds a new entry below N.
 * A SQLite store is never shared: these calls are not made on it
 * (store_claim_* grant everything, store_listen_open fails).
 */
bool	store_shared(const struct store *s);
/* This process's name among the workers (copied). */
void	store_set_worker(struct store *s, const char *name);

struct store_claim {
	int64_t	 id;		/* in: the feed */
	bool	 force;		/* in: even before its next_poll (--once) */
	bool	 granted;	/* out: ours to poll */
	int64_t	 retry_at;	/* out, not granted: when to look again
				   (Unix s, our clock); 0: no such feed */
};
/* Claims c[0..n) at once, leases of lease_s; now is our clock. 0 / -1. */
int	store_claim_feeds(struct store *s, int64_t lease_s, int64_t now,
	    struct store_claim *c, size_t n);
/*
 * A poll of host may start now (1: recorded as its last start), or in
 * *ret_wait_ms (0). -1 on error.
 */
int	store_claim_host(struct store *s, const char *host, int64_t gap_ms,
	    int64_t *ret_wait_ms);
/* 1: this worker sends hook's alerts for lease_s more; 0: another does. */
int	store_claim_hook(struct store *s, const char *hook, int64_t lease_s);

struct store_worker {
	char	*name;
	char	*host;		/* the machine's name */
	int64_t	 pid;
	int64_t	 started;	/* Unix s */
	int64_t	 seen;		/* its last heartbeat, the database's clock */
	int64_t	 polls;		/* polls it recorded since it started */
	int64_t	 leases;	/* feeds it holds now */
};
/*
 * The heartbeat: me (name as store_set_worker) is alive; every lease it
 * holds runs lease_s from now. *ret_leases (may be NULL): how many.
 */
int	store_worker_beat(struct store *s, const struct store_worker *me,
	    int64_t lease_s, int64_t *ret_leases);
/* Workers seen within alive_s, by name, with their leases. 0 / -1. */
int	store_worker_list(struct store *s, int64_t alive_s,
	    struct store_worker **ret, size_t *ret_n);
void	store_worker_list_free(struct store_worker *w, size_t n);
/* A clean exit: our leases released at once, our row gone. 0 / -1. */
int	store_worker_leave(struct store *s);

/* What other workers changed (bits of store_listen_read). */
#define STORE_CHANGED_FEEDS	0x1	/* added, removed, URL moved */
#define STORE_CHANGED_ENTRIES	0x2	/* new entries (and matches) */
#define STORE_CHANGED_ALERTS	0x4	/* URL hooks' alerts stored */
#define STORE_CHANGED_TOPICS	0x8	/* added, changed, removed */
/*
 * A connection of its own that hears other workers' commits: its socket
 * to watch for reading, or -1 (logged). Changes of this worker are not
 * told back to it.
 */
int	store_listen_open(struct store *s);
/* What was heard since the last call (STORE_CHANGED_*); -1: lost. */
int	store_listen_read(struct store *s);
void	store_listen_close(struct store *s);

/*
 * Prunes at most batch entries (0: 500) under r, plus excess poll-log rows,
 * in one short transaction; run it from an idle timer until it returns 0.
 * Pruned entries' keys stay in the seen table. Never removes the newest
 * min_entries_per_feed of a feed, nor an entry a topic still lists within
 * topic_max_age_s. Returns 1 when more remains, 0 when done, -1 on error;
 * *ret_pruned (may be NULL) counts what went.
 */
int	store_prune(struct store *s, const struct store_retention *r,
	    size_t batch, size_t *ret_pruned);

/*
 * store_migrate: a SQLite store copied into a PostgreSQL one (store_migrate.c),
 * every table the two schemas share, ids kept and sequences moved past
 * them, each entry's full-text document built as the PostgreSQL store
 * builds it; unread counts and topics' match counts are recomputed there.
 *
 * The source is read in one read transaction (one consistent snapshot;
 * what a running feedd writes after it is not copied). Rows go in key
 * order, batch rows per transaction, skipping what the target has: an
 * interrupted run, run again, goes on where it stopped. The target must
 * be empty or a copy of this same source (meta 'migrated_from').
 */
struct store_migrate_opts {
	size_t	 batch;		/* rows per transaction; 0: 1,000 */
	size_t	 max_batches;	/* stop after this many; 0: no limit */
	/* Told after each batch: table, rows the target holds, source rows. */
	void	(*progress)(const char *table, int64_t done, int64_t total,
		    void *arg);
	void	*arg;
};

/* One line of the closing check: what was counted on each side. */
struct store_migrate_count {
	const char	*what;		/* a table, or a table and what of it */
	int64_t		 source;
	int64_t		 target;
};

#define STORE_MIGRATE_NCOUNTS	21

struct store_migrate_result {
	size_t		 batches;	/* batches copied by this run */
	int64_t		 rows;		/* rows written by this run */
	bool		 stopped;	/* max_batches reached: run again */
	struct store_migrate_count counts[STORE_MIGRATE_NCOUNTS];
	size_t		 ncounts;	/* 0 when stopped */
};

/*
 * Copies the SQLite store at from into the PostgreSQL database to (a
 * postgresql: URI). 0 when done (compare *ret's counts), -1 with the
 * reason in err (nothing half-written: the batch in flight is undone).
 */
int	store_migrate(const char *from, const char *to,
	    const struct store_migrate_opts *o,
	    struct store_migrate_result *ret, char *err, size_t errlen);

#endif
