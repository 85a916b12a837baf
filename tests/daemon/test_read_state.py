"""Users and their read and starred marks, as a person uses them through
feedctl and a script through the socket API and the TCP listener: entries
are unread when stored; reading one copy of a story reads the copies other
feeds carry (as a topic folds them); unread counts per feed, category and
topic follow every mark; --all marks a feed, category or topic up to an
id; each user's marks are their own; users are made with a password read
without echo or from stdin, and managed over the socket only; bad input
gets a clear error and changes nothing."""
import json
import os
import subprocess
import sys
import time

from feeddtest import (SRCDIR, Daemon, TempDir, check, done, free_port,
                       http_tcp, http_unix, rss)

tmp = TempDir()


STORY = "Coalition of the Willing meets in Paris on guarantees"
root = tmp.join("www")
os.makedirs(root)
tmp.write("www/one.xml", rss("one", [
    (STORY, STORY, "https://news.example/story/1"),
    ("Coalition budget debate", "Budget"),
    ("Weather in Kyiv", "Rain"),
]))
tmp.write("www/two.xml", rss("two", [
    (STORY, STORY, "https://news.example/story/1?utm_source=two"),
    ("Markets", "Shares"),
]))
srv = subprocess.Popen([sys.executable, os.path.join(SRCDIR, "feedserver.py"),
                        "--root", root], stdout=subprocess.PIPE, text=True)
base = "http://127.0.0.1:%d" % int(srv.stdout.readline().split()[1])
port = free_port()
CONF = """
[feedd]
listen = 127.0.0.1:%(port)d

[feed "one"]
url = %(base)s/feeds/one.xml
category = News/Ukraine

[feed "two"]
url = %(base)s/feeds/two.xml
category = Markets

[topic "coalition"]
query = coalition
""" % {"base": base, "port": port}


def api(method, path, body=None):
    code, doc, _ = http_unix(d.socket, method, path, body)
    return code, doc


def entries(query=""):
    return api("GET", "/v1/entries?limit=100" + query)[1]["entries"]


def by_title(es):
    out = {}
    for e in es:
        out.setdefault(e["title"], []).append(e)
    return out


def counts(user=None):
    return api("GET", "/v1/unread" + ("?user=" + user if user else ""))[1]


