"""OPML: export the subscriptions, import them into a fresh daemon and get
the same subscriptions in the same categories; nested outlines are the
feeds' categories; importing the same
file twice changes nothing; a bad document or a hostile one is refused with
a 400 that says why. Driven through feedctl import/export and the API."""
import os
import xml.etree.ElementTree as ET

from feeddtest import Daemon, TempDir, check, done, http_unix
from test_api_lib import CONF, FeedServer, rss, wait_until

tmp = TempDir()
srv = FeedServer(tmp.join("www"))
for n in ("a", "b", "c", "d"):
    srv.write("%s.xml" % n, rss(n, [1, 2], title="Feed " + n.upper()))

conf = CONF + """
[feed "configured"]
url = %s
category = News/World
""" % srv.url("d.xml")

opml = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="Tech">
      <outline text="Lang">
        <outline type="rss" text="A text" title="Feed A &amp; co" xmlUrl="%s"
                 htmlUrl="http://example.org/a/"/>
      </outline>
      <outline type="rss" text="Феед Б" xmlUrl="%s"/>
    </outline>
    <outline type="rss" text="C" xmlUrl="%s"/>
    <outline type="rss" text="ftp one" xmlUrl="ftp://example.org/x.xml"/>
    <outline text="an empty folder"/>
  </body>
</opml>
""" % (srv.url("a.xml"), srv.url("b.xml"), srv.url("c.xml"))
path = tmp.write("subs.opml", opml)

d1 = Daemon(tmp, conf, name="one").start()
r = d1.ctl("import", path)
check(r.returncode == 0 and "3 added" in r.stdout and "1 skipped" in
      r.stdout and "ftp://" in r.stdout,
      "feedctl import adds three, reports the bad URL", r.stdout + r.stderr)
doc = d1.ctl_json("import", path)
check(doc["added"] == 0 and doc["existing"] == 3,
      "importing the same file again changes nothing", doc)
cats = {f["url"]: f["category"] for f in doc["feeds"]}
check(cats.get(srv.url("a.xml")) == "Tech/Lang" and
      cats.get(srv.url("b.xml")) == "Tech" and
      cats.get(srv.url("c.xml")) is None,
      "nested outlines are read as categories", cats)
feeds = {f["url"]: f for f in d1.ctl_json("feeds")["feeds"]}
check(feeds[srv.url("a.xml")]["title"] == "Feed A & co",
      "the title attribute (entities decoded) becomes the feed's title",
      feeds)
check(len(feeds) == 4, "four subscriptions (one from the config)", feeds)
cats1 = {u: f["category"] for u, f in feeds.items()}
check(cats1 == {srv.url("a.xml"): "Tech/Lang", srv.url("b.xml"): "Tech",
                srv.url("c.xml"): None, srv.url("d.xml"): "News/World"},
      "imported feeds are filed under their folders' path", cats1)

# Polls of the new feeds happen without being asked.
check(wait_until(lambda: all(f["entries"] == 2 for f in
                             d1.ctl_json("feeds")["feeds"]), timeout=20),
      "imported feeds are polled", d1.ctl_json("feeds"))

r = d1.ctl("export")
check(r.returncode == 0 and r.stdout.startswith("<?xml"),
      "feedctl export prints OPML", r.stdout[:200])
exported = tmp.write("export.opml", r.stdout)
root = ET.fromstring(r.stdout)
check(root.tag == "opml" and root.get("version") == "2.0",
      "the export is OPML 2.0", root.attrib)
outs = {o.get("xmlUrl"): o for o in root.iter("outline") if o.get("xmlUrl")}
check(set(outs) == set(feeds), "every subscription is exported", outs.keys())
news = [o for o in root.iter("outline") if o.get("text") == "News"]
check(news and news[0].find("outline").get("text") == "World" and
      news[0].find("outline").find("outline").get("xmlUrl") ==
      srv.url("d.xml"), "a config feed's category nests in the export",
      r.stdout)

# Round trip: a fresh daemon importing the export has the same feeds.
d2 = Daemon(tmp, conf.split('[feed "configured"]')[0], name="two").start()
doc = d2.ctl_json("import", exported)
check(doc["added"] == 4, "the export imports into a fresh daemon", doc)
feeds2 = {f["url"]: f["title"] for f in d2.ctl_json("feeds")["feeds"]}
check(feeds2.keys() == feeds.keys(), "the same subscriptions", feeds2)
cats2 = {f["url"]: f["category"] for f in d2.ctl_json("feeds")["feeds"]}
check(cats2 == cats1, "in the same categories", cats2)
check(feeds2[srv.url("a.xml")] == "Feed A & co" and
      feeds2[srv.url("b.xml")] in ("Феед Б", "Feed B"),
      "with their titles", feeds2)
again = d2.ctl("export")
outs2 = {o.get("xmlUrl"): o.get("title")
         for o in ET.fromstring(again.stdout).iter("outline")
         if o.get("xmlUrl")}
check(set(outs2) == set(outs), "and the same export", outs2)
paths = {}
for top in ET.fromstring(again.stdout).find("body"):
    def walk(o, path):
        if o.get("xmlUrl"):
            paths[o.get("xmlUrl")] = "/".join(path) or None
        for c in o:
            walk(c, path + ([o.get("text")] if not o.get("xmlUrl") else []))
    walk(top, [])
check(paths == cats1, "whose folders nest as the categories say", paths)

# Refusals.
for body, word in ((b"", "OPML"), (b"<opml><body><outline", "line"),
                   (b"not xml at all", "line 1"),
                   (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">'
                    b'<!ENTITY b "&a;&a;&a;&a;">]><opml><body><outline '
                    b'xmlUrl="http://x/&b;"/></body></opml>', "entity")):
    code, doc, _ = http_unix(d2.socket, "POST", "/v1/opml", raw=body)
    check(code == 400 and word in doc["error"]["message"],
          "a bad OPML body is a 400 (%r)" % body[:30], (code, doc))
deep = "<opml><body>" + "<outline text='x'>" * 40 + \
    "</outline>" * 40 + "</body></opml>"
code, doc, _ = http_unix(d2.socket, "POST", "/v1/opml", raw=deep.encode())
check(code == 400 and "deep" in doc["error"]["message"],
      "outlines nested too deep are refused", doc)
r = d2.ctl("import", tmp.join("missing.opml"))
check(r.returncode == 1 and "missing.opml" in r.stderr,
      "import of a missing file fails with exit 1", r.stderr)
r = d2.ctl("import")
check(r.returncode == 2, "import without a file is a usage error", r.stderr)

check(d1.stop() == 0 and d2.stop() == 0, "both daemons stop cleanly")
srv.stop()
done()
