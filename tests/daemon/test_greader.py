"""The Google Reader API over TCP, spoken as the apps speak it: ClientLogin
with a form-encoded POST, "Authorization: GoogleLogin auth=..." on every
request, the T token on writes (missing or wrong: 401 with
X-Reader-Google-Bad-Token), both prefixes (root and /api/greader.php),
subscriptions and labels (categories as folders, topics as tags listing
each story once), unread counts, stream/contents paged by continuation
through 5,000 items without a gap or a repeat, both item id forms,
edit-tag and mark-all-as-read, and the bad input: wrong passwords (401,
slowed after five), unknown streams (404), n capped, malformed ids (400)."""
import json
import os
import time
import urllib.parse

from feeddtest import (Daemon, TempDir, check, done, free_port, http_tcp,
                       http_unix)
from test_api_lib import CONF, FeedServer, rss, wait_until

tmp = TempDir()
srv = FeedServer(tmp.join("www"))
port = free_port()
d = Daemon(tmp, CONF + "listen = 127.0.0.1:%d\nmax_entries_per_feed = 0\n"
           % port).start()
LONG = "tag:google.com,2005:reader/item/"


def req(method, path, params=None, auth=None, prefix=""):
    """(status, headers, body bytes, JSON or None): params are sent as the
    apps send them, in the query string for GET and as a form for POST."""
    body = None
    headers = []
    if params is not None:
        enc = urllib.parse.urlencode(params, doseq=True)
        if method == "GET":
            path += ("&" if "?" in path else "?") + enc
        else:
            body = enc
            headers.append(("Content-Type",
                            "application/x-www-form-urlencoded"))
    if auth is not None:
        headers.append(("Authorization", "GoogleLogin auth=" + auth))
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    data = body.encode() if body is not None else b""
    c.putrequest(method, prefix + path)
    for k, v in headers:
        c.putheader(k, v)
    c.putheader("Content-Length", str(len(data)))
    c.endheaders(data)
    r = c.getresponse()
    raw = r.read()
    c.close()
    try:
        doc = json.loads(raw)
    except ValueError:
        doc = None
    return r.status, r, raw, doc


def login(name, pw, prefix=""):
    status, _, raw, _ = req("POST", "/accounts/ClientLogin",
                            {"Email": name, "Passwd": pw,
                             "service": "reader", "accountType":
                             "HOSTED_OR_GOOGLE"}, prefix=prefix)
    lines = dict(l.split("=", 1) for l in raw.decode().splitlines()
                 if "=" in l)
    return status, lines.get("Auth")


# ---- users, feeds, a topic ----------------------------------------------------
code, doc, _ = http_unix(d.socket, "PATCH", "/v1/users/owner",
                         {"password": "owner-secret-1"})
check(code == 200, "the owner has a password", doc)
code, doc, _ = http_unix(d.socket, "POST", "/v1/users",
                         {"name": "ann", "password": "ann-secret-22"})
check(code == 201, "a second user", doc)
code, doc, _ = http_unix(d.socket, "POST", "/v1/topics",
                         {"name": "Coalition", "query": "coalition"})
check(code == 201, "a topic", doc)

# Five feeds of 1,000 items: 5,000 to page through.
for k in range(5):
    url = srv.write("big%d.xml" % k, rss("big%d" % k, range(1000)))
    code, doc, _ = http_unix(d.socket, "POST", "/v1/feeds",
                             {"url": url, "category": "Bulk/Part%d" % (k % 2)})
    check(code == 201 and doc["poll"]["done"] and
          doc["poll"]["entries"] == 1000, "feed big%d: 1,000 entries" % k,
          doc)
# The same story in two feeds: the topic lists it once.
story = ('<item><guid>%s</guid><title>Coalition of the Willing meets in '
         'Paris today</title><link>http://example.org/story/coalition</link>'
         '<pubDate>Mon, 03 Nov 2025 12:00:00 GMT</pubDate><description>'
         'Leaders of the coalition met.</description></item>')
for name in ("wire", "paper"):
    text = rss(name, [(1, "%s other" % name, "nothing here")]).replace(
        "</channel>", story % (name + "-c") + "</channel>")
    code, doc, _ = http_unix(d.socket, "POST", "/v1/feeds",
                             {"url": srv.write(name + ".xml", text),
                              "category": "News"})
    check(code == 201 and doc["poll"]["entries"] == 2, "feed " + name, doc)
