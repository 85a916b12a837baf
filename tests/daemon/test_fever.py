"""The Fever API as the apps speak it: POST /fever/?api&SECTION with a
form-encoded body holding api_key = md5("name:password"), against the real
daemon and feeds from a local server. Login (good, bad, missing, a user
without Fever, a changed password; failures counted and slowed), groups
(categories and topics), feeds, items paged by since_id and max_id and
picked by with_ids, unread and saved ids, and marks on items, feeds and
groups, which the socket API shows as the user's read and starred."""
import hashlib
import http.client
import json
import time
import urllib.parse

from feeddtest import Daemon, TempDir, check, done, free_port, http_unix
from test_api_lib import CONF, FeedServer, rss, wait_until

tmp = TempDir()
port = free_port()
srv = FeedServer(tmp.join("www"))
d = Daemon(tmp, CONF + "listen = 127.0.0.1:%d\n" % port).start()
# rss() dates every item Mon, 03 Nov 2025 12:00:00 GMT.
PUBLISHED = 1762171200
NEWS_N = 300

news = srv.write("news.xml", rss("news", range(NEWS_N)))
tech = srv.write("tech.xml", rss("tech", [
    ("d1", "A drone over the sea", "drone story"),
    ("d2", "Quiet day", "nothing"),
    ("d3", "Drone rules", "more drone"),
    ("d4", "Chips", "nothing"),
]))
misc = srv.write("misc.xml", rss("misc", range(3)))


def api(method, path, body=None):
    code, doc, _ = http_unix(d.socket, method, path, body)
    return code, doc


feed_ids = {}
for name, url, cat in (("news", news, "World/News"), ("tech", tech, "Tech"),
                       ("misc", misc, None)):
    body = {"url": url, "wait": True}
    if cat:
        body["category"] = cat
    code, doc = api("POST", "/v1/feeds", body)
    check(code == 201, "feed %s added" % name, (code, doc))
    feed_ids[name] = doc["feed"]["id"]
TOTAL = NEWS_N + 4 + 3
check(wait_until(lambda: api("GET", "/v1/status")[1].get("entries") ==
                 TOTAL, timeout=30), "every entry stored",
      api("GET", "/v1/status"))
code, doc = api("POST", "/v1/topics", {"name": "drones", "query": "drone"})
check(code == 201, "topic drones added", doc)
topic_id = doc["id"]

code, doc = api("POST", "/v1/users", {"name": "alice",
                                      "password": "alice-pass-1",
                                      "fever": True})
check(code == 201, "alice, with Fever", doc)
code, doc = api("POST", "/v1/users", {"name": "bob",
                                      "password": "bob-pass-123"})
check(code == 201, "bob, without", doc)


def key(name, pw):
    return hashlib.md5(("%s:%s" % (name, pw)).encode()).hexdigest()


KEY = key("alice", "alice-pass-1")


def fever(query="", form=None, api_key=KEY, path="/fever/?api",
          method="POST"):
    """(status, JSON) of one request as an app makes it."""
    fields = dict(form or {})
    if api_key is not None:
        fields["api_key"] = api_key
    body = urllib.parse.urlencode(fields)
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    c.request(method, path + ("&" + query if query else ""),
              body=body if method == "POST" else None,
              headers={"Content-Type": "application/x-www-form-urlencoded"}
              if method == "POST" else {})
    r = c.getresponse()
    raw = r.read()
    c.close()
    try:
        return r.status, json.loads(raw)
    except ValueError:
        return r.status, raw


def ok_doc(status, doc):
    return (status == 200 and isinstance(doc, dict) and
            doc.get("api_version") == 3 and doc.get("auth") == 1 and
            doc.get("last_refreshed_on_time", 0) > 0)


def denied(status, doc):
    return status == 401 and doc == {"api_version": 3, "auth": 0}


# ---- login ------------------------------------------------------------------
status, doc = fever()
check(ok_doc(status, doc), "a good api_key: auth 1, api_version 3, "
      "last_refreshed_on_time", (status, doc))
status, doc = fever(api_key=KEY.upper())
check(ok_doc(status, doc), "the key's hex case does not matter", doc)
status, doc = fever(path="/fever?api")
check(ok_doc(status, doc), "/fever works too", doc)
status, doc = fever(path="/fever/?api&api_key=" + KEY, api_key=None,
                    method="GET")
check(ok_doc(status, doc), "the key in the query (GET) works too", doc)
code, _, raw = http_unix(d.socket, "POST", "/fever/?api",
                         raw=("api_key=" + KEY).encode())
check(code == 200 and json.loads(raw)["auth"] == 1,
      "and over the Unix socket", raw)
code, doc, _ = http_unix(d.socket, "POST", "/fever/?api&api_key=" + KEY)
check(code == 200 and doc["auth"] == 1 and KEY not in d.read_log(),
      "a key in the URI of a POST over the socket is not logged", doc)
