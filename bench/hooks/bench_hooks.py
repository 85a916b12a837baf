#!/usr/bin/python3
"""bench_hooks: how fast a URL hook's alerts go out.

Starts the suite's feed server (tests/daemon/feedserver.py) with one
generated feed of N entries that all match a topic, a minimal keep-alive
receiver on 127.0.0.1 (one send per answer, TCP_NODELAY: it costs nothing
measurable), and feedd (FEEDD, default build/daemon/feedd) with one json
hook in the given mode; polls once and reports when the receiver got the
first and the last alert, counted from the poll request.

    bench/hooks/bench_hooks.py 1000 each
    bench/hooks/bench_hooks.py 1000 batch
"""
import os
import socket
import subprocess
import sys
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "daemon"))
os.environ.setdefault("FEEDD", os.path.join(TOP, "build", "daemon", "feedd"))
os.environ.setdefault("TESTS_SRCDIR", os.path.join(TOP, "tests", "daemon"))

from feeddtest import Daemon, TempDir, http_unix  # noqa: E402
from test_api_lib import FeedServer, wait_until  # noqa: E402

arrivals = []


def receiver():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)

    def serve(c):
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        while True:
            d = c.recv(65536)
            if not d:
                return
            buf += d
            while b"\r\n\r\n" in buf:
                head, rest = buf.split(b"\r\n\r\n", 1)
                n = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        n = int(line.split(b":")[1])
                if len(rest) < n:
                    break
                buf = rest[n:]
                arrivals.append(time.time())
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    def accept():
        while True:
            c, _ = s.accept()
            threading.Thread(target=serve, args=(c,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return s.getsockname()[1]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    mode = sys.argv[2] if len(sys.argv) > 2 else "each"
    tmp = TempDir()
    srv = FeedServer(tmp.join("www"))
    port = receiver()
    d = Daemon(tmp, "[feedd]\nlog_level = warning\ndefault_interval = 1h\n"
               "host_gap = 0s\n[hook \"j\"]\nurl = http://127.0.0.1:%d/in\n"
               "mode = %s\n" % (port, mode)).start()
    try:
        doc = http_unix(d.socket, "POST", "/v1/feeds",
                        {"url": srv.dyn_url("n")})[1]
        http_unix(d.socket, "POST", "/v1/topics",
                  {"name": "t", "query": "storm", "notify": "j"})
        srv.dyn_add("n", "storm", n=n)
        t0 = time.time()
        http_unix(d.socket, "POST", "/v1/feeds/%d/poll" % doc["feed"]["id"])
        want = n if mode == "each" else 1
        wait_until(lambda: http_unix(d.socket, "GET", "/v1/hooks/j")[1]
                   ["sent"] == want, timeout=600, step=0.1)
        per = ("%.2f ms per alert" % ((arrivals[-1] - arrivals[0]) /
               (len(arrivals) - 1) * 1000) if len(arrivals) > 1 else "")
        print("mode %s, %d matches: %d requests, first %.2f s, last %.2f s "
              "after the poll request; %s" % (
                  mode, n, len(arrivals), arrivals[0] - t0,
                  arrivals[-1] - t0, per))
    finally:
        d.stop()
        srv.stop()
        tmp.cleanup()


if __name__ == "__main__":
    main()
