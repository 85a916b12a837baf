/*
 * pg_store: the PostgreSQL store through store.h, on a real PostgreSQL
 * (FEEDD_TEST_PG, started by with_pg.py): opening by URI and by libpq's
 * environment, feeds and their polls, ingest with the identity ladder
 * and several writers, listings and searches, topics with cross-feed
 * folding, status (its figures against a fresh count through every kind
 * of write, and schema step 3 counting a database's feeds) and cursors,
 * several workers claiming feeds, hosts and hooks, what is not there
 * yet, and a reopen that keeps everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "htmltext.h"
#include "pg_fts.h"
#include "pgtest.h"
#include "statuscounts.h"
#include "store.h"
#include "tap.h"
#include "xmalloc.h"

static PGconn *admin;

static struct feed_entry
entry(const char *id, const char *title, const char *link,
    const char *summary)
{
	struct feed_entry e;

	memset(&e, 0, sizeof(e));
	e.id = (char *)id;
	e.title = (char *)title;
	e.link = (char *)link;
	e.summary = (char *)summary;
	e.published = FEED_TIME_NONE;
	e.updated = FEED_TIME_NONE;
	return e;
}

static int64_t
count(const char *sql)
{
	PGresult *r = PQexec(admin, sql);
	int64_t n = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	else
		diag("%s: %s", sql, pgtest_line(PQerrorMessage(admin)));
	PQclear(r);
	return n;
}

/* The postgresql:// URI of the test's database (host is a directory). */
static char *
uri_of(const char *conninfo)
{
	PQconninfoOption *o = PQconninfoParse(conninfo, NULL), *i;
	const char *host = "", *port = "5432", *user = "", *db = "";
	char *uri;

	for (i = o; i != NULL && i->keyword != NULL; i++) {
		if (i->val == NULL)
			continue;
		if (strcmp(i->keyword, "host") == 0)
			host = i->val;
		else if (strcmp(i->keyword, "port") == 0)
			port = i->val;
		else if (strcmp(i->keyword, "user") == 0)
			user = i->val;
		else if (strcmp(i->keyword, "dbname") == 0)
			db = i->val;
	}
	uri = xasprintf("postgresql://%s@/%s?host=%s&port=%s", user, db,
	    host, port);
	PQconninfoFree(o);
	return uri;
}

/* libpq's PG* environment for conninfo, for "postgresql:" alone. */
static void
env_of(const char *conninfo)
{
	PQconninfoOption *o = PQconninfoParse(conninfo, NULL), *i;

	for (i = o; i != NULL && i->keyword != NULL; i++) {
		if (i->val == NULL || i->envvar == NULL)
			continue;
		setenv(i->envvar, i->val, 1);
	}
	PQconninfoFree(o);
}

static size_t
search(struct store *s, const char *q, int *rc)
{
	struct store_entry_query eq = { .fts = q };
	struct store_entry *e;
	size_t n = 0;
	char err[256];

	*rc = store_entry_list(s, &eq, &e, &n, err, sizeof(err));
	if (*rc == 0)
		store_entry_list_free(e, n);
	return n;
}

static void
test_open(const char *conninfo)
{
	char err[512], *uri = uri_of(conninfo);
	struct store *s;

	ok(store_is_postgresql(uri) && store_is_postgresql("postgresql:") &&
	    store_is_postgresql("postgres://db.example/feedd") &&
	    !store_is_postgresql("/var/lib/feedd/feedd.db") &&
	    !store_is_postgresql("postgresql.db"),
	    "postgresql: and postgres:// choose PostgreSQL, paths SQLite");
	s = store_open(uri, err, sizeof(err));
	ok(s != NULL, "opens by URI%s%s", s == NULL ? ": " : "",
	    s == NULL ? err : "");
	if (s != NULL)
		ok(strncmp(store_path(s), "postgresql://", 13) == 0 &&
		    strstr(store_path(s), "feedd_test") != NULL,
		    "its name is the database's (%s)", store_path(s));
	store_free(s);
	env_of(conninfo);
	s = store_open("postgresql:", err, sizeof(err));
	ok(s != NULL, "opens by libpq's environment%s%s", s == NULL ? ": " :
	    "", s == NULL ? err : "");
	store_free(s);
	s = store_open("postgresql://nobody@/nodb?host=/nonexistent&port=1",
	    err, sizeof(err));
	ok(s == NULL && strstr(err, "postgresql") != NULL,
	    "an unreachable server is refused with libpq's reason (%s)", err);
	free(uri);
}

