"""A database from before hooks, where an API topic kept a command line in
its notify: the daemon moves the command aside when it opens the file. The
command never runs again, the topic goes on matching, a warning names the
topic once, feedctl and the API show the dropped command until a hook is
set, and then the hook runs."""
import os
import sqlite3

from feeddtest import Daemon, TempDir, check, done, http_unix
from test_api_lib import CONF, FeedServer, wait_until

tmp = TempDir()
srv = FeedServer(tmp.join("www"))
marker = tmp.join("MARKER")
command = "/usr/bin/touch %s" % marker
ran = tmp.join("hook-ran")

d = Daemon(tmp, CONF + """
[hook "desktop"]
command = /bin/sh -c "cat > %s"
""" % ran)


def api(method, path, body=None):
    code, doc, _ = http_unix(d.socket, method, path, body)
    return code, doc


def poll_until(fid, n):
    api("POST", "/v1/feeds/%d/poll" % fid)
    return wait_until(lambda: len(api(
        "GET", "/v1/entries?topic=alerts")[1]["entries"]) >= n, timeout=20)


# Steps 17 (a summary that leads its content left out) and 16 (the summary
# indexed as text; both undone by step 15's view and triggers, the index
# left as it is: the steps make it again), 15 (the fold check's keys once
# per entry), 14 (the feeds' figures in feed_counts), 13 (the matches'
# foreign keys as delete triggers, a feed's topic hits from its entries),
# 12 (match counts kept by the store), 11 (WebSub, the interval's parts),
# 10 (repairs), 9 (alerts of URL hooks) and 8 (users and their state)
# undone, triggers first.
UNDO_STEPS_8_17 = """
    DROP VIEW entries_fts_src;
    CREATE VIEW entries_fts_src AS SELECT id, title, summary,
      html_text(content) AS content, author FROM entries;
    DROP TRIGGER entries_ad;
    CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN
      INSERT INTO entries_fts(entries_fts, rowid, title, summary, content,
      author) VALUES ('delete', old.id, old.title, old.summary,
      html_text(old.content), old.author);
    END;
    DROP TRIGGER entries_au;
    CREATE TRIGGER entries_au AFTER UPDATE OF title, summary, content, author
      ON entries BEGIN
      INSERT INTO entries_fts(entries_fts, rowid, title, summary, content,
      author) VALUES ('delete', old.id, old.title, old.summary,
      html_text(old.content), old.author);
      INSERT INTO entries_fts(rowid, title, summary, content, author)
      VALUES (new.id, new.title, new.summary, html_text(new.content),
      new.author);
    END;
    DROP TABLE match_keys;
    ALTER TABLE topic_matches ADD COLUMN norm_hash INTEGER;
    ALTER TABLE topic_matches ADD COLUMN title_key INTEGER;
    ALTER TABLE topic_matches ADD COLUMN published INTEGER;
    CREATE INDEX topic_matches_norm ON topic_matches(topic_id, norm_hash)
      WHERE norm_hash IS NOT NULL;
    CREATE INDEX topic_matches_title ON topic_matches(topic_id, title_key)
      WHERE title_key IS NOT NULL;
    DROP TRIGGER feeds_counts_ai; DROP TRIGGER feeds_counts_ad;
    DROP TRIGGER feeds_counts_au; DROP TABLE feed_counts;
    DROP TRIGGER entries_matches_ad; DROP TRIGGER topics_matches_ad;
    DROP INDEX entries_fetched;
    CREATE INDEX topic_matches_feed ON topic_matches(feed_id, matched);
    DROP INDEX websub_feed; DROP TABLE websub;
    ALTER TABLE feeds DROP COLUMN interval_note;
    ALTER TABLE feeds DROP COLUMN interval_base_s;
    ALTER TABLE feeds DROP COLUMN interval_base_note;
    ALTER TABLE feeds DROP COLUMN interval_hint_s;
    DROP INDEX topic_matches_feed;
    CREATE TRIGGER topic_matches_count_ai AFTER INSERT ON topic_matches
      WHEN new.dup = 0 BEGIN
      UPDATE topics SET match_count = match_count + 1 WHERE id = new.topic_id;
    END;
    CREATE TRIGGER topic_matches_reads_ai AFTER INSERT ON topic_matches
      WHEN new.dup = 0 BEGIN
      INSERT INTO topic_reads(user_id, topic_id, n)
        SELECT x.user_id, new.topic_id, 1 FROM entry_state x
        WHERE x.entry_id = new.entry_id AND x.read = 1 AND true
        ON CONFLICT(user_id, topic_id) DO UPDATE SET n = n + 1;
    END;
    DROP TABLE hook_alerts;
    DROP TRIGGER entry_state_ai; DROP TRIGGER entry_state_au;
    DROP TRIGGER entry_state_ad; DROP TRIGGER topic_matches_reads_ai;
    DROP TRIGGER topic_matches_reads_ad; DROP TRIGGER topic_matches_reads_au;
    DROP TRIGGER feeds_reads_ad; DROP TRIGGER topics_reads_ad;
    DROP TRIGGER users_ad;
    DROP TABLE entry_state; DROP TABLE feed_reads; DROP TABLE topic_reads;
    DROP TABLE users;
    DROP INDEX entries_story;
    ALTER TABLE entries DROP COLUMN story_id;
    ALTER TABLE api_tokens DROP COLUMN user_id;
    ALTER TABLE feeds DROP COLUMN repairs;
    ALTER TABLE feeds DROP COLUMN repair_note;
"""

