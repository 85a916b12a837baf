/*
 * The store against a real SQLite file in a temporary directory.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "store.h"
#include "store_int.h"
#include "store_prune.h"
#include "statuscounts.h"
#include "tap.h"
#include "xmalloc.h"

static char dir[] = "/tmp/test_store.XXXXXX";

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
count(struct store *s, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(store_sqlite_db(s), sql, -1, &st,
	    NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static bool
integrity_ok(struct store *s)
{
	sqlite3_stmt *st;
	bool good = false;

	if (sqlite3_prepare_v2(store_sqlite_db(s), "PRAGMA integrity_check", -1, &st,
	    NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(st) == SQLITE_ROW)
		good = strcmp((const char *)sqlite3_column_text(st, 0),
		    "ok") == 0;
	sqlite3_finalize(st);
	return good;
}

static bool
fts_ok(struct store *s)
{
	return sqlite3_exec(store_sqlite_db(s), "INSERT INTO entries_fts(entries_fts)"
	    " VALUES ('integrity-check')", NULL, NULL, NULL) == SQLITE_OK;
}

static size_t
search(struct store *s, const char *q)
{
	struct store_entry_query eq = { .fts = q };
	struct store_entry *e;
	size_t n;
	char err[256];

	if (store_entry_list(s, &eq, &e, &n, err, sizeof(err)) != 0) {
		diag("search '%s': %s", q, err);
		return (size_t)-1;
	}
	store_entry_list_free(e, n);
	return n;
}

/*
 * A file from before hooks, where a topic's notify was a command line:
 * the API topic's command is kept aside, never to run, until a hook is
 * set; the config topic's goes (feedd.conf names its hook).
 */
/*
 * Step 17 (a summary that leads its content left out of the index)
 * undone, the index left as it is: the step makes it again.
 */
#define UNDO_V17 "DROP VIEW entries_fts_src;" \
	" CREATE VIEW entries_fts_src AS SELECT id, title," \
	" html_text(summary) AS summary, html_text(content) AS content," \
	" author FROM entries;" \
	" DROP TRIGGER entries_ad;" \
	" CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN" \
	" INSERT INTO entries_fts(entries_fts, rowid, title, summary, content," \
	" author) VALUES ('delete', old.id, old.title," \
	" html_text(old.summary), html_text(old.content), old.author); END;" \
	" DROP TRIGGER entries_au;" \
	" CREATE TRIGGER entries_au AFTER UPDATE OF title, summary, content," \
	" author ON entries BEGIN" \
	" INSERT INTO entries_fts(entries_fts, rowid, title, summary, content," \
	" author) VALUES ('delete', old.id, old.title," \
	" html_text(old.summary), html_text(old.content), old.author);" \
	" INSERT INTO entries_fts(rowid, title, summary, content, author)" \
	" VALUES (new.id, new.title, html_text(new.summary)," \
	" html_text(new.content), new.author); END;"
/*
 * Step 16 (the summary indexed as text) undone, the index left as it is:
 * the step makes it again.
 */
#define UNDO_V16 UNDO_V17 " DROP VIEW entries_fts_src;" \
	" CREATE VIEW entries_fts_src AS SELECT id, title, summary," \
	" html_text(content) AS content, author FROM entries;" \
	" DROP TRIGGER entries_ad;" \
	" CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN" \
	" INSERT INTO entries_fts(entries_fts, rowid, title, summary, content," \
	" author) VALUES ('delete', old.id, old.title, old.summary," \
	" html_text(old.content), old.author); END;" \
	" DROP TRIGGER entries_au;" \
	" CREATE TRIGGER entries_au AFTER UPDATE OF title, summary, content," \
	" author ON entries BEGIN" \
	" INSERT INTO entries_fts(entries_fts, rowid, title, summary, content," \
	" author) VALUES ('delete', old.id, old.title, old.summary," \
	" html_text(old.content), old.author);" \
	" INSERT INTO entries_fts(rowid, title, summary, content, author)" \
	" VALUES (new.id, new.title, new.summary, html_text(new.content)," \
	" new.author); END;"
/* Step 15 (the fold check's keys once per entry) undone. */
#define UNDO_V15 UNDO_V16 " DROP TRIGGER entries_matches_ad;" \
	" CREATE TRIGGER entries_matches_ad AFTER DELETE ON entries BEGIN" \
	" DELETE FROM topic_matches WHERE entry_id = old.id; END;" \
	" DROP TABLE match_keys;" \
	" ALTER TABLE topic_matches ADD COLUMN norm_hash INTEGER;" \
	" ALTER TABLE topic_matches ADD COLUMN title_key INTEGER;" \
	" ALTER TABLE topic_matches ADD COLUMN published INTEGER;" \
	" CREATE INDEX topic_matches_norm ON topic_matches(topic_id," \
	" norm_hash) WHERE norm_hash IS NOT NULL;" \
	" CREATE INDEX topic_matches_title ON topic_matches(topic_id," \
	" title_key) WHERE title_key IS NOT NULL;"
/* Step 14 (the feeds' figures kept in feed_counts) undone. */
#define UNDO_V14 UNDO_V15 " DROP TRIGGER feeds_counts_ai; DROP TRIGGER feeds_counts_ad;" \
	" DROP TRIGGER feeds_counts_au; DROP TABLE feed_counts;"
/*
 * Step 13 (the matches' foreign keys as delete triggers, a feed's topic
 * hits from its entries) undone; the table stays without its foreign
 * keys, which step 13 makes anew from either.
 */
#define UNDO_V13 UNDO_V14 " DROP TRIGGER entries_matches_ad;" \
	" DROP TRIGGER topics_matches_ad; DROP INDEX entries_fetched;" \
	" CREATE INDEX topic_matches_feed ON topic_matches(feed_id, matched);"
/* Step 12 (match counts kept by the store, not by triggers) undone. */
#define UNDO_V12 UNDO_V13 " CREATE TRIGGER topic_matches_count_ai AFTER INSERT ON" \
	" topic_matches WHEN new.dup = 0 BEGIN UPDATE topics SET" \
	" match_count = match_count + 1 WHERE id = new.topic_id; END;" \
	" CREATE TRIGGER topic_matches_reads_ai AFTER INSERT ON" \
	" topic_matches WHEN new.dup = 0 BEGIN" \
	" INSERT INTO topic_reads(user_id, topic_id, n)" \
	" SELECT x.user_id, new.topic_id, 1 FROM entry_state x" \
	" WHERE x.entry_id = new.entry_id AND x.read = 1 AND true" \
	" ON CONFLICT(user_id, topic_id) DO UPDATE SET n = n + 1; END;"
/* Step 11 (WebSub subscriptions, the interval's note) undone. */
#define UNDO_V11 UNDO_V12 " DROP INDEX websub_feed; DROP TABLE websub;" \
	" ALTER TABLE feeds DROP COLUMN interval_note;" \
	" ALTER TABLE feeds DROP COLUMN interval_base_s;" \
	" ALTER TABLE feeds DROP COLUMN interval_base_note;" \
	" ALTER TABLE feeds DROP COLUMN interval_hint_s;" \
	" DROP INDEX topic_matches_feed;"
/* Steps 12 to 10 (repairs) undone. */
#define UNDO_V10 UNDO_V11 " ALTER TABLE feeds DROP COLUMN repairs;" \
	" ALTER TABLE feeds DROP COLUMN repair_note;"
/* Steps 12 to 9 (alerts of URL hooks) undone. */
#define UNDO_V9 UNDO_V10 " DROP TABLE hook_alerts;"
/* Steps 12 to 8 (users and their state) undone, triggers first. */
#define UNDO_V8 UNDO_V9 \
	"DROP TRIGGER entry_state_ai; DROP TRIGGER entry_state_au;" \
	" DROP TRIGGER entry_state_ad; DROP TRIGGER topic_matches_reads_ai;" \
	" DROP TRIGGER topic_matches_reads_ad;" \
	" DROP TRIGGER topic_matches_reads_au; DROP TRIGGER feeds_reads_ad;" \
	" DROP TRIGGER topics_reads_ad; DROP TRIGGER users_ad;" \
	" DROP TABLE entry_state; DROP TABLE feed_reads;" \
	" DROP TABLE topic_reads; DROP TABLE users; DROP INDEX entries_story;" \
	" ALTER TABLE entries DROP COLUMN story_id;" \
	" ALTER TABLE api_tokens DROP COLUMN user_id;"

