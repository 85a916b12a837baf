"""Hooks: commands come only from [hook "NAME"] sections of feedd.conf,
against the real daemon and feedctl. An API client that gives a command
line is refused (400 unknown_hook) and the command never runs; a declared
hook named by an API topic runs with the variables and the JSON on stdin
that notify commands always got, in each and batch mode; a hook past its
timeout (its own, or notify_timeout) is killed; PATCH sets and clears a
topic's hook; a hook taken away by a reload notifies nobody, with a
warning, and is back when declared again."""
import json
import os
import signal

from feeddtest import Daemon, TempDir, check, done, http_unix
from test_api_lib import CONF, FeedServer, wait_until

tmp = TempDir()
srv = FeedServer(tmp.join("www"))
marker = tmp.join("MARKER")
slow_marker = tmp.join("slow-finished")

# A hook that keeps what it got: its FEEDD_ variables and its stdin, one
# file per run, renamed into place once complete.
recorder = tmp.write("record.sh", """#!/bin/sh
out="$1/run.$$"
{ env | grep '^FEEDD_' | sort; printf 'STDIN='; cat; } > "$out.part"
mv "$out.part" "$out"
""")
for d in ("each", "batch"):
    os.makedirs(tmp.join(d))

HOOKS = """
[hook "each"]
command = /bin/sh %(rec)s %(dir)s/each
timeout = 30s

[hook "batch"]
command = /bin/sh %(rec)s '%(dir)s/batch'
mode = batch
timeout = 30s

[hook "slow"]
command = /bin/sh -c "sleep 4; touch %(slow)s.own"
timeout = 1s

[hook "slow-default"]
command = /bin/sh -c "sleep 4; touch %(slow)s.default"
"""


def conf(with_each=True):
    hooks = HOOKS % {"rec": recorder, "dir": tmp.path, "slow": slow_marker}
    if not with_each:
        hooks = hooks.replace('[hook "each"]', '[hook "other"]')
    return CONF + "notify_timeout = 1s\n" + hooks


def runs(kind):
    """What each finished run of the recorder got: (variables, stdin)."""
    out = []
    d = tmp.join(kind)
    for name in sorted(os.listdir(d)):
        if name.endswith(".part"):
            continue
        env, stdin = {}, None
        with open(os.path.join(d, name), encoding="utf-8") as f:
            for line in f.read().split("\n"):
                if line.startswith("STDIN="):
                    stdin = json.loads(line[len("STDIN="):])
                elif "=" in line:
                    k, v = line.split("=", 1)
                    env[k] = v
        out.append((env, stdin))
    return out


d = Daemon(tmp, conf())


def api(method, path, body=None):
    code, doc, _ = http_unix(d.socket, method, path, body)
    return code, doc


def poll(fid, topic, n):
    """Polls feed fid now, until topic lists n entries."""
    api("POST", "/v1/feeds/%d/poll" % fid)
    return wait_until(lambda: len(listed(topic)) >= n, timeout=20)


def listed(topic):
    return api("GET", "/v1/entries?topic=%s&limit=100" % topic)[1]["entries"]


