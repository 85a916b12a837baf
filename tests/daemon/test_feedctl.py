"""feedctl as a person types it, against the real daemon and a local feed
server: every command's human and --json output, exit codes (0 ok, 1
daemon unreachable or request failed, 2 usage), complete --help, tables
fitted to the terminal with Cyrillic cut on character boundaries,
relative dates, colour only on a terminal without NO_COLOR, and `new`
moving the cursor only when not peeking."""
import json
import os
import re
import sqlite3

from feeddtest import (FEEDCTL, ON_PG, Daemon, TempDir, check, done, feedctl,
                       http_unix, run_on_tty)
from test_api_lib import CONF, FeedServer, rss, wait_until

tmp = TempDir()
srv = FeedServer(tmp.join("www"))
long_title = ("Лідери країн коаліції охочих зустрілися в Парижі, щоб "
              "обговорити гарантії безпеки для України")
items = [(i, "%s %d" % (long_title, i), "coalition of the willing %d" % i)
         for i in range(1, 4)]
url_a = srv.write("a.xml", rss("a", items, title="Українська правда"))
url_b = srv.write("b.xml", rss("b", [1, 2], title="Feed B"))
conf = CONF + """
[topic "coalition"]
query = "coalition of the willing"
"""
d = Daemon(tmp, conf).start()
ANSI = re.compile(r"\x1b\[")

# ---- help and usage -------------------------------------------------------
r = feedctl("--help")
commands = ["status", "feeds", "add", "discover", "rm", "poll", "import",
            "export", "new", "list", "show", "open", "search", "follow",
            "backup", "token", "parse"]
check(r.returncode == 0 and all(("  " + c) in r.stdout for c in commands),
      "feedctl --help lists every command", r.stdout)
check("Exit status" in r.stdout and "NO_COLOR" in r.stdout,
      "--help documents exit codes and colour", r.stdout)
for c in commands:
    r = feedctl(c, "--help")
    check(r.returncode == 0 and r.stdout.startswith("usage: feedctl " + c),
          "feedctl %s --help" % c, r.stdout + r.stderr)
r = feedctl("add", "--help")
check("--interval" in r.stdout and "--title" in r.stdout and "--first" in
      r.stdout, "add --help names its options", r.stdout)
r = feedctl("new", "--help")
check("--peek" in r.stdout and "--client" in r.stdout and "--topic" in
      r.stdout, "new --help names its options", r.stdout)

for args in (("nosuch",), (), ("add",), ("add", "--bogus", "x"),
             ("rm",), ("show",), ("show", "abc"), ("list", "--limit", "0"),
             ("list", "--limit", "5000"), ("list", "extra"),
             ("search",), ("backup",), ("new", "--limit", "x"),
             ("discover",), ("discover", "a", "b"), ("discover", "--x"),
             ("--no-such-global", "status")):
    r = d.ctl(*args)
    check(r.returncode == 2 and r.stderr and not r.stdout.strip(),
          "feedctl %s is a usage error (2, stderr)" % " ".join(args),
          (r.returncode, r.stdout, r.stderr))

r = feedctl("--socket", tmp.join("nothing.sock"), "status")
check(r.returncode == 1 and "not running" in r.stderr,
      "an unreachable daemon is exit 1 with a message", r.stderr)
r = feedctl("--socket", tmp.join("nothing.sock"), "feeds")
check(r.returncode == 1 and r.stdout == "", "feeds too", r.stderr)

# ---- add, feeds -----------------------------------------------------------
r = d.ctl("add", url_a)
check(r.returncode == 0 and "added feed 1" in r.stdout and
      "Українська правда" in r.stdout and "3 entries" in r.stdout,
      "add says what the first poll found", r.stdout + r.stderr)
r = d.ctl("add", url_a)
check(r.returncode == 1 and "already subscribed" in r.stderr and
      "409" in r.stderr, "adding twice fails with the daemon's reason",
      r.stderr)
r = d.ctl("add", "gopher://x")
check(r.returncode == 1 and "http" in r.stderr, "a bad URL is refused",
      r.stderr)