static void
test_feeds(struct store *s)
{
	struct store_feed f, *list;
	struct store_poll_result pr = { 0 };
	struct store_poll_log *log;
	struct store_feed_change ch = { 0 };
	struct store_config_feed cf[2] = {
	    { "one", "https://one.example/rss", "One", 0, "News" },
	    { "two", "https://two.example/rss", NULL, 600, NULL },
	};
	struct store_reconcile_result rr;
	size_t n;
	int64_t id, id2, last;

	ok(store_feed_add(s, "https://a.example/rss", "A", "News/UA", 0,
	    &id) == 0 && id > 0, "a feed added");
	ok(store_feed_add(s, "https://a.example/rss", NULL, NULL, 0, &id2) ==
	    1 && id2 == id, "the same URL again: the same feed, 1");
	ok(store_feed_get(s, id, &f) == 1 && strcmp(f.title, "A") == 0 &&
	    f.state == STORE_FEED_NEW && f.origin == STORE_ORIGIN_API &&
	    strcmp(f.category, "News/UA") == 0, "read back");
	store_feed_clear(&f);
	ok(store_feed_get_by_url(s, "https://a.example/rss", &f) == 1 &&
	    f.id == id, "by URL");
	store_feed_clear(&f);
	ok(store_feed_get(s, id + 999, &f) == 0, "no such feed: 0");

	pr.http_status = 200;
	pr.etag = "\"v1\"";
	pr.state = STORE_FEED_OK;
	pr.next_poll = 7000;
	pr.cur_interval_s = 1800;
	pr.started = 5000;
	pr.new_entries = 3;
	pr.set_repairs = true;
	pr.repairs = 1;
	pr.repair_note = "a note";
	ok(store_feed_poll_done(s, id, &pr) == 0, "a poll recorded");
	pr.error = "HTTP 500";
	pr.http_status = 500;
	pr.etag = NULL;
	pr.started = 6000;
	pr.state = STORE_FEED_BACKING_OFF;
	ok(store_feed_poll_done(s, id, &pr) == 0, "a failed poll recorded");
	ok(store_feed_get(s, id, &f) == 1 && f.last_success == 5000 &&
	    f.last_poll == 6000 && f.error_count == 1 &&
	    strcmp(f.etag, "\"v1\"") == 0 &&
	    strcmp(f.last_error, "HTTP 500") == 0 &&
	    f.state == STORE_FEED_BACKING_OFF && f.repairs == 1 &&
	    f.next_poll == 7000, "the poll's bookkeeping");
	store_feed_clear(&f);
	ok(store_poll_log_list(s, id, 0, &log, &n) == 0 && n == 2 &&
	    log[0].time == 6000 && strcmp(log[0].error, "HTTP 500") == 0 &&
	    log[1].new_entries == 3, "the poll log, newest first");
	store_poll_log_list_free(log, n);
	pr.error = NULL;
	pr.http_status = 304;
	pr.state = STORE_FEED_OK;
	for (int i = 0; i < STORE_POLL_LOG_PER_FEED + 3; i++) {
		pr.started = 7000 + i;
		(void)store_feed_poll_done(s, id, &pr);
	}
	ok(store_poll_log_list(s, id, 0, &log, &n) == 0 &&
	    n == STORE_POLL_LOG_PER_FEED &&
	    log[0].time == 7000 + STORE_POLL_LOG_PER_FEED + 2 &&
	    log[n - 1].time == 7003, "the log keeps a feed's last %d polls",
	    STORE_POLL_LOG_PER_FEED);
	store_poll_log_list_free(log, n);
	pr.started = 6000;
	pr.error = "HTTP 500";
	pr.http_status = 500;
	pr.state = STORE_FEED_BACKING_OFF;
	ok(store_feed_poll_done(s, id, &pr) == 0 &&
	    store_feeds_last_poll(s, &last) == 0 && last == 6000,
	    "the last poll of all");
	ok(store_feed_set_next_poll(s, id, 1) == 1 &&
	    store_feed_set_next_poll(s, id + 999, 1) == 0, "poll now");

	ch.set_title = true;
	ch.title = "Renamed";
	ok(store_feed_change(s, id, &ch) == 1 && store_feed_get(s, id, &f) ==
	    1 && strcmp(f.title, "Renamed") == 0 &&
	    strcmp(f.category, "News/UA") == 0, "a title changed, the "
	    "category kept");
	store_feed_clear(&f);

	store_feed_add(s, "https://moved.example/new", NULL, NULL, 0, &id2);
	memset(&pr, 0, sizeof(pr));
	pr.state = STORE_FEED_MOVED;
	pr.new_url = "https://moved.example/new";
	ok(store_feed_poll_done(s, id, &pr) == 0 && store_feed_get(s, id,
	    &f) == 1 && strcmp(f.url, "https://a.example/rss") == 0,
	    "a move to a subscribed URL keeps the old one, the poll counts");
	store_feed_clear(&f);
	ok(store_feed_remove(s, id2) == 1 && store_feed_remove(s, id2) == 0,
	    "removed, then no such feed");

	ok(store_feeds_reconcile(s, cf, 2, &rr) == 0 && rr.added == 2 &&
	    rr.removed == 0, "configured feeds added");
	ok(store_feeds_reconcile(s, cf, 2, &rr) == 0 && rr.unchanged == 2,
	    "the same configuration: unchanged");
	ok(store_feeds_reconcile(s, cf, 1, &rr) == 0 && rr.removed == 1 &&
	    store_feed_get_by_url(s, "https://two.example/rss", &f) == 0,
	    "a feed no longer named is removed");
	ok(store_feed_list(s, &list, &n) == 0 && n == 2 &&
	    list[0].id < list[1].id, "listed by id");
	store_feed_list_free(list, n);
	ok(store_feed_list_brief(s, &list, &n) == 0 && n == 2 &&
	    list[1].origin == STORE_ORIGIN_CONFIG, "the brief list");
	store_feed_list_free(list, n);
}

