"""Tokens on the TCP listener, as a client sees them: every route wants
"Authorization: Bearer TOKEN" (401 with WWW-Authenticate and the JSON error
shape otherwise, for missing, wrong, revoked and malformed tokens); a
read-only token reads and gets 403 on writes; tokens are managed over the
Unix socket only; failed attempts from an address are answered a second
late after the fifth, and a good token still works; the token is never in
the daemon's log, in GET /v1/tokens or in the database file."""
import hashlib
import json
import os
import re
import socket
import time

from feeddtest import (ON_PG, Daemon, TempDir, check, done, free_port,
                       http_tcp, http_unix, store_dump)

tmp = TempDir()
port = free_port()
d = Daemon(tmp, "[feedd]\nlog_level = debug\nlisten = 127.0.0.1:%d\n"
           % port).start()


def tcp(method, path, token=None, headers=(), body=None):
    """(status, WWW-Authenticate, JSON answer or None)."""
    if token is not None:
        headers = [("Authorization", "Bearer " + token), *headers]
    r, doc, _ = http_tcp(port, method, path, headers, body)
    return r.status, r.getheader("WWW-Authenticate"), doc


def make(name, read_only=False):
    code, doc, _ = http_unix(d.socket, "POST", "/v1/tokens",
                             {"name": name, "read_only": read_only})
    check(code == 201 and doc["token"].startswith("feedd_") and
          len(doc["token"]) == 70 and doc["read_only"] == read_only,
          "token '%s' made over the socket (201, shown once)" % name, doc)
    return doc["token"]


def is_401(status, www, doc, error=None):
    want = 'Bearer realm="feedd"' + (', error="%s"' % error if error else "")
    return (status == 401 and www == want and doc is not None and
            doc["error"]["code"] == "unauthorized" and
            doc["error"]["message"])


full = make("full")
ro = make("reader", read_only=True)
made = [full, ro]


def reset():
    """A success clears the address's failures."""
    status, _, _ = tcp("GET", "/v1/status", full)
    return status == 200


# ---- every route without a token -------------------------------------------
ROUTES = [
    ("GET", "/v1/status"), ("GET", "/v1/feeds"), ("POST", "/v1/feeds"),
    ("GET", "/v1/feeds/1"), ("DELETE", "/v1/feeds/1"),
    ("PATCH", "/v1/feeds/1"), ("POST", "/v1/feeds/1/poll"),
    ("POST", "/v1/discover"),
    ("GET", "/v1/entries"), ("GET", "/v1/entries/1"),
    ("PUT", "/v1/entries/1"), ("POST", "/v1/entries/read"),
    ("POST", "/v1/entries/unread"), ("POST", "/v1/entries/star"),
    ("POST", "/v1/entries/unstar"), ("GET", "/v1/unread"),
    ("GET", "/v1/topics"), ("POST", "/v1/topics"), ("GET", "/v1/topics/t"),
    ("DELETE", "/v1/topics/t"), ("PATCH", "/v1/topics/t"),
    ("GET", "/v1/why/1"),
    ("GET", "/v1/hooks"), ("GET", "/v1/hooks/h"),
    ("POST", "/v1/hooks/h/test"),
    ("GET", "/v1/cursors/me"), ("PUT", "/v1/cursors/me"),
    ("GET", "/v1/stream"), ("GET", "/v1/opml"), ("POST", "/v1/opml"),
    ("GET", "/v1/backup"), ("GET", "/v1/tokens"), ("POST", "/v1/tokens"),
    ("DELETE", "/v1/tokens/full"), ("GET", "/v1/users"),
    ("POST", "/v1/users"), ("PATCH", "/v1/users/owner"),
    ("DELETE", "/v1/users/someone"), ("GET", "/metrics"),
    ("GET", "/v1/nowhere"),
]
# Open to all: what a load balancer asks, telling nothing stored.
OPEN_ROUTES = [("GET", "/healthz")]
# WebSub hubs' callbacks: no token, and for what was not asked, 404.
WEBSUB_ROUTES = [("GET", "/websub/"), ("POST", "/websub/")]
# The Google Reader door: its own login, "GoogleLogin auth=" else 401.
DOOR_ROUTES = [
    ("POST", "/accounts/ClientLogin"), ("GET", "/reader/"),
    ("POST", "/reader/"), ("POST", "/api/greader.php/accounts/ClientLogin"),
    ("GET", "/api/greader.php/reader/"), ("POST", "/api/greader.php/reader/"),
]
DOOR_PROBES = [
    ("POST", "/accounts/ClientLogin"), ("GET", "/reader/api/0/user-info"),
    ("POST", "/reader/api/0/edit-tag"),
    ("POST", "/api/greader.php/accounts/ClientLogin"),
    ("GET", "/api/greader.php/reader/api/0/subscription/list"),
    ("POST", "/api/greader.php/reader/api/0/mark-all-as-read"),
    ("GET", "/reader/atom/user/-/state/com.google/reading-list"),
]
# The reader doors check their own credentials, and say 401 in their own
# words: Fever with {"api_version": 3, "auth": 0}.
DOORS = [
    ("GET", "/fever/?api"), ("POST", "/fever/?api"), ("GET", "/fever?api"),
    ("POST", "/fever?api"),
]
# The list covers the daemon's route table, so a new route is tested too.
with open(os.path.join(os.environ["TESTS_SRCDIR"], "..", "..", "daemon",
                       "api", "api.c")) as f:
    table = re.findall(r'\{ EVHTTP_REQ_(\w+), "([^"]+)"', f.read())