check(wait_until(lambda: http_unix(d.socket, "GET", "/v1/topics/Coalition")
                 [1].get("match_count", 0) >= 1), "the topic matched")

# ---- login ------------------------------------------------------------------
status, _, raw, _ = req("GET", "/reader/api/0/user-info")
check(status == 401, "no GoogleLogin header: 401", raw)
status, auth = login("owner", "owner-secret-1")
check(status == 200 and auth and auth.startswith("owner/"),
      "ClientLogin answers SID/LSID/Auth", auth)
status, auth2 = login("owner", "owner-secret-1", prefix="/api/greader.php")
check(status == 200 and auth2 == auth,
      "under /api/greader.php too, and the same token again (derived, not "
      "stored)", auth2)
status, _, _, doc = req("GET", "/reader/api/0/user-info?output=json",
                        auth=auth)
check(status == 200 and doc["userName"] == "owner" and doc["userId"] == "1",
      "user-info", doc)
status, _, _, doc2 = req("GET", "/reader/api/0/user-info", auth=auth,
                         prefix="/api/greader.php")
check(status == 200 and doc2 == doc, "both prefixes, one answer", doc2)
status, _, raw, _ = req("GET", "/reader/api/0/user-info",
                        auth=auth[:-1] + ("0" if auth[-1] != "0" else "1"))
check(status == 401, "a token changed by one digit: 401", raw)
status, ann = login("ann", "ann-secret-22")
check(status == 200 and ann.startswith("ann/") and ann != auth,
      "another user's token", ann)

# ---- subscriptions, tags ------------------------------------------------------
status, _, _, doc = req("GET", "/reader/api/0/subscription/list",
                        {"output": "json"}, auth)
subs = {s["title"]: s for s in doc["subscriptions"]}
check(status == 200 and len(subs) == 7 and
      subs["big1"]["categories"] == [{"id": "user/-/label/Bulk/Part1",
                                      "label": "Bulk/Part1"}] and
      subs["wire"]["id"] == "feed/" + srv.url("wire.xml"),
      "subscription/list: feeds with their category as a label", doc)
status, _, _, doc = req("GET", "/reader/api/0/tag/list", {"output": "json"},
                        auth)
tags = {t["id"]: t.get("type") for t in doc["tags"]}
check(status == 200 and "user/-/state/com.google/starred" in tags and
      tags.get("user/-/label/News") == "folder" and
      tags.get("user/-/label/Coalition") == "tag",
      "tag/list: states, categories as folders, topics as tags", doc)

# ---- the T token ----------------------------------------------------------------
status, _, raw, _ = req("GET", "/reader/api/0/token", auth=auth)
T = raw.decode().strip()
check(status == 200 and len(T) >= 32, "a T token", raw)
status, r, raw, _ = req("POST", "/reader/api/0/edit-tag",
                        {"i": "1", "a": "user/-/state/com.google/read"}, auth)
check(status == 401 and r.getheader("X-Reader-Google-Bad-Token") == "true",
      "a write without T: 401, X-Reader-Google-Bad-Token", raw)
status, r, raw, _ = req("POST", "/reader/api/0/edit-tag",
                        {"i": "1", "a": "user/-/state/com.google/read",
                         "T": "0" * len(T)}, auth)
check(status == 401 and r.getheader("X-Reader-Google-Bad-Token") == "true",
      "a wrong T: 401", raw)
status, _, raw, _ = req("GET", "/reader/api/0/token", auth=ann)
status, r, raw, _ = req("POST", "/reader/api/0/edit-tag",
                        {"i": "1", "a": "user/-/state/com.google/read",
                         "T": raw.decode()}, auth)
check(status == 401, "another user's T: 401", raw)

# ---- paging 5,000 items ---------------------------------------------------------
seen, pages, cont = [], 0, None
while True:
    params = {"n": 1000, "output": "json"}
    if cont:
        params["c"] = cont
    status, _, _, doc = req(
        "GET", "/reader/api/0/stream/contents/" + urllib.parse.quote(
            "user/-/label/Bulk", safe=""), params, auth)
    if status != 200:
        break
    pages += 1
    seen += [int(i["id"][len(LONG):], 16) for i in doc["items"]]
    cont = doc.get("continuation")
    if not cont or pages > 10:
        break
