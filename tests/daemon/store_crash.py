#!/usr/bin/env python3
"""The store under SIGKILL, a full disk and a concurrent reader.

Drives store_tool ($TESTS_BUILDDIR/store_tool, built from store_tool.c),
which uses the store exactly as the daemon does: one transaction per poll;
then the real feedd (--once) killed while it stores large feeds from the
suite's HTTP server.
"""
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

BUILD = os.environ.get("TESTS_BUILDDIR", os.path.dirname(__file__))
TOOL = os.path.join(BUILD, "store_tool")
BATCH = 500
failures = 0


def check(cond, what):
    global failures
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures += 1


def tool(*args, **kw):
    return subprocess.run([TOOL] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=240, **kw)


def fields(out):
    return dict(kv.split("=", 1) for kv in out.split())


def verify(db, what, batch=BATCH):
    r = tool("check", db, batch)
    f = fields(r.stdout)
    check(r.returncode == 0 and f.get("integrity") == "ok",
          f"{what}: PRAGMA integrity_check ok ({f.get('integrity')})")
    check(f.get("fts") == "ok", f"{what}: FTS index consistent ({f.get('fts')})")
    check(f.get("partial") == "0", f"{what}: no poll half-written")
    check(f.get("entries") == f.get("distinct"),
          f"{what}: no duplicates ({f.get('entries')} entries, "
          f"{f.get('distinct')} distinct)")
    return int(f.get("entries", "-1"))


def kill_mid_ingest(db, first, polls, after):
    """Starts a long ingest, SIGKILLs it after `after` committed polls."""
    p = subprocess.Popen([TOOL, "ingest", db, str(first), str(polls),
                          str(BATCH)], stdout=subprocess.PIPE, text=True)
    seen = 0
    for line in p.stdout:
        if line.startswith("committed"):
            seen += 1
            if seen >= after:
                # Land somewhere inside the next poll's transaction.
                time.sleep(random.uniform(0.0, 0.05))
                p.send_signal(signal.SIGKILL)
                break
    p.wait()
    p.stdout.close()
    return seen


def per_feed(db):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        rows = dict(c.execute("SELECT f.config_name, count(e.id) FROM feeds f"
                              " LEFT JOIN entries e ON e.feed_id = f.id"
                              " GROUP BY f.id"))
        dups = c.execute("SELECT count(*) - count(DISTINCT feed_id || ' ' ||"
                         " guid) FROM entries").fetchone()[0]
    except sqlite3.Error:
        rows, dups = {}, 0
    c.close()
    return rows, dups


def daemon_crash(tmp):
    """feedd --once SIGKILLed while storing 40 feeds of 400 items."""
    feedd = os.environ.get("FEEDD")
    if not feedd or not os.path.exists(feedd):
        print("FEEDD not set, skipping the daemon part")
        return
    from test_api_lib import FeedServer, rss
    nfeeds, nitems = 40, 400
    srv = FeedServer(os.path.join(tmp, "www"))
    try:
        conf = ("[feedd]\nhost_gap = 0s\nmax_connections = 8\n"
                "max_per_host = 8\nmax_body_size = 8M\n")
        for i in range(nfeeds):
            items = [("%d" % k, "Item %d of feed %d" % (k, i),
                      "Коаліція охочих, report %d. " % k * 8)
                     for k in range(nitems)]
            conf += '\n[feed "f%d"]\nurl = %s\n' % (
                i, srv.write("f%d.xml" % i, rss("f%d" % i, items)))
        cfg = os.path.join(tmp, "feedd.conf")
        with open(cfg, "w") as f:
            f.write(conf)
        db = os.path.join(tmp, "daemon.db")
        args = [feedd, "-c", cfg, "--database", db, "--socket",
                os.path.join(tmp, "s.sock"), "--once"]
        log = open(os.path.join(tmp, "feedd.log"), "a")

        p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        stored = 0
        while time.monotonic() < deadline and p.poll() is None:
            rows, _ = per_feed(db) if os.path.exists(db) else ({}, 0)
            stored = sum(rows.values())
            # Mid-run: some feeds stored, more being written.
            if stored >= nfeeds * nitems // 4:
                break
            time.sleep(0.01)
        p.send_signal(signal.SIGKILL)
        p.wait()
        rows, dups = per_feed(db)
        check(p.returncode == -signal.SIGKILL,
              f"feedd killed while storing ({sum(rows.values())} entries "
              f"of {nfeeds * nitems} stored)")
        n = verify_daemon(db, "feedd after SIGKILL")
        check(all(v in (0, nitems) for v in rows.values()),
              "every feed's poll stored whole or not at all: " +
              str(sorted(set(rows.values()))))

        r = subprocess.run(args, stdout=log, stderr=subprocess.STDOUT,
                           timeout=120)
        rows, dups = per_feed(db)
        check(r.returncode == 0, "feedd --once runs again after the crash")
        check(len(rows) == nfeeds and
              all(v == nitems for v in rows.values()),
              f"then every feed has its {nitems} entries: "
              + str(sorted(set(rows.values()))))
        check(dups == 0, f"and no entry twice ({dups})")
        verify_daemon(db, "feedd after the restart")

        # The disk fills up (a file size limit) while feedd stores.
        db2 = os.path.join(tmp, "daemon-full.db")
        args2 = [a if a != db else db2 for a in args]

        def limited():
            # SIGXFSZ ignored survives exec: write() fails with EFBIG.
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE,
                               (1536 * 1024, resource.RLIM_INFINITY))

        r = subprocess.run(args2, capture_output=True, text=True,
                           timeout=120, preexec_fn=limited)
        rows, dups = per_feed(db2)
        full = [l for l in r.stderr.splitlines()
                if "file size limit" in l or "disk full" in l]
        check(full and sum(rows.values()) < nfeeds * nitems,
              "feedd: polls fail clearly when the disk is full: " +
              (full[0][-150:] if full else r.stderr[-300:]))
        check(all(v in (0, nitems) for v in rows.values()),
              "feedd: no poll half-stored on a full disk")
        verify_daemon(db2, "feedd after a full disk")
        r = subprocess.run(args2, stdout=log, stderr=subprocess.STDOUT,
                           timeout=120)
        rows, dups = per_feed(db2)
        check(len(rows) == nfeeds and dups == 0 and
              all(v == nitems for v in rows.values()),
              "feedd: with room again every feed is stored, once")
        log.close()
    finally:
        srv.stop()


