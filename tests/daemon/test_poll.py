"""Polling as a user sees it: `feedd --once` against the suite's HTTP server
(feedserver.py), with the results read back from the SQLite file.

Entries are stored once; the second poll is answered 304 (counted on the
server); a permanent redirect moves the feed after three polls, a temporary
one never; 429/503 honour Retry-After; 410, challenges and HTML pages are
reported as such; a gzip bomb stops at the cap with memory bounded; a slow
drip is cut off; failing feeds stay scheduled."""
import atexit
import email.utils
import os
import sqlite3
import subprocess
import sys
import threading
import time

from feeddtest import FEEDD, SANITIZED, SRCDIR, TempDir, check, done
from test_api_lib import FeedServer, rss

tmp = TempDir()
root = tmp.join("www")
srv = FeedServer(root)
atexit.register(srv.stop)
base = srv.base
port = srv.port
control = srv.control
for name in ("a", "b", "c", "d"):
    srv.write("%s.xml" % name, rss(name, [1, 2, 3]))
srv.write("broken.xml", rss("broken", [1, 2]).replace(
    "</channel></rss>", "<item><title>half</titl></item>"))


def stats(path):
    return control("/_control/stats").get(path, {"count": 0, "codes": {}})


def route(path, status=200, headers=None, body=""):
    control("/_control/route", {"path": path, "status": status,
                                "headers": headers or {}, "body": body})


def dated(name, n, age_s, extra="", dates=True):
    """RSS with n items, the newest age_s old, one a minute before that."""
    now = time.time()
    items = "".join(
        "<item><guid>%s-%d</guid><title>t%d</title>%s</item>" % (
            name, i, i, "<pubDate>%s</pubDate>" % email.utils.formatdate(
                now - age_s - i * 60, usegmt=True) if dates else "")
        for i in range(n))
    return ('<?xml version="1.0"?><rss version="2.0" xmlns:sy="http://purl.'
            'org/rss/1.0/modules/syndication/"><channel><title>%s</title>'
            '<link>http://example.org/</link><description>d</description>'
            '%s%s</channel></rss>\n' % (name, extra, items))


srv.write("busy.xml", dated("busy", 168, 0))
srv.write("quiet.xml", dated("quiet", 5, 30 * 86400))
srv.write("undated.xml", dated("undated", 5, 0, dates=False))
srv.write("syupd.xml", dated("syupd", 168, 0, "<sy:updatePeriod>daily"
                             "</sy:updatePeriod><sy:updateFrequency>2"
                             "</sy:updateFrequency>"))
route("/expires", headers={"Expires": email.utils.formatdate(
    time.time() + 7200, usegmt=True)}, body=dated("expires", 168, 0))
control("/_control/add?feed=news&n=2", b"")
route("/same", body=rss("same", [1]))
control("/_control/route", {"path": "/htmletag", "status": 200,
                            "content_type": "text/html",
                            "headers": {"ETag": '"page"'},
                            "body": "<!DOCTYPE html><html></html>"})
route("/validators", headers={"ETag": '"v1"'}, body=rss("validators", [1]))

FEEDS = {
    "static": base + "/feeds/a.xml",
    "dyn": base + "/dyn/news",
    "moved": base + "/redirect/301/feeds/b.xml",
    "moved308": base + "/redirect/308/feeds/b.xml?via=308",
    "temp": base + "/redirect/302/feeds/c.xml",
    "limited": base + "/status/429?retry_after=120",
    "unavailable": base + "/status/503?retry_date=400000",
    "gone": base + "/status/410",
    "challenge": base + "/challenge",
    "html": base + "/html",
    "htmletag": base + "/htmletag",
    "bomb": base + "/bomb?mb=256",
    "drip": base + "/drip?n=100&delay=1",
    "lying": base + "/lying",
    "reset": base + "/reset",
    "loop": base + "/loop/0",
    "local": "file://" + os.path.join(root, "d.xml"),
    "same": base + "/same",
    "validators": base + "/validators",
    "broken": base + "/feeds/broken.xml",
    "busy": base + "/feeds/busy.xml",
    "quiet": base + "/feeds/quiet.xml",
    "undated": base + "/feeds/undated.xml",
    "syupd": base + "/feeds/syupd.xml",
    "expires": base + "/expires",
}