status, doc = fever(path="/fever/")
check(status == 400, "without ?api: 400", (status, doc))
status, doc = fever(api_key=None)
check(denied(status, doc), "no api_key: 401 auth 0", (status, doc))
status, doc = fever(api_key=key("alice", "wrong-pass"))
check(denied(status, doc), "a wrong key: 401 auth 0", (status, doc))
status, doc = fever(api_key="zz" * 16)
check(denied(status, doc), "a malformed key: 401 auth 0", (status, doc))
status, doc = fever(api_key=key("bob", "bob-pass-123"))
check(denied(status, doc), "a user without Fever cannot log in",
      (status, doc))
status, doc = fever("groups&items&unread_item_ids", api_key="0" * 32)
check(denied(status, doc) and "items" not in doc,
      "a bad key reads nothing", doc)
log = d.read_log()
check("a Fever api_key that is no Fever user's, failure" in log and
      "0" * 32 not in log and KEY not in log,
      "failures are logged and counted, keys never", log[-2000:])
check(ok_doc(*fever()), "a good key clears them")

# ---- the slow-down ------------------------------------------------------------
times = []
for i in range(6):
    t0 = time.monotonic()
    status, doc = fever(api_key=key("alice", "guess%d" % i))
    times.append(time.monotonic() - t0)
check(all(t < 0.9 for t in times[:5]) and times[5] >= 0.9,
      "five wrong keys at once, the 6th a second late", times)
t0 = time.monotonic()
status, doc = fever()
check(ok_doc(status, doc) and time.monotonic() - t0 >= 0.9,
      "the good key still works, a second late", time.monotonic() - t0)
t0 = time.monotonic()
check(ok_doc(*fever()) and time.monotonic() - t0 < 0.9,
      "and the address is free again", time.monotonic() - t0)

# ---- groups and feeds -----------------------------------------------------------
status, doc = fever("groups")
groups = {g["title"]: g["id"] for g in doc.get("groups", [])}
fg = {x["group_id"]: sorted(int(i) for i in x["feed_ids"].split(","))
      for x in doc.get("feeds_groups", [])}
check(ok_doc(status, doc) and set(groups) == {"World/News", "Tech",
                                               "drones"},
      "groups: the categories and the topic", doc)
check(groups.get("drones") == 1000000000 + topic_id and
      0 < groups.get("Tech", 0) <= 1000000000 and
      0 < groups.get("World/News", 0) <= 1000000000,
      "a topic's group id is 1000000000 + its id, categories' below", groups)
check(fg.get(groups.get("Tech")) == [feed_ids["tech"]] and
      fg.get(groups.get("World/News")) == [feed_ids["news"]] and
      fg.get(groups.get("drones")) == [feed_ids["tech"]],
      "feeds_groups: a category's feeds, the feeds of the topic's stories",
      fg)
check(ok_doc(*fever("groups")) and fever("groups")[1]["groups"] ==
      doc["groups"], "group ids are stable", doc)
status, doc = fever("feeds")
feeds = {f["id"]: f for f in doc.get("feeds", [])}
check(ok_doc(status, doc) and set(feeds) == set(feed_ids.values()) and
      "feeds_groups" in doc, "feeds, with feeds_groups", doc)
f = feeds.get(feed_ids["news"], {})
check(f.get("url") == news and f.get("title") == "news" and
      f.get("site_url") == "http://example.org/news/" and
      f.get("is_spark") == 0 and f.get("last_updated_on_time", 0) > 0 and
      "favicon_id" in f, "a feed's members", f)
status, doc = fever("favicons&links")
check(ok_doc(status, doc) and doc.get("favicons") == [] and
      doc.get("links") == [], "favicons and links: empty lists", doc)

# ---- items -----------------------------------------------------------------------
code, doc = api("GET", "/v1/entries?limit=1000")
all_ids = sorted(e["id"] for e in doc["entries"])
check(len(all_ids) == TOTAL, "the socket lists every entry", len(all_ids))
got, since, pages, sizes = [], 0, 0, []
while pages < 20:
    status, doc = fever("items&since_id=%d" % since)
    items = doc.get("items", [])
    pages += 1
    sizes.append(len(items))
    if not items:
        break
    got += [i["id"] for i in items]
    since = items[-1]["id"]
check(status == 200 and doc.get("total_items") == TOTAL,
      "total_items", doc.get("total_items"))
check(got == all_ids and max(sizes) == 50,
      "since_id pages through every item once, ascending, 50 a call",
      (len(got), len(set(got)), sizes))
got, max_id = [], 0
for _ in range(20):
    status, doc = fever("items&max_id=%d" % max_id)
    items = doc.get("items", [])
    if not items:
        break
    got += [i["id"] for i in items]
    max_id = items[-1]["id"]
check(got == all_ids[::-1], "max_id pages backwards, newest first, without "
      "a gap", (len(got), got[:3]))
pick = [all_ids[5], all_ids[-1], all_ids[100]]
status, doc = fever("items&with_ids=" + ",".join(map(str, pick)))
items = doc.get("items", [])
check(sorted(i["id"] for i in items) == sorted(pick), "with_ids", items)
it = items[0] if items else {}
check(set(it) == {"id", "feed_id", "title", "author", "html", "url",
                  "is_saved", "is_read", "created_on_time"} and
      it["is_read"] == 0 and it["is_saved"] == 0 and
      it["created_on_time"] == PUBLISHED and it["url"].startswith(
          "http://example.org/") and it["html"], "an item's members", it)
