"""A real PostgreSQL server for the tests: initdb in a temporary directory,
started with pg_ctl, reached only through a Unix socket in that directory
(no TCP port), stopped and removed at the end, even when the test fails or
meson's timeout SIGTERMs it.

PostgreSQL refuses to run as root, and the suite runs as root: then the
server runs as the 'postgres' user that Debian's package makes (else
'nobody'), and the directory is handed to that user. The clients (tests,
feedd) connect as the database superuser 'feedd' over the socket, with
trust authentication: the directory is 0700, so only root and the server's
user reach the socket.

    with PgServer() as pg:
        pg.create_database("feedd")
        pg.conninfo("feedd")   # host=/tmp/feedd-pg-... user=feedd dbname=feedd
        pg.uri("feedd")        # postgresql://feedd@/feedd?host=%2Ftmp%2F...

PgServer(settings="fsync = on\n...") appends lines to postgresql.conf after
the throwaway settings below (a later line wins): a benchmark that wants a
durable server says so.

A missing PostgreSQL is an error, not a skip: CI installs it
(scripts/deps.txt)."""

import atexit
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

# Debian's PostgreSQL 15 (package postgresql-15); FEEDD_PG_BINDIR overrides.
PG_BINDIR = os.environ.get("FEEDD_PG_BINDIR", "/usr/lib/postgresql/15/bin")
SUPERUSER = "feedd"
PORT = 5432     # names the socket file only: nothing listens on TCP

# Settings for a throwaway server: small, and no durability to wait for.
_SETTINGS = """
listen_addresses = ''
unix_socket_directories = '{sockdir}'
unix_socket_permissions = 0700
port = {port}
max_connections = 40
shared_buffers = 16MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
"""


class PgError(RuntimeError):
    pass


def _server_user():
    """(uid, gid) to run the server as, or None to run as ourselves."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            continue
        return pw.pw_uid, pw.pw_gid
    raise PgError("no 'postgres' or 'nobody' user to run PostgreSQL as "
                  "(it refuses to run as root)")


class PgServer:
    def __init__(self, name="feedd-pg", settings=""):
        self.name = name
        self.settings = settings
        self.dir = None
        self.started = False
        self._user = None

    # The server's tools run as the server's user; clients (psql) too, which
    # does not matter: they connect as SUPERUSER over the socket.
    def _run(self, tool, *args, check=True):
        path = os.path.join(PG_BINDIR, tool)
        kw = {}
        if self._user is not None:
            kw = {"user": self._user[0], "group": self._user[1],
                  "extra_groups": []}
        r = subprocess.run([path, *args], cwd=self.dir, capture_output=True,
                           text=True, stdin=subprocess.DEVNULL, **kw)
        if check and r.returncode != 0:
            raise PgError(f"{tool} {' '.join(args)} failed "
                          f"({r.returncode}):\n{r.stdout}{r.stderr}"
                          f"{self._log_tail()}")
        return r

    @property
    def datadir(self):
        return os.path.join(self.dir, "data")

    @property
    def logfile(self):
        return os.path.join(self.dir, "server.log")

    def _log_tail(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return "\nserver log:\n" + f.read()[-4000:]
        except OSError:
            return ""

    def start(self):
        for tool in ("initdb", "pg_ctl", "postgres"):
            if not os.access(os.path.join(PG_BINDIR, tool), os.X_OK):
                raise PgError(
                    f"PostgreSQL is not installed: no {tool} in {PG_BINDIR} "
                    "(install Debian's postgresql and libpq-dev: "
                    "scripts/dev deps)")
        self._user = _server_user()
        self.dir = tempfile.mkdtemp(prefix=self.name + "-")
        # From here on, stop() cleans whatever got made.
        atexit.register(self.stop)
        _catch_sigterm()
        if self._user is not None:
            os.chown(self.dir, self._user[0], self._user[1])
        os.chmod(self.dir, 0o700)
        self._run("initdb", "--pgdata", self.datadir, "--username",
                  SUPERUSER, "--auth", "trust", "--encoding", "UTF8",
                  "--no-locale", "--no-sync", "--no-instructions")
        with open(os.path.join(self.datadir, "postgresql.conf"), "a") as f:
            f.write(_SETTINGS.format(sockdir=self.dir, port=PORT))
            f.write(self.settings)
        self.started = True
        self._run("pg_ctl", "--pgdata", self.datadir, "--log", self.logfile,
                  "--wait", "--timeout", "60", "start")
        return self

    def stop(self):
        """Stops the server (fast, else immediate, else SIGKILL) and removes
        its directory. Safe to call more than once."""
        if self.dir is None:
            return
        if self.started:
            self.started = False
            for mode in ("fast", "immediate"):
                r = self._run("pg_ctl", "--pgdata", self.datadir, "--mode",
                              mode, "--wait", "--timeout", "30", "stop",
                              check=False)
                if r.returncode == 0 or self.pid() is None:
                    break
            pid = self.pid()
            if pid is not None:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None

    def pid(self):
        """The postmaster's pid while it runs, else None."""
        try:
            with open(os.path.join(self.datadir, "postmaster.pid")) as f:
                pid = int(f.readline())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError, TypeError):
            return None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()
        return False

    def conninfo(self, dbname="postgres"):
        """A libpq key=value connection string to dbname."""
        return (f"host={self.dir} port={PORT} user={SUPERUSER} "
                f"dbname={dbname}")

    def uri(self, dbname="postgres"):
        """The same as a postgresql:// URI (feedd's database = form)."""
        host = urllib.parse.quote(self.dir, safe="")
        return (f"postgresql://{SUPERUSER}@/{dbname}?host={host}"
                f"&port={PORT}")

    def psql(self, sql, dbname="postgres"):
        """Runs sql through psql on dbname (or a connection string);
        returns its unaligned, tuples-only output."""
        if "=" not in dbname and "://" not in dbname:
            dbname = self.conninfo(dbname)
        r = self._run("psql", "--no-psqlrc", "--quiet", "--tuples-only",
                      "--no-align", "--set", "ON_ERROR_STOP=1",
                      "--dbname", dbname, "--command", sql)
        return r.stdout

    def dump(self, dbname):
        """pg_dump's plain-text dump of dbname (a name or connection
        string): everything the database holds, as text."""
        if "=" not in dbname and "://" not in dbname:
            dbname = self.conninfo(dbname)
        return self._run("pg_dump", "--no-owner", "--dbname", dbname).stdout

    def create_database(self, dbname):
        self._run("createdb", "--host", self.dir, "--port", str(PORT),
                  "--username", SUPERUSER, dbname)
        return self.conninfo(dbname)


def _catch_sigterm():
    """meson's timeout sends SIGTERM: turn it into SystemExit, so that the
    with-blocks and atexit stop the server (pg_ctl detached it from us)."""
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda n, f: sys.exit(128 + n))


if __name__ == "__main__":
    # By hand: python3 pgserver.py  starts one and waits for Ctrl-C.
    with PgServer() as pg:
        pg.create_database("feedd")
        print(pg.conninfo("feedd"), flush=True)
        print(pg.uri("feedd"), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
