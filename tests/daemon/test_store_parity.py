"""The same JSON out of the API whichever store is behind it: one daemon on
SQLite and one on PostgreSQL poll the same feeds (Atom and RSS, authors,
categories, enclosures, Cyrillic, a story carried twice), take the same
topics and the same read and star marks, and answer the same requests;
their answers are compared whole, with only the clock's values (when a
poll or a store happened) set aside."""
import hashlib
import http.client
import json
import time
import urllib.parse

from feeddtest import (Daemon, TempDir, check, done, free_port, http_unix,
                       pg_server, rss)
from test_api_lib import CONF, FeedServer, wait_until
from test_api_lib import rss as same_date_rss

tmp = TempDir()
srv = FeedServer(tmp.join("www"))
srv.write("ua.xml", rss("ua", [
    ("Коаліція погодила бюджет", "Парламент <b>проголосував</b>."),
    ("Коаліції бракує голосів", "Сесію перенесли."),
    ("Grid repairs in Kharkiv", "Crews restored power.",
     "https://news.example/grid?utm_source=ua"),
]))
srv.write("en.xml", rss("en", [
    ("Grid repairs in Kharkiv, a copy", "Power is back.",
     "https://news.example/grid"),
    ("Café owners report a busy summer", "Tourism up."),
]))
srv.write("atom.xml", """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom news</title>
<id>urn:atom-news</id><updated>2025-09-03T12:00:00Z</updated>
<link rel="alternate" href="https://atom.example/"/>
<entry><id>urn:a1</id><title>Storm warning for the coast</title>
<updated>2025-09-03T12:00:00Z</updated>
<published>2025-09-03T11:00:00Z</published>
<author><name>Олена Коваль</name></author>
<category term="weather"/><category term="coast"/>
<link rel="alternate" href="https://atom.example/storm"/>
<link rel="enclosure" type="audio/mpeg" length="1234"
 href="https://atom.example/storm.mp3"/>
<summary>Winds up to 90 km/h&#8230;</summary>
<content type="html">&lt;p&gt;Winds up to &lt;em&gt;90 km/h&lt;/em&gt;,
stay inside.&lt;/p&gt;</content></entry>
<entry><id>urn:a2</id><title>Calm day</title>
<updated>2025-09-02T12:00:00Z</updated>
<link rel="alternate" href="https://atom.example/calm"/>
<summary>Nothing happened.</summary></entry>
</feed>
""")

# Five items of one date, and three of none: orders that ties decide.
srv.write("same.xml", same_date_rss("same", range(5)))
srv.write("undated.xml", rss("undated", [("Undated %d" % i, "text")
                                         for i in range(3)]).replace(
    "<pubDate>", "<!--").replace("</pubDate>", "-->"))

FEEDS = ("ua", "en", "atom", "same", "undated")
TOPICS = (("koalitsiya", "коаліці*"), ("grid", "grid"),
          ("storm", "title:storm OR weather"))

# The clock's values (when a poll, a store or a mark happened, and the
# date of an undated item, which is when it was stored) differ by the
# second between the two daemons: any number or date within a day of the
# test's start, as seconds, milliseconds or microseconds, and a poll's
# duration are set aside.
START = time.time()
TODAY = tuple(time.strftime("%Y-%m-%dT", time.gmtime(START + d))
              for d in (-86400, 0, 86400))
set_aside = set()


def is_clock(k, v):
    if k == "duration_ms":
        return True
    if isinstance(v, str):
        if v.startswith(TODAY):
            return True
        if not v.isdigit():
            return False
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return any(abs(v / scale - START) < 86400 for scale in (1, 1e3, 1e6))


def scrub(doc):
    if isinstance(doc, dict):
        out = {}
        for k, v in doc.items():
            if is_clock(k, v):
                set_aside.add(k)
                out[k] = "<clock>"
            else:
                out[k] = scrub(v)
        return out
    if isinstance(doc, list):
        return [scrub(v) for v in doc]
    return doc


def get(d, path):
    status, doc, raw = http_unix(d.socket, "GET", path)
    return status, doc


def api(d, method, path, body=None):
    status, doc, raw = http_unix(d.socket, method, path, body=body)
    return status, doc


