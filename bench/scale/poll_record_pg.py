#!/usr/bin/env python3
"""bench/scale/poll_record_pg.py: what feed_counts' trigger adds on PostgreSQL.

    bench/scale/poll_record_pg.py FEEDD [--feeds 20000] [--rounds 5]

Starts a throwaway PostgreSQL (tests/daemon/pgserver.py), lets FEEDD make
its schema, adds --feeds feeds, and times on the server (clock_timestamp()
around a PL/pgSQL loop, one transaction, no client round trips) an UPDATE
of each feed with the trigger feed_counts_update enabled and disabled,
alternately, --rounds times each:

  304      the columns of a poll's record, nothing moved (state ok,
           no error): the trigger's WHEN is false;
  moved    the same, every other feed going ok -> backing_off with an
           error;
  entries  entry_count + 3 in loops of 100, 500, 2,000 and 8,000 feeds,
           each loop one transaction: a cost that grows with the loop
           is quadratic in a group of polls.

Prints the median per feed with and without, and the difference.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "daemon"))
from pgserver import PgServer  # noqa: E402

RECORD = (
    "UPDATE feeds SET etag = COALESCE(NULL, etag),"
    " last_modified = COALESCE(NULL, last_modified),"
    " body_hash = COALESCE(NULL, body_hash), last_poll = i,"
    " last_success = CASE WHEN err IS NULL THEN i ELSE last_success END,"
    " error_count = CASE WHEN err IS NULL THEN 0 ELSE error_count + 1 END,"
    " last_error = err, state = st, next_poll = 5000 + i,"
    " cur_interval_s = 3600, redirect_url = NULL, redirect_count = 0,"
    " retry_after_until = 0, interval_note = 'note' WHERE id = i")
ENTRIES = "UPDATE feeds SET entry_count = entry_count + 3 WHERE id = i"


def loop(pg, n, body, trigger):
    off, on = "", ""
    if not trigger:
        off = "ALTER TABLE feeds DISABLE TRIGGER feed_counts_update;"
        on = "ALTER TABLE feeds ENABLE TRIGGER feed_counts_update;"
    sql = (off + "DO $$ DECLARE t0 timestamptz := clock_timestamp();"
           " st text; err text; BEGIN FOR i IN 1..%d LOOP %s; END LOOP;"
           " RAISE NOTICE 'us %%', extract(epoch FROM clock_timestamp()"
           " - t0) * 1e6 / %d; END $$;"
           "UPDATE feeds SET state = 'ok', error_count = 0;" % (n, body, n)
           + on)
    p = subprocess.run(["psql", "--no-psqlrc", "--quiet", "--dbname",
                        pg.conninfo("feedd"), "--command", sql],
                       capture_output=True, text=True)
    us = [float(x.split("us ")[1]) for x in p.stderr.splitlines()
          if "NOTICE:  us " in x]
    if not us:
        sys.exit(p.stderr)
    return us[0]


def compare(pg, name, n, body, rounds):
    got = {True: [], False: []}
    for _ in range(rounds):
        for trigger in (True, False):
            got[trigger].append(loop(pg, n, body, trigger))
    w, wo = statistics.median(got[True]), statistics.median(got[False])
    print("%s: %.1f us a feed with the trigger, %.1f without: %+.1f us" %
          (name, w, wo, w - wo), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("feedd")
    ap.add_argument("--feeds", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    with PgServer() as pg, tempfile.TemporaryDirectory() as d:
        pg.create_database("feedd")
        with open(os.path.join(d, "feedd.conf"), "w") as f:
            f.write("[feedd]\nlog_level = warning\n")
        subprocess.run([a.feedd, "--once", "-c", os.path.join(d, "feedd.conf"),
                        "--database", pg.uri("feedd"), "--socket",
                        os.path.join(d, "feedd.sock")], check=True)
        pg.psql("INSERT INTO feeds(url, origin, created, state) SELECT"
                " 'http://h' || g || '.example/', 'api', 0, 'ok'"
                " FROM generate_series(1, %d) g" % a.feeds, "feedd")
        compare(pg, "304, %d feeds" % a.feeds, a.feeds,
                "st := 'ok'; err := NULL; " + RECORD, a.rounds)
        compare(pg, "moved, %d feeds" % a.feeds, a.feeds,
                "st := CASE WHEN i % 2 = 0 THEN 'backing_off' ELSE 'ok'"
                " END; err := CASE WHEN i % 2 = 0 THEN 'HTTP 500' END; " +
                RECORD, a.rounds)
        for n in (100, 500, 2000, 8000):
            if n <= a.feeds:
                compare(pg, "entries, %d feeds in one transaction" % n, n,
                        ENTRIES, a.rounds)


if __name__ == "__main__":
    main()
