#!/usr/bin/env python3
"""bench/poll/perf_split.py: where a `feedd --once` spends its CPU, by part.

    perf record --call-graph dwarf,16384 -F 300 -o cold.data \\
        build-bench/daemon/feedd --once -c CONF --database DB --socket SOCK
    perf script -i cold.data -F ip,sym | bench/poll/perf_split.py

Reads perf script's stacks (innermost frame first) and counts each sample
once, in the first part its stack names, in this order: the FTS5 segment
writes at a savepoint (sqlite3VtabSavepoint), the full-text tokenizer
(wrap_tokenize), the rest of the store's ingest (store_ingest), indexing a
group's entries (store_index_pending), topic matching (topics_match), the
commit (store_batch_commit), parsing (XML_Parse), gzip (inflate), the rest.
meson's release build (build-bench) keeps the symbol table and the unwind
tables, which is all this needs.
"""
import collections
import sys

PARTS = [
    ("FTS5 segments written at a savepoint", "sqlite3VtabSavepoint"),
    ("FTS5 tokenizer (unicode61 + the topics' capture)", "wrap_tokenize"),
    ("store_ingest, the rest (entry rows, keys, indexes)", "store_ingest"),
    ("store_index_pending, the rest (a group's index rows)",
     "store_index_pending"),
    ("topic matching", "topics_match"),
    ("commit (WAL write)", "store_batch_commit"),
    ("parse (Expat)", "XML_Parse"),
    ("gzip (inflate)", "inflate"),
]


def main():
    counts = collections.Counter()
    total = 0
    for sample in sys.stdin.read().split("\n\n"):
        frames = [l.strip().split(None, 1)[-1] for l in sample.splitlines()
                  if l.strip()]
        if not frames:
            continue
        total += 1
        for label, sym in PARTS:
            if any(f.startswith(sym) for f in frames):
                counts[label] += 1
                break
        else:
            counts["other (curl, libevent, kernel I/O)"] += 1
    print("| part | samples | share |")
    print("| --- | ---: | ---: |")
    for label, n in counts.most_common():
        print("| %s | %d | %.0f%% |" % (label, n, 100.0 * n / total))
    print("| all | %d | 100%% |" % total)


if __name__ == "__main__":
    main()
