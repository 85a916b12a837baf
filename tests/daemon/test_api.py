"""The socket API end to end: the real daemon polling a local HTTP feed
server, every endpoint's success and error paths (status, feeds, entries,
cursors, backup), the JSON error shape, request limits, a cursor kept
across a restart, and valid UTF-8 in every answer even when a feed sent
bytes that are not."""
import json
import os
import socket
import sqlite3
import threading
import time

from feeddtest import ON_PG, Daemon, TempDir, check, done, http_unix
from test_api_lib import CONF, FeedServer, rss, strict_json, wait_until

tmp = TempDir()
srv = FeedServer(tmp.join("www"))
conf = CONF
d = Daemon(tmp, conf).start()
S = d.socket


def api(method, path, body=None, raw=None):
    code, doc, text = http_unix(S, method, path, body=body, raw=raw)
    check(strict_json(text) is not None,
          "%s %s answers valid UTF-8 JSON" % (method, path), text[:300])
    return code, doc


def err_code(doc):
    return (doc or {}).get("error", {}).get("code")


def err_msg(doc):
    return (doc or {}).get("error", {}).get("message") or ""


# ---- status -------------------------------------------------------------
code, doc = api("GET", "/v1/status")
check(code == 200 and doc["pid"] == d.proc.pid and doc["version"],
      "status: version and pid", doc)
for k in ("feeds", "entries", "feeds_backing_off", "db_size", "next_poll",
          "uptime", "polls_in_flight", "last_entry_id"):
    check(k in doc, "status carries %s" % k, doc)

# ---- adding feeds ---------------------------------------------------------
items_a = [(i, "Перша новина %d про коаліцію охочих" % i, "coalition text %d" % i)
           for i in range(1, 6)]
url_a = srv.write("a.xml", rss("a", items_a, title="Стрічка А"))
url_b = srv.write("b.xml", rss("b", [1, 2, 3], title="Feed B"))

code, doc = api("POST", "/v1/feeds", {"url": url_a})
check(code == 201, "add answers 201", (code, doc))
fa = doc["feed"]["id"] if code == 201 else 0
poll = doc.get("poll") or {}
check(poll.get("done") is True and poll.get("ok") is True and
      poll.get("entries") == 5 and poll.get("title") == "Стрічка А",
      "add waits for the first poll and says what it found", doc)

code, doc = api("POST", "/v1/feeds", {"url": url_a})
check(code == 409 and err_code(doc) == "exists" and str(fa) in err_msg(doc),
      "adding the same URL again is a 409 naming the feed", (code, doc))

code, doc = api("POST", "/v1/feeds", {"url": url_b, "title": "My B",
                                      "interval": "2h"})
fb = doc["feed"]["id"] if code == 201 else 0
check(code == 201 and doc["feed"]["title"] == "My B" and
      doc["feed"]["interval"] == 7200, "add with title and interval", doc)

code, doc = api("POST", "/v1/feeds", {"url": srv.base + "/status/404",
                                      "wait": True})
fbad = doc["feed"]["id"] if code == 201 else 0
check(code == 201 and doc["poll"].get("done") and doc["poll"]["ok"] is False
      and "404" in (doc["poll"].get("error") or ""),
      "a feed whose first poll fails is added and the answer says why", doc)

bad_bodies = [
    (None, b"{not json", "bad_json", "malformed"),
    (None, b"[1,2]", "bad_json", "object"),
    (None, b"", "bad_json", "JSON"),
    ({"url": url_a, "colour": "red"}, None, "unknown_field", "colour"),
    ({"title": "x"}, None, "bad_request", "url"),
    ({"url": 5}, None, "bad_request", "url"),
    ({"url": "ftp://example.org/x"}, None, "bad_url", "http"),
    ({"url": "not a url"}, None, "bad_url", ""),
    ({"url": "/relative/path"}, None, "bad_url", ""),
    ({"url": "http://x.org/f", "interval": "soon"}, None, "bad_request",
     "interval"),
    ({"url": "http://x.org/f", "interval": -5}, None, "bad_request",
     "interval"),
    ({"url": "http://x.org/f", "wait": "yes"}, None, "bad_request", "wait"),
]
for body, raw, ecode, word in bad_bodies:
    code, doc = api("POST", "/v1/feeds", body=body, raw=raw)
    check(code == 400 and err_code(doc) == ecode and word in err_msg(doc),
          "add refuses %r with 400 %s" % (body or raw, ecode), (code, doc))

