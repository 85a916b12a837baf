#!/usr/bin/env python3
"""bench/scale/run.py: feedd with 100,000 small feeds on many hosts.

    bench/scale/run.py [-n 100000] [--files 10000] [--hosts 20000]
                       [--steps config,cold,warm,api] [--feedd PATH]
                       [--work DIR] [--runs 3]

The corpus is bench/gen/gencorpus.py --items 10 --no-content (feeds of 10
items, about 14 KB, 4 KB gzipped), --files distinct files served by nginx
on 127.0.0.1 (bench/nginx/nginx.conf.in). Feed k of -n is file k % files
on host hK.localhost (K = k % hosts; libcurl resolves *.localhost to the
loopback itself, no resolver involved), with ?k=K in its URL: -n distinct
URLs, so distinct feeds with entries of their own, without generating and
serving -n files. The configuration keeps feedd's defaults for politeness
(max_per_host 4, host_gap 1s) and sets max_connections = 32, and one topic
on the corpus' phrase ("coalition of the willing", 2% of items).

Steps, each a JSON line on stdout:

  config  `feedd --check-config` on the -n feed configuration (--runs).
  cold    `feedd --once` into an empty database: every feed fetched,
          parsed and stored. Wall, user+sys CPU, peak RSS (GNU time),
          entries and database size after.
  warm    `feedd --once` again (--runs): every feed answers 304.
  perf    a warm poll again, under `perf record -e cpu-clock` into
          WORK/warm.perf (the scheduler's share of it: perf report
          --sort sym, the functions of daemon/poll/sched.c).
  api     bench/api/cpu_per_request.py against a copy of the store: a
          page of 1,000 entries from the middle of the ids, the topic's
          first page of 1,000, and /v1/status, --requests each, --runs
          times; daemon CPU per request and median wall. Then
          /v1/status again with a commit of another connection before
          each request (api-after-write), as while the daemon polls.

The database is kept in --work between invocations, so `--steps warm,api`
reuses the store a cold step made. Needs: nginx-light, time (GNU), python3;
about 2.5 GB in --work at 100,000 feeds.
"""
import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "bench", "poll"))
import run as pollrun  # noqa: E402  (nginx start/stop, log)

log = pollrun.log


def corpus(work, files):
    d = os.path.join(work, "corpus-%d" % files)
    if not os.path.exists(os.path.join(d, "manifest.json")):
        log("generating %d feeds in %s" % (files, d))
        shutil.rmtree(d, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(TOP, "bench", "gen",
                                                     "gencorpus.py"),
                        "--out", d, "-n", str(files), "--seed", "1",
                        "--items", "10", "--no-content"], check=True,
                       stdout=subprocess.DEVNULL)
    with open(os.path.join(d, "feeds.txt")) as f:
        return d, f.read().split()


def write_conf(path, n, hosts, port, paths):
    with open(path, "w") as f:
        f.write("[feedd]\nlog_level = warning\nmax_connections = 32\n"
                "timeout = 60s\n\n[topic \"coalition\"]\n"
                "query = \"coalition of the willing\"\n")
        for k in range(n):
            f.write('\n[feed "f%06d"]\nurl = http://h%05d.localhost:%d/%s'
                    '?k=%d\n' % (k, k % hosts, port, paths[k % len(paths)],
                                 k))


def timed(cmd, logpath):
    tf = logpath + ".time"
    t0 = time.perf_counter()
    with open(logpath, "a") as lf:
        rc = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf]
                            + cmd, stdout=lf, stderr=lf).returncode
    wall = time.perf_counter() - t0
    with open(tf) as f:
        _, user, sys_, rss = f.read().split()[-4:]
    return {"rc": rc, "wall_s": round(wall, 3),
            "cpu_s": round(float(user) + float(sys_), 3),
            "rss_mib": round(int(rss) / 1024, 1),
            "load": os.getloadavg()[0]}


