"""Retention as a cron user and a daemon user see it: max_entries_per_feed
keeps the newest entries, and pruned entries never come back as new."""
import sqlite3
import subprocess

from feeddtest import FEEDD, ON_PG, TempDir, check, done, pg_psql, store_database

tmp = TempDir()


def rss(n, first=1):
    items = "".join(
        f"<item><title>Item {i}</title><link>https://example.org/{i}</link>"
        f"<guid>urn:item:{i}</guid>"
        f"<pubDate>Mon, 02 Nov 2026 {i % 24:02d}:00:00 GMT</pubDate></item>"
        for i in range(first + n - 1, first - 1, -1))
    return ('<?xml version="1.0"?><rss version="2.0"><channel>'
            f"<title>Retained</title>{items}</channel></rss>")


feed = tmp.write("feed.xml", rss(20))
db = store_database(tmp)
conf = tmp.write("feedd.conf", f"""
[feedd]
max_entries_per_feed = 5
min_interval = 1s

[feed "r"]
url = file://{feed}
""")


def once():
    return subprocess.run([FEEDD, "--once", "-c", conf, "--database", db,
                           "--socket", tmp.join("s.sock")],
                          capture_output=True, text=True, timeout=60)


def titles():
    if ON_PG:
        return pg_psql(db, "SELECT title FROM entries ORDER BY id").split(
            "\n")[:-1]
    c = sqlite3.connect(db)
    try:
        return [r[0] for r in c.execute(
            "SELECT title FROM entries ORDER BY id")]
    finally:
        c.close()


r = once()
check(r.returncode == 0, "feedd --once exits 0", r.stderr)
t = titles()
check(len(t) == 5, "only max_entries_per_feed entries are kept", t)
check(set(t) == {f"Item {i}" for i in range(16, 21)},
      "the kept ones are the newest", t)

# The same document again: the pruned items are remembered, not new.
with open(feed, "a") as f:
    f.write("\n")  # a different body, so it is parsed again
r = once()
check(r.returncode == 0, "second --once exits 0", r.stderr)
t2 = titles()
check(t2 == t, "pruned entries do not come back as new", t2)

# One genuinely new item is stored; the oldest kept one makes room.
tmp.write("feed.xml", rss(21))
r = once()
t3 = titles()
check("Item 21" in t3 and len(t3) == 5, "a new item is stored and the "
      "feed stays at 5", t3)
check("Item 16" not in t3, "the oldest kept entry was pruned", t3)

tmp.cleanup()
done()
