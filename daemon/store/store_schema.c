/*
 * store_schema: the SQL schema and its migrations, one step per
 * PRAGMA user_version, each in its own transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "buf.h"
#include "category.h"
#include "htmltext.h"
#include "log.h"
#include "store.h"
#include "store_int.h"
#include "store_sqlite.h"

/*
 * Step 1. Entries carry 64-bit hashes instead of indexed key text: the key
 * index stays small and a repeated poll is answered from the index alone
 * (feed_id, key_hash, content_hash). The FTS table indexes a view that
 * strips HTML with html_text(), so 'rebuild' and 'integrity-check' work.
 */
static const char schema_v1[] =
"CREATE TABLE feeds ("
"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
"  url TEXT NOT NULL UNIQUE,"
"  user_title TEXT,"
"  doc_title TEXT,"
"  site_link TEXT,"
"  config_name TEXT UNIQUE,"
"  origin TEXT NOT NULL CHECK (origin IN ('config', 'api')),"
"  interval_s INTEGER NOT NULL DEFAULT 0,"
"  cur_interval_s INTEGER NOT NULL DEFAULT 0,"
"  etag TEXT,"
"  last_modified TEXT,"
"  body_hash TEXT,"
"  next_poll INTEGER NOT NULL DEFAULT 0,"
"  last_poll INTEGER NOT NULL DEFAULT 0,"
"  last_success INTEGER NOT NULL DEFAULT 0,"
"  error_count INTEGER NOT NULL DEFAULT 0,"
"  last_error TEXT,"
"  state TEXT NOT NULL DEFAULT 'new',"
"  redirect_url TEXT,"
"  redirect_count INTEGER NOT NULL DEFAULT 0,"
"  retry_after_until INTEGER NOT NULL DEFAULT 0,"
"  entry_count INTEGER NOT NULL DEFAULT 0,"
"  created INTEGER NOT NULL"
");"
"CREATE TABLE entries ("
"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
"  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
"  key_hash INTEGER NOT NULL,"
"  content_hash INTEGER NOT NULL,"
"  lt_hash INTEGER,"
"  guid TEXT,"
"  title TEXT,"
"  link TEXT,"
"  norm_link TEXT,"
"  published INTEGER,"
"  updated INTEGER,"
"  fetched INTEGER NOT NULL,"
"  author TEXT,"
"  summary TEXT,"
"  content TEXT,"
"  categories TEXT,"
"  enclosures TEXT"
");"
"CREATE INDEX entries_key ON entries(feed_id, key_hash, content_hash);"
"CREATE INDEX entries_lt ON entries(feed_id, lt_hash) WHERE lt_hash IS NOT NULL;"
"CREATE INDEX entries_feed ON entries(feed_id, id);"
/* Keys of pruned entries, so they never come back as new. */
"CREATE TABLE seen ("
"  feed_id INTEGER NOT NULL,"
"  hash INTEGER NOT NULL,"
"  PRIMARY KEY (feed_id, hash)"
") WITHOUT ROWID;"
"CREATE VIEW entries_fts_src AS"
"  SELECT id, title, summary, html_text(content) AS content, author"
"  FROM entries;"
"CREATE VIRTUAL TABLE entries_fts USING fts5(title, summary, content,"
"  author, content='entries_fts_src', content_rowid='id',"
"  tokenize='unicode61 remove_diacritics 2');"
"CREATE TRIGGER entries_ai AFTER INSERT ON entries BEGIN"
"  INSERT INTO entries_fts(rowid, title, summary, content, author)"
"  VALUES (new.id, new.title, new.summary, html_text(new.content),"
"  new.author);"
"END;"
"CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN"
"  INSERT INTO entries_fts(entries_fts, rowid, title, summary, content,"
"  author) VALUES ('delete', old.id, old.title, old.summary,"
"  html_text(old.content), old.author);"
"END;"
"CREATE TRIGGER entries_au AFTER UPDATE OF title, summary, content, author"
"  ON entries BEGIN"
"  INSERT INTO entries_fts(entries_fts, rowid, title, summary, content,"
"  author) VALUES ('delete', old.id, old.title, old.summary,"
"  html_text(old.content), old.author);"
"  INSERT INTO entries_fts(rowid, title, summary, content, author)"
"  VALUES (new.id, new.title, new.summary, html_text(new.content),"
"  new.author);"
"END;"
"CREATE TABLE topics ("
"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
"  name TEXT NOT NULL UNIQUE,"
"  query TEXT NOT NULL,"
"  origin TEXT NOT NULL CHECK (origin IN ('config', 'api')),"
"  notify TEXT,"
"  created INTEGER NOT NULL"
");"
/* dup: the same normalized link was already listed from another feed. */
"CREATE TABLE topic_matches ("
"  topic_id INTEGER NOT NULL REFERENCES topics(id) ON DELETE CASCADE,"
"  entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,"
"  feed_id INTEGER NOT NULL,"
"  norm_hash INTEGER,"
"  dup INTEGER NOT NULL DEFAULT 0,"
"  matched INTEGER NOT NULL,"
"  PRIMARY KEY (topic_id, entry_id)"
") WITHOUT ROWID;"
"CREATE INDEX topic_matches_entry ON topic_matches(entry_id);"
"CREATE INDEX topic_matches_norm ON topic_matches(topic_id, norm_hash)"
"  WHERE norm_hash IS NOT NULL;"
"CREATE TABLE cursors ("
"  client TEXT NOT NULL,"
"  topic_id INTEGER NOT NULL,"
"  value INTEGER NOT NULL,"
"  updated INTEGER NOT NULL,"
"  PRIMARY KEY (client, topic_id)"
") WITHOUT ROWID;"
"CREATE TABLE poll_log ("
"  id INTEGER PRIMARY KEY,"
"  feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,"
"  time INTEGER NOT NULL,"
"  http_status INTEGER NOT NULL,"
"  bytes INTEGER NOT NULL,"
"  new_entries INTEGER NOT NULL,"
"  duration_ms INTEGER NOT NULL,"
"  error TEXT"
");"
"CREATE INDEX poll_log_feed ON poll_log(feed_id, id);"
"CREATE TABLE meta ("
"  key TEXT PRIMARY KEY,"
"  value"
") WITHOUT ROWID;";