code, doc = api("POST", "/v1/feeds", raw=b'{"url": "http://x.org/a", '
                b'"url": "http://x.org/b"}')
check(code == 400, "duplicate keys in a body are refused", (code, doc))

# ---- listing feeds --------------------------------------------------------
code, doc = api("GET", "/v1/feeds")
urls = [f["url"] for f in doc.get("feeds", [])]
check(code == 200 and url_a in urls and url_b in urls, "feeds lists them",
      doc)
fa_doc = [f for f in doc["feeds"] if f["id"] == fa][0]
check(fa_doc["state"] == "ok" and fa_doc["entries"] == 5 and
      fa_doc["origin"] == "api" and fa_doc["last_poll"].endswith("Z"),
      "a feed carries state, entry count, origin and UTC dates", fa_doc)

code, doc = api("GET", "/v1/feeds/%d" % fa)
check(code == 200 and doc["id"] == fa and len(doc.get("polls", [])) >= 1 and
      doc["polls"][0]["http_status"] == 200, "one feed with its polls", doc)
for path, want in (("/v1/feeds/999999", 404), ("/v1/feeds/abc", 400),
                   ("/v1/feeds/0", 400), ("/v1/feeds/-1", 400),
                   ("/v1/feeds/1x", 400),
                   ("/v1/feeds/99999999999999999999999", 400)):
    code, doc = api("GET", path)
    check(code == want and "error" in doc, "GET %s is %d" % (path, want),
          (code, doc))
code, doc = api("GET", "/v1/feeds?verbose=1")
check(code == 400 and err_code(doc) == "unknown_parameter",
      "unknown query parameters are refused", doc)

# ---- poll now -------------------------------------------------------------
code, doc = api("POST", "/v1/feeds/%d/poll" % fb)
check(code == 202 and doc.get("queued") is True, "poll now is accepted", doc)
code, doc = api("POST", "/v1/feeds/424242/poll")
check(code == 404, "poll now of an unknown feed is a 404", (code, doc))
code, doc = api("GET", "/v1/feeds/%d/poll" % fb)
check(code == 405 and err_code(doc) == "method_not_allowed",
      "GET on the poll endpoint is a 405", (code, doc))

# ---- entries --------------------------------------------------------------
wait_until(lambda: api("GET", "/v1/feeds/%d" % fb)[1].get("entries") == 3)
code, doc = api("GET", "/v1/entries")
ents = doc.get("entries", [])
check(code == 200 and len(ents) == 8, "all 8 entries listed", len(ents))
ids = [e["id"] for e in ents]
check(ids == sorted(ids) and doc["next_since"] == ids[-1],
      "entries ascend by id and next_since is the last id", doc.get(
          "next_since"))
e0 = ents[0]
for k in ("id", "guid", "feed_id", "feed_title", "title", "link",
          "published", "updated", "fetched", "author", "summary",
          "categories", "enclosures", "topics"):
    check(k in e0, "an entry has %s" % k, e0)
check("content" not in e0, "a listing leaves content out by default", e0)
check(e0["published"] == "2025-11-03T12:00:00Z", "dates are UTC with Z", e0)

code, doc = api("GET", "/v1/entries?content=1&limit=1")
check("content" in doc["entries"][0], "content=1 includes content", doc)

# Paging with since and limit walks every entry once.
seen, since, pages = [], 0, 0
while True:
    code, doc = api("GET", "/v1/entries?since=%d&limit=3" % since)
    pages += 1
    seen += [e["id"] for e in doc["entries"]]
    if not doc["entries"]:
        break
    since = doc["next_since"]
check(seen == ids and pages == 4, "paging by since/limit sees each once",
      (seen, pages))
code, doc = api("GET", "/v1/entries?since=%d" % ids[-1])
check(code == 200 and doc["entries"] == [] and
      doc["next_since"] == ids[-1], "nothing after the last id", doc)

code, doc = api("GET", "/v1/entries?feed=%d" % fb)
check(code == 200 and len(doc["entries"]) == 3 and
      all(e["feed_id"] == fb for e in doc["entries"]), "feed= filters", doc)
code, doc = api("GET", "/v1/entries?latest=1&limit=2")
check([e["id"] for e in doc["entries"]] == ids[-2:],
      "latest=1 gives the newest, still ascending", doc)

code, doc = api("GET", "/v1/entries?q=" + "%22coalition%20text%203%22")
check(code == 200 and len(doc["entries"]) == 1 and
      doc["entries"][0]["title"].endswith("3 про коаліцію охочих"),
      "q= runs a full-text phrase query", doc)