def verify_daemon(db, what):
    r = tool("check", db, 1)
    f = fields(r.stdout)
    check(r.returncode == 0 and f.get("integrity") == "ok",
          f"{what}: PRAGMA integrity_check ok ({f.get('integrity')})")
    check(f.get("fts") == "ok", f"{what}: FTS index consistent ({f.get('fts')})")
    return int(f.get("entries", "-1"))


def main():
    if not os.path.exists(TOOL):
        print("store_tool not built, skipping")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "feedd.db")

        # 1. SIGKILL mid-batch, several times, then resume the same polls.
        for round_ in range(3):
            seen = kill_mid_ingest(db, 0, 400, 3 + round_ * 4)
            n = verify(db, f"after SIGKILL #{round_ + 1}")
            check(n >= seen * BATCH, f"committed polls survived ({n} >= "
                  f"{seen * BATCH})")
        before = n
        r = tool("ingest", db, 0, 20, BATCH)
        check(r.returncode == 0, "polling resumes after the crashes")
        news = sum(int(l.split()[-1]) for l in r.stdout.splitlines())
        n = verify(db, "after resuming")
        check(n == 20 * BATCH, f"all 20 polls stored once ({n})")
        check(news == 20 * BATCH - before,
              f"re-polled entries were not new again ({news} new)")

        # 2. A reader never sees half a poll.
        w = subprocess.Popen([TOOL, "watch", db, str(BATCH), "4"],
                             stdout=subprocess.PIPE, text=True)
        ing = subprocess.Popen([TOOL, "ingest", db, "20", "60", str(BATCH)],
                               stdout=subprocess.PIPE, text=True)
        # 3. An online backup taken while polls are written.
        ing.stdout.readline()
        backup = os.path.join(tmp, "backup.db")
        b = tool("backup", db, backup)
        ing.communicate(timeout=240)
        out, _ = w.communicate(timeout=60)
        f = fields(out)
        check(w.returncode == 0 and int(f.get("reads", 0)) > 0,
              f"reader listed concurrently ({f.get('reads')} reads)")
        check(f.get("torn") == "0", "reader never saw a partial poll")
        verify(db, "after concurrent reads")
        check(b.returncode == 0, "backup while polls are written " +
              b.stderr.strip())
        n = verify(backup, "backup")
        check(10 * BATCH < n < 80 * BATCH, f"backup holds a snapshot ({n})")

        # 4. Disk full (file size limit) during a poll.
        db2 = os.path.join(tmp, "full.db")
        r = tool("diskfull", db2, 200)
        f = {}
        for kv in r.stdout.split():
            k, _, v = kv.partition("=")
            f.setdefault(k, []).append(v)
        check("failed_at" in f, "a poll failed when the disk was full")
        check("disk full" in r.stderr or "File too large" in r.stderr,
              "the failure is logged clearly: " + r.stderr.strip()[-160:])
        check(f.get("integrity", [""])[0] == "ok",
              "database valid right after the failure")
        check(r.returncode == 0 and f.get("retry", [""])[0] == "ok",
              "the next poll succeeds when space is back")
        check(f.get("new", [""])[0] == "200",
              "the failed poll stored in full on retry")
        check(f.get("integrity", ["", ""])[1] == "ok",
              "database valid after the retry")
        verify(db2, "after disk full", 200)

        daemon_crash(tmp)

    print(f"{'FAILED' if failures else 'passed'}: {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