/*
 * Step 2. New rows reach the FTS index from sqlite_store_ingest() itself: a
 * trigger runs as a sub-statement, and FTS5 (3.40) flushes its pending
 * terms at every statement savepoint, writing one tiny segment per entry
 * (measured: the whole ingest 1.8x slower). Deletes and updates, rare and
 * reached through cascades too, keep their triggers.
 */
static const char schema_v2[] =
"DROP TRIGGER entries_ai;";

/*
 * The triggers on topic_matches' deletes and dup flips (steps 3 and 8),
 * made again by step 13 with the table.
 */
#define MATCH_COUNT_TRIGGERS \
"CREATE TRIGGER topic_matches_count_ad AFTER DELETE ON topic_matches" \
"  WHEN old.dup = 0 BEGIN" \
"  UPDATE topics SET match_count = match_count - 1 WHERE id = old.topic_id;" \
"END;" \
"CREATE TRIGGER topic_matches_count_au AFTER UPDATE OF dup ON topic_matches" \
"  WHEN old.dup <> new.dup BEGIN" \
"  UPDATE topics SET match_count = match_count +" \
"    (CASE WHEN new.dup = 0 THEN 1 ELSE -1 END) WHERE id = new.topic_id;" \
"END;"

#define MATCH_READS_TRIGGERS \
"CREATE TRIGGER topic_matches_reads_ad AFTER DELETE ON topic_matches" \
"  WHEN old.dup = 0 BEGIN" \
"  UPDATE topic_reads SET n = n - 1 WHERE topic_id = old.topic_id" \
"    AND user_id IN (SELECT user_id FROM entry_state" \
"    WHERE entry_id = old.entry_id AND read = 1);" \
"END;" \
"CREATE TRIGGER topic_matches_reads_au AFTER UPDATE OF dup ON topic_matches" \
"  WHEN old.dup <> new.dup BEGIN" \
"  UPDATE topic_reads SET n = n + (CASE WHEN new.dup = 0 THEN 1 ELSE -1 END)" \
"    WHERE topic_id = new.topic_id AND user_id IN (SELECT user_id" \
"    FROM entry_state WHERE entry_id = new.entry_id AND read = 1);" \
"END;"

/*
 * Step 3. A topic's match count is kept on the topic: counting it from
 * topic_matches on every lookup cost 80 ms at 1M matches, on every topic
 * page and every listing. Triggers keep it exact through inserts, cascaded
 * deletes (pruning, removing a feed) and a cleared topic.
 */
static const char schema_v3[] =
"ALTER TABLE topics ADD COLUMN match_count INTEGER NOT NULL DEFAULT 0;"
"UPDATE topics SET match_count = (SELECT count(*) FROM topic_matches m"
"  WHERE m.topic_id = topics.id AND m.dup = 0);"
"CREATE TRIGGER topic_matches_count_ai AFTER INSERT ON topic_matches"
"  WHEN new.dup = 0 BEGIN"
"  UPDATE topics SET match_count = match_count + 1 WHERE id = new.topic_id;"
"END;"
MATCH_COUNT_TRIGGERS;

/*
 * The cross-feed title check looks matches up by title key and date in
 * topic_matches itself: joining entries for every recent match of the
 * topic read each entry row back, quadratic in a busy topic's matches.
 */
static const char schema_v4[] =
"ALTER TABLE topic_matches ADD COLUMN title_key INTEGER;"
"ALTER TABLE topic_matches ADD COLUMN published INTEGER;"
"UPDATE topic_matches SET (title_key, published) ="
"  (SELECT title_key(e.title), COALESCE(e.published, e.fetched)"
"   FROM entries e WHERE e.id = topic_matches.entry_id);"
"CREATE INDEX topic_matches_title ON topic_matches(topic_id, title_key)"
"  WHERE title_key IS NOT NULL;";