try:
    d.start()
    code, doc = api("POST", "/v1/feeds", {"url": srv.dyn_url("news")})
    check(code == 201, "a feed is added", doc)
    fid = doc["feed"]["id"]

    # ---- the exploit: a command line from an API client ----------------
    code, doc = api("POST", "/v1/topics", {
        "name": "x", "query": "a", "notify": "/usr/bin/touch %s" % marker})
    check(code == 400 and doc["error"]["code"] == "unknown_hook",
          "POST /v1/topics with a command line: 400 unknown_hook", (code, doc))
    msg = doc["error"]["message"] if code == 400 else ""
    check("declared: each, batch, slow, slow-default" in msg and
          "feedd.conf" in msg, "the message lists the declared hooks", msg)
    check(api("GET", "/v1/topics/x")[0] == 404, "the topic was not added")
    for what, notify in (("an unknown name", "desktop"),
                         ("a hook's command", "/bin/sh %s %s/each" % (recorder, tmp.path)),
                         ("a number", 3), ("a list", ["each"]), ("\"\"", "")):
        code, doc = api("POST", "/v1/topics", {"name": "x", "query": "a",
                                               "notify": notify})
        check(code == 400 and doc["error"]["code"] == "unknown_hook",
              "notify as %s: 400 unknown_hook" % what, (code, doc))
    # A topic that does match, so the poll below surely runs hooks.
    code, doc = api("POST", "/v1/topics", {"name": "y", "query": "a",
                                           "notify": "each"})
    check(code == 201 and doc["notify"] == "each",
          "a topic naming a declared hook is added; its JSON names the hook",
          (code, doc))
    code, doc = api("PATCH", "/v1/topics/y",
                    {"notify": "/usr/bin/touch %s" % marker})
    check(code == 400 and doc["error"]["code"] == "unknown_hook",
          "PATCH /v1/topics/y with a command line: 400 unknown_hook", (code, doc))
    srv.dyn_add("news", "a storm is coming")
    check(poll(fid, "y", 1), "the feed is polled and the entry matched")
    check(wait_until(lambda: len(runs("each")) == 1),
          "the hook of the matching topic ran", runs("each"))
    check(not os.path.exists(marker), "the client's command never ran")

    # ---- each and batch: the variables and stdin ------------------------
    r = d.ctl("topic", "add", "t-each", "drone", "--notify", "each")
    check(r.returncode == 0, "feedctl topic add --notify HOOK", r.stderr)
    code, doc = api("POST", "/v1/topics", {"name": "t-batch",
                                           "query": "drone",
                                           "notify": "batch"})
    check(code == 201, "a topic naming the batch hook", doc)
    r = d.ctl("topic", "add", "t-bad", "drone", "--notify", "nope")
    check(r.returncode == 1 and "'nope' is not one" in r.stderr,
          "feedctl topic add --notify UNKNOWN fails with the message", r.stderr)
    before = len(runs("each"))
    srv.dyn_add("news", "drone over the port")
    srv.dyn_add("news", "drone near the bridge")
    check(poll(fid, "t-batch", 2), "both drone entries are matched")
    ids = sorted(e["id"] for e in listed("t-each"))
    check(wait_until(lambda: len(runs("each")) == before + 2 and
                     len(runs("batch")) == 1),
          "each: one run per match; batch: one run for the poll",
          (runs("each"), runs("batch")))
    got = [r for r in runs("each") if r[0].get("FEEDD_TOPIC") == "t-each"]
    for env, stdin in got:
        eid = int(env.get("FEEDD_ID", "0"))
        code, e = api("GET", "/v1/entries/%d" % eid)
        # Besides the daemon's own environment (the suite's FEEDD_...).
        own = {k for k in env if k not in os.environ}
        check(code == 200 and own == {
            "FEEDD_TOPIC", "FEEDD_TITLE", "FEEDD_LINK", "FEEDD_FEED",
            "FEEDD_FEED_ID", "FEEDD_ID", "FEEDD_IDS", "FEEDD_COUNT"} and
            env["FEEDD_TITLE"] == e["title"] and env["FEEDD_LINK"] == e["link"] and
            env["FEEDD_FEED"] == e["feed_title"] and
            env["FEEDD_FEED_ID"] == str(fid) and env["FEEDD_IDS"] == str(eid) and
            env["FEEDD_COUNT"] == "1",
            "each: the variables describe the entry", (env, e))
        check(stdin is not None and stdin.get("topic") == "t-each" and
              all(stdin.get(k) == e[k] for k in (
                  "id", "guid", "feed_id", "feed_title", "title", "link",
                  "published", "summary")),
              "each: stdin is the entry as JSON with its topic", (stdin, e))
    check(sorted(int(r[0]["FEEDD_ID"]) for r in got) == ids,
          "each: one run for each of the two entries", (got, ids))
    env, stdin = runs("batch")[0] if runs("batch") else ({}, None)
    check(env.get("FEEDD_TOPIC") == "t-batch" and env.get("FEEDD_COUNT") == "2"
          and sorted(int(i) for i in env.get("FEEDD_IDS", "").split()) == ids
          and env.get("FEEDD_ID") in [str(i) for i in ids],
          "batch: FEEDD_IDS and FEEDD_COUNT cover the poll's matches", env)
    check(stdin is not None and stdin.get("topic") == "t-batch" and
          sorted(e["id"] for e in stdin.get("entries", [])) == ids and
          all(e["title"].startswith("drone") for e in stdin["entries"]),
          "batch: stdin is {topic, entries}", stdin)

    # ---- timeouts ----------------------------------------------------------
    for name, hook in (("t-slow", "slow"), ("t-dflt", "slow-default")):
        code, doc = api("POST", "/v1/topics", {"name": name, "query": "hail",
                                               "notify": hook})
        check(code == 201, "a topic naming hook %s" % hook, doc)
    srv.dyn_add("news", "hail in the morning")
    check(poll(fid, "t-dflt", 1), "the hail entry is matched")
    check(wait_until(lambda: d.read_log().count("timed out and was killed") == 2,
                     timeout=10),
          "both slow hooks are killed: timeout = 1s, and notify_timeout = 1s "
          "for the hook without one", d.read_log()[-3000:])
    check(not wait_until(lambda: os.path.exists(slow_marker + ".own") or
                         os.path.exists(slow_marker + ".default"), timeout=5),
          "a killed hook's process group does not finish its work")

    # ---- PATCH: set and clear a topic's hook -----------------------------
    code, doc = api("PATCH", "/v1/topics/t-batch", {"notify": None})
    check(code == 200 and doc["notify"] is None, "PATCH notify null", doc)
    code, doc = api("PATCH", "/v1/topics/t-batch", {"notify": "batch",
                                                    "query": "x"})
    check(code == 400, "PATCH takes notify only", doc)
    code, doc = api("PATCH", "/v1/topics/nope", {"notify": "batch"})
    check(code == 404, "PATCH of an unknown topic: 404", doc)
    srv.dyn_add("news", "drone at dawn")
    check(poll(fid, "t-batch", 3), "the topic still matches")
    check(wait_until(lambda: len(runs("each")) == before + 3) and
          len(runs("batch")) == 1,
          "a topic set to notify nobody runs no hook", runs("batch"))
    code, doc = api("PATCH", "/v1/topics/t-batch", {"notify": "batch"})
    check(code == 200 and doc["notify"] == "batch", "PATCH sets a hook", doc)

    # ---- reload: a hook taken away, then declared again ------------------
    d.config = tmp.write("feedd.conf", conf(with_each=False))
    d.signal(signal.SIGHUP)
    check(wait_until(lambda: 'topics: \'t-each\': no hook "each" is declared'
                     in d.read_log()),
          "a reload that drops a hook warns about the topics naming it",
          d.read_log()[-2000:])
    code, doc = api("GET", "/v1/topics/t-each")
    check(doc.get("notify") == "each", "the topic still names it", doc)
    n_each = len(runs("each"))
    srv.dyn_add("news", "drone at noon")
    check(poll(fid, "t-each", 4), "the topic still matches without its hook")
    check(wait_until(lambda: len(runs("batch")) == 2) and
          len(runs("each")) == n_each,
          "its matches run nothing, the other hooks still run",
          (runs("each"), runs("batch")))
    code, doc = api("POST", "/v1/topics", {"name": "z", "query": "a",
                                           "notify": "each"})
    check(code == 400 and doc["error"]["code"] == "unknown_hook",
          "a hook no longer declared cannot be named", doc)
    d.config = tmp.write("feedd.conf", conf())
    d.signal(signal.SIGHUP)
    check(wait_until(lambda: d.read_log().count("configuration reloaded") == 2),
          "the hook is declared again", d.read_log()[-2000:])
    srv.dyn_add("news", "drone at dusk")
    check(poll(fid, "t-each", 5), "the next entry is matched")
    check(wait_until(lambda: len(runs("each")) == n_each + 1),
          "the hook runs again", runs("each"))
    check(not os.path.exists(marker), "the client's command never ran")
    check(d.stop() == 0, "the daemon stops cleanly", d.read_log()[-2000:])
finally:
    d.stop()
    srv.stop()

tmp.cleanup()
done()
