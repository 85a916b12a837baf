"""GET /v1/stream: long-lived, one JSON line per new entry as polls store
them, heartbeats, two streams (and feedctl follow) receiving the same new
entry, a topic stream, a stream that resumes with since=. Misbehaving
clients (one spewing garbage, one that stalls and never reads) cost only
their own connection: polls go on and others are answered promptly."""
import json
import os
import socket
import subprocess
import threading
import time

from feeddtest import FEEDCTL, Daemon, TempDir, check, done, http_unix
from test_api_lib import CONF, FeedServer, StreamClient, wait_until

tmp = TempDir()
srv = FeedServer(tmp.join("www"))
conf = CONF + """
[topic "coalition"]
query = "coalition of the willing" OR коаліці*
"""
d = Daemon(tmp, conf).start()
S = d.socket


def Stream(query=""):
    return StreamClient(S, query)


def api(method, path, body=None):
    code, doc, _ = http_unix(S, method, path, body=body)
    return code, doc


# Two feeds from the generated-feed server.
srv.dyn_add("one", "first item of one", 2)
srv.dyn_add("two", "first item of two", 1)
code, doc = api("POST", "/v1/feeds", {"url": srv.dyn_url("one")})
f1 = doc["feed"]["id"]
code, doc = api("POST", "/v1/feeds", {"url": srv.dyn_url("two")})
f2 = doc["feed"]["id"]
check(doc["poll"].get("entries") == 1, "feeds polled on add", doc)

a = Stream()
b = Stream("?heartbeat=1")
t = Stream("?topic=coalition")
check(a.status == 200 and b.status == 200 and t.status == 200,
      "streams open with 200", (a.status, b.status, t.status))
follow = subprocess.Popen([FEEDCTL, "--socket", S, "--json", "follow"],
                          stdout=subprocess.PIPE, text=True)
check(wait_until(lambda: a.events("open") and b.events("open") and
                 t.events("open")), "each stream starts with an open line",
      (a.lines, b.lines))
check(wait_until(lambda: api("GET", "/v1/status")[1].get("streams") == 4),
      "status counts the open streams", api("GET", "/v1/status")[1])

# New items; poll now; both streams see the same new entries.
srv.dyn_add("one", "the coalition of the willing met", 1)
srv.dyn_add("one", "plain news", 1)
api("POST", "/v1/feeds/%d/poll" % f1)
check(wait_until(lambda: len(a.entries()) >= 2 and len(b.entries()) >= 2),
      "both streams receive the new entries", (a.lines, b.lines))
ida = [e["id"] for e in a.entries()]
idb = [e["id"] for e in b.entries()]
check(ida == idb and len(ida) == 2, "the same entries, once each, in order",
      (ida, idb))
check(set(e["title"] for e in a.entries()) ==
      {"the coalition of the willing met", "plain news"},
      "the stream lines are full entries", a.entries())
check(wait_until(lambda: len(t.entries()) >= 1, timeout=10) and
      [e["title"] for e in t.entries()] ==
      ["the coalition of the willing met"],
      "the topic stream gets only the matching entry", t.lines)
check(wait_until(lambda: b.events("heartbeat"), timeout=5),
      "heartbeats arrive (every second when asked)", b.lines)

line = follow.stdout.readline()
check(json.loads(line).get("id") == ida[0],
      "feedctl --json follow prints the same entry", line)
follow.terminate()
follow.wait(5)

# since= resumes: a new stream from the first new id replays the rest.
r = Stream("?since=%d" % (ida[0] - 1))
check(wait_until(lambda: [e["id"] for e in r.entries()] == ida),
      "since= replays what came after it", r.lines)
r.close()

# A stream of an unknown topic and bad parameters are refused.
code, doc = api("GET", "/v1/stream?topic=nosuch")
check(code == 404, "stream of an unknown topic: 404", (code, doc))
code, doc = api("GET", "/v1/stream?heartbeat=0")
check(code == 400, "heartbeat=0: 400", (code, doc))

# ---- misbehaving clients while polls go on --------------------------------
stop = threading.Event()


def spew():
    while not stop.is_set():
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(S)
            s.settimeout(1)
            for _ in range(20):
                s.sendall(os.urandom(4096))
            s.close()
        except OSError:
            pass


spewer = threading.Thread(target=spew, daemon=True)
spewer.start()

# A stalled stream client: asks, then never reads a byte.
stalled = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
stalled.connect(S)
stalled.sendall(b"GET /v1/stream?content=1 HTTP/1.1\r\nHost: x\r\n\r\n")
# A stalled request: half a request line, then silence.
half = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
half.connect(S)
half.sendall(b"GET /v1/sta")

before = len(a.entries())
worst = 0.0
for round_ in range(5):
    srv.dyn_add("two", "round %d with a long body %s" % (round_, "x" * 2000),
                50)
    api("POST", "/v1/feeds/%d/poll" % f2)
    for _ in range(10):
        t0 = time.monotonic()
        code, doc = api("GET", "/v1/status")
        worst = max(worst, time.monotonic() - t0)
        time.sleep(0.02)


def all_polled():
    # A poll-now during a poll may fold into it: ask again until done.
    code, doc = api("GET", "/v1/feeds/%d" % f2)
    if doc.get("entries") == 251:
        return True
    api("POST", "/v1/feeds/%d/poll" % f2)
    return False


check(wait_until(all_polled, timeout=20, step=0.5), "every round is stored")
check(wait_until(lambda: len(a.entries()) >= before + 250, timeout=20),
      "polls go on and streams get every entry despite bad clients",
      len(a.entries()) - before)
check(worst < 1.0, "status stays prompt (worst %.3f s)" % worst, worst)
stop.set()
spewer.join(5)
code, doc = api("GET", "/v1/feeds/%d" % f2)
check(code == 200 and doc["state"] == "ok" and doc["entries"] == 251,
      "the polled feed has every entry", doc)
stalled.close()
half.close()

# Closing streams is noticed.
a.close()
b.close()
t.close()
check(wait_until(lambda: api("GET", "/v1/status")[1].get("streams") == 0),
      "closed streams are forgotten", api("GET", "/v1/status")[1])

# A stream open at shutdown does not hold the daemon.
last = Stream()
wait_until(lambda: last.events("open"))
rc = d.stop()
check(rc == 0, "the daemon stops cleanly with a stream open", rc)
check(wait_until(lambda: last.closed, timeout=5), "the stream ends at stop")
srv.stop()
done()