/*
 * Step 5. Categories: where a feed is filed ("News/Ukraine", from OPML
 * folders, feedd.conf or the API), and the feed subset of an API topic
 * (a JSON array of feed ids, and/or a category with its sub-categories).
 * Config topics keep theirs in feedd.conf: NULL here.
 */
static const char schema_v5[] =
"ALTER TABLE feeds ADD COLUMN category TEXT;"
"ALTER TABLE topics ADD COLUMN feed_ids TEXT;"
"ALTER TABLE topics ADD COLUMN category TEXT;";

/*
 * Step 6. Tokens for the API's TCP listener: a name, the SHA-256 of the
 * token (never the token itself), read-only or not, and when it was made
 * and last used (0: never).
 */
static const char schema_v6[] =
"CREATE TABLE api_tokens ("
"  name TEXT PRIMARY KEY,"
"  sha256 BLOB NOT NULL UNIQUE CHECK (length(sha256) = 32),"
"  read_only INTEGER NOT NULL CHECK (read_only IN (0, 1)),"
"  created INTEGER NOT NULL,"
"  last_used INTEGER NOT NULL DEFAULT 0"
") WITHOUT ROWID;";

/*
 * Step 7. A topic's notify names a [hook] of feedd.conf. It held a command
 * line before, which any API client could give and the daemon then ran:
 * an API topic's command moves to notify_dropped, never to run again, for
 * the API and feedctl to show until the topic names a hook (which clears
 * it). A config topic's notify comes from feedd.conf at the next
 * reconcile, which refuses a command there with its own message.
 */
static const char schema_v7[] =
"ALTER TABLE topics ADD COLUMN notify_dropped TEXT;"
"UPDATE topics SET notify_dropped = notify WHERE origin = 'api';"
"UPDATE topics SET notify = NULL;";

/*
 * Step 8. People who read: users (the owner is user 1, made here, with no
 * password until one is set), the state each keeps per entry (read,
 * starred, and when each changed; no row: unread and not starred), and
 * API tokens that belong to a user. Folded copies of one story share
 * their state: entries.story_id names the entry a topic folded a copy
 * into (NULL: the entry is its own story), and the store writes a state
 * change to every copy. Unread counts must not count rows: per user, how
 * many entries of each feed and listed matches of each topic are read is
 * kept by triggers, through marks, inserts, and the deletes that pruning
 * and removals cascade into.
 */
static const char schema_v8[] =
"CREATE TABLE users ("
"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
"  name TEXT NOT NULL UNIQUE,"
"  pass_hash TEXT,"
"  fever_key BLOB CHECK (fever_key IS NULL OR length(fever_key) = 16),"
"  created INTEGER NOT NULL"
");"
"INSERT INTO users(id, name, created) VALUES (1, 'owner',"
"  CAST(strftime('%s', 'now') AS INTEGER));"
/* SQLite takes no REFERENCES with a non-NULL default here: store_user_remove
 * removes a user's tokens itself. */
"ALTER TABLE api_tokens ADD COLUMN user_id INTEGER NOT NULL DEFAULT 1;"
"ALTER TABLE entries ADD COLUMN story_id INTEGER;"
"CREATE INDEX entries_story ON entries(story_id) WHERE story_id IS NOT NULL;"
/* Copies topics folded before this step: the listed entry of the same link. */
"UPDATE entries SET story_id = (SELECT o.entry_id FROM topic_matches d"
"  JOIN topic_matches o ON o.topic_id = d.topic_id AND o.dup = 0"
"  AND o.norm_hash = d.norm_hash WHERE d.entry_id = entries.id"
"  AND d.dup = 1 AND d.norm_hash IS NOT NULL ORDER BY o.entry_id LIMIT 1)"
"  WHERE id IN (SELECT entry_id FROM topic_matches WHERE dup = 1);"
"CREATE TABLE entry_state ("
"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
"  entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,"
"  feed_id INTEGER NOT NULL,"
"  read INTEGER NOT NULL DEFAULT 0 CHECK (read IN (0, 1)),"
"  starred INTEGER NOT NULL DEFAULT 0 CHECK (starred IN (0, 1)),"
"  read_changed INTEGER NOT NULL DEFAULT 0,"
"  starred_changed INTEGER NOT NULL DEFAULT 0,"
"  PRIMARY KEY (entry_id, user_id)"
") WITHOUT ROWID;"
"CREATE INDEX entry_state_starred ON entry_state(user_id, entry_id)"
"  WHERE starred = 1;"
/*
 * Keyed by entry first: cascades and folds find an entry's rows by the key
 * itself, and a second index (or one on read rows) cost a third to a half
 * of marking a 100,000-entry feed read (bench/README-readers.md).
 */
