"""Helpers for the API and feedctl tests: the suite's HTTP feed server
(feedserver.py) with files and generated feeds, RSS documents, and
waiting for the daemon's polls. Not a test itself."""
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from feeddtest import SRCDIR


# The daemon settings the API tests share: polls only when asked (or on
# add), no gap between requests to the one local server.
CONF = """
[feedd]
log_level = info
default_interval = 1h
min_interval = 1m
host_gap = 0s
"""


def rss(name, items, title=None, extra_item=""):
    """An RSS 2.0 document; items are (guid, title, description) tuples or
    plain ids."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0">'
           '<channel><title>%s</title><link>http://example.org/%s/</link>'
           '<description>d</description>' % (title or name, name)]
    for i in items:
        if isinstance(i, tuple):
            guid, t, d = i
        else:
            guid, t, d = i, "%s item %s" % (name, i), "text %s" % i
        out.append('<item><guid>%s-%s</guid><title>%s</title>'
                   '<link>http://example.org/%s/%s</link>'
                   '<pubDate>Mon, 03 Nov 2025 12:00:00 GMT</pubDate>'
                   '<description>%s</description>%s</item>'
                   % (name, guid, t, name, guid, d, extra_item))
    out.append("</channel></rss>\n")
    return "".join(out)


class FeedServer:
    """feedserver.py on 127.0.0.1, serving root/ under /feeds/."""

    def __init__(self, root):
        self.root = root
        os.makedirs(root, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(SRCDIR, "feedserver.py"),
             "--root", root], stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline().split()[1])
        self.base = "http://127.0.0.1:%d" % self.port

    def url(self, name):
        return "%s/feeds/%s" % (self.base, name)

    def write(self, name, text, mode="w"):
        with open(os.path.join(self.root, name), mode) as f:
            f.write(text)
        return self.url(name)

    def control(self, path, body=None):
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        req = urllib.request.Request(
            self.base + path, data=data,
            method="POST" if data is not None else "GET")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read() or b"{}")

    def dyn_add(self, feed, title, n=1):
        """Adds n items to the generated feed /dyn/FEED."""
        from urllib.parse import quote
        return self.control("/_control/add?feed=%s&title=%s&n=%d"
                            % (quote(feed), quote(title), n), b"")

    def dyn_url(self, feed):
        return "%s/dyn/%s" % (self.base, feed)

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def wait_until(fn, timeout=15.0, step=0.05):
    """Calls fn until it returns something true; returns that, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return None


def strict_json(raw):
    """The document if raw is valid UTF-8 JSON, else None."""
    try:
        return json.loads(raw.decode("utf-8", errors="strict"))
    except (UnicodeDecodeError, ValueError):
        return None


class StreamClient:
    """A GET /v1/stream client on a daemon's Unix socket, reading its lines
    on a thread: lines (the JSON documents, in order), times (when each
    arrived, time.monotonic()), status, and closed once the daemon ended
    it."""

    def __init__(self, sock, query="", timeout=120):
        self.lines = []
        self.times = []
        self.closed = False
        self.conn = http.client.HTTPConnection("localhost", timeout=timeout)
        self.conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.conn.sock.connect(sock)
        self.conn.request("GET", "/v1/stream" + query)
        self.resp = self.conn.getresponse()
        self.status = self.resp.status
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                doc = json.loads(line.decode("utf-8"))
                self.times.append(time.monotonic())
                self.lines.append(doc)
        except Exception:  # closed under the reader: the stream is over
            pass
        self.closed = True

    def entries(self):
        return [x for x in self.lines if "event" not in x]

    def events(self, kind):
        return [x for x in self.lines if x.get("event") == kind]

    def opened(self):
        return bool(self.events("open"))

    def entry_time(self, title):
        """When the entry titled so arrived, or None."""
        for t, x in zip(self.times, self.lines):
            if "event" not in x and x.get("title") == title:
                return t
        return None

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except (OSError, AttributeError):  # closed already
            pass
        self.conn.close()
