#!/usr/bin/env python3
"""Socket activation with systemd-socket-activate: the client connects
before feedd runs, feedd gets the listening socket as fd 3 (named "api" in
LISTEN_FDNAMES) and answers; it never unlinks or chmods that socket, and
closes passed sockets that are not its own."""

import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

# feeddtest is in tests/daemon/ (PYTHONPATH, set by meson).
from feeddtest import FEEDD, TempDir, check, done, feedctl

ACTIVATE = shutil.which("systemd-socket-activate")


def wait_path(path, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


def activate(tmp, name, listen, fdnames):
    """systemd-socket-activate on the given paths, feedd behind it. It
    passes only a few variables on: hand over the sanitizers' and keep
    feedd's default paths inside tmp."""
    conf = tmp.write(f"{name}.conf", "[feedd]\nlog_level = info\n")
    home = tmp.join(f"{name}-home")
    os.makedirs(home, exist_ok=True)
    args = [ACTIVATE]
    for p in listen:
        args += ["-l", p]
    args += [f"--fdname={fdnames}", "-E", f"HOME={home}",
             "-E", f"XDG_RUNTIME_DIR={home}/run",
             "-E", f"XDG_STATE_HOME={home}/state"]
    for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
                "MALLOC_PERTURB_"):
        if var in os.environ:
            args += ["-E", f"{var}={os.environ[var]}"]
    args += [FEEDD, "-c", conf, "--database", tmp.join(f"{name}.db")]
    log = open(tmp.join(f"{name}.log"), "wb")
    # A umask feedd would never use, so that a chmod would show.
    old = os.umask(0o002)
    try:
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    finally:
        os.umask(old)
        log.close()
    return proc, home


def read(tmp, name):
    with open(tmp.join(f"{name}.log"), encoding="utf-8",
              errors="replace") as f:
        return f.read()


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


def single(tmp):
    sock = tmp.join("api.sock")
    proc, home = activate(tmp, "single", [sock], "api")
    try:
        check(wait_path(sock, proc), "systemd-socket-activate listens",
              read(tmp, "single"))
        mode = stat.S_IMODE(os.stat(sock).st_mode)
        # feedd is not running yet: this very request starts it.
        r = feedctl("--socket", sock, "--json", "status", timeout=20)
        check(r.returncode == 0, "the first client's request is answered",
              f"{r.stdout}\n{r.stderr}\n{read(tmp, 'single')}")
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            doc = {}
        check(doc.get("pid") == proc.pid,
              "by feedd, exec'd in place of the activator",
              f"status pid {doc.get('pid')}, activator {proc.pid}")
        log = read(tmp, "single")
        check("listening on the socket passed by systemd" in log,
              "feedd says it uses the passed socket", log)
        check(stat.S_IMODE(os.stat(sock).st_mode) == mode,
              "feedd leaves the passed socket's mode alone",
              f"{oct(mode)} -> {oct(stat.S_IMODE(os.stat(sock).st_mode))}")
        r = feedctl("--socket", sock, "status")
        check(r.returncode == 0, "later requests are answered too",
              r.stderr)
        code = stop(proc)
        check(code == 0, f"feedd exits 0 on SIGTERM (got {code})",
              read(tmp, "single"))
        check(os.path.exists(sock),
              "feedd does not unlink a socket it did not create")
        check(not os.path.exists(os.path.join(home, "run", "feedd")),
              "and creates no socket of its own")
        log = read(tmp, "single")
        check(not re.search(r"feedd: (warning|error):", log),
              "no warnings", log)
    finally:
        stop(proc)


def named_among_others(tmp):
    other = tmp.join("other.sock")
    api = tmp.join("named.sock")
    proc, _ = activate(tmp, "named", [other, api], "other:api")
    try:
        check(wait_path(api, proc), "two sockets are listening",
              read(tmp, "named"))
        r = feedctl("--socket", api, "--json", "status", timeout=20)
        check(r.returncode == 0, "feedd serves the socket named api",
              f"{r.stderr}\n{read(tmp, 'named')}")
        log = read(tmp, "named")
        check("passed socket 'other'" in log,
              "and says it closes the one named other", log)
        r = feedctl("--socket", other, "status", timeout=10)
        check(r.returncode != 0, "which then answers nothing")
        check(stop(proc) == 0, "feedd exits 0", read(tmp, "named"))
    finally:
        stop(proc)


def main():
    if ACTIVATE is None:
        print("1..0 # SKIP systemd-socket-activate not installed")
        sys.exit(77)
    tmp = TempDir()
    try:
        single(tmp)
        named_among_others(tmp)
    finally:
        tmp.cleanup()
    done()


if __name__ == "__main__":
    main()
