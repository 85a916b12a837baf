"""The real daemon on the PostgreSQL store (database = postgresql://...),
against the suite's own PostgreSQL and HTTP server: feeds polled, entries
listed and searched, a topic matched at ingest and one back-filled, a story
carried by two feeds listed once, repeated polls storing nothing twice,
the status naming the database without a password, a query PostgreSQL
cannot answer refused with a 400, and a restart that keeps everything."""
import json
import os
import subprocess
import sys
import time
import urllib.parse

import pgserver
from feeddtest import (FEEDD, SRCDIR, Daemon, TempDir, check, done, http_unix,
                       rss)

tmp = TempDir()
root = tmp.join("www")
os.makedirs(root)
tmp.write("www/ua.xml", rss("ua", [
    ("Коаліція погодила бюджет", "Парламент проголосував."),
    ("Коаліції бракує голосів", "Сесію перенесли."),
    ("Grid repairs in Kharkiv", "Crews restored power.",
     "https://news.example/grid?utm_source=ua"),
]))
tmp.write("www/en.xml", rss("en", [
    ("Grid repairs in Kharkiv, a copy", "Power is back.",
     "https://news.example/grid"),
    ("Café owners report a busy summer", "Tourism up."),
]))

srv = subprocess.Popen([sys.executable, os.path.join(SRCDIR, "feedserver.py"),
                        "--root", root], stdout=subprocess.PIPE, text=True)
base = "http://127.0.0.1:%d" % int(srv.stdout.readline().split()[1])

CONF = """
[feedd]
log_level = info
default_interval = 1h

[feed "ua"]
url = %(base)s/feeds/ua.xml

[feed "en"]
url = %(base)s/feeds/en.xml

[topic "koalitsiya"]
query = коаліці*

[topic "grid"]
query = grid
"""


# The two copies of one story (the same link, normalized).
COPIES = ("Grid repairs in Kharkiv", "Grid repairs in Kharkiv, a copy")


