"""WebSub: a feed that announces a hub (in the document, or in a Link
header) is subscribed to at that hub when public_url is set; the hub's
verification is answered only for what feedd asked; content the hub pushes
with a valid X-Hub-Signature is stored and reaches the topic's stream at
once, content with a bad or no signature stores nothing; leases are renewed
and, when one ends unrenewed, the feed is polled again; a removed feed is
unsubscribed; a hub that refuses or denies leaves the feed polled as
before. The hub is websubhub.py, written from the specification."""
import re
import http.client
import time

from feeddtest import Daemon, TempDir, check, done, free_port, http_tcp, \
    http_unix
from test_api_lib import CONF, FeedServer, StreamClient, wait_until
from websubhub import Hub

tmp = TempDir()
srv = FeedServer(tmp.join("www"))
hub = Hub(lease=600)
port = free_port()
public = "http://127.0.0.1:%d/" % port
conf = CONF + """listen = 127.0.0.1:%d
public_url = http://127.0.0.1:%d

[topic "storm"]
query = storm
""" % (port, port)


def feed(name, hub_url, items, self_url=None):
    """An RSS document announcing hub_url (and its own URL) as Atom links."""
    self_url = self_url or srv.url(name)
    out = ['<?xml version="1.0" encoding="utf-8"?>\n'
           '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
           '<channel><title>%s</title><link>http://example.org/%s/</link>'
           '<description>d</description>' % (name, name)]
    if hub_url is not None:
        out.append('<atom:link rel="hub" href="%s"/>' % hub_url)
    out.append('<atom:link rel="self" href="%s"/>' % self_url)
    for guid, title in items:
        out.append('<item><guid>%s-%s</guid><title>%s</title>'
                   '<link>http://example.org/%s/%s</link>'
                   '<description>%s</description></item>'
                   % (name, guid, title, name, guid, title))
    out.append("</channel></rss>\n")
    return "".join(out)


d = Daemon(tmp, conf).start()
S = d.socket


def api(method, path, body=None):
    code, doc, _ = http_unix(S, method, path, body=body)
    return code, doc


def add(url):
    code, doc = api("POST", "/v1/feeds", {"url": url})
    check(code == 201, "feed added: " + url, doc)
    return doc["feed"]["id"]


def websub(fid):
    return api("GET", "/v1/feeds/%d" % fid)[1]["websub"]


def titles():
    code, doc = api("GET", "/v1/entries?limit=1000")
    return [e["title"] for e in doc["entries"]]


# ---- subscription and verification of intent -------------------------------

news_url = srv.url("news.xml")
srv.write("news.xml", feed("news.xml", hub.url, [("1", "calm day")]))
news = add(news_url)
check(wait_until(lambda: hub.subscribers(news_url), timeout=10),
      "the feed's hub got a subscription for its self URL, verified",
      hub.requests)
req = hub.requests[0]
callback = req["hub.callback"]
check(callback.startswith(public + "websub/") and
      re.fullmatch(r"[0-9a-f]{32}", callback[len(public + "websub/"):]),
      "the callback is a random name below public_url", callback)
check(req["hub.mode"] == "subscribe" and req["hub.topic"] == news_url and
      int(req["hub.lease_seconds"]) > 0 and
      req["content_type"] == "application/x-www-form-urlencoded",
      "a form-encoded subscription request with a lease", req)
secret = req.get("hub.secret", "")
check(re.fullmatch(r"[0-9a-f]{64}", secret),
      "a random hub.secret of 256 bits for the subscription", req)
check(hub.verifications[-1][2] == 200 and hub.verifications[-1][3],
      "the challenge was echoed", hub.verifications)
ws = wait_until(lambda: (lambda w: w if w and w["state"] == "active"
                         else None)(websub(news)))
check(ws and ws["hub"] == hub.url and ws["topic"] == news_url and
      ws["lease_until"] is not None, "GET /v1/feeds/ID shows the active "
      "subscription", ws)
code, doc, raw = http_unix(S, "GET", "/v1/feeds/%d" % news)
code2, doc2, raw2 = http_unix(S, "GET", "/v1/feeds")
name = callback.rsplit("/", 1)[1]
check(secret.encode() not in raw + raw2 and name.encode() not in raw + raw2,
      "neither the secret nor the callback's name is ever shown")

# Challenges for what feedd did not ask are refused.
status, body, echoed = hub.verify(callback, "subscribe",
                                  "http://127.0.0.1:1/other.xml", 600)