static void
test_ingest(struct store *s, struct store *other, const char *uri)
{
	pid_t pid;
	int status = 0;
	struct feed_header h = { .title = "Doc", .link = "https://b.example/" };
	struct feed_entry e[4];
	struct store_ingest_result r;
	struct store_entry got;
	struct store_feed f;
	int64_t feed, first, before;
	const char *cats[] = { "politics", "europe" };
	struct feed_enclosure enc = { "https://b.example/a.mp3", "audio/mpeg",
	    42 };

	store_set_now(s, 5000);
	store_feed_add(s, "https://b.example/rss", NULL, NULL, 0, &feed);
	e[0] = entry("g3", "Newest", "https://b.example/3", "three");
	e[1] = entry(NULL, "Link only", "https://b.example/2?utm_source=x",
	    "two");
	e[2] = entry(NULL, "Hash only", NULL, "one");
	e[3] = entry(NULL, NULL, NULL, NULL);
	e[0].categories = (char **)cats;
	e[0].ncategories = 2;
	e[0].enclosures = &enc;
	e[0].nenclosures = 1;
	e[0].content = "<p>Body <b>text</b></p>";
	e[0].published = 1756900000;
	ok(store_ingest(s, feed, &h, e, 4, &r) == 0 && r.new_count == 3 &&
	    r.skipped == 1, "3 new, 1 without anything to know it by");
	ok(r.last_new_id - r.first_new_id == 2 &&
	    r.new_ids[2] == r.last_new_id, "ids in a row");
	first = r.first_new_id;
	ok(store_entry_get(s, r.last_new_id, &got) == 1, "the newest");
	is_str(got.guid, "g3", "the document's first item has the highest id");
	is_str(got.feed_title, "Doc", "the feed's title from the document");
	is_str(got.categories_json, "[\"politics\",\"europe\"]", "categories");
	is_str(got.enclosures_json, "[{\"url\":\"https://b.example/a.mp3\","
	    "\"type\":\"audio/mpeg\",\"length\":42}]", "enclosures");
	is_str(got.content, "<p>Body <b>text</b></p>", "content as given");
	is_str(got.topics_json, "[]", "no topics");
	ok(got.published == 1756900000 && got.updated == FEED_TIME_NONE &&
	    got.fetched == 5000, "dates");
	store_entry_clear(&got);
	store_entry_get(s, first + 1, &got);
	is_str(got.norm_link, "https://b.example/2", "the normalized link");
	store_entry_clear(&got);
	store_ingest_result_clear(&r);
	ok(store_feed_get(s, feed, &f) == 1 && f.entry_count == 3,
	    "the feed counts its entries");
	store_feed_clear(&f);

	before = count("SELECT count(*) FROM entries");
	ok(store_ingest(s, feed, &h, e, 4, &r) == 0 && r.new_count == 0 &&
	    r.unchanged == 3 && r.updated == 0, "a repeat: all unchanged");
	store_ingest_result_clear(&r);
	ok(store_ingest(other, feed, &h, e, 4, &r) == 0 &&
	    r.new_count == 0 && r.unchanged == 3,
	    "another worker's repeat: unchanged too");
	store_ingest_result_clear(&r);
	ok(count("SELECT count(*) FROM entries") == before,
	    "no row was added");

	e[0].title = "Newest, corrected";
	ok(store_ingest(s, feed, &h, e, 1, &r) == 0 && r.updated == 1 &&
	    r.new_count == 0, "a changed entry is updated, not new");
	store_ingest_result_clear(&r);
	store_entry_get(s, first + 2, &got);
	is_str(got.title, "Newest, corrected", "its new title");
	ok(got.updated == 5000, "updated is when the store saw the change");
	store_entry_clear(&got);

	e[0].id = "g3-reissued";
	ok(store_ingest(s, feed, &h, e, 1, &r) == 0 && r.reissued == 1 &&
	    r.new_count == 0, "a new guid on a known link and title: a "
	    "reissue, not new");
	store_ingest_result_clear(&r);

	ok(store_ingest(s, feed + 9999, NULL, e, 1, &r) == -1 &&
	    r.new_count == 0 && count("SELECT count(*) FROM entries") ==
	    before, "into a missing feed: fails whole, nothing stored");

	/* Two workers store one new item: one row, one of them has it new. */
	e[0] = entry("g4", "Both", "https://b.example/4", NULL);
	ok(store_batch_begin(other) == 0, "a worker's batch begins");
	ok(store_ingest(other, feed, &h, e, 1, &r) == 0 && r.new_count == 1,
	    "it stores a new item, not committed yet");
	store_ingest_result_clear(&r);
	ok(store_batch_commit(other) == 0, "and commits");
	ok(store_ingest(s, feed, &h, e, 1, &r) == 0 && r.new_count == 0 &&
	    r.unchanged == 1, "the other worker finds it stored");
	store_ingest_result_clear(&r);
	ok(count("SELECT count(*) FROM entries WHERE guid = 'g4'") == 1,
	    "one row");

	/*
	 * At the same time: a worker in another process stores the item
	 * while this one's insert of it is not committed. Its insert waits
	 * on the unique key, then meets the row in ON CONFLICT.
	 */
	e[0] = entry("g6", "Racing", "https://b.example/6", NULL);
	store_batch_begin(s);
	ok(store_ingest(s, feed, &h, e, 1, &r) == 0 && r.new_count == 1,
	    "a new item stored, not committed");
	store_ingest_result_clear(&r);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		char err[512];
		struct store *c = store_open(uri, err, sizeof(err));
		int code = 2;

		if (c != NULL && store_ingest(c, feed, &h, e, 1, &r) == 0)
			code = r.new_count == 0 && r.unchanged == 1 ? 0 : 1;
		store_ingest_result_clear(&r);
		store_free(c);
		_exit(code);
	}
	sleep(1);
	ok(store_batch_commit(s) == 0, "committed while the other waits");
	ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the other worker found it stored "
	    "(exit %d)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	ok(count("SELECT count(*) FROM entries WHERE guid = 'g6'") == 1,
	    "one row");

	store_batch_begin(s);
	e[0] = entry("g5", "Undone", "https://b.example/5", NULL);
	store_ingest(s, feed, &h, e, 1, &r);
	store_ingest_result_clear(&r);
	store_batch_rollback(s);
	ok(count("SELECT count(*) FROM entries WHERE guid = 'g5'") == 0,
	    "a batch rolled back stores nothing");
}

static void
test_entries(struct store *s)
{
	struct feed_entry e[3];
	struct store_ingest_result r;
	struct store_entry_query q = { 0 };
	struct store_entry *l;
	size_t n;
	int64_t feed, first;
	int rc;
	char err[256];

	store_feed_add(s, "https://c.example/rss", NULL, "World/Europe", 0,
	    &feed);
	e[0] = entry("c3", "Коаліція погодилася", "https://c.example/3",
	    "Уряд і парламент");
	e[1] = entry("c2", "Café crème prices", "https://c.example/2",
	    "Paris e-mail user@example.org");
	e[2] = entry("c1", "Grid repairs in Kharkiv", "https://c.example/1",
	    "Crews restored power");
	e[2].author = "Olena";
	store_ingest(s, feed, NULL, e, 3, &r);
	first = r.first_new_id;
	store_ingest_result_clear(&r);

	q.feed_id = feed;
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 3 &&
	    l[0].id == first && l[2].id == first + 2, "a feed's entries, "
	    "ascending");
	store_entry_list_free(l, n);
	q.limit = 2;
	q.latest = true;
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 2 &&
	    l[0].id == first + 1, "the latest two, still ascending");
	store_entry_list_free(l, n);
	q.latest = false;
	q.descending = true;
	q.before_id = first + 2;
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 2 &&
	    l[0].id == first + 1 && l[1].id == first, "newest first, before "
	    "an id");
	store_entry_list_free(l, n);
	memset(&q, 0, sizeof(q));
	q.category = "World";
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 3,
	    "a category takes the feeds below it");
	store_entry_list_free(l, n);
	q.category = "Worl";
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 0,
	    "not a prefix of a name");
	store_entry_list_free(l, n);

	ok(search(s, "коаліці*", &rc) == 1 && rc == 0, "a Ukrainian prefix");
	ok(search(s, "cafe", &rc) == 1, "accents folded as unicode61 does");
	ok(search(s, "\"grid repairs\"", &rc) == 1 &&
	    search(s, "\"repairs grid\"", &rc) == 0, "phrases in order");
	ok(search(s, "title:crews", &rc) == 0 && search(s, "summary:crews",
	    &rc) == 1, "column filters");
	ok(search(s, "author:olena AND kharkiv", &rc) == 1 &&
	    search(s, "kharkiv NOT olena", &rc) == 0, "AND, NOT");
	ok(search(s, "user", &rc) == 1 && search(s, "mail", &rc) == 1,
	    "words cut as the SQLite store cuts them");
	{
		struct store_highlight hl;

		ok(store_entry_highlight(s, first, "grid OR crew*", &hl) == 1 &&
		    hl.field[STORE_FTS_TITLE] != NULL &&
		    strcmp(hl.field[STORE_FTS_TITLE], STORE_MARK_ON "Grid"
		    STORE_MARK_OFF " repairs in Kharkiv") == 0 &&
		    strstr(hl.field[STORE_FTS_SUMMARY], STORE_MARK_ON "Crews"
		    STORE_MARK_OFF) != NULL, "the words a query matched, "
		    "marked as the SQLite index marks them");
		store_highlight_clear(&hl);
		ok(store_entry_highlight(s, first, "kyiv", &hl) == 0,
		    "a query the entry does not match: 0");
	}
	search(s, "NEAR(grid power)", &rc);
	ok(rc == STORE_EQUERY, "NEAR: a query error, not a failure");
	search(s, "\"unterminated", &rc);
	ok(rc == STORE_EQUERY, "an invalid query: a query error");
	ok(store_fts_check(s, "NEAR(a b)", err, sizeof(err)) ==
	    STORE_EQUERY && strstr(err, "NEAR") != NULL,
	    "the check says why (%s)", err);
}

