#!/usr/bin/env python3
"""bench/websub/plan_cost.py: daemon CPU per WebSub event with N subscriptions.

    bench/websub/plan_cost.py --feedd BIN [--feedd BIN2 ...] [-n 1000,10000,100000]
                              [--events 200]

For each N, a store with N feeds (state gone: nothing is polled) and N active
subscriptions whose renewal was asked (asked = subscribe, the lease running
for days) is made, the daemon started on it with public_url and a TCP
listener on 127.0.0.1, and then --events verifications of intent are sent to
the callback, one subscription each (GET /websub/NAME?hub.mode=subscribe...,
each answered with the challenge). Prints the daemon's CPU (utime + stime
from /proc) to start up and per verification. No hub is contacted: every
hub URL is 127.0.0.1:1 and nothing is due during the run.
"""
import argparse
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "poll"))
from run import free_port  # noqa: E402 (bench/poll/run.py's)

TICK = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / TICK


def wait_port(port, proc, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit("feedd exited: %d" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("feedd did not listen")


def make_store(feedd, work, n):
    db = os.path.join(work, "feedd.db")
    conf = os.path.join(work, "empty.conf")
    with open(conf, "w") as f:
        f.write("[feedd]\nlog_level = warning\n")
    # The schema, as the daemon makes it.
    subprocess.run([feedd, "--once", "-c", conf, "--database", db,
                    "--socket", os.path.join(work, "s.sock")], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    now = int(time.time())
    c = sqlite3.connect(db)
    c.executemany("INSERT INTO feeds(id, url, origin, state, next_poll,"
                  " created) VALUES (?, ?, 'api', 'gone', ?, ?)",
                  [(i, "http://127.0.0.1:1/f%d" % i, now + 10**6, now)
                   for i in range(1, n + 1)])
    c.executemany("INSERT INTO websub(feed_id, callback, hub, topic, secret,"
                  " state, asked, asked_at, lease_s, lease_until, created)"
                  " VALUES (?, ?, 'http://127.0.0.1:1/hub', ?, 'secret',"
                  " 'active', 'subscribe', ?, 600000, ?, ?)",
                  [(i, "cb%d" % i, "http://127.0.0.1:1/f%d" % i, now,
                    now + 10**6, now) for i in range(1, n + 1)])
    c.commit()
    c.close()
    return db


def run(feedd, n, events, keep):
    work = tempfile.mkdtemp(prefix="feedd-websub-bench-")
    try:
        db = make_store(feedd, work, n)
        port = free_port()
        conf = os.path.join(work, "feedd.conf")
        with open(conf, "w") as f:
            f.write("[feedd]\nlog_level = warning\nlisten = 127.0.0.1:%d\n"
                    "public_url = http://127.0.0.1:%d/\n" % (port, port))
        proc = subprocess.Popen([feedd, "-c", conf, "--database", db,
                                 "--socket", os.path.join(work, "d.sock")],
                                stdout=subprocess.DEVNULL,
                                stderr=open(os.path.join(work, "log"), "w"))
        wait_port(port, proc)
        # Start-up done: the CPU stands still for a second.
        start = -1
        while cpu(proc.pid) != start:
            start = cpu(proc.pid)
            time.sleep(1)
        ok = 0
        for i in range(1, events + 1):
            url = ("http://127.0.0.1:%d/websub/cb%d?hub.mode=subscribe"
                   "&hub.topic=http%%3A%%2F%%2F127.0.0.1%%3A1%%2Ff%d"
                   "&hub.challenge=c%d&hub.lease_seconds=600000"
                   % (port, i, i, i))
            with urllib.request.urlopen(url, timeout=30) as r:
                ok += r.read() == b"c%d" % i
        per = (cpu(proc.pid) - start) / events
        proc.terminate()
        proc.wait()
        return start, per, ok
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--feedd", action="append", required=True)
    ap.add_argument("-n", default="1000,10000,100000")
    ap.add_argument("--events", type=int, default=200)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    print("| feedd | subscriptions | start-up CPU s | CPU per verification"
          " ms | verified | load |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for n in [int(x) for x in a.n.split(",")]:
        for b in a.feedd:
            start, per, ok = run(b, n, a.events, a.keep)
            print("| %s | %d | %.2f | %.3f | %d/%d | %.1f |" % (
                b, n, start, per * 1000, ok, a.events,
                os.getloadavg()[0]), flush=True)


if __name__ == "__main__":
    main()
