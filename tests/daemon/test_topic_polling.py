"""Topic-aware polling: a feed whose entries of the last 30 days matched
topics is polled sooner than its natural interval says, 1 + W/4 times as
often where W weighs each hit by its age (half as much a week later), at
most 8 times, never below min_interval nor a publisher's <ttl>; a feed
subscribed a week or more that matched nothing in 30 days is polled 3
times less often, never beyond max_interval; a new feed, and a feed whose
interval is configured, keep theirs; the feeds' listing says why each
interval is what it is (`default 1h; topic hits: 3 in 30d, weight 3.0 →
34m17s`). Burst mode: a topic's first match in 30 minutes brings forward
the polls of the feeds that carried it before (not those polled within
min_interval, nor those a WebSub hub pushes), within 3 minutes, once; all
bursts at most 200 polls an hour, and the log says when a story found that
spent."""
import time
from feeddtest import Daemon, TempDir, check, done, http_unix, store_exec
from test_api_lib import FeedServer, wait_until


def rss(name, items, channel_extra=""):
    """An RSS 2.0 document of undated items (guid, title, description):
    its natural interval is default_interval."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0">'
           '<channel><title>%s</title><link>http://example.org/%s/</link>'
           '<description>d</description>%s' % (name, name, channel_extra)]
    for guid, title, desc in items:
        out.append('<item><guid>%s-%s</guid><title>%s</title>'
                   '<link>http://example.org/%s/%s</link>'
                   '<description>%s</description></item>'
                   % (name, guid, title, name, guid, desc))
    out.append("</channel></rss>\n")
    return "".join(out)


tmp = TempDir()
srv = FeedServer(tmp.join("www"))
srv.write("hot.xml", rss("hot", [("1", "storm over the bay", "a"),
                                 ("2", "storm reaches town", "b"),
                                 ("3", "after the storm", "c"),
                                 ("4", "gardening", "d")]))
srv.write("cold.xml", rss("cold", [("1", "gardening", "a"),
                                   ("2", "cooking", "b")]))
srv.write("burst.xml", rss("burst", [(str(i), "storm %d" % i, "x")
                                     for i in range(30)]))
srv.write("slow.xml", rss("slow", [("1", "storm and ttl", "a")],
                          "<ttl>120</ttl>"))
srv.write("fixed.xml", rss("fixed", [("1", "storm fixed", "a")]))
conf = """
[feedd]
log_level = info
default_interval = 1h
min_interval = 10m
max_interval = 2h
host_gap = 0s

[feed "fixed"]
url = %s
interval = 1h

[topic "storm"]
query = storm

[topic "quake"]
query = quake