static void
test_topics(struct store *s)
{
	struct feed_entry e[2];
	struct store_ingest_result r;
	struct store_entry_query q = { 0 };
	struct store_entry *l, got;
	struct store_topic t, *tl;
	struct store_topic_feed *tf;
	struct store_config_topic ct[1] = { { "grid", "grid OR power", NULL } };
	struct store_reconcile_result rr;
	int64_t f1, f2, topic, *ids, last;
	size_t n;
	char err[256];

	ok(store_topic_add(s, "near", "NEAR(a b)", NULL, NULL,
	    STORE_ORIGIN_API, &topic, err, sizeof(err)) == STORE_EQUERY,
	    "a topic PostgreSQL cannot answer is refused");
	ok(store_topic_add(s, "floods", "flood*", "hookname", NULL,
	    STORE_ORIGIN_API, &topic, err, sizeof(err)) == 0, "a topic");
	ok(store_topic_add(s, "floods", "other", NULL, NULL, STORE_ORIGIN_API,
	    &last, err, sizeof(err)) == 1 && last == topic,
	    "its name again: the same topic, 1");
	store_feed_add(s, "https://d1.example/rss", "D1", NULL, 0, &f1);
	store_feed_add(s, "https://d2.example/rss", "D2", NULL, 0, &f2);
	e[0] = entry("d1", "Floods reach the delta",
	    "https://news.example/floods?utm_source=d1", NULL);
	e[1] = entry("d0", "Nothing to see", "https://d1.example/0", NULL);
	store_ingest(s, f1, NULL, e, 2, &r);
	store_ingest_result_clear(&r);
	e[0] = entry("x1", "Floods reach the delta (copy)",
	    "https://news.example/floods", NULL);
	store_ingest(s, f2, NULL, e, 1, &r);
	last = r.last_new_id;
	store_ingest_result_clear(&r);

	ok(store_topic_match(s, topic, 1, last, &ids, &n, err,
	    sizeof(err)) == 1 && n == 1, "one listed match, its copy folded");
	free(ids);
	ok(store_topic_match(s, topic, 1, last, NULL, NULL, err,
	    sizeof(err)) == 0, "matching again adds nothing");
	ok(store_topic_get(s, topic, &t) == 1 && t.match_count == 1 &&
	    strcmp(t.notify, "hookname") == 0, "the match count, kept");
	store_topic_clear(&t);
	q.topic_id = topic;
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 1 &&
	    l[0].feed_id == f1, "the topic lists the first copy only");
	is_str(n == 1 ? l[0].topics_json : NULL, "[\"floods\"]",
	    "the entry names its topic");
	store_entry_list_free(l, n);
	ok(count("SELECT count(*) FROM entries WHERE story_id IS NOT NULL")
	    == 1, "the copy joined the story");
	ok(store_entry_get(s, last, &got) == 1, "the copy");
	is_str(got.topics_json, "[\"floods\"]", "matched, though not listed");
	store_entry_clear(&got);
	ok(store_topic_feeds(s, &tf, &n) == 0 && n == 1 &&
	    tf[0].feed_id == f1, "the feeds a topic lists");
	free(tf);
	{
		struct store_carrier *c;
		struct store_entry_match *m;
		uint64_t hash;
		int rc;

		ok(store_entry_carriers(s, last, 10, &c, &n) == 0 && n == 2 &&
		    c[0].same == STORE_SAME_LINK && c[0].feed_id == f1 &&
		    c[1].same == STORE_SAME_ENTRY, "the copy's carriers: the "
		    "original by its link, itself");
		store_carrier_list_free(c, n);
		rc = store_entry_matches(s, last, &m, &n);
		ok(rc == 0 && n == 1 && !m[0].listed &&
		    m[0].folded_entry_id == last - 1 &&
		    m[0].folded_feed_title != NULL &&
		    strcmp(m[0].folded_feed_title, "D1") == 0,
		    "its match: folded into D1's entry");
		store_entry_match_list_free(m, n);
		ok(store_entry_key_hash(s, last, &hash) == 1 && hash != 0,
		    "its key's hash");
	}

	ok(store_topic_update(s, topic, "delta", NULL, err, sizeof(err)) == 1 &&
	    store_topic_get(s, topic, &t) == 1 && t.match_count == 0 &&
	    t.notify == NULL, "a new query drops the old matches");
	store_topic_clear(&t);
	ok(store_topic_update(s, topic, "NEAR(x y)", NULL, err,
	    sizeof(err)) == STORE_EQUERY, "and is checked");
	ok(store_topics_reconcile(s, ct, 1, &rr, err, sizeof(err)) == 0 &&
	    rr.added == 1, "a configured topic added");
	ok(store_topic_get_by_name(s, "grid", &t) == 1 &&
	    t.origin == STORE_ORIGIN_CONFIG, "by name");
	store_topic_clear(&t);
	ct[0].query = "NEAR(grid power)";
	ok(store_topics_reconcile(s, ct, 1, &rr, err, sizeof(err)) ==
	    STORE_EQUERY && strstr(err, "grid") != NULL,
	    "a configured query PostgreSQL cannot answer is refused, "
	    "named (%s)", err);
	ok(store_topics_reconcile(s, NULL, 0, &rr, err, sizeof(err)) == 0 &&
	    rr.removed == 1, "a topic no longer configured is removed");
	ok(store_topic_list(s, &tl, &n) == 0 && n == 1, "one topic left");
	store_topic_list_free(tl, n);
	ok(store_topic_remove(s, topic) == 1 && store_topic_remove(s,
	    topic) == 0, "removed");
}

static void
test_status(struct store *s)
{
	struct store_status st;
	struct store_health h;
	struct store_cursor *c;
	int64_t v, states[STORE_FEED_STATE_MAX];
	size_t n;
	char err[256];

	ok(store_status_get(s, &st) == 0 && st.feeds > 0 && st.entries > 0 &&
	    st.last_entry_id > 0 && st.db_bytes > 0, "the status");
	ok(store_feed_state_counts(s, states) == 0 &&
	    states[STORE_FEED_MOVED] == 1, "feeds by state");
	store_health_get(s, &h);
	ok(!h.failing, "healthy");
	ok(store_cursor_set(s, "reader", 0, 42) == 0 &&
	    store_cursor_get(s, "reader", 0, &v) == 1 && v == 42 &&
	    store_cursor_get(s, "nobody", 0, &v) == 0, "cursors");
	ok(store_cursor_list(s, "reader", &c, &n) == 0 && n == 1 &&
	    c[0].value == 42, "listed");
	store_cursor_list_free(c, n);
	diag("what the PostgreSQL store has not yet fails, logged:");
	ok(store_backup(s, "/tmp/never.db", err, sizeof(err)) == -1,
	    "store_backup: -1");
}

