/*
 * statuscounts.h: the status' figures of the feeds, which either store
 * keeps by triggers (feed_counts), held against a fresh count of every
 * feed, through the writes that move them: feeds added and removed
 * (their entries and matches cascading), polls that change a feed's
 * state or errors and polls that change nothing, entries stored and
 * pruned. For test_store.c and test_pg_store.c, each with its own way to
 * run a count (the SQL is the same on both).
 */
#ifndef FEEDD_TEST_STATUSCOUNTS_H
#define FEEDD_TEST_STATUSCOUNTS_H

#include <stdio.h>
#include <string.h>

#include "store.h"
#include "tap.h"

/* The first column of the first row of sql; -1 on error. */
typedef int64_t (*counts_count_fn)(void *arg, const char *sql);

/* Every figure against a fresh count; the differences in diag(). */
static bool
counts_fresh(struct store *s, counts_count_fn n, void *arg,
    const char *what)
{
	struct store_status st;
	int64_t states[STORE_FEED_STATE_MAX], want;
	char sql[160];
	bool good = true;

	if (!ok(store_status_get(s, &st) == 0 &&
	    store_feed_state_counts(s, states) == 0, "%s: the status", what))
		return false;
#define COUNTS_SAME(got, q) do {					\
	if ((want = n(arg, (q))) != (got)) {				\
		diag("%s: %lld, counted %lld", (q), (long long)(got),	\
		    (long long)want);					\
		good = false;						\
	}								\
} while (0)
	COUNTS_SAME(st.feeds, "SELECT count(*) FROM feeds");
	COUNTS_SAME(st.feeds_new,
	    "SELECT count(*) FROM feeds WHERE state = 'new'");
	COUNTS_SAME(st.feeds_backing_off,
	    "SELECT count(*) FROM feeds WHERE state = 'backing_off'");
	COUNTS_SAME(st.feeds_failing,
	    "SELECT count(*) FROM feeds WHERE error_count > 0");
	COUNTS_SAME(st.entries,
	    "SELECT COALESCE(sum(entry_count), 0) FROM feeds");
	COUNTS_SAME(st.entries, "SELECT count(*) FROM entries");
	COUNTS_SAME(st.topics, "SELECT count(*) FROM topics");
	for (int i = 0; i < STORE_FEED_STATE_MAX; i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM feeds"
		    " WHERE state = '%s'", store_feed_state_name(i));
		COUNTS_SAME(states[i], sql);
	}
#undef COUNTS_SAME
	return ok(good, "%s: the figures are a fresh count's", what);
}

static void
counts_poll(struct store *s, int64_t id, enum store_feed_state state,
    const char *error)
{
	struct store_poll_result r;

	memset(&r, 0, sizeof(r));
	r.http_status = error != NULL ? 500 : 200;
	r.error = error;
	r.state = state;
	r.next_poll = 9000;
	r.cur_interval_s = 600;
	if (store_feed_poll_done(s, id, &r) != 0)
		diag("recording a poll of feed %lld failed", (long long)id);
}

/* n entries (at most 8) into feed id, matched by the topic. */
static void
counts_ingest(struct store *s, int64_t id, const char *prefix, size_t n,
    int64_t topic)
{
	struct feed_entry e[8];
	struct store_ingest_result r;
	char ids[8][32], err[256];

	memset(e, 0, sizeof(e));
	n = n < 8 ? n : 8;
	for (size_t i = 0; i < n; i++) {
		snprintf(ids[i], sizeof(ids[i]), "%s-%zu", prefix, i);
		e[i].id = ids[i];
		e[i].title = ids[i];
		e[i].summary = (char *)"counted quokka";
		e[i].published = FEED_TIME_NONE;
		e[i].updated = FEED_TIME_NONE;
	}
	if (store_ingest(s, id, NULL, e, n, &r) != 0) {
		diag("storing entries of feed %lld failed", (long long)id);
		return;
	}
	if (store_topic_match(s, topic, r.first_new_id, r.last_new_id, NULL,
	    NULL, err, sizeof(err)) < 0)
		diag("matching: %s", err);
	store_ingest_result_clear(&r);
}

/* Leaves the store's feeds and topics as it found them. */
static void
counts_run(struct store *s, counts_count_fn n, void *arg)
{
	struct store_retention ret = { .max_entries_per_feed = 1 };
	int64_t a, b, c, topic;
	size_t pruned;
	char err[256];
	int rc;

	counts_fresh(s, n, arg, "as the other tests left them");
	ok(store_feed_add(s, "https://counts-a.example/rss", NULL, NULL, 0,
	    &a) == 0 && store_feed_add(s, "https://counts-b.example/rss",
	    NULL, NULL, 0, &b) == 0 && store_feed_add(s,
	    "https://counts-c.example/rss", NULL, NULL, 0, &c) == 0,
	    "three feeds added");
	counts_fresh(s, n, arg, "new feeds");
	counts_poll(s, a, STORE_FEED_OK, NULL);
	counts_poll(s, b, STORE_FEED_BACKING_OFF, "HTTP 500");
	counts_poll(s, c, STORE_FEED_GONE, "HTTP 410");
	counts_fresh(s, n, arg, "polled: ok, backing off, gone");
	counts_poll(s, b, STORE_FEED_BACKING_OFF, "HTTP 500");
	counts_poll(s, a, STORE_FEED_OK, NULL);
	counts_fresh(s, n, arg, "polled again, nothing moved");
	ok(store_topic_add(s, "counts", "quokka", NULL, NULL,
	    STORE_ORIGIN_API, &topic, err, sizeof(err)) == 0,
	    "a topic: %s", err);
	counts_ingest(s, a, "counts-a", 4, topic);
	counts_ingest(s, b, "counts-b", 3, topic);
	counts_fresh(s, n, arg, "entries stored and matched");
	counts_poll(s, b, STORE_FEED_OK, NULL);
	counts_poll(s, a, STORE_FEED_BACKING_OFF, "timeout");
	counts_fresh(s, n, arg, "one recovered, one failing");
	ok(store_feed_remove(s, a) == 1, "a feed with entries removed");
	counts_fresh(s, n, arg, "its entries and matches cascaded");
	while ((rc = store_prune(s, &ret, 0, &pruned)) == 1)
		;
	ok(rc == 0, "pruned to one entry a feed");
	counts_fresh(s, n, arg, "pruned");
	ok(store_topic_remove(s, topic) == 1 && store_feed_remove(s, b) == 1 &&
	    store_feed_remove(s, c) == 1, "the rest removed");
	counts_fresh(s, n, arg, "removed");
}

#endif