conf = """[feedd]
log_level = debug
host_gap = 0s
max_connections = 32
max_per_host = 32
timeout = 4s
connect_timeout = 2s
max_body_size = 1M
""" + "".join('\n[feed "%s"]\nurl = %s\n' % kv for kv in FEEDS.items())
cfg = tmp.write("feedd.conf", conf)
db = tmp.join("feedd.db")
log = tmp.join("feedd.log")


def once(config=cfg, database=db, rss=None):
    """feedd --once; rss (a list) gets the run's own peak RSS in KiB."""
    t0 = time.monotonic()
    with open(log, "a") as lf:
        p = subprocess.Popen([FEEDD, "-c", config, "--database", database,
                              "--socket", tmp.join("s.sock"), "--once"],
                             stdout=lf, stderr=subprocess.STDOUT)
        # A --once that hangs is killed, as a timeout would.
        watchdog = threading.Timer(90, p.kill)
        watchdog.start()
        # wait4: this child's own usage, not the largest child's so far.
        _, status, usage = os.wait4(p.pid, 0)
        watchdog.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
    if rss is not None:
        rss.append(usage.ru_maxrss)
    return p.returncode, time.monotonic() - t0


def feeds():
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    c.row_factory = sqlite3.Row
    rows = {r["config_name"]: dict(r) for r in c.execute("SELECT * FROM feeds")}
    for r in rows.values():
        r["entries"] = c.execute("SELECT count(*) FROM entries WHERE "
                                 "feed_id = ?", (r["id"],)).fetchone()[0]
    c.close()
    return rows


def read_log():
    with open(log, encoding="utf-8", errors="replace") as f:
        return f.read()


# --- first poll ----------------------------------------------------------
t_start = int(time.time())
rc, secs = once()
failing = ["limited", "unavailable", "gone", "challenge", "html", "htmletag",
           "bomb", "drip", "lying", "reset", "loop"]
check(rc == 1, "--once exits 1 when a feed failed (as sfeed_update does)",
      read_log()[-3000:])
summary = read_log().split("--once: ")
check("%d of %d feeds failed (exit status 1):" % (len(failing), len(FEEDS))
      in read_log() and all(any(s.startswith("'%s': " % FEEDS[n])
                                for s in summary) for n in failing),
      "and lists each failed feed with why, for a cron mail (no daemon "
      "to ask)", read_log()[-3000:])
check(secs < 30, "--once does not wait for slow feeds (%.1f s)" % secs)
f = feeds()
check(set(f) == set(FEEDS), "every configured feed is stored", sorted(f))
check(f["static"]["entries"] == 3 and f["static"]["state"] == "ok",
      "static feed: 3 entries, ok", f["static"])
check(f["static"]["etag"] and f["static"]["last_modified"],
      "static feed: validators stored", f["static"])
check(f["dyn"]["entries"] == 2, "changing feed: 2 entries", f["dyn"])
check(f["local"]["entries"] == 3 and f["local"]["state"] == "ok",
      "file:// feed works", f["local"])
check(f["moved"]["entries"] == 3 and f["moved"]["url"] == FEEDS["moved"],
      "301: followed, URL not changed after one poll", f["moved"])
check(f["moved"]["redirect_url"] == base + "/feeds/b.xml" and
      f["moved"]["redirect_count"] == 1, "301: candidate counted once",
      f["moved"])
check(f["temp"]["entries"] == 3 and not f["temp"]["redirect_url"],
      "302: followed, no move candidate", f["temp"])

lim = f["limited"]
check(lim["state"] == "backing_off" and "429" in (lim["last_error"] or ""),
      "429: backing off with the status in last_error", lim)
check(lim["retry_after_until"] >= t_start + 120 and
      lim["next_poll"] >= t_start + 120, "429: Retry-After 120 s honoured",
      lim)
un = f["unavailable"]
check(t_start + 172800 <= un["next_poll"] <= int(time.time()) + 172800 + 5,
      "503: Retry-After HTTP-date honoured, capped at 2 days", un)
check(f["gone"]["state"] == "gone" and f["gone"]["next_poll"] > 0,
      "410: gone, and still scheduled", f["gone"])
check(f["challenge"]["state"] == "blocked" and
      "challenge" in (f["challenge"]["last_error"] or ""),
      "challenge page: blocked", f["challenge"])
check(f["html"]["state"] == "blocked" and
      "HTML" in (f["html"]["last_error"] or ""),
      "HTML page: reported as such, not as a parse error", f["html"])
