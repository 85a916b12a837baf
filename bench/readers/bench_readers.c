/*
 * bench_readers: what reading apps ask of the store, at the size the
 * readers' targets name: 1,000,000 entries in 10,000 feeds (one of them
 * with 100,000), a topic, and one user who has read a third of it.
 *
 *   bench_readers [-n ENTRIES] [-f FEEDS] [-d DIR] [-r REPEATS] [-k]
 *
 * Times, as CPU time of this process (the median of REPEATS runs):
 * - unread-count: every feed's and topic's unread count for the user;
 * - reading-list page: the newest 1000 entries with the user's state, and
 *   the next page below them (a continuation);
 * - unread page: the newest 1000 unread entries;
 * - starred page: the newest 1000 starred entries;
 * - mark-all-as-read: the 100,000-entry feed read, then unread again.
 * The database is built first (off the clock) with short entries. Its
 * feeds point at 127.0.0.1:9 and are due in a day, so a daemon started
 * on it (bench/readers/run, with -k: keep the database and print its
 * path) answers requests without polling anything.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "xmalloc.h"

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
count_fn(const struct store_entry *e, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

/* Median CPU ms of one listing run r times; *ret_n: entries it gave. */
static double
time_listing(struct store *s, const struct store_entry_query *q, int r,
    size_t *ret_n)
{
	double t[64], t0;
	char err[256];
	size_t n = 0, got;

	for (int i = 0; i < r; i++) {
		n = 0;
		t0 = cpu_ms();
		if (store_entry_each(s, q, count_fn, &n, &got, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "listing failed: %s\n", err);
			exit(1);
		}
		t[i] = cpu_ms() - t0;
	}
	qsort(t, (size_t)r, sizeof(*t), cmp_double);
	*ret_n = n;
	return t[r / 2];
}

