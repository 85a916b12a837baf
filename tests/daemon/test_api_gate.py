"""Every answer of the daemon is JSON, including to requests that are not
HTTP at all: malformed request lines, HTTP/0.9, garbage, negative or
repeated Content-Length, oversized heads and bodies, unknown methods,
chunked bodies, odd expectations. Each gets the API's error shape with the
right status, over the Unix socket and over TCP (before any token is
looked at), and the daemon keeps serving. A seeded run of mutated requests
checks that nothing it answers is anything but JSON."""
import json
import random
import socket

from feeddtest import Daemon, TempDir, check, done, free_port, http_unix

tmp = TempDir()
port = free_port()
# libevent's debug mode aborts the daemon on any misuse of an event, such
# as one left armed in a freed connection.
d = Daemon(tmp, "[feedd]\nlog_level = info\nlisten = 127.0.0.1:%d\n"
           % port, env={"FEEDD_LIBEVENT_DEBUG": "1"}).start()


def connect(door):
    if door == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(d.socket)
    else:
        s = socket.create_connection(("127.0.0.1", port))
    return s


def exchange(door, data, wait=3.0):
    """Sends data; returns (status, headers, body bytes) of the first
    answer, or None when the daemon closed or went quiet without one."""
    s = connect(door)
    s.settimeout(wait)
    got = b""
    try:
        s.sendall(data)
        while b"\r\n\r\n" not in got:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        if b"\r\n\r\n" not in got:
            return None
        head, body = got.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "-1"))
        while n >= 0 and len(body) < n:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        return status, headers, body[:n] if n >= 0 else body
    except (socket.timeout, ConnectionError):
        return None if not got else (0, {}, got)
    finally:
        s.close()


def json_error(answer):
    """The error object of an answer, or None if it is not the shape."""
    if answer is None:
        return None
    status, headers, body = answer
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    if not headers.get("content-type", "").startswith("application/json"):
        return None
    err = doc.get("error") if isinstance(doc, dict) else None
    if not isinstance(err, dict) or not isinstance(err.get("code"), str) \
            or not isinstance(err.get("message"), str):
        return None
    return err


