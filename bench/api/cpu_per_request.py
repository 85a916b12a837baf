#!/usr/bin/env python3
"""bench/api/cpu_per_request.py: the daemon CPU one API request costs.

    bench/api/cpu_per_request.py FEEDD CONF DB PATH [N]

Starts FEEDD on DB (a copy you can spare: it polls what is due) with its
socket beside it, sends PATH once to warm up, then N times over one
keep-alive connection on the Unix socket, and prints the daemon's CPU
(user + system, from /proc/PID/stat) per request and the median wall time
a request took. Example, after a cold `feedd --once` filled c.db:

    bench/api/cpu_per_request.py build-bench/daemon/feedd feedd.conf c.db \\
        '/v1/entries?since=1000&limit=1000' 100
"""
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    feedd, conf, db, path = sys.argv[1:5]
    n = int(sys.argv[5]) if len(sys.argv) > 5 else 200
    sock = db + ".api.sock"

    class Unix(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.connect(sock)

    p = subprocess.Popen([feedd, "-c", conf, "--database", db, "--socket",
                          sock], stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(sock):
                break
            time.sleep(0.05)
        time.sleep(1.0)

        def cpu():
            f = open("/proc/%d/stat" % p.pid).read().rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

        c = Unix("localhost")
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        walls = []
        c0 = cpu()
        for _ in range(n):
            t0 = time.perf_counter()
            c.request("GET", path)
            c.getresponse().read()
            walls.append(time.perf_counter() - t0)
        c1 = cpu()
    finally:
        p.terminate()
        p.wait()
    print("%s: HTTP %d, %d bytes; daemon CPU %.2f ms per request (%d "
          "requests), wall median %.2f ms" % (
              path, r.status, len(body), (c1 - c0) * 1000 / n, n,
              statistics.median(walls) * 1000))


if __name__ == "__main__":
    main()