"CREATE TABLE feed_reads ("
"  user_id INTEGER NOT NULL,"
"  feed_id INTEGER NOT NULL,"
"  n INTEGER NOT NULL,"
"  PRIMARY KEY (user_id, feed_id)"
") WITHOUT ROWID;"
"CREATE TABLE topic_reads ("
"  user_id INTEGER NOT NULL,"
"  topic_id INTEGER NOT NULL,"
"  n INTEGER NOT NULL,"
"  PRIMARY KEY (user_id, topic_id)"
") WITHOUT ROWID;"
/* A read flip of an entry: its feed's count and its listing topics'. */
"CREATE TRIGGER entry_state_ai AFTER INSERT ON entry_state"
"  WHEN new.read = 1 BEGIN"
"  INSERT INTO feed_reads(user_id, feed_id, n)"
"    VALUES (new.user_id, new.feed_id, 1)"
"    ON CONFLICT(user_id, feed_id) DO UPDATE SET n = n + 1;"
"  INSERT INTO topic_reads(user_id, topic_id, n)"
"    SELECT new.user_id, m.topic_id, 1 FROM topic_matches m"
"    WHERE m.entry_id = new.entry_id AND m.dup = 0 AND true"
"    ON CONFLICT(user_id, topic_id) DO UPDATE SET n = n + 1;"
"END;"
"CREATE TRIGGER entry_state_au AFTER UPDATE OF read ON entry_state"
"  WHEN old.read <> new.read BEGIN"
"  INSERT INTO feed_reads(user_id, feed_id, n)"
"    VALUES (new.user_id, new.feed_id, new.read - old.read)"
"    ON CONFLICT(user_id, feed_id) DO UPDATE SET"
"    n = n + new.read - old.read;"
"  INSERT INTO topic_reads(user_id, topic_id, n)"
"    SELECT new.user_id, m.topic_id, new.read - old.read"
"    FROM topic_matches m WHERE m.entry_id = new.entry_id AND m.dup = 0"
"    AND true ON CONFLICT(user_id, topic_id) DO UPDATE SET"
"    n = n + new.read - old.read;"
"END;"
"CREATE TRIGGER entry_state_ad AFTER DELETE ON entry_state"
"  WHEN old.read = 1 BEGIN"
"  UPDATE feed_reads SET n = n - 1"
"    WHERE user_id = old.user_id AND feed_id = old.feed_id;"
"  UPDATE topic_reads SET n = n - 1 WHERE user_id = old.user_id"
"    AND topic_id IN (SELECT topic_id FROM topic_matches"
"    WHERE entry_id = old.entry_id AND dup = 0);"
"END;"
/* A match listed or unlisted for an entry its users had read. */
"CREATE TRIGGER topic_matches_reads_ai AFTER INSERT ON topic_matches"
"  WHEN new.dup = 0 BEGIN"
"  INSERT INTO topic_reads(user_id, topic_id, n)"
"    SELECT x.user_id, new.topic_id, 1 FROM entry_state x"
"    WHERE x.entry_id = new.entry_id AND x.read = 1 AND true"
"    ON CONFLICT(user_id, topic_id) DO UPDATE SET n = n + 1;"
"END;"
MATCH_READS_TRIGGERS
"CREATE TRIGGER feeds_reads_ad AFTER DELETE ON feeds BEGIN"
"  DELETE FROM feed_reads WHERE feed_id = old.id;"
"END;"
"CREATE TRIGGER topics_reads_ad AFTER DELETE ON topics BEGIN"
"  DELETE FROM topic_reads WHERE topic_id = old.id;"
"END;"
"CREATE TRIGGER users_ad AFTER DELETE ON users BEGIN"
"  DELETE FROM feed_reads WHERE user_id = old.id;"
"  DELETE FROM topic_reads WHERE user_id = old.id;"
"  DELETE FROM api_tokens WHERE user_id = old.id;"
"END;";

/*
 * Step 9. Alerts on their way to URL hooks (webhook.h): written in the
 * transaction that records the matches, removed once the receiver took
 * them or gave up, so a restart loses none. One hook's alerts go out in
 * id order; key is the alert's id for the receiver (Matrix's
 * transaction id), the same on every attempt.
 */
static const char schema_v9[] =
"CREATE TABLE hook_alerts ("
"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
"  hook TEXT NOT NULL,"
"  topic TEXT NOT NULL,"
"  batch INTEGER NOT NULL CHECK (batch IN (0, 1)),"
"  entries TEXT NOT NULL,"
"  key TEXT NOT NULL UNIQUE,"
"  created INTEGER NOT NULL,"
"  attempts INTEGER NOT NULL DEFAULT 0,"
"  next_try INTEGER NOT NULL DEFAULT 0,"
"  last_error TEXT"
");"
"CREATE INDEX hook_alerts_hook ON hook_alerts(hook, id);";