check(status == 404 and not echoed,
      "a challenge for a topic feedd did not ask for is refused", status)
status, body, echoed = hub.verify(callback, "unsubscribe", news_url)
check(status == 404 and not echoed,
      "an unsubscription feedd did not ask for is refused", status)
status, body, echoed = hub.verify(callback, "subscribe", news_url, 600)
check(status == 404 and not echoed,
      "a second verification of a subscription already verified is refused",
      status)
status, body, echoed = hub.verify(public + "websub/" + "0" * 32,
                                  "subscribe", news_url, 600)
check(status == 404, "an unknown callback is 404", status)
r, doc, _ = http_tcp(port, "GET", "/websub/%s" % name)
check(r.status == 404, "a callback GET without hub parameters is 404",
      r.status)
r, doc, _ = http_tcp(port, "PUT", "/websub/%s" % name, body="{}")
check(r.status == 404, "any other method on a callback is 404 (no token "
      "asked, nothing told)", r.status)
r, doc, _ = http_tcp(port, "GET", "/v1/feeds")
check(r.status == 401, "the rest of the TCP listener still wants a token",
      r.status)

# ---- pushed content: from publish to the topic's stream ------------------


stream = StreamClient(S, "?topic=storm", timeout=60)
wait_until(lambda: stream.lines)
pushed = feed("news.xml", hub.url, [("2", "storm warning"),
                                    ("1", "calm day")])
t0 = time.monotonic()
statuses = hub.publish(news_url, pushed)
check(statuses == [202], "signed content is accepted (202)", statuses)
t1 = wait_until(lambda: stream.entry_time("storm warning"), timeout=5)
check(t1 is not None, "the pushed entry reaches the topic's stream",
      stream.lines)
if t1 is not None:
    print("# publish to topic stream event: %.0f ms" % ((t1 - t0) * 1000))
ws = websub(news)
check(ws["pushes"] == 1 and ws["last_push"] is not None,
      "the push is counted on the subscription", ws)

bad = feed("news.xml", hub.url, [("3", "storm forged"), ("1", "calm day")])
check(hub.publish(news_url, bad, signature="bad") == [404],
      "content signed with another key is refused (404)")
check(hub.publish(news_url, bad, signature=None) == [404],
      "content without a signature is refused (404)")
time.sleep(1)
check("storm forged" not in titles() and stream.entry_time("storm forged") is None,
      "refused content stores nothing", titles())
old = feed("news.xml", hub.url, [("4", "storm from an old hub")])
check(hub.publish(news_url, old, algo="sha1") == [202],
      "sha1 signatures of old hubs are taken")
check(wait_until(lambda: "storm from an old hub" in titles(), timeout=5),
      "and their content stored", titles())

# A push may be as large as a poll may fetch (max_body_size, 10 MiB by
# default), beyond the API's own 4 MiB for request bodies; larger is
# refused at the door and stores nothing.
pad = "<p>%s</p>" % ("calm words " * 480000)          # about 5 MiB
big = feed("news.xml", hub.url, [("5", "storm in a large document")])
big = big.replace("</item>", "<description>%s</description></item>"
                  % pad.replace("<", "&lt;"), 1)
check(4 * 2**20 < len(big) < 10 * 2**20 and
      hub.publish(news_url, big) == [202],
      "a signed push of 5 MiB (over the API's 4 MiB) is taken", len(big))
check(wait_until(lambda: "storm in a large document" in titles(),
                 timeout=10), "and stored", titles())
huge = big.replace("storm in a large document", "storm too large").replace(
    "calm words ", "calm words calm words ")
st = hub.publish(news_url, huge)
check(len(huge) > 10 * 2**20 and st in ([413], [0]),
      "a push over max_body_size is refused (413, or the connection closed "
      "while the hub still sent)", (len(huge), st))
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
c.putrequest("POST", "/websub/" + name)
c.putheader("Content-Length", str(10 * 2**20 + 1))
c.endheaders()
r = c.getresponse()
check(r.status == 413 and b"too_large" in r.read(),
      "the head of a push over max_body_size is answered 413 at once",
      r.status)
c.close()
time.sleep(1)
check("storm too large" not in titles(), "and stores nothing", titles())

# What hubs did, for /metrics.
code, _, raw = http_unix(S, "GET", "/metrics")
text = raw.decode()
def series(name):
    m = re.search(r"^%s (\d+)" % re.escape(name), text, re.M)
    return int(m.group(1)) if m else None