missing = [(m, p) for m, p in table if not any(
    m == rm and re.fullmatch(p.replace("*", "[^/]+"), rp.split("?")[0])
    for rm, rp in ROUTES + DOOR_ROUTES + DOORS + OPEN_ROUTES +
    WEBSUB_ROUTES)]
check(len(table) > 20 and not missing,
      "the test's routes cover api.c's route table", missing)
for method, path in ROUTES:
    body = "{}" if method in ("POST", "PUT", "PATCH") else None
    status, www, doc = tcp(method, path, body=body)
    check(is_401(status, www, doc),
          "%s %s without a token: 401, WWW-Authenticate: Bearer, JSON"
          % (method, path), (status, www, doc))
for method, path in OPEN_ROUTES:
    status, www, doc = tcp(method, path)
    check(status == 200 and www is None and doc == {"status": "ok"},
          "%s %s without a token: 200, open" % (method, path),
          (status, www, doc))
for method, path in WEBSUB_ROUTES:
    status, www, doc = tcp(method, path + "0" * 32,
                           body="x" if method == "POST" else None)
    check(status == 404 and www is None and "error" in (doc or {}),
          "%s %sNAME of no subscription without a token: 404, nothing told"
          % (method, path), (status, www, doc))
for method, path in DOOR_PROBES:
    status, _, doc = tcp(method, path, body="" if method == "POST" else None)
    check(status == 401, "%s %s without a login: 401" % (method, path),
          (status, doc))
check(reset(), "(the door's failures forgotten)")
for method, path in DOORS:
    status, www, doc = tcp(method, path, body="" if method == "POST"
                           else None)
    check(status == 401 and doc == {"api_version": 3, "auth": 0},
          "%s %s without credentials: 401, the door's own answer"
          % (method, path), (status, doc))
status, www, _ = tcp("HEAD", "/v1/status")
check(status == 401 and www.startswith("Bearer "), "HEAD too", status)

# ---- the Unix socket needs none ---------------------------------------------
code, doc, _ = http_unix(d.socket, "GET", "/v1/status")
check(code == 200 and doc["pid"] == d.proc.pid,
      "the Unix socket needs no token", doc)

# ---- a good token -----------------------------------------------------------
status, www, doc = tcp("GET", "/v1/status", full)
check(status == 200 and doc["pid"] == d.proc.pid, "a token opens TCP", doc)
status, _, doc = tcp("GET", "/v1/status", headers=[
    ("Authorization", "bearer " + full)])
check(status == 200, "the scheme's case does not matter", doc)
status, _, doc = tcp("POST", "/v1/topics", full,
                     body='{"name": "t", "query": "drone"}')
check(status == 201 and doc["name"] == "t", "a full token writes", doc)
status, _, doc = tcp("DELETE", "/v1/topics/t", full)
check(status == 200, "and removes", doc)

