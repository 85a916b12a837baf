"""The same JSON out of the API whichever store is behind it: one daemon on
SQLite and one on PostgreSQL poll the same feeds (Atom and RSS, authors,
categories, enclosures, Cyrillic, a story carried twice), take the same
topics and the same read and star marks, and answer the same requests;
their answers are compared whole, with only the clock's values (when a
poll or a store happened) set aside."""
import json
import os

from feeddtest import (Daemon, TempDir, check, done, http_unix, pg_server,
                       rss)
from test_api_lib import CONF, FeedServer, wait_until

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
<summary>Winds up to 90 km/h.</summary>
<content type="html">&lt;p&gt;Winds up to &lt;em&gt;90 km/h&lt;/em&gt;,
stay inside.&lt;/p&gt;</content></entry>
<entry><id>urn:a2</id><title>Calm day</title>
<updated>2025-09-02T12:00:00Z</updated>
<link rel="alternate" href="https://atom.example/calm"/>
<summary>Nothing happened.</summary></entry>
</feed>
""")

FEEDS = ("ua", "en", "atom")
TOPICS = (("koalitsiya", "коаліці*"), ("grid", "grid"),
          ("storm", "title:storm OR weather"))

# Values of the clock: when a poll, a store or a mark happened.
CLOCK = {"fetched", "last_poll", "last_success", "last_attempt", "next_poll",
         "created", "updated_at", "matched", "marked", "read_at",
         "starred_at", "uptime", "started", "now", "last_used", "polled",
         "last_modified_at", "since", "time", "duration_ms", "elapsed_ms"}


def scrub(doc):
    if isinstance(doc, dict):
        return {k: ("<clock>" if k in CLOCK and v not in (None, 0) else
                    scrub(v)) for k, v in doc.items()}
    if isinstance(doc, list):
        return [scrub(v) for v in doc]
    return doc


def get(d, path):
    status, doc, raw = http_unix(d.socket, "GET", path)
    return status, doc


def api(d, method, path, body=None):
    status, doc, raw = http_unix(d.socket, method, path, body=body)
    return status, doc


pg = pg_server()
pg.create_database("parity")
lite = Daemon(tmp, CONF, name="lite")
post = Daemon(tmp, CONF, name="post",
              extra_args=("--database", pg.uri("parity")))
daemons = (lite, post)
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
    check(len(ids) == 7, "seven entries stored", ids)
    for topic, n in (("grid", 1), ("storm", 1), ("koalitsiya", 2)):
        got = get(post, "/v1/entries?topic=" + topic)[1]["entries"]
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
             "/v1/opml"]
    paths += ["/v1/entries/%d" % i for i in ids]
    paths += ["/v1/why/%d" % i for i in ids]
    paths += ["/v1/feeds/%d" % i for i in (1, 2, 3)]
    paths += ["/v1/topics/grid"]
    for path in paths:
        a = [http_unix(d.socket, "GET", path) for d in daemons]
        if a[0][1] is None or a[1][1] is None:
            check(a[0][0] == a[1][0] and a[0][2] == a[1][2],
                  "GET %s: the same answer" % path,
                  "SQLite %d:\n%s\nPostgreSQL %d:\n%s" % (
                      a[0][0], a[0][2][:2000], a[1][0], a[1][2][:2000]))
            continue
        x, y = scrub(a[0][1]), scrub(a[1][1])
        check(a[0][0] == a[1][0] and x == y,
              "GET %s: the same JSON (%d)" % (path, a[0][0]),
              "SQLite %d:\n%s\nPostgreSQL %d:\n%s" % (
                  a[0][0], json.dumps(x, ensure_ascii=False, indent=1)[:3000],
                  a[1][0], json.dumps(y, ensure_ascii=False, indent=1)[:3000]))
finally:
    for d in daemons:
        d.stop()
srv.stop()
tmp.cleanup()
done()