static void
test_dropped_notify(const char *path)
{
	struct store_topic t;
	struct store *s;
	sqlite3 *db;
	char err[256], sql[4096];
	int64_t id;

	/* The file as step 6 left it: 7 (hooks) and later undone. */
	snprintf(sql, sizeof(sql), UNDO_V8 "ALTER TABLE topics DROP COLUMN"
	    " notify_dropped;"
	    " INSERT INTO topics(name, query, origin, notify, created) VALUES"
	    " ('api-cmd', 'a', 'api', '/usr/bin/touch /tmp/x', 0),"
	    " ('cfg-cmd', 'b', 'config', 'notify-send hi', 0),"
	    " ('quiet', 'c', 'api', NULL, 0);"
	    " PRAGMA user_version = 6");
	sqlite3_open(path, &db);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	s = store_open(path, err, sizeof(err));
	ok(s != NULL && count(s, "PRAGMA user_version") ==
	    STORE_SCHEMA_VERSION, "the version before hooks migrated: %s",
	    s ? "" : err);
	if (s == NULL)
		return;
	ok(count(s, "SELECT count(*) FROM topics WHERE notify IS NOT NULL")
	    == 0, "no topic keeps a command as its notify");
	ok(store_topic_get_by_name(s, "api-cmd", &t) == 1, "api-cmd");
	is_str(t.notify_dropped, "/usr/bin/touch /tmp/x",
	    "an API topic's command is kept aside");
	id = t.id;
	store_topic_clear(&t);
	ok(store_topic_get_by_name(s, "cfg-cmd", &t) == 1 &&
	    t.notify_dropped == NULL, "a config topic's command: not kept");
	store_topic_clear(&t);
	ok(store_topic_get_by_name(s, "quiet", &t) == 1 &&
	    t.notify_dropped == NULL, "a topic without one: nothing kept");
	store_topic_clear(&t);
	ok(store_topic_update(s, id, "a", NULL, err, sizeof(err)) == 1 &&
	    store_topic_get(s, id, &t) == 1 && t.notify_dropped != NULL,
	    "no hook set: the note stays");
	store_topic_clear(&t);
	ok(store_topic_update(s, id, "a", "desktop", err, sizeof(err)) == 1 &&
	    store_topic_get(s, id, &t) == 1 && t.notify_dropped == NULL &&
	    strcmp(t.notify, "desktop") == 0, "a hook set: the note goes");
	store_topic_clear(&t);
	sqlite3_exec(store_sqlite_db(s), "DELETE FROM topics", NULL, NULL, NULL);
	store_free(s);
}

/*
 * A file of step 15, whose index holds a summary's markup, is indexed
 * again by step 16: the markup goes, the words stay.
 */
