#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store_ckpt.h"
#include "xmalloc.h"

struct store_ckpt {
	sqlite3		*db;		/* the thread's own connection */
	sqlite3		*writer;
	char		*path;
	int		 frames;
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	bool		 wanted;	/* a commit passed frames since */
	bool		 closing;
	unsigned long	 runs;
};

/* The writer's wal_hook, after each commit: only a flag and a signal. */
static int
on_commit(void *arg, sqlite3 *db, const char *schema, int frames)
{
	struct store_ckpt *c = arg;

	(void)db;
	if (frames < c->frames || strcmp(schema, "main") != 0)
		return SQLITE_OK;
	pthread_mutex_lock(&c->mu);
	if (!c->wanted) {
		c->wanted = true;
		pthread_cond_signal(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	return SQLITE_OK;
}

static void *
thread_main(void *arg)
{
	struct store_ckpt *c = arg;
	int rc, nlog, nckpt;

	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (!c->wanted && !c->closing)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->closing) {
			pthread_mutex_unlock(&c->mu);
			return NULL;
		}
		c->wanted = false;
		pthread_mutex_unlock(&c->mu);
		/*
		 * PASSIVE copies what no reader still needs and returns:
		 * what it leaves, the next commit's wake-up takes. BUSY is
		 * another checkpoint (a backup's, the close's) under way.
		 */
		rc = sqlite3_wal_checkpoint_v2(c->db, "main",
		    SQLITE_CHECKPOINT_PASSIVE, &nlog, &nckpt);
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			log_warnx("store: '%s': checkpoint: %s", c->path,
			    sqlite3_errmsg(c->db));
		else
			log_debug("store: '%s': checkpoint: %d of %d WAL "
			    "pages", c->path, nckpt, nlog);
		pthread_mutex_lock(&c->mu);
		c->runs++;
		pthread_mutex_unlock(&c->mu);
	}
}

static bool
in_wal(sqlite3 *db)
{
	sqlite3_stmt *st;
	bool wal = false;

	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) !=
	    SQLITE_OK)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW)
		wal = strcmp((const char *)sqlite3_column_text(st, 0), "wal") ==
		    0;
	sqlite3_finalize(st);
	return wal;
}

struct store_ckpt *
store_ckpt_new(const char *path, sqlite3 *writer, int frames, char *err,
    size_t errlen)
{
	struct store_ckpt *c;
	const char *file = sqlite3_db_filename(writer, "main");

	*err = '\0';
	if (file == NULL || *file == '\0' || !in_wal(writer))
		return NULL;	/* in memory, or no WAL: nothing to take */
	c = xcalloc(1, sizeof(*c));
	c->writer = writer;
	c->path = xstrdup(path);
	c->frames = frames > 0 ? frames : 1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "a second connection: %s", c->db !=
		    NULL ? sqlite3_errmsg(c->db) : "out of memory");
		goto fail;
	}
	/* A connection learns the file is in WAL mode when it first reads. */
	if (!in_wal(c->db)) {
		snprintf(err, errlen, "the second connection: not in WAL mode");
		goto fail;
	}
	if ((errno = pthread_create(&c->thread, NULL, thread_main, c)) != 0) {
		snprintf(err, errlen, "a thread: %s", strerror(errno));
		goto fail;
	}
	/* Replaces the hook of SQLite's own automatic checkpoints. */
	sqlite3_wal_hook(writer, on_commit, c);
	return c;
fail:
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c->path);
	free(c);
	return NULL;
}

void
store_ckpt_free(struct store_ckpt *c)
{
	if (c == NULL)
		return;
	sqlite3_wal_autocheckpoint(c->writer, STORE_CKPT_FRAMES);
	pthread_mutex_lock(&c->mu);
	c->closing = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c->path);
	free(c);
}

unsigned long
store_ckpt_count(struct store_ckpt *c)
{
	unsigned long n;

	pthread_mutex_lock(&c->mu);
	n = c->runs;
	pthread_mutex_unlock(&c->mu);
	return n;
}
