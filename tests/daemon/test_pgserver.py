"""pgserver.py, the PostgreSQL the tests start: it runs as an unprivileged
user, answers only on its Unix socket in a directory only it and root can
enter, and is stopped and removed when the test fails, raises or is
SIGTERMed (meson's timeout). Without PostgreSQL a test fails, never skips."""

import os
import pwd
import signal
import subprocess
import sys
import time

import feeddtest as T
import pgserver

HERE = os.path.dirname(os.path.abspath(__file__))

# A test that starts a server, says where, then fails or waits.
CHILD = """
import sys, time
sys.path.insert(0, {here!r})
import pgserver
with pgserver.PgServer() as pg:
    print(pg.pid(), pg.dir, flush=True)
    if sys.argv[1] == "raise":
        raise AssertionError("the test failed")
    time.sleep(60)
"""


def gone(pid, path, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return not os.path.exists(path)
        time.sleep(0.1)
    return False


def child(how):
    p = subprocess.Popen([sys.executable, "-c", CHILD.format(here=HERE),
                          how], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline().split()
    return p, int(line[0]), line[1]


def main():
    with pgserver.PgServer() as pg:
        pid = pg.pid()
        T.check(pid is not None, "the server runs")
        uid = os.stat(f"/proc/{pid}").st_uid
        if os.geteuid() == 0:
            T.check(uid != 0, "not as root",
                    f"uid {uid} ({pwd.getpwuid(uid).pw_name})")
        T.check(os.stat(pg.dir).st_mode & 0o777 == 0o700,
                "its directory is its own (0700)")
        T.check(os.path.exists(os.path.join(pg.dir, ".s.PGSQL.5432")),
                "its socket is in its directory")
        T.check(pg.psql("SHOW listen_addresses").strip() == "",
                "it listens on no TCP address")
        pg.create_database("feedd")
        out = pg.psql("SELECT current_user, inet_server_addr() IS NULL,"
                      " version()", "feedd")
        T.check(out.startswith("feedd|t|PostgreSQL 15"),
                "PostgreSQL 15, reached as 'feedd' over the socket", out)
        T.check(pg.uri("feedd").startswith("postgresql://feedd@/feedd?host="
                                           "%2F"), "a libpq URI for it",
                pg.uri("feedd"))
        T.check(pg.psql("SELECT 1", pg.uri("feedd")).strip() == "1",
                "which libpq connects with", pg.uri("feedd"))
        path = pg.dir
    T.check(gone(pid, path), "stopped and removed at the end")

    p, pid, path = child("raise")
    _, err = p.communicate(timeout=60)
    T.check(p.returncode != 0 and "the test failed" in err,
            "a failing test fails", err)
    T.check(gone(pid, path), "a failing test's server is stopped, its "
            "directory removed")

    p, pid, path = child("wait")
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)
    T.check(gone(pid, path), "SIGTERM (meson's timeout) stops it too")

    env = dict(os.environ, FEEDD_PG_BINDIR="/nonexistent")
    r = subprocess.run([sys.executable,
                        os.path.join(HERE, "..", "unit", "with_pg.py"),
                        "/bin/true"], env=env, capture_output=True,
                       text=True, timeout=60)
    T.check(r.returncode != 0 and r.stdout.startswith("Bail out!") and
            "PostgreSQL is not installed" in r.stdout,
            "without PostgreSQL a test fails, and says why", r.stdout)
    T.done()


if __name__ == "__main__":
    main()