static void
test_summary_step(const char *path)
{
	struct feed_entry e = entry("m1", "Port news", "https://m.example/1",
	    "<p>The <strong>harbour</strong> reopened</p>");
	struct store_ingest_result r;
	struct store *s;
	sqlite3 *db;
	char err[256];
	int64_t feed;

	s = store_open(path, err, sizeof(err));
	store_feed_add(s, "https://m.example/rss", NULL, NULL, 0, &feed);
	store_ingest(s, feed, NULL, &e, 1, &r);
	store_ingest_result_clear(&r);
	store_free(s);
	sqlite3_open(path, &db);
	store_schema_functions(db);
	sqlite3_exec(db, UNDO_V16 " INSERT INTO entries_fts(entries_fts)"
	    " VALUES ('rebuild'); PRAGMA user_version = 15", NULL, NULL, NULL);
	{
		sqlite3_stmt *st;

		sqlite3_prepare_v2(db, "SELECT count(*) FROM entries_fts"
		    " WHERE entries_fts MATCH 'strong'", -1, &st, NULL);
		ok(sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_int(st, 0) == 1,
		    "step 15's index held the summary's markup");
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	s = store_open(path, err, sizeof(err));
	ok(s != NULL && search(s, "harbour") == 1 && search(s, "strong") == 0,
	    "step 16 indexes a stored summary's text, not its markup");
	store_free(s);
}

/*
 * A file of step 16, whose index holds a summary that leads its content,
 * is indexed again by step 17: the summary's words are found through the
 * content, no longer in the summary column.
 */
static void
test_lead_step(const char *path)
{
	struct feed_entry e = entry("l1", "Coast", "https://l.example/1",
	    "<p>Storm <em>warning</em> issued&hellip;</p>");
	struct store_ingest_result r;
	struct store *s;
	sqlite3 *db;
	sqlite3_stmt *st;
	char err[256];
	int64_t feed;

	e.content = "<p>Storm warning issued for the coast.</p><p>Ports"
	    " closed.</p>";
	s = store_open(path, err, sizeof(err));
	store_feed_add(s, "https://l.example/rss", NULL, NULL, 0, &feed);
	store_ingest(s, feed, NULL, &e, 1, &r);
	store_ingest_result_clear(&r);
	store_free(s);
	sqlite3_open(path, &db);
	store_schema_functions(db);
	sqlite3_exec(db, UNDO_V17 " INSERT INTO entries_fts(entries_fts)"
	    " VALUES ('rebuild'); PRAGMA user_version = 16", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "SELECT count(*) FROM entries_fts"
	    " WHERE entries_fts MATCH 'summary: warning'", -1, &st, NULL);
	ok(sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1,
	    "step 16's index held the leading summary");
	sqlite3_finalize(st);
	sqlite3_close(db);
	s = store_open(path, err, sizeof(err));
	ok(s != NULL && count(s, "PRAGMA user_version") == 17 &&
	    search(s, "summary: warning") == 0 && search(s, "warning") == 1 &&
	    search(s, "\"storm warning issued\"") == 1 && fts_ok(s),
	    "step 17 leaves it out; its words are found in the content");
	store_feed_remove(s, feed);
	ok(fts_ok(s) && search(s, "warning") == 0,
	    "its entry deleted, the index agrees");
	store_free(s);
}

/*
 * A file of step 14, with a match carrying its keys, has them moved to
 * match_keys by step 15, and a copy from another feed is still folded.
 */
static void
test_keys_step(const char *path)
{
	struct feed_entry e[1];
	struct store_ingest_result r;
	struct store *s;
	sqlite3 *db;
	char err[256], sql[4096];
	int64_t f1, f2, tid, norm, title, *ids;
	size_t n;

	s = store_open(path, err, sizeof(err));
	store_feed_add(s, "https://k1.example/rss", NULL, NULL, 0, &f1);
	store_feed_add(s, "https://k2.example/rss", NULL, NULL, 0, &f2);
	store_topic_add(s, "keys", "harvest", NULL, NULL, STORE_ORIGIN_API,
	    &tid, err, sizeof(err));
	e[0] = entry("k1", "Harvest estimates revised after the rains",
	    "https://k1.example/a/1", "harvest");
	store_ingest(s, f1, NULL, e, 1, &r);
	store_topic_match(s, tid, r.first_new_id, r.last_new_id, NULL, NULL,
	    err, sizeof(err));
	norm = count(s, "SELECT norm_hash FROM match_keys");
	title = count(s, "SELECT title_key FROM match_keys");
	store_ingest_result_clear(&r);
	store_free(s);
	snprintf(sql, sizeof(sql), UNDO_V15 " UPDATE topic_matches SET"
	    " norm_hash = %lld, title_key = %lld, published = 1;"
	    " DELETE FROM topics WHERE id <> %lld;"
	    " PRAGMA user_version = 14", (long long)norm, (long long)title,
	    (long long)tid);
	sqlite3_open(path, &db);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	s = store_open(path, err, sizeof(err));
	ok(s != NULL && count(s, "PRAGMA user_version") ==
	    STORE_SCHEMA_VERSION && count(s, "SELECT count(*) FROM"
	    " pragma_table_info('topic_matches') WHERE name IN ('norm_hash',"
	    " 'title_key', 'published')") == 0 && count(s, "SELECT count(*)"
	    " FROM match_keys WHERE published = 1") == 1 &&
	    count(s, "SELECT norm_hash FROM match_keys") == norm &&
	    count(s, "SELECT title_key FROM match_keys") == title,
	    "step 15 moves a match's keys to match_keys");
	e[0] = entry("k2", "Another headline for the same report",
	    "https://k1.example/a/1", "harvest");
	store_ingest(s, f2, NULL, e, 1, &r);
	ok(store_topic_match(s, tid, r.first_new_id, r.last_new_id, &ids, &n,
	    err, sizeof(err)) == 0 && n == 0 && count(s, "SELECT count(*)"
	    " FROM topic_matches WHERE dup = 1") == 1,
	    "a copy of the migrated match's link is folded");
	free(ids);
	store_ingest_result_clear(&r);
	store_free(s);
}

/*
 * A file of step 8, with a topic and an entry, gains the alerts of URL
 * hooks and keeps what it had; alerts go out in order per hook, count,
 * retry and expire.
 */
static void
test_alerts_step(const char *path)
{
	struct store_alert a, got;
	struct store_alert_hook *h;
	struct store *s;
	sqlite3 *db;
	char err[256];
	int64_t id1, id2, id3, n;
	size_t nh, gone;

	sqlite3_open(path, &db);
	sqlite3_exec(db, UNDO_V9 " INSERT INTO topics(name, query, origin,"
	    " created) VALUES ('kept', 'k', 'api', 0);"
	    " PRAGMA user_version = 8", NULL, NULL, NULL);
	sqlite3_close(db);
	s = store_open(path, err, sizeof(err));
	ok(s != NULL && count(s, "PRAGMA user_version") ==
	    STORE_SCHEMA_VERSION && count(s, "SELECT count(*) FROM"
	    " sqlite_schema WHERE name IN ('hook_alerts',"
	    " 'hook_alerts_hook')") == 2,
	    "a version-8 file gains the alerts' table: %s", s ? "" : err);
	if (s == NULL)
		return;
	ok(count(s, "SELECT count(*) FROM topics WHERE name = 'kept'") == 1,
	    "and keeps its topics");
	memset(&a, 0, sizeof(a));
	a.hook = "phone";
	a.topic = "kept";
	a.entries = "[{\"id\":1}]";
	a.key = "00000000000000000000000000000001";
	store_set_now(s, 1000);
	ok(store_alert_add(s, &a, &id1) == 0, "an alert is stored");
	a.key = "00000000000000000000000000000002";
	a.batch = true;
	store_set_now(s, 2000);
	ok(store_alert_add(s, &a, &id2) == 0 && id2 > id1, "a second one");
	a.hook = "desk";
	a.key = "00000000000000000000000000000003";
	ok(store_alert_add(s, &a, &id3) == 0, "one of another hook");
	a.key = "00000000000000000000000000000001";
	ok(store_alert_add(s, &a, NULL) == -1, "keys are unique");
	ok(store_alert_first(s, "phone", &got) == 1 && got.id == id1 &&
	    !got.batch && strcmp(got.entries, "[{\"id\":1}]") == 0 &&
	    strcmp(got.topic, "kept") == 0 && got.created == 1000 &&
	    got.attempts == 0 && got.next_try == 0 &&
	    got.last_error == NULL, "the oldest of a hook comes first");
	store_alert_clear(&got);
	ok(store_alert_retry(s, id1, 1234, "HTTP 503") == 0 &&
	    store_alert_first(s, "phone", &got) == 1 && got.id == id1 &&
	    got.attempts == 1 && got.next_try == 1234 &&
	    strcmp(got.last_error, "HTTP 503") == 0,
	    "a failed attempt is counted and planned again");
	store_alert_clear(&got);
	ok(store_alert_count(s, "phone", &n) == 0 && n == 2,
	    "two alerts wait for phone");
	ok(store_alert_hooks(s, &h, &nh) == 0 && nh == 2 &&
	    strcmp(h[0].hook, "desk") == 0 && h[0].count == 1 &&
	    strcmp(h[1].hook, "phone") == 0 && h[1].count == 2 &&
	    h[1].oldest == 1000, "the hooks with alerts waiting");
	store_alert_hook_list_free(h, nh);
	ok(store_alert_remove(s, id1) == 1 && store_alert_remove(s, id1) ==
	    0 && store_alert_first(s, "phone", &got) == 1 && got.id == id2 &&
	    got.batch, "a delivered alert goes; the next is first");
	store_alert_clear(&got);
	ok(store_alert_expire(s, "desk", 2001, &gone) == 0 && gone == 1 &&
	    store_alert_first(s, "desk", &got) == 0,
	    "old alerts of a hook expire");
	ok(store_alert_expire(s, "phone", 2000, &gone) == 0 && gone == 0,
	    "younger ones stay");
	store_set_now(s, 0);
	sqlite3_exec(store_sqlite_db(s), "DELETE FROM hook_alerts; DELETE FROM topics",
	    NULL, NULL, NULL);
	store_free(s);
}

static void
test_open(const char *path)
{
	struct store *s;
	sqlite3 *db;
	char err[256];

	s = store_open(path, err, sizeof(err));
	ok(s != NULL, "open creates the database");
	ok(count(s, "PRAGMA user_version") == STORE_SCHEMA_VERSION,
	    "schema at version %d", STORE_SCHEMA_VERSION);
	ok(count(s, "PRAGMA foreign_keys") == 1, "foreign keys on");
	store_free(s);
	s = store_open(path, err, sizeof(err));
	ok(s != NULL, "reopen");
	store_free(s);

	/*
	 * A version-1 file (it had an insert trigger, topics had no
	 * match_count, matches no title key, feeds no category, topics no
	 * feed subset, no API tokens, no dropped notify command) is brought
	 * up to date.
	 */
	sqlite3_open(path, &db);
	sqlite3_exec(db, UNDO_V8 "CREATE TRIGGER entries_ai AFTER INSERT ON entries"
	    " BEGIN SELECT 1; END;"
	    " DROP TRIGGER topic_matches_count_ai;"
	    " DROP TRIGGER topic_matches_count_ad;"
	    " DROP TRIGGER topic_matches_count_au;"
	    " ALTER TABLE topics DROP COLUMN match_count;"
	    " DROP INDEX topic_matches_title;"
	    " ALTER TABLE topic_matches DROP COLUMN title_key;"
	    " ALTER TABLE topic_matches DROP COLUMN published;"
	    " ALTER TABLE feeds DROP COLUMN category;"
	    " ALTER TABLE topics DROP COLUMN feed_ids;"
	    " ALTER TABLE topics DROP COLUMN category;"
	    " DROP TABLE api_tokens;"
	    " ALTER TABLE topics DROP COLUMN notify_dropped;"
	    " PRAGMA user_version = 1", NULL, NULL, NULL);
	sqlite3_close(db);
	s = store_open(path, err, sizeof(err));
	ok(s != NULL && count(s, "PRAGMA user_version") ==
	    STORE_SCHEMA_VERSION && count(s, "SELECT count(*) FROM"
	    " sqlite_schema WHERE name = 'entries_ai'") == 0 &&
	    count(s, "SELECT count(*) FROM sqlite_schema"
	    " WHERE name = 'match_keys_title'") == 1 &&
	    count(s, "SELECT count(*) FROM pragma_table_info('feeds')"
	    " WHERE name = 'category'") == 1 &&
	    count(s, "SELECT count(*) FROM pragma_table_info('topics')"
	    " WHERE name IN ('feed_ids', 'category', 'notify_dropped')") == 3 &&
	    count(s, "SELECT count(*) FROM sqlite_schema"
	    " WHERE name = 'api_tokens'") == 1,
	    "version 1 migrated");
	store_free(s);
	test_dropped_notify(path);
	test_alerts_step(path);
	test_keys_step(path);
	test_summary_step(path);
	test_lead_step(path);

	sqlite3_open(path, &db);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	s = store_open(path, err, sizeof(err));
	ok(s == NULL && strstr(err, "newer") != NULL,
	    "a newer schema is refused: %s", err);
	store_free(s);
	unlink(path);

	sqlite3_open(path, &db);
	sqlite3_exec(db, "PRAGMA application_id = 42; CREATE TABLE t(x)",
	    NULL, NULL, NULL);
	sqlite3_close(db);
	s = store_open(path, err, sizeof(err));
	ok(s == NULL && strstr(err, "not a feedd database") != NULL,
	    "another application's database is refused: %s", err);
	store_free(s);
	unlink(path);

	{
		FILE *fp = fopen(path, "w");

		fputs("this is not a database, not even close, but it is long"
		    " enough to have a header\n", fp);
		fclose(fp);
	}
	s = store_open(path, err, sizeof(err));
	ok(s == NULL && strstr(err, "not a database") != NULL,
	    "a file that is not SQLite is refused: %s", err);
	store_free(s);
	unlink(path);

	s = store_open("/nonexistent/dir/x.db", err, sizeof(err));
	ok(s == NULL && strstr(err, "/nonexistent/dir/x.db") != NULL,
	    "a bad path is reported: %s", err);
}

static void
test_feeds(struct store *s)
{
	struct store_feed f, *list;
	struct store_poll_log *log;
	struct store_poll_result pr = { 0 };
	int64_t id, id2;
	size_t n;

	ok(store_feed_add(s, "https://a.example/feed", "A", "Tech/Lang", 0,
	    &id) == 0 && id > 0, "add a feed");
	ok(store_feed_add(s, "https://a.example/feed", NULL, "Other", 0,
	    &id2) == 1 && id2 == id, "adding it again finds it");
	ok(store_feed_get(s, id, &f) == 1, "get by id");
	is_str(f.url, "https://a.example/feed", "url");
	is_str(f.title, "A", "title");
	ok(f.origin == STORE_ORIGIN_API && f.state == STORE_FEED_NEW &&
	    f.config_name == NULL, "api feed, state new");
	is_str(f.category, "Tech/Lang", "category, untouched by the second add");
	store_feed_clear(&f);
	{
		struct store_feed_change c = { .set_category = true,
		    .category = "Tech" };

		ok(store_feed_change(s, id, &c) == 1 &&
		    store_feed_get(s, id, &f) == 1, "change the category");
		is_str(f.category, "Tech", "the new category");
		is_str(f.title, "A", "the title stays");
		store_feed_clear(&f);
		c = (struct store_feed_change){ .set_title = true,
		    .title = "Ä" };
		ok(store_feed_change(s, id, &c) == 1 &&
		    store_feed_get(s, id, &f) == 1, "change the title");
		is_str(f.title, "Ä", "the new title");
		is_str(f.category, "Tech", "the category stays");
		store_feed_clear(&f);
		ok(store_feed_change(s, 9999, &c) == 0,
		    "changing a missing feed");
	}
	ok(store_feed_get(s, 9999, &f) == 0, "get of a missing id");
	ok(store_feed_get_by_url(s, "https://a.example/feed", &f) == 1 &&
	    f.id == id, "get by url");
	store_feed_clear(&f);

	pr.started = 1000;
	pr.http_status = 200;
	pr.etag = "\"abc\"";
	pr.last_modified = "Wed, 03 Sep 2025 12:00:00 GMT";
	pr.bytes = 1234;
	pr.state = STORE_FEED_OK;
	pr.next_poll = 1900;
	pr.cur_interval_s = 900;
	ok(store_feed_poll_done(s, id, &pr) == 0, "record a poll");
	pr.started = 2000;
	pr.http_status = 503;
	pr.etag = NULL;
	pr.error = "HTTP 503";
	pr.state = STORE_FEED_BACKING_OFF;
	pr.redirect_url = "https://b.example/feed";
	pr.redirect_count = 1;
	ok(store_feed_poll_done(s, id, &pr) == 0, "record a failed poll");
	store_feed_get(s, id, &f);
	is_str(f.etag, "\"abc\"", "etag kept when NULL");
	is_str(f.last_error, "HTTP 503", "last error");
	ok(f.error_count == 1 && f.last_success == 1000 &&
	    f.last_poll == 2000 && f.state == STORE_FEED_BACKING_OFF,
	    "error count, last success, state");
	is_str(f.redirect_url, "https://b.example/feed", "redirect candidate");
	store_feed_clear(&f);
	pr.error = NULL;
	pr.new_url = "https://b.example/feed";
	pr.state = STORE_FEED_MOVED;
	ok(store_feed_poll_done(s, id, &pr) == 0, "record a move");
	store_feed_get(s, id, &f);
	is_str(f.url, "https://b.example/feed", "moved url");
	ok(f.error_count == 0 && f.redirect_url == NULL, "move resets");
	store_feed_clear(&f);
	ok(store_poll_log_list(s, id, 10, &log, &n) == 0 && n == 3 &&
	    log[0].time == 2000 && log[1].http_status == 503, "poll log");
	store_poll_log_list_free(log, n);
	ok(store_feed_set_next_poll(s, id, 5) == 1, "poll now");
	ok(store_feed_list(s, &list, &n) == 0 && n == 1 &&
	    list[0].next_poll == 5, "list");
	store_feed_list_free(list, n);
	ok(store_feed_remove(s, id) == 1 && store_feed_remove(s, id) == 0,
	    "remove");
	ok(store_feed_poll_done(s, id, &pr) == 0, "a poll that ends after "
	    "its feed was removed records nothing");
	ok(store_poll_log_list(s, id, 10, &log, &n) == 0 && n == 0,
	    "the removed feed's poll log went with it");
	store_poll_log_list_free(log, n);
}

static void
test_ingest(struct store *s)
{
	struct feed_header h = { .title = "Doc title",
	    .link = "https://site.example/" };
	struct feed_entry e[4];
	struct store_ingest_result r;
	struct store_entry got;
	int64_t feed, changes, first;
	const char *cats[] = { "politics", "europe" };
	struct feed_enclosure enc = { "https://x.example/a.mp3", "audio/mpeg",
	    42 };

	store_feed_add(s, "https://site.example/rss", NULL, NULL, 0, &feed);
	e[0] = entry("g3", "Newest", "https://site.example/3", "three");
	e[1] = entry(NULL, "Link only", "https://site.example/2?utm_source=x",
	    "two");
	e[2] = entry(NULL, "Hash only", NULL, "one");
	e[3] = entry(NULL, NULL, NULL, NULL);
	e[0].categories = (char **)cats;
	e[0].ncategories = 2;
	e[0].enclosures = &enc;
	e[0].nenclosures = 1;
	e[0].content = "<p>Body <b>text</b></p>";
	e[0].published = 1756900000;
	ok(store_ingest(s, feed, &h, e, 4, &r) == 0, "ingest");
	ok(r.new_count == 3 && r.skipped == 1 && r.unchanged == 0,
	    "3 new, 1 skipped (%zu, %zu)", r.new_count, r.skipped);
	ok(r.last_new_id == r.new_ids[2] && r.first_new_id == r.new_ids[0] &&
	    r.last_new_id - r.first_new_id == 2, "id range");
	first = r.first_new_id;
	ok(store_entry_get(s, r.last_new_id, &got) == 1, "get the newest");
	is_str(got.guid, "g3", "newest item has the highest id");
	is_str(got.feed_title, "Doc title", "feed title from the document");
	is_str(got.categories_json, "[\"politics\",\"europe\"]", "categories");
	is_str(got.enclosures_json, "[{\"url\":\"https://x.example/a.mp3\","
	    "\"type\":\"audio/mpeg\",\"length\":42}]", "enclosures");
	is_str(got.content, "<p>Body <b>text</b></p>", "content as stored");
	ok(got.published == 1756900000 && got.updated == FEED_TIME_NONE,
	    "dates");
	store_entry_clear(&got);
	store_entry_get(s, first + 1, &got);
	is_str(got.norm_link, "https://site.example/2", "normalized link");
	is_str(got.categories_json, "[]", "no categories");
	store_entry_clear(&got);
	store_ingest_result_clear(&r);

	diag("an ingest into a missing feed is logged and stores nothing:");
	changes = count(s, "SELECT count(*) FROM entries");
	ok(store_ingest(s, feed + 1000, NULL, e, 2, &r) == -1 &&
	    r.new_count == 0 && r.new_ids == NULL &&
	    count(s, "SELECT count(*) FROM entries") == changes,
	    "ingest into a missing feed fails whole");

	changes = sqlite3_total_changes(store_sqlite_db(s));
	ok(store_ingest(s, feed, &h, e, 4, &r) == 0 && r.new_count == 0 &&
	    r.unchanged == 3 && r.updated == 0, "repeat: all unchanged");
	ok(sqlite3_total_changes(store_sqlite_db(s)) == changes, "repeat wrote nothing");
	store_ingest_result_clear(&r);

	e[0].title = "Newest, corrected";
	ok(store_ingest(s, feed, &h, e, 1, &r) == 0 && r.new_count == 0 &&
	    r.updated == 1, "a changed entry is updated, not new");
	store_ingest_result_clear(&r);
	store_entry_get(s, first + 2, &got);
	is_str(got.title, "Newest, corrected", "new title stored");
	ok(got.updated == 5000, "updated bumped to the store's time");
	store_entry_clear(&got);

	e[0].id = "g3-reissued";
	ok(store_ingest(s, feed, &h, e, 1, &r) == 0 && r.new_count == 0 &&
	    r.reissued == 1, "same link + title under a new guid: a repeat");
	store_ingest_result_clear(&r);
	ok(fts_ok(s), "FTS index consistent after updates");

	/* RSS 1.0's dc:date is an entry's only date: it is its date. */
	e[0] = entry("rdf-1", "Dated by dc:date", "https://site.example/rdf",
	    "rdf");
	e[0].updated = 1650000000;
	ok(store_ingest(s, feed, &h, e, 1, &r) == 0 && r.new_count == 1,
	    "an entry with only an updated date");
	ok(store_entry_get(s, r.last_new_id, &got) == 1 &&
	    got.published == 1650000000 && got.updated == 1650000000,
	    "listed by its updated date, not by when it was fetched");
	store_entry_clear(&got);
	store_ingest_result_clear(&r);
}

/* What a token sink heard: polls told indexed, tokens given. */
struct heard {
	char	 log[64];
	size_t	 tokens;
};

static void
heard_begin(void *arg)
{
	(void)arg;
}

static void
heard_token(void *arg, const char *tok, int len)
{
	((struct heard *)arg)->tokens++;
}

static void
heard_indexed(void *arg, int64_t feed_id, const int64_t *ids, size_t n)
{
	struct heard *h = arg;
	size_t len = strlen(h->log);

	snprintf(h->log + len, sizeof(h->log) - len, "%s%zu", len > 0 ? "," :
	    "", n);
}

/*
 * Indexing deferred to the end of a batch: nothing is searchable that
 * is not stored, nothing stored and committed is missing from the index,
 * a poll rolled back is never indexed, and the sink hears each poll's
 * tokens and then of it, in order.
 */
static void
test_index_defer(struct store *s)
{
	struct heard h = { 0 };
	struct store_token_sink sink = { heard_begin, heard_token, &h,
	    heard_indexed };
	struct store_ingest_result r;
	struct feed_entry e[2];
	int64_t feed;

	store_feed_add(s, "https://defer.example/rss", NULL, NULL, 0, &feed);
	store_set_token_sink(s, &sink);
	ok(store_batch_begin(s) == 0, "a batch");
	store_index_defer(s);
	e[0] = entry("d1", "Zaporizhzhia grid", "https://defer.example/1",
	    "Repairs");
	e[0].content = "<p>Crews <b>restored</b> power</p>";
	e[1] = entry("d2", "Kherson ferry", "https://defer.example/2", NULL);
	ok(store_ingest(s, feed, NULL, e, 2, &r) == 0 && r.new_count == 2,
	    "a poll stored");
	store_ingest_result_clear(&r);
	ok(h.log[0] == '\0' && h.tokens == 0, "... not indexed yet");
	store_batch_begin(s);
	e[0] = entry("d3", "Mykolaiv water", "https://defer.example/3", NULL);
	store_ingest(s, feed, NULL, e, 1, &r);
	store_ingest_result_clear(&r);
	store_batch_rollback(s);
	e[0] = entry("d4", "Odesa port", "https://defer.example/4", NULL);
	store_ingest(s, feed, NULL, e, 1, &r);
	store_ingest_result_clear(&r);
	ok(store_batch_commit(s) == 0, "the batch commits");
	is_str(h.log, "2,1", "each poll kept told indexed, in order; the "
	    "rolled back one never");
	ok(h.tokens > 0, "with its tokens first (%zu)", h.tokens);
	ok(search(s, "zaporizhzhia") == 1 && search(s, "restored") == 1 &&
	    search(s, "odesa") == 1 && search(s, "mykolaiv") == 0,
	    "searchable once committed, HTML content as text");
	ok(count(s, "SELECT count(*) FROM entries_fts") == count(s,
	    "SELECT count(*) FROM entries"), "one index row per entry");

	/*
	 * A document that repeats a guid with other text changes an entry
	 * the batch has not indexed yet: the batch's index catches up first.
	 */
	h.log[0] = '\0';
	ok(store_batch_begin(s) == 0, "another batch");
	store_index_defer(s);
	e[0] = entry("r0", "Chernihiv bridge", "https://defer.example/r0",
	    NULL);
	store_ingest(s, feed, NULL, e, 1, &r);
	store_ingest_result_clear(&r);
	e[0] = entry("r1", "Poltava later text", "https://defer.example/r1",
	    NULL);
	e[1] = entry("r1", "Poltava earlier text", "https://defer.example/r1",
	    NULL);
	ok(store_ingest(s, feed, NULL, e, 2, &r) == 0 && r.new_count == 1 &&
	    r.updated == 1, "a repeated guid: one entry, updated");
	store_ingest_result_clear(&r);
	ok(store_batch_commit(s) == 0 && strcmp(h.log, "1,1") == 0,
	    "both polls told indexed, in order (%s)", h.log);
	sqlite3_exec(store_sqlite_db(s), "CREATE VIRTUAL TABLE temp.vocab USING"
	    " fts5vocab(main, entries_fts, 'row')", NULL, NULL, NULL);
	ok(search(s, "chernihiv") == 1 && search(s, "later") == 1 &&
	    search(s, "earlier") == 0 && fts_ok(s) && count(s, "SELECT"
	    " cnt FROM temp.vocab WHERE term = 'poltava'") ==
	    1, "the index holds the entry's last text, once");
	sqlite3_exec(store_sqlite_db(s), "DROP TABLE temp.vocab", NULL, NULL, NULL);

	/* Outside a batch, an ingest indexes and tells at once. */
	h.log[0] = '\0';
	e[0] = entry("d5", "Kharkiv metro", "https://defer.example/5", NULL);
	store_index_defer(s);
	ok(store_ingest(s, feed, NULL, e, 1, &r) == 0 &&
	    strcmp(h.log, "1") == 0 && search(s, "kharkiv") == 1,
	    "no batch: indexed at once (deferring needs one)");
	store_ingest_result_clear(&r);
	store_set_token_sink(s, NULL);
}

/*
 * A summary that leads its content (htmltext_leads) is not indexed: every
 * search but one restricted to the summary finds what it found.
 */
static void
test_summary_leads(struct store *s)
{
	struct feed_entry e[4];
	struct store_ingest_result r;
	int64_t feed;

	store_feed_add(s, "https://lead.example/rss", NULL, NULL, 0, &feed);
	e[0] = entry("s1", "Coast", "https://lead.example/1",
	    "<p>Storm <em>warning</em> for the&nbsp;coast&hellip;</p>");
	e[0].content = "<p>Storm warning for the coast of Odesa.</p>"
	    "<p>Ports closed.</p>";
	/* Not where the content starts. */
	e[1] = entry("s2", "Port", "https://lead.example/2",
	    "Harbour pilots strike");
	e[1].content = "<p>Ships wait. Harbour pilots strike</p>";
	/* A word cut short: "stat" is a word of the summary alone. */
	e[2] = entry("s3", "Metro", "https://lead.example/3",
	    "Kyiv metro stat...");
	e[2].content = "Kyiv metro station reopens";
	e[3] = entry("s4", "Drones", "https://lead.example/4",
	    "<b>Drones</b> over Lviv [&hellip;]");
	e[3].content = "<p>Drones over Lviv, and over Kharkiv.</p>";
	store_ingest(s, feed, NULL, e, 4, &r);
	store_ingest_result_clear(&r);
	ok(search(s, "warning") == 1 && search(s, "\"storm warning\"") == 1 &&
	    search(s, "^storm") == 1 && search(s, "NEAR(storm coast, 3)") == 1 &&
	    search(s, "content: warning") == 1,
	    "a leading summary's words are found through the content");
	ok(search(s, "summary: warning") == 0 && search(s, "summary: storm")
	    == 0 && search(s, "summary: lviv") == 0,
	    "summary: finds no leading summary (ellipses taken off)");
	ok(search(s, "summary: pilots") == 1 && search(s, "pilots") == 1,
	    "a summary inside the content, not leading it, is indexed");
	ok(search(s, "stat") == 1 && search(s, "summary: stat") == 1,
	    "a summary that ends in part of a word is indexed");
	ok(fts_ok(s), "the index agrees with the entries");

	/* Updates: the rows deleted are the rows that were indexed. */
	e[0].content = "<p>Calm seas.</p>";
	e[1].content = "<p>Harbour pilots strike at dawn.</p>";
	store_ingest(s, feed, NULL, e, 2, &r);
	store_ingest_result_clear(&r);
	ok(fts_ok(s), "updated: the index agrees with the entries");
	ok(search(s, "summary: warning") == 1 && search(s, "odesa") == 0 &&
	    search(s, "calm") == 1, "a summary that no longer leads is indexed");
	ok(search(s, "summary: pilots") == 0 && search(s, "pilots") == 1 &&
	    search(s, "ships") == 0, "one that now leads is left out");
	e[0].summary = "Calm seas";
	store_ingest(s, feed, NULL, e, 1, &r);
	store_ingest_result_clear(&r);
	ok(fts_ok(s) && search(s, "warning") == 0 &&
	    search(s, "summary: calm") == 0 && search(s, "calm") == 1,
	    "a summary changed to lead its content");
	ok(store_feed_remove(s, feed) == 1 && fts_ok(s) &&
	    search(s, "calm") == 0 && search(s, "pilots") == 0 &&
	    search(s, "stat") == 0, "deleted: the index agrees");
}

static void
test_search(struct store *s)
{
	struct feed_entry e[2];
	struct store_ingest_result r;
	struct store_entry_query q = { .fts = "AND (" };
	struct store_entry *l;
	size_t n;
	char err[256] = "";
	int64_t feed;

	store_feed_add(s, "https://ua.example/rss", "UA", NULL, 0, &feed);
	e[0] = entry("u1", "Коаліція охочих зібралася в Парижі",
	    "https://ua.example/1", "Лідери обговорили гарантії");
	e[0].content = "<p>Зустріч <b>лідерів</b> у Парижі&nbsp;&mdash; "
	    "Ёлка</p>";
	e[1] = entry("u2", "Коалиция желающих", "https://ua.example/2",
	    "Café résumé");
	store_ingest(s, feed, NULL, e, 2, &r);
	store_ingest_result_clear(&r);
	ok(search(s, "коаліція") == 1, "Ukrainian, lower case");
	ok(search(s, "КОАЛІЦІЯ") == 1, "Ukrainian, upper case");
	ok(search(s, "\"коаліція охочих\"") == 1, "phrase");
	ok(search(s, "коалиция") == 1, "Russian");
	ok(search(s, "лідерів") == 1, "HTML content is indexed as text");
	ok(search(s, "b") == 0, "tags are not indexed");
	{
		/* Summaries are HTML too (schema step 16). */
		struct feed_entry h = entry("u3", "Port news",
		    "https://ua.example/3", "<p>The <strong>harbour</strong>"
		    " reopened <a href=\"https://img.example/pier.jpg\">"
		    "(photo)</a>&nbsp;today</p>");

		store_ingest(s, feed, NULL, &h, 1, &r);
		store_ingest_result_clear(&r);
		ok(search(s, "harbour") == 1 && search(s, "summary: today") == 1,
		    "a summary's words are indexed");
		ok(search(s, "strong") == 0 && search(s, "href") == 0 &&
		    search(s, "jpg") == 0 && search(s, "nbsp") == 0,
		    "a summary's markup, addresses and entities are not");
		h.summary = "<p>The <em>harbour</em> closed again</p>";
		store_ingest(s, feed, NULL, &h, 1, &r);
		store_ingest_result_clear(&r);
		ok(search(s, "closed") == 1 && search(s, "reopened") == 0 &&
		    search(s, "em") == 0, "an updated summary's text replaces "
		    "the old one's");
		ok(sqlite3_exec(store_sqlite_db(s), "INSERT INTO entries_fts("
		    "entries_fts) VALUES ('integrity-check')", NULL, NULL,
		    NULL) == SQLITE_OK, "the index agrees with the entries");
	}
	/* unicode61 folds Latin diacritics only: Ё stays apart from Е. */
	ok(search(s, "ёлка") == 1, "Ё, case-insensitive");
	ok(search(s, "cafe resume") == 1, "diacritics removed (Latin)");
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == STORE_EQUERY &&
	    strstr(err, "syntax error") != NULL, "bad query: %s", err);
	q.fts = "коаліція OR коалиция";
	q.latest = true;
	q.limit = 1;
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 1 &&
	    strcmp(l[0].guid, "u1") == 0, "search, newest match");
	store_entry_list_free(l, n);
	q.latest = false;
	q.limit = 0;
	q.feed_id = feed;
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 2,
	    "search within the feed");
	store_entry_list_free(l, n);
	q.feed_id = feed + 1000;
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 0,
	    "search within another feed");
	store_entry_list_free(l, n);
	ok(store_fts_check(s, "коаліція OR foo", err, sizeof(err)) == 0,
	    "valid query checks");
	ok(store_fts_check(s, "\"unterminated", err, sizeof(err)) ==
	    STORE_EQUERY, "invalid query checks: %s", err);
	/* feedd.conf's topics are checked without the database: alike. */
	{
		static const char *const queries[] = {
			"коаліція OR foo", "\"unterminated", "title: summit",
			"nosuchcolumn: x", "NEAR(a b, 5)", "NEAR(a b, x)",
			"guarant*", "(paris OR", "- content: kyiv", "a AND",
			"{title summary}: kyiv", "^breaking", "\"e-mail\"",
		};
		char err2[256];
		bool same = true;

		for (size_t i = 0; i < sizeof(queries) / sizeof(*queries);
		    i++) {
			int a = store_fts_check(s, queries[i], err,
			    sizeof(err));
			int b = store_fts_check_query(queries[i], err2,
			    sizeof(err2));

			if (a != b || (a != 0 && strcmp(err, err2) != 0)) {
				diag("%s: %d '%s' vs %d '%s'", queries[i], a,
				    err, b, err2);
				same = false;
			}
		}
		ok(same, "the in-memory check agrees with the database's, "
		    "messages included");
		ok(store_fts_check_query("", err, sizeof(err)) ==
		    STORE_EQUERY, "an empty query: %s", err);
	}
}

