"""newsboat 2.21 (Debian's package), a client nobody here wrote, reading
from feedd's Google Reader API as it reads from FeedHQ (urls-source
"feedhq"): it logs in with ClientLogin, lists subscription/list?output=json
and fetches /reader/atom/feed/URL per feed, taking each item's read state
from the Atom entry's categories. `newsboat -x reload print-unread` prints
exactly the user's unread count in feedd; then its interface, driven in
tmux, opens a feed and an article (read in feedd), sets the star flag
(starred in feedd) and marks a feed read with A (read in feedd).
Skipped when newsboat or tmux is not installed."""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse

from feeddtest import Daemon, TempDir, check, done, free_port, http_unix
from test_api_lib import CONF, FeedServer, rss, wait_until

if shutil.which("newsboat") is None or shutil.which("tmux") is None:
    print("1..0 # SKIP newsboat or tmux is not installed "
          "(scripts/deps.txt)")
    sys.exit(0)

tmp = TempDir()
srv = FeedServer(tmp.join("www"))
port = free_port()
d = Daemon(tmp, CONF + "listen = 127.0.0.1:%d\n" % port).start()
PASSWORD = "owner-secret-1"

code, doc, _ = http_unix(d.socket, "PATCH", "/v1/users/owner",
                         {"password": PASSWORD})
check(code == 200, "the owner has a password", doc)
feeds = {}
for name, n in (("alpha", 5), ("beta", 4)):
    url = srv.write(name + ".xml", rss(name, range(n)))
    code, doc, _ = http_unix(d.socket, "POST", "/v1/feeds",
                             {"url": url, "category": "News"})
    check(code == 201 and doc["poll"]["entries"] == n,
          "feedd stored %s's %d entries" % (name, n), doc)
    feeds[name] = doc["feed"]["id"]


def entries(feed):
    code, doc, _ = http_unix(d.socket, "GET", "/v1/entries?user=owner&"
                             "limit=1000&feed=%d" % feeds[feed])
    return doc["entries"] if code == 200 else []


def unread():
    return sum(not e["read"] for f in feeds for e in entries(f))


# One entry read beforehand (as another app would): newsboat must see it.
import http.client


def greader(method, path, form=None, auth=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = urllib.parse.urlencode(form or {}, doseq=True).encode()
    hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
    if auth:
        hdrs["Authorization"] = "GoogleLogin auth=" + auth
    c.request(method, path, body=body if method == "POST" else None,
              headers=hdrs)
    r = c.getresponse()
    out = r.read().decode()
    c.close()
    return r.status, out


status, text = greader("POST", "/accounts/ClientLogin",
                       {"Email": "owner", "Passwd": PASSWORD})
auth = re.search(r"^Auth=(.*)$", text, re.M).group(1)
_, T = greader("GET", "/reader/api/0/token", auth=auth)
beta0 = entries("beta")[0]["id"]
status, text = greader("POST", "/reader/api/0/edit-tag",
                       {"i": str(beta0), "a": "user/-/state/com.google/read",
                        "T": T}, auth)
check(status == 200 and text == "OK", "one of beta's entries read "
      "beforehand", text)
expected = unread()
check(expected == 8, "feedd: 8 unread for the owner (GET /v1/entries)",
      expected)

# ---- newsboat, its own home, config and cache ----------------------------------
home = tmp.join("home")
os.makedirs(home)
config = tmp.write("newsboat.conf", """\
urls-source "feedhq"
feedhq-url "http://127.0.0.1:%d/"
feedhq-login "owner"
feedhq-password "%s"
feedhq-min-items 100
# Its special feeds live on feedhq.org: never leave 127.0.0.1.
feedhq-show-special-feeds no
feedhq-flag-star "s"
confirm-exit no
""" % (port, PASSWORD))
urls = tmp.write("urls", "")
NB = ["newsboat", "-C", config, "-c", tmp.join("cache.db"), "-u", urls]
env = dict(os.environ, HOME=home, TERM="xterm")
r = subprocess.run(NB + ["-x", "reload", "print-unread"], env=env,
                   capture_output=True, text=True, timeout=60)
m = re.match(r"(\d+) unread articles", r.stdout.strip())
check(r.returncode == 0 and m and int(m.group(1)) == expected,
      "newsboat -x reload print-unread: exactly feedd's unread count",
      (r.returncode, r.stdout, r.stderr))

# ---- its interface, in tmux ------------------------------------------------------
sock = tmp.join("tmux.sock")


def tmux(*args):
    return subprocess.run(["tmux", "-S", sock, "-f", "/dev/null", *args],
                          capture_output=True, text=True, timeout=10)


def screen():
    return tmux("capture-pane", "-p").stdout


def keys(*k):
    tmux("send-keys", *k)
    time.sleep(0.5)
    if os.environ.get("NB_DEBUG"):
        print("# after %s:\n%s" % (k, "\n".join("# " + l for l in screen().splitlines() if l.strip())))


tmux("new-session", "-d", "-x", "160", "-y", "48", "env", "HOME=" + home,
     "TERM=xterm", *NB, "-l", "6", "-d", tmp.join("nb.log"))
try:
    check(wait_until(lambda: "alpha" in screen() and "beta" in screen(),
                     timeout=20), "newsboat lists both feeds", screen())
    keys("Enter")                  # the first feed, alpha
    check(wait_until(lambda: "alpha item" in screen(), timeout=10),
          "a feed opens", screen())
    keys("Enter")                  # its first article: read ...
    check(wait_until(lambda: "Article 'alpha item" in screen(),
                     timeout=10), "an article opens", screen())
    keys("q")                      # ... and back to the article list
    check(wait_until(lambda: sum(e["read"] for e in entries("alpha")) == 1),
          "reading an article marks it read in feedd",
          [(e["id"], e["read"]) for e in entries("alpha")])
    keys("C-e")                    # edit the same article's flags
    keys("s", "Enter")
    check(wait_until(lambda: [e["starred"] for e in entries("alpha")
                              if e["read"]] == [True]),
          "the star flag (feedhq-flag-star) stars it in feedd",
          [(e["id"], e["read"], e["starred"]) for e in entries("alpha")])
    keys("q")                      # back to the feed list
    keys("Down")                   # beta
    keys("A")                      # mark the feed read
    check(wait_until(lambda: all(e["read"] for e in entries("beta"))),
          "A marks the feed read in feedd",
          [(e["id"], e["read"]) for e in entries("beta")])
    check(unread() == 4, "feedd: alpha's four others are still unread",
          unread())
    keys("q")
    wait_until(lambda: tmux("has-session").returncode != 0, timeout=10)
finally:
    tmux("kill-server")
    if os.environ.get("NB_DEBUG"):
        os.system("grep -a 'FeedHqApi::\\(post\\|mark\\)' " + tmp.join("nb.log") + " | cut -c1-250")

# Read again from scratch: newsboat now agrees with feedd.
r = subprocess.run(NB + ["-x", "reload", "print-unread"], env=env,
                   capture_output=True, text=True, timeout=60)
check(r.stdout.strip() == "%d unread articles" % unread(),
      "a reload shows feedd's state: %d unread" % unread(), r.stdout)

d.stop()
srv.stop()
done()
