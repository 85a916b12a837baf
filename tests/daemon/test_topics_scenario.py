"""Following a topic as a user does, end to end: the real feedd polls four
feeds on the suite's HTTP server (feedserver.py) - an English RSS 2.0
feed, an Atom feed carrying the same article under a URL that differs only
by tracking parameters, a windows-1251 Ukrainian feed, and a feed of
unrelated items - and follows the topic

    "coalition of the willing" OR (коаліці* охоч*)

`feedctl new --topic coalition` lists the English article once and the
Ukrainian one once; after a new matching item and another poll it lists
exactly that one; the notify command (config/notify-file.example) ran once
per match; after a restart and a poll there is nothing new."""
import json
import os
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone

from feeddtest import SRCDIR, Daemon, TempDir, check, done

tmp = TempDir()
TITLE_EN = ("Zelensky arrives in Paris, meets Macron ahead of security "
            "guarantees summit with 'Coalition of the Willing'")
TITLE_UK = "«Коаліція охочих» збереться в Парижі: Зеленський зустрінеться з Макроном"
TITLE_NEW = "Coalition of the Willing leaders agree on a monitoring mission"
LINK_EN = "https://kyivindependent.com/zelensky-arrives-in-paris-macron/"

KYIV = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>The Kyiv Independent</title>
<link>https://kyivindependent.com/</link><description>News</description>
<item><title>%s</title><link>%s</link>
<guid isPermaLink="false">ki-66b8f1c2</guid>
<pubDate>Wed, 03 Sep 2025 15:24:00 GMT</pubDate>
<description>The leaders will discuss security guarantees for Ukraine.</description>
</item>
<item><title>Power outages expected in Kharkiv Oblast</title>
<link>https://kyivindependent.com/power-outages-kharkiv/</link>
<guid isPermaLink="false">ki-66b8f1c3</guid>
<pubDate>Wed, 03 Sep 2025 14:00:00 GMT</pubDate>
<description>Energy company warns of scheduled outages.</description></item>
</channel></rss>
""" % (TITLE_EN.replace("'", "&apos;"), LINK_EN)

MIRROR = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Ukraine Digest</title>
<id>urn:digest:ukraine</id><updated>2025-09-03T16:00:00Z</updated>
<link href="https://digest.example/"/>
<entry><id>urn:digest:ukraine:9231</id><title>%s</title>
<link href="%s?utm_source=digest&amp;utm_medium=atom&amp;utm_campaign=daily"/>
<updated>2025-09-03T15:40:00Z</updated>
<summary>Reposted from The Kyiv Independent.</summary></entry>
</feed>
""" % (TITLE_EN.replace("'", "&apos;"), LINK_EN)

UKR = """<?xml version="1.0" encoding="windows-1251"?>
<rss version="2.0"><channel><title>Українські новини</title>
<link>https://news.example.ua/</link><description>Новини</description>
<item><title>%s</title><link>https://news.example.ua/koalitsiia-okhochykh</link>
<guid>https://news.example.ua/?p=5120</guid>
<pubDate>Wed, 03 Sep 2025 16:10:00 +0300</pubDate>
<description>Лідери держав обговорять гарантії безпеки для України.</description></item>
<item><title>Погода у Львові: дощі та похолодання</title>
<link>https://news.example.ua/pogoda</link><guid>https://news.example.ua/?p=5119</guid>
<pubDate>Wed, 03 Sep 2025 12:00:00 +0300</pubDate>
<description>Синоптики прогнозують дощ.</description></item>
</channel></rss>
""" % TITLE_UK

root = tmp.join("www")
os.makedirs(root)
tmp.write("www/kyiv.xml", KYIV)
tmp.write("www/digest.atom", MIRROR)
with open(tmp.join("www/ukr.xml"), "wb") as f:
    f.write(UKR.encode("cp1251"))

srv = subprocess.Popen([sys.executable, os.path.join(SRCDIR, "feedserver.py"),
                        "--root", root], stdout=subprocess.PIPE, text=True)
port = int(srv.stdout.readline().split()[1])
base = "http://127.0.0.1:%d" % port


def control(path):
    req = urllib.request.Request(base + path, data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


for t in ("Markets close higher on tech earnings", "Local elections: turnout up"):
    control("/_control/add?feed=world&title=" + urllib.parse.quote(t))

notified = tmp.join("coalition.tsv")
script = os.path.join(SRCDIR, "..", "..", "config",
                      "notify-file.example")
conf = """
[feedd]
log_level = info
default_interval = 1h
notify_max_parallel = 2
notify_timeout = 20s

[feed "kyiv"]
url = %(base)s/feeds/kyiv.xml

[feed "digest"]
url = %(base)s/feeds/digest.atom

[feed "ukr"]
url = %(base)s/feeds/ukr.xml

[feed "world"]
url = %(base)s/dyn/world

[hook "tsv"]
command = /bin/sh %(script)s %(out)s

[topic "coalition"]
query = "coalition of the willing" OR (коаліці* охоч*)
notify = tsv
""" % {"base": base, "script": script, "out": notified}


def iso(s):
    if not s:
        return 0
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc).timestamp()


