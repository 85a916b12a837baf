#!/usr/bin/env python3
"""bench/poll/run.py: what one `feedd --once` over N feeds costs, by part.

    bench/poll/run.py [-n 5000] [--runs 3] [--conns 8,32,64] [--feedd PATH]

Serves the bench corpus (bench/gen/gencorpus.py, seed 1) with nginx on
127.0.0.1 (bench/nginx/nginx.conf.in), then for each max_connections value
and run: a cold poll (empty database: download, parse, store everything) and
a warm poll (same database, nothing changed: every feed answers 304). Each
poll runs under GNU time; one JSON line per poll on stdout, a Markdown table
at the end. A last row polls a 2 GiB gzip bomb and a 64 MiB body under the
default 10 MiB cap (tests/daemon/feedserver.py) to show memory stays bounded.

feedd is built in release mode in build-bench-poll/ unless --feedd is given.
Needs: nginx-light, time (GNU), python3; about 600 MB in --work for 5,000
feeds. bench/run compares the same polls with newsboat and sfeed_update.
"""
import argparse
import atexit
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
_nginx = []


def log(*a):
    print("[%s]" % time.strftime("%H:%M:%S"), *a, file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def build():
    b = os.path.join(TOP, "build-bench-poll")
    if not os.path.exists(os.path.join(b, "build.ninja")):
        subprocess.run(["meson", "setup", b, "--buildtype=release"], cwd=TOP,
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", b, "daemon/feedd"], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(b, "daemon", "feedd")


def corpus(work, n):
    d = os.path.join(work, "corpus-%d" % n, "base")
    if not os.path.exists(os.path.join(d, "manifest.json")):
        log("generating %d feeds in %s" % (n, d))
        shutil.rmtree(d, ignore_errors=True)
        subprocess.run([sys.executable, os.path.join(TOP, "bench", "gen",
                                                     "gencorpus.py"),
                        "--out", d, "-n", str(n), "--seed", "1"], check=True,
                       stdout=subprocess.DEVNULL)
    with open(os.path.join(d, "feeds.txt")) as f:
        return d, f.read().split()


def stop_nginx():
    for pid in _nginx:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


def start_nginx(work, root):
    w = os.path.join(work, "nginx")
    shutil.rmtree(w, ignore_errors=True)
    os.makedirs(os.path.join(w, "tmp"))
    port = free_port()
    with open(os.path.join(TOP, "bench", "nginx", "nginx.conf.in")) as f:
        conf = f.read().replace("@WORK@", w).replace("@ROOT@", root)
    conf = conf.replace("@PORT@", str(port))
    with open(os.path.join(w, "nginx.conf"), "w") as f:
        f.write(conf)
    subprocess.run(["nginx", "-p", w + "/", "-c", os.path.join(w, "nginx.conf"),
                    "-e", os.path.join(w, "nginx-error.log")], check=True)
    for _ in range(100):
        if os.path.exists(os.path.join(w, "nginx.pid")):
            break
        time.sleep(0.05)
    with open(os.path.join(w, "nginx.pid")) as f:
        _nginx.append(int(f.read()))
    atexit.register(stop_nginx)
    return port


def write_conf(path, urls, conns):
    with open(path, "w") as f:
        f.write("[feedd]\nlog_level = warning\nmax_connections = %d\n"
                "max_per_host = %d\nhost_gap = 0s\n" % (conns, conns))
        for i, u in enumerate(urls):
            f.write('\n[feed "f%05d"]\nurl = %s\n' % (i, u))


def once(feedd, conf, db, logpath):
    tf = db + ".time"
    t0 = time.perf_counter()
    with open(logpath, "a") as lf:
        rc = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", tf,
                             feedd, "--once", "-c", conf, "--database", db,
                             "--socket", db + ".sock"], stdout=lf,
                            stderr=lf).returncode
    wall = time.perf_counter() - t0
    with open(tf) as f:
        _, user, sys_, rss = f.read().split()[-4:]
    c = sqlite3.connect(db)
    entries = c.execute("SELECT count(*) FROM entries").fetchone()[0]
    codes = dict(c.execute("SELECT http_status, count(*) FROM poll_log WHERE "
                           "id IN (SELECT max(id) FROM poll_log GROUP BY "
                           "feed_id) GROUP BY http_status").fetchall())
    c.close()
    return {"rc": rc, "wall_s": round(wall, 3), "cpu_s": round(float(user) +
            float(sys_), 3), "rss_mib": round(int(rss) / 1024, 1),
            "entries": entries, "codes": codes}


