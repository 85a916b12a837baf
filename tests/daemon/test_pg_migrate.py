"""feedd migrate: a SQLite store made by the real daemon (polls of a local
feed server, topics, read and starred marks, a token, a user, a cursor,
a hook's waiting alerts)
copied into the suite's PostgreSQL; a run stopped after a few batches,
and one SIGKILLed inside a batch, then run again, finish the copy; a
third run copies nothing and counts the same; then feedd on the PostgreSQL database answers as it did on SQLite:
the same entries with the same ids, topics and their matches, marks,
unread counts, cursor, the API token over TCP, a user's password (the
same Google Reader token) and Fever key, and new ids after the old.
Targets holding another store's copy or another feedd's data are refused,
and bad arguments get a clear error."""
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse

import pgserver
from feeddtest import (FEEDD, SRCDIR, Daemon, TempDir, check, done, free_port,
                       http_tcp, http_unix, rss)

tmp = TempDir()
root = tmp.join("www")
os.makedirs(root)
tmp.write("www/ua.xml", rss("ua", [
    ("Коаліція погодила бюджет %d" % i, "Парламент проголосував %d." % i)
    for i in range(12)] + [
    ("Grid repairs in Kharkiv", "Crews restored power.",
     "https://news.example/grid?utm_source=ua")]))
tmp.write("www/en.xml", rss("en", [
    ("Grid repairs in Kharkiv, a copy", "Power is back.",
     "https://news.example/grid")] + [
    ("Café owners report a busy summer %d" % i, "Tourism up %d." % i)
    for i in range(10)]))
tmp.write("www/other.xml", rss("other", [("Other news", "Elsewhere.")]))

srv = subprocess.Popen([sys.executable, os.path.join(SRCDIR, "feedserver.py"),
                        "--root", root], stdout=subprocess.PIPE, text=True)
base = "http://127.0.0.1:%d" % int(srv.stdout.readline().split()[1])
port = free_port()

CONF = """
[feedd]
log_level = info
default_interval = 1h
listen = 127.0.0.1:%(port)d

[feed "ua"]
url = %(base)s/feeds/ua.xml

[feed "en"]
url = %(base)s/feeds/en.xml

[topic "koalitsiya"]
query = коаліці*

[topic "grid"]
query = grid
notify = down

# Nothing listens there: its alerts wait in the store, to be copied.
[hook "down"]
url = http://127.0.0.1:%(down)d/in
""" % {"base": base, "port": port, "down": free_port()}


