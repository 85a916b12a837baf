#!/usr/bin/env python3
"""The delay from a hub's publish to the topic's stream event, measured on
the real daemon: feedd (BUILD/daemon/feedd) with public_url on 127.0.0.1,
N feeds that announce the test hub (tests/daemon/websubhub.py), each
subscribed and verified; then each feed's hub pushes one new item that the
topic matches, one publish at a time, and the time until the item is on
/v1/stream?topic= is recorded.

  bench/freshness/websub_delay.py [--build build] [--feeds 100] [--out F]

Prints the median and 95th percentile; --out writes the delays (ms) as a
JSON list, which sim.py --push-ms uses for strategy (e).
"""
import argparse
import http.client
import json
import os
import socket
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--feeds", type=int, default=100)
    ap.add_argument("--out")
    a = ap.parse_args()
    os.environ["FEEDD"] = os.path.join(os.path.abspath(a.build), "daemon",
                                       "feedd")
    os.environ["FEEDCTL"] = os.path.join(os.path.abspath(a.build), "client",
                                         "feedctl")
    sys.path.insert(0, os.path.join(ROOT, "tests", "daemon"))
    from feeddtest import Daemon, TempDir, free_port, http_unix
    from test_api_lib import FeedServer, wait_until
    from websubhub import Hub

    tmp = TempDir(prefix="feedd-bench-websub-")
    srv = FeedServer(tmp.join("www"))
    hub = Hub(lease=3600)
    port = free_port()
    d = Daemon(tmp, """[feedd]
log_level = warning
default_interval = 1h
host_gap = 0s
listen = 127.0.0.1:%d
public_url = http://127.0.0.1:%d/

[topic "storm"]
query = storm
""" % (port, port)).start()

    def doc(name, items):
        url = srv.url(name)
        out = ['<?xml version="1.0"?><rss version="2.0" xmlns:atom='
               '"http://www.w3.org/2005/Atom"><channel><title>%s</title>'
               '<link>http://example.org/</link><description>d'
               '</description><atom:link rel="hub" href="%s"/>'
               '<atom:link rel="self" href="%s"/>' % (name, hub.url, url)]
        for guid, title in items:
            out.append('<item><guid>%s-%s</guid><title>%s</title>'
                       '<description>%s</description></item>'
                       % (name, guid, title, title))
        out.append("</channel></rss>")
        return url, "".join(out)

    urls = []
    for i in range(a.feeds):
        url, body = doc("f%d.xml" % i, [("0", "calm")])
        srv.write("f%d.xml" % i, body)
        http_unix(d.socket, "POST", "/v1/feeds", body={"url": url})
        urls.append(url)
    if not wait_until(lambda: all(hub.subscribers(u) for u in urls),
                      timeout=120):
        sys.exit("not every feed was subscribed to")

    lines = []
    conn = http.client.HTTPConnection("localhost", timeout=300)
    conn.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.sock.connect(d.socket)
    conn.request("GET", "/v1/stream?topic=storm")
    resp = conn.getresponse()

    def read():
        try:
            while True:
                line = resp.readline()
                if not line:
                    return
                lines.append((time.monotonic(), json.loads(line)))
        except Exception:
            pass

    threading.Thread(target=read, daemon=True).start()
    delays = []
    for i, url in enumerate(urls):
        title = "storm %d" % i
        _, body = doc("f%d.xml" % i, [("1", title), ("0", "calm")])
        t0 = time.monotonic()
        if hub.publish(url, body) != [202]:
            sys.exit("a push was refused")
        got = wait_until(lambda: [t for t, x in lines
                                  if x.get("title") == title], timeout=10)
        if not got:
            sys.exit("a pushed item never reached the stream")
        delays.append((got[0] - t0) * 1000)
    d.stop()
    hub.stop()
    srv.stop()
    delays.sort()
    print("%d pushes: publish to topic stream event median %.0f ms, p95 "
          "%.0f ms, max %.0f ms" % (len(delays), statistics.median(delays),
                                    delays[int(0.95 * len(delays)) - 1],
                                    delays[-1]))
    if a.out:
        with open(a.out, "w") as fp:
            json.dump([round(x, 1) for x in delays], fp)


if __name__ == "__main__":
    main()