doc = d.ctl_json("add", url_b, "--title", "Bee", "--interval", "15m")
check(doc["feed"]["title"] == "Bee" and doc["feed"]["interval"] == 900,
      "add --title --interval (--json)", doc)
r = d.ctl("add", "--keep", srv.base + "/status/500")
check(r.returncode == 1 and "first poll of" in r.stderr and
      "500" in r.stderr and "stays subscribed" in r.stderr,
      "a failing first poll is reported (1; --keep keeps the feed)",
      (r.stdout, r.stderr))

r = d.ctl("feeds")
lines = r.stdout.splitlines()
check(r.returncode == 0 and lines[0].split()[:5] ==
      ["ID", "STATE", "ENTRIES", "UNREAD", "POLLED"], "feeds prints a table",
      r.stdout)
check("just now" in r.stdout and "backing_off" in r.stdout,
      "feeds shows relative poll times and states", r.stdout)
check(not ANSI.search(r.stdout), "no colour when stdout is not a terminal",
      r.stdout)
doc = d.ctl_json("feeds")
check(len(doc["feeds"]) == 3, "feeds --json", doc)

# ---- list, show, search ---------------------------------------------------
wait_until(lambda: d.ctl_json("list", "--limit", "100")["entries"].__len__()
           == 5)
r = d.ctl("list")
check(r.returncode == 0 and r.stdout.splitlines()[0].split() ==
      ["ID", "DATE", "FEED", "TITLE"] and len(r.stdout.splitlines()) == 6,
      "list prints the entries", r.stdout)
check("2025-11-03" in r.stdout, "old dates show as dates", r.stdout)
doc = d.ctl_json("list", "--feed", "1")
check(len(doc["entries"]) == 3 and doc["next_since"] == max(
    e["id"] for e in doc["entries"]), "list --feed --json", doc)
doc = d.ctl_json("list", "--since", "3", "--limit", "1")
check([e["id"] for e in doc["entries"]] == [4], "list --since --limit", doc)

os.environ["COLUMNS"] = "50"
r = d.ctl("list", "--feed", "1")
del os.environ["COLUMNS"]
widths = [len(line) for line in r.stdout.splitlines()]
check(r.returncode == 0 and max(widths) <= 50,
      "COLUMNS=50: every line fits in 50 characters", widths)
check("…" in r.stdout and "\ufffd" not in r.stdout,
      "long Cyrillic titles are cut on a character with an ellipsis",
      r.stdout)

r = d.ctl("show", "1")
check(r.returncode == 0 and "coalition of the willing" in r.stdout and
      "http://example.org/a/" in r.stdout, "show prints an entry as text",
      r.stdout)
r = d.ctl("show", "999")
check(r.returncode == 1 and "no entry 999" in r.stderr,
      "show of an unknown entry fails (1)", r.stderr)
doc = d.ctl_json("show", "2")
check(doc["id"] == 2 and "content" in doc, "show --json", doc)

r = d.ctl("search", "коаліції")
check(r.returncode == 0 and len(r.stdout.splitlines()) == 4,
      "search finds Cyrillic words", r.stdout)
r = d.ctl("search", "--fts", '"unbalanced')
check(r.returncode == 1 and "unterminated" in r.stderr,
      "a bad query fails with SQLite's message", r.stderr)
r = d.ctl("search", "zzzzqqq")
check(r.returncode == 0 and "no matches" in r.stdout, "no matches", r.stdout)

# ---- new and cursors ------------------------------------------------------
r = d.ctl("new", "--client", "alice", "--peek")
check(r.returncode == 0 and len(r.stdout.splitlines()) == 6,
      "new --peek shows all five", r.stdout)
r = d.ctl("new", "--client", "alice", "--limit", "2")
check(len(r.stdout.splitlines()) == 3, "new --limit 2 shows two", r.stdout)
doc = d.ctl_json("new", "--client", "alice")
check([e["id"] for e in doc["entries"]] == [3, 4, 5] and doc["moved"],
      "new shows the rest and moves the cursor", doc)
