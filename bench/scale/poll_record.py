#!/usr/bin/env python3
"""bench/scale/poll_record.py: what feed_counts' triggers add to a poll.

    bench/scale/poll_record.py DB [--feeds 20000] [--rounds 5]

On DB (a copy you can spare: it is written, bench/scale/run.py's store
after a warm poll), records a warm poll (a 304: state, errors and entry
count unchanged) of --feeds feeds with the UPDATE that
store_feed.c's sqlite_store_feed_poll_done runs, in one transaction with
a savepoint per feed as a batch of polls does, and times it with the
schema's feed_counts triggers present and dropped, alternately, --rounds
times each. Then the same with a poll that moves a figure (ok ->
backing_off and back), where the trigger's body runs. The CPU is this
process's (the SQLite library Python links, which should be the one
feedd links: the version is printed). Differences per feed are what
the triggers cost; Python's own per-statement cost is in both.
"""
import argparse
import sqlite3
import statistics
import time

POLL_DONE = (
    "UPDATE feeds SET etag = COALESCE(?1, etag),"
    " last_modified = COALESCE(?2, last_modified),"
    " body_hash = COALESCE(?3, body_hash), last_poll = ?4,"
    " last_success = CASE WHEN ?5 IS NULL THEN ?4 ELSE last_success END,"
    " error_count = CASE WHEN ?5 IS NULL THEN 0 ELSE error_count + 1 END,"
    " last_error = ?5, state = ?6, next_poll = ?7, cur_interval_s = ?8,"
    " redirect_url = ?9, redirect_count = ?10, retry_after_until = ?11,"
    " repairs = CASE WHEN ?13 THEN ?14 ELSE repairs END,"
    " repair_note = CASE WHEN ?13 THEN ?15 ELSE repair_note END,"
    " interval_note = ?16,"
    " interval_base_s = CASE WHEN ?17 > 0 THEN ?17 ELSE interval_base_s END,"
    " interval_base_note = CASE WHEN ?17 > 0 THEN ?18"
    " ELSE interval_base_note END,"
    " interval_hint_s = CASE WHEN ?17 > 0 THEN ?19 ELSE interval_hint_s END"
    " WHERE id = ?12")


def rounds(db, ids, state_of, error_of):
    t0 = time.process_time()
    db.execute("BEGIN")
    for i, fid in enumerate(ids):
        db.execute("SAVEPOINT p")
        db.execute(POLL_DONE, (None, None, None, 1000 + i, error_of(i),
                               state_of(i), 5000 + i, 3600, None, 0, 0,
                               fid, 0, 0, None, "note", 0, None, 0))
        db.execute("RELEASE p")
    db.execute("COMMIT")
    return (time.process_time() - t0) / len(ids) * 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("db")
    ap.add_argument("--feeds", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    db = sqlite3.connect(a.db, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    triggers = db.execute("SELECT name, sql FROM sqlite_schema WHERE"
                          " type = 'trigger' AND name LIKE"
                          " 'feeds_counts_%'").fetchall()
    if not triggers:
        raise SystemExit("no feed_counts triggers in %s: open it with a "
                         "feedd of schema 14 first" % a.db)
    ids = [r[0] for r in db.execute("SELECT id FROM feeds WHERE state ="
                                    " 'ok' ORDER BY id LIMIT ?",
                                    (a.feeds,))]
    print("SQLite %s, %d feeds, %d rounds" % (sqlite3.sqlite_version,
                                              len(ids), a.rounds))
    cases = [("304, nothing moved", lambda i: "ok", lambda i: None),
             ("a figure moved", lambda i: "backing_off" if i % 2 == 0
              else "ok", lambda i: "HTTP 500" if i % 2 == 0 else None)]
    for name, state_of, error_of in cases:
        got = {"with": [], "without": []}
        for _ in range(a.rounds):
            for mode in ("with", "without"):
                if mode == "without":
                    for t, _sql in triggers:
                        db.execute("DROP TRIGGER %s" % t)
                got[mode].append(rounds(db, ids, state_of, error_of))
                # Back to ok, error 0, for the next round.
                db.execute("UPDATE feeds SET state = 'ok', error_count = 0"
                           " WHERE id IN (SELECT value FROM json_each(?))",
                           (str(ids),))
                if mode == "without":
                    for _t, sql in triggers:
                        db.execute(sql)
        w, wo = (statistics.median(got[m]) for m in ("with", "without"))
        print("%s: %.2f us a feed with the triggers, %.2f without: "
              "+%.2f us (rounds: %s / %s)" % (
                  name, w, wo, w - wo,
                  " ".join("%.1f" % x for x in got["with"]),
                  " ".join("%.1f" % x for x in got["without"])))
    c = db.execute("SELECT (SELECT sum(feeds) FROM feed_counts) ="
                   " (SELECT count(*) FROM feeds), (SELECT sum(failing)"
                   " FROM feed_counts) = (SELECT count(*) FROM feeds"
                   " WHERE error_count > 0)").fetchone()
    print("feed_counts still a fresh count's: %s" % (c == (1, 1)))


if __name__ == "__main__":
    main()