def feeds(d):
    doc = d.ctl_json("feeds")
    return doc["feeds"] if isinstance(doc, dict) else doc


def wait_polled(d, since, timeout=30):
    """Until every feed's last poll started at or after `since`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fs = feeds(d)
        if fs and all(iso(f.get("last_poll")) >= since for f in fs):
            return fs
        time.sleep(0.2)
    return feeds(d)


def notify_lines(want, timeout=15):
    deadline = time.monotonic() + timeout
    lines = []
    while time.monotonic() < deadline:
        try:
            with open(notified, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError:
            lines = []
        if len(lines) >= want:
            time.sleep(0.3)   # a late extra run would show up now
            with open(notified, encoding="utf-8") as f:
                return f.read().splitlines()
        time.sleep(0.1)
    return lines


def new_titles(d):
    r = d.ctl("--json", "new", "--topic", "coalition", "--client", "scenario")
    if r.returncode != 0:
        return None, r.stderr
    doc = json.loads(r.stdout)
    return [e["title"] for e in doc.get("entries", [])], r.stdout


d = Daemon(tmp, conf)
try:
    t0 = int(time.time())
    d.start()
    fs = wait_polled(d, t0)
    check(len(fs) == 4 and all(f.get("state") == "ok" for f in fs),
          "the four feeds were polled", json.dumps(fs, ensure_ascii=False)[:2000])

    titles, raw = new_titles(d)
    check(titles is not None and sorted(titles) == sorted([TITLE_EN, TITLE_UK]),
          "new --topic lists the English article once and the Ukrainian one once",
          raw)
    lines = notify_lines(2)
    check(len(lines) == 2, "the notify command ran once per match", lines)
    check(any(TITLE_UK in l for l in lines) and any("coalition\t" in l for l in lines),
          "notify saw the topic and the decoded windows-1251 title", lines)
    titles, raw = new_titles(d)
    check(titles == [], "asking again lists nothing", raw)

    # One more matching item on one feed, then poll everything again.
    control("/_control/add?feed=world&title=" + urllib.parse.quote(TITLE_NEW))
    time.sleep(1.1)
    t1 = int(time.time())
    r = d.ctl("poll")
    check(r.returncode == 0, "feedctl poll", r.stderr)
    wait_polled(d, t1)
    titles, raw = new_titles(d)
    check(titles == [TITLE_NEW], "after the second poll: exactly the new item",
          raw)
    lines = notify_lines(3)
    check(len(lines) == 3 and TITLE_NEW in lines[-1],
          "notify ran for the new match, and only for it", lines)

    r = d.ctl("--json", "topics", "--client", "scenario")
    doc = json.loads(r.stdout) if r.returncode == 0 else {}
    tps = {t["name"]: t for t in doc.get("topics", [])}
    c = tps.get("coalition", {})
    check(c.get("match_count") == 3 and c.get("unseen") == 0 and
          (c.get("newest") or {}).get("title") == TITLE_NEW,
          "feedctl topics: 3 matches, none unseen, the newest is the new item",
          r.stdout + r.stderr)
    r = d.ctl("topics", "--client", "scenario")
    check(r.returncode == 0 and "coalition" in r.stdout, "feedctl topics table",
          r.stdout + r.stderr)

    # why: the Atom copy was folded into the English original.
    r = d.ctl("--json", "list", "--topic", "coalition")
    digest = [f["id"] for f in feeds(d) if f.get("config_name") == "digest"]
    r2 = d.ctl("--json", "list", "--feed", str(digest[0]) if digest else "1")
    copies = [e for e in json.loads(r2.stdout).get("entries", [])] \
        if r2.returncode == 0 else []
    if check(len(copies) == 1, "the Atom feed stored its copy", r2.stdout):
        r = d.ctl("--json", "why", str(copies[0]["id"]))
        why = json.loads(r.stdout) if r.returncode == 0 else {}
        topics = why.get("topics", [])
        check(len(why.get("carried_by", [])) == 2 and topics and
              topics[0].get("name") == "coalition",
              "why: two feeds carried it and it matched coalition", r.stdout)
        r = d.ctl("why", str(copies[0]["id"]))
        check(r.returncode == 0 and "carried by" in r.stdout and "coalition"
              in r.stdout, "why as text", r.stdout + r.stderr)

    rc = d.stop()
    check(rc == 0, "the daemon stops cleanly", d.read_log()[-3000:])

    # Restart and poll again: nothing new, nobody notified.
    d.start()
    time.sleep(1.1)
    t2 = int(time.time())
    d.ctl("poll")
    wait_polled(d, t2)
    titles, raw = new_titles(d)
    check(titles == [], "after a restart and a poll: nothing new", raw)
    lines = notify_lines(4, timeout=2)
    check(len(lines) == 3, "and no notify ran again", lines)
    log = d.read_log()
    check("notify: " in log and "exited with status" not in log,
          "notify runs were logged, none failed", log[-3000:])
finally:
    d.stop()
    srv.terminate()
    srv.wait()

if os.environ.get("KEEP_TMP") is None:
    tmp.cleanup()
done()