# The exploit of old, over TCP with a full token: a command as notify.
marker = tmp.join("owned")
status, _, doc = tcp("POST", "/v1/topics", full, body=json.dumps(
    {"name": "x", "query": "a", "notify": "/usr/bin/touch " + marker}))
check(status == 400 and doc["error"]["code"] == "unknown_hook",
      "a command as notify over TCP: 400 unknown_hook", doc)
status, _, doc = tcp("POST", "/v1/feeds/1/poll", full)
check(not os.path.exists(marker), "and nothing ran it", (status, doc))

# ---- a read-only token ------------------------------------------------------
for method, path in ROUTES:
    if method in ("GET", "HEAD"):
        continue
    body = "{}" if method in ("POST", "PUT", "PATCH") else None
    status, www, doc = tcp(method, path, ro, body=body)
    check(status == 403 and doc["error"]["code"] == "forbidden" and
          www is None, "%s %s with a read-only token: 403 forbidden"
          % (method, path), (status, doc))
for path in ("/v1/status", "/v1/feeds", "/v1/entries", "/v1/topics",
             "/v1/opml", "/v1/cursors/me", "/metrics"):
    status, _, doc = tcp("GET", path, ro)
    check(status == 200, "GET %s with a read-only token: 200" % path,
          (status, doc))
status, _, _ = tcp("HEAD", "/v1/status", ro)
check(status == 200, "HEAD with a read-only token: 200", status)

# ---- tokens and users are managed, backups taken, over the socket only ------
for method, path, body in (("GET", "/v1/backup", None),
                           ("GET", "/v1/tokens", None),
                           ("POST", "/v1/tokens", '{"name": "more"}'),
                           ("DELETE", "/v1/tokens/reader", None),
                           ("GET", "/v1/users", None),
                           ("POST", "/v1/users",
                            '{"name": "eve", "password": "12345678"}'),
                           ("PATCH", "/v1/users/owner",
                            '{"password": "12345678"}'),
                           ("GET", "/v1/entries?user=owner", None)):
    status, _, doc = tcp(method, path, full, body=body)
    check(status == 403 and doc["error"]["code"] == "forbidden",
          "%s %s over TCP with a full token: 403" % (method, path),
          (status, doc))
code, doc, _ = http_unix(d.socket, "GET", "/v1/tokens")
check(code == 200 and [t["name"] for t in doc["tokens"]] ==
      ["full", "reader"], "nothing was made or removed over TCP", doc)

# ---- managing tokens over the socket ----------------------------------------
code, doc, _ = http_unix(d.socket, "POST", "/v1/tokens", {"name": "full"})
check(code == 409 and doc["error"]["code"] == "exists",
      "a name that exists: 409", doc)
for bad in ("", "x" * 65, "with space", "-dash", "sl/ash", "é"):
    code, doc, _ = http_unix(d.socket, "POST", "/v1/tokens", {"name": bad})
    check(code == 400 and doc["error"]["code"] == "bad_name",
          "name %r: 400" % bad, doc)
code, doc, _ = http_unix(d.socket, "POST", "/v1/tokens",
                         {"name": "x", "read_only": "yes"})
check(code == 400, "read_only must be a boolean", doc)
code, doc, _ = http_unix(d.socket, "POST", "/v1/tokens",
                         {"name": "x", "secret": "mine"})
check(code == 400, "unknown fields: 400", doc)
code, doc, _ = http_unix(d.socket, "DELETE", "/v1/tokens/nosuch")
check(code == 404 and doc["error"]["code"] == "no_token",
      "removing no such token: 404", doc)
code, doc, _ = http_unix(d.socket, "GET", "/v1/tokens")
used = {t["name"]: t["last_used"] for t in doc["tokens"]}
check(code == 200 and set(doc["tokens"][0]) ==
      {"name", "user", "read_only", "created", "last_used"} and
      doc["tokens"][0]["user"] == "owner" and
      used["full"] is not None and used["reader"] is not None,
      "GET /v1/tokens: name, user, read_only, created, last_used", doc)