int
main(int argc, char **argv)
{
	const char *dir = "/var/tmp";
	long nentries = 1000000, nfeeds = 10000;
	int repeats = 5, ch;
	bool keep = false;
	struct store *s;
	struct store_entry_query q;
	struct store_unread *u;
	struct store_scope scope = { 0 };
	struct feed_entry *batch;
	int64_t *feed_ids, tid, *ids;
	size_t nu, n, changed;
	char *path, err[256], guid[64], title[128];
	double t[64], t0, ms;
	long big, per, done = 0;

	while ((ch = getopt(argc, argv, "n:f:d:r:k")) != -1) {
		switch (ch) {
		case 'k': keep = true; break;
		case 'n': nentries = atol(optarg); break;
		case 'f': nfeeds = atol(optarg); break;
		case 'd': dir = optarg; break;
		case 'r': repeats = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: bench_readers [-n ENTRIES] "
			    "[-f FEEDS] [-d DIR] [-r REPEATS] [-k]\n");
			return 2;
		}
	}
	if (repeats < 1 || repeats > 64 || nfeeds < 2 || nentries < nfeeds)
		return 2;
	path = xasprintf("%s/bench_readers.%d.db", dir, (int)getpid());
	if ((s = store_open(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* One feed has a tenth of the entries; the rest share the others. */
	big = nentries / 10;
	per = (nentries - big) / (nfeeds - 1);
	feed_ids = xcalloc((size_t)nfeeds, sizeof(*feed_ids));
	batch = xcalloc(100, sizeof(*batch));
	store_batch_begin(s);
	for (long f = 0; f < nfeeds; f++) {
		char url[64];
		long want = f == 0 ? big : per;

		/* The discard port: a poll, if one ran, stays here. */
		snprintf(url, sizeof(url), "http://127.0.0.1:9/f%ld.rss", f);
		store_feed_add(s, url, NULL, f % 10 == 0 ? "News/Ukraine" :
		    "Other", 0, &feed_ids[f]);
		store_feed_set_next_poll(s, feed_ids[f], time(NULL) + 86400);
		for (long k = 0; k < want; k += 100) {
			struct store_ingest_result r;
			int m = want - k < 100 ? (int)(want - k) : 100;

			for (int j = 0; j < m; j++) {
				memset(&batch[j], 0, sizeof(batch[j]));
				snprintf(guid, sizeof(guid), "%ld-%ld", f,
				    k + j);
				snprintf(title, sizeof(title), "%s story %ld "
				    "of feed %ld", (k + j) % 50 == 0 ?
				    "Coalition" : "Other", k + j, f);
				batch[j].id = xstrdup(guid);
				batch[j].title = xstrdup(title);
				batch[j].published = FEED_TIME_NONE;
				batch[j].updated = FEED_TIME_NONE;
			}
			store_ingest(s, feed_ids[f], NULL, batch, (size_t)m,
			    &r);
			store_ingest_result_clear(&r);
			for (int j = 0; j < m; j++) {
				free(batch[j].id);
				free(batch[j].title);
			}
			done += m;
		}
		if (f % 500 == 499) {
			store_batch_commit(s);
			store_batch_begin(s);
		}
	}
	store_batch_commit(s);
	store_topic_add(s, "coalition", "coalition", NULL, NULL,
	    STORE_ORIGIN_API, &tid, err, sizeof(err));
	store_topic_match(s, tid, 1, store_last_entry_id(s), NULL, NULL, err,
	    sizeof(err));
	/* The user has read the oldest third and starred every 100th. */
	store_state_mark_all(s, STORE_OWNER_ID, NULL, true,
	    store_last_entry_id(s) / 3, 0, &changed);
	ids = xcalloc((size_t)(done / 100 + 1), sizeof(*ids));
	for (long i = 0; i < done / 100; i++)
		ids[i] = 1 + i * 100;
	store_state_set(s, STORE_OWNER_ID, STORE_FLAG_STARRED, true, ids,
	    (size_t)(done / 100), NULL);
	printf("database: %ld entries in %ld feeds (%ld in the largest), "
	    "%zu read, %ld starred, %.0f MiB\n", done, nfeeds, big, changed,
	    done / 100, (double)store_db_size(s) / (1 << 20));

	for (int i = 0; i < repeats; i++) {
		t0 = cpu_ms();
		store_unread_feeds(s, STORE_OWNER_ID, &u, &nu);
		free(u);
		store_unread_topics(s, STORE_OWNER_ID, &u, &nu);
		free(u);
		t[i] = cpu_ms() - t0;
	}
	qsort(t, (size_t)repeats, sizeof(*t), cmp_double);
	printf("unread-count (every feed and topic):   %8.2f ms\n",
	    t[repeats / 2]);

	memset(&q, 0, sizeof(q));
	q.user_id = STORE_OWNER_ID;
	q.descending = true;
	q.limit = 1000;
	ms = time_listing(s, &q, repeats, &n);
	printf("reading-list, newest 1000:             %8.2f ms (%zu)\n", ms, n);
	q.before_id = store_last_entry_id(s) / 2;
	ms = time_listing(s, &q, repeats, &n);
	printf("reading-list, 1000 from the middle:    %8.2f ms (%zu)\n", ms, n);
	q.before_id = 0;
	q.read = STORE_FLAG_UNSET;
	ms = time_listing(s, &q, repeats, &n);
	printf("unread, newest 1000:                   %8.2f ms (%zu)\n", ms, n);
	q.read = STORE_FLAG_ANY;
	q.starred = STORE_FLAG_SET;
	ms = time_listing(s, &q, repeats, &n);
	printf("starred, newest 1000:                  %8.2f ms (%zu)\n", ms, n);
	q.starred = STORE_FLAG_ANY;
	q.topic_id = tid;
	ms = time_listing(s, &q, repeats, &n);
	printf("topic, newest 1000:                    %8.2f ms (%zu)\n", ms, n);
	q.topic_id = 0;
	q.category = "News";
	ms = time_listing(s, &q, repeats, &n);
	printf("category, newest 1000:                 %8.2f ms (%zu)\n", ms, n);

	scope.feed_id = feed_ids[0];
	for (int i = 0; i < repeats; i++) {
		store_state_mark_all(s, STORE_OWNER_ID, &scope, false, 0, 0,
		    NULL);
		t0 = cpu_ms();
		store_state_mark_all(s, STORE_OWNER_ID, &scope, true, 0, 0,
		    &changed);
		t[i] = cpu_ms() - t0;
	}
	qsort(t, (size_t)repeats, sizeof(*t), cmp_double);
	printf("mark-all-as-read, %zu-entry feed:  %8.2f ms\n", changed,
	    t[repeats / 2]);

	store_free(s);
	if (keep)
		printf("kept: %s\n", path);
	else
		unlink(path);
	free(path);
	free(ids);
	free(batch);
	free(feed_ids);
	return 0;
}
