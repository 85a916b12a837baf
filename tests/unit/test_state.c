/*
 * Users, their read and starred state, unread counts and passwords,
 * against a real SQLite file in a temporary directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "password.h"
#include "store.h"
#include "store_int.h"
#include "tap.h"
#include "xmalloc.h"

static char dir[] = "/tmp/test_state.XXXXXX";

static struct feed_entry
entry(const char *id, const char *title, const char *link)
{
	struct feed_entry e;

	memset(&e, 0, sizeof(e));
	e.id = (char *)id;
	e.title = (char *)title;
	e.link = (char *)link;
	e.published = FEED_TIME_NONE;
	e.updated = FEED_TIME_NONE;
	return e;
}

static int64_t
unread_of(struct store *s, int64_t user, int64_t feed_id, bool topic)
{
	struct store_unread *u;
	size_t n;
	int64_t v = -1;

	if ((topic ? store_unread_topics(s, user, &u, &n) :
	    store_unread_feeds(s, user, &u, &n)) == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (u[i].id == feed_id)
			v = u[i].unread;
	free(u);
	return v;
}

static size_t
listed(struct store *s, const struct store_entry_query *q, int64_t *ids,
    size_t max)
{
	struct store_entry *e;
	size_t n = 0, i;
	char err[128];

	if (store_entry_list(s, q, &e, &n, err, sizeof(err)) != 0)
		return (size_t)-1;
	for (i = 0; i < n && i < max; i++)
		ids[i] = e[i].id;
	store_entry_list_free(e, n);
	return n;
}

static void
test_users(struct store *s)
{
	struct store_user u, *all;
	unsigned char a[STORE_SECRET_LEN], b[STORE_SECRET_LEN];
	unsigned char key[STORE_FEVER_KEY_LEN];
	int64_t id, id2;
	size_t n;

	ok(store_user_get(s, STORE_OWNER_ID, &u) == 1 &&
	    strcmp(u.name, "owner") == 0 && u.pass_hash == NULL && !u.fever,
	    "the schema made the owner, without a password");
	store_user_clear(&u);
	ok(store_user_add(s, "alice", "$y$hash", &id) == 0 && id > 1,
	    "alice added");
	ok(store_user_add(s, "alice", NULL, &id2) == 1 && id2 == id,
	    "a taken name: 1 and the existing id");
	memset(key, 0xab, sizeof(key));
	ok(store_user_set_fever(s, id, key) == 1, "Fever key set");
	ok(store_user_get_by_name(s, "alice", &u) == 1 && u.fever &&
	    memcmp(u.fever_key, key, sizeof(key)) == 0 &&
	    strcmp(u.pass_hash, "$y$hash") == 0, "read back");
	store_user_clear(&u);
	ok(store_user_rename(s, id, "owner") == 2, "rename onto a taken name");
	ok(store_user_rename(s, id, "alice2") == 1 &&
	    store_user_rename(s, id, "alice") == 1, "renamed and back");
	ok(store_user_remove(s, STORE_OWNER_ID) == -1, "the owner stays");
	ok(store_user_list(s, &all, &n) == 0 && n == 2, "two users");
	store_user_list_free(all, n);
	ok(store_secret(s, a) == 0 && store_secret(s, b) == 0 &&
	    memcmp(a, b, sizeof(a)) == 0, "the secret is made once and kept");
}

static void
test_state(struct store *s)
{
	struct store_ingest_result r;
	struct store_entry_query q;
	struct feed_entry e[3];
	int64_t f1, f2, tid, tid2, alice, ids[8], got[8];
	size_t changed, n;
	bool rd, st;
	char err[128];

	store_user_add(s, "bob", NULL, &alice);
	store_feed_add(s, "https://one.example/rss", NULL, "News/UA", 0, &f1);
	store_feed_add(s, "https://two.example/rss", NULL, "Other", 0, &f2);
	e[0] = entry("a1", "Coalition of the willing meets in Paris",
	    "https://news.example/story/1");
	e[1] = entry("a2", "Weather", "https://one.example/w");
	e[2] = entry("a3", "Coalition budget", "https://one.example/b");
	store_ingest(s, f1, NULL, e, 3, &r);
	/* new_ids ascend; the document's first entry has the highest. */
	for (int i = 0; i < 3; i++)
		ids[i] = r.new_ids[2 - i];
	store_ingest_result_clear(&r);
	/* The same story from another feed: a topic folds it. */
	e[0] = entry("b1", "Coalition of the willing meets in Paris",
	    "https://news.example/story/1?utm_source=x");
	store_ingest(s, f2, NULL, e, 1, &r);
	ids[3] = r.new_ids[0];
	store_ingest_result_clear(&r);
	store_topic_add(s, "coalition", "coalition", NULL, NULL,
	    STORE_ORIGIN_API, &tid, err, sizeof(err));
	store_topic_match(s, tid, 1, ids[3], NULL, NULL, err, sizeof(err));

	ok(unread_of(s, STORE_OWNER_ID, f1, false) == 3 &&
	    unread_of(s, STORE_OWNER_ID, f2, false) == 1 &&
	    unread_of(s, STORE_OWNER_ID, tid, true) == 2,
	    "everything unread when stored (the topic lists the story once)");

	ok(store_state_set(s, STORE_OWNER_ID, STORE_FLAG_READ, true, &ids[3],
	    1, &changed) == 0 && changed == 1, "the copy marked read");
	ok(store_state_get(s, STORE_OWNER_ID, ids[0], &rd, &st) == 1 && rd,
	    "reading a copy reads the story");
	ok(unread_of(s, STORE_OWNER_ID, f1, false) == 2 &&
	    unread_of(s, STORE_OWNER_ID, f2, false) == 0 &&
	    unread_of(s, STORE_OWNER_ID, tid, true) == 1,
	    "counts follow, in both feeds and the topic");
	ok(unread_of(s, alice, f1, false) == 3, "another user's are apart");
	ok(store_state_set(s, STORE_OWNER_ID, STORE_FLAG_READ, true, &ids[0],
	    1, &changed) == 0 && changed == 0, "marking again changes nothing");

	ok(store_state_set(s, STORE_OWNER_ID, STORE_FLAG_STARRED, true,
	    &ids[1], 1, &changed) == 0 && changed == 1, "starred");
	memset(&q, 0, sizeof(q));
	q.user_id = STORE_OWNER_ID;
	q.starred = STORE_FLAG_SET;
	ok(listed(s, &q, got, 8) == 1 && got[0] == ids[1],
	    "the starred listing");
	q.starred = STORE_FLAG_ANY;
	q.read = STORE_FLAG_UNSET;
	n = listed(s, &q, got, 8);
	/* New ids go in reverse document order: ids[2] < ids[1] < ids[0]. */
	ok(n == 2 && got[0] == ids[2] && got[1] == ids[1],
	    "the unread ones, ascending");
	q.read = STORE_FLAG_SET;
	ok(listed(s, &q, got, 8) == 2, "the read ones (both copies)");
	q.read = STORE_FLAG_ANY;
	q.descending = true;
	q.limit = 2;
	n = listed(s, &q, got, 8);
	ok(n == 2 && got[0] == ids[3] && got[1] == ids[0], "newest first");
	q.before_id = got[1];
	ok(listed(s, &q, got, 8) == 2 && got[0] == ids[1] && got[1] == ids[2],
	    "a page continues below before_id");
	memset(&q, 0, sizeof(q));
	q.user_id = STORE_OWNER_ID;
	q.category = "News";
	ok(listed(s, &q, got, 8) == 3, "a category takes its sub-categories");

	ok(store_state_mark_all(s, STORE_OWNER_ID, &(struct store_scope){
	    .feed_id = f1 }, true, ids[2], 0, &changed) == 0,
	    "mark the feed read up to an id");
	ok(unread_of(s, STORE_OWNER_ID, f1, false) == 1,
	    "up to it, not past it");
	ok(store_state_mark_all(s, STORE_OWNER_ID, NULL, true, 0, 0,
	    &changed) == 0 && unread_of(s, STORE_OWNER_ID, f1, false) == 0 &&
	    unread_of(s, STORE_OWNER_ID, tid, true) == 0, "all read");
	/* A topic added later lists entries some users read already. */
	store_topic_add(s, "budget", "budget", NULL, NULL, STORE_ORIGIN_API,
	    &tid2, err, sizeof(err));
	ok(store_topic_match(s, tid2, 1, ids[3], NULL, NULL, err,
	    sizeof(err)) == 1 && unread_of(s, STORE_OWNER_ID, tid2, true) == 0 &&
	    unread_of(s, alice, tid2, true) == 1,
	    "a new topic's match is read for whoever read its entry");
	ok(store_state_mark_all(s, STORE_OWNER_ID, &(struct store_scope){
	    .topic_id = tid }, false, 0, 0, &changed) == 0 &&
	    unread_of(s, STORE_OWNER_ID, tid, true) == 2 &&
	    unread_of(s, STORE_OWNER_ID, f2, false) == 1,
	    "a topic marked unread, and the folded copy with it");
	/*
	 * Markings of many entries move the counts in bulk, single ones by
	 * row: both keep the same counts, whichever comes after which.
	 */
	ok(store_state_mark_all(s, STORE_OWNER_ID, &(struct store_scope){
	    .feed_id = f2 }, true, 0, 0, &changed) == 0 && changed == 1 &&
	    unread_of(s, STORE_OWNER_ID, f1, false) == 1 &&
	    unread_of(s, STORE_OWNER_ID, tid, true) == 1,
	    "a feed marked read reads its copies' stories in other feeds");
	ok(store_state_set(s, STORE_OWNER_ID, STORE_FLAG_READ, false, &ids[0],
	    1, &changed) == 0 && changed == 1 &&
	    unread_of(s, STORE_OWNER_ID, f2, false) == 1 &&
	    unread_of(s, STORE_OWNER_ID, tid, true) == 2,
	    "one entry marked unread after a bulk marking");
	ok(store_state_mark_all(s, STORE_OWNER_ID, NULL, false, 0, 0,
	    &changed) == 0 && changed == 1 &&
	    unread_of(s, STORE_OWNER_ID, f1, false) == 3 &&
	    unread_of(s, STORE_OWNER_ID, f2, false) == 1 &&
	    unread_of(s, STORE_OWNER_ID, tid, true) == 2 &&
	    unread_of(s, alice, f1, false) == 3,
	    "everything marked unread: the counts are the entries'");
	ok(store_state_mark_all(s, STORE_OWNER_ID, NULL, true, 0, 0,
	    &changed) == 0 && changed == 4 &&
	    unread_of(s, STORE_OWNER_ID, f1, false) == 0 &&
	    unread_of(s, STORE_OWNER_ID, f2, false) == 0 &&
	    unread_of(s, STORE_OWNER_ID, tid, true) == 0 &&
	    unread_of(s, alice, f1, false) == 3,
	    "everything marked read, the other user's untouched");
	ok(store_state_mark_all(s, STORE_OWNER_ID, &(struct store_scope){
	    .topic_id = tid }, false, 0, 0, &changed) == 0 &&
	    unread_of(s, STORE_OWNER_ID, tid, true) == 2 &&
	    unread_of(s, STORE_OWNER_ID, f2, false) == 1,
	    "the topic marked unread again");

	/* Removing a feed takes its entries' state and counts along. */
	ok(store_feed_remove(s, f2) == 1 &&
	    unread_of(s, STORE_OWNER_ID, tid, true) == 2, "a feed removed");
	ok(store_user_remove(s, alice) == 1, "a user removed");
}