[topic "flood"]
query = flood
""" % srv.url("fixed.xml")
d = Daemon(tmp, conf).start()
S = d.socket


def api(method, path, body=None):
    code, doc, _ = http_unix(S, method, path, body=body)
    return code, doc


def feed(fid):
    return api("GET", "/v1/feeds/%d" % fid)[1]


def poll(fid):
    """Polls the feed now and returns it once the poll is recorded."""
    before = feed(fid)["last_poll"]
    n = len(feed(fid)["polls"])
    api("POST", "/v1/feeds/%d/poll" % fid)
    return wait_until(lambda: (lambda f: f if len(f["polls"]) > n
                               else None)(feed(fid)), timeout=15) or \
        feed(fid)


def epoch(iso):
    return time.mktime(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")) - \
        time.timezone


ids = {}
for name in ("hot", "cold", "burst", "slow"):
    code, doc = api("POST", "/v1/feeds", {"url": srv.url(name + ".xml")})
    check(code == 201, "added " + name, doc)
    ids[name] = doc["feed"]["id"]

# The first poll stores the entries; the topic matches them in the same
# group, after the poll was planned: once the matches are stored, the feed
# is planned again with them.
f = wait_until(lambda: (lambda f: f if f["current_interval"] != 3600
                        else None)(feed(ids["hot"])), timeout=10) or \
    feed(ids["hot"])
check(f["interval_note"] ==
      "default 1h; topic hits: 3 in 30d, weight 3.0 → 34m17s" and
      f["current_interval"] == 2057 and
      epoch(f["next_poll"]) <= epoch(f["last_poll"]) + 2057 * 1.05 + 1,
      "three topic hits in its first poll: planned again, 1 + 3/4 times "
      "as often", f)

f = poll(ids["hot"])
check(f["interval_note"] ==
      "default 1h; topic hits: 3 in 30d, weight 3.0 → 34m17s" and
      f["current_interval"] == 2057,
      "the next poll plans with the same hits", f)
f = poll(ids["hot"])
check(f["current_interval"] == 2057 and f["polls"][0]["http_status"] == 304,
      "a poll that parses nothing (304) keeps the same reasoning", f)

f = poll(ids["cold"])
check(f["interval_note"] == "default 1h" and f["current_interval"] == 3600,
      "a feed subscribed today without topic hits keeps its natural "
      "interval", f)

f = poll(ids["burst"])
check(f["interval_note"] == "default 1h; topic hits: 30 in 30d, weight "
      "30.0 → 7m30s; min_interval 10m" and f["current_interval"] == 600,
      "many hits: at most 8 times as often, never below min_interval", f)

f = poll(ids["slow"])
check(f["interval_note"] == "default 1h; topic hits: 1 in 30d, weight 1.0 "
      "→ 48m; publisher asks 2h" and f["current_interval"] == 7200,
      "the publisher's <ttl> still wins over topic hits", f)

fixed = [x for x in api("GET", "/v1/feeds")[1]["feeds"]
         if x["config_name"] == "fixed"][0]
wait_until(lambda: feed(fixed["id"])["last_poll"])
f = poll(fixed["id"])
check(f["interval_note"] == "configured 1h" and f["current_interval"] == 3600,
      "a configured interval is kept as configured", f)

r = d.ctl("feeds")
check("topic hits: 3 in 30d, weight 3.0 → 34m17s" in r.stdout,
      "feedctl feeds says why a feed is polled sooner", r.stdout)

# ---- a week later -----------------------------------------------------------

srv.write("q1.xml", rss("q1", [("1", "quake in the north", "a")]))
srv.write("q2.xml", rss("q2", [("1", "quake aftershocks", "a")]))
srv.write("q3.xml", rss("q3", [("1", "weather", "a")]))
srv.write("q4.xml", rss("q4", [("1", "quake maps", "a")]))
srv.write("q5.xml", rss("q5", [("1", "quake relief", "a")]))
for name in ("q1", "q2", "q3", "q4", "q5"):
    code, doc = api("POST", "/v1/feeds", {"url": srv.url(name + ".xml")})
    ids[name] = doc["feed"]["id"]
wait_until(lambda: all(feed(ids[n])["last_poll"]
                       for n in ("q1", "q2", "q3", "q4", "q5")))
check(d.stop() == 0, "daemon stops cleanly")
# Every feed subscribed 8 days ago and last polled an hour ago, but q4
# polled just now; the hot feed's entries fetched a week ago; the
# topics' matches two days old: they have been quiet since. q5's news
# come from a WebSub hub (an active subscription).
DAY = 86400
now = int(time.time())
store_exec(d.database, [
    "UPDATE feeds SET created = created - 8 * %d, last_poll = CASE"
    " WHEN id = %d THEN %d ELSE last_poll - 3600 END"
    % (DAY, ids["q4"], int(time.time())),
    "UPDATE entries SET fetched = fetched - 7 * %d WHERE feed_id = %d"
    % (DAY, ids["hot"]),
    "UPDATE topic_matches SET matched = matched - CASE"
    " WHEN feed_id = %d THEN 7 * %d ELSE 2 * %d END"
    % (ids["hot"], DAY, DAY),
    "INSERT INTO websub (feed_id, callback, hub, topic, secret, state,"
    " lease_until, created) VALUES (%d, 'q5cb', 'http://127.0.0.1:1/hub',"
    " '%s', 's', 'active', %d, %d)"
    % (ids["q5"], srv.url("q5.xml"), now + 30 * DAY, now)])
d.start()

f = poll(ids["hot"])
check(f["interval_note"] ==
      "default 1h; topic hits: 3 in 30d, weight 1.5 → 43m38s" and
      f["current_interval"] == 2618,
      "a week later the same hits weigh half as much", f)
f = poll(ids["cold"])
check(f["interval_note"] == "default 1h; no topic hits in 30d → 2h" and
      f["current_interval"] == 7200,
      "a feed subscribed a week ago without topic hits is relaxed 3 times, "
      "never beyond max_interval", f)
srv.write("cold.xml", rss("cold", [("3", "storm at last", "c"),
                                   ("1", "gardening", "a"),
                                   ("2", "cooking", "b")]))
f = poll(ids["cold"])
f = wait_until(lambda: (lambda f: f if f["current_interval"] != 7200
                        else None)(feed(ids["cold"])), timeout=10) or \
    feed(ids["cold"])
check(f["interval_note"] ==
      "default 1h; topic hits: 1 in 30d, weight 1.0 → 48m" and
      f["current_interval"] == 2880 and
      epoch(f["next_poll"]) <= epoch(f["last_poll"]) + 2880 * 1.05 + 1,
      "its first hit ends that at once, and says so", f)

# ---- burst mode -------------------------------------------------------------

due = {n: feed(ids[n])["next_poll"] for n in ("q1", "q2", "q4", "q5")}
srv.write("q3.xml", rss("q3", [("2", "quake hits the coast", "b"),
                               ("1", "weather", "a")]))
t0 = time.time()
poll(ids["q3"])
log = wait_until(lambda: (lambda t: t if "topic 'quake' matched after 30m "
                          "without: 2 feeds that carried it before polled "
                          "within 3m" in t else None)(
    d.read_log()), timeout=10)
check(log, "a topic's first match in 30 minutes starts a burst",
      d.read_log()[-1500:])



soon = [epoch(feed(ids[n])["next_poll"]) for n in ("q1", "q2")]
check(all(x <= t0 + 185 for x in soon),
      "the feeds that carried the topic are polled within 3 minutes",
      (due, [feed(ids[n])["next_poll"] for n in ("q1", "q2")]))
check(feed(ids["q4"])["next_poll"] == due["q4"],
      "a carrier polled within min_interval keeps its plan",
      (due["q4"], feed(ids["q4"])["next_poll"]))
check(feed(ids["q5"])["pushed_until"] is not None and
      feed(ids["q5"])["next_poll"] == due["q5"],
      "a carrier whose hub pushes keeps its plan: its news come without "
      "a poll", (due["q5"], feed(ids["q5"])))
check(epoch(feed(ids["cold"])["next_poll"]) > t0 + 600,
      "feeds that never carried it keep their plan")
srv.write("q3.xml", rss("q3", [("3", "quake again", "c"),
                               ("2", "quake hits the coast", "b"),
                               ("1", "weather", "a")]))
poll(ids["q3"])
time.sleep(1)
check(d.read_log().count("topic 'quake' matched after 30m without") == 1,
      "the next match of the topic starts no second burst")

# ---- the bursts' budget ---------------------------------------------------

# 201 feeds carried "flood"; bursts bring forward at most 200 polls an hour.
added = 0
for i in range(201):
    srv.write("f%d.xml" % i, rss("f%d" % i, [("1", "flood %d" % i, "a")]))
    code, doc = api("POST", "/v1/feeds", {"url": srv.url("f%d.xml" % i)})
    added += code == 201
srv.write("f-new.xml", rss("f-new", [("1", "weather", "a")]))
code, doc = api("POST", "/v1/feeds", {"url": srv.url("f-new.xml")})
ids["f-new"] = doc["feed"]["id"]
check(added == 201 and wait_until(lambda: all(x["last_poll"] for x in
                             api("GET", "/v1/feeds")[1]["feeds"]),
                 timeout=60), "201 carriers of another topic polled")
check(d.stop() == 0, "daemon stops cleanly again")
store_exec(d.database, [
    "UPDATE feeds SET last_poll = last_poll - 3600",
    "UPDATE topic_matches SET matched = matched - 2 * %d" % DAY])
d.start()
srv.write("f-new.xml", rss("f-new", [("2", "flood downtown", "b"),
                                     ("1", "weather", "a")]))
poll(ids["f-new"])
check(wait_until(lambda: "topic 'flood' matched after 30m without: 200 "
                 "feeds that carried it before polled within 3m" in
                 d.read_log(), timeout=10),
      "a burst brings forward 200 polls at most", d.read_log()[-1500:])
srv.write("q3.xml", rss("q3", [("4", "quake once more", "d"),
                               ("3", "quake again", "c"),
                               ("2", "quake hits the coast", "b"),
                               ("1", "weather", "a")]))
poll(ids["q3"])
check(wait_until(lambda: "topic 'quake' matched after 30m without, but "
                 "bursts brought 200 polls forward in the last hour "
                 "already: none now" in d.read_log(), timeout=10),
      "the next story within the hour is told it found the budget spent",
      d.read_log()[-1500:])

check(d.stop() == 0, "daemon stops cleanly at the end")
srv.stop()
done()
