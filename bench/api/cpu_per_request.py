#!/usr/bin/env python3
"""bench/api/cpu_per_request.py: the daemon CPU one API request costs.

    bench/api/cpu_per_request.py [--write] FEEDD CONF DB PATH [N] [PATH...]

Starts FEEDD on DB (a copy you can spare: it polls what is due) with its
socket beside it (waiting up to 5 minutes for it: a configuration of
100,000 feeds took a minute to load before it was fixed), then for each
PATH in turn sends it once to warm up, then N times over one keep-alive
connection on the Unix socket, and prints the daemon's CPU (user +
system, from /proc/PID/stat) per request and the median wall time a
request took. Give a PATH several times for several measurements on one
daemon. --write: before each request, another connection commits a write
to DB (a row of meta), as a polling daemon's commits do, so each request
is measured after a write (SQLite stores only). Example, after a cold
`feedd --once` filled c.db:

    bench/api/cpu_per_request.py build-bench/daemon/feedd feedd.conf c.db \\
        '/v1/entries?since=1000&limit=1000' 100
"""
import http.client
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time


def measure(pid, sock, path, n, write=None):
    class Unix(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(sock)

    def cpu():
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

    c = Unix("localhost")
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    walls = []
    c0 = cpu()
    for i in range(n):
        if write is not None:
            write(i)
        t0 = time.perf_counter()
        c.request("GET", path)
        c.getresponse().read()
        walls.append(time.perf_counter() - t0)
    c1 = cpu()
    c.close()
    print("%s: HTTP %d, %d bytes; daemon CPU %.2f ms per request (%d "
          "requests), wall median %.2f ms" % (
              path, r.status, len(body), (c1 - c0) * 1000 / n, n,
              statistics.median(walls) * 1000), flush=True)


def main():
    args = [a for a in sys.argv[1:] if a != "--write"]
    if len(args) < 4:
        sys.exit(__doc__)
    feedd, conf, db = args[0:3]
    paths = [a for a in args[3:] if not a.isdigit()]
    ns = [int(a) for a in args[3:] if a.isdigit()]
    write = None
    if "--write" in sys.argv:
        wc = sqlite3.connect(db, timeout=30)

        def write(i):
            wc.execute("INSERT OR REPLACE INTO meta(key, value)"
                       " VALUES ('bench_write', ?)", (i,))
            wc.commit()
    n = ns[0] if ns else 200
    sock = db + ".api.sock"
    p = subprocess.Popen([feedd, "-c", conf, "--database", db, "--socket",
                          sock], stderr=subprocess.DEVNULL)
    try:
        for _ in range(6000):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        time.sleep(1.0)
        for path in paths:
            measure(p.pid, sock, path, n, write)
    finally:
        p.terminate()
        p.wait()


if __name__ == "__main__":
    main()
