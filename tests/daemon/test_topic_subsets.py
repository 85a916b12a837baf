"""Feed categories and topic feed subsets, against the real daemon polling the
suite's HTTP server, driven through feedctl and the API: categories from
feedd.conf, feedctl add --category and feedctl set (PATCH /v1/feeds/{id});
API topics limited to feed ids (live matching and back-fill) or to a
category with its sub-categories (a feed filed there later is matched from
then on); config topics with category = next to feeds =; the subsets kept
across a restart and re-resolved on reload; refusals of bad input."""
import signal
import subprocess

from feeddtest import FEEDD, Daemon, TempDir, check, done, http_unix
from test_api_lib import CONF, FeedServer, wait_until

tmp = TempDir()
srv = FeedServer(tmp.join("www"))

CONFIG = CONF + """
[feed "cfg-a"]
url = %(a)s
category = News / Ukraine

[feed "cfg-b"]
url = %(b)s
category = %(bcat)s

[topic "cfg-news"]
query = drone
category = News

[topic "cfg-mixed"]
query = drone
feeds = cfg-a
category = Sport

[hook "quiet"]
command = true
"""


def conf(bcat="Sport"):
    return CONFIG % {"a": srv.dyn_url("cfg-a"), "b": srv.dyn_url("cfg-b"),
                     "bcat": bcat}


def titles(d, topic):
    doc = d.ctl_json("list", "--topic", topic, "--limit", "100")
    return sorted(e["title"] for e in doc["entries"])


def topic(d, name):
    return {t["name"]: t for t in d.ctl_json("topics")["topics"]}[name]


def settled(d):
    """Every feed polled and no topic back-filling."""
    fs = d.ctl_json("feeds")["feeds"]
    ts = d.ctl_json("topics")["topics"]
    return all(f["last_poll"] for f in fs) and \
        all(t.get("backfill") is None for t in ts)


def add_feed(d, name, *args):
    srv.dyn_add(name, "drone over %s" % name)
    srv.dyn_add(name, "weather in %s" % name)
    doc = d.ctl_json("add", srv.dyn_url(name), *args)
    return doc["feed"]["id"]


def poll(d, fid):
    before = {f["id"]: f["last_poll"] for f in d.ctl_json("feeds")["feeds"]}
    d.ctl("poll", str(fid))
    return wait_until(lambda: {f["id"]: f["last_poll"] for f in
                               d.ctl_json("feeds")["feeds"]}[fid] !=
                      before[fid] or None, timeout=20)


for n in ("cfg-a", "cfg-b"):
    srv.dyn_add(n, "drone over %s" % n)
    srv.dyn_add(n, "weather in %s" % n)