check(status == 200 and len(seen) == 5000 and len(set(seen)) == 5000 and
      seen == sorted(seen, reverse=True),
      "stream/contents of a label, 1,000 a page: 5,000 items, newest first, "
      "no gap, no repeat (%d pages)" % pages, (status, len(seen)))
asc, cont = [], None
while True:
    params = {"n": 700, "r": "o"}
    if cont:
        params["c"] = cont
    status, _, _, doc = req("GET", "/reader/api/0/stream/items/ids",
                            dict(params, s="user/-/state/com.google/"
                                 "reading-list"), auth)
    asc += [int(i["id"]) for i in doc["itemRefs"]]
    cont = doc.get("continuation")
    if not cont or len(asc) > 6000:
        break
check(len(asc) == 5004 and asc == sorted(set(asc)),
      "stream/items/ids, oldest first (r=o), decimal ids, continuation: "
      "every item once", len(asc))
status, _, _, doc = req("GET", "/reader/api/0/stream/contents/user/-/state/"
                        "com.google/reading-list", {"n": 100000}, auth)
check(status == 200 and len(doc["items"]) == 1000, "n=100000 is capped "
      "at 1,000", (status, doc and len(doc.get("items", []))))
item = doc["items"][0]
check(item["id"].startswith(LONG) and len(item["id"]) == len(LONG) + 16 and
      item["origin"]["streamId"].startswith("feed/http") and
      item["alternate"][0]["href"].startswith("http://example.org/") and
      "user/-/state/com.google/reading-list" in item["categories"] and
      item["summary"]["content"] and item["crawlTimeMsec"].isdigit() and
      item["timestampUsec"].isdigit(),
      "an item: long id, origin, links, summary, categories", item)

# ---- topics as labels: each story once ----------------------------------------
status, _, _, doc = req("GET", "/reader/api/0/stream/contents/user/-/label/"
                        "Coalition", None, auth)
check(status == 200 and len(doc["items"]) == 1 and
      "user/-/label/Coalition" in doc["items"][0]["categories"],
      "a topic's stream lists the story once (two feeds carry it)", doc)
story_id = doc["items"][0]["id"]

# ---- state -------------------------------------------------------------------
short = str(int(story_id[len(LONG):], 16))
status, _, raw, _ = req("POST", "/reader/api/0/edit-tag",
                        {"i": [story_id], "a": ["user/-/state/com.google/"
                                                "starred",
                                                "user/-/state/com.google/read"],
                         "T": T}, auth)
check(status == 200 and raw == b"OK", "edit-tag with the long id", raw)
status, _, _, doc = req("POST", "/reader/api/0/stream/items/contents",
                        {"i": [short, story_id]}, auth)
cats = doc["items"][0]["categories"] if status == 200 else []
check(status == 200 and "user/-/state/com.google/starred" in cats and
      "user/-/state/com.google/read" in cats,
      "stream/items/contents takes short and long ids: starred and read",
      doc)
status, _, _, doc = req("GET", "/reader/api/0/stream/contents/user/-/state/"
                        "com.google/starred", None, auth)
check(status == 200 and story_id in [i["id"] for i in doc["items"]] and
      {i["alternate"][0]["href"] for i in doc["items"]} ==
      {"http://example.org/story/coalition"},
      "the starred stream: the story (its copies share their state)", doc)
status, _, _, doc = req("GET", "/reader/api/0/stream/contents/user/-/state/"
                        "com.google/starred", None, ann)
check(status == 200 and doc["items"] == [], "another user's star is not "
      "ann's", doc)
# A sub-category beside a category's own feeds: "News" counts both.
code, doc, _ = http_unix(d.socket, "POST", "/v1/feeds",
                         {"url": srv.write("world.xml", rss("world", [
                             (1, "world one", "nothing here")])),
                          "category": "News/World"})
check(code == 201 and doc["poll"]["entries"] == 1, "feed world", doc)
status, hdrs, raw, doc = req("GET", "/reader/api/0/unread-count",
                             {"output": "json"}, auth)