def db_facts(db):
    c = sqlite3.connect(db)
    entries = c.execute("SELECT count(*) FROM entries").fetchone()[0]
    codes = dict(c.execute("SELECT http_status, count(*) FROM poll_log WHERE "
                           "id IN (SELECT max(id) FROM poll_log GROUP BY "
                           "feed_id) GROUP BY http_status").fetchall())
    lo, hi = c.execute("SELECT min(id), max(id) FROM entries").fetchone()
    c.close()
    size = sum(os.path.getsize(p) for p in (db, db + "-wal")
               if os.path.exists(p))
    return {"entries": entries, "codes": codes, "db_mib":
            round(size / 1048576, 1), "min_id": lo, "max_id": hi}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100000)
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--hosts", type=int, default=20000)
    ap.add_argument("--steps", default="config,cold,warm,api")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=100,
                    help="requests per API measurement")
    ap.add_argument("--work", default="/tmp/feedd-bench-scale")
    ap.add_argument("--feedd")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    feedd = a.feedd or pollrun.build()
    root, paths = corpus(a.work, a.files)
    # The same port every time: the feeds' URLs name it, and a URL that
    # changed would make the next poll a first poll of a new feed.
    portfile = os.path.join(a.work, "port")
    if os.path.exists(portfile):
        with open(portfile) as f:
            saved = int(f.read())
        pollrun.free_port = lambda: saved
    port = pollrun.start_nginx(a.work, root)
    with open(portfile, "w") as f:
        f.write("%d\n" % port)
    conf = os.path.join(a.work, "feedd-%d.conf" % a.n)
    write_conf(conf, a.n, a.hosts, port, paths)
    db = os.path.join(a.work, "scale-%d.db" % a.n)
    logpath = os.path.join(a.work, "feedd.log")
    base = dict(n=a.n, files=a.files, hosts=a.hosts, feedd=feedd)
    steps = a.steps.split(",")

    def out(step, r):
        print(json.dumps(dict(base, step=step, **r)), flush=True)

    if "config" in steps:
        for run in range(a.runs):
            out("config", timed([feedd, "--check-config", "-c", conf],
                                logpath))
    if "cold" in steps:
        for p in (db, db + "-wal", db + "-shm"):
            if os.path.exists(p):
                os.unlink(p)
        r = timed([feedd, "--once", "-c", conf, "--database", db,
                   "--socket", db + ".sock"], logpath)
        r.update(db_facts(db))
        out("cold", r)
    if "warm" in steps:
        for run in range(a.runs):
            r = timed([feedd, "--once", "-c", conf, "--database", db,
                       "--socket", db + ".sock"], logpath)
            r.update(db_facts(db))
            out("warm", r)
    if "perf" in steps:
        # Where a warm poll's CPU goes (perf report -i WORK/warm.perf).
        out("perf", timed(["perf", "record", "-e", "cpu-clock", "-o",
                           os.path.join(a.work, "warm.perf"), feedd,
                           "--once", "-c", conf, "--database", db,
                           "--socket", db + ".sock"], logpath))
    if "api" in steps:
        f = db_facts(db)
        since = f["min_id"] + (f["max_id"] - f["min_id"]) // 2
        # A copy: the daemon may poll what is due and would change it.
        copy = os.path.join(a.work, "api.db")
        shutil.copyfile(db, copy)
        for p in (copy + "-wal", copy + "-shm"):
            if os.path.exists(p):
                os.unlink(p)
        paths = ["/v1/entries?since=%d&limit=1000" % since,
                 "/v1/entries?topic=coalition&since=0&limit=1000",
                 "/v1/status"]
        t = subprocess.run([sys.executable, os.path.join(
            TOP, "bench", "api", "cpu_per_request.py"), feedd, conf, copy,
            str(a.requests)] + paths * a.runs, capture_output=True,
            text=True)
        for line in t.stdout.splitlines():
            out("api", {"result": line, "load": os.getloadavg()[0]})
        # The status again, each request after another connection's
        # commit: what it costs while the daemon polls.
        t = subprocess.run([sys.executable, os.path.join(
            TOP, "bench", "api", "cpu_per_request.py"), "--write", feedd,
            conf, copy, str(a.requests)] + ["/v1/status"] * a.runs,
            capture_output=True, text=True)
        for line in t.stdout.splitlines():
            out("api-after-write", {"result": line,
                                    "load": os.getloadavg()[0]})

if __name__ == "__main__":
    main()
