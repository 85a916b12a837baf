"""OPML: export the subscriptions, import them into a fresh daemon and get
the same subscriptions in the same categories; nested outlines are the
feeds' categories; importing the same
file twice changes nothing; a bad document or a hostile one is refused with
a 400 that says why. An import is all or nothing: when the database fails
on its 1,500th feed of 2,000, or the daemon is killed while it imports,
no feed of it is kept (and the client is told), and its polls start only
once it is stored. Driven through feedctl import/export and the API."""
import os
import signal
import sqlite3
import subprocess
import time
import xml.etree.ElementTree as ET

from feeddtest import (ON_PG, Daemon, TempDir, check, done, http_unix, pg_psql,
                       store_rows)
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

# ---- all or nothing -----------------------------------------------------
N = 2000
big = ('<?xml version="1.0"?><opml version="2.0"><body>' + "".join(
    '<outline type="rss" text="f%d" xmlUrl="%s/feeds/big-%d.xml"/>'
    % (i, srv.base, i) for i in range(N)) + "</body></opml>").encode()
d3 = Daemon(tmp, CONF, name="atomic").start()


def stored():
    return store_rows(d3.database, "SELECT count(*) AS n FROM feeds WHERE "
                      "url LIKE '%/big-%'")[0][0]


def big_requests():
    st = srv.control("/_control/stats")
    return sum(v["count"] for k, v in st.items() if "/big-" in k)


# A fault in the database on the 1,500th feed (a trigger of our own that
# makes SQLite refuse that row): nothing of the import is kept.
if ON_PG:
    pg_psql(d3.database, "CREATE FUNCTION fault() RETURNS trigger "
            "LANGUAGE plpgsql AS $$BEGIN IF NEW.url LIKE '%/big-1499.xml' "
            "THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; "
            "END$$; CREATE TRIGGER fault BEFORE INSERT ON feeds FOR EACH ROW "
            "EXECUTE FUNCTION fault()")
else:
    c = sqlite3.connect(d3.database)
    c.execute("CREATE TRIGGER fault BEFORE INSERT ON feeds WHEN NEW.url LIKE "
              "'%%/big-1499.xml' BEGIN SELECT RAISE(ABORT, 'injected fault'); "
              "END")
    c.commit()
    c.close()
code, doc, _ = http_unix(d3.socket, "POST", "/v1/opml", raw=big, timeout=60)
check(code == 500 and doc["error"]["code"] == "store_error" and
      "nothing was imported" in doc["error"]["message"],
      "the database fails on feed 1,500 of 2,000: 500, nothing imported",
      (code, doc))
check(stored() == 0, "and no feed of it is stored (not 1,499)", stored())
time.sleep(1.5)
check(big_requests() == 0, "nor polled", big_requests())
r = d3.ctl("import", tmp.write("big.opml", big.decode()))
check(r.returncode == 1 and "nothing was imported" in r.stderr,
      "feedctl import says so and exits 1", r.stdout + r.stderr)
if ON_PG:
    pg_psql(d3.database, "DROP TRIGGER fault ON feeds")
else:
    c = sqlite3.connect(d3.database)
    c.execute("DROP TRIGGER fault")
    c.commit()
    c.close()
code, doc, _ = http_unix(d3.socket, "POST", "/v1/opml", raw=big, timeout=60)
check(code == 200 and doc["added"] == N and stored() == N,
      "without the fault: all 2,000 stored", (code, doc and doc.get("added")))
check(wait_until(lambda: big_requests() > 0, 10),
      "and then their polls start")
d3.stop()

# The daemon killed while it imports: all of the feeds, or none.
counts = []
for delay in (0.0, 0.02, 0.05, 0.1):
    if ON_PG:
        pg_psql(d3.database, "TRUNCATE feeds CASCADE")
    else:
        os.unlink(d3.database)
        for suffix in ("-wal", "-shm"):
            if os.path.exists(d3.database + suffix):
                os.unlink(d3.database + suffix)
    d3.start()
    client = subprocess.Popen(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
         "--unix-socket", d3.socket, "--data-binary", "@" + tmp.join("big.opml"),
         "http://localhost/v1/opml"], stdout=subprocess.PIPE, text=True)
    time.sleep(delay)
    d3.proc.send_signal(signal.SIGKILL)
    d3.proc.wait()
    d3.log.close()
    answer = client.communicate(timeout=30)[0]
    counts.append((delay, stored(), answer))
check(all(n in (0, N) and (n == 0 or a in ("200", "000"))
          for _, n, a in counts),
      "SIGKILL during an import of 2,000: each time 0 or 2,000 feeds kept",
      counts)
# Killed after its commit but before its answer, an import is whole; the
# client that got no answer imports again and nothing is doubled.
d3.start()
code, doc, _ = http_unix(d3.socket, "POST", "/v1/opml", raw=big, timeout=60)
check(code == 200 and doc["added"] + doc["existing"] == N and stored() == N,
      "importing again after a kill: 2,000 feeds, none twice",
      (code, doc and (doc["added"], doc["existing"])))
d3.stop()
srv.stop()
done()
