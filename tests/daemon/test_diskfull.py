"""A full disk, and the recovery after it, as an administrator sees them.

The database lives on an 8 MiB tmpfs (so this runs as root, and is skipped
with the reason printed otherwise). Four feeds are stored, the tmpfs is
filled to the last byte, and the feeds publish 120 long items each: their
polls are fetched, but the database cannot take them. Then:
  - GET /v1/status says store_failing with SQLite's and the system's
    words, and when the polls it lost are tried again (seconds, doubling
    from 5 s); the feeds keep a next_poll, are not marked failing;
  - GET /healthz answers 503 with the reason; /metrics counts the polls
    as store_error and the failed commits;
  - the lost polls are tried again, and fail again, after 5 s then 10 s;
  - once space is back, everything is stored within one step, without a
    duplicate, the database passes integrity_check, /healthz is 200."""
import atexit
import os
import sqlite3
import subprocess
import sys
import time

from feeddtest import Daemon, TempDir, check, done, http_unix
from test_api_lib import CONF, FeedServer, rss, wait_until

if os.geteuid() != 0:
    print("1..0 # SKIP mounting a small tmpfs needs root (the suite runs "
          "as root in CI)")
    sys.exit(77)
tmp = TempDir()
atexit.register(tmp.cleanup)    # last: after the unmount
disk = tmp.join("disk")
os.makedirs(disk)
r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700",
                    "feedd-test", disk], capture_output=True, text=True)
if r.returncode != 0:
    print("1..0 # SKIP cannot mount a tmpfs here: %s" % r.stderr.strip())
    sys.exit(77)


@atexit.register
def unmount():
    if subprocess.run(["umount", disk], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", disk], capture_output=True)


NFEEDS, NEW = 4, 120
srv = FeedServer(tmp.join("www"))
atexit.register(srv.stop)
for i in range(NFEEDS):
    srv.write("f%d.xml" % i, rss("f%d" % i, [1, 2, 3]))
conf = CONF + "".join('[feed "f%d"]\nurl = %s\n' % (i, srv.url("f%d.xml" % i))
                      for i in range(NFEEDS))
d = Daemon(tmp, conf)
d.database = os.path.join(disk, "feedd.db")
d.args[d.args.index("--database") + 1] = d.database
d.start()


def status():
    return d.ctl_json("status")


def entries():
    c = sqlite3.connect("file:%s?mode=ro" % d.database, uri=True)
    try:
        return c.execute("SELECT count(*) FROM entries").fetchone()[0]
    finally:
        c.close()


def metric(name):
    _, _, text = http_unix(d.socket, "GET", "/metrics")
    for line in text.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[-1])
    return None


check(wait_until(lambda: status()["entries"] == 3 * NFEEDS, 20),
      "four feeds stored", status())
ids = [f["id"] for f in d.ctl_json("feeds")["feeds"]]

# Fill the tmpfs to the last byte.
filler = os.path.join(disk, "filler")
fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
for chunk in (65536, 512, 1):
    try:
        while True:
            os.write(fd, b"\0" * chunk)
    except OSError:
        pass
os.close(fd)
print("# the tmpfs is full: %d bytes of filler" % os.path.getsize(filler))

long_text = "Long enough to need pages of their own. " * 40
for i in range(NFEEDS):
    srv.write("f%d.xml" % i, rss("f%d" % i, [(n, "f%d item %d" % (i, n),
                                              long_text + str(n))
                                             for n in range(1, NEW + 4)]))
t_fail = time.monotonic()
for fid in ids:
    http_unix(d.socket, "POST", "/v1/feeds/%d/poll" % fid)

st = wait_until(lambda: (lambda s: s["store_failing"] and
                         s["store_retry_in"] and s)(status()), 20)
check(st, "the status says store_failing, with a retry step",
      status() if not st else None)
st = st or status()
err = st.get("store_error") or ""
check("database or disk is full" in err and "nothing stored" in err,
      "with SQLite's words: %s" % err, st)
check(st["store_retry_in"] == 5 and st["next_poll"] is not None and
      st["feeds_failing"] == 0,
      "lost polls are tried again in 5 s; the feeds keep their plan and "
      "are not counted as failing", st)
feeds = d.ctl_json("feeds")["feeds"]
check(all(f["next_poll"] is not None for f in feeds),
      "every feed has a next_poll", [(f["id"], f["next_poll"]) for f in feeds])
code, doc, _ = http_unix(d.socket, "GET", "/healthz")
check(code == 503 and doc["error"]["code"] == "store_failing" and
      "full" in doc["error"]["message"],
      "GET /healthz: 503 with the reason", (code, doc))
check(metric("feedd_store_failing") == 1 and
      metric('feedd_polls_total{result="store_error"}') >= 1,
      "metrics: store failing, polls counted as store_error")
r = d.ctl("status")
check("store     FAILING since" in r.stdout and "tried again in 5 s"
      in r.stdout, "feedctl status says so", r.stdout)

# The lost polls are tried again, in seconds, and fail again: 5 s, then 10.
st2 = wait_until(lambda: (lambda s: s["store_retry_in"] == 10 and s)(
    status()), 20)
check(st2, "tried again after 5 s, failed again: the next step is 10 s",
      status())
check(entries() == 3 * NFEEDS, "nothing half-stored meanwhile", entries())

# Space comes back.
os.unlink(filler)
t_free = time.monotonic()
step = status()["store_retry_in"] or 10
check(wait_until(lambda: entries() == (NEW + 3) * NFEEDS, step + 10, 0.1),
      "once there is room, everything is stored", (entries(), status()))
took = time.monotonic() - t_free
# One step, its jitter (a tenth) and the group's half second of batching.
check(took <= step * 1.1 + 2, "within one step (%d s) of space returning: "
      "%.1f s" % (step, took), took)
print("# disk full for %.1f s; stored %.1f s after space came back "
      "(step %d s)" % (t_free - t_fail, took, step))
st = status()
check(wait_until(lambda: not status()["store_failing"], 5) and
      status()["store_error"] is None and status()["store_retry_in"] is None,
      "store_failing is over", status())
code, doc, _ = http_unix(d.socket, "GET", "/healthz")
check(code == 200 and doc == {"status": "ok"}, "GET /healthz: 200 again",
      (code, doc))
check(metric("feedd_store_failing") == 0 and
      metric("feedd_store_commit_failures_total") >= 2,
      "metrics: not failing; the failed commits stay counted",
      metric("feedd_store_commit_failures_total"))
check(d.stop() == 0, "the daemon stops cleanly")
c = sqlite3.connect(d.database)
check(c.execute("PRAGMA integrity_check").fetchone()[0] == "ok",
      "the database passes integrity_check")
dups = c.execute("SELECT count(*) FROM (SELECT feed_id, guid FROM entries "
                 "GROUP BY feed_id, guid HAVING count(*) > 1)").fetchone()[0]
check(dups == 0 and c.execute("SELECT count(*) FROM entries").fetchone()[0]
      == (NEW + 3) * NFEEDS, "every entry once", dups)
c.close()
done()
