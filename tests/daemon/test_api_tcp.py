"""The optional loopback TCP listener: `listen = 127.0.0.1:PORT` serves the
same API as the socket to a client with a token; an address that is not
loopback is refused unless listen_allow_remote says so; the Unix socket
keeps mode 0660. (Tokens in depth: test_api_auth.py.)"""
import json
import stat
import os
import urllib.error
import urllib.request

from feeddtest import Daemon, TempDir, check, done, free_port, http_unix

tmp = TempDir()


def get(url, data=None, method=None, token=None):
    req = urllib.request.Request(url, data=data, method=method)
    if token is not None:
        req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


port = free_port()
conf = """
[feedd]
log_level = info
listen = 127.0.0.1:%d
""" % port
d = Daemon(tmp, conf).start()
base = "http://127.0.0.1:%d" % port
code, doc = get(base + "/v1/status")
check(code == 401 and doc["error"]["code"] == "unauthorized",
      "the TCP listener wants a token", doc)
code, doc, _ = http_unix(d.socket, "POST", "/v1/tokens", {"name": "tcp"})
check(code == 201, "a token made over the socket", doc)
token = doc["token"]
code, doc = get(base + "/v1/status", token=token)
check(code == 200 and doc["pid"] == d.proc.pid,
      "the TCP listener answers /v1/status with it", doc)
code_u, doc_u, _ = http_unix(d.socket, "GET", "/v1/feeds")
code, doc = get(base + "/v1/feeds", token=token)
check(code == 200 and doc == doc_u, "the same API on both listeners", doc)
code, doc = get(base + "/v1/feeds", data=b'{"url": 1}', method="POST",
                token=token)
check(code == 400 and doc["error"]["code"] == "bad_request",
      "errors have the same JSON shape over TCP", doc)
code, doc = get(base + "/v1/nowhere", token=token)
check(code == 404 and doc["error"]["code"] == "not_found",
      "unknown path over TCP: 404", doc)
check(stat.S_IMODE(os.stat(d.socket).st_mode) == 0o660,
      "the socket is still mode 0660")
check(d.stop() == 0, "daemon with a TCP listener stops cleanly")

for addr in ("0.0.0.0:%d" % free_port(), "192.0.2.1:%d" % free_port()):
    bad = Daemon(tmp, "[feedd]\nlisten = %s\n" % addr, name="remote")
    bad.start(wait=False)
    rc = bad.proc.wait(10)
    log = bad.read_log()
    check(rc != 0 and ("loopback" in log.lower() or "remote" in log.lower()),
          "listen = %s is refused without listen_allow_remote" % addr, log)
    bad.stop()

ok = Daemon(tmp, "[feedd]\nlisten = 0.0.0.0:%d\nlisten_allow_remote = yes\n"
            % free_port(), name="allowed").start()
check(ok.proc.poll() is None, "listen_allow_remote = yes allows it")
ok.stop()
done()