/* Once step 7 committed: each topic whose command it dropped, once. */
static void
tell_dropped_notify(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT name, notify_dropped FROM topics"
	    " WHERE notify_dropped IS NOT NULL ORDER BY id", -1, &st,
	    NULL) != SQLITE_OK) {
		log_warnx("store: listing the dropped notify commands: %s",
		    sqlite3_errmsg(db));
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW)
		log_warnx("store: topic '%s': its notify command '%s' is not "
		    "run any more: commands come only from the configuration "
		    "now. Declare it in a [hook \"NAME\"] section (command = "
		    "...), reload, and set the topic's notify to NAME "
		    "(feedctl topic set '%s' --notify NAME)",
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/*
 * Step 10. What the parser had to mend in a feed's last parsed document
 * (feed_repair.h): how many kinds of repair, and their lines, so that a
 * feed being repaired shows in its status, restarts included.
 */
static const char schema_v10[] =
"ALTER TABLE feeds ADD COLUMN repairs INTEGER NOT NULL DEFAULT 0;"
"ALTER TABLE feeds ADD COLUMN repair_note TEXT;";

/*
 * Step 11. WebSub subscriptions (W3C WebSub): one per feed whose hub we
 * asked, with the callback's random name and the hub.secret that signs
 * what the hub pushes. feed_id is no reference: a removed feed's row
 * stays until its hub confirmed the unsubscription. And the parts of a
 * feed's interval the scheduler keeps between polls that parse nothing
 * (a 304): its natural interval and why, the document's own hint, and
 * why the whole is what it is; the recent topic matches of a feed are
 * counted from an index.
 */
static const char schema_v11[] =
"CREATE TABLE websub ("
"  id INTEGER PRIMARY KEY,"
"  feed_id INTEGER NOT NULL,"
"  callback TEXT NOT NULL UNIQUE,"
"  hub TEXT NOT NULL,"
"  topic TEXT NOT NULL,"
"  secret TEXT NOT NULL,"
"  state TEXT NOT NULL CHECK (state IN"
"    ('pending', 'active', 'refused', 'unsubscribing')),"
"  asked TEXT CHECK (asked IN ('subscribe', 'unsubscribe')),"
"  asked_at INTEGER NOT NULL DEFAULT 0,"
"  lease_s INTEGER NOT NULL DEFAULT 0,"
"  lease_until INTEGER NOT NULL DEFAULT 0,"
"  retry_at INTEGER NOT NULL DEFAULT 0,"
"  last_push INTEGER NOT NULL DEFAULT 0,"
"  pushes INTEGER NOT NULL DEFAULT 0,"
"  last_error TEXT,"
"  created INTEGER NOT NULL"
");"
"CREATE UNIQUE INDEX websub_feed ON websub(feed_id)"
"  WHERE state <> 'unsubscribing';"
"ALTER TABLE feeds ADD COLUMN interval_note TEXT;"
"ALTER TABLE feeds ADD COLUMN interval_base_s INTEGER NOT NULL DEFAULT 0;"
"ALTER TABLE feeds ADD COLUMN interval_base_note TEXT;"
"ALTER TABLE feeds ADD COLUMN interval_hint_s INTEGER NOT NULL DEFAULT 0;"
"CREATE INDEX topic_matches_feed ON topic_matches(feed_id, matched);";

/*
 * Step 12. A match's listing counts (topics.match_count, and topic_reads
 * for an entry its users had already read) are kept by store_topic.c,
 * once per topic and group, instead of by row triggers: a trigger on
 * topic_matches made every single-row insert a statement with its own
 * statement journal, which copied each page it touched (27 us of the
 * 30 us a match cost; bench/README-topics.md). Deletes and dup flips
 * keep their triggers: they are rare and set-based.
 */
static const char schema_v12[] =
"DROP TRIGGER topic_matches_count_ai;"
"DROP TRIGGER topic_matches_reads_ai;";

/*
 * Step 13. Recording a match wrote six b-trees, most of a match's cost
 * (bench/README-topics.md, "Broad topics"): topic_matches loses its two
 * foreign keys, each a parent probe on every insert, for triggers on the
 * parents' deletes (a match's entry and topic exist in the transaction
 * that records it: the entry was just stored, the topic just read); and
 * a feed's recent topic hits are found from its recent entries
 * (entries_fetched, one row an entry) instead of from topic_matches_feed
 * (one row a match, 19 an entry under broad topics). SQLite cannot drop
 * a constraint: the table is made anew. legacy_alter_table keeps the
 * rename from checking entry_state's triggers, which name the table,
 * while it does not exist.
 */
static const char schema_v13[] =
"CREATE TABLE topic_matches_v13 ("
"  topic_id INTEGER NOT NULL,"
"  entry_id INTEGER NOT NULL,"
"  feed_id INTEGER NOT NULL,"
"  norm_hash INTEGER,"
"  dup INTEGER NOT NULL DEFAULT 0,"
"  matched INTEGER NOT NULL,"
"  title_key INTEGER,"
"  published INTEGER,"
"  PRIMARY KEY (topic_id, entry_id)"
") WITHOUT ROWID;"
"INSERT INTO topic_matches_v13(topic_id, entry_id, feed_id, norm_hash, dup,"
"  matched, title_key, published)"
"  SELECT topic_id, entry_id, feed_id, norm_hash, dup, matched, title_key,"
"  published FROM topic_matches;"
"DROP TABLE topic_matches;"
"PRAGMA legacy_alter_table = ON;"
"ALTER TABLE topic_matches_v13 RENAME TO topic_matches;"
"PRAGMA legacy_alter_table = OFF;"
"CREATE INDEX topic_matches_entry ON topic_matches(entry_id);"
"CREATE INDEX topic_matches_norm ON topic_matches(topic_id, norm_hash)"
"  WHERE norm_hash IS NOT NULL;"
"CREATE INDEX topic_matches_title ON topic_matches(topic_id, title_key)"
"  WHERE title_key IS NOT NULL;"
"CREATE INDEX entries_fetched ON entries(feed_id, fetched);"
/* Steps 3 and 8's triggers, gone with the old table. */
MATCH_COUNT_TRIGGERS
MATCH_READS_TRIGGERS
/*
 * The cascades the foreign keys made. An entry's state goes by its own
 * cascade, which runs before these: entry_state_ad counts the read off
 * the entry's topics while their matches are still there, and
 * topic_matches_reads_ad then finds no reader left to count twice.
 */
"CREATE TRIGGER entries_matches_ad AFTER DELETE ON entries BEGIN"
"  DELETE FROM topic_matches WHERE entry_id = old.id;"
"END;"
"CREATE TRIGGER topics_matches_ad AFTER DELETE ON topics BEGIN"
"  DELETE FROM topic_matches WHERE topic_id = old.id;"
"END;";

/*
 * Step 14. The status' figures of the feeds (how many, in each state,
 * failing, and their entries) are kept in feed_counts, one row a state,
 * by triggers: counting them over every feed on each status read the
 * whole table (40-50 ms at 100,000 feeds), and while feeds were polled
 * every status paid it again. A feed's update counts only when one of
 * its figures moves: a poll that leaves its state, whether it fails and
 * its entry count as they were runs no trigger body (the trigger's
 * statement journal still costs its record about 1 us, bench/README.md).
 * The step counts the feeds there are.
 */
#define FEED_COUNTS_ADD \
"  INSERT INTO feed_counts(state, feeds, failing, entries)" \
"    VALUES (new.state, 1, new.error_count > 0, new.entry_count)" \
"    ON CONFLICT(state) DO UPDATE SET feeds = feeds + 1," \
"    failing = failing + excluded.failing," \
"    entries = entries + excluded.entries;"
#define FEED_COUNTS_SUB \
"  UPDATE feed_counts SET feeds = feeds - 1," \
"    failing = failing - (old.error_count > 0)," \
"    entries = entries - old.entry_count WHERE state = old.state;"

static const char schema_v14[] =
"CREATE TABLE feed_counts ("
"  state TEXT PRIMARY KEY,"
"  feeds INTEGER NOT NULL,"
"  failing INTEGER NOT NULL,"
"  entries INTEGER NOT NULL"
") WITHOUT ROWID;"
"INSERT INTO feed_counts(state, feeds, failing, entries)"
"  SELECT state, count(*), count(*) FILTER (WHERE error_count > 0),"
"  sum(entry_count) FROM feeds GROUP BY state;"
"CREATE TRIGGER feeds_counts_ai AFTER INSERT ON feeds BEGIN"
FEED_COUNTS_ADD
"END;"
"CREATE TRIGGER feeds_counts_ad AFTER DELETE ON feeds BEGIN"
FEED_COUNTS_SUB
"END;"
"CREATE TRIGGER feeds_counts_au"
"  AFTER UPDATE OF state, error_count, entry_count ON feeds"
"  WHEN old.state <> new.state"
"  OR (old.error_count > 0) <> (new.error_count > 0)"
"  OR old.entry_count <> new.entry_count BEGIN"
FEED_COUNTS_SUB
FEED_COUNTS_ADD
"END;";

/*
 * Step 15. The fold check's keys (normalized link, title, date: what a
 * copy of a story is known by) are kept once per entry in match_keys, not
 * once per match: under broad topics an entry has about 20 matches, and
 * each carried the keys and two index rows of its own (two of the four
 * b-tree inserts a match made; bench/README-topics.md). A match's copy in
 * another feed is now found by its keys first, then the topic's match by
 * primary key. The title index holds the date as well, so a title that
 * recurs (a daily "Live updates: ...") is looked up within the window,
 * not through every day it was used. An entry keeps the keys it had when
 * first matched; rows of entries whose topics all went stay until the
 * entry does (the fold check joins topic_matches, so they find nothing).
 */
static const char schema_v15[] =
"CREATE TABLE match_keys ("
"  entry_id INTEGER PRIMARY KEY,"
"  feed_id INTEGER NOT NULL,"
"  norm_hash INTEGER,"
"  title_key INTEGER,"
"  published INTEGER"
");"
"INSERT OR IGNORE INTO match_keys(entry_id, feed_id, norm_hash, title_key,"
"  published)"
"  SELECT entry_id, feed_id, norm_hash, title_key, published"
"  FROM topic_matches ORDER BY entry_id, topic_id;"
"CREATE INDEX match_keys_norm ON match_keys(norm_hash)"
"  WHERE norm_hash IS NOT NULL;"
"CREATE INDEX match_keys_title ON match_keys(title_key, published)"
"  WHERE title_key IS NOT NULL;"
"DROP INDEX topic_matches_norm;"
"DROP INDEX topic_matches_title;"
"ALTER TABLE topic_matches DROP COLUMN norm_hash;"
"ALTER TABLE topic_matches DROP COLUMN title_key;"
"ALTER TABLE topic_matches DROP COLUMN published;"
"DROP TRIGGER entries_matches_ad;"
"CREATE TRIGGER entries_matches_ad AFTER DELETE ON entries BEGIN"
"  DELETE FROM topic_matches WHERE entry_id = old.id;"
"  DELETE FROM match_keys WHERE entry_id = old.id;"
"END;";

/*
 * Step 16. The summary is indexed as text, as the content is: it was
 * indexed as the HTML it is stored as, so its tags, attribute values and
 * link and image addresses were words ("strong", "href", "jpg", the
 * hosts and paths of its links) that searches and topics found and
 * nobody wrote; they were also a fifth of the summary's tokens in the
 * bench corpus, tokenized at every ingest. The view, the triggers that
 * delete index rows (which must hand FTS5 the text it indexed) and the
 * index are made again.
 */
static const char schema_v16[] =
"DROP VIEW entries_fts_src;"
"CREATE VIEW entries_fts_src AS"
"  SELECT id, title, html_text(summary) AS summary,"
"  html_text(content) AS content, author FROM entries;"
"DROP TRIGGER entries_ad;"
"CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN"
"  INSERT INTO entries_fts(entries_fts, rowid, title, summary, content,"
"  author) VALUES ('delete', old.id, old.title, html_text(old.summary),"
"  html_text(old.content), old.author);"
"END;"
"DROP TRIGGER entries_au;"
"CREATE TRIGGER entries_au AFTER UPDATE OF title, summary, content, author"
"  ON entries BEGIN"
"  INSERT INTO entries_fts(entries_fts, rowid, title, summary, content,"
"  author) VALUES ('delete', old.id, old.title, html_text(old.summary),"
"  html_text(old.content), old.author);"
"  INSERT INTO entries_fts(rowid, title, summary, content, author)"
"  VALUES (new.id, new.title, html_text(new.summary),"
"  html_text(new.content), new.author);"
"END;"
"INSERT INTO entries_fts(entries_fts) VALUES ('rebuild');";

/*
 * Step 17. A summary that leads its content (htmltext_leads: the start of
 * the content's text, less a trailing ellipsis; what most feeds with both
 * send) is not indexed: its words are the content's first ones. They were
 * 12% of the bench corpus' tokens, tokenized at every ingest. Only a
 * search restricted to the summary (summary:) finds less. fts_summary()
 * holds the rule for the view and the triggers that delete index rows;
 * the index is made again.
 */
static const char schema_v17[] =
"DROP VIEW entries_fts_src;"
"CREATE VIEW entries_fts_src AS"
"  SELECT id, title, fts_summary(summary, content) AS summary,"
"  html_text(content) AS content, author FROM entries;"
"DROP TRIGGER entries_ad;"
"CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN"
"  INSERT INTO entries_fts(entries_fts, rowid, title, summary, content,"
"  author) VALUES ('delete', old.id, old.title,"
"  fts_summary(old.summary, old.content), html_text(old.content),"
"  old.author);"
"END;"
"DROP TRIGGER entries_au;"
"CREATE TRIGGER entries_au AFTER UPDATE OF title, summary, content, author"
"  ON entries BEGIN"
"  INSERT INTO entries_fts(entries_fts, rowid, title, summary, content,"
"  author) VALUES ('delete', old.id, old.title,"
"  fts_summary(old.summary, old.content), html_text(old.content),"
"  old.author);"
"  INSERT INTO entries_fts(rowid, title, summary, content, author)"
"  VALUES (new.id, new.title, fts_summary(new.summary, new.content),"
"  html_text(new.content), new.author);"
"END;"
"INSERT INTO entries_fts(entries_fts) VALUES ('rebuild');";

static const struct migration {
	const char	*sql;
	/* After the step committed: what the user must hear of it. */
	void		(*tell)(sqlite3 *db);
} migrations[STORE_SCHEMA_VERSION] = {
	{ schema_v1, NULL },
	{ schema_v2, NULL },
	{ schema_v3, NULL },
	{ schema_v4, NULL },
	{ schema_v5, NULL },
	{ schema_v6, NULL },
	{ schema_v7, tell_dropped_notify },
	{ schema_v8, NULL },
	{ schema_v9, NULL },
	{ schema_v10, NULL },
	{ schema_v11, NULL },
	{ schema_v12, NULL },
	{ schema_v13, NULL },
	{ schema_v14, NULL },
	{ schema_v15, NULL },
	{ schema_v16, NULL },
	{ schema_v17, NULL },
};

static void
html_text_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct buf b;
	const char *html;
	int len;

	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	html = (const char *)sqlite3_value_text(argv[0]);
	len = sqlite3_value_bytes(argv[0]);
	buf_init(&b);
	htmltext_append(&b, html, len);
	len = b.len;
	sqlite3_result_text(ctx, buf_detach(&b), len, free);
}

