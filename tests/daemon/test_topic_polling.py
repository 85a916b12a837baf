"""Topic-aware polling: a feed whose recent entries matched topics is polled
sooner than its natural interval says, (hits + 1) times as often, never
below min_interval nor a publisher's <ttl>; a feed without matches, and a
feed whose interval is configured, keep theirs; the feeds' listing says why
each interval is what it is (`default 1h; topic hits: 3 in 24h → 15m`)."""
from feeddtest import Daemon, TempDir, check, done, http_unix
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
                                     for i in range(12)]))
srv.write("slow.xml", rss("slow", [("1", "storm and ttl", "a")],
                          "<ttl>120</ttl>"))
srv.write("fixed.xml", rss("fixed", [("1", "storm fixed", "a")]))
conf = """
[feedd]
log_level = info
default_interval = 1h
min_interval = 10m
host_gap = 0s

[feed "fixed"]
url = %s
interval = 1h

[topic "storm"]
query = storm
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


ids = {}
for name in ("hot", "cold", "burst", "slow"):
    code, doc = api("POST", "/v1/feeds", {"url": srv.url(name + ".xml")})
    check(code == 201, "added " + name, doc)
    ids[name] = doc["feed"]["id"]

# The first poll stores the entries; the topic matches them in the same
# group, so the plan after it has not seen them yet.
f = feed(ids["hot"])
check(f["interval_note"] == "default 1h" and f["current_interval"] == 3600,
      "a new feed starts at its natural interval", f)

f = poll(ids["hot"])
check(f["interval_note"] == "default 1h; topic hits: 3 in 24h → 15m" and
      f["current_interval"] == 900,
      "three topic hits in 24 h: polled four times as often", f)
f = poll(ids["hot"])
check(f["current_interval"] == 900 and f["polls"][0]["http_status"] == 304,
      "a poll that parses nothing (304) keeps the same reasoning", f)

f = poll(ids["cold"])
check(f["interval_note"] == "default 1h" and f["current_interval"] == 3600,
      "a feed without topic hits keeps its natural interval", f)

f = poll(ids["burst"])
check(f["interval_note"] ==
      "default 1h; topic hits: 12 in 24h → 7m30s; min_interval 10m" and
      f["current_interval"] == 600,
      "many hits: at most 8 times as often, never below min_interval", f)

f = poll(ids["slow"])
check(f["interval_note"] ==
      "default 1h; topic hits: 1 in 24h → 30m; publisher asks 2h" and
      f["current_interval"] == 7200,
      "the publisher's <ttl> still wins over topic hits", f)

fixed = [x for x in api("GET", "/v1/feeds")[1]["feeds"]
         if x["config_name"] == "fixed"][0]
wait_until(lambda: feed(fixed["id"])["last_poll"])
f = poll(fixed["id"])
check(f["interval_note"] == "configured 1h" and f["current_interval"] == 3600,
      "a configured interval is kept as configured", f)

r = d.ctl("feeds")
check("topic hits: 3 in 24h → 15m" in r.stdout,
      "feedctl feeds says why a feed is polled sooner", r.stdout)

check(d.stop() == 0, "daemon stops cleanly")
srv.stop()
done()