static void
test_listing(struct store *s)
{
	struct store_entry_query q = { 0 };
	struct store_entry *l;
	size_t n;
	char err[256];
	int64_t last = store_last_entry_id(s);

	q.limit = 2;
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 2 &&
	    l[0].id < l[1].id && l[0].content == NULL, "first page");
	q.since_id = l[1].id;
	store_entry_list_free(l, n);
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 2 &&
	    l[0].id > q.since_id, "next page");
	store_entry_list_free(l, n);
	q.since_id = 0;
	q.latest = true;
	q.content = true;
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 2 &&
	    l[1].id == last && l[0].id < l[1].id, "latest, ascending");
	store_entry_list_free(l, n);
}

/* Copies whose links share nothing are folded by title and date. */
static void
test_topic_title_dup(struct store *s)
{
	const char *title = "Ceasefire talks resume in Geneva after strikes";
	struct feed_entry e[1];
	struct store_ingest_result r;
	int64_t f3, f4, tid, *ids;
	size_t n;
	char err[256];

	store_feed_add(s, "https://three.example/rss", NULL, NULL, 0, &f3);
	store_feed_add(s, "https://four.example/rss", NULL, NULL, 0, &f4);
	ok(store_topic_add(s, "ceasefire", "ceasefire", NULL,
	    NULL, STORE_ORIGIN_API, &tid, err, sizeof(err)) == 0, "add topic");

	e[0] = entry("t1", title, "https://three.example/a/1", NULL);
	e[0].published = 1800000000;
	store_ingest(s, f3, NULL, e, 1, &r);
	ok(store_topic_match(s, tid, r.first_new_id, r.last_new_id, &ids, &n,
	    err, sizeof(err)) == 1, "first copy listed");
	free(ids);
	store_ingest_result_clear(&r);

	e[0] = entry("t2", title, "https://four.example/story/99", NULL);
	e[0].published = 1800000000 + 3600;
	store_ingest(s, f4, NULL, e, 1, &r);
	ok(store_topic_match(s, tid, r.first_new_id, r.last_new_id, &ids, &n,
	    err, sizeof(err)) == 0 && n == 0,
	    "same title from another feed an hour later: folded");
	free(ids);
	store_ingest_result_clear(&r);

	e[0] = entry("t3", title, "https://four.example/story/100", NULL);
	e[0].published = 1800000000 + 5 * 86400;
	store_ingest(s, f4, NULL, e, 1, &r);
	ok(store_topic_match(s, tid, r.first_new_id, r.last_new_id, &ids, &n,
	    err, sizeof(err)) == 1, "same title five days later: listed");
	free(ids);
	store_ingest_result_clear(&r);

	e[0] = entry("t4", "Ceasefire", "https://three.example/a/2", NULL);
	e[0].published = 1800000000;
	store_ingest(s, f3, NULL, e, 1, &r);
	store_topic_match(s, tid, r.first_new_id, r.last_new_id, NULL, NULL,
	    err, sizeof(err));
	store_ingest_result_clear(&r);
	e[0] = entry("t5", "Ceasefire", "https://four.example/story/101", NULL);
	e[0].published = 1800000000;
	store_ingest(s, f4, NULL, e, 1, &r);
	ok(store_topic_match(s, tid, r.first_new_id, r.last_new_id, &ids, &n,
	    err, sizeof(err)) == 1, "a short common title is not folded");
	free(ids);
	store_ingest_result_clear(&r);
}

