"""URL hooks against a receiver started here (feedserver.py's /hook/NAME):
each format's request checked field by field against what ntfy, Gotify,
Matrix and Slack document; a batch hook gets one message for a poll with
three matches; a receiver that answers 500 twice then 200 gets each alert
once, in order; a 429's Retry-After is waited out; a receiver that hangs
is cut off at the hook's timeout and tried again while polls (with
max_connections = 1) and other hooks go on; a 400 is given up at once;
alerts pending at a restart are delivered after it; feedctl hooks, hook
show and hook test show what happened; and the secrets (a header's token,
a token in a URL's path) are in no log line, API answer, feedctl output
or database page, though the receivers got them."""
import json
import os
import secrets
import signal
import subprocess
import time

from feeddtest import (FEEDD, Daemon, TempDir, check, done, http_unix,
                       store_dump, store_rows)
from test_api_lib import FeedServer, wait_until

tmp = TempDir()
srv = FeedServer(tmp.join("www"))
TOKEN = "tk_" + secrets.token_hex(16)
PATH_TOKEN = secrets.token_hex(12)
ENV = {"FEEDD_SECRET_TOKEN": TOKEN, "FEEDD_SECRET_PATH": PATH_TOKEN}
B = srv.base

CONFIG = """
[feedd]
log_level = debug
default_interval = 1h
min_interval = 1m
host_gap = 0s
# One poll at a time: a hook holding a connection would stall them all.
max_connections = 1
max_per_host = 32

[hook "json"]
url = %(B)s/hook/json/in
header = Authorization: Bearer ${FEEDD_SECRET_TOKEN}
timeout = 5s

[hook "ntfy"]
url = %(B)s/hook/ntfy/feedd-alerts   # the topic's URL
format = ntfy
header = Authorization: Bearer ${FEEDD_SECRET_TOKEN}

[hook "gotify"]
url = %(B)s/hook/gotify
format = gotify
header = X-Gotify-Key: ${FEEDD_SECRET_TOKEN}

[hook "matrix"]
url = %(B)s/hook/matrix/_matrix/client/v3/rooms/!room:example.org/send/m.room.message
format = matrix
header = Authorization: Bearer ${FEEDD_SECRET_TOKEN}

[hook "slack"]
url = %(B)s/hook/slack/services/T0/B0/${FEEDD_SECRET_PATH}
format = slack

[hook "batch"]
url = %(B)s/hook/batch/in
mode = batch

[hook "flaky"]
url = %(B)s/hook/flaky/in

[hook "limited"]
url = %(B)s/hook/limited/in

[hook "hang"]
url = %(B)s/hook/hang/in
timeout = 6s

[hook "refused"]
url = %(B)s/hook/refused/in

[hook "down"]
url = %(B)s/hook/down/in

[hook "echo"]
url = %(B)s/hook/echo/in
header = Authorization: Bearer ${FEEDD_SECRET_TOKEN}

[hook "cmd"]
command = /bin/true --with args
""" % {"B": B}

d = Daemon(tmp, CONFIG, env=ENV)
outputs = []      # every feedctl output and API answer, for the scan


def api(method, path, body=None):
    code, doc, text = http_unix(d.socket, method, path, body)
    outputs.append(text.decode("utf-8", "replace"))
    return code, doc


def ctl(*args):
    r = d.ctl(*args)
    outputs.append(r.stdout + r.stderr)
    return r


def script(name, answers=(), then=None):
    srv.control("/_control/hook?name=%s" % name,
                {"answers": list(answers), "then": then or {}})


def received(name):
    return srv.control("/_control/hook?name=%s" % name)["requests"]


def hook(name):
    return api("GET", "/v1/hooks/%s" % name)[1]


def entries(topic):
    return api("GET", "/v1/entries?topic=%s&limit=100" % topic)[1]["entries"]


def poll(fid):
    api("POST", "/v1/feeds/%d/poll" % fid)


def body(req):
    return json.loads(req["body"])


def header(req, name):
    for k, v in req["headers"].items():
        if k.lower() == name.lower():
            return v
    return None


