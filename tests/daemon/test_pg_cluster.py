"""Several feedd processes (workers) sharing one PostgreSQL database, as a
config deployed to three machines would run them, against the suite's own
PostgreSQL and HTTP server. What a user of the cluster must see:

1. 2,000 feeds, three workers: every feed requested once in the first
   cycle, every entry stored once, every worker did some of the polls
   (its status says how many); on one host with host_gap = 1s, the
   requests of all three workers together are a second apart.
2. A worker SIGKILLed in the middle of its polls: the feeds it held are
   polled by the others within about one lease (lease = 3s), and every
   entry is stored, none twice.
3. A stream on worker A gets the entries worker B stored.
4. A topic's command hook runs once per match across the cluster.
5. The status and /metrics of a worker show the cluster: three workers
   alive, two once the killed one's heartbeat is old.

By hand: CLUSTER_WORKERS=1 runs phase 1 with one worker (the harness
alone), CLUSTER_PHASES=1,gap,kill picks phases (1 includes the stream and
the hook, 3 and 4 above), CLUSTER_KEEP=1 keeps the logs."""
import json
import os
import signal
import subprocess
import threading
import time

from feeddtest import (FEEDD, Daemon, TempDir, check, done, http_unix,
                       pg_server)
from test_api_lib import FeedServer, StreamClient, wait_until

NWORKERS = int(os.environ.get("CLUSTER_WORKERS", "3"))
PHASES = os.environ.get("CLUSTER_PHASES",
                        "1,gap,kill,term,restart").split(",")
NFEEDS = 2000
ITEMS = 3           # items per feed of phase 1
EVERY = 100         # one feed in EVERY carries a match of the topic
NAMES = ["wA", "wB", "wC", "wD", "wE"][:NWORKERS]
T0 = time.monotonic()

tmp = TempDir()
srv = FeedServer(tmp.join("www"))
pg = pg_server()
hooklog = tmp.join("hook.log")


def elapsed():
    return "%.1f s" % (time.monotonic() - T0)


# ---------------------------------------------------------------- helpers

def database(name):
    pg.create_database(name)
    return pg.uri(name)


def supports_cluster_keys(uri):
    """Whether this feedd knows [feedd] worker_name and lease. Without
    them the test still runs (to show what an unclustered feedd does) but
    fails this check."""
    conf = tmp.write("probe.conf", "[feedd]\nworker_name = probe\n"
                     "lease = 3s\n")
    r = subprocess.run([FEEDD, "-c", conf, "--check-config", "--database",
                        uri], capture_output=True, text=True)
    return check(r.returncode == 0,
                 "feedd knows [feedd] worker_name and lease",
                 (r.returncode, r.stderr))


def feedd_conf(name, lease, extra):
    head = "[feedd]\nlog_level = info\n"
    if CLUSTER_KEYS:
        head += "worker_name = %s\n" % name
        if lease is not None:
            head += "lease = %s\n" % lease
    return head + extra


class Cluster:
    """NWORKERS (or n) daemons with their own socket, config and log, one
    database."""

    def __init__(self, tag, uri, body, lease=None, n=None):
        self.tag = tag
        self.uri = uri
        self.workers = {}
        for name in NAMES[:n or NWORKERS]:
            self.workers[name] = Daemon(
                tmp, feedd_conf(name, lease, body),
                extra_args=("--database", uri), name="%s-%s" % (tag, name))

    def start(self):
        # Like machines booted together: all start before any is waited
        # for.
        for d in self.workers.values():
            d.start(wait=False)
        for name, d in self.workers.items():
            if not wait_for_up(d):
                raise RuntimeError("%s did not come up:\n%s"
                                   % (name, d.read_log()[-3000:]))
        return self

    def __getitem__(self, name):
        return self.workers[name]

    def first(self):
        return next(iter(self.workers.values()))

    def stop(self):
        for d in self.workers.values():
            d.stop()

    def logs(self, tail=1500):
        return "\n".join("== %s\n%s" % (n, d.read_log()[-tail:])
                         for n, d in self.workers.items())