static void
test_users(struct store *s)
{
	unsigned char hash[STORE_APITOKEN_HASH_LEN], key[STORE_FEVER_KEY_LEN];
	unsigned char secret[STORE_SECRET_LEN], again[STORE_SECRET_LEN];
	struct store_apitoken *tl;
	struct store_user u, *ul;
	size_t n;
	int64_t id, id2;

	memset(hash, 0xab, sizeof(hash));
	memset(key, 0x5c, sizeof(key));
	ok(store_user_add(s, "olena", "$y$hash", &id) == 0 && id > 1,
	    "a user");
	ok(store_user_add(s, "olena", NULL, &id2) == 1 && id2 == id,
	    "the name again: 1 and the same id");
	ok(store_user_set_fever(s, id, key) == 1 && store_user_get(s, id,
	    &u) == 1 && u.fever && memcmp(u.fever_key, key, sizeof(key)) ==
	    0 && strcmp(u.pass_hash, "$y$hash") == 0, "a Fever key kept "
	    "byte for byte");
	store_user_clear(&u);
	ok(store_user_set_fever(s, id, NULL) == 1 && store_user_get_by_name(s,
	    "olena", &u) == 1 && !u.fever, "and dropped");
	store_user_clear(&u);
	ok(store_user_rename(s, id, "owner") == 2 &&
	    store_user_rename(s, id, "olha") == 1, "a taken name: 2; a free "
	    "one: 1");
	ok(store_user_list(s, &ul, &n) == 0 && n == 2 && ul[0].id == 1,
	    "users, the owner first");
	store_user_list_free(ul, n);
	ok(store_apitoken_add(s, "phone", hash, true, id) == 0 &&
	    store_apitoken_add(s, "phone", hash, false, 1) == 1,
	    "a token; its name again: 1");
	ok(store_apitoken_used(s, "phone", 4242) == 0 &&
	    store_apitoken_list(s, &tl, &n) == 0 && n == 1 && tl[0].read_only &&
	    tl[0].user_id == id && tl[0].last_used == 4242 &&
	    memcmp(tl[0].sha256, hash, sizeof(hash)) == 0,
	    "listed with its SHA-256, owner and last use");
	store_apitoken_list_free(tl, n);
	ok(store_secret(s, secret) == 0 && store_secret(s, again) == 0 &&
	    memcmp(secret, again, sizeof(secret)) == 0, "one secret, kept");
	ok(store_user_remove(s, 1) == -1, "the owner is never removed");
	ok(store_user_remove(s, id) == 1 && store_apitoken_list(s, &tl,
	    &n) == 0 && n == 0, "a user goes with their tokens");
	free(tl);
}

/* store_state_ids' ids, kept (at most 64). */
struct ids {
	int64_t	 v[64];
	size_t	 n;
	size_t	 stop_at;	/* 0: never stop */
};

static int
keep_id(int64_t id, void *arg)
{
	struct ids *ids = arg;

	if (ids->n < 64)
		ids->v[ids->n++] = id;
	return ids->stop_at != 0 && ids->n == ids->stop_at ? -1 : 0;
}

static void
test_state(struct store *s)
{
	struct feed_entry e[3];
	struct store_ingest_result r;
	struct store_unread *u;
	struct store_scope all = { 0 };
	int64_t feed, first;
	size_t n, changed;
	bool read, starred;
	int64_t ids[2];

	store_feed_add(s, "https://state.example/rss", NULL, NULL, 0, &feed);
	e[0] = entry("s3", "Three", "https://state.example/3", NULL);
	e[1] = entry("s2", "Two", "https://state.example/2", NULL);
	e[2] = entry("s1", "One", "https://state.example/1", NULL);
	store_ingest(s, feed, NULL, e, 3, &r);
	first = r.first_new_id;
	store_ingest_result_clear(&r);
	ids[0] = first;
	ids[1] = first + 1;
	ok(store_state_set(s, 1, STORE_FLAG_READ, true, ids, 2, &changed) ==
	    0 && changed == 2, "two marked read");
	ok(store_state_set(s, 1, STORE_FLAG_READ, true, ids, 1, &changed) ==
	    0 && changed == 0, "again: nothing changes");
	ok(store_state_set(s, 1, STORE_FLAG_STARRED, true, ids + 1, 1,
	    &changed) == 0 && changed == 1 && store_state_get(s, 1, first + 1,
	    &read, &starred) == 1 && read && starred, "starred too");
	ok(store_unread_feeds(s, 1, &u, &n) == 0, "unread counts");
	for (size_t i = 0; i < n; i++)
		if (u[i].id == feed)
			ok(u[i].unread == 1, "one unread in the feed (%lld)",
			    (long long)u[i].unread);
	free(u);
	all.feed_id = feed;
	ok(store_state_mark_all(s, 1, &all, true, 0, 0, &changed) == 0 &&
	    changed == 1, "the rest of the feed marked read");
	ok(store_state_mark_all(s, 1, &all, false, first, 0, &changed) == 0 &&
	    changed == 1 && store_state_get(s, 1, first, &read, &starred) == 1 &&
	    !read, "unread up to an id");
	{
		struct ids on = { .n = 0 }, off = { .n = 0 }, stop = {
		    .stop_at = 1 };
		struct store_feed *fl;
		bool in_off = false;

		ok(store_state_ids(s, 1, STORE_FLAG_READ, true, keep_id,
		    &on) == 0 && on.n == 2 && on.v[0] == first + 1 &&
		    on.v[1] == first + 2, "the read ids, ascending");
		ok(store_state_ids(s, 1, STORE_FLAG_READ, false, keep_id,
		    &off) == 0 && off.n > 0, "the unread ids");
		for (size_t i = 0; i < off.n; i++)
			in_off |= off.v[i] == first + 1 || off.v[i] == first + 2;
		ok(!in_off, "none of them read");
		ok(store_state_ids(s, 1, STORE_FLAG_READ, false, keep_id,
		    &stop) == -1 && stop.n == 1, "stopped by its callback: -1");
		ok(store_feed_list(s, &fl, &n) == 0 && n > 0,
		    "the connection is usable after it");
		store_feed_list_free(fl, n);
	}
	ok(store_unread_feeds(s, 1, &u, &n) == 0, "counted again");
	for (size_t i = 0; i < n; i++)
		if (u[i].id == feed)
			ok(u[i].unread == 1, "the counts follow (%lld)",
			    (long long)u[i].unread);
	free(u);
}