check("larger than" in (f["bomb"]["last_error"] or "") and
      f["bomb"]["entries"] == 0, "gzip bomb: stopped at the cap", f["bomb"])
check(f["drip"]["state"] == "backing_off" and
      "timed out" in (f["drip"]["last_error"] or "").lower(),
      "slow drip: cut off", f["drip"])
check(f["lying"]["state"] == "backing_off" and f["lying"]["last_error"],
      "lying Content-Length: an error", f["lying"])
check(f["reset"]["state"] == "backing_off" and f["reset"]["last_error"],
      "reset connection: an error", f["reset"])
check("redirect" in (f["loop"]["last_error"] or ""),
      "redirect loop: an error", f["loop"])
check(f["broken"]["entries"] == 2, "broken document: entries before the "
      "error are kept", f["broken"])
now = int(time.time())
for name in ("static", "dyn", "local"):
    check(now + 300 <= f[name]["next_poll"] <= now + 24 * 3600 + 3600,
          "%s: next poll within [min_interval, max_interval]" % name,
          f[name])
for name in ("drip", "reset", "lying", "bomb"):
    check(f[name]["error_count"] == 1 and f[name]["next_poll"] >= now + 290,
          "%s: error counted, retried later, not dropped" % name, f[name])

# Intervals adapt to publishing frequency and the publisher's hints.
iv = {k: f[k]["cur_interval_s"] for k in ("busy", "quiet", "undated",
                                          "syupd", "expires")}
check(iv["busy"] == 3600, "168 entries in a week: hourly", iv)
check(iv["quiet"] == 86400, "nothing in a week: max_interval", iv)
check(iv["undated"] == 1800, "no dates: default_interval", iv)
check(iv["syupd"] == 43200, "sy:updatePeriod daily / 2: twice a day", iv)
check(7000 <= iv["expires"] <= 7200, "Expires two hours ahead", iv)

ua = stats("/feeds/a.xml")["headers"]
want_ua = os.environ.get("FEEDD_DEFAULT_USER_AGENT")
check(ua.get("User-Agent") == want_ua if want_ua else
      ua.get("User-Agent", "").startswith("feedd/"),
      "honest User-Agent: the build's default (%s)" % want_ua,
      ua.get("User-Agent"))

# --- second poll: validators -> 304 --------------------------------------
route("/validators", headers={}, body=rss("validators", [1, 2]))
rc, _ = once()
check(rc == 1, "second --once: exit 1 again (the failing feeds still fail)")
f = feeds()
st = stats("/feeds/a.xml")
check(st["codes"].get("304") == 1, "static feed: second poll answered 304",
      st["codes"])
check(st["headers"].get("If-None-Match") == f["static"]["etag"],
      "If-None-Match is the stored ETag, byte for byte", st["headers"])
check(stats("/dyn/news")["codes"].get("304") == 1,
      "changing feed: 304 while unchanged", stats("/dyn/news"))
check(f["static"]["entries"] == 3 and f["dyn"]["entries"] == 2,
      "nothing stored twice")
check(f["moved"]["redirect_count"] == 2 and f["moved"]["url"] == FEEDS["moved"],
      "301: second sighting, URL kept", f["moved"])
check(f["htmletag"]["state"] == "blocked" and
      "If-None-Match" not in stats("/htmletag")["headers"],
      "an HTML page's ETag is not sent back: still blocked, not a 304",
      f["htmletag"])
check(f["gone"]["error_count"] == 2 and f["gone"]["state"] == "gone",
      "410: retried, still gone", f["gone"])
check(f["bomb"]["error_count"] == 2 and
      f["bomb"]["cur_interval_s"] > 0, "errors back off", f["bomb"])
check("'%s': unchanged" % FEEDS["same"] in read_log(),
      "same body without validators: not parsed again", read_log()[-2000:])
check(not f["validators"]["etag"] and f["validators"]["entries"] == 2,
      "a server that stops sending an ETag: the stored one is dropped",
      f["validators"])

# --- third poll: a new item and the confirmed move ------------------------
control("/_control/add?feed=news&title=fresh", b"")
rc, _ = once()
f = feeds()
check(f["dyn"]["entries"] == 3, "changing feed: exactly one new entry",
      f["dyn"])
check(f["moved"]["url"] == base + "/feeds/b.xml" and
      f["moved"]["state"] == "moved",
      "301 seen three polls in a row: URL updated, state moved", f["moved"])