d = Daemon(tmp, conf())
try:
    d.start()
    check(wait_until(lambda: settled(d), timeout=20), "config feeds polled",
          d.read_log()[-2000:])
    feeds = {f["config_name"]: f for f in d.ctl_json("feeds")["feeds"]}
    check(feeds["cfg-a"]["category"] == "News/Ukraine" and
          feeds["cfg-b"]["category"] == "Sport",
          "config feeds carry their category (blanks around '/' dropped)",
          feeds)
    A, B = feeds["cfg-a"]["id"], feeds["cfg-b"]["id"]

    # ---- categories on API feeds ----
    X = add_feed(d, "x", "--category", "News/World")
    Y = add_feed(d, "y")
    Z = add_feed(d, "z", "--category", "Newsletter")
    fs = {f["id"]: f for f in d.ctl_json("feeds")["feeds"]}
    check(fs[X]["category"] == "News/World" and fs[Y]["category"] is None and
          fs[Z]["category"] == "Newsletter",
          "feedctl add --category files the feed", fs)
    r = d.ctl("feeds")
    check(r.returncode == 0 and "CATEGORY" in r.stdout and
          "News/World" in r.stdout, "feedctl feeds shows a CATEGORY column",
          r.stdout)
    check(wait_until(lambda: settled(d), timeout=20), "API feeds polled")

    # ---- config topics: category, and feeds + category ----
    check(titles(d, "cfg-news") == ["drone over cfg-a", "drone over x"],
          "a config category topic matches its category and sub-categories,"
          " including a feed added later through the API", titles(d, "cfg-news"))
    check(titles(d, "cfg-mixed") == ["drone over cfg-a", "drone over cfg-b"],
          "feeds = and category = together: either", titles(d, "cfg-mixed"))
    t = topic(d, "cfg-news")
    check(t["category"] == "News" and t["feeds"] is None and
          sorted(t["feed_ids"]) == sorted([A, X]),
          "GET /v1/topics: a config topic's category and its feeds now", t)
    t = topic(d, "cfg-mixed")
    check(t["feeds"] == ["cfg-a"] and t["category"] == "Sport" and
          sorted(t["feed_ids"]) == sorted([A, B]),
          "GET /v1/topics: feed names and category of a config topic", t)

    # ---- API topic limited to feed ids: back-fill, then live ----
    r = d.ctl("topic", "add", "ids", "drone", "--feed", str(X),
              "--feed", str(Y))
    check(r.returncode == 0 and "2 feeds" in r.stdout,
          "feedctl topic add --feed ID --feed ID", r.stdout + r.stderr)
    check(wait_until(lambda: settled(d) and
                     titles(d, "ids") == ["drone over x", "drone over y"]),
          "the back-fill of an id subset matches those feeds only",
          titles(d, "ids"))
    srv.dyn_add("x", "drone again over x")
    srv.dyn_add("z", "drone again over z")
    poll(d, X)
    poll(d, Z)
    check(wait_until(lambda: titles(d, "ids") == [
        "drone again over x", "drone over x", "drone over y"]),
        "after a poll, the id subset matches its feeds' new entries only",
        titles(d, "ids"))
    t = topic(d, "ids")
    check(t["feeds"] == [X, Y] and t["category"] is None and
          t["feed_ids"] == sorted([X, Y]) and t["origin"] == "api",
          "GET /v1/topics shows the ids given", t)

    # ---- API topic limited to a category ----
    code, doc, _ = http_unix(d.socket, "POST", "/v1/topics",
                             {"name": "cat", "query": "drone",
                              "category": "News"})
    check(code == 201 and doc["category"] == "News" and
          sorted(doc["feed_ids"]) == sorted([A, X]),
          "POST /v1/topics with a category", doc)
    check(wait_until(lambda: settled(d) and titles(d, "cat") == [
        "drone again over x", "drone over cfg-a", "drone over x"]),
        "a category takes in its sub-categories, not Newsletter",
        titles(d, "cat"))
    W = add_feed(d, "w", "--category", "News/Ukraine/Kyiv")
    check(wait_until(lambda: "drone over w" in titles(d, "cat")),
          "a feed added later to a sub-category is matched from then on",
          titles(d, "cat"))
    check(W in topic(d, "cat")["feed_ids"], "and counted in the subset",
          topic(d, "cat"))
    check("drone over w" in titles(d, "cfg-news"),
          "config category topics follow it too", titles(d, "cfg-news"))

    # Re-filing a feed: its next entries are matched, the old ones not.
    r = d.ctl("set", str(Y), "--category", "News/Other")
    check(r.returncode == 0 and "News/Other" in r.stdout,
          "feedctl set --category", r.stdout + r.stderr)
    check(Y in topic(d, "cat")["feed_ids"],
          "the category topic takes in the re-filed feed at once",
          topic(d, "cat"))
    srv.dyn_add("y", "drone again over y")
    poll(d, Y)
    check(wait_until(lambda: "drone again over y" in titles(d, "cat")),
          "the re-filed feed's new entries are matched",
          titles(d, "cat"))
    check("drone over y" not in titles(d, "cat"),
          "its older entries are not back-filled (documented)",
          titles(d, "cat"))
    code, doc, _ = http_unix(d.socket, "PATCH", "/v1/feeds/%d" % Y,
                             {"category": None, "title": "Feed Y"})
    check(code == 200 and doc["category"] is None and doc["title"] == "Feed Y",
          "PATCH /v1/feeds/{id}: category null unfiles, title renames", doc)
    check(Y not in topic(d, "cat")["feed_ids"],
          "an unfiled feed leaves the category topic", topic(d, "cat"))
    r = d.ctl("topics")
    check(r.returncode == 0 and "FEEDS" in r.stdout and "feeds)" in r.stdout,
          "feedctl topics shows the subsets", r.stdout)

    # ---- refusals ----
    for body, want, what in (
            ({"feeds": [999999]}, "unknown_feed", "an unknown feed id"),
            ({"feeds": []}, "bad_feeds", "an empty feed list"),
            ({"feeds": "3"}, "bad_feeds", "feeds not a list"),
            ({"feeds": [X, "y"]}, "bad_feeds", "a feed id not a number"),
            ({"feeds": [0]}, "bad_feeds", "feed id 0"),
            ({"category": 5}, "bad_category", "a category not a string"),
            ({"category": "a\nb"}, "bad_category", "a control character")):
        b = {"name": "bad", "query": "drone"}
        b.update(body)
        code, doc, _ = http_unix(d.socket, "POST", "/v1/topics", b)
        check(code == 400 and doc["error"]["code"] == want and
              doc["error"]["message"],
              "POST /v1/topics refuses %s" % what, (code, doc))
    code, doc, _ = http_unix(d.socket, "POST", "/v1/topics",
                             {"name": "bad", "query": "drone",
                              "feeds": [999999]})
    check("999999" in doc["error"]["message"],
          "the message names the unknown feed", doc)
    code, doc, _ = http_unix(d.socket, "GET", "/v1/topics/bad")
    check(code == 404, "nothing was added by a refused request", doc)
    r = d.ctl("topic", "add", "--category", "Sport", "dash",
              "- content: drone", "--notify", "quiet")
    t = topic(d, "dash") if r.returncode == 0 else {}
    check(t.get("query") == "- content: drone" and t.get("category") ==
          "Sport" and t.get("notify") == "quiet",
          "feedctl topic add: options before and after NAME QUERY, and a "
          "query starting with '-'", (r.stdout + r.stderr, t))
    r = d.ctl("topic", "add", "bad", "drone", "--feed", "abc")
    check(r.returncode == 2, "feedctl topic add --feed abc is a usage error",
          r.stderr)
    r = d.ctl("topic", "add", "bad", "drone", "--feed", "999999")
    check(r.returncode == 1 and "999999" in r.stderr,
          "feedctl topic add with an unknown feed fails with the message",
          r.stderr)
    code, doc, _ = http_unix(d.socket, "POST", "/v1/feeds",
                             {"url": srv.dyn_url("v"), "category": ["x"]})
    check(code == 400 and doc["error"]["code"] == "bad_category",
          "POST /v1/feeds refuses a category that is not a string", doc)
    code, doc, _ = http_unix(d.socket, "PATCH", "/v1/feeds/%d" % A,
                             {"category": "Other"})
    check(code == 409 and "configuration" in doc["error"]["message"],
          "a config feed's category is changed in feedd.conf", doc)
    code, doc, _ = http_unix(d.socket, "PATCH", "/v1/feeds/999999",
                             {"category": "Other"})
    check(code == 404, "PATCH of an unknown feed is a 404", doc)
    code, doc, _ = http_unix(d.socket, "PATCH", "/v1/feeds/%d" % X,
                             {"interval": "1h"})
    check(code == 400 and doc["error"]["code"] == "unknown_field",
          "PATCH refuses fields it cannot change", doc)
    r = d.ctl("set", str(X))
    check(r.returncode == 2, "feedctl set without a change is a usage error",
          r.stderr)

    # ---- a restart keeps API subsets; a reload re-resolves config ones ----
    check(d.stop() == 0, "the daemon stops cleanly", d.read_log()[-2000:])
    d.start()
    t = topic(d, "ids")
    check(t["feeds"] == [X, Y] and t["feed_ids"] == sorted([X, Y]),
          "an id subset survives a restart", t)
    t = topic(d, "cat")
    check(t["category"] == "News" and sorted(t["feed_ids"]) ==
          sorted([A, X, W]), "a category subset survives a restart", t)
    d.config = tmp.write("feedd.conf", conf(bcat="News/Sport"))
    d.signal(signal.SIGHUP)
    check(wait_until(lambda: B in topic(d, "cfg-news")["feed_ids"]),
          "a reload re-files a config feed and the topics follow",
          topic(d, "cfg-news"))
    check(B in topic(d, "cat")["feed_ids"],
          "API category topics follow a reload too", topic(d, "cat"))
    check({f["id"]: f["category"] for f in
           d.ctl_json("feeds")["feeds"]}[B] == "News/Sport",
          "the store has the new category", d.ctl_json("feeds"))
    check(d.stop() == 0, "the daemon stops cleanly after the reload",
          d.read_log()[-2000:])

    # A bad category in feedd.conf is an error with file and line.
    bad = tmp.write("bad.conf", CONF + '[feed "q"]\nurl = %s\n'
                    'category = "a\tb"\n' % srv.dyn_url("q"))
    r = subprocess.run([FEEDD, "-c", bad, "--check-config"],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 1 and "bad.conf:" in r.stderr and
          "category" in r.stderr,
          "feedd --check-config reports a bad category", r.stderr)
finally:
    d.stop()
    srv.stop()

tmp.cleanup()
done()
