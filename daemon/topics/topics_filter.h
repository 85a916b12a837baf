/*
 * topics_filter: which topics cannot match one poll's new entries, decided
 * without asking the store.
 *
 * Why: a query against the store's index costs in proportion to its terms'
 * doclists across every segment of the archive, even when limited to a
 * rowid range, and every store_topic_match() is a write transaction. Most
 * polls match no topic, so a cheap, conservative test in front of it pays.
 *
 * How: each topic's FTS5 query is compiled into a relaxed formula over term
 * presence (phrases and NEAR groups become AND of their terms, column
 * filters and NOT's right side are dropped, prefixes stay prefixes), its
 * terms folded by SQLite's own unicode61 tokenizer (remove_diacritics 2,
 * as the store's index). A poll's entries are tokenized once by the same
 * tokenizer, and a topic is sent to the store only if its formula holds.
 *
 * Promises: never a false negative. topics_filter_may_match() is false
 * only when the store's index cannot match the query on those entries; a
 * query this module cannot read is always "may match".
 */
#ifndef FEEDD_TOPICS_FILTER_H
#define FEEDD_TOPICS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

#define TOPICS_FILTER_ALWAYS	(-1)	/* a query kept out of the filter */

struct topics_filter;

/* NULL on failure (logged). */
struct topics_filter *topics_filter_new(void);
void	topics_filter_free(struct topics_filter *f);
/* Forgets every compiled query (before compiling a new set). */
void	topics_filter_reset(struct topics_filter *f);
/* Compiles query; a handle, or TOPICS_FILTER_ALWAYS. */
int	topics_filter_add(struct topics_filter *f, const char *query);
/*
 * A load from tokens someone else made with the store's tokenizer (the
 * store's token sink): begin, then each token.
 */
void	topics_filter_begin(struct topics_filter *f);
void	topics_filter_token(struct topics_filter *f, const char *tok,
	    size_t len);
/* Tokenizes the entries' indexed fields. 0, or -1 (all may match). */
int	topics_filter_load(struct topics_filter *f, const struct store_entry *e,
	    size_t n);
/* After a load: may the query of this handle match those entries? */
bool	topics_filter_may_match(const struct topics_filter *f, int handle);

#endif