/*
 * One group, as the daemon matches it: several topics over the group's
 * polls in one transaction, each over its own span of ids, copies of a
 * story in two feeds within the group. The group's keys are read once
 * (store_topic.c, schema step 14); the folds must be those of the rule.
 */
static void
test_topic_group_folds(struct store *s)
{
	const char *title = "Grain corridor reopens after overnight talks";
	struct feed_entry e[3];
	struct store_ingest_result r1, r2;
	int64_t f5, f6, talpha, tbeta, *ids;
	size_t n;
	char err[256];
	int rc;

	store_feed_add(s, "https://five.example/rss", NULL, NULL, 0, &f5);
	store_feed_add(s, "https://six.example/rss", NULL, NULL, 0, &f6);
	ok(store_topic_add(s, "grp-alpha", "alphaword", NULL, NULL,
	    STORE_ORIGIN_API, &talpha, err, sizeof(err)) == 0 &&
	    store_topic_add(s, "grp-beta", "betaword", NULL, NULL,
	    STORE_ORIGIN_API, &tbeta, err, sizeof(err)) == 0,
	    "two topics for one group");
	ok(store_batch_begin(s) == 0, "a group begins");
	/* Feed 5: A (beta only), Z (alpha, the title), W (both, alone). */
	/* Ids go to a document's items last first: A < Z < W. */
	e[2] = entry("A", "The first report of the story, beta side",
	    "https://five.example/news/shared", "betaword");
	e[1] = entry("Z", title, "https://five.example/news/z", "alphaword");
	e[1].published = 1800000000;
	e[0] = entry("W", "Something else entirely happened today",
	    "https://five.example/news/w", "alphaword betaword");
	store_ingest(s, f5, NULL, e, 3, &r1);
	/* Feed 6: X (A's link; both topics), Y (Z's title, another link). */
	e[1] = entry("X", "A copy under another headline, both words",
	    "https://five.example/news/shared", "alphaword betaword");
	e[0] = entry("Y", title, "https://six.example/story/7", "alphaword");
	e[0].published = 1800000000 + 600;
	store_ingest(s, f6, NULL, e, 2, &r2);
	ok(r1.new_count == 3 && r2.new_count == 2, "five new entries");
	/* beta over the first poll and X; alpha over both polls. */
	rc = store_topic_match(s, tbeta, r1.first_new_id, r2.first_new_id,
	    &ids, &n, err, sizeof(err));
	ok(rc == 2 && n == 2 && ids[0] == r1.first_new_id &&
	    ids[1] == r1.last_new_id,
	    "beta lists A and W; X, A's link from another feed, is folded");
	free(ids);
	rc = store_topic_match(s, talpha, r1.first_new_id, r2.last_new_id,
	    &ids, &n, err, sizeof(err));
	ok(rc == 3 && n == 3 && ids[0] == r1.first_new_id + 1 &&
	    ids[1] == r1.last_new_id && ids[2] == r2.first_new_id,
	    "alpha lists Z, W and X (A is not alpha's); Y, Z's title, "
	    "is folded");
	free(ids);
	ok(store_batch_commit(s) == 0, "the group commits");
	ok(count(s, "SELECT count(*) FROM topic_matches WHERE dup = 1"
	    " AND topic_id IN (SELECT id FROM topics"
	    " WHERE name LIKE 'grp-%')") == 2 &&
	    count(s, "SELECT count(*) FROM match_keys k JOIN entries e"
	    " ON e.id = k.entry_id WHERE e.feed_id IN (SELECT id FROM feeds"
	    " WHERE url IN ('https://five.example/rss',"
	    " 'https://six.example/rss'))") == 5,
	    "two copies folded; each matched entry's keys kept once");
	store_ingest_result_clear(&r1);
	store_ingest_result_clear(&r2);
	/* The pruner's test below wants no topic holding these. */
	ok(store_topic_remove(s, talpha) == 1 &&
	    store_topic_remove(s, tbeta) == 1 &&
	    count(s, "SELECT count(*) FROM topic_matches m LEFT JOIN topics t"
	    " ON t.id = m.topic_id WHERE t.id IS NULL") == 0,
	    "the topics go with their matches");
}