check(code == 200 and
      series('feedd_websub_pushes_total{result="accepted"}') == 3 and
      series('feedd_websub_pushes_total{result="bad_signature"}') == 2 and
      series('feedd_websub_pushes_total{result="too_large"}') == 0 and
      series('feedd_websub_verifications_total{result="subscribed"}') == 1
      and series('feedd_polls_total{result="ok"}') == 1
      and series('feedd_websub_verifications_total{result="refused"}') == 4
      and series('feedd_websub_subscriptions{state="active"}') == 1,
      "/metrics counts pushes, verifications and subscriptions by state",
      [l for l in text.splitlines() if "websub" in l and "#" not in l])

# A hub that signs is not a feed that parses: a broken body is dropped and
# the feed is not marked failing.
check(hub.publish(news_url, "<rss><channel><item>") == [202],
      "a signed but broken body is taken at the door")
time.sleep(1)
code, doc = api("GET", "/v1/feeds/%d" % news)
check(doc["state"] == "ok" and doc["error_count"] == 0,
      "a broken push does not count against the feed", doc)
check("not read" in d.read_log(), "a broken push is logged",
      d.read_log()[-2000:])

# While the hub pushes, polls are only a safety net.
code, doc = api("POST", "/v1/feeds/%d/poll" % news)
ok = wait_until(lambda: "WebSub" in (api("GET", "/v1/feeds/%d" % news)[1]
                                     .get("interval_note") or ""))
doc = api("GET", "/v1/feeds/%d" % news)[1]
check(ok and doc["current_interval"] >= 6 * 3600 and
      doc["pushed_until"] is not None,
      "a pushed feed is polled every 6 hours at most, and says why", doc)
r = d.ctl("feeds")
check("WebSub hub pushes" in r.stdout and "INTERVAL" in r.stdout,
      "feedctl feeds shows why", r.stdout)


def poll_now(fid):
    """Polls the feed now; its record once the poll is logged."""
    n = len(api("GET", "/v1/feeds/%d" % fid)[1]["polls"])
    api("POST", "/v1/feeds/%d/poll" % fid)
    return wait_until(lambda: (lambda f: f if len(f["polls"]) > n else None)(
        api("GET", "/v1/feeds/%d" % fid)[1]), timeout=15) or \
        api("GET", "/v1/feeds/%d" % fid)[1]


# Each safety poll that finds nothing the hub did not bring doubles the
# next one's distance, up to max_interval (1 day); one that finds an entry
# the hub never pushed starts again at 6 hours.
doc = poll_now(news)
check(doc["current_interval"] == 12 * 3600 and "WebSub hub pushes, its "
      "last poll found nothing else → 12h" in doc["interval_note"],
      "a safety poll that finds nothing new: the next in 12 hours", doc)
doc = poll_now(news)
check(doc["current_interval"] == 24 * 3600,
      "then in 24 hours (max_interval), and no further", doc)
doc = poll_now(news)
check(doc["current_interval"] == 24 * 3600, "and stays there", doc)
srv.write("news.xml", feed("news.xml", hub.url, [("6", "a quiet notice"),
                                                 ("1", "calm day")]))
doc = poll_now(news)
check(doc["current_interval"] == 6 * 3600 and
      doc["interval_note"].endswith("WebSub hub pushes → 6h") and
      "a quiet notice" in titles(),
      "a safety poll that finds what the hub did not push: 6 hours again",
      doc)

# ---- Link header discovery ------------------------------------------------

linked_self = srv.base + "/linked-self"
srv.control("/_control/route", {
    "path": "/linked", "status": 200,
    "headers": {"Link": '<%s>; rel="hub", <%s>; rel="self"'
                % (hub.url, linked_self)},
    "body": feed("linked", None, [("1", "linked item")], linked_self)})
linked = add(srv.base + "/linked")
check(wait_until(lambda: hub.subscribers(linked_self), timeout=10),
      "a hub named in a Link header is subscribed to, for its rel=self",
      hub.requests[-1:])

# ---- lease renewal, and a lease that ends ---------------------------------

short_hub = Hub(lease=3)
short_url = srv.url("short.xml")
srv.write("short.xml", feed("short.xml", short_hub.url, [("1", "a")]))
short = add(short_url)
check(wait_until(lambda: short_hub.subscribers(short_url), timeout=10),
      "subscribed with a lease of 3 s")
