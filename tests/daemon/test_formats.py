#!/usr/bin/env python3
"""What the parser's work looks like from outside: a JSON Feed polled and
listed like any feed (also one served as text/plain, told by its content);
invalid JSON stores nothing and says where it broke; a feed the parser has
to mend shows as repaired in feedctl feeds, with what was mended, and
stops showing it once the publisher fixed it; an RSS 1.0 item dated only
by dc:date is listed by that date, never as "just now"; localized dates."""
import json
import time

from feeddtest import Daemon, TempDir, check, done
from test_api_lib import CONF, FeedServer

tmp = TempDir()
srv = FeedServer(tmp.join("root"))
d = Daemon(tmp, CONF).start()

JSONFEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Jay's notes",
    "home_page_url": "https://jay.example/",
    "authors": [{"name": "Jay"}],
    "items": [
        {"id": "2", "url": "https://jay.example/2", "title": "Second",
         "content_html": "<p>Two</p>", "tags": ["b"],
         "date_published": "2024-02-02T10:00:00+01:00"},
        {"id": 1, "url": "https://jay.example/1", "content_text": "One",
         "date_published": "2024-02-01T10:00:00Z",
         "attachments": [{"url": "https://cdn.jay.example/1.mp3",
                          "mime_type": "audio/mpeg",
                          "size_in_bytes": 1000}]},
    ]}

RDF = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://old.example/"><title>Old news</title>
<link>https://old.example/</link><description>d</description></channel>
<item rdf:about="https://old.example/1"><title>From 2022</title>
<link>https://old.example/1</link><dc:date>2022-03-04T05:06:07Z</dc:date></item>
<item rdf:about="https://old.example/2"><title>Portuguese date</title>
<link>https://old.example/2</link>
<dc:date>Seg, 24 Set 2018 19:42:40 -0300</dc:date></item>
</rdf:RDF>
"""


try:
    # ---- JSON Feed ---------------------------------------------------------
    u = srv.write("notes.json", json.dumps(JSONFEED))
    r = d.ctl("add", u)
    check(r.returncode == 0 and
          'first poll: "Jay\'s notes", 2 entries' in r.stdout,
          "a JSON Feed is added and polled", r.stdout + r.stderr)
    doc = d.ctl_json("list", "--all-copies")
    by = {e["title"] or e["link"]: e for e in doc["entries"]}
    two, one = by.get("Second", {}), by.get("https://jay.example/1", {})
    check(two.get("author") == "Jay" and two.get("categories") == ["b"] and
          two.get("published") == "2024-02-02T09:00:00Z" and
          one.get("guid") == "1" and one.get("enclosures") ==
          [{"url": "https://cdn.jay.example/1.mp3", "type": "audio/mpeg",
            "length": 1000}],
          "its items as entries: author, tags, dates, id, attachment", doc)
    # Told by the content, whatever the label says.
    srv.control("/_control/route", {"path": "/plain", "status": 200,
                                    "body": json.dumps(JSONFEED).replace(
                                        "jay.example", "plain.example"),
                                    "content_type": "text/plain"})
    r = d.ctl("add", srv.base + "/plain")
    check(r.returncode == 0 and "2 entries" in r.stdout,
          "a JSON Feed served as text/plain", r.stdout + r.stderr)
    # Invalid JSON: nothing kept, the place it broke said.
    srv.control("/_control/route", {"path": "/broken.json", "status": 200,
                                    "body": '{"version": "https://jsonfeed.'
                                    'org/version/1.1",\n"items": [{"id": '
                                    '"1"},\n{"id": 2,,}]}',
                                    "content_type": "application/feed+json"})
    r = d.ctl("add", "--keep", srv.base + "/broken.json")
    f = [x for x in d.ctl_json("feeds")["feeds"]
         if x["url"].endswith("/broken.json")][0]
    check(r.returncode == 1 and "line 3" in r.stderr and
          f["entries"] == 0 and "not valid JSON" in f["last_error"],
          "invalid JSON: no entry stored, the error says where",
          (r.stderr, f))

    # ---- repairs, seen in feedctl feeds ------------------------------------
    latin = ('<?xml version="1.0"?><rss version="2.0"><channel><title>'
             'Caf\xe9</title><item><title>cr\xe8me</title><guid>1</guid>'
             '</item></channel></rss>').encode("latin-1")
    u = srv.write("mended.xml", latin, mode="wb")
    r = d.ctl("add", u)
    mended = [x for x in d.ctl_json("feeds")["feeds"] if x["url"] == u][0]
    check(r.returncode == 0 and mended["title"] == "Caf\u00e9" and
          mended["repairs"] == 1 and "windows-1252" in
          mended["repair_note"], "a mended feed counts its repairs",
          mended)
    r = d.ctl("feeds")
    line = [x for x in r.stdout.splitlines() if "Caf\u00e9" in x]
    check(line and "repaired" in line[0] and
          "feed %d is read with repairs: not UTF-8 and no encoding "
          "declared" % mended["id"] in r.stdout,
          "feedctl feeds shows it as repaired, and what was mended",
          r.stdout)
    srv.write("mended.xml", latin.decode("latin-1").replace(
        '<?xml version="1.0"?>', '<?xml version="1.0" encoding='
        '"iso-8859-1"?>').replace("cr\xe8me", "cr\xe8me br\xfbl\xe9e")
        .encode("latin-1"), mode="wb")
    d.ctl("poll", str(mended["id"]))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        f = [x for x in d.ctl_json("feeds")["feeds"] if x["url"] == u][0]
        if f["repairs"] == 0 and f["last_poll"] != mended["last_poll"]:
            break
        time.sleep(0.1)
    check(f["repairs"] == 0 and f["repair_note"] is None and
          "repaired" not in d.ctl("feeds").stdout,
          "declared, it needs no repair any more", f)

    # ---- dates -------------------------------------------------------------
    u = srv.write("old.rdf", RDF)
    d.ctl("add", u)
    doc = d.ctl_json("list", "--all-copies")
    old = {e["title"]: e for e in doc["entries"]}
    check(old["From 2022"]["published"] == "2022-03-04T05:06:07Z",
          "an item dated only by dc:date is listed by it",
          old["From 2022"])
    check(old["Portuguese date"]["published"] == "2018-09-24T22:42:40Z",
          "a Portuguese date is read", old["Portuguese date"])
    r = d.ctl("list", "--all-copies")
    row = [x for x in r.stdout.splitlines() if "From 2022" in x]
    check(row and "just now" not in row[0] and "2022" in row[0],
          "feedctl list shows its date, not \"just now\"", r.stdout)
finally:
    d.stop()
    srv.stop()
    tmp.cleanup()
done()
