/*
 * topics: following named FTS5 queries.
 *
 * Promises:
 *   - topics_reconcile() makes the stored config topics those of the
 *     configuration (added, changed, removed; API topics untouched) and
 *     applies their hooks and feed subsets;
 *   - a topic with a feed subset (config feed names, API feed ids, a
 *     category with its sub-categories) matches entries of those feeds
 *     only, the feeds in it being those of the feed list as last told:
 *     topics_reconcile() and topics_feeds_changed() resolve it again;
 *   - topics_note(), called once each poll's new entries are in the
 *     index (topics_new() has the store tell it: store_token_sink's
 *     indexed), and topics_match(),
 *     called by the poll pipeline inside the transaction that stores a
 *     batch of polls, match their new entries against every topic,
 *     restricted to each poll's id range (never a scan of the archive),
 *     and record the matches in that same transaction;
 *     on_recorded hears of each topic's new matches in that transaction;
 *     topics_deliver(), once it committed, hands each topic's new listed
 *     matches to the hook its notify names (hook.h; a hook no longer
 *     declared notifies nobody) and tells the stream listener, so nothing
 *     is announced that a crash could still undo;
 *   - a topic that is new, or whose query changed, is back-filled from the
 *     archive once, oldest first, in batches of TOPICS_BACKFILL_BATCH ids
 *     run from a libevent timer, so polls and API requests interleave with
 *     it; progress is kept in the store (cursor client TOPICS_BF_CLIENT),
 *     so a restart resumes where it stopped. Back-filled matches notify
 *     nobody.
 * Failures are logged here and never stop polling.
 */
#ifndef FEEDD_TOPICS_H
#define FEEDD_TOPICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

#define TOPICS_BACKFILL_BATCH	2000	/* entry ids per timer turn */
/* Cursor clients the API cannot name (':' is not allowed there). */
#define TOPICS_BF_CLIENT	"feedd:backfill"	/* ids done */
#define TOPICS_BF_END_CLIENT	"feedd:backfill-end"	/* last id to do */

struct feedd;
struct topics;

/* What topics tells the stages after it (main.c wires them). */
struct topics_callbacks {
	/*
	 * A topic's new matches (ids ascending), once the batch that
	 * recorded them committed: for streams and hooks. hook: the hook
	 * the topic names, or NULL.
	 */
	void	(*on_matches)(void *arg, int64_t topic_id, const char *topic,
		    const char *hook, const int64_t *ids, size_t n);
	/*
	 * The same matches as they are recorded, inside the transaction
	 * that is still open: for what must be stored with them (a URL
	 * hook's alerts). May be NULL.
	 */
	void	(*on_recorded)(void *arg, const char *topic,
		    const char *hook, const int64_t *ids, size_t n);
	void	*arg;
};

/* Uses d->base, d->store and d->cfg. cb is copied. */
struct topics	*topics_new(struct feedd *d,
		    const struct topics_callbacks *cb);
/*
 * Start-up and reload, after the feeds were reconciled: config topics
 * into the store, notify limits, feed subsets; a warning for each topic
 * that names a hook cfg does not declare. 0, or -1 (logged; the topics in
 * effect stay those of the store).
 */
int		 topics_reconcile(struct topics *t, const struct config *cfg);
/*
 * Right after a poll's store_ingest (ids ascending): notes which topics
 * may match its new entries, from the tokens the ingest indexed.
 */
void		 topics_note(struct topics *t, int64_t feed_id,
		    const int64_t *ids, size_t n);
/* Inside the batch's transaction: records the matches of what was noted. */
void		 topics_match(struct topics *t);
/* After the batch: announces (committed) or forgets what was matched. */
void		 topics_deliver(struct topics *t, bool committed);
/* Both for one poll, in a transaction of its own. arg: struct topics. */
void		 topics_on_new_entries(void *arg, int64_t feed_id,
		    const int64_t *ids, size_t n);

/*
 * After feeds were added, removed or filed under another category outside
 * a reload (the API): the feed subsets are resolved again, so a feed new
 * to a topic's category is matched from its next poll on (its stored
 * entries are not back-filled). A failure is logged.
 */
void		 topics_feeds_changed(struct topics *t);
/*
 * Another worker on the same store added, changed or removed topics:
 * they are read again; one new here is back-filled up to this worker's
 * last entry (what it stored before it heard of the topic).
 */
void		 topics_reload(struct topics *t);

/*
 * API: adds a topic (origin api) that notifies hook (NULL: nobody),
 * limited to subset (NULL: every feed; the caller checked the hook, the
 * ids and the category) and starts its back-fill.
 * 0 and the id, 1 if the name exists, STORE_EQUERY (bad query, message in
 * err), -1.
 */
int		 topics_add(struct topics *t, const char *name,
		    const char *query, const char *hook,
		    const struct store_topic_subset *subset, int64_t *ret_id,
		    char *err, size_t errlen);
/*
 * API: the topic notifies hook (NULL: nobody; the caller checked it).
 * 1 done, 0 no such topic, -1 error.
 */
int		 topics_set_hook(struct topics *t, int64_t id,
		    const char *hook);
/* API: 1 removed, 0 no such topic, -1 error. */
int		 topics_remove(struct topics *t, int64_t id);

/* What the store does not keep, for listings. NULL if unknown. */
struct topics_info {
	char *const	*feeds;		/* config feed names, or NULL */
	const char	*category;	/* config or API category, or NULL */
	bool		 subset;	/* false: every feed */
	const int64_t	*feed_ids;	/* subset: the feeds in it now */
	size_t		 nfeed_ids;
	bool		 backfilling;
	int64_t		 backfill_done;	/* ids done */
	int64_t		 backfill_end;	/* of this many */
};
bool		 topics_info(struct topics *t, int64_t id,
		    struct topics_info *ret);

/*
 * Drops the timer and the notify runner (see notify_free); with --once,
 * first lets the queued and running hook commands finish (at most the
 * longest hook timeout).
 */
void		 topics_free(struct topics *t);

#endif