def wait_for_up(d, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if d.proc.poll() is not None:
            return False
        try:
            if http_unix(d.socket, "GET", "/healthz", timeout=2)[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def api(d, method, path, body=None, timeout=30):
    code, doc, _ = http_unix(d.socket, method, path, body=body,
                             timeout=timeout)
    return code, doc


def status(d):
    return api(d, "GET", "/v1/status")[1] or {}


def cluster_of(d):
    return status(d).get("cluster") or {}


def worker_polls(d):
    """{worker name: polls} as worker d's status lists them."""
    return {w.get("name"): w.get("polls")
            for w in cluster_of(d).get("workers") or []}


def metrics(d):
    _, _, text = http_unix(d.socket, "GET", "/metrics")
    out = {}
    for line in text.decode("utf-8", "replace").splitlines():
        if line and not line.startswith("#"):
            key, _, val = line.rpartition(" ")
            try:
                out[key] = float(val)
            except ValueError:
                pass
    return out


def polls_total(d):
    """feedd_polls_total of worker d, all outcomes (its own polls)."""
    return sum(v for k, v in metrics(d).items()
               if k.startswith("feedd_polls_total"))


def all_entries(d, query=""):
    """Every entry worker d lists, paging through /v1/entries."""
    out, since = [], 0
    while True:
        code, doc = api(d, "GET", "/v1/entries?limit=1000&since=%d%s"
                        % (since, query))
        if code != 200:
            raise RuntimeError("entries: %d %s" % (code, doc))
        if not doc["entries"]:
            return out
        out += doc["entries"]
        since = doc["entries"][-1]["id"]


def stats():
    return srv.control("/_control/stats")


def quiet(paths, seconds):
    """Waits until none of paths was requested for seconds (at most 30 s
    more); returns the stats then."""
    deadline = time.monotonic() + 30
    while True:
        st = stats()
        last = max((t for p in paths for t in st.get(p, {}).get("times",
                                                                 [])),
                   default=0)
        if time.time() - last >= seconds or time.monotonic() > deadline:
            return st
        time.sleep(0.2)


def tcp_ports(pid, port):
    """Local ports of process pid's TCP connections to 127.0.0.1:port
    (which requests of the server's stats are its own)."""
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        with open("/proc/%d/net/tcp" % pid) as f:
            lines = f.read().splitlines()[1:]
    except OSError:
        return set()
    out = set()
    for line in lines:
        cols = line.split()
        local, remote, inode = cols[1], cols[2], cols[9]
        if inode in inodes and int(remote.split(":")[1], 16) == port:
            out.add(int(local.split(":")[1], 16))
    return out


def rss(name, items):
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0">'
           '<channel><title>%s</title><link>http://example.org/%s/</link>'
           '<description>d</description>' % (name, name)]
    for i, title in enumerate(items):
        out.append('<item><guid isPermaLink="false">%s-%d</guid>'
                   '<title>%s</title><link>http://example.org/%s/%d</link>'
                   '<pubDate>Mon, 03 Nov 2025 1%d:00:00 GMT</pubDate>'
                   '<description>text %d</description></item>'
                   % (name, i, title, name, i, i, i))
    out.append("</channel></rss>\n")
    return "".join(out)


def ranges(ids):
    """[1, 2, 3, 7] as "1-3 7"."""
    out = []
    for i in ids:
        if out and out[-1][1] == i - 1:
            out[-1][1] = i
        else:
            out.append([i, i])
    return " ".join("%d-%d" % (a, b) if a != b else "%d" % a
                    for a, b in out)


def web_ids():
    """The entry ids of the alerts the URL hook's receiver got, sorted."""
    got = srv.control("/_control/hook?name=web")["requests"]
    return sorted(json.loads(r["body"])["id"] for r in got)


def hook_lines():
    try:
        with open(hooklog) as f:
            return [line.split() for line in f.read().splitlines()]
    except OSError:
        return []


CLUSTER_KEYS = supports_cluster_keys(database("probe"))


# ------------------------------------------- 1. 2,000 feeds, three workers
def phase_many():
    names = ["f%04d" % i for i in range(NFEEDS)]
    paths = ["/feeds/%s.xml" % n for n in names]
    matching = set()
    for i, n in enumerate(names):
        items = ["%s item %d" % (n, k) for k in range(ITEMS)]
        if i % EVERY == 0:
            items[1] = "zeppelin over %s" % n
            matching.add(n)
        srv.write(n + ".xml", rss(n, items))
    body = """default_interval = 1h
host_gap = 0s
max_connections = 32
max_per_host = 32

[hook "log"]
command = /bin/sh -c "echo $FEEDD_ID $PPID >> %s"
timeout = 10s

[hook "web"]
url = %s/hook/web/in
timeout = 10s

[topic "zeppelin"]
query = zeppelin
notify = log

[topic "zeppelin-web"]
query = zeppelin
notify = web
""" % (hooklog, srv.base) + "".join(
        '\n[feed "%s"]\nurl = %s\n' % (n, srv.url(n + ".xml"))
        for n in names)
    c = Cluster("many", database("many"), body, lease="10s").start()
    streams = {}
    try:
        a = c.first()
        # A stream on each worker from the start (since=0 replays what
        # came before it opened): while the workers store at once, each
        # must get every entry, once, in id order.
        streams = {n: StreamClient(d.socket, "?since=0")
                   for n, d in c.workers.items()}
        print("# %s: %d workers up, %d feeds" % (elapsed(), NWORKERS,
                                                 NFEEDS), flush=True)
        t0 = time.time()
        ok = wait_until(lambda: all(p in st for st in [stats()]
                                    for p in paths), timeout=120, step=0.5)
        st = quiet(paths, 3)
        firsts = sorted(min(st[p]["times"]) for p in paths if p in st)
        print("# %s: first cycle from %.1f s to %.1f s after start" % (
            elapsed(), firsts[0] - t0 if firsts else -1,
            firsts[-1] - t0 if firsts else -1), flush=True)
        check(ok, "every one of %d feeds requested" % NFEEDS,
              [p for p in paths if p not in st][:20])
        counts = {p: st.get(p, {}).get("count", 0) for p in paths}
        twice = {p: n for p, n in counts.items() if n != 1}
        check(not twice, "each feed requested exactly once in the first "
              "cycle (%d of %d not once)" % (len(twice), NFEEDS),
              sorted(twice.items())[:20])

        want = NFEEDS * ITEMS
        wait_until(lambda: status(a).get("entries", 0) >= want, timeout=30,
                   step=0.5)
        es = all_entries(a)
        guids = [e["guid"] for e in es]
        check(len(es) == want and len(set(guids)) == want,
              "%d entries listed through %s, none twice" % (want,
                                                            "wA"),
              (len(es), len(set(guids))))
        rows = pg.psql("SELECT count(*), count(DISTINCT guid) FROM entries",
                       "many").strip()
        check(rows == "%d|%d" % (want, want),
              "and as many rows in PostgreSQL, no guid twice", rows)
        ids = [e["id"] for e in es]
        wait_until(lambda: all(len(s.entries()) >= want
                               for s in streams.values()), timeout=20,
                   step=0.5)
        for n, s in streams.items():
            got = [e["id"] for e in s.entries()]
            check(got == ids, "%s's stream, open while all the workers "
                  "stored: every entry once, in id order (%d)"
                  % (n, len(got)),
                  "%d entries, %d distinct, ascending: %s; missing: %s" % (
                      len(got), len(set(got)), got == sorted(got),
                      ranges(sorted(set(ids) - set(got)))))
            s.close()

        # A worker's polls reach the store with its heartbeat (every
        # lease / 3).
        wait_until(lambda: sum(v or 0 for v in worker_polls(a).values())
                   >= NFEEDS, timeout=10, step=0.5)
        per = worker_polls(a)
        print("# polls per worker (status): %s; feedd_polls_total: %s" % (
            per, {n: polls_total(d) for n, d in c.workers.items()}),
            flush=True)
        check(sorted(per) == sorted(NAMES) and
              all((per[n] or 0) > 0 for n in NAMES),
              "every worker did some of the polls (status cluster.workers)",
              status(a).get("cluster"))
        check(sum(v or 0 for v in per.values()) == NFEEDS,
              "and %d polls in all" % NFEEDS, per)

        # 4. The topic's hook: once per match, whoever stored it.
        matches = sorted(e["id"] for e in all_entries(a, "&topic=zeppelin"))
        check(len(matches) == len(matching),
              "%d matches of the topic" % len(matching), len(matches))
        wait_until(lambda: len(hook_lines()) >= len(matches), timeout=15)
        time.sleep(2)
        ran = sorted(int(x[0]) for x in hook_lines())
        by = {}
        for x in hook_lines():
            by[x[1]] = by.get(x[1], 0) + 1
        pids = {str(d.proc.pid): n for n, d in c.workers.items()}
        print("# hook runs per worker: %s" % {pids.get(k, k): v
                                             for k, v in by.items()},
              flush=True)
        check(ran == matches, "the command hook ran once per match across "
              "the cluster (%d runs, %d matches)" % (len(ran), len(matches)),
              (ran, matches))

        # A URL hook: each alert sent once, by one worker at a time.
        check(wait_until(lambda: len(web_ids()) >= len(matches),
                         timeout=20) and
              not time.sleep(2) and web_ids() == matches,
              "the URL hook got each match once (%d alerts)"
              % len(web_ids()), (web_ids(), matches))

        if NWORKERS > 1:
            phase_stream(c)
            phase_api_topic(c)
    finally:
        for s in streams.values():
            s.close()
        c.stop()
    errors = [line for d in c.workers.values()
              for line in d.read_log().splitlines()
              if " error" in line.lower() or "warn" in line.lower()]
    check(not errors, "no errors or warnings in the workers' logs",
          "\n".join(errors[:30]))


# -------------------------------- 3. a stream on A, entries stored by B
def phase_stream(c):
    a, b = c["wA"], c["wB"]
    srv.dyn_add("live", "first live item")
    code, doc = api(a, "POST", "/v1/feeds", {"url": srv.dyn_url("live")})
    check(code == 201, "a feed added through wA's API", (code, doc))
    fid = doc["feed"]["id"]
    wait_until(lambda: len(all_entries(a, "&feed=%d" % fid)) == 1,
               timeout=15)
    streams = {n: StreamClient(d.socket) for n, d in c.workers.items()}
    check(wait_until(lambda: all(s.opened() for s in streams.values())),
          "a stream open on each worker",
          {n: s.lines for n, s in streams.items()})
    # Who polled it: each worker's own count of polls (/metrics).
    before = {n: polls_total(d) for n, d in c.workers.items()}
    srv.dyn_add("live", "zeppelin seen from the live feed")
    srv.dyn_add("live", "second live item")
    code, doc = api(b, "POST", "/v1/feeds/%d/poll" % fid)
    check(200 <= code < 300, "POST /v1/feeds/%d/poll on wB" % fid,
          (code, doc))
    check(wait_until(lambda: len(all_entries(b, "&feed=%d" % fid)) == 3,
                     timeout=15),
          "the new items are stored", c.logs())
    new = [e for e in all_entries(b, "&feed=%d" % fid)
           if e["title"] != "first live item"]
    after = {n: polls_total(d) for n, d in c.workers.items()}
    who = [n for n in after if after[n] > before[n]]
    print("# the poll asked of wB was done by %s" % who, flush=True)
    check(who and "wA" not in who, "a worker other than wA polled it", who)
    want = sorted(e["id"] for e in new)
    for n, s in streams.items():
        check(wait_until(lambda: sorted(e["id"] for e in s.entries()) ==
                         want, timeout=10),
              "%s's stream got the entries %s stored" % (n, "/".join(who)),
              (want, s.lines))
    for s in streams.values():
        s.close()
    # The match of the live feed ran the hook once too.
    matches = all_entries(a, "&topic=zeppelin")
    check(wait_until(lambda: len(hook_lines()) == len(matches),
                     timeout=10) and
          sorted(int(x[0]) for x in hook_lines()) ==
          sorted(e["id"] for e in matches),
          "the hook ran once for the match stored by %s" % "/".join(who),
          (hook_lines()[-5:], len(matches)))
    check(wait_until(lambda: web_ids() == sorted(e["id"] for e in matches),
                     timeout=15),
          "and the URL hook got its alert, once",
          (web_ids(), sorted(e["id"] for e in matches)))


# ------------- 4b. a topic added through wA's API, an entry stored by wB
def phase_api_topic(c):
    a, b = c["wA"], c["wB"]
    srv.dyn_add("air", "calm weather")
    code, doc = api(b, "POST", "/v1/feeds", {"url": srv.dyn_url("air")})
    check(code == 201, "a feed added through wB's API", (code, doc))
    fid = doc["feed"]["id"]
    wait_until(lambda: len(all_entries(b, "&feed=%d" % fid)) == 1,
               timeout=15)
    code, doc = api(a, "POST", "/v1/topics", {"name": "balloon",
                                               "query": "balloon",
                                               "notify": "log"})
    check(code == 201, "a topic added through wA's API", (code, doc))
    # Its back-fill of what is stored is over: what comes next is matched
    # at ingest, by whichever worker stores it.
    check(wait_until(lambda: api(a, "GET", "/v1/topics/balloon")[1].get(
        "backfill", 1) is None, timeout=10), "its back-fill is done",
        api(a, "GET", "/v1/topics/balloon"))
    srv.dyn_add("air", "a balloon over the lake")
    n_hook = len(hook_lines())
    before = {n: polls_total(d) for n, d in c.workers.items()}
    code, doc = api(b, "POST", "/v1/feeds/%d/poll" % fid)
    check(wait_until(lambda: len(all_entries(b, "&feed=%d" % fid)) == 2,
                     timeout=15), "the new item is stored", c.logs())
    after = {n: polls_total(d) for n, d in c.workers.items()}
    who = [n for n in after if after[n] > before[n]]
    print("# the balloon item was stored by %s" % who, flush=True)
    want = [e["id"] for e in all_entries(b, "&feed=%d" % fid)
            if "balloon" in e["title"]]
    for i, (n, d) in enumerate(c.workers.items()):
        check(wait_until(lambda: [e["id"] for e in all_entries(
            d, "&topic=balloon")] == want, timeout=10 if i == 0 else 1),
              "the entry %s stored is listed under the topic wA added "
              "(asking %s)" % ("/".join(who), n),
              (want, all_entries(d, "&topic=balloon")))
    check(wait_until(lambda: len(hook_lines()) == n_hook + 1, timeout=10)
          and hook_lines()[-1][0] == str(want[0] if want else None),
          "and the topic's hook ran for it, once", hook_lines()[n_hook:])

    # A topic wB knows (added through its API) removed through wA's: what
    # wB stores next is stored, and not matched to it.
    code, doc = api(b, "POST", "/v1/topics", {"name": "kite",
                                               "query": "kite",
                                               "notify": "log"})
    check(code == 201, "a topic added through wB's API", (code, doc))
    wait_until(lambda: api(b, "GET", "/v1/topics/kite")[1].get(
        "backfill", 1) is None, timeout=10)
    code, doc = api(a, "DELETE", "/v1/topics/kite")
    check(200 <= code < 300, "and removed through wA's", (code, doc))
    time.sleep(1)
    n_hook = len(hook_lines())
    srv.dyn_add("air", "a kite over the beach")
    before = {n: polls_total(d) for n, d in c.workers.items()}
    api(b, "POST", "/v1/feeds/%d/poll" % fid)
    ok = wait_until(lambda: len(all_entries(b, "&feed=%d" % fid)) == 3,
                    timeout=15)
    after = {n: polls_total(d) for n, d in c.workers.items()}
    print("# the kite item was polled by %s" % [
        n for n in after if after[n] > before[n]], flush=True)
    check(ok and not any(status(d).get("store_failing")
                         for d in c.workers.values()),
          "an entry that matches the removed topic is stored, no store "
          "failing", (all_entries(b, "&feed=%d" % fid), c.logs(800)))
    check(all(api(d, "GET", "/v1/topics/kite")[0] == 404
              for d in c.workers.values()),
          "no worker lists the removed topic",
          {n: api(d, "GET", "/v1/topics/kite")
           for n, d in c.workers.items()})
    time.sleep(1)
    check(len(hook_lines()) == n_hook,
          "and no hook runs for it", hook_lines()[n_hook:])


# ------------------------------------- 1b. host_gap across the workers
def phase_gap():
    names = ["g%d" % i for i in range(6)]
    paths = ["/feeds/%s.xml" % n for n in names]
    for n in names:
        srv.write(n + ".xml", rss(n, ["%s item" % n]))
    body = """default_interval = 1h
host_gap = 1s
""" + "".join('\n[feed "%s"]\nurl = %s\n' % (n, srv.url(n + ".xml"))
              for n in names)
    c = Cluster("gap", database("gap"), body).start()
    try:
        ok = wait_until(lambda: all(p in stats() for p in paths),
                        timeout=30, step=0.2)
        st = quiet(paths, 3)
        check(ok, "host_gap: every feed of the host requested",
              sorted(st)[:20])
        times = sorted(t for p in paths for t in st.get(p, {}).get(
            "times", []))
        gaps = [y - x for x, y in zip(times, times[1:])]
        check(all(st.get(p, {}).get("count") == 1 for p in paths),
              "host_gap: each feed requested once",
              {p: st.get(p, {}).get("count") for p in paths})
        check(gaps and min(gaps) >= 0.85,
              "host_gap = 1s holds across the workers: requests to the "
              "host ~1 s apart", ["%.2f" % g for g in gaps])
    finally:
        c.stop()


# -------------------------------------- 2. and 5. SIGKILL mid-poll, lease
LEASE = 3


class PortWatch:
    """Samples, every 20 ms, the workers' connections to the feed server:
    which worker made each request of the server's stats (the polls of
    this phase hold their connection for seconds)."""

    def __init__(self, c):
        self.c = c
        self.owner = {}
        self.stop_ = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def sample(self):
        for name, d in self.c.workers.items():
            if d.proc.poll() is None:
                for port in tcp_ports(d.proc.pid, srv.port):
                    self.owner[port] = name

    def run(self):
        while not self.stop_.is_set():
            self.sample()
            time.sleep(0.02)

    def stop(self):
        self.stop_.set()
        self.t.join()

    def who(self, st, path):
        s = st.get(path, {"ports": [], "times": []})
        return [(t, self.owner.get(port, "?"))
                for t, port in zip(s["times"], s["ports"])]


def phase_kill(sig=signal.SIGKILL, lease=LEASE, restart=False):
    """A worker with polls running is stopped by sig: SIGKILL, its
    feeds wait for its leases to run out; SIGTERM, it leaves cleanly and
    its leases are free at once (lease is long, to tell them apart).
    restart: SIGKILLed and started again at once under its name, it takes
    its predecessor's leases over at once (and a second worker of a live
    worker's name is refused)."""
    kill = sig == signal.SIGKILL and not restart
    tag = "restart" if restart else "kill" if kill else "term"
    how = "SIGKILLed" if sig == signal.SIGKILL else "SIGTERMed"
    # Within about one lease, or at once when it left cleanly or came
    # back.
    bound = lease + 2.5 if kill else 3.0 if restart else 2.5
    names = ["%s%02d" % (tag[0], i) for i in range(24)]
    paths = ["/drip/%s" % n for n in names]
    for n in names:
        srv.write(n + ".xml", rss(n, ["%s item %d" % (n, k)
                                      for k in range(ITEMS)]))
    # Each poll takes 5 s (10 bytes after the document, 0.5 s apart):
    # longer than the lease, which the heartbeat must renew meanwhile.
    # A worker claims up to 2 * max_connections feeds: with room for all
    # 24 polls in each worker, one that claims them all starts them all
    # (else those it cannot start wait a whole poll for a slot, maybe
    # with another worker idle: not the lease's doing).
    body = """default_interval = 1h
host_gap = 0s
max_connections = 32
max_per_host = 64
""" + "".join('\n[feed "%s"]\nurl = %s/drip/%s?n=10&delay=0.5&feed=%s.xml\n'
              % (n, srv.base, n, n) for n in names)
    c = Cluster(tag, database(tag), body, lease="%ds" % lease)
    if len(c.workers) < 2:
        return
    a = c["wA"]
    c.start()
    watch = PortWatch(c)
    try:
        cl = cluster_of(a)
        check(cl.get("worker") == "wA" and cl.get("lease_s") == lease and
              cl.get("workers_alive") == len(NAMES),
              "wA's status: its name, the lease and %d workers alive"
              % len(NAMES), status(a))
        m = metrics(a)
        check(m.get("feedd_cluster_workers") == len(NAMES),
              "/metrics: feedd_cluster_workers %d" % len(NAMES),
              {k: v for k, v in m.items() if "cluster" in k})

        ok = wait_until(lambda: any(tcp_ports(d.proc.pid, srv.port)
                                    for d in c.workers.values()),
                        timeout=20, step=0.02)
        check(ok, "the workers are polling", c.logs())
        # The polls run 5 s: 1 s into them, the worker with the most of
        # them running is killed (which one claimed what is up to them).
        time.sleep(1.0)
        ports = {n: tcp_ports(d.proc.pid, srv.port)
                 for n, d in c.workers.items()}
        print("# polls running per worker: %s" % {
            n: len(v) for n, v in ports.items()}, flush=True)
        VB = max(ports, key=lambda n: len(ports[n]))
        b = c[VB]
        if VB == "wA":
            a = c["wC"] if "wC" in c.workers else c["wB"]
        held = tcp_ports(b.proc.pid, srv.port)
        watch.sample()
        b.proc.send_signal(sig)
        t_kill = time.time()
        code = b.proc.wait()
        print("# %s exited %s after %.2f s" % (VB, code,
                                              time.time() - t_kill),
              flush=True)
        if sig == signal.SIGTERM:
            check(code == 0, "%s stops cleanly (exit 0) with polls "
                  "running" % VB, b.read_log()[-2000:])
        if restart:
            b.start(wait=False)
            check(wait_for_up(b), "%s starts again at once under its "
                  "name" % VB, b.read_log()[-2000:])
            watch.sample()
        st = stats()
        inflight = sorted(p for p in paths for port in st.get(p, {}).get(
            "ports", []) if port in held)
        print("# %s: %s %s with %d polls in flight: %s" % (
            elapsed(), VB, how, len(inflight), inflight), flush=True)
        check(inflight, "%s was %s in the middle of polls" % (VB, how),
              st)
        leases = {w["name"]: w["leases"] for w in cluster_of(a).get(
            "workers", [])}
        print("# leases just after the kill (status): %s" % leases,
              flush=True)

        want = len(names) * ITEMS
        ok = wait_until(lambda: len(all_entries(a)) >= want, timeout=40,
                        step=0.5)
        st = quiet(paths, 3)
        watch.stop()
        es = all_entries(a)
        per_feed = {}
        for e in es:
            per_feed[e["feed_id"]] = per_feed.get(e["feed_id"], 0) + 1
        check(ok and len(es) == want and len(set(e["guid"] for e in es))
              == want and sorted(per_feed.values()) == [ITEMS] * len(names),
              "nothing lost, nothing twice: %d entries, %d per feed"
              % (want, ITEMS), (len(es), per_feed, c.logs()))

        # Who polled what, before and after the kill.
        before, after = {}, {}
        for p in paths:
            for t, w in watch.who(st, p):
                side = before if t < t_kill else after
                side[w] = side.get(w, 0) + 1
        print("# requests before the kill by worker: %s; after: %s" % (
            before, after), flush=True)

        # The feeds the killed worker held (polls running, or claimed and
        # queued) are polled by the others within about one lease.
        late = {}
        for p in paths:
            reqs = watch.who(st, p)
            if p in inflight or not any(t < t_kill for t, _ in reqs):
                later = [t for t, _ in reqs if t > t_kill]
                late[p] = round(min(later) - t_kill, 2) if later else None
        print("# first request after the kill of the feeds %s held or had "
              "not started (s after the kill): %s" % (VB, late), flush=True)
        check(late and all(v is not None and v <= bound
                           for v in late.values()),
              "%s's feeds are polled by %s within %.1f s"
              % (VB, "its successor or the others" if restart else
                 "the others", bound), late)
        twice = {}
        for p in paths:
            reqs = watch.who(st, p)
            if len(reqs) - (p in inflight) != 1:
                twice[p] = reqs
        check(not twice, "each feed polled once, and again only when "
              "%s's poll of it was cut" % VB, twice)
        if restart:
            phase_same_name(c, VB, a)
            return

        # 5. The status forgets the killed worker once its heartbeat is old.
        ok = wait_until(lambda: cluster_of(a).get("workers_alive") ==
                        len(NAMES) - 1, timeout=4 * LEASE + 10 if kill
                        else 2, step=0.5)
        cl = cluster_of(a)
        print("# %s: %s's cluster status after the kill: %s" % (
            elapsed(), cl.get("worker"), json.dumps(cl)), flush=True)
        check(ok, "workers_alive %d after %s was %s" % (
            len(NAMES) - 1, VB, how), cl)
        ws = cl.get("workers") or []
        live = [n for n in c.workers if n != VB]
        check(sorted(w.get("name") for w in ws)
              == [n for n in NAMES if n != VB] and all(
                  all(k in w for k in ("name", "host", "pid", "started",
                                       "last_seen", "leases", "polls"))
                  for w in ws),
              "the workers list names the live ones, with host, pid, "
              "started, last_seen, leases and polls", ws)
        served = {w: before.get(w, 0) + after.get(w, 0) for w in live}

        def polls():
            return {w.get("name"): w.get("polls") for w in
                    cluster_of(a).get("workers") or []}

        # Counted at each heartbeat (every lease / 3), once stored: the
        # last drips may still be on their way under a sanitizer.
        wait_until(lambda: polls() == served, timeout=4 * lease + 10,
                   step=0.5)
        check(polls() == served, "and their polls, as many as the server "
              "answered them", (polls(), served))
        m = metrics(a)
        check(m.get("feedd_cluster_workers") == len(NAMES) - 1 and
              m.get("feedd_cluster_leases") == 0,
              "/metrics: feedd_cluster_workers %d, feedd_cluster_leases 0"
              % (len(NAMES) - 1),
              {k: v for k, v in m.items() if "cluster" in k})
        live = [n for n in c.workers if n != VB]
        for n in live:
            check(c[n].proc.poll() is None, "%s still runs" % n)
        warn = [line for n in live
                for line in c[n].read_log().splitlines()
                if "error" in line or "warn" in line]
        print("# the live workers' log warnings/errors: %s" % warn[:20],
              flush=True)
    finally:
        watch.stop()
        c.stop()


def phase_same_name(c, name, a):
    """A second worker named as a live one refuses to start."""
    d = c[name]
    with open(d.config) as f:
        text = f.read()
    twin = Daemon(tmp, text, extra_args=("--database", c.uri),
                  name="%s-twin" % d.config.rsplit("/", 1)[1][:-5])
    twin.start(wait=False)
    try:
        code = twin.proc.wait(15)
    except subprocess.TimeoutExpired:
        code = None
    log = twin.read_log()
    check(code not in (None, 0) and name in log,
          "a second worker named %s, while %s runs, refuses to start"
          % (name, name), (code, log[-1500:]))
    twin.stop()
    check(wait_until(lambda: cluster_of(a).get("workers_alive") ==
                     len(NAMES), timeout=5),
          "and the status counts %d workers: the restarted one, not its "
          "predecessor" % len(NAMES), cluster_of(a))


try:
    if "1" in PHASES:
        phase_many()
    if "gap" in PHASES and NWORKERS > 1:
        phase_gap()
    if "kill" in PHASES and NWORKERS > 1:
        phase_kill()
    if "term" in PHASES and NWORKERS > 1:
        phase_kill(signal.SIGTERM, lease=30)
    if "restart" in PHASES and NWORKERS > 1:
        phase_kill(lease=30, restart=True)
finally:
    srv.stop()
print("# total %s" % elapsed(), flush=True)
if os.environ.get("CLUSTER_KEEP"):
    print("# kept %s" % tmp.path, flush=True)
else:
    tmp.cleanup()
done()