static void
test_prune_starred(struct store *s)
{
	struct store_retention ret = { .max_entries_per_feed = 1,
	    .min_entries_per_feed = 1 };
	struct store_ingest_result r;
	struct feed_entry e[3];
	int64_t f, keep;
	size_t pruned;
	bool rd, st;

	store_feed_add(s, "https://three.example/rss", NULL, NULL, 0, &f);
	e[0] = entry("p1", "one", "https://three.example/1");
	e[1] = entry("p2", "two", "https://three.example/2");
	e[2] = entry("p3", "three", "https://three.example/3");
	store_ingest(s, f, NULL, e, 3, &r);
	keep = r.first_new_id;	/* the oldest */
	store_ingest_result_clear(&r);
	store_state_set(s, STORE_OWNER_ID, STORE_FLAG_STARRED, true, &keep, 1,
	    NULL);
	while (store_prune(s, &ret, 0, &pruned) == 1)
		;
	ok(store_state_get(s, STORE_OWNER_ID, keep, &rd, &st) == 1 && st,
	    "a starred entry outlives retention");
	ok(unread_of(s, STORE_OWNER_ID, f, false) == 2,
	    "the newest and the starred one are left, unread");
}

/* Collects what store_state_ids hands over (stops after max). */
struct ids {
	int64_t	 v[64];
	size_t	 n;
	size_t	 max;
};