counts = {c["id"]: c["count"] for c in doc["unreadcounts"]}
check(status == 200 and counts.get("user/-/state/com.google/reading-list")
      == 5005 - 2 and counts.get("user/-/label/Bulk/Part0") == 3000 and
      counts.get("user/-/label/Bulk/Part1") == 2000 and
      counts.get("user/-/label/News") == 3 and
      counts.get("user/-/label/News/World") == 1 and
      "user/-/label/Coalition" not in counts,
      "unread-count: feeds, labels (a category takes in those below it), "
      "topics, the reading list (the story's two copies read together)",
      counts)
check(sorted(doc) == ["max", "unreadcounts"] and doc["max"] > 0 and
      all(sorted(c) == ["count", "id", "newestItemTimestampUsec"] and
          isinstance(c["count"], int) and c["count"] > 0 and
          c["newestItemTimestampUsec"].isdigit() for c in doc["unreadcounts"])
      and len(counts) == len(doc["unreadcounts"]),
      "unread-count: the document's shape, each stream once", doc)
# Written element by element, it is still one compact JSON document.
check(raw.decode() == json.dumps(doc, separators=(",", ":"),
                                 ensure_ascii=False) + "\n" and
      hdrs.getheader("Content-Type", "").startswith("application/json"),
      "unread-count: one compact JSON document", raw[:200])
# mark-all-as-read with ts: only what is at or before it.
wire = "feed/" + srv.url("wire.xml")
status, _, raw, _ = req("POST", "/reader/api/0/mark-all-as-read",
                        {"s": wire, "ts": "1000000", "T": T}, auth)
status, _, _, doc = req("GET", "/reader/api/0/stream/contents/"
                        + urllib.parse.quote(wire, safe=""),
                        {"xt": "user/-/state/com.google/read"}, auth)
check(status == 200 and len(doc["items"]) == 1, "mark-all-as-read with an "
      "old ts marks nothing newer", doc)
status, _, raw, _ = req("POST", "/reader/api/0/mark-all-as-read",
                        {"s": wire, "ts": str(int(time.time() * 1e6)),
                         "T": T}, auth, prefix="/api/greader.php")
status, _, _, doc = req("GET", "/reader/api/0/stream/contents/"
                        + urllib.parse.quote(wire, safe=""),
                        {"xt": "user/-/state/com.google/read"}, auth)
check(status == 200 and doc["items"] == [], "mark-all-as-read of a feed",
      doc)
code, doc, _ = http_unix(d.socket, "GET",
                         "/v1/entries?user=owner&limit=1000&latest=1")
wire_entries = [e for e in doc["entries"]
                if e["link"].startswith("http://example.org/wire/") or
                e["link"] == "http://example.org/story/coalition"]
check(code == 200 and len(wire_entries) >= 2 and
      all(e["read"] for e in wire_entries),
      "the socket sees the same state", wire_entries)

# ---- subscriptions: edit, quickadd, tags -----------------------------------
url = srv.write("extra.xml", rss("extra", range(3)))
status, _, raw, _ = req("POST", "/reader/api/0/subscription/quickadd",
                        {"quickadd": url, "T": T}, auth)
check(status == 200 and json.loads(raw)["streamId"] == "feed/" + url,
      "quickadd", raw)
status, _, raw, _ = req("POST", "/reader/api/0/subscription/edit",
                        {"ac": "edit", "s": "feed/" + url, "t": "Extra",
                         "a": "user/-/label/Later", "T": T}, auth)
check(status == 200 and raw == b"OK", "subscription/edit", raw)
status, _, _, doc = req("GET", "/reader/api/0/subscription/list", None, auth)
subs2 = {s["id"]: s for s in doc["subscriptions"]}
check(subs2["feed/" + url]["title"] == "Extra" and
      subs2["feed/" + url]["categories"][0]["label"] == "Later",
      "subscription/edit: renamed and moved", subs2.get("feed/" + url))
status, _, raw, _ = req("POST", "/reader/api/0/rename-tag",
                        {"s": "user/-/label/Later", "dest":
                         "user/-/label/Someday", "T": T}, auth)
status, _, _, doc = req("GET", "/reader/api/0/subscription/list", None, auth)
subs2 = {s["id"]: s for s in doc["subscriptions"]}
check(status == 200 and
      subs2["feed/" + url]["categories"][0]["label"] == "Someday",
      "rename-tag moves the category's feeds", subs2.get("feed/" + url))