static void
test_topics(struct store *s)
{
	struct feed_entry e[2];
	struct store_ingest_result r1, r2;
	struct store_entry_query q = { 0 };
	struct store_entry *l;
	struct store_topic t, *tl;
	int64_t f1, f2, tid, id, *ids;
	size_t n;
	char err[256];

	store_feed_add(s, "https://one.example/rss", NULL, NULL, 0, &f1);
	store_feed_add(s, "https://two.example/rss", NULL, NULL, 0, &f2);
	ok(store_topic_add(s, "coalition", "\"coalition of the willing\"",
	    NULL, NULL, STORE_ORIGIN_API, &tid, err, sizeof(err)) == 0,
	    "add topic");
	ok(store_topic_add(s, "coalition", "x", NULL, NULL, STORE_ORIGIN_API,
	    &id, err, sizeof(err)) == 1 && id == tid, "same name exists");
	ok(store_topic_add(s, "bad", "AND (", NULL, NULL, STORE_ORIGIN_API,
	    &id, err, sizeof(err)) == STORE_EQUERY, "invalid query refused");
	{
		int64_t want[2] = { f2, f1 };
		struct store_topic_subset sub = { want, 2, "News/UA" };

		ok(store_topic_add(s, "subset", "x", NULL, &sub,
		    STORE_ORIGIN_API, &id, err, sizeof(err)) == 0 &&
		    store_topic_get(s, id, &t) == 1 && t.nfeed_ids == 2 &&
		    t.feed_ids[0] == f2 && t.feed_ids[1] == f1,
		    "a topic's feed ids are kept");
		is_str(t.category, "News/UA", "and its category");
		store_topic_clear(&t);
		ok(store_topic_remove(s, id) == 1, "remove it");
		ok(store_topic_get(s, tid, &t) == 1 && t.feed_ids == NULL &&
		    t.nfeed_ids == 0 && t.category == NULL,
		    "a topic without a subset");
		store_topic_clear(&t);
	}

	e[0] = entry("a1", "The coalition of the willing meets",
	    "https://news.example/story?utm_source=one", NULL);
	e[1] = entry("a2", "Weather", "https://news.example/weather", NULL);
	store_ingest(s, f1, NULL, e, 2, &r1);
	e[0] = entry("b1", "Coalition of the willing: the meeting",
	    "https://NEWS.example/story#top", NULL);
	store_ingest(s, f2, NULL, e, 1, &r2);

	ok(store_topic_match(s, tid, r1.first_new_id, r1.last_new_id, &ids,
	    &n, err, sizeof(err)) == 1 && n == 1 && ids[0] == r1.new_ids[1],
	    "one match in the first poll");
	free(ids);
	ok(store_topic_match(s, tid, r2.first_new_id, r2.last_new_id, &ids,
	    &n, err, sizeof(err)) == 0 && n == 0,
	    "the same article from another feed is not announced");
	free(ids);
	ok(store_topic_match(s, tid, r1.first_new_id, r2.last_new_id, NULL,
	    NULL, err, sizeof(err)) == 0, "matching twice records nothing");
	q.topic_id = tid;
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 1 &&
	    l[0].id == r1.new_ids[1], "topic listing shows it once");
	is_str(n > 0 ? l[0].topics_json : NULL, "[\"coalition\"]",
	    "entry lists its topics");
	store_entry_list_free(l, n);
	store_ingest_result_clear(&r1);
	store_ingest_result_clear(&r2);

	ok(store_topic_get_by_name(s, "coalition", &t) == 1 &&
	    t.match_count == 1, "match count");
	store_topic_clear(&t);
	ok(store_topic_update(s, tid, "weather", "desktop", err,
	    sizeof(err)) == 1, "update topic");
	ok(store_topic_get(s, tid, &t) == 1 && t.match_count == 0,
	    "a new query drops old matches");
	is_str(t.notify, "desktop", "notify");
	store_topic_clear(&t);
	ok(store_topic_list(s, &tl, &n) == 0 && n == 1, "list topics");
	store_topic_list_free(tl, n);
	ok(store_topic_remove(s, tid) == 1 && store_topic_remove(s, tid) == 0,
	    "remove topic");
}