def bomb_row(feedd, work, logpath):
    """Memory under hostile bodies, with the default 10 MiB cap."""
    from_tests = os.path.join(TOP, "tests", "daemon", "feedserver.py")
    srv = subprocess.Popen([sys.executable, from_tests, "--root", work],
                           stdout=subprocess.PIPE, text=True)
    port = int(srv.stdout.readline().split()[1])
    conf = os.path.join(work, "bomb.conf")
    with open(conf, "w") as f:
        f.write('[feedd]\nlog_level = warning\n[feed "bomb"]\n'
                'url = http://127.0.0.1:%d/bomb?mb=2048\n[feed "big"]\n'
                'url = http://127.0.0.1:%d/big?kb=65536\n' % (port, port))
    db = os.path.join(work, "bomb.db")
    for p in (db, db + "-wal", db + "-shm"):
        if os.path.exists(p):
            os.unlink(p)
    r = once(feedd, conf, db, logpath)
    srv.kill()
    srv.wait()
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--conns", default="8,32,64")
    ap.add_argument("--work", default="/tmp/feedd-bench-poll")
    ap.add_argument("--feedd")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    feedd = a.feedd or build()
    root, paths = corpus(a.work, a.n)
    port = start_nginx(a.work, root)
    urls = ["http://127.0.0.1:%d/%s" % (port, p) for p in paths]
    logpath = os.path.join(a.work, "feedd.log")
    rows = []
    for conns in [int(x) for x in a.conns.split(",")]:
        conf = os.path.join(a.work, "feedd-%d.conf" % conns)
        write_conf(conf, urls, conns)
        for run in range(a.runs):
            db = os.path.join(a.work, "poll.db")
            for p in (db, db + "-wal", db + "-shm"):
                if os.path.exists(p):
                    os.unlink(p)
            for phase in ("cold", "warm"):
                r = once(feedd, conf, db, logpath)
                r.update(n=a.n, conns=conns, run=run, phase=phase,
                         load=os.getloadavg()[0])
                print(json.dumps(r), flush=True)
                rows.append(r)
    bomb = bomb_row(feedd, a.work, logpath)
    print(json.dumps(dict(bomb, phase="bomb")), flush=True)

    def cell(vals):
        return "%.2f (%.2f-%.2f)" % (statistics.median(vals), min(vals),
                                     max(vals))
    print("\n| feeds | max_connections | poll | wall s | user+sys CPU s "
          "| peak RSS MiB | entries | HTTP statuses |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for conns in [int(x) for x in a.conns.split(",")]:
        for phase in ("cold", "warm"):
            rs = [r for r in rows if r["conns"] == conns and
                  r["phase"] == phase]
            print("| %d | %d | %s | %s | %s | %s | %d | %s |" % (
                a.n, conns, phase, cell([r["wall_s"] for r in rs]),
                cell([r["cpu_s"] for r in rs]),
                cell([r["rss_mib"] for r in rs]), rs[-1]["entries"],
                " ".join("%s: %s" % kv for kv in
                         sorted(rs[-1]["codes"].items()))))
    print("\n2 GiB gzip bomb + 64 MiB body, 10 MiB cap: wall %.2f s, peak "
          "RSS %.1f MiB, exit %d" % (bomb["wall_s"], bomb["rss_mib"],
                                    bomb["rc"]))


if __name__ == "__main__":
    main()
