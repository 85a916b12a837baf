"""websubhub: a WebSub hub for the tests, written from the W3C WebSub
Recommendation (sections 5 and 7), Python stdlib only, on 127.0.0.1. Not a
test itself: the tests run one in a thread and drive it.

  hub = Hub(lease=600)          # the lease it grants, in seconds
  hub.url                       # where subscribers send their requests
  hub.mode = "accept"           # or "refuse" (403 to the request), "deny"
                                # (202, then hub.mode=denied to the callback)
                                # or "silent" (202, then never verifies)
  hub.subscribers(topic)        # verified subscriptions of a topic
  hub.publish(topic, body)      # content distribution to each subscriber,
                                # signed with its hub.secret (signature=
                                # "bad" signs with another key, None sends
                                # none); returns the callbacks' statuses
  hub.verify(callback, mode, topic, lease=None)   # a verification of
                                # intent the hub makes up: (status, body)

Subscription requests (5.1) need hub.callback, hub.mode and hub.topic; a
subscription is verified (5.3) with a random hub.challenge that the
subscriber must echo with a 2xx, and only then counts.
"""
import hashlib
import hmac
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _get(url, timeout=10):
    """GET url: (status, body bytes); errors are statuses too."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


def _with_query(callback, params):
    sep = "&" if urllib.parse.urlsplit(callback).query else "?"
    return callback + sep + urllib.parse.urlencode(params)


class Hub:
    def __init__(self, lease=600):
        self.lease = lease
        self.mode = "accept"
        self.lock = threading.Lock()
        self.subs = {}          # (topic, callback) -> {"secret", "expires"}
        self.requests = []      # the subscription requests, as received
        self.verifications = []  # (mode, topic, status, echoed)
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                pass

            def reply(self, code, text=""):
                data = text.encode()
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                form = urllib.parse.parse_qs(
                    self.rfile.read(n).decode(), keep_blank_values=True)
                form = {k: v[0] for k, v in form.items()}
                with hub.lock:
                    hub.requests.append(dict(form, content_type=self.headers.get(
                        "Content-Type")))
                if any(k not in form for k in
                       ("hub.callback", "hub.mode", "hub.topic")) or \
                        form["hub.mode"] not in ("subscribe", "unsubscribe"):
                    return self.reply(400, "hub.callback, hub.mode and "
                                      "hub.topic are required")
                if hub.mode == "refuse":
                    return self.reply(403, "not on this hub")
                self.reply(202)
                if hub.mode != "silent":
                    threading.Thread(target=hub._verify_request,
                                     args=(form,), daemon=True).start()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def _verify_request(self, form):
        """Verification of intent (5.3), or a denial (5.2)."""
        time.sleep(0.05)        # after the 202, as a real hub would
        cb, topic, mode = form["hub.callback"], form["hub.topic"], \
            form["hub.mode"]
        if self.mode == "deny" and mode == "subscribe":
            _get(_with_query(cb, {"hub.mode": "denied", "hub.topic": topic,
                                  "hub.reason": "topic not served"}))
            return
        status, body, echoed = self.verify(cb, mode, topic,
                                           self.lease if mode == "subscribe"
                                           else None)
        if not (200 <= status < 300 and echoed):
            return
        with self.lock:
            if mode == "subscribe":
                self.subs[(topic, cb)] = {
                    "secret": form.get("hub.secret"),
                    "expires": time.time() + self.lease}
            else:
                self.subs.pop((topic, cb), None)

    def verify(self, callback, mode, topic, lease=None):
        """Sends a verification of intent: (status, body, echoed)."""
        challenge = secrets.token_urlsafe(24)
        params = {"hub.mode": mode, "hub.topic": topic,
                  "hub.challenge": challenge}
        if lease is not None:
            params["hub.lease_seconds"] = str(lease)
        status, body = _get(_with_query(callback, params))
        echoed = body == challenge.encode()
        with self.lock:
            self.verifications.append((mode, topic, status, echoed))
        return status, body, echoed

    def subscribers(self, topic):
        now = time.time()
        with self.lock:
            return [cb for (t, cb), s in self.subs.items()
                    if t == topic and s["expires"] > now]

    def callbacks(self):
        with self.lock:
            return [r["hub.callback"] for r in self.requests]

    def publish(self, topic, body, content_type="application/rss+xml",
                signature="valid", algo="sha256"):
        """Content distribution (7): body to every verified subscriber."""
        data = body.encode() if isinstance(body, str) else body
        with self.lock:
            targets = [(cb, s["secret"]) for (t, cb), s in self.subs.items()
                       if t == topic and s["expires"] > time.time()]
        statuses = []
        for cb, secret in targets:
            req = urllib.request.Request(cb, data=data, method="POST")
            req.add_header("Content-Type", content_type)
            req.add_header("Link", '<%s>; rel="hub", <%s>; rel="self"'
                           % (self.url, topic))
            if signature is not None and secret is not None:
                key = secret if signature == "valid" else secret + "x"
                mac = hmac.new(key.encode(), data, getattr(hashlib, algo))
                req.add_header("X-Hub-Signature",
                               "%s=%s" % (algo, mac.hexdigest()))
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    statuses.append(r.status)
            except urllib.error.HTTPError as e:
                statuses.append(e.code)
            except OSError:
                statuses.append(0)
        return statuses

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