static void
test_cursors(struct store *s)
{
	struct store_cursor *c;
	int64_t v;
	size_t n;

	ok(store_cursor_get(s, "laptop", 0, &v) == 0, "no cursor yet");
	ok(store_cursor_set(s, "laptop", 0, 42) == 0 &&
	    store_cursor_set(s, "laptop", 0, 43) == 0 &&
	    store_cursor_get(s, "laptop", 0, &v) == 1 && v == 43, "set, get");
	ok(store_cursor_list(s, "laptop", &c, &n) == 0 && n == 1 &&
	    c[0].value == 43 && c[0].topic_name == NULL, "list");
	store_cursor_list_free(c, n);
}

static void
test_apitokens(struct store *s)
{
	unsigned char h1[STORE_APITOKEN_HASH_LEN], h2[STORE_APITOKEN_HASH_LEN];
	unsigned char h3[STORE_APITOKEN_HASH_LEN];
	struct store_apitoken *t;
	size_t n;

	memset(h1, 0xa1, sizeof(h1));
	memset(h2, 0xb2, sizeof(h2));
	memset(h3, 0xc3, sizeof(h3));
	ok(store_apitoken_list(s, &t, &n) == 0 && n == 0, "no API tokens");
	store_apitoken_list_free(t, n);
	ok(store_apitoken_add(s, "laptop", h1, false, STORE_OWNER_ID) == 0 &&
	    store_apitoken_add(s, "ci", h2, true, STORE_OWNER_ID) == 0, "two tokens added");
	ok(store_apitoken_add(s, "ci", h3, false, STORE_OWNER_ID) == 1,
	    "a name taken is 1, nothing changed");
	ok(store_apitoken_add(s, "other", h1, false, STORE_OWNER_ID) == -1,
	    "a hash taken is an error");
	ok(store_apitoken_used(s, "laptop", 6000) == 0, "a use recorded");
	ok(store_apitoken_list(s, &t, &n) == 0 && n == 2 &&
	    strcmp(t[0].name, "ci") == 0 && t[0].read_only &&
	    memcmp(t[0].sha256, h2, sizeof(h2)) == 0 && t[0].created == 5000 &&
	    t[0].last_used == 0 && strcmp(t[1].name, "laptop") == 0 &&
	    !t[1].read_only && memcmp(t[1].sha256, h1, sizeof(h1)) == 0 &&
	    t[1].last_used == 6000, "listed by name, with hash and dates");
	store_apitoken_list_free(t, n);
	ok(store_apitoken_remove(s, "ci") == 1 &&
	    store_apitoken_remove(s, "ci") == 0, "removed, then no such token");
	ok(count(s, "SELECT count(*) FROM api_tokens") == 1, "one left");
}

/* Matches of an entry or topic gone (step 13's delete triggers). */
#define ORPHAN_MATCHES "SELECT count(*) FROM topic_matches m WHERE" \
	" NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = m.entry_id) OR" \
	" NOT EXISTS (SELECT 1 FROM topics t WHERE t.id = m.topic_id)"
/* Topics whose listed count is not their listed matches'. */
#define WRONG_COUNTS "SELECT count(*) FROM topics t WHERE match_count <>" \
	" (SELECT count(*) FROM topic_matches m WHERE m.topic_id = t.id" \
	" AND m.dup = 0)"