renewed = wait_until(lambda: len([v for v in short_hub.verifications
                                  if v[0] == "subscribe" and v[3]]) >= 2,
                     timeout=10)
# What the daemon said of it, for a failure that is seldom seen.
websub_log = "\n".join(line for line in d.read_log().splitlines()
                       if "websub" in line)[-3000:]
check(renewed, "the lease is renewed before it ends",
      "%s\nhub requests: %s\n%s" % (short_hub.verifications,
                                     short_hub.requests[-3:], websub_log))
check(websub(short)["state"] == "active", "and stays active",
      websub(short))
short_hub.mode = "silent"
ws = wait_until(lambda: (lambda w: w if w["state"] == "refused" else None)(
    websub(short)), timeout=10)
check(ws and "lease ended" in (ws["last_error"] or ""),
      "a lease the hub does not renew ends: back to polling", ws)
doc = wait_until(lambda: (lambda f: f if f["pushed_until"] is None and
                          f["last_poll"] is not None and
                          "WebSub" not in (f["interval_note"] or "")
                          else None)(api("GET", "/v1/feeds/%d" % short)[1]),
                 timeout=10)
check(doc, "the feed is polled at once and planned as any feed again",
      api("GET", "/v1/feeds/%d" % short)[1])

# ---- unsubscribe when the feed is removed ---------------------------------

n_unsub = len([r for r in hub.requests if r["hub.mode"] == "unsubscribe"])
code, doc = api("DELETE", "/v1/feeds/%d" % news)
check(code in (200, 204), "feed removed", doc)
check(wait_until(lambda: not hub.subscribers(news_url), timeout=10),
      "the hub is asked to unsubscribe, and feedd confirms it",
      hub.requests[-1:])
check(len([r for r in hub.requests if r["hub.mode"] == "unsubscribe"]) ==
      n_unsub + 1, "one unsubscription request")
check(hub.verifications[-1][0] == "unsubscribe" and hub.verifications[-1][3],
      "the unsubscription's challenge was echoed", hub.verifications[-1])
check(hub.publish(news_url, pushed) == [],
      "nothing is pushed for a removed feed")
status, body, echoed = hub.verify(callback, "subscribe", news_url, 600)
check(status == 404, "the old callback is gone", status)

# ---- hubs that refuse or deny ----------------------------------------------

no_hub = Hub()
no_hub.mode = "refuse"
ref_url = srv.url("refused.xml")
srv.write("refused.xml", feed("refused.xml", no_hub.url, [("1", "x")]))
ref = add(ref_url)
ws = wait_until(lambda: (lambda w: w if w and w["state"] == "refused"
                         else None)(websub(ref)), timeout=10)
check(ws and "refused" in (ws["last_error"] or ""),
      "a hub that refuses: the subscription says so", ws)
doc = api("GET", "/v1/feeds/%d" % ref)[1]
check(doc["pushed_until"] is None and
      "WebSub" not in (doc["interval_note"] or "") and
      doc["current_interval"] < 6 * 3600,
      "and the feed is polled as before", doc)

deny_hub = Hub()
deny_hub.mode = "deny"
deny_url = srv.url("denied.xml")
srv.write("denied.xml", feed("denied.xml", deny_hub.url, [("1", "x")]))
den = add(deny_url)
ws = wait_until(lambda: (lambda w: w if w and w["state"] == "refused"
                         else None)(websub(den)), timeout=10)
check(ws and "denied" in (ws["last_error"] or "") and
      "topic not served" in ws["last_error"],
      "a hub that denies: the subscription says why", ws)

log = d.read_log()
check(secret not in log and name not in log,
      "neither the secret nor a callback's name is logged")

# ---- without public_url, no WebSub -----------------------------------------

check(d.stop() == 0, "daemon stops cleanly")
plain_hub = Hub()
d2 = Daemon(tmp, CONF, name="plain").start()
srv.write("plain.xml", feed("plain.xml", plain_hub.url, [("1", "p")]))
code, doc, _ = http_unix(d2.socket, "POST", "/v1/feeds",
                         body={"url": srv.url("plain.xml")})
time.sleep(1)
check(code == 201 and plain_hub.requests == [],
      "without public_url no hub is asked", plain_hub.requests)
check(d2.stop() == 0, "the second daemon stops cleanly")
for h in (hub, short_hub, no_hub, deny_hub, plain_hub):
    h.stop()
srv.stop()
done()
