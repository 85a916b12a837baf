/*
 * why: topics_why() agrees with what the store did. Copies of one article
 * under unrelated links, which a topic folds by title (long enough, within
 * two days, another feed), are explained as folded into the copy the
 * topic lists; short titles, which the store never folds, make no
 * carriers; and for every entry, what why says of each topic ("listed",
 * "folded_into") is what the topic's listing shows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "log.h"
#include "store.h"
#include "tap.h"
#include "topics_why.h"

#define T0	1756900000	/* the articles' publication time */

static char	 dir[] = "/tmp/feedd-why-XXXXXX";

static struct feed_entry
entry(const char *guid, const char *title, const char *link, int64_t pub)
{
	struct feed_entry e;

	memset(&e, 0, sizeof(e));
	e.id = (char *)guid;
	e.title = (char *)title;
	e.link = (char *)link;
	e.summary = (char *)"Leaders discuss the summit.";
	e.published = pub;
	e.updated = FEED_TIME_NONE;
	return e;
}

/* The ids a poll of e gave, in document order. */
static void
poll(struct store *s, int64_t feed_id, struct feed_entry *e, size_t n,
    int64_t *ret_ids)
{
	struct store_ingest_result r;

	if (store_ingest(s, feed_id, NULL, e, n, &r) == -1 ||
	    r.new_count != n) {
		ok(false, "feed %lld stores %zu entries", (long long)feed_id,
		    n);
		return;
	}
	/* Ids go in reverse document order. */
	for (size_t i = 0; i < n; i++)
		ret_ids[i] = r.new_ids[n - 1 - i];
	store_ingest_result_clear(&r);
}

static bool
listed(struct store *s, int64_t topic_id, int64_t id)
{
	struct store_entry_query q = { .topic_id = topic_id, .limit = 1000 };
	struct store_entry *e;
	char err[256];
	size_t n;
	bool found = false;

	if (store_entry_list(s, &q, &e, &n, err, sizeof(err)) != 0)
		return false;
	for (size_t i = 0; i < n; i++)
		found = found || e[i].id == id;
	store_entry_list_free(e, n);
	return found;
}

static json_t *
why(struct store *s, int64_t id)
{
	char err[256];
	json_t *doc = NULL;

	if (topics_why(s, id, &doc, err, sizeof(err)) != 1)
		diag("why %lld: %s", (long long)id, err);
	return doc;
}

static json_int_t
jint(json_t *o, const char *path1, const char *path2)
{
	json_t *v = json_object_get(o, path1);

	if (path2 != NULL)
		v = json_object_get(v, path2);
	return json_integer_value(v);
}

/* The entry ids of why's carried_by, as "id:same,id:same". */
static void
carriers(json_t *doc, char *out, size_t len)
{
	json_t *c;
	size_t i;
	int n = 0;

	out[0] = '\0';
	json_array_foreach(json_object_get(doc, "carried_by"), i, c)
		n += snprintf(out + n, len - (size_t)n, "%s%lld:%s",
		    n > 0 ? "," : "", (long long)jint(c, "entry_id", NULL),
		    json_string_value(json_object_get(c, "same")));
}

