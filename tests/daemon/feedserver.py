#!/usr/bin/env python3
"""feedserver: the HTTP server the test suite polls (Python stdlib only).

Binds 127.0.0.1 on a free port, prints "PORT <n>" on stdout (and writes the
number to --port-file if given), then serves until killed. With --tls-cert
and --tls-key it speaks HTTPS instead.

Paths (every request is counted per path, without the query string):
  /feeds/NAME         static file from --root, with ETag + Last-Modified and
                      304 on If-None-Match / If-Modified-Since; gzip when the
                      client accepts it and ?gzip=1 (or always with ?gzip=force);
                      NAME.html is text/html with {{BASE}} replaced by the
                      server's http://127.0.0.1:PORT, NAME.json is
                      application/feed+json
  /dyn/NAME           a generated RSS feed that changes when items are added
                      through /_control/add; strong ETag, Last-Modified, 304
  /redirect/CODE/REST redirect with status CODE to /REST (query kept)
  /loop/N             endless redirect chain /loop/N -> /loop/N+1 -> ...
  /loop2/a, /loop2/b  a two-step loop
  /status/CODE        that status; ?retry_after=SECONDS or ?retry_date=SECONDS
                      (an HTTP-date that many seconds ahead)
  /bomb?mb=N          gzip bomb: N MiB of zeros (default 1024), gzip encoded
  /big?kb=N           a plain body of N KiB (default 20480), correct length
  /drip?n=N&delay=S   headers, then N bytes one at a time every S seconds
                      (&feed=NAME: first the file NAME, then the N spaces,
                      a valid feed that takes N*S seconds); /drip/ANY is
                      the same, counted under its own path (one per feed)
  /lying              Content-Length 100000, 100 bytes sent, then close
  /reset              the connection is reset (RST) without a response
  /challenge          403 + cf-mitigated: challenge + an HTML page
  /html               200 text/html page where a feed was expected
  /hook/NAME[/...]    a hook's receiver (POST, PUT): every request is kept
                      (method, path with query, headers, body, time) and
                      answered as scripted for NAME (default 200 {"ok":true})
Control (JSON):
  GET  /_control/stats          {"/path": {"count": n, "codes": {"200": n},
                                 "headers": {...last request headers...},
                                 "times": [unix time of each request],
                                 "ports": [client port of each request],
                                 "spans": [[start, end] of each /drip]}}
  POST /_control/reset          forget counts
  POST /_control/add?feed=NAME&title=T[&n=K]   add K items to /dyn/NAME
  POST /_control/route          body {"path", "status", "headers", "body"}:
                                override a path until /_control/unroute
  POST /_control/unroute?path=P
  POST /_control/hook?name=NAME  body {"answers": [ANSWER...], "then": ANSWER}:
                                the next requests to /hook/NAME get the answers
                                in turn, later ones "then" (default: 200);
                                ANSWER = {"status", "headers", "body",
                                "delay": seconds before answering, "echo": a
                                request header whose value the body repeats}
  GET  /_control/hook?name=NAME  {"requests": [{"method", "path", "headers",
                                "body", "time"}...]}
"""

import argparse
import email.utils
import gzip
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATS = {}
DYN = {}          # name -> {"items": [(guid, title, date)], "mtime": t}
ROUTES = {}       # path -> {"status", "headers", "body"}
HOOKS = {}        # name -> {"answers": [...], "then": {...}, "requests": [...]}
ROOT = "."


def count(path, code, handler):
    with LOCK:
        s = STATS.setdefault(path, {"count": 0, "codes": {}, "headers": {},
                                    "times": [], "ports": []})
        s["count"] += 1
        s["times"].append(time.time())
        s["ports"].append(handler.client_address[1])
        s["codes"][str(code)] = s["codes"].get(str(code), 0) + 1
        s["headers"] = dict(handler.headers.items())


