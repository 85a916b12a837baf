"""The scheduler in a running feedd, as a user sees it: the plan survives a
restart, requests to one host are spaced by host_gap, errors back off,
<ttl> and Cache-Control slow polling down, new entries arrive on their own,
and a feed added on SIGHUP is polled. Request times are read from the
suite's HTTP server, feed state from the SQLite file."""
import atexit
import signal
import sqlite3
import time

from feeddtest import Daemon, TempDir, check, done
from test_api_lib import FeedServer, rss, wait_until

tmp = TempDir()
srv = FeedServer(tmp.join("www"))
atexit.register(srv.stop)


def stats(path):
    return srv.control("/_control/stats").get(path, {"count": 0, "times": []})


def feeds(d):
    c = sqlite3.connect("file:%s?mode=ro" % d.database, uri=True)
    c.row_factory = sqlite3.Row
    rows = {r["config_name"]: dict(r) for r in c.execute("SELECT * FROM feeds")}
    c.close()
    return rows


for i in range(4):
    srv.write("p%d.xml" % i, rss("p%d" % i, [1, 2]))
srv.write("ttl.xml", rss("ttl", [1]).replace(
    "<description>d</description>", "<description>d</description>"
    "<ttl>10</ttl>"))
srv.control("/_control/route", {"path": "/cached", "status": 200,
                                "headers": {"Cache-Control": "max-age=120"},
                                "body": rss("cached", [1])})
srv.dyn_add("live", "first")

conf = """[feedd]
log_level = debug
min_interval = 1s
default_interval = 2s
max_interval = 1h
host_gap = 1s
max_per_host = 1
max_connections = 8
""" + "".join('\n[feed "p%d"]\nurl = %s\ninterval = 1h\n' % (i, srv.url(
    "p%d.xml" % i)) for i in range(4)) + """
[feed "failing"]
url = %s/status/500
interval = 1s

[feed "ttl"]
url = %s
interval = 1s

[feed "cached"]
url = %s/cached
interval = 1s

[feed "live"]
url = %s
interval = 1s
""" % (srv.base, srv.url("ttl.xml"), srv.base, srv.dyn_url("live"))

d = Daemon(tmp, conf).start()
paths = ["/feeds/p%d.xml" % i for i in range(4)]
ok_all = wait_until(lambda: all(stats(p)["count"] >= 1 for p in paths), 20)
check(ok_all, "every feed is polled after start-up", d.read_log()[-2000:])

# host_gap = 1s: no two requests to 127.0.0.1 start within ~1 s.
allst = srv.control("/_control/stats")
times = sorted(t for p, s in allst.items() if not p.startswith("/_control")
               for t in s["times"])
gaps = [b - a for a, b in zip(times, times[1:])]
# Server-side arrival times; a loaded machine may delay one arrival a bit.
check(gaps and min(gaps) > 0.75, "requests to one host host_gap apart",
      ["%.2f" % g for g in gaps])

# Errors back off: 1 s, 2 s, 4 s ... (plus up to 25% jitter).
wait_until(lambda: feeds(d)["failing"]["error_count"] >= 3, 30)
f = feeds(d)["failing"]
n = f["error_count"]
check(n >= 3 and 2 ** (n - 1) <= f["cur_interval_s"] <= 2 ** (n - 1) * 1.25 + 1
      and f["next_poll"] - f["last_poll"] >= 2 ** (n - 1),
      "failing feed backs off exponentially", f)
check(f["state"] == "backing_off" and
      "HTTP 500" in (f["last_error"] or ""), "failing feed: backing_off, "
      "last error kept", f)

# Document and HTTP hints slow a feed down, never below them.
f = feeds(d)
check(f["ttl"]["cur_interval_s"] == 600, "<ttl>10</ttl> honoured over a 1s "
      "interval", f["ttl"])
check(f["cached"]["cur_interval_s"] == 120, "Cache-Control max-age honoured",
      f["cached"])

# A new item on a live feed arrives without anyone asking.
srv.dyn_add("live", "second")


def live_entries():
    c = sqlite3.connect("file:%s?mode=ro" % d.database, uri=True)
    n = c.execute("SELECT count(*) FROM entries e JOIN feeds f ON "
                  "f.id = e.feed_id WHERE f.config_name = 'live'").fetchone()
    c.close()
    return n[0] == 2


check(wait_until(live_entries, 20), "a new item is picked up by the next "
      "poll", feeds(d)["live"])

# Restart: the plan (1 h for p0..p3) is resumed, nothing is polled again.
before = {p: stats(p)["count"] for p in paths}
check(d.stop() == 0, "feedd stops cleanly with polls pending")
d.start()
time.sleep(3)
after = {p: stats(p)["count"] for p in paths}
check(before == after, "after a restart the stored plan is resumed, not "
      "re-polled", (before, after))

# A feed added to the config and reloaded is polled.
srv.write("new.xml", rss("new", [1]))
with open(d.config, "a") as fp:
    fp.write('\n[feed "added"]\nurl = %s\n' % srv.url("new.xml"))
d.signal(signal.SIGHUP)
check(wait_until(lambda: stats("/feeds/new.xml")["count"] >= 1, 15),
      "a feed added on SIGHUP is polled", d.read_log()[-2000:])

# A new URL for a feed planned an hour ahead is polled now, not in an hour.
srv.write("p0-new.xml", rss("p0", [1, 2, 3]))
with open(d.config) as fp:
    text = fp.read()
with open(d.config, "w") as fp:
    fp.write(text.replace(srv.url("p0.xml"), srv.url("p0-new.xml")))
d.signal(signal.SIGHUP)
check(wait_until(lambda: stats("/feeds/p0-new.xml")["count"] >= 1, 15),
      "a changed URL is polled at once", d.read_log()[-2000:])

# "Poll now" while that feed's poll is still running (a slow body) is not
# lost: the feed is polled again as soon as the first poll is recorded.
srv.write("slow.xml", rss("slow", [1]))
with open(d.config, "a") as fp:
    fp.write('\n[feed "slowbody"]\nurl = %s/drip?n=4&delay=0.3&feed=slow.xml'
             '\ninterval = 1h\n' % srv.base)
d.signal(signal.SIGHUP)
check(wait_until(lambda: stats("/drip")["count"] >= 1, 15),
      "the slow feed's first poll started", d.read_log()[-2000:])
fid = feeds(d)["slowbody"]["id"]
r = d.ctl("poll", str(fid))
check(r.returncode == 0, "feedctl poll ID while it runs", r.stderr)
check(wait_until(lambda: stats("/drip")["count"] >= 2, 15),
      "the running feed is polled again after it", stats("/drip"))
time.sleep(2.5)
check(stats("/drip")["count"] == 2, "... once, not in a loop",
      stats("/drip"))
check(d.stop() == 0, "SIGTERM: exit 0")
tmp.cleanup()
done()