try:
    # ---- configuration errors never show a secret ----------------------
    bad = tmp.write("bad.conf", """
[hook "a"]
url = %s/services/${FEEDD_SECRET_PATH}/x
header = Authorization Bearer ${FEEDD_SECRET_TOKEN}
""" % B)
    r = subprocess.run([FEEDD, "-c", bad, "--check-config"], text=True,
                       capture_output=True, env=dict(os.environ, **ENV))
    check(r.returncode == 1 and "bad.conf:4: header: not 'Name: value'" in
          r.stderr and TOKEN not in r.stderr,
          "a header line that is not 'Name: value' is refused, not shown",
          r.stderr)
    bad = tmp.write("bad.conf", """
[hook "b"]
url = %s/hook/b/${FEEDD_SECRET_PATH}/
format = ntfy

[hook "c"]
url = %s/hook/c
header = Authorization: Bearer ${FEEDD_NO_SUCH_SECRET}
""" % (B, B))
    r = subprocess.run([FEEDD, "-c", bad, "--check-config"], text=True,
                       capture_output=True, env=dict(os.environ, **ENV))
    check(r.returncode == 1 and "[hook \"b\"]: url %s/\u2026 is the "
          "server's root" % B in r.stderr and
          "${FEEDD_NO_SUCH_SECRET}: no such environment variable or "
          "credential here" in r.stderr,
          "--check-config refuses an ntfy URL without a topic (redacted) and "
          "warns of an unset secret", r.stderr)
    check(PATH_TOKEN not in r.stderr, "without showing a secret", r.stderr)
    unset = tmp.write("unset.conf", "[hook \"c\"]\nurl = %s/x\nheader = "
                      "Authorization: ${FEEDD_NO_SUCH_SECRET}\n" % B)
    r = subprocess.run([FEEDD, "-c", unset, "--once", "--database",
                        tmp.join("unset.db")], text=True, capture_output=True)
    check(r.returncode == 1 and "${FEEDD_NO_SUCH_SECRET}: no such "
          "environment variable or credential" in r.stderr,
          "the daemon refuses to start without a hook's secret", r.stderr)
    r = subprocess.run([FEEDD, "-c", d.config, "--check-config"], text=True,
                       capture_output=True, env=dict(os.environ, **ENV))
    check(r.returncode == 0, "the test's configuration checks", r.stderr)

    # ---- the receivers' scripts, then one poll for everything ------------
    script("flaky", [{"status": 500, "body": "oops"},
                     {"status": 500, "body": "oops"}])
    script("limited", [{"status": 429, "headers": {"Retry-After": "4"}}])
    script("hang", [{"delay": 30}])
    script("refused", then={"status": 400, "body": '{"error":"bad topic"}'})
    script("down", then={"status": 503, "body": "maintenance"})
    d.start()
    code, doc = api("POST", "/v1/feeds", {"url": srv.dyn_url("news")})
    check(code == 201, "a feed is added", doc)
    fid = doc["feed"]["id"]
    topics = [("t-json", "storm", "json"), ("t-ntfy", "storm", "ntfy"),
              ("t-gotify", "storm", "gotify"),
              ("t-matrix", "storm", "matrix"), ("t-slack", "storm", "slack"),
              ("t-batch", "hail", "batch"), ("t-flood", "flood", "flaky"),
              ("t-quake", "quake", "limited"), ("t-fog", "fog", "hang"),
              ("t-ice", "ice", "refused"), ("t-drought", "drought", "down")]
    for name, query, h in topics:
        code, doc = api("POST", "/v1/topics", {"name": name, "query": query,
                                               "notify": h})
        check(code == 201, "topic %s notifies hook %s" % (name, h), doc)
    # feedserver puts titles into its XML as they are: escaped here.
    srv.dyn_add("news", "storm over Kyiv &amp; &lt;Odesa&gt;")
    srv.dyn_add("news", "hail in Lviv", n=3)
    srv.dyn_add("news", "flood one")
    srv.dyn_add("news", "flood two")
    srv.dyn_add("news", "quake near Dnipro")
    srv.dyn_add("news", "fog over the port")
    srv.dyn_add("news", "ice on the roads")
    poll(fid)
    check(wait_until(lambda: len(entries("t-ice")) == 1, timeout=20),
          "the poll is stored and matched")
    # ---- a hanging receiver: timed out, retried; polls go on -----------
    check(wait_until(lambda: len(received("hang")) == 1 and
                     hook("hang")["sending"]),
          "the hang hook's alert is in flight", hook("hang"))
    srv.dyn_add("news", "storm again")
    t0 = time.monotonic()
    poll(fid)
    got = wait_until(lambda: len(entries("t-json")) == 2, timeout=10)
    took = time.monotonic() - t0
    check(got and took < 2.5 and hook("hang")["sending"],
          "a poll with max_connections = 1 runs while the hook hangs "
          "(%.2f s)" % took)
    check(wait_until(lambda: len(received("json")) == 2, timeout=3) and
          hook("hang")["sending"], "and another hook delivers meanwhile")
    # The other receivers get "storm again" too.
    check(wait_until(lambda: len(received("hang")) == 2, timeout=15),
          "after its timeout the alert is sent again", received("hang"))
    h = hook("hang")
    check(wait_until(lambda: hook("hang")["sent"] == 1) and
          h["retries"] == 1 and "timed out" in h["last_failure"]["error"],
          "it counts one retry, the timeout as its last failure", h)
    rs = received("hang")
    check(header(rs[0], "X-Feedd-Delivery") ==
          header(rs[1], "X-Feedd-Delivery"),
          "both attempts carry the same delivery id")

    storm = entries("t-json")
    check(len(storm) == 2, "two entries match storm", storm)
    storm = api("GET", "/v1/entries/%d" % storm[0]["id"])[1]

    # ---- each format, field by field -----------------------------------
    for name in ("json", "ntfy", "gotify", "matrix", "slack"):
        check(wait_until(lambda: len(received(name)) == 2),
              "the %s receiver got the two alerts" % name, received(name))
    r = received("json")[0]
    doc = body(r)
    check(r["method"] == "POST" and r["path"] == "/hook/json/in" and
          header(r, "Content-Type").startswith("application/json") and
          header(r, "Authorization") == "Bearer " + TOKEN and
          len(header(r, "X-Feedd-Delivery") or "") == 32 and
          header(r, "User-Agent").startswith("feedd/"),
          "json: POST to the url, with its header, a delivery id and feedd's "
          "User-Agent", r["headers"])
    check(doc["topic"] == "t-json" and all(
        doc.get(k) == storm[k] for k in (
            "id", "guid", "feed_id", "feed_title", "title", "link",
            "published", "summary", "categories", "enclosures")),
          "json: the entry as the API shows it, plus its topic", (doc, storm))

    r = received("ntfy")[0]
    doc = body(r)
    check(r["method"] == "POST" and r["path"] == "/hook/ntfy/" and
          header(r, "Authorization") == "Bearer " + TOKEN,
          "ntfy: POST to the server's root (publishing as JSON)", r)
    check(doc.get("topic") == "feedd-alerts" and
          doc.get("title") == "storm over Kyiv & <Odesa>" and
          isinstance(doc.get("message"), str) and "news" in doc["message"]
          and doc.get("click") == storm["link"] and
          doc.get("tags") == ["newspaper", "t-ntfy"] and
          set(doc) <= {"topic", "title", "message", "click", "tags"},
          "ntfy: topic, title, message, click, tags", doc)

    r = received("gotify")[0]
    doc = body(r)
    check(r["method"] == "POST" and r["path"] == "/hook/gotify/message" and
          header(r, "X-Gotify-Key") == TOKEN,
          "gotify: POST /message with the app token", r)
    check(doc.get("title") == storm["title"] and
          isinstance(doc.get("message"), str) and doc.get("priority") == 5
          and doc["extras"]["client::notification"]["click"]["url"] ==
          storm["link"] and
          doc["extras"]["client::display"]["contentType"] == "text/plain",
          "gotify: title, message, priority, extras (click, plain text)", doc)

    r = received("matrix")[0]
    doc = body(r)
    key = header(r, "X-Feedd-Delivery")
    check(r["method"] == "PUT" and r["path"] ==
          "/hook/matrix/_matrix/client/v3/rooms/!room:example.org/send/"
          "m.room.message/" + key and
          header(r, "Authorization") == "Bearer " + TOKEN,
          "matrix: PUT .../send/m.room.message/TXNID, the alert's key", r)
    check(doc.get("msgtype") == "m.text" and
          "storm over Kyiv & <Odesa>" in doc.get("body", "") and
          doc.get("format") == "org.matrix.custom.html" and
          '<a href="%s">storm over Kyiv &amp; &lt;Odesa&gt;</a>' %
          storm["link"] in doc.get("formatted_body", ""),
          "matrix: m.text with a plain body and escaped HTML", doc)

    r = received("slack")[0]
    doc = body(r)
    check(r["method"] == "POST" and
          r["path"] == "/hook/slack/services/T0/B0/" + PATH_TOKEN,
          "slack: POST to the webhook URL, its token from the environment",
          r["path"])
    check(list(doc) == ["text"] and
          "<%s|storm over Kyiv &amp; &lt;Odesa&gt;>" % storm["link"]
          in doc["text"] and "t-slack" in doc["text"],
          "slack: text with <link|title>, &, < and > escaped", doc)

    # ---- batch: one message for the poll's three matches ---------------
    check(wait_until(lambda: len(received("batch")) == 1),
          "the batch hook got a message", received("batch"))
    time.sleep(1)
    reqs = received("batch")
    doc = body(reqs[0])
    ids = sorted(e["id"] for e in entries("t-batch"))
    check(len(reqs) == 1 and doc["topic"] == "t-batch" and
          sorted(e["id"] for e in doc["entries"]) == ids and len(ids) == 3,
          "batch: one message, {topic, entries} with the three matches",
          (len(reqs), doc))

    # ---- 500 twice, then 200: once each, in order ----------------------
    check(wait_until(lambda: len(received("flaky")) >= 4, timeout=30),
          "the flaky receiver got the retries", received("flaky"))
    time.sleep(2)
    rs = received("flaky")
    ids = [body(x)["id"] for x in rs]
    floods = sorted(e["id"] for e in entries("t-flood"))
    check(len(rs) == 4 and ids == [floods[0]] * 3 + [floods[1]],
          "the first alert is sent three times (500, 500, 200), then the "
          "second once: in order, each delivered once", ids)
    gaps = [rs[i + 1]["time"] - rs[i]["time"] for i in range(2)]
    check(1.7 <= gaps[0] <= 4 and 3.5 <= gaps[1] <= 7,
          "retries back off (2 s, then 4 s, +-10%)", gaps)
    h = hook("flaky")
    check(h["sent"] == 2 and h["retries"] == 2 and h["failed"] == 0 and
          h["pending"] == 0, "flaky: 2 sent, 2 retries, none pending", h)
    code, _, text = http_unix(d.socket, "GET", "/metrics")
    text = text.decode()
    check(code == 200 and 'feedd_hook_alerts_total{hook="flaky",'
          'result="sent"} 2' in text and 'feedd_hook_alerts_total{hook='
          '"flaky",result="retried"} 2' in text and
          'feedd_hook_alerts_pending{hook="flaky"} 0' in text,
          "/metrics counts the hook's alerts: 2 sent, 2 retried, 0 pending",
          [ln for ln in text.splitlines() if "hook_alerts" in ln])
    code, doc = api("GET", "/v1/topics/t-flood")
    check(doc["hook_failures"] == 2 and
          "HTTP 500: oops" in doc["hook_last_failure"]["error"],
          "the topic counts its hook's failed attempts, with the answer",
          doc)
    r = ctl("topics")
    check(r.returncode == 0 and "HOOK FAILURES" in r.stdout and
          "HTTP 500: oops" in r.stdout,
          "feedctl topics shows them", r.stdout)

    # ---- 429 with Retry-After ------------------------------------------
    check(wait_until(lambda: len(received("limited")) == 2, timeout=15),
          "the rate-limited alert is sent again", received("limited"))
    rs = received("limited")
    gap = rs[1]["time"] - rs[0]["time"]
    check(3.9 <= gap <= 7, "after the 4 s of Retry-After (%.2f s)" % gap)
    check(wait_until(lambda: hook("limited")["sent"] == 1),
          "and delivered", hook("limited"))

    # ---- a 400 is given up at once -------------------------------------
    check(wait_until(lambda: hook("refused")["failed"] == 1),
          "a 400 gives the alert up", hook("refused"))
    time.sleep(3)
    h = hook("refused")
    check(len(received("refused")) == 1 and h["pending"] == 0 and
          h["retries"] == 0 and "HTTP 400" in h["last_failure"]["error"]
          and "not retried" in h["last_failure"]["error"],
          "once, without retries", (received("refused"), h))

    # ---- feedctl hooks, hook show ----------------------------------------
    r = ctl("hooks")
    check(r.returncode == 0 and all(n in r.stdout for n in (
        "json", "ntfy", "gotify", "matrix", "slack", "command")) and
        "%s/\u2026" % B in r.stdout and "/bin/true" in r.stdout and
        "--with" not in r.stdout,
        "feedctl hooks lists them: kind, redacted URL, program only",
        r.stdout)
    r = ctl("hook", "show", "json")
    check(r.returncode == 0 and "Authorization (values not shown)" in
          r.stdout and "t-json" in r.stdout, "feedctl hook show", r.stdout)
    r = ctl("--json", "hooks")
    doc = json.loads(r.stdout)
    byname = {x["name"]: x for x in doc["hooks"]}
    check(byname["json"]["headers"] == ["Authorization"] and
          byname["json"]["url"] == B + "/\u2026" and
          byname["cmd"]["pending"] is None and
          byname["cmd"]["program"] == "/bin/true",
          "its JSON: header names only, the URL redacted", byname["json"])

    # ---- feedctl hook test ---------------------------------------------
    n = len(received("json"))
    r = ctl("hook", "test", "json")
    check(r.returncode == 0 and "delivered, HTTP 200" in r.stdout and
          '{"ok":true}' in r.stdout, "feedctl hook test prints the answer",
          r.stdout + r.stderr)
    check(len(received("json")) == n + 1 and "Test alert from feedd" in
          body(received("json")[-1])["title"],
          "the receiver got a sample alert")
    script("echo", then={"echo": "Authorization", "body": "you sent: "})
    r = ctl("hook", "test", "echo")
    check(r.returncode == 0 and "you sent: ***" in r.stdout and
          TOKEN not in r.stdout,
          "a secret the receiver echoes is shown as ***", r.stdout)
    r = ctl("hook", "test", "refused")
    check(r.returncode == 1 and "failed: HTTP 400" in r.stdout,
          "a failed test exits 1 and says why", r.stdout)
    r = ctl("hook", "test", "cmd")
    check(r.returncode == 1 and "runs a command" in r.stderr,
          "a command hook is not tested this way", r.stderr)
    r = ctl("hook", "test", "nope")
    check(r.returncode == 1 and "no hook of that name" in r.stderr,
          "an unknown hook: an error", r.stderr)
    check(hook("json")["sent"] == 2, "tests are not counted as alerts",
          hook("json"))

    # ---- a restart with alerts pending ----------------------------------
    srv.dyn_add("news", "drought in the south")
    poll(fid)
    check(wait_until(lambda: len(received("down")) >= 1 and
                     hook("down")["retries"] >= 1, timeout=10),
          "the down receiver refused the alert", hook("down"))
    check(hook("down")["pending"] == 1, "one alert pending")
    key = header(received("down")[0], "X-Feedd-Delivery")
    check(d.stop() == 0, "the daemon stops with it pending")
    rows = store_rows(d.database,
                      "SELECT hook, topic, key, attempts FROM hook_alerts")
    check(len(rows) == 1 and rows[0][:3] == ("down", "t-drought", key) and
          rows[0][3] >= 1, "the alert waits in the database", rows)
    script("down", then={"status": 200})
    n = len(received("down"))
    d.start()
    check(wait_until(lambda: len(received("down")) == n + 1, timeout=15),
          "after the restart it is sent", received("down"))
    r = received("down")[-1]
    check(header(r, "X-Feedd-Delivery") == key and
          body(r)["topic"] == "t-drought",
          "the same alert, by its delivery id")
    check(wait_until(lambda: hook("down")["sent"] == 1 and
                     hook("down")["pending"] == 0),
          "and counted as sent, none pending", hook("down"))
    left = store_rows(d.database, "SELECT count(*) FROM hook_alerts")[0][0]
    check(left == 0, "nothing waits any more", left)

    # ---- a reload keeps the hooks working -------------------------------
    d.signal(signal.SIGHUP)
    check(wait_until(lambda: "configuration reloaded" in d.read_log()),
          "a reload")
    n = len(received("ntfy"))
    srv.dyn_add("news", "storm at night")
    poll(fid)
    check(wait_until(lambda: len(received("ntfy")) == n + 1, timeout=15),
          "the hooks deliver after it")
    check(d.stop() == 0, "the daemon stops cleanly", d.read_log()[-3000:])

    # ---- the secrets appear nowhere but at the receivers ----------------
    log = d.read_log()
    check("delivered to" in log and "given up" in log and
          "trying again" in log, "the log tells of deliveries, retries and "
          "refusals", log[-3000:])
    for what, text in (("the log", log), ("API answers and feedctl output",
                                          "\n".join(outputs))):
        check(TOKEN not in text and PATH_TOKEN not in text,
              "no secret in %s" % what)
    data = store_dump(d.database)
    check(TOKEN.encode() not in data and PATH_TOKEN.encode() not in data,
          "no secret in the database")
    got = json.dumps([received(n) for n in ("json", "slack")])
    check(TOKEN in got and PATH_TOKEN in got,
          "while the receivers did get them")
finally:
    d.stop()
    srv.stop()

tmp.cleanup()
done()