def dyn_body(name):
    d = DYN.setdefault(name, {"items": [], "mtime": int(time.time())})
    items = []
    for guid, title, date in reversed(d["items"]):
        items.append(
            "<item><guid isPermaLink=\"false\">%s</guid><title>%s</title>"
            "<link>http://example.org/%s/%s</link><pubDate>%s</pubDate>"
            "<description>%s</description></item>"
            % (guid, title, name, guid, email.utils.formatdate(date, usegmt=True),
               title))
    body = ("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\">"
            "<channel><title>%s</title><link>http://example.org/%s</link>"
            "<description>dynamic</description>%s</channel></rss>\n"
            % (name, name, "".join(items)))
    return body.encode(), d["mtime"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "feedserver/1"

    def log_message(self, fmt, *args):
        if os.environ.get("FEEDSERVER_VERBOSE"):
            sys.stderr.write("feedserver: " + (fmt % args) + "\n")

    # -- helpers ---------------------------------------------------------
    def reply(self, code, body=b"", headers=None, ctype="text/plain"):
        headers = dict(headers or {})
        headers.setdefault("Content-Type", ctype)
        if code != 304:
            headers["Content-Length"] = str(len(body))
        # Counted before answering: a client that asks for the stats as
        # soon as its transfer ends must find this request there.
        count(self.path_only, code, self)
        self.send_response(code)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        if code != 304 and self.command != "HEAD":
            self.wfile.write(body)

    def conditional(self, body, mtime, ctype, use_gzip=False):
        etag = '"%s"' % hashlib.sha1(body).hexdigest()[:16]
        lm = email.utils.formatdate(mtime, usegmt=True)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        fresh = False
        if inm is not None:
            fresh = etag in [t.strip() for t in inm.split(",")] or inm == "*"
        elif ims is not None:
            fresh = ims == lm
        hdrs = {"ETag": etag, "Last-Modified": lm}
        if fresh:
            return self.reply(304, headers=hdrs)
        if use_gzip:
            body = gzip.compress(body)
            hdrs["Content-Encoding"] = "gzip"
        self.reply(200, body, hdrs, ctype)

    # -- dispatch --------------------------------------------------------
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        self.path_only = u.path
        q = dict(urllib.parse.parse_qsl(u.query))
        p = u.path
        with LOCK:
            route = ROUTES.get(p)
        if route is not None:
            return self.reply(route.get("status", 200),
                              route.get("body", "").encode(),
                              route.get("headers", {}),
                              route.get("content_type", "application/rss+xml"))
        if p.startswith("/_control/"):
            return self.control(p, q)
        if p.startswith("/feeds/"):
            return self.static(p[len("/feeds/"):], q)
        if p.startswith("/dyn/"):
            with LOCK:
                body, mtime = dyn_body(p[len("/dyn/"):])
            return self.conditional(body, mtime, "application/rss+xml")
        if p.startswith("/redirect/"):
            parts = p.split("/", 3)
            loc = "/" + (parts[3] if len(parts) > 3 else "")
            if u.query:
                loc += "?" + u.query
            return self.reply(int(parts[2]), b"moved\n", {"Location": loc})
        if p.startswith("/loop/"):
            n = int(p.split("/")[2])
            return self.reply(302, b"", {"Location": "/loop/%d" % (n + 1)})
        if p == "/loop2/a":
            return self.reply(301, b"", {"Location": "/loop2/b"})
        if p == "/loop2/b":
            return self.reply(301, b"", {"Location": "/loop2/a"})
        if p.startswith("/status/"):
            code = int(p.split("/")[2])
            hdrs = {}
            if "retry_after" in q:
                hdrs["Retry-After"] = q["retry_after"]
            if "retry_date" in q:
                hdrs["Retry-After"] = email.utils.formatdate(
                    time.time() + int(q["retry_date"]), usegmt=True)
            return self.reply(code, b"status %d\n" % code, hdrs)
        if p == "/bomb":
            return self.bomb(int(q.get("mb", "1024")))
        if p == "/big":
            kb = int(q.get("kb", "20480"))
            return self.reply(200, b"<" + b"x" * (kb * 1024 - 1), {},
                              "application/rss+xml")
        if p == "/drip" or p.startswith("/drip/"):
            return self.drip(int(q.get("n", "60")), float(q.get("delay", "1")),
                             q.get("feed"))
        if p == "/lying":
            count(p, 200, self)
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"<rss>" + b" " * 95)
            self.wfile.flush()
            self.close_connection = True
            return
        if p == "/reset":
            count(p, 0, self)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if p == "/challenge":
            return self.reply(403, b"<!DOCTYPE html><html><head><title>Just a "
                              b"moment...</title></head><body>Checking your "
                              b"browser</body></html>",
                              {"cf-mitigated": "challenge"}, "text/html")
        if p == "/html":
            return self.reply(200, b"<!DOCTYPE html>\n<html><head><title>Home"
                              b"</title></head><body><p>Welcome</p></body>"
                              b"</html>\n", {}, "text/html; charset=utf-8")
        self.reply(404, b"not found\n")

    def hook(self, data):
        name = self.path_only[len("/hook/"):].split("/")[0]
        with LOCK:
            h = HOOKS.setdefault(name, {"answers": [], "then": {},
                                        "requests": []})
            h["requests"].append({
                "method": self.command, "path": self.path,
                "headers": dict(self.headers.items()),
                "body": data.decode("utf-8", "replace"),
                "time": time.time()})
            a = h["answers"].pop(0) if h["answers"] else h["then"]
        if a.get("delay"):
            time.sleep(a["delay"])
        body = a.get("body", '{"ok":true}')
        if a.get("echo"):
            body += self.headers.get(a["echo"], "")
        try:
            self.reply(a.get("status", 200), body.encode(),
                       a.get("headers", {}), "application/json")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_PUT(self):
        self.do_POST()

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        self.path_only = u.path
        q = dict(urllib.parse.parse_qsl(u.query))
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n) if n else b""
        if u.path.startswith("/hook/"):
            return self.hook(data)
        if u.path == "/_control/hook":
            r = json.loads(data or b"{}")
            with LOCK:
                h = HOOKS.setdefault(q["name"], {"answers": [], "then": {},
                                                 "requests": []})
                h["answers"] = list(r.get("answers", []))
                h["then"] = r.get("then", {})
            return self.reply(200, b"{}", {}, "application/json")
        if u.path == "/_control/route":
            r = json.loads(data)
            with LOCK:
                ROUTES[r["path"]] = r
            return self.reply(200, b"{}", {}, "application/json")
        if u.path == "/_control/unroute":
            with LOCK:
                ROUTES.pop(q.get("path"), None)
            return self.reply(200, b"{}", {}, "application/json")
        if u.path == "/_control/reset":
            with LOCK:
                STATS.clear()
            return self.reply(200, b"{}", {}, "application/json")
        if u.path == "/_control/add":
            name = q["feed"]
            k = int(q.get("n", "1"))
            with LOCK:
                d = DYN.setdefault(name, {"items": [], "mtime": 0})
                for _ in range(k):
                    i = len(d["items"]) + 1
                    d["items"].append(("%s-%d" % (name, i),
                                       q.get("title", "item %d" % i),
                                       time.time()))
                # Last-Modified must move even within one second.
                d["mtime"] = max(int(time.time()), d["mtime"] + 1)
            return self.reply(200, b"{}", {}, "application/json")
        self.reply(404, b"not found\n")

    def control(self, p, q):
        if p == "/_control/stats":
            with LOCK:
                body = json.dumps(STATS).encode()
            return self.reply(200, body, {}, "application/json")
        if p == "/_control/hook":
            with LOCK:
                h = HOOKS.get(q.get("name"), {"requests": []})
                body = json.dumps({"requests": h["requests"]}).encode()
            return self.reply(200, body, {}, "application/json")
        self.reply(404, b"not found\n")

    def static(self, name, q):
        path = os.path.join(ROOT, name)
        if "/" in name or name.startswith(".") or not os.path.isfile(path):
            return self.reply(404, b"not found\n")
        with open(path, "rb") as fp:
            body = fp.read()
        if name.endswith(".html"):
            # Pages name their feeds by absolute URL, as sites do.
            body = body.replace(b"{{BASE}}", ("http://%s:%d" % (
                self.server.server_address[0],
                self.server.server_address[1])).encode())
            ctype = "text/html; charset=utf-8"
        elif name.endswith(".json"):
            ctype = "application/feed+json"
        else:
            ctype = "application/atom+xml" if "atom" in name else \
                "application/rss+xml"
        gz = q.get("gzip") == "force" or (
            q.get("gzip") == "1" and
            "gzip" in self.headers.get("Accept-Encoding", ""))
        self.conditional(body, int(os.path.getmtime(path)), ctype, gz)

    def bomb(self, mb):
        # Compressed on the fly: the server never holds the decoded bytes.
        count(self.path_only, 200, self)
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Connection", "close")
        self.end_headers()
        z = zlib.compressobj(9, zlib.DEFLATED, 31)
        chunk = b"\0" * (1 << 20)
        try:
            self.wfile.write(z.compress(b"<rss>"))
            for _ in range(mb):
                out = z.compress(chunk)
                if out:
                    self.wfile.write(out)
            self.wfile.write(z.flush())
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def drip(self, n, delay, feed=None):
        count(self.path_only, 200, self)
        with LOCK:
            noted = STATS.get(self.path_only)
        start = time.time()
        head = b""
        if feed is not None and "/" not in feed:
            with open(os.path.join(ROOT, feed), "rb") as fp:
                head = fp.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(head) + n))
        self.end_headers()
        try:
            self.wfile.write(head)
            for _ in range(n):
                time.sleep(delay)
                self.wfile.write(b" ")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        # Stats reset meanwhile: this span belongs to none of the new ones.
        with LOCK:
            if noted is not None and STATS.get(self.path_only) is noted:
                noted.setdefault("spans", []).append((start, time.time()))
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def handle_error(self, request, client_address):
        # Clients that hang up (a capped body, a cut-off drip) are expected.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main():
    global ROOT
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", default=".")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate")
    ap.add_argument("--tls-key")
    a = ap.parse_args()
    ROOT = a.root
    srv = Server(("127.0.0.1", a.port), Handler)
    if a.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    port = srv.server_address[1]
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as fp:
            fp.write("%d\n" % port)
        os.rename(tmp, a.port_file)
    print("PORT %d" % port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