code, doc = api("GET", "/v1/entries?q=%D0%BA%D0%BE%D0%B0%D0%BB%D1%96%D1%86*")
check(code == 200 and len(doc["entries"]) == 5, "q= finds Cyrillic prefixes",
      doc)

for q, word in (("%22unterminated", "unterminated"), ("a%20AND", "syntax"),
                ("NEAR(", "")):
    code, doc = api("GET", "/v1/entries?q=" + q)
    check(code == 400 and err_code(doc) == "bad_query" and
          word in err_msg(doc), "an FTS syntax error is a 400 with SQLite's "
          "message (%s)" % q, (code, doc))
for path in ("/v1/entries?limit=0", "/v1/entries?limit=1001",
             "/v1/entries?limit=x", "/v1/entries?since=-1",
             "/v1/entries?feed=abc", "/v1/entries?content=maybe",
             "/v1/entries?q=", "/v1/entries?since=1&since=2",
             "/v1/entries?client=a%20b", "/v1/entries?client=me&since=3"):
    code, doc = api("GET", path)
    check(code == 400 and err_msg(doc), "%s is a 400 with a message" % path,
          (code, doc))
code, doc = api("GET", "/v1/entries?feed=777")
check(code == 404, "entries of an unknown feed: 404", (code, doc))
code, doc = api("GET", "/v1/entries?topic=nosuch")
check(code == 404 and "nosuch" in err_msg(doc), "unknown topic: 404", doc)

code, doc = api("GET", "/v1/entries/%d" % ids[0])
check(code == 200 and doc["id"] == ids[0] and "content" in doc,
      "one entry comes with content", doc)
code, doc = api("GET", "/v1/entries/%d" % (ids[-1] + 100))
check(code == 404 and err_code(doc) == "not_found", "unknown entry: 404",
      doc)
code, doc = api("GET", "/v1/entries/x1")
check(code == 400 and err_code(doc) == "bad_id", "bad entry id: 400", doc)

# ---- cursors --------------------------------------------------------------
code, doc = api("GET", "/v1/entries?client=reader&limit=5")
check(code == 200 and doc["cursor"] == 0 and len(doc["entries"]) == 5 and
      doc["more"] is True, "a new client starts at 0", doc)
first5 = doc["next_since"]
code, doc = api("GET", "/v1/entries?client=reader&limit=5")
check(doc["next_since"] == first5, "reading does not move a cursor", doc)
code, doc = api("PUT", "/v1/cursors/reader", {"value": first5})
check(code == 200 and doc["value"] == first5, "PUT moves the cursor", doc)
code, doc = api("GET", "/v1/entries?client=reader")
check([e["id"] for e in doc["entries"]] == [i for i in ids if i > first5],
      "the client now gets only the rest", doc)
code, doc = api("GET", "/v1/cursors/reader")
check(code == 200 and doc["cursors"][0]["value"] == first5 and
      doc["cursors"][0]["topic"] is None, "GET lists the cursors", doc)
for body, want in (({"value": ids[-1] + 10}, "beyond_last"),
                   ({"value": -1}, "bad_request"),
                   ({"value": "3"}, "bad_request"),
                   ({}, "bad_request"),
                   ({"value": 1, "extra": 1}, "unknown_field"),
                   ({"value": 1, "topic": 7}, "bad_request")):
    code, doc = api("PUT", "/v1/cursors/reader", body)
    check(code == 400 and err_code(doc) == want,
          "PUT %r is refused (%s)" % (body, want), (code, doc))
code, doc = api("PUT", "/v1/cursors/reader", {"value": 1, "topic": "nosuch"})
check(code == 404, "a cursor for an unknown topic: 404", (code, doc))
code, doc = api("PUT", "/v1/cursors/bad%20name", {"value": 1})
check(code == 400 and err_code(doc) == "bad_client", "bad client name",
      (code, doc))

# ---- backup -------------------------------------------------------------
code, _, raw = http_unix(S, "GET", "/v1/backup")
if ON_PG:
    # A PostgreSQL store is backed up with pg_dump: the answer says so.
    check(code == 501 and b"pg_dump" in raw,
          "GET /v1/backup on PostgreSQL: 501 naming pg_dump", (code, raw))
else:
    bpath = tmp.join("backup.db")
    with open(bpath, "wb") as f:
        f.write(raw)
    n = -1
    try:
        con = sqlite3.connect(bpath)
        n = con.execute("select count(*) from entries").fetchone()[0]
        ok = con.execute("pragma integrity_check").fetchone()[0]
        con.close()
    except sqlite3.Error as e:
        ok = str(e)
    check(code == 200 and ok == "ok" and n == 8,
          "GET /v1/backup is a consistent SQLite copy", (code, ok, n))
