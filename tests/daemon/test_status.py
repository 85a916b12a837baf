"""The status tells the truth while work is queued. 12 feeds are imported
into a daemon that may start one poll a second on their host (each poll
takes half a second): while they wait, GET /v1/status never says "nothing
planned" (next_poll is now, polls are counted in flight, due or being
stored, feeds_new counts the ones not polled yet), GET /v1/feeds gives
each waiting feed a next_poll, feedctl status says so in words, and the
service manager's STATUS= line follows the polls as they are stored, not
a 10 s timer. The start-up log counts the feeds the daemon serves (the
store's), not only those of the configuration file."""
import os
import re
import socket
import threading
import time

from feeddtest import Daemon, TempDir, check, done
from test_api_lib import CONF, FeedServer, rss, wait_until

N = 12
tmp = TempDir()
srv = FeedServer(tmp.join("www"))
for i in range(N):
    srv.write("f%d.xml" % i, rss("f%d" % i, [1, 2]))
srv.write("conf.xml", rss("conf", [1]))

# A service manager's notify socket: every STATUS= line, with its time.
notify_path = tmp.join("notify.sock")
notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
notify.bind(notify_path)
notify.settimeout(0.2)
statuses = []
stop = False


def listen():
    while not stop:
        try:
            data = notify.recv(4096).decode("utf-8", "replace")
        except socket.timeout:
            continue
        except OSError:
            return
        for line in data.split("\n"):
            if line.startswith("STATUS="):
                statuses.append((time.monotonic(), line[7:]))


threading.Thread(target=listen, daemon=True).start()

conf = CONF.replace("host_gap = 0s", "host_gap = 1s") + """max_per_host = 1
[feed "configured"]
url = %s
""" % srv.url("conf.xml")
d = Daemon(tmp, conf)
d.env["NOTIFY_SOCKET"] = notify_path
d.start()
check(wait_until(lambda: d.ctl_json("status")["feeds_new"] == 0, 15),
      "the configured feed is polled")

opml = ('<?xml version="1.0"?><opml version="2.0"><body>' + "".join(
    '<outline type="rss" text="f%d" xmlUrl="%s/drip?n=5&amp;delay=0.1&amp;'
    'feed=f%d.xml"/>' % (i, srv.base, i) for i in range(N)) +
    "</body></opml>")
t_import = time.monotonic()
r = d.ctl("import", tmp.write("subs.opml", opml), "--no-wait")
check(r.returncode == 0, "12 feeds imported", r.stdout + r.stderr)

samples, lies = [], []
texts = []
while time.monotonic() - t_import < 60:
    st = d.ctl_json("status")
    samples.append(st)
    busy = st["polls_in_flight"] + st["polls_due"] + st["polls_storing"]
    if st["feeds_new"] > 0 and (st["next_poll"] is None or busy == 0):
        lies.append(st)
    if len(texts) < 3 and st["feeds_new"] > 0:
        texts.append(d.ctl("status").stdout)
        feeds = [f for f in d.ctl_json("feeds")["feeds"] if f["state"] == "new"]
        if feeds and any(f["next_poll"] is None for f in feeds):
            lies.append(("feed without next_poll", feeds))
    if st["feeds_new"] == 0 and busy == 0:
        break
    time.sleep(0.25)
t_done = time.monotonic()
check(samples[-1]["feeds_new"] == 0 and samples[-1]["feeds"] == N + 1,
      "all 12 polled, one a second (%.1f s)" % (t_done - t_import),
      samples[-1])
waiting = [s for s in samples if s["feeds_new"] > 0]
check(len(waiting) >= 8, "the status was read while feeds waited (%d times)"
      % len(waiting))
check(not lies, "while feeds wait, the status never says nothing is "
      "planned: next_poll is set and polls are counted", lies[:3])
check(any(s["polls_due"] > 0 for s in waiting) and
      any(s["polls_in_flight"] > 0 for s in waiting),
      "polls due (waiting for the host's gap) and in flight are counted",
      [(s["polls_in_flight"], s["polls_due"], s["polls_storing"])
       for s in waiting[:10]])
check(texts and re.search(r"\d+ not polled yet", texts[0]) and
      re.search(r"polls     \d+ in flight, \d+ due \(waiting for a "
                r"connection\), .*next ", texts[0]),
      "feedctl status says so in words", texts[:1])

# STATUS= follows the polls: many updates within the polling window, where
# a 10 s timer alone would send at most a few.
during = [s for t, s in statuses if t_import <= t <= t_done]
distinct = len(set(during))
check(distinct >= 6, "STATUS= refreshed as polls are stored (%d distinct "
      "lines in %.0f s)" % (distinct, t_done - t_import), during[-5:])
check(any("due" in s or "polling" in s for s in during),
      "and it says polls run or wait", during[:5])
check(wait_until(lambda: statuses and statuses[-1][1].startswith(
    "%d feeds, %d entries" % (N + 1, 2 * N + 1)), 5),
      "the last one counts every feed and entry", statuses[-1:])

# The start-up log counts what the daemon serves.
check(d.stop() == 0, "stops cleanly")
d.start()
check(wait_until(lambda: "started: 13 feeds (1 from the configuration), "
                 "0 topics (0 from the configuration)" in d.read_log(), 5),
      "the start-up log counts the stored feeds", d.read_log()[-600:])
check(d.stop() == 0, "stops cleanly again")
stop = True
srv.stop()
tmp.cleanup()
done()