r = d.ctl("new", "--client", "alice")
check(r.returncode == 0 and "nothing new" in r.stdout, "then nothing new",
      r.stdout)
r = d.ctl("new")
check(r.returncode == 0 and len(r.stdout.splitlines()) == 6,
      "the default client is the user's own", r.stdout)
r = d.ctl("new", "--topic", "coalition", "--client", "alice")
topic_ok = r.returncode == 0 and len(r.stdout.splitlines()) == 4
check(topic_ok, "new --topic lists the topic's matches", r.stdout + r.stderr)
r = d.ctl("new", "--topic", "nosuch")
check(r.returncode == 1 and "nosuch" in r.stderr, "unknown topic: 1",
      r.stderr)

# ---- poll, rm, backup, export -------------------------------------------
r = d.ctl("poll")
check(r.returncode == 0 and "3 feeds queued" in r.stdout, "poll (all)",
      r.stdout + r.stderr)
r = d.ctl("poll", "2")
check(r.returncode == 0 and "1 feed queued" in r.stdout, "poll ID",
      r.stdout)
r = d.ctl("poll", "77")
check(r.returncode == 1, "poll of an unknown feed: 1", r.stderr)
r = d.ctl("rm", srv.base + "/status/500")
check(r.returncode == 0 and "removed feed 3" in r.stdout, "rm by URL",
      r.stdout + r.stderr)
r = d.ctl("rm", "3")
check(r.returncode == 1 and "no feed 3" in r.stderr, "rm again: 1",
      r.stderr)
r = d.ctl("rm", "http://nowhere.example/")
check(r.returncode == 1 and "no feed has the URL" in r.stderr,
      "rm of an unknown URL: 1", r.stderr)

bpath = tmp.join("copy.db")
r = d.ctl("backup", bpath)
if ON_PG:
    # PostgreSQL's backups are pg_dump's: feedctl says so and writes nothing.
    check(r.returncode == 1 and "pg_dump" in r.stderr and
          not os.path.exists(bpath),
          "backup on PostgreSQL fails (1) naming pg_dump, writes no file",
          (r.returncode, r.stderr, os.path.exists(bpath)))
else:
    n = sqlite3.connect(bpath).execute(
        "select count(*) from entries").fetchone()
    check(r.returncode == 0 and "backup written" in r.stdout and n[0] == 5,
          "backup writes a working copy", (r.stdout, r.stderr, n))
r = d.ctl("backup", tmp.join("no", "such", "dir", "x.db"))
check(r.returncode == 1 and "cannot create" in r.stderr,
      "backup into a missing directory fails (1)", r.stderr)
r = d.ctl("export")
check(r.returncode == 0 and url_a in r.stdout and "<opml" in r.stdout,
      "export", r.stdout)

# ---- status ---------------------------------------------------------------
r = d.ctl("status")
check(r.returncode == 0 and "feedd " in r.stdout and "up " in r.stdout and
      "entries   5" in r.stdout, "status shows the store's counts",
      r.stdout)

# ---- parse (offline) ------------------------------------------------------
fpath = tmp.write("doc.xml", rss("p", [1, 2]))
r = feedctl("parse", fpath)
doc = json.loads(r.stdout) if r.returncode == 0 else {}
check(len(doc.get("entries", [])) == 2 and doc.get("format") == "rss2.0",
      "parse prints the neutral model without a daemon", r.stdout[:200])

# ---- colour on a terminal -------------------------------------------------


def on_tty(args, env):
    code, out, err = run_on_tty([FEEDCTL, "--socket", d.socket, *args],
                                dict(os.environ, **env))
    return out


env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
os.environ.pop("NO_COLOR", None)
out = on_tty(["feeds"], {"COLUMNS": "100"})
check(ANSI.search(out), "colour on a terminal", out)
out = on_tty(["feeds"], {"NO_COLOR": "1", "COLUMNS": "100"})
check(not ANSI.search(out), "no colour with NO_COLOR", out)

check(d.stop() == 0, "daemon stops cleanly")
srv.stop()
done()