status, doc = fever("items&with_ids=" + ",".join(map(str, all_ids[:51])))
check(status == 400, "with_ids takes at most 50", (status, doc))
status, doc = fever("items&since_id=x")
check(status == 400, "a malformed since_id: 400", (status, doc))


# ---- state ---------------------------------------------------------------------
def id_set(s):
    return {int(i) for i in s.split(",")} if s else set()


def unread():
    status, doc = fever("unread_item_ids")
    return id_set(doc["unread_item_ids"]) if status == 200 else None


def saved():
    status, doc = fever("saved_item_ids")
    return id_set(doc["saved_item_ids"]) if status == 200 else None


def entries_of(user):
    code, doc = api("GET", "/v1/entries?limit=1000&user=" + user)
    return {e["id"]: e for e in doc["entries"]}


check(unread() == set(all_ids) and saved() == set(),
      "at first: every item unread, none saved")
x, y = all_ids[10], all_ids[20]
status, doc = fever(form={"mark": "item", "as": "read", "id": x})
check(ok_doc(status, doc) and unread() == set(all_ids) - {x},
      "mark item read (form fields)", doc)
status, doc = fever("mark=item&as=read&id=%d" % y)
check(ok_doc(status, doc) and unread() == set(all_ids) - {x, y},
      "mark item read (query arguments)", doc)
e = entries_of("alice")
check(e[x]["read"] and e[y]["read"] and not e[all_ids[0]]["read"],
      "the socket API shows alice's read entries", e[x])
e = entries_of("owner")
check(not e[x]["read"], "the owner's are apart", e[x])
fever(form={"mark": "item", "as": "unread", "id": y})
check(unread() == set(all_ids) - {x}, "mark item unread")
fever(form={"mark": "item", "as": "saved", "id": x})
status, doc = fever("items&with_ids=%d" % x)
check(saved() == {x} and doc["items"][0]["is_saved"] == 1 and
      doc["items"][0]["is_read"] == 1, "mark item saved", doc)
check(entries_of("alice")[x]["starred"], "the socket API shows it starred")
fever(form={"mark": "item", "as": "unsaved", "id": x})
check(saved() == set() and not entries_of("alice")[x]["starred"],
      "mark item unsaved")
status, doc = fever(form={"mark": "item", "as": "sideways", "id": x})
check(status == 400, "an unknown 'as': 400", (status, doc))

tech_ids = {i for i, e in entries_of("alice").items()
            if e["feed_id"] == feed_ids["tech"]}
news_ids = {i for i, e in entries_of("alice").items()
            if e["feed_id"] == feed_ids["news"]}
fever(form={"mark": "feed", "as": "read", "id": feed_ids["tech"],
            "before": PUBLISHED})
check(unread() & tech_ids == tech_ids,
      "mark feed read before= the items' date: nothing")
fever(form={"mark": "feed", "as": "read", "id": feed_ids["tech"],
            "before": PUBLISHED + 1})
check(unread() & tech_ids == set() and len(unread()) == TOTAL - 1 - 4,
      "mark feed read before= after it: the feed's items")
fever(form={"mark": "feed", "as": "unread", "id": feed_ids["tech"]})
fever(form={"mark": "group", "as": "read", "id": groups["drones"],
            "before": PUBLISHED + 1})
drone_ids = {i for i in tech_ids
             if "rone" in entries_of("alice")[i]["title"]}
check(len(drone_ids) == 2 and unread() & tech_ids == tech_ids - drone_ids,
      "mark a topic's group read: its stories only", drone_ids)
fever(form={"mark": "group", "as": "read", "id": groups["World/News"],
            "before": PUBLISHED + 1})
check(unread() & news_ids == set() and
      unread() & tech_ids == tech_ids - drone_ids,
      "mark a category's group read: its feeds")
e = entries_of("alice")
check(all(e[i]["read"] for i in news_ids) and
      not any(entries_of("owner")[i]["read"] for i in news_ids),
      "the socket API shows them read, for alice only")
fever(form={"mark": "group", "as": "read", "id": -1, "before": 0})
check(len(unread()) == 3 + 2, "group -1 (sparks) marks nothing")
fever(form={"mark": "group", "as": "read", "id": 0,
            "before": int(time.time()) + 10})
check(unread() == set(), "group 0 (Kindling) marks everything")
status, doc = fever("items&with_ids=%d" % all_ids[0])
check(doc["items"][0]["is_read"] == 1, "items show is_read", doc)

# ---- a new password ---------------------------------------------------------------
code, doc = api("PATCH", "/v1/users/alice", {"password": "alice-pass-2"})
check(code == 200, "alice's password changed", (code, doc))
check(denied(*fever()), "the old api_key no longer works")
check(ok_doc(*fever(api_key=key("alice", "alice-pass-2"))),
      "the new one does")

d.stop()
srv.stop()
tmp.cleanup()
done()
