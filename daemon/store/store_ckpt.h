/*
 * store_ckpt: the WAL's checkpoints of a SQLite store on a thread of their
 * own. SQLite runs a checkpoint in the connection that commits, once the
 * WAL holds 1,000 pages: the writer (the loop) then copies those pages
 * into the database file and waits for its fsync. Here the writer only
 * counts: a commit that leaves STORE_CKPT_FRAMES pages or more in the WAL
 * wakes the thread, which checkpoints on a second connection (PASSIVE:
 * it never blocks the writer, nor waits for it), while the writer goes on.
 * SQLite restarts the WAL from its start at the first write after a
 * checkpoint that copied it all, as it does after its own.
 */
#ifndef FEEDD_STORE_CKPT_H
#define FEEDD_STORE_CKPT_H

#include <sqlite3.h>

/* SQLite's own wal_autocheckpoint default. */
#define STORE_CKPT_FRAMES	1000

struct store_ckpt;

/*
 * Takes over the checkpoints of writer, a connection to the WAL database
 * path, from a commit leaving `frames` pages in the WAL on. NULL with err
 * empty when writer has no WAL (a database in memory); NULL with the
 * reason in err when the thread or its connection cannot be had. Either
 * way the writer then checkpoints as SQLite does by itself.
 */
struct store_ckpt *store_ckpt_new(const char *path, sqlite3 *writer,
	    int frames, char *err, size_t errlen);
/*
 * Stops the thread (a checkpoint under way is finished) and gives the
 * checkpoints back to the writer. Before the writer is closed.
 */
void	store_ckpt_free(struct store_ckpt *c);
/* Checkpoints the thread has run, for tests. */
unsigned long store_ckpt_count(struct store_ckpt *c);

#endif