static void
test_prune(struct store *s)
{
	struct store_retention ret = { .max_entries_per_feed = 5,
	    .min_entries_per_feed = 3 };
	struct feed_entry e[20];
	struct store_ingest_result r;
	struct store_feed f;
	char ids[20][16], titles[20][16], err[256];
	struct store_entry_query q = { 0 };
	struct store_entry *l;
	int64_t feed, tid;
	size_t n;
	size_t pruned, i;
	int rc;

	store_feed_add(s, "https://many.example/rss", NULL, NULL, 0, &feed);
	for (i = 0; i < 20; i++) {
		snprintf(ids[i], sizeof(ids[i]), "m%zu", i);
		snprintf(titles[i], sizeof(titles[i]), "Item %zu", i);
		e[i] = entry(ids[i], titles[i], NULL, NULL);
	}
	store_ingest(s, feed, NULL, e, 20, &r);
	/* A topic lists the oldest item: the cap must leave it alone. */
	store_topic_add(s, "keep", "\"item 19\"", NULL, NULL,
	    STORE_ORIGIN_API,
	    &tid, err, sizeof(err));
	ok(store_topic_match(s, tid, r.first_new_id, r.last_new_id, NULL,
	    NULL, err, sizeof(err)) == 1, "a topic lists the oldest item");
	store_ingest_result_clear(&r);
	while ((rc = store_prune(s, &ret, 4, &pruned)) == 1)
		;
	store_feed_get(s, feed, &f);
	ok(rc == 0 && f.entry_count == 6, "per-feed cap: 5 left, plus the "
	    "one a topic lists (%lld)", (long long)f.entry_count);
	store_feed_clear(&f);
	q.topic_id = tid;
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 1,
	    "the topic still lists it");
	store_entry_list_free(l, n);
	ok(store_ingest(s, feed, NULL, e, 20, &r) == 0 && r.new_count == 0 &&
	    r.unchanged == 20, "pruned entries do not come back as new");
	store_ingest_result_clear(&r);

	store_set_now(s, 5000 + 100 * 86400);
	ret.max_entries_per_feed = 0;
	ret.max_age_s = 30 * 86400;
	while ((rc = store_prune(s, &ret, 0, &pruned)) == 1)
		;
	store_feed_get(s, feed, &f);
	ok(rc == 0 && f.entry_count == 3, "age: the newest 3 stay (%lld)",
	    (long long)f.entry_count);
	store_feed_clear(&f);
	ok(count(s, "SELECT count(*) FROM entries e WHERE NOT EXISTS"
	    " (SELECT 1 FROM topic_matches m WHERE m.entry_id = e.id)"
	    " AND e.feed_id IN (SELECT id FROM feeds WHERE entry_count > 3)")
	    == 0, "other feeds pruned to 3");
	ok(fts_ok(s), "FTS index consistent after pruning");
	ok(store_entry_list(s, &q, &l, &n, err, sizeof(err)) == 0 && n == 0,
	    "past the topic retention it went too");
	store_entry_list_free(l, n);
	ok(count(s, ORPHAN_MATCHES) == 0 && count(s, WRONG_COUNTS) == 0,
	    "a pruned entry's matches go, and the topic's count with them");
	store_topic_remove(s, tid);
	ok(store_topic_add(s, "items", "item", NULL, NULL, STORE_ORIGIN_API,
	    &tid, err, sizeof(err)) == 0 && store_topic_match(s, tid, 1,
	    INT64_MAX, NULL, NULL, err, sizeof(err)) > 0 &&
	    store_topic_remove(s, tid) == 1 && count(s, ORPHAN_MATCHES) == 0,
	    "a removed topic's matches go");
	store_set_now(s, 5000);
}

static void
test_reconcile(struct store *s)
{
	struct store_config_feed cf[2] = {
		{ "kyiv", "https://kyiv.example/rss", "Kyiv", 600, "News/UA" },
		{ "lviv", "https://lviv.example/rss", NULL, 0, NULL },
	};
	struct store_config_topic ct[1] = { { "war", "war OR війна", NULL } };
	struct store_reconcile_result res;
	struct store_feed f;
	int64_t api;
	char err[256];

	store_feed_add(s, "https://api.example/rss", NULL, NULL, 0, &api);
	ok(store_feeds_reconcile(s, cf, 2, &res) == 0 && res.added == 2,
	    "config feeds added");
	ok(store_feeds_reconcile(s, cf, 2, &res) == 0 && res.unchanged == 2 &&
	    res.added == 0 && res.removed == 0, "again: unchanged");
	ok(store_feed_get_by_url(s, "https://kyiv.example/rss", &f) == 1,
	    "config feed stored");
	is_str(f.category, "News/UA", "with its category");
	store_feed_clear(&f);
	cf[0].category = "News";
	ok(store_feeds_reconcile(s, cf, 2, &res) == 0 && res.updated == 1 &&
	    res.unchanged == 1, "a changed category is an update");
	ok(store_feed_get_by_url(s, "https://kyiv.example/rss", &f) == 1,
	    "config feed stored");
	is_str(f.category, "News", "the new category");
	store_feed_clear(&f);
	cf[0].url = "https://kyiv.example/atom";
	ok(store_feeds_reconcile(s, cf, 1, &res) == 0 && res.updated == 1 &&
	    res.removed == 1, "one changed, one removed");
	ok(store_feed_get_by_url(s, "https://kyiv.example/atom", &f) == 1 &&
	    f.origin == STORE_ORIGIN_CONFIG && f.interval_s == 600,
	    "changed URL stored");
	is_str(f.config_name, "kyiv", "config name");
	store_feed_clear(&f);
	ok(store_feed_get_by_url(s, "https://lviv.example/rss", &f) == 0,
	    "removed from config, removed from the store");
	ok(store_feed_get(s, api, &f) == 1, "API feed untouched");
	store_feed_clear(&f);

	ok(store_topics_reconcile(s, ct, 1, &res, err, sizeof(err)) == 0 &&
	    res.added == 1, "config topic added");
	ct[0].query = "AND (";
	ok(store_topics_reconcile(s, ct, 1, &res, err, sizeof(err)) ==
	    STORE_EQUERY && strstr(err, "war") != NULL, "bad topic: %s", err);
	ok(store_topics_reconcile(s, NULL, 0, &res, err, sizeof(err)) == 0 &&
	    res.removed == 1, "config topic removed");
}

static void
test_status_backup(struct store *s)
{
	struct store_status st;
	struct store *b;
	char *path = xasprintf("%s/backup.db", dir), err[256];

	ok(store_status_get(s, &st) == 0 && st.entries ==
	    count(s, "SELECT count(*) FROM entries") && st.feeds > 0 &&
	    st.db_bytes > 0, "status counts");
	ok(store_backup(s, path, err, sizeof(err)) == 0, "backup");
	b = store_open(path, err, sizeof(err));
	ok(b != NULL && count(b, "SELECT count(*) FROM entries") ==
	    st.entries, "backup opens with the same entries");
	ok(b != NULL && integrity_ok(b), "backup passes integrity_check");
	store_free(b);
	ok(store_backup(s, "/nonexistent/x.db", err, sizeof(err)) == -1,
	    "backup to a bad path fails: %s", err);
	free(path);
}

static void
test_pruner(struct store *s)
{
	struct store_retention ret = { .max_entries_per_feed = 2 };
	struct event_base *base = event_base_new();
	struct store_pruner *p;
	struct timeval tv = { 0, 200000 };
	int64_t before = count(s, "SELECT count(*) FROM entries");

	p = store_pruner_new(base, s, &ret, 3600);
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	ok(store_pruner_count(p) > 0 && (int64_t)store_pruner_count(p) ==
	    before - count(s, "SELECT count(*) FROM entries") &&
	    count(s, "SELECT max(entry_count) FROM feeds") <= 2,
	    "the pruner ran from the event loop (%llu pruned)",
	    (unsigned long long)store_pruner_count(p));
	store_pruner_free(p);
	event_base_free(base);
}

static int64_t
count_of(void *s, const char *sql)
{
	return count(s, sql);
}

/* A file of step 13, its feeds counted by step 14 as it goes. */
static void
test_counts_step(const char *path)
{
	struct store *s;
	sqlite3 *db;
	char err[256];

	sqlite3_open(path, &db);
	ok(sqlite3_exec(db, UNDO_V14 " PRAGMA user_version = 13", NULL, NULL,
	    NULL) == SQLITE_OK, "the file as step 13 left it");
	sqlite3_close(db);
	s = store_open(path, err, sizeof(err));
	ok(s != NULL && count(s, "PRAGMA user_version") ==
	    STORE_SCHEMA_VERSION, "migrated: %s", s != NULL ? "" : err);
	if (s == NULL)
		return;
	ok(count(s, "SELECT count(*) FROM feeds") > 0, "with feeds");
	counts_fresh(s, count_of, s, "step 14 counted the feeds");
	store_free(s);
}

int
main(void)
{
	struct store *s;
	char *path, err[256];

	if (mkdtemp(dir) == NULL)
		return 1;
	path = xasprintf("%s/feedd.db", dir);
	test_open(path);
	s = store_open(path, err, sizeof(err));
	if (s == NULL) {
		diag("%s", err);
		return 1;
	}
	store_set_now(s, 5000);
	test_feeds(s);
	test_ingest(s);
	test_search(s);
	test_summary_leads(s);
	test_index_defer(s);
	test_listing(s);
	test_topics(s);
	test_topic_title_dup(s);
	test_topic_group_folds(s);
	test_cursors(s);
	test_apitokens(s);
	test_prune(s);
	test_reconcile(s);
	test_status_backup(s);
	test_pruner(s);
	counts_run(s, count_of, s);
	ok(fts_ok(s), "FTS index consistent at the end");
	ok(integrity_ok(s), "integrity_check at the end");
	store_free(s);
	test_counts_step(path);
	free(path);
	path = xasprintf("rm -rf '%s'", dir);
	if (system(path) != 0)
		diag("could not remove %s", dir);
	free(path);
	return tap_done();
}