check(f["moved308"]["url"] == base + "/feeds/b.xml?via=308",
      "308 likewise", f["moved308"])
check(f["temp"]["url"] == FEEDS["temp"], "302: URL never updated", f["temp"])
check(f["moved"]["entries"] == 3, "moved feed: no duplicates", f["moved"])

# --- memory: the bomb and an oversized body under a 1 MiB cap ---------------
# What the bodies cost is the peak RSS over that of the same --once polling
# a feed that answers 404: the process alone is 17 MiB, or 69 MiB under
# AddressSanitizer, which is no measure of feedd; without a sanitizer the
# whole run stays under 64 MiB too.
idle_conf = tmp.write("idle.conf", """[feedd]
max_body_size = 1M
[feed "none"]
url = %s/status/404
""" % base)
rss = []
once(idle_conf, tmp.join("idle.db"), rss)
bomb_conf = tmp.write("bomb.conf", """[feedd]
max_body_size = 1M
[feed "bomb"]
url = %s/bomb?mb=2048
[feed "big"]
url = %s/big?kb=65536
""" % (base, base))
rc, secs = once(bomb_conf, tmp.join("bomb.db"), rss)
check(rc == 1, "2 GiB gzip bomb: --once ends, exit 1 (both feeds failed)")
check(rss[1] - rss[0] < 16 * 1024,
      "2 GiB gzip bomb and a 64 MiB body: %d KiB of peak RSS over a --once "
      "of a 404 (%d KiB)" % (rss[1] - rss[0], rss[0]))
if not SANITIZED:
    check(rss[1] < 64 * 1024, "2 GiB gzip bomb: peak RSS of its --once %d KiB"
          % rss[1])
c = sqlite3.connect(tmp.join("bomb.db"))
errs = [r[0] for r in c.execute("SELECT last_error FROM feeds")]
c.close()
check(all(e and "larger than" in e for e in errs), "both over the cap", errs)

# --- limits: max_per_host = 2 over six slow feeds --------------------------
slow = "".join('\n[feed "slow%d"]\nurl = %s/drip?n=4&delay=0.25&feed=a.xml'
               '&i=%d\n' % (i, base, i) for i in range(6))
slow_conf = tmp.write("slow.conf", """[feedd]
host_gap = 0s
max_per_host = 2
max_connections = 32
""" + slow)
control("/_control/reset", b"")
rc, secs = once(slow_conf, tmp.join("slow.db"))
for _ in range(40):     # the server notes a span just after its last byte
    spans = stats("/drip").get("spans", [])
    if len(spans) >= 6:
        break
    time.sleep(0.05)
# The most requests served at once, from the server's own start/end times.
overlap = max((sum(1 for a, b in spans if a <= t < b) for t, _ in spans),
              default=0)
check(rc == 0 and len(spans) == 6, "six slow feeds polled", spans)
check(overlap == 2 and secs >= 2.5, "never more than max_per_host "
      "requests to one host at once (%.1f s)" % secs, overlap)

# --- HTTPS verifies certificates: a self-signed server is refused ----------
cert, key = tmp.join("cert.pem"), tmp.join("key.pem")
gen = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                      "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                      "-subj", "/CN=127.0.0.1",
                      "-addext", "subjectAltName=IP:127.0.0.1"],
                     capture_output=True)
if check(gen.returncode == 0, "self-signed certificate made", gen.stderr):
    tls = subprocess.Popen([sys.executable, os.path.join(SRCDIR,
                                                         "feedserver.py"),
                            "--root", root, "--tls-cert", cert,
                            "--tls-key", key], stdout=subprocess.PIPE,
                           text=True)
    atexit.register(tls.kill)
    tls_port = int(tls.stdout.readline().split()[1])
    tls_conf = tmp.write("tls.conf", '[feed "tls"]\nurl = https://127.0.0.1:'
                         '%d/feeds/a.xml\n' % tls_port)
    rc, _ = once(tls_conf, tmp.join("tls.db"))
    c = sqlite3.connect(tmp.join("tls.db"))
    row = c.execute("SELECT state, last_error FROM feeds").fetchone()
    c.close()
    check(rc == 1 and row[0] == "backing_off" and
          "certificate" in (row[1] or "").lower(),
          "HTTPS with a self-signed certificate: refused, and says why", row)

tmp.cleanup()
done()