WARNING = "store: topic 'alerts': its notify command '%s' is not run" % command

try:
    d.start()
    code, doc = api("POST", "/v1/feeds", {"url": srv.dyn_url("news")})
    fid = doc["feed"]["id"]
    check(d.stop() == 0, "a database of today's schema is made")

    # The file as the version before hooks (6) left it: what steps 7 and
    # later add is not there yet, and an API topic holds a command.
    db = sqlite3.connect(d.database)
    version = 7
    db.executescript(UNDO_STEPS_8_17 + """
        ALTER TABLE topics DROP COLUMN notify_dropped;
        INSERT INTO topics(name, query, origin, notify, created)
            VALUES ('alerts', 'storm', 'api', '%s', 0),
                   ('quiet', 'calm', 'api', NULL, 0);
        PRAGMA user_version = %d;
    """ % (command, version - 1))
    db.commit()
    db.close()

    d.start()
    log = d.read_log()
    check(log.count(WARNING) == 1 and "[hook \"NAME\"]" in log and
          "feedctl topic set 'alerts' --notify NAME" in log and
          "topic 'quiet'" not in log,
          "opening the old file warns once, naming the topic and what to do",
          log[-3000:])
    srv.dyn_add("news", "a storm is coming")
    check(poll_until(fid, 1), "the topic still matches")
    check(not wait_until(lambda: os.path.exists(marker), timeout=3),
          "the old command does not run")

    code, doc = api("GET", "/v1/topics/alerts")
    check(code == 200 and doc["notify"] is None and
          doc["notify_dropped"] == command,
          "the API shows the dropped command, and no hook", doc)
    r = d.ctl("topics")
    check(r.returncode == 0 and "NOTIFY" in r.stdout and
          "not run: /usr/bin/touch" in r.stdout,
          "feedctl topics shows the command as not run", r.stdout)
    check("note: topic 'alerts' no longer runs its notify command" in r.stdout
          and "[hook \"NAME\"]" in r.stdout and
          "feedctl topic set 'alerts' --notify NAME" in r.stdout,
          "and a note says how to run it again", r.stdout)
    r = d.ctl("topic", "show", "alerts")
    check(r.returncode == 0 and "storm" in r.stdout and "not run:" in r.stdout
          and "no longer runs its notify command" in r.stdout,
          "feedctl topic show shows it too", r.stdout)

    # A restart does not warn again.
    check(d.stop() == 0, "the daemon stops")
    d.start()
    check(d.read_log().count(WARNING) == 1, "the warning was logged once",
          d.read_log()[-2000:])

    r = d.ctl("topic", "set", "alerts", "--notify", command)
    check(r.returncode == 1 and "is not one" in r.stderr,
          "feedctl topic set with the command line itself is refused", r.stderr)
    r = d.ctl("topic", "set", "alerts", "--notify", "desktop")
    check(r.returncode == 0 and "notifies hook 'desktop'" in r.stdout and
          "note:" not in r.stdout,
          "feedctl topic set --notify HOOK", r.stdout + r.stderr)
    code, doc = api("GET", "/v1/topics/alerts")
    check(doc["notify"] == "desktop" and doc["notify_dropped"] is None,
          "a hook set clears the dropped command", doc)
    r = d.ctl("topics")
    check("not run:" not in r.stdout and "note:" not in r.stdout and
          "desktop" in r.stdout, "feedctl topics shows the hook", r.stdout)
    srv.dyn_add("news", "another storm")
    check(poll_until(fid, 2), "the next entry is matched")
    check(wait_until(lambda: os.path.exists(ran) and
                     "another storm" in open(ran).read()),
          "the hook runs for it")
    check(not os.path.exists(marker), "the old command never ran")
    check(d.stop() == 0, "the daemon stops cleanly", d.read_log()[-2000:])
finally:
    d.stop()
    srv.stop()

tmp.cleanup()
done()