def wait_for(pred, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if pred():
                return True
        except (RuntimeError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    return False


def get(d, path):
    status, _, body = http_unix(d.socket, "GET", path)
    return status, json.loads(body)


def entries(d, query=""):
    status, doc = get(d, "/v1/entries?limit=1000" + query)
    if status != 200:
        raise RuntimeError("%s: %d %s" % (query, status, doc))
    return doc["entries"]


def titles(d, query=""):
    return sorted(e["title"] for e in entries(d, query))


def polled(d):
    feeds = d.ctl_json("feeds")
    feeds = feeds["feeds"] if isinstance(feeds, dict) else feeds
    return len(feeds) == 2 and all(f.get("last_success") for f in feeds)


with pgserver.PgServer() as pg:
    pg.create_database("feedd")
    # A password in the URI (the server's trust rule ignores it) must be
    # shown and logged nowhere.
    SECRET = "pg-secret-7f3a"
    uri = pg.uri("feedd") + "&password=" + SECRET
    d = Daemon(tmp, CONF % {"base": base}, extra_args=("--database", uri))
    try:
        d.start()
        check(wait_for(lambda: polled(d)), "both feeds polled",
              d.read_log()[-3000:])
        check(len(entries(d)) == 5, "five entries stored", titles(d))
        check(wait_for(lambda: titles(d, "&topic=koalitsiya") == sorted([
            "Коаліція погодила бюджет", "Коаліції бракує голосів"])),
            "коаліці* finds both inflections, matched at ingest",
            titles(d, "&topic=koalitsiya"))
        grid = entries(d, "&topic=grid")
        check(len(grid) == 1 and grid[0]["title"] in COPIES,
              "a story carried by two feeds is listed once by the topic",
              grid)
        check(titles(d, "&q=" + urllib.parse.quote("cafe")) ==
              ["Café owners report a busy summer"],
              "a search folds accents as the SQLite store does")
        status, doc = get(d, "/v1/entries?q=" +
                          urllib.parse.quote("NEAR(grid power)"))
        check(status == 400 and "NEAR" in json.dumps(doc),
              "NEAR has no PostgreSQL equivalent: 400 that says so",
              (status, doc))

        copy = [e for e in entries(d) if e["title"] in COPIES and
                e["id"] != grid[0]["id"]][0]
        status, why = get(d, "/v1/why/%d" % copy["id"])
        text = json.dumps(why, ensure_ascii=False)
        check(status == 200 and "grid" in text and
              str(grid[0]["id"]) in text,
              "why: the folded copy names its topic and the entry it was "
              "folded into", (status, why))
        r = d.ctl("topic", "add", "power", "power")
        check(r.returncode == 0, "an API topic added", r.stderr)
        check(wait_for(lambda: len(titles(d, "&topic=power")) == 1 and
                       titles(d, "&topic=power")[0] in COPIES),
              "and back-filled from what is stored, its copy folded",
              titles(d, "&topic=power"))

        status, st = get(d, "/v1/status")
        check(status == 200 and st.get("database", "").startswith(
            "postgresql://") and "feedd" in st["database"],
            "the status names the PostgreSQL database", st)
        check(SECRET not in json.dumps(st) and SECRET not in d.read_log(),
              "without the URI's password, in the status and the log",
              st.get("database"))
        ids = sorted(e["id"] for e in entries(d))

        # Poll again: the same documents store nothing new.
        def last_polls():
            return {f["id"]: f["last_poll"]
                    for f in d.ctl_json("feeds")["feeds"]}

        before = last_polls()
        time.sleep(1.1)
        r = d.ctl("poll")
        check(r.returncode == 0 and wait_for(lambda: all(
            v != before[k] for k, v in last_polls().items())),
            "every feed polled again", (before, last_polls()))
        time.sleep(1)
        check(sorted(e["id"] for e in entries(d)) == ids,
              "repeated polls store nothing twice", entries(d))
    finally:
        d.stop()

    rows = pg.psql("SELECT count(*) FROM entries", "feedd").strip()
    check(rows == "5", "five rows in PostgreSQL", rows)

    d = Daemon(tmp, CONF % {"base": base}, extra_args=("--database", uri))
    try:
        d.start()
        check(sorted(e["id"] for e in entries(d)) == ids,
              "after a restart: the same entries, the same ids")
        check(len(entries(d, "&topic=grid")) == 1 and
              len(entries(d, "&topic=koalitsiya")) == 2 and
              len(titles(d, "&topic=power")) == 1,
              "and the same topics and matches")
        status, _, body = http_unix(d.socket, "GET", "/v1/backup")
        check(status >= 400 and b"pg_dump" in body,
              "a backup is PostgreSQL's own: the answer says so",
              (status, body))
        log = d.read_log()
        check("not available on the PostgreSQL store" not in log,
              "nothing the daemon needed was missing",
              [line for line in log.splitlines() if "not available" in line])
    finally:
        d.stop()

    # A configured topic PostgreSQL cannot answer: refused by the check
    # (which does not connect) and at start-up.
    near = (CONF % {"base": base}) + \
        "\n[topic \"near\"]\nquery = NEAR(grid power)\n"
    conf = tmp.write("check.conf", near)
    r = subprocess.run([FEEDD, "-c", conf, "--check-config", "--database",
                        uri], capture_output=True, text=True)
    check(r.returncode == 1 and "near" in r.stderr and "NEAR" in r.stderr,
          "--check-config refuses it for a PostgreSQL database",
          (r.returncode, r.stdout, r.stderr))
    r = subprocess.run([FEEDD, "-c", conf, "--check-config", "--database",
                        tmp.join("check.db")], capture_output=True, text=True)
    check(r.returncode == 0, "and takes it for a SQLite one",
          (r.returncode, r.stderr))
    d = Daemon(tmp, near, extra_args=("--database", uri), name="near")
    try:
        d.start(wait=False)
        code = d.proc.wait(30)
        log = d.read_log()
        check(code != 0 and "near" in log and "NEAR" in log,
              "a NEAR topic in feedd.conf stops feedd, naming the topic",
              (code, log[-1500:]))
    finally:
        d.stop()
    rows = pg.psql("SELECT count(*) FROM entries", "feedd").strip()
    check(rows == "5", "and nothing stored was lost", rows)

srv.terminate()
srv.wait()
tmp.cleanup()
done()
