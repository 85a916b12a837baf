"""Helpers shared by the integration tests: temporary directories, the real
feedd and feedctl binaries, and small assertions that print what went wrong.

Every test runs the binaries named by $FEEDD and $FEEDCTL (set by meson)."""

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

FEEDD = os.environ.get("FEEDD", "feedd")
FEEDCTL = os.environ.get("FEEDCTL", "feedctl")
SRCDIR = os.environ.get("TESTS_SRCDIR", os.path.dirname(os.path.abspath(__file__)))
# The suite's HTTP server, next to this file.
FEEDSERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          "feedserver.py")
# FEEDD_TEST_STORE=postgresql runs the daemons of a test on the PostgreSQL
# store: one server for the whole test process (pgserver.py), a fresh
# database for each daemon name in each temporary directory. Unset or
# "sqlite": a SQLite file in the temporary directory.
STORE = os.environ.get("FEEDD_TEST_STORE", "sqlite")
if STORE not in ("sqlite", "postgresql"):
    raise SystemExit(f"FEEDD_TEST_STORE={STORE}: 'sqlite' or 'postgresql'")
ON_PG = STORE == "postgresql"
# Built with -Db_sanitize (ASan, UBSan): peak RSS measures the sanitizer.
SANITIZED = os.environ.get("FEEDD_SANITIZED") == "1"

failures = 0
checks = 0

# Every process a test starts (daemons, feed servers, feedctl) is tracked so
# that none outlives the test, even when meson's timeout SIGTERMs it.
_children = []
_Popen = subprocess.Popen


class _TrackedPopen(_Popen):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _children.append(self)


subprocess.Popen = _TrackedPopen


@atexit.register
def _reap_children():
    for p in _children:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass


def _on_sigterm(signum, frame):
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_sigterm)


def check(cond, what, detail=None):
    """Records one assertion; prints TAP-like lines for the log."""
    global failures, checks
    checks += 1
    if cond:
        print(f"ok {checks} - {what}", flush=True)
    else:
        failures += 1
        print(f"not ok {checks} - {what}", flush=True)
        if detail is not None:
            for line in str(detail).splitlines():
                print(f"#   {line}", flush=True)
    return cond


def done():
    print(f"1..{checks}", flush=True)
    sys.exit(1 if failures else 0)


class TempDir:
    def __init__(self, prefix="feedd-test-"):
        self.path = tempfile.mkdtemp(prefix=prefix)

    def join(self, *parts):
        return os.path.join(self.path, *parts)

    def write(self, name, text, mode="w"):
        p = self.join(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, mode) as f:
            f.write(text)
        return p

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on just now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for_socket(path, proc=None, timeout=10.0):
    """Waits until something accepts connections on the Unix socket."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            s.close()
            return True
        except OSError:
            time.sleep(0.02)
    return False


_pg = None
_pg_databases = {}


def pg_server():
    """The test process's PostgreSQL server, started on first use."""
    global _pg
    if _pg is None:
        import pgserver
        _pg = pgserver.PgServer().start()
    return _pg


def store_database(tmp, name="feedd"):
    """The database = value for the daemon name in tmp: a SQLite file
    there, or on the PostgreSQL store a database of its own, made on first
    use and the same one afterwards (a restarted daemon finds its data)."""
    if not ON_PG:
        return tmp.join(f"{name}.db")
    key = (tmp.path, name)
    if key not in _pg_databases:
        pg = pg_server()
        dbname = "t%d" % len(_pg_databases)
        pg.create_database(dbname)
        _pg_databases[key] = pg.uri(dbname)
        print(f"# {name}: PostgreSQL database {dbname}", flush=True)
    return _pg_databases[key]


def pg_psql(database, sql):
    """Runs sql on a daemon's PostgreSQL database (a store_database URI)."""
    return pg_server().psql(sql, database)


def store_rows(database, sql):
    """The rows of a SELECT on a daemon's store (a store_database value),
    as tuples of Python values, whichever store it is: for the checks that
    look behind the API at what is kept (SQL both stores understand)."""
    if not ON_PG:
        import sqlite3
        c = sqlite3.connect(database)
        try:
            return c.execute(sql).fetchall()
        finally:
            c.close()
    # Each row as a JSON object, its columns in order (name them apart).
    out = pg_psql(database, "SELECT coalesce(json_agg(q), '[]') FROM (%s) q"
                  % sql)
    return [tuple(r.values()) for r in json.loads(out)]


def store_dump(database):
    """All a daemon's store holds, as bytes to search for what must not be
    there: the SQLite file and its WAL, or pg_dump's text of the database
    (bytea in hex)."""
    if ON_PG:
        return pg_server().dump(database).encode()
    data = b""
    for path in (database, database + "-wal"):
        if os.path.exists(path):
            with open(path, "rb") as f:
                data += f.read()
    return data