check(not [p for p in os.listdir(tmp.path) if ".backup-" in p],
      "the daemon leaves no temporary backup file")

# ---- removing -----------------------------------------------------------
code, doc = api("DELETE", "/v1/feeds/%d" % fbad)
check(code == 200 and doc["removed"]["id"] == fbad, "DELETE removes", doc)
code, doc = api("DELETE", "/v1/feeds/%d" % fbad)
check(code == 404, "DELETE again is a 404", (code, doc))

# ---- limits ---------------------------------------------------------------
def raw_exchange(data, timeout=5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(S)
    s.sendall(data)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except OSError:
        pass
    s.close()
    return out


# An oversized body is refused from its Content-Length, before it is read.
out = raw_exchange(b"POST /v1/feeds HTTP/1.1\r\nHost: x\r\nContent-Type: "
                   b"application/json\r\nContent-Length: %d\r\n\r\n{"
                   % (5 << 20))
check(out.startswith(b"HTTP/1.1 413"), "an oversized body is refused with 413",
      out[:100])

hdrs = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 100) for i in range(400))
out = raw_exchange(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n" + hdrs + b"\r\n")
check(out == b"" or out.split(b" ")[1] in (b"400", b"413", b"431"),
      "too many headers: refused or closed", out[:100])
code, doc = api("GET", "/v1/status")
check(code == 200, "the daemon lives on after the header flood", code)

# A client that connects and sends nothing is closed by the idle timeout
# (30 s) while the daemon goes on answering others.
idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
idle.connect(S)
t0 = time.monotonic()
code, doc = api("GET", "/v1/status")
check(code == 200, "others are answered while a client sits idle", code)
idle.settimeout(60)
try:
    closed = idle.recv(100) == b""
except OSError:
    closed = True
elapsed = time.monotonic() - t0
idle.close()
check(closed and 20 <= elapsed <= 45, "the idle client is cut off after "
      "the timeout", elapsed)

# ---- invalid bytes from a feed ------------------------------------------
# Latin-1 bytes in a document that says UTF-8, and a C1 control.
bad = (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
       b'<title>Caf\xe9 \xff feed</title><link>http://example.org/</link>'
       b'<item><guid>x1</guid><title>na\xefve \xc3 title</title>'
       b'<description>\x85 bytes \xed\xa0\x80 here</description></item>'
       b'</channel></rss>')
with open(os.path.join(srv.root, "bad.xml"), "wb") as f:
    f.write(bad)
code, doc = api("POST", "/v1/feeds", {"url": srv.url("bad.xml")})
check(code == 201, "a feed with invalid bytes can be added", (code, doc))
for path in ("/v1/feeds", "/v1/entries?content=1", "/v1/status",
             "/v1/entries?q=title"):
    code, doc = api("GET", path)
    check(code == 200, "%s answers after invalid bytes" % path, code)
code, doc = api("GET", "/v1/feeds/%%C3")
check(code == 400, "a path with invalid UTF-8 is a 400 in valid JSON",
      (code, doc))
code, doc = api("GET", "/v1/entries?client=%FF%FE")
check(code == 400, "a client name with invalid UTF-8 is a 400", (code, doc))

# ---- a cursor survives a restart ----------------------------------------
# Stopping while an add waits for a slow first poll leaves nothing behind
# (ASan builds fail the exit status on a leak).


def slow_add():
    try:
        http_unix(S, "POST", "/v1/feeds",
                  body={"url": srv.base + "/drip?n=50&delay=1"}, timeout=30)
    except OSError:
        pass    # the daemon stopped under it: expected


waiter = threading.Thread(target=slow_add, daemon=True)
waiter.start()
wait_until(lambda: "drip" in json.dumps(api("GET", "/v1/feeds")[1]))
check(d.stop() == 0, "the daemon stops cleanly")
d = Daemon(tmp, conf).start()
S = d.socket
code, doc = api("GET", "/v1/cursors/reader")
check(doc.get("cursors", [{}])[0].get("value") == first5,
      "the cursor is where it was after a restart", doc)
code, doc = api("GET", "/v1/entries?client=reader")
check([e["id"] for e in doc["entries"]][:3] == [i for i in ids
                                                 if i > first5][:3],
      "and the client resumes from it", doc)
check(d.stop() == 0, "the daemon stops cleanly again")
srv.stop()
done()
