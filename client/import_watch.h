/*
 * import_watch: what happens after `feedctl import`, on a terminal. The
 * feeds an import added are polled by the daemon soon after; this follows
 * /v1/stream?polls=1 and keeps one progress line up to date (polled,
 * failed, remaining, entries stored) until every one of them has been
 * polled once, then prints a summary and the feeds that failed.
 */
#ifndef FEEDD_IMPORT_WATCH_H
#define FEEDD_IMPORT_WATCH_H

#include <jansson.h>

#include "feedctl.h"

/*
 * feeds: the "feeds" of the import's answer (those with status "added"
 * are watched). FEEDCTL_OK, or FEEDCTL_FAIL when the stream broke.
 */
int	import_watch(struct feedctl *ctl, json_t *feeds);

#endif
