"""GET /metrics and GET /healthz, as Prometheus and a load balancer see
them. After a known run (feeds that answer 200, 304, 404, 500, an HTML
page and no feed at all; an entry changed in place; topics whose hooks
succeed and fail; an open stream; requests of our own) the text is parsed
by Prometheus's own Python parser (Debian's python3-prometheus-client,
under /usr/bin/python3) and every counter is compared with the run and
with what the store recorded. Names follow the conventions (feedd_
prefix, _total counters, _seconds and _bytes units, HELP and TYPE for
every family). /metrics follows the token rules on TCP (a read-only token
reads it); /healthz needs none and answers {"status": "ok"}."""
import json
import os
import socket
import sqlite3
import subprocess

from feeddtest import (Daemon, TempDir, check, done, free_port, http_tcp,
                       http_unix)
from test_api_lib import CONF, FeedServer, rss, wait_until

# Prometheus's parser, as JSON: {family: {"type", "help", "samples":
# [[name, labels, value], ...]}}. Debian's module: /usr/bin/python3.
PARSER = r"""
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for f in text_string_to_metric_families(sys.stdin.read()):
    out[f.name] = {"type": f.type, "help": f.documentation,
                   "samples": [[s.name, s.labels, s.value] for s in f.samples]}
json.dump(out, sys.stdout)
"""