static void
test_hooks(struct store *s)
{
	struct store_alert a = { .hook = "ntfy", .topic = "floods",
	    .entries = "[]", .key = "k1" }, got;
	struct store_alert_hook *h;
	struct store_websub w = { 0 }, wg, *wl;
	size_t n;
	int64_t id, feed, wid;

	ok(store_alert_add(s, &a, &id) == 0 && id > 0, "an alert queued");
	ok(store_alert_retry(s, id, 9999, "HTTP 503") == 0 &&
	    store_alert_first(s, "ntfy", &got) == 1 && got.attempts == 1 &&
	    got.next_try == 9999 && strcmp(got.last_error, "HTTP 503") == 0,
	    "a failed attempt counted");
	store_alert_clear(&got);
	ok(store_alert_hooks(s, &h, &n) == 0 && n == 1 && h[0].count == 1,
	    "the hooks with alerts");
	store_alert_hook_list_free(h, n);
	ok(store_alert_remove(s, id) == 1 && store_alert_first(s, "ntfy",
	    &got) == 0, "delivered");

	store_feed_add(s, "https://push.example/feed", NULL, NULL, 0, &feed);
	w.feed_id = feed;
	w.callback = "cb1";
	w.hub = "https://hub.example/";
	w.topic = "https://push.example/feed";
	w.secret = "s3cret";
	w.state = STORE_WEBSUB_PENDING;
	ok(store_websub_add(s, &w, &wid) == 0, "a subscription");
	w.id = wid;
	w.state = STORE_WEBSUB_ACTIVE;
	w.lease_until = 77777;
	ok(store_websub_save(s, &w) == 0 && store_websub_by_callback(s, "cb1",
	    &wg) == 1 && wg.state == STORE_WEBSUB_ACTIVE &&
	    wg.lease_until == 77777 && !wg.feed_gone, "saved, found by its "
	    "callback");
	store_websub_clear(&wg);
	ok(store_websub_by_feed(s, feed, &wg) == 1 && wg.id == wid,
	    "by its feed");
	store_websub_clear(&wg);
	{
		int64_t by[STORE_WEBSUB_NSTATES];

		ok(store_websub_get(s, wid, &wg) == 1 && wg.id == wid &&
		    strcmp(wg.callback, "cb1") == 0, "by its id");
		store_websub_clear(&wg);
		ok(store_websub_get(s, wid + 1000, &wg) == 0,
		    "a missing id is none");
		ok(store_websub_counts(s, by) == 0 &&
		    by[STORE_WEBSUB_ACTIVE] == 1 &&
		    by[STORE_WEBSUB_PENDING] == 0, "counted by state");
	}
	store_feed_remove(s, feed);
	ok(store_websub_list(s, &wl, &n) == 0 && n == 1 && wl[0].feed_gone,
	    "kept after its feed went, marked so");
	store_websub_list_free(wl, n);
	ok(store_websub_remove(s, wid) == 0 && store_websub_list(s, &wl,
	    &n) == 0 && n == 0, "removed");
	free(wl);
}

static void
test_prune(struct store *s)
{
	struct store_retention r = { .max_entries_per_feed = 2,
	    .min_entries_per_feed = 1 };
	struct feed_entry e[4];
	struct store_ingest_result ir;
	struct store_feed f;
	size_t pruned;
	int64_t feed;

	store_feed_add(s, "https://prune.example/rss", NULL, NULL, 0, &feed);
	e[0] = entry("p4", "Four", "https://prune.example/4", NULL);
	e[1] = entry("p3", "Three", "https://prune.example/3", NULL);
	e[2] = entry("p2", "Two", "https://prune.example/2", NULL);
	e[3] = entry("p1", "One", "https://prune.example/1", NULL);
	store_ingest(s, feed, NULL, e, 4, &ir);
	store_ingest_result_clear(&ir);
	ok(store_prune(s, &r, 0, &pruned) == 0 && pruned >= 2,
	    "entries beyond 2 a feed pruned (%zu in all)", pruned);
	ok(store_feed_get(s, feed, &f) == 1 && f.entry_count == 2,
	    "the feed's count follows");
	store_feed_clear(&f);
	ok(store_ingest(s, feed, NULL, e, 4, &ir) == 0 && ir.new_count == 0 &&
	    ir.unchanged == 4, "pruned items the feed still carries are not "
	    "new again");
	store_ingest_result_clear(&ir);
	ok(store_prune(s, &r, 0, &pruned) == 0 && pruned == 0,
	    "nothing more to prune");
}

static int64_t
count_of(void *arg, const char *sql)
{
	(void)arg;
	return count(sql);
}

/*
 * The status' figures through every kind of write, and schema step 3 on
 * a database of step 2 with feeds: it counts them.
 */
static void
test_status_counts(struct store *s, const char *uri)
{
	PGresult *r;
	int64_t id;
	char err[512];

	counts_run(s, count_of, NULL);
	/* Additions are added up by a group's commit, and by a status. */
	ok(store_batch_begin(s) == 0 && store_feed_add(s,
	    "https://counts-d.example/rss", NULL, NULL, 0, &id) == 0 &&
	    store_feed_remove(s, id) == 1 && store_batch_commit(s) == 0,
	    "a group of writes");
	ok(count("SELECT count(*) FROM feed_counts") ==
	    count("SELECT count(DISTINCT state) FROM feed_counts"),
	    "its commit added feed_counts up: a row a state");
	counts_fresh(s, count_of, NULL, "added up");
	r = PQexec(admin, "INSERT INTO feed_counts(state, feeds, failing,"
	    " entries) SELECT 'ok', 0, 0, 0 FROM generate_series(1, 1001)");
	PQclear(r);
	counts_fresh(s, count_of, NULL, "1,001 more additions");
	ok(count("SELECT count(*) FROM feed_counts") ==
	    count("SELECT count(DISTINCT state) FROM feed_counts"),
	    "the status that read them added them up");
	store_free(s);
	/* Step 4 (the fold check's keys once per entry) undone first. */
	r = PQexec(admin, "DROP TABLE match_keys;"
	    " ALTER TABLE topic_matches ADD COLUMN norm_hash bigint,"
	    " ADD COLUMN title_key bigint, ADD COLUMN published bigint;"
	    " CREATE INDEX topic_matches_norm ON topic_matches(topic_id,"
	    " norm_hash) WHERE norm_hash IS NOT NULL;"
	    " CREATE INDEX topic_matches_title ON topic_matches(topic_id,"
	    " title_key) WHERE title_key IS NOT NULL;"
	    " DELETE FROM feedd_schema WHERE version = 4;"
	    " DROP TRIGGER feed_counts_truncate ON feeds;"
	    " DROP TRIGGER feed_counts_update ON feeds;"
	    " DROP TRIGGER feed_counts ON feeds;"
	    " DROP FUNCTION feed_counts_truncate(); DROP FUNCTION feed_counts();"
	    " DROP TABLE feed_counts;"
	    " DELETE FROM feedd_schema WHERE version = 3");
	ok(PQresultStatus(r) == PGRES_COMMAND_OK,
	    "the database as step 2 left it%s%s", PQresultStatus(r) ==
	    PGRES_COMMAND_OK ? "" : ": ", pgtest_line(PQerrorMessage(admin)));
	PQclear(r);
	s = store_open(uri, err, sizeof(err));
	ok(s != NULL && count("SELECT max(version) FROM feedd_schema") == 4 &&
	    count("SELECT count(*) FROM feeds") > 0, "migrated, with feeds%s%s",
	    s == NULL ? ": " : "", s == NULL ? err : "");
	if (s != NULL)
		counts_fresh(s, count_of, NULL, "step 3 counted the feeds");
	store_free(s);
}