big_header = "X-Pad: " + "a" * 20000 + "\r\n"
cases = [
    # (what, raw request, status, error code)
    ("garbage bytes", b"\x00\x01\x02\xff garbage\r\n\r\n", 400,
     "bad_request"),
    ("a request line without a URI", b"GET\r\n\r\n", 400, "bad_request"),
    ("a request line with junk for a version",
     b"GET /v1/status HTTP/x.y\r\n\r\n", 400, "bad_request"),
    ("HTTP/0.9", b"GET /v1/status\r\n", 400, "bad_request"),
    ("HTTP/2.0 in a request line", b"GET /v1/status HTTP/2.0\r\n\r\n",
     505, "http_version"),
    ("a header line without a colon",
     b"GET /v1/status HTTP/1.1\r\nHost x\r\n\r\n", 400, "bad_request"),
    ("a NUL in a header value",
     b"GET /v1/status HTTP/1.1\r\nX-A: a\x00b\r\n\r\n", 400,
     "bad_request"),
    ("a negative Content-Length",
     b"POST /v1/feeds HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400,
     "bad_request"),
    ("two different Content-Length values",
     b"POST /v1/feeds HTTP/1.1\r\nContent-Length: 2\r\n"
     b"Content-Length: 30\r\n\r\n{}", 400, "bad_request"),
    ("Content-Length that is not a number",
     b"POST /v1/feeds HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n", 400,
     "bad_request"),
    ("a body on GET", b"GET /v1/status HTTP/1.1\r\nContent-Length: 5\r\n"
     b"\r\nGET /", 400, "bad_request"),
    ("a body over 4 MiB announced",
     b"POST /v1/opml HTTP/1.1\r\nContent-Length: 4194305\r\n\r\n", 413,
     "too_large"),
    ("a head over 16 KiB",
     ("GET /v1/status HTTP/1.1\r\n" + big_header + "\r\n").encode(), 431,
     "headers_too_large"),
    ("a URI over 16 KiB",
     ("GET /v1/" + "x" * 20000 + " HTTP/1.1\r\n\r\n").encode(), 431,
     "headers_too_large"),
    ("an unknown method", b"BREW /pot HTTP/1.1\r\n\r\n", 501,
     "not_implemented"),
    ("a method the API has no use for",
     b"OPTIONS /v1/status HTTP/1.1\r\n\r\n", 501, "not_implemented"),
    ("TRACE", b"TRACE / HTTP/1.1\r\n\r\n", 501, "not_implemented"),
    ("a chunked body",
     b"POST /v1/feeds HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"2\r\n{}\r\n0\r\n\r\n", 411, "length_required"),
    ("Content-Length and Transfer-Encoding together",
     b"POST /v1/feeds HTTP/1.1\r\nContent-Length: 2\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n{}", 400, None),
    ("an unknown Transfer-Encoding",
     b"POST /v1/feeds HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 411,
     "length_required"),
    ("an expectation other than 100-continue",
     b"POST /v1/feeds HTTP/1.1\r\nExpect: tea\r\nContent-Length: 2\r\n"
     b"\r\n{}", 417, "expectation_failed"),
    ("Authorization twice",
     b"GET /v1/status HTTP/1.1\r\nAuthorization: Bearer a\r\n"
     b"Authorization: Bearer b\r\n\r\n", 400, "bad_request"),
    ("a control character in the URI",
     b"GET /v1/st\x01atus HTTP/1.1\r\n\r\n", 400, "bad_request"),
    ("a request line of spaces", b"   \r\n\r\n", 400, "bad_request"),
]

for door in ("unix", "tcp"):
    for what, raw, status, code in cases:
        answer = exchange(door, raw)
        err = json_error(answer)
        check(answer is not None and answer[0] == status and err is not None
              and (code is None or err["code"] == code),
              "%s over %s: %d %s in JSON" % (what, door, status,
                                             code or "error"),
              answer)
        check(answer is None or answer[1].get("connection") == "close"
              or answer[0] < 400,
              "%s over %s: the connection is closed after it" % (what, door))

# Answers still come after all of that.
code, doc, _ = http_unix(d.socket, "GET", "/v1/status")
check(code == 200 and doc["pid"] == d.proc.pid,
      "the daemon still serves after the malformed requests", doc)

# What the gate lets through is answered by the API as before: an ordinary
# POST, 100-continue, keep-alive across requests, HTTP/1.0.
answer = exchange("unix", b"POST /v1/feeds HTTP/1.1\r\nExpect: 100-continue"
                  b"\r\nContent-Type: application/json\r\nContent-Length: 10"
                  b"\r\n\r\n{\"url\": 1}")
check(answer is not None and answer[0] in (100, 400),
      "Expect: 100-continue is met", answer)
answer = exchange("unix", b"GET /v1/feeds HTTP/1.0\r\n\r\n")
check(answer is not None and answer[0] == 200 and
      json.loads(answer[2]) == {"feeds": []}, "HTTP/1.0 is answered", answer)
s = connect("unix")
s.settimeout(5)
replies = []
for i in range(3):
    s.sendall(b"GET /v1/status HTTP/1.1\r\nHost: feedd\r\n\r\n")
    got = b""
    while b"\r\n\r\n" not in got:
        got += s.recv(65536)
    head, body = got.split(b"\r\n\r\n", 1)
    n = int([line.split(b":")[1] for line in head.split(b"\r\n")
             if line.lower().startswith(b"content-length")][0])
    while len(body) < n:
        body += s.recv(65536)
    replies.append(json.loads(body[:n])["pid"])
s.close()
check(replies == [d.proc.pid] * 3, "three requests on one connection",
      replies)
answer = exchange("unix", b"GET /v1/backup HTTP/1.1\r\nConnection: close"
                  b"\r\n\r\n", wait=30)
check(answer is not None and answer[0] == 200 and
      answer[2].startswith(b"SQLite format 3\x00"),
      "a large answer (a backup) arrives whole before the close",
      answer and answer[:2])

# Mutated requests: whatever the daemon answers is JSON.
rng = random.Random(20261205)
base = (b"POST /v1/feeds?x=1 HTTP/1.1\r\nHost: feedd\r\n"
        b"Content-Type: application/json\r\nContent-Length: 25\r\n"
        b"Connection: close\r\n\r\n{\"url\": \"http://a.b/f\"}")
bad = []
answered = 0
for i in range(150):
    m = bytearray(base)
    for _ in range(rng.randint(1, 4)):
        op = rng.randint(0, 2)
        pos = rng.randrange(len(m))
        if op == 0:
            m[pos] = rng.randrange(256)
        elif op == 1:
            del m[pos]
        else:
            m[pos:pos] = bytes([rng.choice(b" \r\n:\x00/%?HT1.-9")])
    answer = exchange("unix", bytes(m), wait=0.5)
    if answer is None:
        continue
    answered += 1
    try:
        json.loads(answer[2])
        ok = answer[1].get("content-type", "").startswith("application/json")
    except ValueError:
        ok = False
    if not ok:
        bad.append((bytes(m), answer))
check(not bad and answered > 50,
      "150 mutated requests: all %d answers are JSON" % answered, bad[:3])

code, doc, _ = http_unix(d.socket, "GET", "/v1/status")
check(code == 200, "the daemon still serves after the mutated requests")
log = d.read_log()
check("request refused: 400" in log and "request refused: 431" in log,
      "refusals are logged with their status")
check(d.stop() == 0, "the daemon stops cleanly")
tmp.cleanup()
done()
