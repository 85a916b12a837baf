#!/usr/bin/env python3
"""The service-manager protocol, as systemd would see it: a notify socket
bound here (a path, then an abstract name), the real feedd started with
WATCHDOG_USEC, and every datagram checked with the sender's credentials
(SO_PASSCRED), as NotifyAccess=main does."""

import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

# feeddtest is in tests/daemon/ (PYTHONPATH, set by meson).
from feeddtest import (FEEDD, FEEDSERVER, TempDir, check, done, http_unix,
                       wait_for_socket)

WATCHDOG_USEC = 1000000         # keep-alive expected every 500 ms


class Listener:
    """Collects (time, pid, {key: value}) for each datagram received."""

    def __init__(self, address, on_message=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(address)
        self.sock.settimeout(0.1)
        self.messages = []
        self.cond = threading.Condition()
        self.on_message = on_message
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        credsize = struct.calcsize("3i")
        while not self.stopping:
            try:
                data, anc, _, _ = self.sock.recvmsg(
                    4096, socket.CMSG_SPACE(credsize))
            except socket.timeout:
                continue
            except OSError:
                return
            pid = None
            for level, kind, cdata in anc:
                if (level == socket.SOL_SOCKET and
                        kind == socket.SCM_CREDENTIALS):
                    pid, _, _ = struct.unpack("3i", cdata[:credsize])
            fields = {}
            for line in data.decode("utf-8", "replace").split("\n"):
                if "=" in line:
                    k, v = line.split("=", 1)
                    fields[k] = v
            extra = self.on_message(fields) if self.on_message else None
            with self.cond:
                self.messages.append((time.monotonic(), pid, fields, extra))
                self.cond.notify_all()

    def wait_for(self, key, start=0, timeout=10.0):
        """Index of the first message from start on that has key."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.messages)):
                    if key in self.messages[i][2]:
                        return i
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def with_key(self, key, since=0.0):
        with self.cond:
            return [m for m in self.messages if key in m[2] and m[0] >= since]

    def close(self):
        self.stopping = True
        self.thread.join()
        self.sock.close()


def start_feedd(tmp, name, notify_socket, watchdog_pid=None):
    conf = tmp.write(f"{name}.conf", "[feedd]\nlog_level = debug\n")
    sock = tmp.join(f"{name}.sock")
    db = tmp.join(f"{name}.db")
    env = dict(os.environ, NOTIFY_SOCKET=notify_socket,
               WATCHDOG_USEC=str(WATCHDOG_USEC))
    log = open(tmp.join(f"{name}.log"), "wb")
    args = [FEEDD, "-c", conf, "--socket", sock, "--database", db]
    if watchdog_pid == "self":
        # WATCHDOG_PID must name feedd itself: the shell's pid is the one
        # feedd gets when the shell execs it.
        args = ["/bin/sh", "-c", 'WATCHDOG_PID=$$ exec "$@"', "sh", *args]
    elif watchdog_pid is not None:
        env["WATCHDOG_PID"] = str(watchdog_pid)
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                            env=env)
    log.close()
    return proc, sock, db


def read(tmp, name):
    with open(tmp.join(f"{name}.log"), encoding="utf-8",
              errors="replace") as f:
        return f.read()


def full_cycle(tmp):
    """Path socket: READY after the API answers, watchdog cadence, reload,
    stop."""
    sock_path = tmp.join("feedd.sock")
    state = {}

    def probe(fields):
        # Runs as the datagram arrives, before feedd can do much else.
        if "READY" in fields and "api" not in state:
            try:
                status, doc, _ = http_unix(sock_path, "GET", "/v1/status",
                                           timeout=5)
                state["api"] = status
            except OSError as e:
                state["api"] = repr(e)
            state["db_exists"] = os.path.exists(tmp.join("feedd.db"))
        return None

    notify_path = tmp.join("notify")
    lis = Listener(notify_path, probe)
    proc, sock, db = start_feedd(tmp, "feedd", notify_path,
                                 watchdog_pid="self")
    try:
        i = lis.wait_for("READY")
        check(i is not None, "READY=1 arrives", read(tmp, "feedd"))
        if i is None:
            return
        t_ready, pid, fields, _ = lis.messages[i]
        check(pid == proc.pid, "READY=1 comes from feedd's own pid",
              f"sender {pid}, feedd {proc.pid}")
        check(state.get("api") == 200,
              "the API answers the moment READY=1 arrives",
              f"GET /v1/status: {state.get('api')}")
        check(state.get("db_exists") is True,
              "the database exists when READY=1 arrives")
        check("feed" in fields.get("STATUS", ""),
              "READY=1 carries a STATUS= line", fields)
        earlier = [m for m in lis.messages[:i] if "READY" in m[2]]
        check(not earlier, "no READY=1 before that")

        # Watchdog: keep-alives every WATCHDOG_USEC/2 from feedd's pid.
        time.sleep(2.0)
        wd = lis.with_key("WATCHDOG", since=t_ready)
        times = [m[0] for m in wd]
        gaps = [b - a for a, b in zip(times, times[1:])]
        half = WATCHDOG_USEC / 2e6
        check(len(wd) >= 3, f"WATCHDOG=1 keeps coming ({len(wd)} in 2 s)")
        check(all(half * 0.5 <= g <= WATCHDOG_USEC / 1e6 for g in gaps),
              "WATCHDOG=1 at half the interval",
              f"gaps {[round(g, 3) for g in gaps]}, expected ~{half}")
        check(all(m[1] == proc.pid for m in wd),
              "every WATCHDOG=1 comes from feedd's pid",
              {m[1] for m in wd})
        check(all(m[2].get("WATCHDOG") == "1" for m in wd),
              "WATCHDOG=1 is exactly that")

        # Reload: RELOADING=1 with MONOTONIC_USEC, then READY=1.
        n = len(lis.messages)
        before_us = time.monotonic_ns() // 1000
        proc.send_signal(signal.SIGHUP)
        r = lis.wait_for("RELOADING", start=n)
        check(r is not None, "SIGHUP brings RELOADING=1", read(tmp, "feedd"))
        if r is not None:
            f = lis.messages[r][2]
            mono = int(f.get("MONOTONIC_USEC", "0"))
            check(before_us <= mono <= time.monotonic_ns() // 1000,
                  "RELOADING=1 carries MONOTONIC_USEC= of the moment",
                  f"{before_us} <= {mono}")
            ready = lis.wait_for("READY", start=r)
            check(ready is not None and ready > r,
                  "READY=1 follows RELOADING=1")
        check(proc.poll() is None, "feedd still runs after the reload")

        # Stop.
        n = len(lis.messages)
        proc.send_signal(signal.SIGTERM)
        s = lis.wait_for("STOPPING", start=n)
        check(s is not None and lis.messages[s][1] == proc.pid,
              "SIGTERM brings STOPPING=1 from feedd")
        try:
            code = proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
        check(code == 0, f"feedd exits 0 after SIGTERM (got {code})",
              read(tmp, "feedd"))
        check(not os.path.exists(sock),
              "feedd removes the socket it created")
        log = read(tmp, "feedd")
        check(not re.search(r"feedd: (warning|error):", log),
              "a clean run logs no warning or error", log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        lis.close()


def abstract_and_foreign_watchdog(tmp):
    """Abstract notify socket; WATCHDOG_PID naming another process means no
    keep-alives from us."""
    name = f"\0feedd-test-{os.getpid()}-{time.monotonic_ns()}"
    lis = Listener(name)
    proc, sock, _ = start_feedd(tmp, "abstract", "@" + name[1:],
                                watchdog_pid=os.getpid())
    try:
        i = lis.wait_for("READY")
        check(i is not None, "READY=1 reaches an abstract notify socket",
              read(tmp, "abstract"))
        check(wait_for_socket(sock, proc), "the API is up")
        time.sleep(1.0)
        check(not lis.with_key("WATCHDOG"),
              "no WATCHDOG=1 when WATCHDOG_PID names another process")
        proc.send_signal(signal.SIGTERM)
        check(lis.wait_for("STOPPING") is not None,
              "STOPPING=1 on the abstract socket")
        check(proc.wait(15) == 0, "feedd exits 0", read(tmp, "abstract"))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        lis.close()


def unreachable_manager(tmp):
    """A notify socket nobody listens on costs a warning, not the daemon."""
    proc, sock, _ = start_feedd(tmp, "gone", tmp.join("nobody-here"))
    try:
        # An answer, not just a socket: the loop (and its SIGTERM handler)
        # is running only then.
        up = wait_for_socket(sock, proc)
        try:
            up = up and http_unix(sock, "GET", "/v1/status")[0] == 200
        except OSError:
            up = False
        check(up, "feedd runs without a manager", read(tmp, "gone"))
        proc.send_signal(signal.SIGTERM)
        check(proc.wait(15) == 0, "and exits 0")
        log = read(tmp, "gone")
        check(log.count("cannot notify the service manager") == 1,
              "the failure is logged once", log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def children_inherit_nothing(tmp):
    """A topic's hook command sees none of the manager's variables:
    NotifyAccess=main would ignore its messages, but it should not even
    know where to send them."""
    www = tmp.join("www")
    os.makedirs(www, exist_ok=True)
    tmp.write("www/ci.xml", '<?xml version="1.0"?><rss version="2.0">'
              '<channel><title>ci</title><link>http://ci.example/</link>'
              '<description>d</description><item><guid>ci-1</guid>'
              '<title>Kyiv notify check</title>'
              '<link>http://ci.example/1</link></item></channel></rss>')
    srv = subprocess.Popen([sys.executable, FEEDSERVER, "--root", www],
                           stdout=subprocess.PIPE, text=True)
    envfile = tmp.join("notify-env.txt")
    notify_path = tmp.join("notify-children")
    lis = Listener(notify_path)
    proc = None
    try:
        port = int(srv.stdout.readline().split()[1])
        conf = (f"[feedd]\nlog_level = info\n\n"
                f"[feed \"ci\"]\nurl = http://127.0.0.1:{port}/feeds/ci.xml\n"
                f"\n[hook \"env\"]\n"
                f"command = /bin/sh -c \"env > {envfile}.tmp && "
                f"mv {envfile}.tmp {envfile}\"\n"
                f"\n[topic \"kyiv\"]\nquery = kyiv\nnotify = env\n")
        tmp.write("children.conf", conf)
        env = dict(os.environ, NOTIFY_SOCKET=notify_path,
                   WATCHDOG_USEC=str(WATCHDOG_USEC), LISTEN_FDS="0",
                   LISTEN_FDNAMES="")
        log = open(tmp.join("children.log"), "wb")
        proc = subprocess.Popen(
            ["/bin/sh", "-c", 'LISTEN_PID=$$ WATCHDOG_PID=$$ exec "$@"',
             "sh", FEEDD, "-c", tmp.join("children.conf"),
             "--socket", tmp.join("children.sock"),
             "--database", tmp.join("children.db")],
            stdout=log, stderr=subprocess.STDOUT, env=env)
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not os.path.exists(envfile):
            time.sleep(0.1)
        if not check(os.path.exists(envfile),
                     "a topic's hook command ran",
                     read(tmp, "children")):
            return
        with open(envfile) as f:
            names = {line.split("=", 1)[0] for line in f if "=" in line}
        check("FEEDD_TOPIC" in names, "with feedd's own variables", names)
        leaked = names & {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
                          "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"}
        check(not leaked, "and none of the service manager's", leaked)
        check(lis.wait_for("READY") is not None,
              "while feedd itself still notifies")
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        srv.kill()
        srv.wait()
        srv.stdout.close()
        lis.close()


def main():
    tmp = TempDir()
    try:
        full_cycle(tmp)
        abstract_and_foreign_watchdog(tmp)
        unreachable_manager(tmp)
        children_inherit_nothing(tmp)
    finally:
        tmp.cleanup()
    done()


if __name__ == "__main__":
    main()