def tcp(d, method, path, form=None, headers=()):
    """(status, body) of a request to the daemon's TCP listener, a form
    posted as the Fever and Google Reader apps post theirs."""
    body = urllib.parse.urlencode(form) if form is not None else None
    hdr = dict(headers)
    if body is not None:
        hdr["Content-Type"] = "application/x-www-form-urlencoded"
    c = http.client.HTTPConnection("127.0.0.1", d.port, timeout=20)
    c.request(method, path, body=body, headers=hdr)
    r = c.getresponse()
    raw = r.read()
    c.close()
    return r.status, raw


def same(path, a, b):
    """a and b: (status, raw body) of the SQLite and PostgreSQL daemons."""
    try:
        x, y = scrub(json.loads(a[1])), scrub(json.loads(b[1]))
    except ValueError:
        x, y = a[1], b[1]
    check(a[0] == b[0] and x == y, "%s: the same answer (%d)" % (path, a[0]),
          "SQLite %d:\n%s\nPostgreSQL %d:\n%s" % (
              a[0], json.dumps(x, ensure_ascii=False, indent=1)[:3000]
              if not isinstance(x, bytes) else x[:2000], b[0],
              json.dumps(y, ensure_ascii=False, indent=1)[:3000]
              if not isinstance(y, bytes) else y[:2000]))


pg = pg_server()
pg.create_database("parity")
daemons = []
for name, extra in (("lite", ()), ("post", ("--database", pg.uri("parity")))):
    port = free_port()
    d = Daemon(tmp, CONF + "listen = 127.0.0.1:%d\n" % port, name=name,
               extra_args=extra)
    d.port = port
    daemons.append(d)
