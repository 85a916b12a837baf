#!/usr/bin/env python3
"""The common library's parse cost: Python feedparser over the corpus files
(parse only: no fetch, no store). Paths on the command line, or one per line
on stdin with "-". Prints files, bytes, entries, malformed documents (bozo)
and MB/s."""
import json
import sys
import time

import feedparser


def main():
    paths = ([l.strip() for l in sys.stdin if l.strip()]
             if sys.argv[1:] == ["-"] else sys.argv[1:])
    files = entries = bozo = 0
    nbytes = 0
    secs = 0.0
    for p in paths:
        with open(p, "rb") as f:
            data = f.read()
        t0 = time.perf_counter()
        d = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=True)
        secs += time.perf_counter() - t0
        files += 1
        nbytes += len(data)
        entries += len(d.entries)
        bozo += 1 if d.bozo else 0
    print(json.dumps({"files": files, "bytes": nbytes, "items": entries,
                      "malformed": bozo, "parse_seconds": round(secs, 3),
                      "mb_per_s": round(nbytes / 1e6 / secs, 2) if secs else 0,
                      "feedparser": feedparser.__version__}))


if __name__ == "__main__":
    main()