/*
 * fts_summary(summary, content): what the index holds of a summary, its
 * text, or NULL when it leads the content's (htmltext.h). Of the content
 * only as much text is made as the comparison reads: the statements that
 * call this make the content's whole text with html_text() as well.
 */
static void
fts_summary_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct buf summary, content;
	const char *html;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	buf_init(&summary);
	buf_init(&content);
	html = (const char *)sqlite3_value_text(argv[0]);
	htmltext_append(&summary, html, (size_t)sqlite3_value_bytes(argv[0]));
	if (sqlite3_value_type(argv[1]) != SQLITE_NULL) {
		html = (const char *)sqlite3_value_text(argv[1]);
		htmltext_append_max(&content, html,
		    (size_t)sqlite3_value_bytes(argv[1]), summary.len + 1);
	}
	if (htmltext_leads(summary.data, summary.len, content.data,
	    content.len)) {
		sqlite3_result_null(ctx);
		buf_free(&summary);
	} else {
		size_t len = summary.len;

		sqlite3_result_text(ctx, buf_detach(&summary), (int)len, free);
	}
	buf_free(&content);
}

static void
title_key_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *title;
	int64_t key;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    (title = (const char *)sqlite3_value_text(argv[0])) == NULL ||
	    !store_title_key(title, (size_t)sqlite3_value_bytes(argv[0]),
	    &key)) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_result_int64(ctx, key);
}