lite, post = daemons
try:
    for d in daemons:
        d.start()
    # The same adds in the same order: the same ids on both.
    for d in daemons:
        for name in FEEDS:
            status, doc = api(d, "POST", "/v1/feeds",
                              {"url": srv.url(name + ".xml")})
            check(status == 201, "%s: feed %s added" % (d.database[:10],
                                                         name), doc)
        for name, query in TOPICS:
            status, doc = api(d, "POST", "/v1/topics",
                              {"name": name, "query": query})
            check(status == 201, "topic %s added" % name, doc)

    def polled(d):
        return all(f["last_success"] for f in get(d, "/v1/feeds")[1]["feeds"])
    for d in daemons:
        check(wait_until(lambda: polled(d), timeout=30),
              "every feed polled", get(d, "/v1/feeds"))

    ids = [e["id"] for e in get(lite, "/v1/entries?limit=100")[1]["entries"]]
    check(len(ids) == 15, "fifteen entries stored", ids)
    # A topic added through the API is back-filled from a timer: matched
    # at ingest or a moment after the poll, on either store.
    for topic, n in (("grid", 1), ("storm", 1), ("koalitsiya", 2)):
        def listed(topic=topic):
            return get(post, "/v1/entries?topic=" + topic)[1]["entries"]
        wait_until(lambda: len(listed()) >= n, timeout=10)
        got = listed()
        check(len(got) == n, "topic %s: %d entries" % (topic, n), got)
    for d in daemons:
        api(d, "POST", "/v1/entries/read", {"ids": ids[:2]})
        api(d, "POST", "/v1/entries/star", {"ids": ids[1:3]})
        api(d, "PUT", "/v1/cursors/reader", {"value": ids[-1]})

    paths = ["/v1/feeds", "/v1/topics", "/v1/entries?limit=100",
             "/v1/entries?limit=2", "/v1/entries?unread=1",
             "/v1/entries?starred=1", "/v1/entries?q=cafe",
             "/v1/entries?q=%D0%BA%D0%BE%D0%B0%D0%BB%D1%96%D1%86*",
             "/v1/entries?q=%22grid%20repairs%22",
             "/v1/entries?topic=grid", "/v1/entries?topic=storm",
             "/v1/entries?topic=koalitsiya", "/v1/unread",
             "/v1/cursors/reader", "/v1/hooks", "/v1/users",
             "/v1/opml", "/v1/entries?content=1&limit=100",
             "/v1/entries?fold=1", "/v1/entries?latest=1&limit=3",
             "/v1/entries?since=3&limit=2", "/v1/entries?unread=0",
             "/v1/entries?q=title%3Astorm", "/v1/entries?q=storm%20NOT%20calm",
             "/v1/entries?q=%22winds%20up%22%20OR%20tourism",
             "/v1/entries?feed=3&q=calm", "/v1/entries?topic=grid&fold=1",
             "/v1/entries?q=coast%20weather",
             # A summary that leads its content is indexed as the content.
             "/v1/entries?q=summary%3Awinds", "/v1/entries?q=content%3Awinds",
             "/v1/entries?q=summary%3Ahappened"]
    paths += ["/v1/entries/%d" % i for i in ids]
    paths += ["/v1/why/%d" % i for i in ids]
    paths += ["/v1/feeds/%d" % i for i in range(1, len(FEEDS) + 1)]
    paths += ["/v1/entries?latest=1&limit=%d" % n for n in (1, 4, 9)]
    paths += ["/v1/entries?feed=4&latest=1", "/v1/entries?feed=5&latest=1",
              "/v1/entries?limit=4&since=%d" % ids[5]]
    paths += ["/v1/topics/grid"]
    for path in paths:
        a, b = [http_unix(d.socket, "GET", path) for d in daemons]
        same("GET " + path, (a[0], a[2]), (b[0], b[2]))

    def found(d, q):
        return len(http_unix(d.socket, "GET", "/v1/entries?q=" +
                             urllib.parse.quote(q))[1]["entries"])
    for d in daemons:
        check(found(d, "summary:winds") == 0 and found(d, "winds") == 1 and
              found(d, "summary:happened") == 1,
              "a summary that leads its content is searched as the content")

    # The status, but for what is each process's own: its pid, start, the
    # database's name and size, the configuration file.
    # PostgreSQL's alone: the workers sharing the database.
    own = ("pid", "uptime", "started", "database", "config", "db_size",
           "cluster")
    a, b = [{k: v for k, v in get(d, "/v1/status")[1].items()
             if k not in own} for d in daemons]
    same("GET /v1/status", (200, json.dumps(a)), (200, json.dumps(b)))

    # The metrics' series (their values are timings and sizes too), but
    # for the workers sharing a PostgreSQL database.
    a, b = [sorted({line.split(" ")[0] for line in http_unix(
        d.socket, "GET", "/metrics")[2].decode().splitlines()
        if line and not line.startswith("#")} -
        {"feedd_cluster_workers", "feedd_cluster_leases",
         "feedd_worker_leases"}) for d in daemons]
    check(a == b, "GET /metrics: the same series",
          "only SQLite: %s\nonly PostgreSQL: %s" % (
              sorted(set(a) - set(b)), sorted(set(b) - set(a))))

    # The apps' APIs, as the owner with a password and Fever enabled.
    for d in daemons:
        status, doc = api(d, "PATCH", "/v1/users/owner",
                          {"password": "owner-secret-1", "fever": True})
        check(status == 200, "the owner's password and Fever", doc)
    fkey = hashlib.md5(b"owner:owner-secret-1").hexdigest()
    for q in ("groups", "feeds", "items", "items&since_id=2",
              "items&with_ids=1,2,3", "unread_item_ids", "saved_item_ids",
              "links", "favicons"):
        path = "/fever/?api&" + q
        same("Fever " + q, *[tcp(d, "POST", path, {"api_key": fkey})
                             for d in daemons])
    auths = []
    for d in daemons:
        status, raw = tcp(d, "POST", "/accounts/ClientLogin",
                          {"Email": "owner", "Passwd": "owner-secret-1"})
        lines = dict(x.split("=", 1) for x in raw.decode().splitlines()
                     if "=" in x)
        check(status == 200 and "Auth" in lines, "ClientLogin", raw)
        auths.append(lines.get("Auth", ""))
    for path in ("subscription/list", "tag/list", "unread-count",
                 "stream/contents/user/-/state/com.google/reading-list?n=50",
                 "stream/contents/user/-/state/com.google/starred",
                 "stream/items/ids?s=user/-/state/com.google/reading-list"
                 "&n=50",
                 "stream/items/ids?s=user/-/state/com.google/reading-list"
                 "&xt=user/-/state/com.google/read&n=50",
                 "stream/contents/feed/" + urllib.parse.quote(
                     srv.url("atom.xml"), safe="")):
        path = "/reader/api/0/" + path + ("&" if "?" in path else "?") + \
            "output=json"
        same("Google Reader " + path.split("?")[0][14:],
             *[tcp(d, "GET", path, headers={
                 "Authorization": "GoogleLogin auth=" + auth})
               for d, auth in zip(daemons, auths)])
finally:
    for d in daemons:
        d.stop()
print("# the clock's values set aside: %s" % ", ".join(sorted(set_aside)))
srv.stop()
tmp.cleanup()
done()