int
main(void)
{
	struct store_config_feed cf[] = {
		{ "wire", "http://127.0.0.1:1/wire.xml", NULL, 0, NULL },
		{ "paper", "http://127.0.0.1:1/paper.xml", NULL, 0, NULL },
		{ "weekly", "http://127.0.0.1:1/weekly.xml", NULL, 0, NULL },
	};
	static const char long_title[] = "Leaders gather in Paris for the "
	    "coalition summit";
	struct feed_entry wire[] = {
		entry("w1", long_title, "https://wire.example/a/1", T0),
		entry("w2", "Summit: live", "https://wire.example/live", T0),
	};
	struct feed_entry paper[] = {
		/* The same article via a redirect: nothing in common but it. */
		entry("p1", long_title, "https://t.example/r/8f3a", T0 + 3600),
		entry("p2", "Summit: live", "https://paper.example/live",
		    T0 + 60),
	};
	struct feed_entry weekly[] = {
		/* A week later: a new article under an old title. */
		entry("k1", long_title, "https://weekly.example/1",
		    T0 + 7 * 86400),
	};
	int64_t fid[3], wid[2], pid[2], kid[1], tid, last;
	struct store_feed f;
	struct store_topic_subset all = { 0 };
	struct store *s;
	char db[256], err[256], got[512], want[512];
	json_t *doc;

	log_init("test_why");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(db, sizeof(db), "%s/feedd.db", dir);
	s = store_open(db, err, sizeof(err));
	if (!ok(s != NULL, "store opens: %s", s != NULL ? "" : err))
		return tap_done();
	store_feeds_reconcile(s, cf, 3, NULL);
	for (int i = 0; i < 3; i++) {
		store_feed_get_by_url(s, cf[i].url, &f);
		fid[i] = f.id;
		store_feed_clear(&f);
	}
	poll(s, fid[0], wire, 2, wid);
	poll(s, fid[1], paper, 2, pid);
	poll(s, fid[2], weekly, 1, kid);
	ok(store_topic_add(s, "summit", "summit", NULL, &all,
	    STORE_ORIGIN_API, &tid, err, sizeof(err)) == 0, "a topic");
	last = store_last_entry_id(s);
	ok(store_topic_match(s, tid, 1, last, NULL, NULL, err,
	    sizeof(err)) == 4, "it lists four of the five entries");

	/* The store: one article, folded by title; short titles never. */
	ok(listed(s, tid, wid[0]) && !listed(s, tid, pid[0]) &&
	    listed(s, tid, kid[0]), "the store folds the copy under an "
	    "unrelated link, not the one a week later");
	ok(listed(s, tid, wid[1]) && listed(s, tid, pid[1]),
	    "the store folds no short titles");

	/* why says the same of the folded copy. */
	if ((doc = why(s, pid[0])) != NULL) {
		json_t *t0 = json_array_get(json_object_get(doc, "topics"), 0);

		ok(json_is_false(json_object_get(t0, "listed")),
		    "why: the copy is not listed");
		ok(jint(t0, "folded_into", "entry_id") == wid[0],
		    "why: folded into the wire's entry, by title");
		ok(jint(doc, "folded_into", "entry_id") == wid[0] &&
		    strcmp(json_string_value(json_object_get(json_object_get(
		    doc, "folded_into"), "topic")), "summit") == 0,
		    "why: and the answer's folded_into says so");
		carriers(doc, got, sizeof(got));
		snprintf(want, sizeof(want), "%lld:title,%lld:this",
		    (long long)wid[0], (long long)pid[0]);
		is_str(got, want, "why: carried by the wire (same title) and "
		    "itself, not the weekly's entry a week later");
		json_decref(doc);
	}
	/* Short titles: the store lists both, so no one carries the other. */
	if ((doc = why(s, pid[1])) != NULL) {
		carriers(doc, got, sizeof(got));
		snprintf(want, sizeof(want), "%lld:this", (long long)pid[1]);
		is_str(got, want, "why: a short title is carried by no other "
		    "entry");
		json_decref(doc);
	}

	/* Every entry: why's topics are what the listing shows. */
	for (int64_t id = 1; id <= last; id++) {
		json_t *t;
		size_t i;
		bool agree = true;

		if ((doc = why(s, id)) == NULL) {
			ok(false, "why answers for entry %lld", (long long)id);
			continue;
		}
		json_array_foreach(json_object_get(doc, "topics"), i, t) {
			bool l = json_is_true(json_object_get(t, "listed"));
			json_int_t into = jint(t, "folded_into", "entry_id");

			agree = agree && l == listed(s, tid, id) &&
			    (l ? into == 0 : into != 0 && into != id &&
			    listed(s, tid, into));
		}
		ok(agree, "entry %lld: why and the topic's listing agree",
		    (long long)id);
		json_decref(doc);
	}

	store_free(s);
	snprintf(got, sizeof(got), "%s/feedd.db", dir);
	unlink(got);
	snprintf(got, sizeof(got), "%s/feedd.db-wal", dir);
	unlink(got);
	snprintf(got, sizeof(got), "%s/feedd.db-shm", dir);
	unlink(got);
	if (rmdir(dir) == -1)
		diag("cannot remove %s", dir);
	return tap_done();
}