def wait_for(pred, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if pred():
                return True
        except (KeyError, TypeError, IndexError):
            pass
        time.sleep(0.2)
    return False


d = Daemon(tmp, CONF)
try:
    d.start()
    check(wait_for(lambda: len(entries()) == 5 and
                   counts()["topics"]["coalition"] == 2),
          "both feeds polled and the topic matched", d.read_log()[-2000:])
    es = entries()
    fid = {e["feed_title"]: e["feed_id"] for e in es}
    titles = by_title(es)
    copies = [e["id"] for e in titles[STORY]]
    check(all(e["read"] is False and e["starred"] is False for e in es),
          "every entry is unread and not starred when stored")
    c = counts()
    check(c["total"] == 5 and c["feeds"][str(fid["one"])] == 3 and
          c["categories"] == {"News": 3, "News/Ukraine": 3, "Markets": 2} and
          c["topics"] == {"coalition": 2},
          "unread counts per feed, category (with its parents) and topic "
          "(the topic lists the story once)", c)

    # ---- feedctl read / star ------------------------------------------------
    r = d.ctl("read", str(copies[1]))
    check(r.returncode == 0 and r.stdout == "1 entry changed\n",
          "feedctl read ID", r.stdout + r.stderr)
    es = by_title(entries())
    check(all(e["read"] for e in es[STORY]),
          "reading one copy reads the copy the other feed carries", es[STORY])
    c = counts()
    check(c["total"] == 3 and c["topics"]["coalition"] == 1 and
          c["feeds"][str(fid["two"])] == 1, "the counts follow", c)
    r = d.ctl("feeds")
    check("UNREAD" in r.stdout, "feedctl feeds has an UNREAD column", r.stdout)
    r = d.ctl("--json", "topics")
    check(json.loads(r.stdout)["topics"][0]["unread"] == 1,
          "feedctl topics: the topic's unread count", r.stdout)

    weather = by_title(entries())["Weather in Kyiv"][0]["id"]
    r = d.ctl("star", str(weather))
    check(r.returncode == 0, "feedctl star", r.stderr)
    doc = d.ctl_json("list", "--starred")
    check([e["id"] for e in doc["entries"]] == [weather],
          "list --starred", doc)
    doc = d.ctl_json("list", "--unread")
    check(sorted(e["title"] for e in doc["entries"]) ==
          ["Coalition budget debate", "Markets", "Weather in Kyiv"],
          "list --unread", doc)
    doc = d.ctl_json("list", "--category", "News", "--unread")
    check(len(doc["entries"]) == 2, "list --category News --unread", doc)
    r = d.ctl("unstar", str(weather))
    check(r.returncode == 0 and api("GET", "/v1/entries/%d" % weather)[1]
          ["starred"] is False, "feedctl unstar", r.stdout + r.stderr)

    # ---- --all with a scope -------------------------------------------------
    r = d.ctl("read", "--all", "--feed", str(fid["one"]), "--up-to",
              str(weather))
    es = by_title(entries())
    check(r.returncode == 0 and es["Weather in Kyiv"][0]["read"] and
          (es["Coalition budget debate"][0]["read"] ==
           (es["Coalition budget debate"][0]["id"] <= weather)),
          "read --all --feed --up-to: up to the id, not past it",
          r.stdout + r.stderr)
    r = d.ctl("read", "--all", "--topic", "coalition")
    check(r.returncode == 0 and counts()["topics"]["coalition"] == 0,
          "read --all --topic", r.stdout + r.stderr)
    r = d.ctl("unread", "--all", "--category", "News")
    c = counts()
    check(r.returncode == 0 and c["categories"]["News"] == 3 and
          c["feeds"][str(fid["two"])] == 2,
          "unread --all --category: the category's feeds and the story's "
          "other copy", c)
    r = d.ctl("read", "--all")
    check(r.returncode == 0 and counts()["total"] == 0, "read --all",
          r.stdout + r.stderr)

    # ---- PUT /v1/entries/{id} -----------------------------------------------
    code, doc = api("PUT", "/v1/entries/%d" % weather,
                    {"read": False, "starred": True})
    check(code == 200 and doc == {"id": weather, "read": False,
                                  "starred": True}, "PUT an entry's state", doc)
    code, doc = api("PUT", "/v1/entries/999999", {"read": True})
    check(code == 404, "PUT of no such entry: 404", doc)

    # ---- users --------------------------------------------------------------
    r = d.ctl("user", "add", "alice", "--password-stdin",
              input="short\n")
    check(r.returncode == 1 and "at least 8" in r.stderr,
          "a short password is refused, saying why", r.stderr)
    r = d.ctl("user", "add", "alice", "--password-stdin",
              input="correct horse battery\n")
    check(r.returncode == 0 and "alice" in r.stdout and
          "correct horse" not in r.stdout + d.read_log(),
          "feedctl user add, the password from stdin (never shown, never "
          "logged)", r.stdout + r.stderr)
    r = d.ctl("user", "list")
    check(r.returncode == 0 and "owner" in r.stdout and "alice" in r.stdout,
          "feedctl user list", r.stdout)
    c = counts("alice")
    check(c["total"] == 5, "alice's marks are her own: all unread", c)
    r = d.ctl("--user", "alice", "read", str(copies[0]))
    check(r.returncode == 0 and counts("alice")["total"] == 3 and
          counts()["total"] == 1, "--user alice marks for alice only",
          r.stdout + r.stderr)
    r = d.ctl("user", "add", "alice", "--password-stdin",
              input="another password\n")
    check(r.returncode == 1 and "exists" in r.stderr, "a name taken: 409",
          r.stderr)
    r = d.ctl("user", "set", "alice", "--fever", "--password-stdin",
              input="correct horse battery\n")
    check(r.returncode == 0 and "Fever on" in r.stdout,
          "user set --fever (asks the password: the key is made of it)",
          r.stdout + r.stderr)
    r = d.ctl("user", "rm", "owner")
    check(r.returncode == 1 and "never removed" in r.stderr,
          "the owner is never removed", r.stderr)

    # A token acts as its user over TCP; ?user= is for the socket only.
    r = d.ctl("--user", "alice", "token", "create", "alice-phone")
    tok = r.stdout.strip()
    check(r.returncode == 0 and tok.startswith("feedd_"),
          "a token made with --user belongs to that user", r.stderr)
    hdr = [("Authorization", "Bearer " + tok)]
    rr, doc, _ = http_tcp(port, "POST", "/v1/entries/read", hdr,
                          json.dumps({"all": True}))
    check(rr.status == 200 and counts("alice")["total"] == 0 and
          counts()["total"] == 1, "over TCP the token marks for alice", doc)
    rr, doc, _ = http_tcp(port, "GET", "/v1/unread?user=owner", hdr)
    check(rr.status == 403, "?user= over TCP: 403", doc)
    rr, doc, _ = http_tcp(port, "GET", "/v1/users", hdr)
    check(rr.status == 403, "users over TCP: 403", doc)

    # ---- bad input ----------------------------------------------------------
    for body, what in (({"ids": "1"}, "ids not an array"),
                       ({"ids": [0]}, "an id of 0"),
                       ({}, "neither ids nor all"),
                       ({"ids": [1], "all": True}, "both"),
                       ({"all": True, "topic": "nope"}, "no such topic"),
                       ({"all": True, "before": "yesterday-ish"},
                        "a bad date")):
        code, doc = api("POST", "/v1/entries/read", body)
        check(code in (400, 404) and "error" in doc,
              "POST /v1/entries/read with %s: %d" % (what, code), doc)
    code, doc = api("GET", "/v1/entries?user=nobody")
    check(code == 404 and doc["error"]["code"] == "no_user",
          "?user= of no such user: 404", doc)
    r = d.ctl("read", "abc")
    check(r.returncode == 2, "feedctl read abc: usage error", r.stderr)
    check(counts()["total"] == 1, "and nothing changed")

    r = d.ctl("user", "rm", "alice")
    check(r.returncode == 0 and "removed" in r.stdout and
          api("GET", "/v1/unread?user=alice")[0] == 404,
          "feedctl user rm", r.stdout + r.stderr)
    rr, _, _ = http_tcp(port, "GET", "/v1/status", hdr)
    check(rr.status == 401, "and its token stopped working")
    check(d.stop() == 0, "the daemon stops cleanly")
finally:
    d.stop()
    srv.terminate()
    tmp.cleanup()
done()