static int
ids_add(int64_t id, void *arg)
{
	struct ids *l = arg;

	if (l->n >= l->max)
		return -1;
	l->v[l->n++] = id;
	return 0;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The ids of one flag's state, sorted; (size_t)-1 on failure. */
static size_t
ids_of(struct store *s, int64_t user, enum store_flag flag, bool on,
    struct ids *l)
{
	l->n = 0;
	l->max = 64;
	if (store_state_ids(s, user, flag, on, ids_add, l) != 0)
		return (size_t)-1;
	qsort(l->v, l->n, sizeof(l->v[0]), cmp_id);
	return l->n;
}

static void
test_ids(struct store *s)
{
	struct store_ingest_result r;
	struct store_topic_feed *tf;
	struct feed_entry e[4];
	struct store_poll_result pr = { .started = 7000 };
	int64_t f, g, tid, user, ids[4], last;
	struct ids l;
	size_t n, all;
	char err[128];

	store_user_add(s, "carol", NULL, &user);
	all = ids_of(s, user, STORE_FLAG_READ, false, &l);
	ok(all != (size_t)-1 && ids_of(s, user, STORE_FLAG_READ, true, &l) ==
	    0 && ids_of(s, user, STORE_FLAG_STARRED, true, &l) == 0,
	    "a new user: everything unread, nothing starred");
	store_feed_add(s, "https://ids.example/rss", NULL, "Ids", 0, &f);
	store_feed_add(s, "https://ids2.example/rss", NULL, NULL, 0, &g);
	e[0] = entry("i1", "Ids drone one", "https://ids.example/1");
	e[1] = entry("i2", "Ids two", "https://ids.example/2");
	e[2] = entry("i3", "Ids drone three", "https://ids.example/3");
	store_ingest(s, f, NULL, e, 3, &r);
	for (int i = 0; i < 3; i++)
		ids[i] = r.new_ids[i];
	store_ingest_result_clear(&r);
	e[0] = entry("j1", "Other drone", "https://ids2.example/1");
	store_ingest(s, g, NULL, e, 1, &r);
	ids[3] = r.new_ids[0];
	store_ingest_result_clear(&r);
	ok(ids_of(s, user, STORE_FLAG_READ, false, &l) == all + 4,
	    "new entries are unread ids");
	store_state_set(s, user, STORE_FLAG_READ, true, &ids[0], 2, NULL);
	store_state_set(s, user, STORE_FLAG_STARRED, true, &ids[2], 1, NULL);
	n = ids_of(s, user, STORE_FLAG_READ, true, &l);
	ok(n == 2 && l.v[0] == ids[0] && l.v[1] == ids[1], "the read ids");
	n = ids_of(s, user, STORE_FLAG_STARRED, true, &l);
	ok(n == 1 && l.v[0] == ids[2], "the starred ids");
	n = ids_of(s, user, STORE_FLAG_READ, false, &l);
	ok(n == all + 2 && bsearch(&ids[2], l.v, n, sizeof(l.v[0]), cmp_id) &&
	    bsearch(&ids[3], l.v, n, sizeof(l.v[0]), cmp_id) &&
	    !bsearch(&ids[0], l.v, n, sizeof(l.v[0]), cmp_id),
	    "the unread ids: all but the read");
	ok(ids_of(s, user, STORE_FLAG_STARRED, false, &l) == all + 3,
	    "the ids not starred");
	ok(ids_of(s, STORE_OWNER_ID, STORE_FLAG_READ, true, &l) !=
	    (size_t)-1 && !bsearch(&ids[0], l.v, l.n, sizeof(l.v[0]), cmp_id),
	    "another user's are apart");
	l.n = 0;
	l.max = 1;
	ok(store_state_ids(s, user, STORE_FLAG_READ, false, ids_add, &l) ==
	    -1 && l.n == 1, "fn stops the listing");

	store_topic_add(s, "drones", "drone", NULL, NULL, STORE_ORIGIN_API,
	    &tid, err, sizeof(err));
	store_topic_match(s, tid, 1, store_last_entry_id(s), NULL, NULL, err,
	    sizeof(err));
	n = 0;
	ok(store_topic_feeds(s, &tf, &n) == 0, "the feeds of topics");
	for (size_t i = 0, k = 0; i < n; i++)
		if (tf[i].topic_id == tid)
			ids[k++] = tf[i].feed_id;
	ok(n >= 2 && ids[0] == f && ids[1] == g, "each feed once, in order");
	free(tf);

	ok(store_feeds_last_poll(s, &last) == 0, "the last poll");
	store_feed_poll_done(s, g, &pr);
	ok(store_feeds_last_poll(s, &last) == 0 && last == 7000,
	    "is the latest of the feeds'");
}

static void
test_password(void)
{
	unsigned char key[STORE_FEVER_KEY_LEN];
	static const unsigned char want[] = {	/* md5("alice:secret123") */
		0x66, 0x20, 0x88, 0xa0, 0xfd, 0x28, 0x88, 0xaa,
		0x61, 0x9f, 0x72, 0xae, 0xec, 0x72, 0x42, 0x1a,
	};
	char *h;

	ok(password_unfit("short") != NULL && password_unfit("long enough") ==
	    NULL && password_unfit("tab\there!") != NULL, "password rules");
	h = password_hash("correct horse");
	ok(h != NULL && strncmp(h, "$y$", 3) == 0, "a yescrypt hash");
	ok(password_check("correct horse", h), "the password checks");
	ok(!password_check("correct horsE", h) && !password_check("", h) &&
	    !password_check("correct horse", NULL) &&
	    !password_check("correct horse", "$y$broken"),
	    "others do not");
	free(h);
	ok(password_fever_key("alice", "secret123", key) == 0 &&
	    memcmp(key, want, sizeof(key)) == 0, "the Fever key is md5");
}

int
main(void)
{
	struct store *s;
	char *path, err[256];

	if (mkdtemp(dir) == NULL)
		return 1;
	path = xasprintf("%s/feedd.db", dir);
	if ((s = store_open(path, err, sizeof(err))) == NULL) {
		diag("%s", err);
		return 1;
	}
	store_set_now(s, 5000);
	test_users(s);
	test_state(s);
	test_prune_starred(s);
	test_ids(s);
	test_password();
	store_free(s);
	free(path);
	path = xasprintf("rm -rf '%s'", dir);
	if (system(path) != 0)
		diag("could not remove %s", dir);
	free(path);
	return tap_done();
}