def wait_for(pred, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if pred():
                return True
        except (RuntimeError, ValueError, KeyError, TypeError):
            pass
        time.sleep(0.2)
    return False


def api(d, method, path, body=None):
    code, doc, _ = http_unix(d.socket, method, path, body)
    return code, doc


def seen_by(d):
    """What a reader sees: entries, topics with their matches, feeds'
    unread counts, the starred list, the cursor."""
    out = {}
    code, doc = api(d, "GET", "/v1/entries?limit=1000")
    out["entries"] = doc["entries"]
    code, doc = api(d, "GET", "/v1/topics")
    out["topics"] = [(t["name"], t.get("match_count"), t.get("unread"))
                     for t in doc["topics"]]
    for t in doc["topics"]:
        code, m = api(d, "GET", "/v1/entries?limit=1000&topic=" +
                      urllib.parse.quote(t["name"]))
        out["matches " + t["name"]] = [e["id"] for e in m["entries"]]
    code, doc = api(d, "GET", "/v1/feeds")
    out["feeds"] = [(f["id"], f["url"], f.get("unread"), f.get("entry_count"))
                    for f in doc["feeds"]]
    for q in ("коаліці*", "\"busy summer\"", "title:grid", "cafe"):
        code, doc = api(d, "GET", "/v1/entries?limit=1000&q=" +
                        urllib.parse.quote(q))
        out["search " + q] = [e["id"] for e in doc["entries"]]
    code, doc = api(d, "GET", "/v1/entries?limit=1000&starred=1")
    out["starred"] = [e["id"] for e in doc["entries"]]
    code, doc = api(d, "GET", "/v1/cursors/reader")
    out["cursor"] = doc
    code, doc = api(d, "GET", "/v1/users")
    out["users"] = doc
    code, doc = api(d, "GET", "/v1/hooks/down")
    out["hook pending"] = doc.get("pending")
    return out


def migrate(*args):
    return subprocess.run([FEEDD, "migrate", *args], capture_output=True,
                          text=True, timeout=120)


# The SQLite store, made by the daemon.
d = Daemon(tmp, CONF)
d.start()
check(wait_for(lambda: len(api(d, "GET", "/v1/entries?limit=1000")[1]
                           ["entries"]) == 24),
      "feedd on SQLite stored both feeds' 24 entries", d.read_log())
ids = sorted(e["id"] for e in api(d, "GET", "/v1/entries?limit=1000")[1]
             ["entries"])
for i in ids[:5]:
    code, doc = api(d, "PUT", "/v1/entries/%d" % i, {"read": True})
    check(code == 200, "entry %d marked read" % i, doc)
code, doc = api(d, "PUT", "/v1/entries/%d" % ids[7], {"starred": True})
check(code == 200, "an entry starred", doc)
code, doc = api(d, "PUT", "/v1/cursors/reader", {"value": ids[3]})
check(code in (200, 204), "a cursor kept", doc)
code, doc = api(d, "POST", "/v1/tokens", {"name": "app"})
check(code == 201, "a token made", doc)
token = doc["token"]
code, doc = api(d, "POST", "/v1/users", {"name": "anna",
                                         "password": "correct horse 1",
                                         "fever": True})
check(code == 201, "a user made, with a password and a Fever key", doc)
FEVER_KEY = hashlib.md5(b"anna:correct horse 1").hexdigest()


def greader_login():
    """The Google Reader API's Auth token for anna, or None."""
    rr, _, raw = http_tcp(port, "POST", "/accounts/ClientLogin", [
        ("Content-Type", "application/x-www-form-urlencoded")],
        urllib.parse.urlencode({"Email": "anna",
                                "Passwd": "correct horse 1"}))
    lines = dict(x.split("=", 1) for x in raw.decode().splitlines()
                 if "=" in x)
    return lines.get("Auth") if rr.status == 200 else None


def fever_auth():
    rr, _, raw = http_tcp(port, "POST", "/fever/?api", [
        ("Content-Type", "application/x-www-form-urlencoded")],
        "api_key=" + FEVER_KEY)
    return rr.status, json.loads(raw).get("auth")


auth = greader_login()
check(auth is not None, "anna logs in to the Google Reader API", auth)
before = seen_by(d)
check(before["starred"] == [ids[7]] and before["topics"] and
      before["hook pending"] == 1 and
      len(before["search коаліці*"]) == 12 and len(before["search cafe"]) == 10,
      "the SQLite daemon's view has marks and topics", before)
check(d.stop() == 0, "feedd on SQLite stops")
db = d.database

# A second SQLite store, for a target that holds another store's copy.
d2 = Daemon(tmp, "[feedd]\n[feed \"other\"]\nurl = %s/feeds/other.xml\n"
            % base, name="other")
r = subprocess.run(d2.args + ["--once"], capture_output=True, text=True,
                   timeout=60)
check(r.returncode == 0, "a second SQLite store made by feedd --once",
      r.stderr)

with pgserver.PgServer() as pg:
    for name in ("feedd", "other", "used"):
        pg.create_database(name)
    uri = pg.uri("feedd")

    # Arguments.
    r = migrate("--from", db)
    check(r.returncode == 2 and "--to" in r.stderr,
          "migrate without --to: usage error", r.stderr)
    r = migrate("--from", db, "--to", tmp.join("x.db"))
    check(r.returncode == 1 and "PostgreSQL" in r.stderr,
          "a SQLite target is refused", r.stderr)
    r = migrate("--from", tmp.join("missing.db"), "--to", uri)
    check(r.returncode == 1 and "missing.db" in r.stderr,
          "a missing source is refused, named", r.stderr)
    r = migrate("--from", db, "--to", uri, "--batch-size", "0")
    check(r.returncode == 2 and "--batch-size" in r.stderr,
          "--batch-size 0 is refused", r.stderr)

    # Stopped after 6 batches of 3 rows (users, meta, feeds, topics, and
    # two of entries): some rows there, not all.
    r = migrate("--from", db, "--to", uri, "--batch-size", "3",
                "--max-batches", "6")
    check(r.returncode == 3 and "run again" in r.stdout,
          "--max-batches 6 stops the copy (exit 3)", (r.stdout, r.stderr))
    n_feeds = int(pg.psql("SELECT count(*) FROM feeds", "feedd").strip())
    n_entries = int(pg.psql("SELECT count(*) FROM entries", "feedd").strip())
    check(n_feeds == 2 and 0 < n_entries < 24,
          "the stopped copy holds part of the entries", (n_feeds, n_entries))

    # SIGKILLed in the middle of a batch: another session holds an
    # uncommitted copy of the 11th entry, so the run commits entries 7-9
    # and waits inside the batch of 10-12, where it is killed.
    lite = sqlite3.connect(db)
    row = lite.execute("SELECT id, feed_id, key_hash, content_hash, fetched"
                       " FROM entries ORDER BY id LIMIT 1 OFFSET 10"
                       ).fetchone()
    lite.close()
    blocker = subprocess.Popen(
        [os.path.join(pgserver.PG_BINDIR, "psql"), "--no-psqlrc", "--quiet",
         "--set", "ON_ERROR_STOP=1", "--dbname", pg.conninfo("feedd")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    blocker.stdin.write("BEGIN;\nINSERT INTO entries(id, feed_id, key_hash,"
                        " content_hash, fetched) VALUES (%d, %d, %d, %d, %d);"
                        "\n\\echo held\n" % row)
    blocker.stdin.flush()
    check(blocker.stdout.readline().strip() == "held",
          "another session holds the 11th entry")
    killed = subprocess.Popen([FEEDD, "migrate", "--from", db, "--to", uri,
                               "--batch-size", "3"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    waiting = wait_for(lambda: pg.psql(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'feedd'"
        " AND wait_event_type = 'Lock'", "feedd").strip() == "1")
    check(waiting and killed.poll() is None,
          "the run waits inside the batch of entries 10-12")
    killed.kill()
    killed.wait()
    blocker.stdin.write("ROLLBACK;\n")
    blocker.stdin.close()
    blocker.wait()
    n_entries = int(pg.psql("SELECT count(*) FROM entries", "feedd").strip())
    check(n_entries == 9, "after SIGKILL, the committed batches stay and the"
          " batch in flight is gone", n_entries)

    # A row PostgreSQL refuses mid-batch (a constraint the test adds):
    # the run stops with its message, the batch is undone, the ones
    # before it stay.
    pg.psql("ALTER TABLE entries ADD CONSTRAINT test_refuses CHECK"
            " (id <> %d)" % ids[15], "feedd")
    r = migrate("--from", db, "--to", uri, "--batch-size", "5")
    check(r.returncode == 1 and "test_refuses" in r.stderr,
          "a refused row fails the run, with PostgreSQL's message",
          (r.stdout, r.stderr))
    n_entries = int(pg.psql("SELECT count(*) FROM entries", "feedd").strip())
    check(n_entries == 14, "the batches before it stay, its own is undone",
          n_entries)
    pg.psql("ALTER TABLE entries DROP CONSTRAINT test_refuses", "feedd")

    # Another store's copy in "other"; then ours is refused there.
    r = migrate("--from", d2.database, "--to", pg.uri("other"))
    check(r.returncode == 0, "the second store copied", (r.stdout, r.stderr))
    r = migrate("--from", db, "--to", pg.uri("other"))
    check(r.returncode == 1 and "another SQLite store" in r.stderr,
          "a target holding another store's copy is refused", r.stderr)
    rows = pg.psql("SELECT count(*) FROM entries", "other").strip()
    check(rows == "1", "the refused target is unchanged", rows)

    # A count that differs: a feed added to the copy behind its back.
    pg.psql("INSERT INTO feeds(url, origin, created) VALUES"
            " ('https://added.example/feed', 'api', 0)", "other")
    r = migrate("--from", d2.database, "--to", pg.uri("other"))
    check(r.returncode == 1 and re.search(
        r"^feeds\s+1\s+2\s+DIFFERENT$", r.stdout, re.M) and
        "counts differ" in r.stderr,
        "a count that differs is shown and fails the run", (r.stdout,
                                                             r.stderr))

    # A feedd's own data in "used": refused.
    d3 = Daemon(tmp, "[feedd]\n[feed \"other\"]\nurl = %s/feeds/other.xml\n"
                % base, name="used", extra_args=("--database",
                                                 pg.uri("used")))
    r = subprocess.run(d3.args + ["--once"], capture_output=True, text=True,
                       timeout=60)
    check(r.returncode == 0, "feedd --once stored into 'used'", r.stderr)
    r = migrate("--from", db, "--to", pg.uri("used"))
    check(r.returncode == 1 and "already holds a feedd's data" in r.stderr,
          "a target with another feedd's data is refused", r.stderr)

    # Run again: finishes, counts equal.
    r = migrate("--from", db, "--to", uri, "--batch-size", "5")
    check(r.returncode == 0 and "every count is the same" in r.stdout,
          "the resumed copy finishes with equal counts", (r.stdout, r.stderr))
    for line in r.stdout.splitlines():
        print("# " + line)
    m = re.search(r"^entries\s+(\d+)\s+(\d+)\s*$", r.stdout, re.M)
    check(m is not None and m.group(1) == m.group(2) == "24",
          "the counts are printed per table", r.stdout)
    check(re.search(r"^entries\s+24 of 24 rows", r.stdout, re.M),
          "progress is printed", r.stdout)

    # A third run: nothing to copy.
    r = migrate("--from", db, "--to", uri)
    check(r.returncode == 0 and "(0 rows copied" in r.stdout,
          "a run over a finished copy copies nothing", (r.stdout, r.stderr))

    # The PostgreSQL store under feedd: the same view.
    dp = Daemon(tmp, CONF, extra_args=("--database", uri), name="pg")
    dp.start()
    after = seen_by(dp)
    for k in before:
        check(after[k] == before[k], "on PostgreSQL, the same %s" % k,
              (before[k], after[k]))
    rr, doc, _ = http_tcp(port, "GET", "/v1/entries?limit=5",
                          [("Authorization", "Bearer " + token)])
    check(rr.status == 200 and len(doc["entries"]) == 5,
          "the copied token works over TCP", doc)
    rr, doc, _ = http_tcp(port, "GET", "/v1/entries?limit=5",
                          [("Authorization", "Bearer nope")])
    check(rr.status == 401, "a wrong token still does not", doc)
    check(greader_login() == auth, "anna's password logs in on "
          "PostgreSQL, and her Google Reader token is the same")
    rr, _, raw = http_tcp(port, "GET", "/reader/api/0/user-info", [
        ("Authorization", "GoogleLogin auth=" + auth)])
    check(rr.status == 200 and b"anna" in raw,
          "the Google Reader token an app holds still works", raw)
    check(fever_auth() == (200, 1), "anna's Fever key still works")

    # New ids go on after the copied ones.
    tmp.write("www/en.xml", rss("en", [
        ("Grid repairs in Kharkiv, a copy", "Power is back.",
         "https://news.example/grid")] + [
        ("Café owners report a busy summer %d" % i, "Tourism up %d." % i)
        for i in range(10)] + [("A new item after the move", "New.")]))
    en = [f for f in after["feeds"] if f[1].endswith("/en.xml")][0][0]
    code, doc = api(dp, "POST", "/v1/feeds/%d/poll" % en)
    check(code in (200, 202), "a poll asked for", doc)
    check(wait_for(lambda: any(
        e["title"] == "A new item after the move"
        for e in api(dp, "GET", "/v1/entries?limit=1000")[1]["entries"])),
        "the new item is stored on PostgreSQL", dp.read_log())
    new = [e for e in api(dp, "GET", "/v1/entries?limit=1000")[1]["entries"]
           if e["title"] == "A new item after the move"][0]
    check(new["id"] > max(ids), "the new entry's id comes after the copied",
          (new["id"], max(ids)))
    check(dp.stop() == 0, "feedd on PostgreSQL stops")

srv.terminate()
srv.wait()
done()