/* The server ends the connection: one call fails, the next connects again. */
static void
test_reconnect(struct store *s)
{
	struct store_feed *feeds;
	struct store_health h;
	size_t n;
	int64_t id;

	PQclear(PQexec(admin, "SELECT pg_terminate_backend(pid) FROM"
	    " pg_stat_activity WHERE datname = current_database()"
	    " AND pid <> pg_backend_pid()"));
	ok(store_feed_list(s, &feeds, &n) == -1, "the call that finds the "
	    "connection gone fails, logged");
	store_health_get(s, &h);
	ok(h.failing && h.error[0] != '\0', "the store says it is failing "
	    "(%s)", h.error);
	ok(store_feed_list(s, &feeds, &n) == 0 && n > 0, "the next call "
	    "connects again, its statements prepared again");
	store_feed_list_free(feeds, n);
	ok(store_feed_add(s, "https://again.example/rss", NULL, NULL, 0,
	    &id) == 0 && store_feed_remove(s, id) == 1, "writes work");
	store_health_get(s, &h);
	ok(!h.failing, "and a commit makes it healthy again");
}

/*
 * Several workers: two store handles named as two workers claim the same
 * feeds, hosts and hooks; leases, heartbeats, the list and leaving.
 */
static void
test_cluster(struct store *a, struct store *b)
{
	struct store_claim ca[2], cb[2];
	struct store_worker me = { .host = "test", .pid = 1, .started = 1 };
	struct store_worker *w;
	struct store_poll_result pr = { 0 };
	int64_t id1, id2, wait, leases, now = time(NULL);
	PGresult *r;
	size_t n;
	int rc;

	store_set_worker(a, "wa");
	store_set_worker(b, "wb");
	/* test_reconnect ended b's connection: its next call makes it anew. */
	(void)store_last_entry_id(b);
	ok(store_shared(a), "a PostgreSQL store is shared");
	ok(store_feed_add(a, "https://c1.example/rss", NULL, NULL, 0,
	    &id1) == 0 && store_feed_add(a, "https://c2.example/rss", NULL,
	    NULL, 0, &id2) == 0, "two feeds");
	ok(store_feed_set_next_poll(a, id1, now - 10) == 1 &&
	    store_feed_set_next_poll(a, id2, now + 600) == 1,
	    "one due, one due in ten minutes");
	ca[0] = (struct store_claim){ .id = id1 };
	ca[1] = (struct store_claim){ .id = id2 };
	cb[0] = ca[0];
	cb[1] = ca[1];
	ok(store_claim_feeds(a, 60, now, ca, 2) == 0 && ca[0].granted &&
	    !ca[1].granted && ca[1].retry_at == now + 600,
	    "worker a claims the due feed; the other comes back at its time");
	ok(store_claim_feeds(b, 60, now, cb, 2) == 0 && !cb[0].granted &&
	    cb[0].retry_at >= now + 59 && cb[0].retry_at <= now + 61,
	    "worker b may not: it looks again when a's lease ends (%lld)",
	    (long long)(cb[0].retry_at - now));
	ok(store_claim_feeds(a, 60, now, ca, 1) == 0 && ca[0].granted,
	    "a claims its own feed again (a poll it must repeat)");
	cb[1].force = true;
	ok(store_claim_feeds(b, 60, now, &cb[1], 1) == 0 && cb[1].granted,
	    "forced (--once), b claims the feed not yet due");
	ok(count("SELECT count(*) FROM feeds WHERE lease_owner IS NOT NULL")
	    == 2, "two leases held");
	me.name = "wa";
	ok(store_worker_beat(a, &me, 60, &leases) == 0 && leases == 1,
	    "a's heartbeat renews its one lease");
	me.name = "wb";
	me.polls = 7;
	ok(store_worker_beat(b, &me, 60, &leases) == 0 && leases == 1,
	    "and b's its own");
	ok(store_worker_list(a, 60, &w, &n) == 0 && n == 2 &&
	    strcmp(w[0].name, "wa") == 0 && w[0].leases == 1 &&
	    strcmp(w[1].name, "wb") == 0 && w[1].polls == 7,
	    "both workers listed with their leases and polls");
	store_worker_list_free(w, n);
	pr.next_poll = now + 3600;
	pr.state = STORE_FEED_OK;
	ok(store_feed_poll_done(a, id1, &pr) == 0 &&
	    count("SELECT count(*) FROM feeds WHERE lease_owner = 'wa'") == 0,
	    "recording the poll ends a's lease");
	cb[0].force = false;
	ok(store_claim_feeds(b, 60, now, cb, 1) == 0 && !cb[0].granted &&
	    cb[0].retry_at == now + 3600,
	    "b, late, finds it polled: planned for its next poll");
	r = PQexec(admin, "UPDATE feeds SET lease_until = 1"
	    " WHERE lease_owner = 'wb'");
	ok(PQresultStatus(r) == PGRES_COMMAND_OK,
	    "b's lease runs out (it stopped beating)");
	PQclear(r);
	ca[1].force = true;
	ok(store_claim_feeds(a, 60, now, &ca[1], 1) == 0 && ca[1].granted,
	    "then a takes the feed over");
	ok(store_claim_host(a, "h.example", 1000, &wait) == 1,
	    "a starts a poll of a host");
	rc = store_claim_host(b, "h.example", 1000, &wait);
	ok(rc == 0 && wait > 0 && wait <= 1000,
	    "b must wait the host's gap (%lld ms)", (long long)wait);
	ok(store_claim_host(b, "other.example", 1000, &wait) == 1,
	    "but not for another host");
	ok(store_claim_hook(a, "alerts", 60) == 1 &&
	    store_claim_hook(a, "alerts", 60) == 1,
	    "a holds a hook, and keeps it");
	ok(store_claim_hook(b, "alerts", 60) == 0, "b does not get it");
	ok(store_worker_leave(a) == 0 &&
	    count("SELECT count(*) FROM feeds WHERE lease_owner = 'wa'") == 0 &&
	    count("SELECT count(*) FROM workers WHERE name = 'wa'") == 0,
	    "a leaves: its leases released, its row gone");
	ok(store_claim_hook(b, "alerts", 60) == 1,
	    "and b sends the hook's alerts now");
	ok(store_worker_leave(b) == 0 && store_feed_remove(a, id1) == 1 &&
	    store_feed_remove(a, id2) == 1, "b leaves; the feeds go");
}

