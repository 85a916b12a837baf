/*
 * store_keys: how an entry is identified and told changed, the rules both
 * stores store by (store_ingest.c, pg/pg_store_ingest.c): the identity
 * ladder's key (guid / atom id, else the normalized link, else a hash of
 * title + published + summary), the hash of its text, the link + title
 * hash that tells a reissued item, and its categories and enclosures as
 * the JSON the entries carry; and an entry's words marked for a query as
 * the SQLite index marks them.
 */
#ifndef FEEDD_STORE_KEYS_H
#define FEEDD_STORE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feed.h"
#include "store.h"

/* An entry's keys, made by store_prepare_keys(). */
struct store_prepared {
	char	*norm_link;
	char	*categories;	/* JSON or NULL */
	char	*enclosures;	/* JSON or NULL */
	int64_t	 key_hash;
	int64_t	 lt_hash;
	bool	 has_lt;
	int64_t	 content_hash;
	bool	 linked;	/* store_prepare_link done */
	bool	 complete;	/* store_prepare_all's: the JSON too */
};

/*
 * The key and the text's hash; the link is normalized only when the key
 * needs it. false: nothing to identify the entry by.
 */
bool	store_prepare_keys(const struct feed_entry *e, struct store_prepared *p);
/* The normalized link and link + title hash, for an unknown key. */
void	store_prepare_link(const struct feed_entry *e, struct store_prepared *p);
/*
 * All of it, the categories' and enclosures' JSON too, for an entry not
 * yet known to be new (made ahead, on another thread than the store's).
 */
bool	store_prepare_all(const struct feed_entry *e, struct store_prepared *p);
void	store_prepared_clear(struct store_prepared *p);
/* JSON arrays (JSON_COMPACT) of an entry's categories / enclosures, or NULL. */
char	*store_categories_json(const struct feed_entry *e);
char	*store_enclosures_json(const struct feed_entry *e);

/* 64-bit hash of a byte string, seeded (for keys and change detection). */
uint64_t store_hash(const void *data, size_t len, uint64_t seed);
/*
 * The key under which a match's title is compared across feeds (the
 * cross-feed duplicate fallback): false for titles too short to tell
 * anything. The schema's title_key() SQL function is this.
 */
bool	store_title_key(const char *title, size_t len, int64_t *ret);
/* A topic match's key for the cross-feed fold: its normalized link's hash. */
int64_t	store_match_norm_hash(const char *norm_link);
/*
 * A topic's feed subset as stored (topics.feed_ids): a JSON array of ids,
 * read into t (nothing on NULL or bad text), and written for n ids (NULL
 * when n is 0; freed by the caller).
 */
void	store_topic_feed_ids_read(struct store_topic *t, const char *text);
char	*store_topic_feed_ids_text(const int64_t *ids, size_t n);
/*
 * Entry listings: the filters of a query as bits, one statement per
 * combination (store_list_mask), on either store.
 */
#define STORE_LQ_FEED	0x0001
#define STORE_LQ_TOPIC	0x0002
#define STORE_LQ_FTS	0x0004
#define STORE_LQ_LATEST	0x0008
#define STORE_LQ_CONTENT 0x0010
#define STORE_LQ_STATE	0x0020	/* a user's read and starred */
#define STORE_LQ_READ	0x0040	/* read ones only */
#define STORE_LQ_UNREAD	0x0080
#define STORE_LQ_STARRED 0x0100
#define STORE_LQ_UNSTARRED 0x0200
#define STORE_LQ_CATEGORY 0x0400
#define STORE_LQ_BEFORE	0x0800
#define STORE_LQ_NEWER	0x1000
#define STORE_LQ_OLDER	0x2000
#define STORE_LQ_DESC	0x4000
#define STORE_LQ_ALL	0x8000	/* above every mask */
unsigned store_list_mask(const struct store_entry_query *q);
/* How far apart two copies of one article may be published (seconds). */
#define STORE_TITLE_DUP_WINDOW_S	(2 * 86400)

/*
 * fields' text (title, summary, content as text, author; NULL: empty)
 * with the words of query marked as the SQLite index marks them
 * (store_entry_highlight), without a database: for a store that keeps
 * its text elsewhere. 1; 0 when query does not match the text; -1
 * (logged), also for an invalid query.
 */
int	store_highlight_text(const char *query,
	    const char *const field[STORE_FTS_FIELDS],
	    struct store_highlight *ret);

/*
 * A copy of an entry read as a view of a statement's row (its strings the
 * row's), every string copied, so that it outlives the row.
 */
void	store_entry_copy(const struct store_entry *view, struct store_entry *e);

#endif