# ---- wrong, revoked and malformed tokens -------------------------------------
status, www, doc = tcp("GET", "/v1/status", "feedd_" + "0" * 64)
check(is_401(status, www, doc, "invalid_token"), "a wrong token: 401 "
      'with error="invalid_token"', (status, www, doc))
temp = make("temp")
made.append(temp)
status, _, _ = tcp("GET", "/v1/feeds", temp)
check(status == 200, "a new token works at once", status)
code, doc, _ = http_unix(d.socket, "DELETE", "/v1/tokens/temp")
check(code == 200 and doc["removed"] == "temp", "removed over the socket",
      doc)
status, www, doc = tcp("GET", "/v1/feeds", temp)
check(is_401(status, www, doc, "invalid_token"),
      "a removed token stops working at once", (status, www, doc))
check(reset(), "a good token clears the failures")
for auth, error in (("Basic dXNlcjpwYXNz", None), ("Bearer", "invalid_request"),
                    ("Bearer a b", "invalid_request"),
                    ("Bearer " + full + "!", "invalid_request")):
    status, www, doc = tcp("GET", "/v1/status", headers=[
        ("Authorization", auth)])
    check(is_401(status, www, doc, error), "Authorization: %s: 401"
          % auth[:20], (status, www, doc))
check(reset(), "a good token clears the failures")
status, www, doc = tcp("GET", "/v1/status", headers=[
    ("Authorization", "Bearer " + full), ("Authorization", "Bearer " + full)])
# Refused before any token is looked at, as a malformed request (the gate).
check(status == 400 and doc["error"]["code"] == "bad_request",
      "two Authorization headers: 400, even with good tokens",
      (status, www, doc))
check(reset(), "a good token clears the failures")
code, doc, _ = http_unix(d.socket, "GET", "/v1/status")
check(code == 200, "the socket ignores tokens", doc)

# ---- the slow-down ------------------------------------------------------------
times = []
for i in range(7):
    t0 = time.monotonic()
    status, www, doc = tcp("GET", "/v1/status", "feedd_wrong%d" % i)
    times.append(time.monotonic() - t0)
    check(is_401(status, www, doc, "invalid_token"), "failure %d: 401"
          % (i + 1), (status, www))
check(all(t < 0.9 for t in times[:5]), "the first five failures are "
      "answered at once", times)
check(all(t >= 0.9 for t in times[5:]), "the 6th and 7th take a second",
      times)
t0 = time.monotonic()
status, _, doc = tcp("GET", "/v1/status", full)
check(status == 200, "a good token still works after them (in %.2f s)"
      % (time.monotonic() - t0), doc)
t0 = time.monotonic()
status, _, _ = tcp("GET", "/v1/status", full)
check(status == 200 and time.monotonic() - t0 < 0.9,
      "and the address is not slowed any more", time.monotonic() - t0)
# A client that leaves while held costs the daemon nothing.
for i in range(6):
    tcp("GET", "/v1/status", "feedd_bad")
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n"
          b"Authorization: Bearer feedd_bad\r\n\r\n")
s.close()
time.sleep(1.2)
check(reset() and d.proc.poll() is None,
      "a client that went away while held: the daemon goes on")
log = d.read_log()
check(re.search(r"127\.0\.0\.1: a token that is not valid, failure 6 ", log),
      "failures are logged with the address and the count", log[-2000:])
check("with token 'full'" in log, "successes are logged by the token's name")

# ---- where the token never is -------------------------------------------------
code, doc, text = http_unix(d.socket, "GET", "/v1/tokens")
hashes = [hashlib.sha256(t.encode()).hexdigest() for t in made]
check(not any(t in text.decode() for t in made + hashes),
      "GET /v1/tokens shows neither tokens nor hashes", text)
check(not any(t in log for t in made + hashes),
      "the log has neither tokens nor hashes")
check(d.stop() == 0, "the daemon stops cleanly")
db = store_dump(d.database)
# The hash as the store keeps it: bytes in the file, hex in pg_dump's text.
held = hashlib.sha256(full.encode())
held = held.hexdigest().encode() if ON_PG else held.digest()
check(not any(t.encode() in db for t in made),
      "the database does not hold the token text")
check(held in db, "(it holds the hash: the store read is the right one)")
done()
