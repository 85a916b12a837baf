/*
 * hook: a topic's new matches handed to the [hook] its notify names.
 *
 * Promises: the hook's command runs through notify (never a shell), with
 * the hook's timeout, once per match (mode each) or once for all the
 * matches given (mode batch), and each run gets
 *   FEEDD_TOPIC                the topic's name
 *   FEEDD_TITLE, FEEDD_LINK    the entry's title and link
 *   FEEDD_FEED, FEEDD_FEED_ID  its feed's title and id
 *   FEEDD_ID                   its id
 *   FEEDD_IDS, FEEDD_COUNT     every id of the run, and how many
 * (in batch mode the entry is the run's last one), and on stdin one line of
 * JSON: the entry as the API shows it plus "topic" (each), or
 * {"topic": ..., "entries": [...]} (batch).
 */
#ifndef FEEDD_HOOK_H
#define FEEDD_HOOK_H

#include <stddef.h>

struct config_hook;
struct notify;
struct store_entry;

/* Queues the runs for topic's matches e[0..n). A failure is logged. */
void	hook_run(struct notify *nt, const struct config_hook *h,
	    const char *topic, const struct store_entry *e, size_t n);

#endif