/*
 * A summary is indexed as its text, as on SQLite; documents made by an
 * older rule (meta 'fts_doc') are made again when the store is opened.
 */
static void
test_summary_text(struct store *s, const char *uri)
{
	struct feed_entry e = entry("sx", "Port news", "https://c.example/sx",
	    "<p>The <strong>harbour</strong> reopened <a href=\"https://"
	    "img.example/pier.jpg\">(photo)</a>&nbsp;today</p>");
	struct store_ingest_result r;
	struct store *t;
	char err[512];
	int rc;

	store_ingest(s, count("SELECT min(id) FROM feeds"), NULL, &e, 1, &r);
	store_ingest_result_clear(&r);
	ok(search(s, "harbour", &rc) == 1 && search(s, "summary:today",
	    &rc) == 1, "a summary's words are indexed");
	ok(search(s, "strong", &rc) == 0 && search(s, "href", &rc) == 0 &&
	    search(s, "jpg", &rc) == 0 && search(s, "nbsp", &rc) == 0,
	    "a summary's markup, addresses and entities are not");
	PQclear(PQexec(admin, "UPDATE entries SET fts = 'strong:1B'"
	    " WHERE guid = 'sx'; DELETE FROM meta WHERE key = 'fts_doc'"));
	ok(search(s, "strong", &rc) == 1, "a document of an older rule");
	t = store_open(uri, err, sizeof(err));
	ok(t != NULL && search(s, "strong", &rc) == 0 &&
	    search(s, "harbour", &rc) == 1 && count("SELECT value FROM meta"
	    " WHERE key = 'fts_doc'") == PG_FTS_DOC_VERSION * 1000 +
	    HTMLTEXT_VERSION, "is made again when the store is opened");
	store_free(t);
}

/*
 * A summary that leads its content is left out, as on SQLite (schema step
 * 17): only summary: finds less. Documents of the rule before (fts_doc
 * 2) are made again when the store is opened.
 */
static void
test_summary_leads(struct store *s, const char *uri)
{
	struct feed_entry e[2];
	struct store_ingest_result r;
	struct store_highlight hl;
	struct store *t;
	char err[512];
	int64_t feed, id;
	int rc;

	store_feed_add(s, "https://lead.example/rss", NULL, NULL, 0, &feed);
	e[0] = entry("l1", "Coast", "https://lead.example/1",
	    "<p>Squall <em>warning</em> for the&nbsp;coast&hellip;</p>");
	e[0].content = "<p>Squall warning for the coast of Odesa.</p>"
	    "<p>Trawlers stay in port.</p>";
	e[1] = entry("l2", "Port", "https://lead.example/2",
	    "Kestrel pilots strike");
	e[1].content = "<p>Ships wait. Kestrel pilots strike</p>";
	store_ingest(s, feed, NULL, e, 2, &r);
	store_ingest_result_clear(&r);
	ok(search(s, "warning", &rc) == 1 && search(s, "\"squall warning\"",
	    &rc) == 1 && search(s, "content:squall", &rc) == 1,
	    "a leading summary's words are found through the content");
	ok(search(s, "summary:squall", &rc) == 0 && search(s,
	    "summary:kestrel", &rc) == 1, "summary: finds a summary that "
	    "does not lead, not one that does");
	id = count("SELECT id FROM entries WHERE guid = 'l1'");
	ok(store_entry_highlight(s, id, "squall", &hl) == 1 &&
	    hl.field[STORE_FTS_SUMMARY] == NULL &&
	    strstr(hl.field[STORE_FTS_CONTENT], STORE_MARK_ON "Squall"
	    STORE_MARK_OFF) != NULL, "highlights: marked in the content");
	store_highlight_clear(&hl);
	e[0].content = "<p>Calm seas.</p>";
	e[1].content = "<p>Kestrel pilots strike at dawn.</p>";
	store_ingest(s, feed, NULL, e, 2, &r);
	store_ingest_result_clear(&r);
	ok(search(s, "summary:squall", &rc) == 1 && search(s, "odesa", &rc)
	    == 0 && search(s, "summary:kestrel", &rc) == 0 &&
	    search(s, "kestrel", &rc) == 1 && search(s, "ships", &rc) == 0,
	    "updated: the document follows the summary and the content");

	PQclear(PQexec(admin, "UPDATE entries SET fts = 'kestrel:1B'"
	    " WHERE guid = 'l2'; UPDATE meta SET value = '2001'"
	    " WHERE key = 'fts_doc'"));
	ok(search(s, "summary:kestrel", &rc) == 1,
	    "a document of the rule before");
	t = store_open(uri, err, sizeof(err));
	ok(t != NULL && search(s, "summary:kestrel", &rc) == 0 &&
	    search(s, "kestrel", &rc) == 1 && count("SELECT value FROM meta"
	    " WHERE key = 'fts_doc'") == PG_FTS_DOC_VERSION * 1000 +
	    HTMLTEXT_VERSION, "is made again when the store is opened");
	store_free(t);
	ok(store_feed_remove(s, feed) == 1 && search(s, "kestrel", &rc) == 0,
	    "the feed removed, its entries are found no more");
}

int
main(void)
{
	const char *conninfo = getenv("FEEDD_TEST_PG");
	struct store *s, *other;
	int64_t last;
	char err[512], *uri;
	size_t n;
	struct store_feed *feeds;

	if ((admin = pgtest_connect(conninfo)) == NULL)
		return 1;
	test_open(conninfo);
	uri = uri_of(conninfo);
	s = store_open(uri, err, sizeof(err));
	other = store_open(uri, err, sizeof(err));
	if (s == NULL || other == NULL) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	test_feeds(s);
	test_ingest(s, other, uri);
	test_entries(s);
	test_summary_text(s, uri);
	test_summary_leads(s, uri);
	test_topics(s);
	test_status(s);
	test_users(s);
	test_state(s);
	test_hooks(s);
	test_prune(s);
	test_reconnect(s);
	test_cluster(s, other);
	last = store_last_entry_id(s);
	store_free(other);
	test_status_counts(s, uri);
	s = store_open(uri, err, sizeof(err));
	ok(s != NULL && store_last_entry_id(s) == last &&
	    store_feed_list(s, &feeds, &n) == 0 && n == 8,
	    "reopened: everything kept (last id %lld)", (long long)last);
	if (s != NULL)
		store_feed_list_free(feeds, n);
	store_free(s);
	free(uri);
	PQfinish(admin);
	return tap_done();
}