/* category_within(cat, parent): category.h's rule, for listings. */
static void
category_within_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int(ctx, category_within(
	    (const char *)sqlite3_value_text(argv[0]),
	    (const char *)sqlite3_value_text(argv[1])));
}

int
store_schema_functions(sqlite3 *db)
{
	const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC |
	    SQLITE_INNOCUOUS;

	if (sqlite3_create_function_v2(db, "html_text", 1, flags, NULL,
	    html_text_fn, NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_create_function_v2(db, "fts_summary", 2, flags, NULL,
	    fts_summary_fn, NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_create_function_v2(db, "category_within", 2, flags, NULL,
	    category_within_fn, NULL, NULL, NULL) != SQLITE_OK)
		return -1;
	return sqlite3_create_function_v2(db, "title_key", 1, flags, NULL,
	    title_key_fn, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int
get_int(sqlite3 *db, const char *sql, int64_t *ret)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	*ret = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int
run_step(sqlite3 *db, int version, const char *sql, char *err, size_t errlen)
{
	char pragma[64];

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		goto fail_rollback;
	/* PRAGMAs take no parameters; these numbers are our own constants. */
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version);
	if (sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK)
		goto fail_rollback;
	snprintf(pragma, sizeof(pragma), "PRAGMA application_id = %d",
	    STORE_APPLICATION_ID);
	if (sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK)
		goto fail_rollback;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail_rollback;
	return 0;
fail_rollback:
	snprintf(err, errlen, "schema migration to version %d: %s", version,
	    sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
fail:
	snprintf(err, errlen, "schema migration to version %d: %s", version,
	    sqlite3_errmsg(db));
	return -1;
}

/* Re-derives the FTS index when html_text() changed its output. */
static int
check_htmltext(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int64_t v = 0;
	int rc = -1;

	if (get_int(db, "SELECT value FROM meta WHERE key = 'htmltext'",
	    &v) == -1)
		goto fail;
	if (v == HTMLTEXT_VERSION)
		return 0;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE;"
	    "INSERT INTO entries_fts(entries_fts) VALUES ('rebuild');",
	    NULL, NULL, NULL) != SQLITE_OK)
		goto fail_rollback;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value)"
	    " VALUES ('htmltext', ?)", -1, &st, NULL) != SQLITE_OK)
		goto fail_rollback;
	sqlite3_bind_int(st, 1, HTMLTEXT_VERSION);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail_rollback;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail_rollback;
	rc = 0;
	goto out;
fail_rollback:
	snprintf(err, errlen, "rebuilding the full-text index: %s",
	    sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	goto out;
fail:
	snprintf(err, errlen, "reading the schema: %s", sqlite3_errmsg(db));
out:
	sqlite3_finalize(st);
	return rc;
}

int
store_schema_migrate(sqlite3 *db, char *err, size_t errlen)
{
	int64_t version, appid;
	int v;

	if (get_int(db, "PRAGMA user_version", &version) == -1 ||
	    get_int(db, "PRAGMA application_id", &appid) == -1) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	if (appid != 0 && appid != STORE_APPLICATION_ID) {
		snprintf(err, errlen, "not a feedd database (application_id "
		    "%lld)", (long long)appid);
		return -1;
	}
	if (version > STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "database schema version %lld is newer "
		    "than this feedd supports (%d); run a newer feedd",
		    (long long)version, STORE_SCHEMA_VERSION);
		return -1;
	}
	for (v = version + 1; v <= STORE_SCHEMA_VERSION; v++) {
		if (run_step(db, v, migrations[v - 1].sql, err, errlen) == -1)
			return -1;
		if (migrations[v - 1].tell != NULL)
			migrations[v - 1].tell(db);
	}
	return check_htmltext(db, err, errlen);
}