status, _, raw, _ = req("POST", "/reader/api/0/disable-tag",
                        {"s": "user/-/label/Coalition", "T": T}, auth)
check(status == 400, "disable-tag of a topic: 400 (feedctl manages "
      "topics)", raw)
status, _, raw, _ = req("POST", "/reader/api/0/disable-tag",
                        {"s": "user/-/label/Someday", "T": T}, auth)
status, _, _, doc = req("GET", "/reader/api/0/subscription/list", None, auth)
subs2 = {s["id"]: s for s in doc["subscriptions"]}
check(subs2["feed/" + url]["categories"] == [],
      "disable-tag: the feeds leave the category", subs2.get("feed/" + url))
status, _, raw, _ = req("POST", "/reader/api/0/subscription/edit",
                        {"ac": "unsubscribe", "s": "feed/" + url, "T": T},
                        auth)
status, _, _, doc = req("GET", "/reader/api/0/subscription/list", None, auth)
check(all(s["id"] != "feed/" + url for s in doc["subscriptions"]),
      "unsubscribe", raw)

# ---- bad input ---------------------------------------------------------------
status, _, _, doc = req("GET", "/reader/api/0/stream/contents/feed/"
                        "http%3A%2F%2Fnowhere.example%2F", None, auth)
check(status == 404 and doc["error"]["code"] == "no_stream",
      "an unknown feed stream: 404", doc)
status, _, _, doc = req("GET", "/reader/api/0/stream/contents/user/-/label/"
                        "Nothing", None, auth)
check(status == 404, "an unknown label: 404", doc)
for bad in ("abc", LONG + "xyz", "-5", "0", LONG + "1" * 17, ""):
    status, _, _, doc = req("POST", "/reader/api/0/stream/items/contents",
                            {"i": bad}, auth)
    check(status == 400, "malformed item id %r: 400" % bad, doc)
status, _, _, doc = req("POST", "/reader/api/0/edit-tag",
                        {"i": "x1", "a": "user/-/state/com.google/read",
                         "T": T}, auth)
check(status == 400, "edit-tag with a malformed id: 400", doc)
status, _, _, doc = req("GET", "/reader/api/0/stream/contents/user/-/state/"
                        "com.google/reading-list", {"c": "zz"}, auth)
check(status == 400, "a malformed continuation: 400", doc)

# A password change ends the old sessions.
code, doc, _ = http_unix(d.socket, "PATCH", "/v1/users/ann",
                         {"password": "ann-secret-33"})
status, _, _, _ = req("GET", "/reader/api/0/user-info", auth=ann)
check(status == 401, "a password change ends the old token", status)

# Wrong passwords: 401, and after five the address is slowed (a good
# request first forgets the failures above).
status, _, _, _ = req("GET", "/reader/api/0/user-info", auth=auth)
times = []
for i in range(7):
    t0 = time.monotonic()
    status, got = login("owner", "wrong-password-%d" % i)
    times.append(time.monotonic() - t0)
    check(status == 401 and got is None, "wrong password %d: 401" % (i + 1),
          status)
check(all(t < 0.9 for t in times[:5]) and all(t >= 0.9 for t in times[5:]),
      "the first five at once, then a second each", times)
status, auth3 = login("owner", "owner-secret-1")
check(status == 200 and auth3 == auth, "the right password still works",
      status)


def cpu_of(fn):
    """The daemon's CPU seconds (utime + stime) while fn runs."""
    def now():
        with open("/proc/%d/stat" % d.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    t0 = now()
    fn()
    return now() - t0


# A failed login costs the same hashing whether the user exists or not, so
# its time does not tell which names are users.
known = cpu_of(lambda: [login("owner", "wrong-password-x") for _ in range(4)])
login("owner", "owner-secret-1")
unknown = cpu_of(lambda: [login("nobody-%d" % i, "wrong-password-x")
                          for i in range(4)])
login("owner", "owner-secret-1")
check(known > 0 and unknown >= known / 3,
      "an unknown user's login hashes as a known one's does (CPU s)",
      (known, unknown))
log = d.read_log()
check("owner-secret-1" not in log and auth.split("/")[1] not in log and
      T not in log, "neither password nor tokens in the log")

d.stop()
srv.stop()
done()