def store_exec(database, statements):
    """Runs SQL statements both stores understand on a stopped daemon's
    store, in one transaction (to move its clock back, say)."""
    if ON_PG:
        pg_psql(database, "BEGIN; %s; COMMIT" % "; ".join(statements))
        return
    import sqlite3
    c = sqlite3.connect(database)
    try:
        for sql in statements:
            c.execute(sql)
        c.commit()
    finally:
        c.close()


class Daemon:
    """A running feedd on a config of the test's making."""

    def __init__(self, tmp, config_text, extra_args=(), env=None, name="feedd"):
        self.tmp = tmp
        self.config = tmp.write(f"{name}.conf", config_text)
        self.socket = tmp.join(f"{name}.sock")
        self.database = store_database(tmp, name)
        self.log_path = tmp.join(f"{name}.log")
        self.args = [FEEDD, "-c", self.config, "--socket", self.socket,
                     "--database", self.database, *extra_args]
        self.env = dict(os.environ, **(env or {}))
        self.env.pop("NOTIFY_SOCKET", None)
        self.proc = None

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=self.log,
                                     stderr=subprocess.STDOUT, env=self.env)
        if wait and not wait_for_socket(self.socket, self.proc):
            raise RuntimeError(f"feedd did not come up:\n{self.read_log()}")
        return self

    def read_log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=15):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None
        finally:
            self.log.close()

    def ctl(self, *args, input=None, timeout=30):
        return feedctl("--socket", self.socket, *args, input=input,
                       timeout=timeout)

    def ctl_json(self, *args):
        r = self.ctl("--json", *args)
        if r.returncode != 0:
            raise RuntimeError(f"feedctl {' '.join(args)} failed "
                               f"({r.returncode}): {r.stderr}")
        return json.loads(r.stdout)


def run_on_tty(argv, env, rows=24, cols=80, timeout=20):
    """Runs argv with stdout on a pseudo-terminal of rows x cols (stdin
    empty, stderr a pipe) in exactly env; returns (exit code, what the
    terminal showed with CRLF as LF, stderr)."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ,
                struct.pack("HHHH", rows, cols, 0, 0))
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=slave,
                         stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = b""
    while True:
        try:
            b = os.read(master, 65536)
        except OSError:
            break
        if not b:
            break
        out += b
    err = p.stderr.read().decode("utf-8", "replace")
    p.wait(timeout)
    os.close(master)
    return (p.returncode,
            out.decode("utf-8", "replace").replace("\r\n", "\n"), err)


def feedctl(*args, input=None, timeout=30, env=None):
    return subprocess.run([FEEDCTL, *args], capture_output=True, text=True,
                          input=input, timeout=timeout,
                          env=dict(os.environ, **(env or {})))


def http_unix(sock_path, method, path, body=None, raw=None, timeout=10):
    """One HTTP/1.1 request over a Unix socket with the stdlib client."""
    import http.client

    class Conn(http.client.HTTPConnection):
        def connect(self):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(sock_path)

    c = Conn("localhost", timeout=timeout)
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    elif raw is not None:
        data = raw
    c.request(method, path, body=data, headers=headers)
    r, doc, text = _answer(c)
    return r.status, doc, text


def http_tcp(port, method, path, headers=(), body=None, timeout=15):
    """One request to 127.0.0.1:port; headers are (name, value) pairs, sent
    as given (a name may repeat); body is JSON text. Returns the response
    (status, getheader()), the JSON answer or None, and the raw body."""
    import http.client

    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    data = body.encode() if body is not None else b""
    c.putrequest(method, path)
    for k, v in headers:
        c.putheader(k, v)
    if body is not None:
        c.putheader("Content-Type", "application/json")
    c.putheader("Content-Length", str(len(data)))
    c.endheaders(data)
    return _answer(c)


def _answer(c):
    r = c.getresponse()
    text = r.read()
    c.close()
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    return r, doc, text


def rss(name, items):
    """An RSS 2.0 document of the channel name: items are (title,
    description) or (title, description, link) tuples, the first the
    newest, published an hour apart on 3 September 2025."""
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0">'
           '<channel><title>%s</title><link>https://%s.example/</link>'
           '<description>d</description>' % (name, name)]
    for i, item in enumerate(items):
        title, desc = item[0], item[1]
        link = item[2] if len(item) > 2 else "https://%s.example/%d" % (
            name, i)
        out.append('<item><guid>%s-%d</guid><title>%s</title>'
                   '<link>%s</link>'
                   '<pubDate>Wed, 03 Sep 2025 1%d:00:00 GMT</pubDate>'
                   '<description>%s</description></item>'
                   % (name, i, title, link, i, desc))
    out.append("</channel></rss>\n")
    return "".join(out)