def parse(text):
    r = subprocess.run(["/usr/bin/python3", "-c", PARSER], input=text,
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError("the Prometheus parser refused the text:\n"
                           + r.stderr)
    return json.loads(r.stdout)


def get_unix(path):
    """(status, headers, body text) of GET path over the socket."""
    import http.client

    class Conn(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(10)
            self.sock.connect(d.socket)

    c = Conn("localhost", timeout=10)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read().decode()
    c.close()
    return r.status, dict(r.getheaders()), body


def value(fam, sample, **labels):
    """The value of sample in families fam with exactly these labels."""
    for f in fam.values():
        for name, lab, v in f["samples"]:
            if name == sample and lab == labels:
                return v
    return None


def scrape():
    status, headers, body = get_unix("/metrics")
    return status, headers, body, parse(body)


tmp = TempDir()
srv = FeedServer(tmp.join("www"))
srv.write("a.xml", rss("a", [1, 2, 3], extra_item=""))
srv.control("/_control/route", {"path": "/garbage", "status": 200,
                                "headers": {}, "body": "hello, no feed"})
ok_marker = tmp.join("ok-runs")
port = free_port()
conf = CONF + """listen = 127.0.0.1:%d
[hook "good"]
command = /bin/sh -c "echo run >> %s"
[hook "bad"]
command = /bin/false
[feed "ok"]
url = %s
[feed "e404"]
url = %s/status/404
[feed "e500"]
url = %s/status/500
[feed "html"]
url = %s/html
[feed "garbage"]
url = %s/garbage
[topic "two"]
query = "a item 1" OR "a item 2"
notify = good
[topic "one"]
query = "a item 3"
notify = bad
""" % (port, ok_marker, srv.url("a.xml"), srv.base, srv.base, srv.base,
       srv.base)
d = Daemon(tmp, conf).start()


def idle():
    doc = d.ctl_json("status")
    return (doc["feeds_new"] == 0 and doc["polls_in_flight"] == 0 and
            doc["polls_due"] == 0 and doc["polls_storing"] == 0 and doc)


check(wait_until(idle, 30), "every feed polled once", d.read_log()[-2000:])
ok_id = [f["id"] for f in d.ctl_json("feeds")["feeds"]
         if f["url"] == srv.url("a.xml")][0]

# The ok feed again: item 1 changed in place (a new ETag), then a 304.
srv.write("a.xml", rss("a", [(1, "a item 1", "changed text"), 2, 3]))
def npolls():
    _, doc, _ = http_unix(d.socket, "GET", "/v1/feeds/%d?polls=50" % ok_id)
    return len(doc["polls"])


for n in (2, 3):
    code, _, _ = http_unix(d.socket, "POST", "/v1/feeds/%d/poll" % ok_id)
    check(code == 202, "poll the ok feed now", code)
    check(wait_until(lambda: npolls() == n and idle(), 15),
          "its poll %d is recorded" % n)

# Hooks ran: two good runs, one bad one.
check(wait_until(lambda: os.path.exists(ok_marker) and
                 open(ok_marker).read().count("run") == 2, 15),
      "the good hook ran twice")

# Requests of our own: a 404 route, a 405, and statuses.
for _ in range(3):
    http_unix(d.socket, "GET", "/v1/status")
http_unix(d.socket, "GET", "/v1/nowhere")
http_unix(d.socket, "DELETE", "/v1/status")
# A stream client stays open while we scrape.
stream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
stream.connect(d.socket)
stream.sendall(b"GET /v1/stream HTTP/1.1\r\nHost: x\r\n\r\n")
stream.settimeout(5)
stream.recv(4096)


def settled():
    status, headers, body, fam = scrape()
    return value(fam, "feedd_notify_runs_total") == 3 and (status, headers,
                                                           body, fam)


got = wait_until(settled, 15)
check(got, "the hooks' runs are counted (3)")
status, headers, body, fam = got or scrape()
check(status == 200 and headers.get("Content-Type") ==
      "text/plain; version=0.0.4; charset=utf-8",
      "200 in the text exposition format", (status, headers))
print("# " + "\n# ".join(body.splitlines()[:400]))

# ---- names, kinds and help -------------------------------------------------
check(all(n.startswith("feedd_") for n in fam), "every family is feedd_*",
      sorted(fam))
check(all(f["help"] for f in fam.values()), "every family has its HELP")
counters = [n for n, f in fam.items() if f["type"] == "counter"]
check(all(s[0].endswith("_total") for n in counters
          for s in fam[n]["samples"] if not s[0].endswith("_created")),
      "counters end in _total", counters)
want_types = {
    "feedd_polls": "counter", "feedd_poll_duration_seconds": "histogram",
    "feedd_fetched_bytes": "counter", "feedd_ingested_entries": "counter",
    "feedd_topic_matches": "counter", "feedd_notify_runs": "counter",
    "feedd_notify_failures": "counter", "feedd_feeds": "gauge",
    "feedd_store_commit_duration_seconds": "histogram",
    "feedd_store_commit_failures": "counter",
    "feedd_database_size_bytes": "gauge", "feedd_api_requests": "counter",
    "feedd_stream_clients": "gauge", "feedd_store_failing": "gauge",
    "feedd_polls_in_flight": "gauge", "feedd_polls_due": "gauge",
    "feedd_polls_storing": "gauge", "feedd_build_info": "gauge",
    "feedd_start_time_seconds": "gauge", "feedd_entries": "gauge",
    "feedd_next_poll_timestamp_seconds": "gauge",
}
check(all(fam.get(n, {}).get("type") == t for n, t in want_types.items()),
      "the families the issue asks for, of their kinds",
      {n: fam.get(n, {}).get("type") for n in want_types})

# ---- polls, by result, against the run ---------------------------------------
polls = {s[1]["result"]: s[2] for s in fam["feedd_polls"]["samples"]}
check(polls.get("ok") == 2 and polls.get("not_modified") == 1 and
      polls.get("http_4xx") == 1 and polls.get("http_5xx") == 1 and
      polls.get("blocked") == 1 and polls.get("parse_error") == 1 and
      polls.get("store_error") == 0 and polls.get("unchanged") == 0,
      "polls by result: 2 ok, 1 not_modified, 1 http_4xx, 1 http_5xx, "
      "1 blocked (HTML), 1 parse_error", polls)
check(value(fam, "feedd_poll_duration_seconds_count") == 7 and
      value(fam, "feedd_poll_duration_seconds_bucket", le="+Inf") == 7,
      "the duration histogram holds the 7 polls",
      value(fam, "feedd_poll_duration_seconds_count"))
db = sqlite3.connect("file:%s?mode=ro" % d.database, uri=True)
logged = db.execute("SELECT count(*), sum(bytes) FROM poll_log").fetchone()
db.close()
check(logged[0] == 7 and value(fam, "feedd_fetched_bytes_total") ==
      logged[1], "bytes fetched: the sum the poll log holds (%s)"
      % (logged[1],), value(fam, "feedd_fetched_bytes_total"))
ing = {s[1]["result"]: s[2] for s in fam["feedd_ingested_entries"]["samples"]}
check(ing == {"stored": 3, "updated": 1, "duplicate": 2},
      "entries: 3 stored, then 1 updated and 2 duplicates", ing)

# ---- topics and hooks -----------------------------------------------------------
matches = {s[1]["topic"]: s[2] for s in fam["feedd_topic_matches"]["samples"]}
check(matches == {"two": 2, "one": 1}, "topic matches by topic", matches)
check(value(fam, "feedd_notify_runs_total") == 3 and
      value(fam, "feedd_notify_failures_total") == 1,
      "hook runs 3, failures 1 (/bin/false)")
topics = {t["name"]: t for t in d.ctl_json("topics")["topics"]}
check(topics["one"]["hook_failures"] == 1, "as GET /v1/topics counts them",
      topics["one"])

# ---- gauges against the status -------------------------------------------------
st = d.ctl_json("status")
states = {}
for f in d.ctl_json("feeds")["feeds"]:
    states[f["state"]] = states.get(f["state"], 0) + 1
gauge = {s[1]["state"]: s[2] for s in fam["feedd_feeds"]["samples"]}
check(all(gauge.get(k) == v for k, v in states.items()) and
      sum(gauge.values()) == 5, "feeds by state, as the feed list has them",
      (gauge, states))
check(value(fam, "feedd_entries") == st["entries"] == 3 and
      value(fam, "feedd_topics") == 2, "entries and topics", st)
check(value(fam, "feedd_database_size_bytes") > 0, "the database's size")
check(value(fam, "feedd_stream_clients") == 1, "one stream open",
      value(fam, "feedd_stream_clients"))
check(value(fam, "feedd_store_failing") == 0 and
      value(fam, "feedd_store_commit_failures_total") == 0 and
      value(fam, "feedd_store_commit_duration_seconds_count") >= 1,
      "the store: commits timed, none failed, not failing")
check(value(fam, "feedd_build_info", version=st["version"]) == 1,
      "build_info carries the version")
check(value(fam, "feedd_polls_in_flight") == 0 and
      value(fam, "feedd_polls_due") == 0, "nothing polling now")

# ---- API requests by route, method and status ------------------------------------
req = {(s[1]["route"], s[1]["method"], s[1]["status"]): s[2]
       for s in fam["feedd_api_requests"]["samples"]}
check(req.get(("/v1/status", "GET", "200"), 0) >= 3 and
      req.get(("other", "GET", "404")) == 1 and
      req.get(("/v1/status", "DELETE", "405")) == 1 and
      req.get(("/v1/feeds/*/poll", "POST", "202")) == 2,
      "requests by route pattern, method and status (unknown paths "
      "as other)", req)
stream.close()

# ---- TCP: the token rules ------------------------------------------------------------
code, doc, _ = http_unix(d.socket, "POST", "/v1/tokens",
                         {"name": "prom", "read_only": True})
token = doc["token"]
r, doc, _ = http_tcp(port, "GET", "/metrics")
check(r.status == 401, "GET /metrics over TCP without a token: 401", r.status)
r, _, text = http_tcp(port, "GET", "/metrics",
                      [("Authorization", "Bearer " + token)])
check(r.status == 200 and "feedd_polls" in parse(text.decode()),
      "with a read-only token: 200, and it parses", r.status)

# ---- /healthz ----------------------------------------------------------------------------
code, doc, _ = http_unix(d.socket, "GET", "/healthz")
check(code == 200 and doc == {"status": "ok"}, "GET /healthz: 200 ok", doc)
r, doc, _ = http_tcp(port, "GET", "/healthz")
check(r.status == 200 and doc == {"status": "ok"},
      "over TCP too, without a token (for a load balancer)", doc)
r, doc, _ = http_tcp(port, "HEAD", "/healthz")
check(r.status == 200, "HEAD /healthz", r.status)
check(d.stop() == 0, "the daemon stops cleanly")
srv.stop()
tmp.cleanup()
done()
