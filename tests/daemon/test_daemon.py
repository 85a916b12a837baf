"""The daemon's life cycle as a user sees it: start, answer on the socket
(feedctl and curl), reload on SIGHUP, refuse a second instance, replace a
stale socket, stop on SIGTERM leaving no socket behind."""
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import time

from feeddtest import (Daemon, TempDir, check, done, feedctl, http_unix,
                       wait_for_socket)

tmp = TempDir()
conf = """
[feedd]
log_level = info
default_interval = 1h

[feed "one"]
url = file:///nonexistent/one.xml
"""

d = Daemon(tmp, conf).start()
st = os.stat(d.socket)
check(stat.S_ISSOCK(st.st_mode), "socket file exists")
check(stat.S_IMODE(st.st_mode) == 0o660, "socket mode is 0660",
      oct(stat.S_IMODE(st.st_mode)))

r = d.ctl("status")
check(r.returncode == 0, "feedctl status exits 0", r.stderr)
check("feedd " in r.stdout and "up " in r.stdout, "status is a readable summary",
      r.stdout)

r = d.ctl("--json", "status")
doc = json.loads(r.stdout) if r.returncode == 0 else {}
check(doc.get("version") and doc.get("pid") == d.proc.pid,
      "feedctl --json status gives version and the daemon's pid", r.stdout)
r = d.ctl("status", "--json")
check(r.returncode == 0 and json.loads(r.stdout).get("pid") == d.proc.pid,
      "--json also works after the command", r.stdout)

if shutil.which("curl"):
    r = subprocess.run(["curl", "-s", "--unix-socket", d.socket,
                        "http://localhost/v1/status"], capture_output=True,
                       text=True, timeout=10)
    check(r.returncode == 0 and json.loads(r.stdout).get("pid") == d.proc.pid,
          "curl --unix-socket reaches /v1/status", r.stdout + r.stderr)

code, doc, _ = http_unix(d.socket, "GET", "/v1/nonexistent")
check(code == 404, "unknown path answers 404", code)
check(isinstance(doc, dict) and doc.get("error", {}).get("code") == "not_found"
      and doc["error"].get("message"), "404 has the JSON error shape", doc)

code, doc, _ = http_unix(d.socket, "DELETE", "/v1/status")
check(code == 405 and doc["error"]["code"] == "method_not_allowed",
      "wrong method answers 405 with the error shape", (code, doc))

# Garbage on the socket: the daemon answers 400 or closes, and lives on.
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(d.socket)
s.sendall(b"\x00\xffGARBAGE / HTTP/9.9\r\n\r\n" + os.urandom(512))
try:
    s.recv(4096)
except OSError:
    pass
s.close()
r = d.ctl("status")
check(r.returncode == 0, "daemon still answers after garbage on the socket",
      r.stderr)

# A second daemon on the same socket refuses to start and leaves it alone.
d2 = Daemon(tmp, conf, name="second")
d2.socket = d.socket
d2.args[d2.args.index("--socket") + 1] = d.socket
d2.start(wait=False)
rc = d2.proc.wait(10)
check(rc == 1, "a second feedd on a live socket exits 1", rc)
check("already listening" in d2.read_log(), "and says another feedd is there",
      d2.read_log())
check(d.ctl("status").returncode == 0, "the first one still answers")

# SIGHUP re-reads the config.
with open(d.config, "a") as f:
    f.write('\n[feed "two"]\nurl = file:///nonexistent/two.xml\n')
d.signal(signal.SIGHUP)
deadline = time.monotonic() + 5
feeds = None
while time.monotonic() < deadline:
    r = d.ctl("--json", "status")
    if r.returncode == 0:
        doc = json.loads(r.stdout)
        feeds = doc.get("feeds_configured", doc.get("feeds"))
        if "configuration reloaded" in d.read_log():
            break
    time.sleep(0.05)
check("configuration reloaded" in d.read_log(), "SIGHUP reloads the config",
      d.read_log())
check(d.proc.poll() is None, "daemon survives SIGHUP")

# A broken config on reload keeps the running one.
with open(d.config, "a") as f:
    f.write("\n[feedd]\nbogus_key = 1\n")
d.signal(signal.SIGHUP)
time.sleep(0.5)
check(d.proc.poll() is None and d.ctl("status").returncode == 0,
      "a bad config on SIGHUP keeps the daemon running")
check("keeping the running configuration" in d.read_log(),
      "and says it kept the old config", d.read_log())

rc = d.stop()
check(rc == 0, "SIGTERM: exit status 0", rc)
check(not os.path.exists(d.socket), "socket file removed at exit")

# Not running: one clear line, exit 1.
r = d.ctl("status")
check(r.returncode == 1, "feedctl against a stopped daemon exits 1", r.returncode)
check("not running" in r.stderr and r.stderr.count("\n") == 1,
      "and says so in one line", r.stderr)

# A stale socket file (daemon killed) is replaced on the next start.
good = tmp.write("good.conf", conf)
d3 = Daemon(tmp, conf, name="stale").start()
d3.proc.kill()
d3.proc.wait()
check(os.path.exists(d3.socket), "SIGKILL leaves a stale socket file")
d3.start()
check(d3.ctl("status").returncode == 0, "a new daemon replaces the stale socket")
d3.stop()

# A non-socket file at the socket path is never removed.
path = tmp.join("notasocket")
with open(path, "w") as f:
    f.write("precious")
d4 = Daemon(tmp, conf, name="nosock")
d4.args[d4.args.index("--socket") + 1] = path
d4.start(wait=False)
rc = d4.proc.wait(10)
check(rc == 1 and open(path).read() == "precious",
      "a regular file at the socket path is left alone", d4.read_log())

# feedctl usage errors exit 2.
r = feedctl("--socket", d.socket, "frobnicate")
check(r.returncode == 2 and "unknown command" in r.stderr,
      "unknown feedctl command exits 2", r.stderr)
r = feedctl("--help")
check(r.returncode == 0 and "status" in r.stdout, "feedctl --help", r.stdout)

tmp.cleanup()
done()
