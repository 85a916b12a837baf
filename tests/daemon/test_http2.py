"""HTTPS and HTTP/2 as a user sees them: the real feedd against nginx on
127.0.0.1, with a throwaway CA made by openssl.

With ca_file naming that CA, feedd --once fetches twenty feeds of one host
at once over HTTP/2, as streams of one or two connections, and stores
them. The daemon on that database then gets 304s over one connection, and
over the same one on the next poll; after nginx closes it, over a new one.
A server without HTTP/2 is read over HTTP/1.1, and its TLS session is
resumed on a new connection (the shared session cache). A certificate for
another name is refused even from the trusted CA. Without ca_file (the
system's CA store), and with another CA in ca_file, the server is refused
with a certificate error recorded on the feed, and nothing is stored.

nginx runs as a single foreground process (no master, no workers) with its
pid, logs and temporary files under the test's directory, and is stopped
by PID whatever happens. Skipped (exit 77) only when nginx lacks HTTP/2;
a missing nginx is a failure (scripts/deps.txt installs it)."""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

from feeddtest import FEEDD, Daemon, TempDir, check, done, free_port
from test_api_lib import rss, wait_until

NFEEDS = 20
KEEPALIVE_S = 3     # nginx closes an idle connection after this

tmp = TempDir()
atexit.register(tmp.cleanup)


def find_nginx():
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return shutil.which("nginx", path=path)


def run(*args):
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(args), r.stderr))
    return r


def make_ca(name):
    key, pem = tmp.join(name + ".key"), tmp.join(name + ".pem")
    run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", pem,
        "-days", "2", "-subj", "/CN=feedd test %s" % name,
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return key, pem


def make_cert(name, ca, san):
    key, csr, pem = (tmp.join(name + ext) for ext in (".key", ".csr", ".pem"))
    ext = tmp.write(name + ".ext", "subjectAltName = %s\n"
                    "basicConstraints = CA:FALSE\n"
                    "extendedKeyUsage = serverAuth\n" % san)
    run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", csr,
        "-subj", "/CN=%s" % name)
    run("openssl", "x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0],
        "-set_serial", str(int(time.time() * 1000)), "-days", "2",
        "-extfile", ext, "-out", pem)
    return key, pem


NGINX_CONF = """
daemon off;
master_process off;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 256; }}
http {{
	log_format proto '$server_port $server_protocol $connection '
	    '$connection_requests $ssl_session_reused $status $uri '
	    '"$http_user_agent"';
	access_log {d}/access.log proto;
	client_body_temp_path {d}/tmp/client;
	proxy_temp_path {d}/tmp/proxy;
	fastcgi_temp_path {d}/tmp/fastcgi;
	uwsgi_temp_path {d}/tmp/uwsgi;
	scgi_temp_path {d}/tmp/scgi;
	types {{ application/rss+xml xml; }}
	keepalive_timeout {keepalive}s;
	etag on;
	# What a busy site has, and nginx 1.22 lacks by default.
	ssl_protocols TLSv1.2 TLSv1.3;
	ssl_session_cache shared:tls:1m;
	server {{
		listen 127.0.0.1:{port} ssl http2;
		ssl_certificate {d}/good.pem;
		ssl_certificate_key {d}/good.key;
		root {d}/www;
	}}
	server {{
		listen 127.0.0.1:{h1_port} ssl;
		ssl_certificate {d}/good.pem;
		ssl_certificate_key {d}/good.key;
		root {d}/www;
	}}
	server {{
		listen 127.0.0.1:{wrong_port} ssl http2;
		ssl_certificate {d}/wrongname.pem;
		ssl_certificate_key {d}/wrongname.key;
		root {d}/www;
	}}
}}
"""

nginx_proc = None


def stop_nginx():
    """By PID: SIGTERM, then SIGKILL; there is no other nginx process."""
    if nginx_proc is None or nginx_proc.poll() is not None:
        return
    nginx_proc.send_signal(signal.SIGTERM)
    try:
        nginx_proc.wait(5)
    except subprocess.TimeoutExpired:
        nginx_proc.kill()
        nginx_proc.wait()


atexit.register(stop_nginx)


def start_nginx(nginx, port, h1_port, wrong_port):
    global nginx_proc
    d = tmp.path
    os.makedirs(tmp.join("tmp"), exist_ok=True)
    conf = tmp.write("nginx.conf", NGINX_CONF.format(
        d=d, port=port, h1_port=h1_port, wrong_port=wrong_port,
        keepalive=KEEPALIVE_S))
    nginx_proc = subprocess.Popen(
        [nginx, "-p", d + "/", "-c", conf, "-e", tmp.join("error.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    for _ in range(200):
        if nginx_proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return True
        except OSError:
            time.sleep(0.025)
    return False


def access_log():
    """Each request nginx logged, as a dict."""
    try:
        with open(tmp.join("access.log")) as f:
            text = f.read()
    except OSError:
        return []
    out = []
    # A line still being written is read on the next call.
    for line in text.split("\n")[:-1]:
        head, _, ua = line.partition(' "')
        port, proto, conn, nreq, reused, status, uri = head.split()
        out.append({"port": int(port), "proto": proto, "conn": int(conn),
                    "nreq": int(nreq), "reused": reused, "status": status,
                    "uri": uri, "ua": ua.rstrip('"'), "line": line})
    return out


def feeds(d):
    return {f["config_name"]: f for f in d.ctl_json("feeds")["feeds"]}


def polled_since(d, t):
    """True once every feed has a poll recorded at or after t."""
    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    return all(f["last_poll"] and f["last_poll"] >= iso
               for f in feeds(d).values())


def config(port, ca_file=None, only=None, h1_port=None, wrong_port=None):
    names = ["f%02d" % i for i in range(NFEEDS)] if only is None else only
    text = """[feedd]
log_level = debug
host_gap = 0s
max_per_host = 32
max_connections = 32
timeout = 10s
connect_timeout = 5s
default_interval = 1h
"""
    if ca_file:
        text += "ca_file = %s\n" % ca_file
    for n in names:
        text += '\n[feed "%s"]\nurl = https://127.0.0.1:%d/feeds/%s.xml\n' % (
            n, port, n)
    for name, p in (("h1", h1_port), ("wrongname", wrong_port)):
        if p is not None:
            text += ('\n[feed "%s"]\nurl = https://127.0.0.1:%d/feeds/'
                     'f00.xml\n' % (name, p))
    return text


def log_tail(d):
    return d.read_log()[-3000:]


def lines(rows):
    return [r["line"] for r in rows]


def poll_all(d, n, what):
    """Polls every feed now; returns each poll's requests, by port."""
    t = int(time.time())
    before = len(access_log())
    r = d.ctl("poll")
    check(r.returncode == 0, "%s: feedctl poll" % what, r.stdout + r.stderr)
    ok = wait_until(lambda: len(access_log()) >= before + n and
                    polled_since(d, t), 20)
    check(ok, "%s done" % what, log_tail(d))
    return access_log()[before:]


def main():
    t0 = time.monotonic()
    nginx = find_nginx()
    if not check(nginx is not None, "nginx is installed (scripts/deps.txt)"):
        done()
    v = subprocess.run([nginx, "-V"], capture_output=True, text=True)
    if "--with-http_v2_module" not in v.stderr + v.stdout:
        print("1..0 # SKIP nginx built without the http2 module")
        sys.exit(77)

    ca = make_ca("ca")
    other_ca = make_ca("other-ca")
    good = make_cert("good", ca, "IP:127.0.0.1")
    make_cert("wrongname", ca, "DNS:feeds.example")
    check(all(os.path.exists(p) for p in good), "a CA and a certificate "
          "for 127.0.0.1 made with openssl")
    for i in range(NFEEDS):
        tmp.write("www/feeds/f%02d.xml" % i, rss("f%02d" % i, [1, 2, 3]))

    for _ in range(3):      # a free port may be taken before nginx binds it
        port, h1_port, wrong_port = free_port(), free_port(), free_port()
        if start_nginx(nginx, port, h1_port, wrong_port):
            break
        stop_nginx()
    if not check(nginx_proc.poll() is None, "nginx serves HTTPS and HTTP/2 "
                 "on 127.0.0.1:%d" % port, open(tmp.join("error.log")).read()):
        done()

    def on(rows, p):
        return [r for r in rows if r["port"] == p]

    # --- ca_file: the test CA; twenty feeds on one host, polled at once ---
    d = Daemon(tmp, config(port, ca_file=ca[1], h1_port=h1_port,
                           wrong_port=wrong_port), name="h2")
    with open(d.log_path, "ab") as lf:
        r = subprocess.run([FEEDD, "-c", d.config, "--database", d.database,
                            "--socket", tmp.join("once.sock"), "--once"],
                           stdout=lf, stderr=subprocess.STDOUT, timeout=60)
    failed = [line for line in d.read_log().splitlines()
              if "--once: '" in line]
    check(r.returncode == 1 and len(failed) == 1 and
          "no alternative certificate subject name" in failed[0],
          "feedd --once polls every feed at once (exit 1: the feed of the "
          "wrong name fails, and only it)", log_tail(d))
    d.start()
    fs = feeds(d)
    bad = {n: (f["state"], f["entries"], f["last_error"])
           for n, f in fs.items() if n != "wrongname" and
           (f["state"] != "ok" or f["entries"] != 3)}
    check(not bad, "every feed stored its 3 entries", bad)
    first = on(access_log(), port)
    check(len(first) == NFEEDS and all(r["status"] == "200" for r in first),
          "one 200 per feed", lines(first))
    check(all(r["proto"] == "HTTP/2.0" for r in first),
          "every request over HTTP/2", lines(first))
    conns = {r["conn"] for r in first}
    check(1 <= len(conns) <= 2, "%d requests multiplexed over %d "
          "connection(s)" % (len(first), len(conns)), lines(first))
    want_ua = os.environ.get("FEEDD_DEFAULT_USER_AGENT")
    uas = {r["ua"] for r in access_log()}
    check(uas == {want_ua} if want_ua else
          all(u.startswith("feedd/") for u in uas),
          "the build's default User-Agent (%s)" % want_ua, uas)
    h1 = on(access_log(), h1_port)
    check([(r["proto"], r["status"]) for r in h1] == [("HTTP/1.1", "200")],
          "a server without HTTP/2: read over HTTP/1.1", lines(h1))
    w = fs["wrongname"]
    check(w["entries"] == 0 and w["state"] == "backing_off" and
          "127.0.0.1" in (w["last_error"] or "") and
          "match" in (w["last_error"] or ""),
          "a certificate from the trusted CA for another name: refused, "
          "and says why", w)

    # --- the daemon: 304s, then over the connections already open ----------
    rows = poll_all(d, NFEEDS + 1, "second poll")
    second, h1 = on(rows, port), on(rows, h1_port)
    conns = {r["conn"] for r in second}
    check(len(second) == NFEEDS and all(
        r["status"] == "304" and r["proto"] == "HTTP/2.0" for r in second),
        "second poll: 304 over HTTP/2 for every feed", lines(second))
    check(len(conns) == 1, "over one connection", lines(second))
    check(all(f["entries"] == 3 for n, f in feeds(d).items()
              if n != "wrongname"), "nothing stored twice")
    rows = poll_all(d, NFEEDS + 1, "third poll")
    third, h1 = on(rows, port), on(rows, h1_port)
    check(len(third) == NFEEDS and all(r["status"] == "304" for r in third)
          and {r["conn"] for r in third} == conns,
          "third poll: the second poll's HTTP/2 connection again",
          lines(third))
    check(len(h1) == 1 and h1[0]["status"] == "304" and h1[0]["nreq"] == 2,
          "and its HTTP/1.1 one", lines(h1))

    # --- after nginx closed the idle connections ---------------------------
    time.sleep(KEEPALIVE_S + 1)
    rows = poll_all(d, NFEEDS + 1, "fourth poll")
    fourth, h1 = on(rows, port), on(rows, h1_port)
    new = {r["conn"] for r in fourth}
    check(len(fourth) == NFEEDS and all(r["status"] == "304" for r in fourth)
          and not new & conns and len(new) == 1,
          "fourth poll: 304s over a new HTTP/2 connection", lines(fourth))
    check(len(h1) == 1 and h1[0]["status"] == "304" and h1[0]["nreq"] == 1
          and h1[0]["reused"] == "r",
          "a new HTTP/1.1 connection resumes the TLS session", lines(h1))
    check(d.stop() == 0, "feedd stops cleanly", log_tail(d))

    # --- the system CA store, and another CA: refused ----------------------
    for what, name, ca_file in (("the system CA store", "sys", None),
                                ("ca_file naming another CA", "other",
                                 other_ca[1])):
        d = Daemon(tmp, config(port, ca_file=ca_file, only=["f00"]),
                   name=name).start()
        f = wait_until(lambda: feeds(d)["f00"]["last_poll"] and
                       feeds(d)["f00"], 15)
        err = (f or {}).get("last_error") or ""
        check(f and f["state"] == "backing_off" and f["entries"] == 0 and
              "certificate" in err.lower(),
              "%s: the test CA's certificate is refused, with a "
              "certificate error on the feed" % what, f)
        check(not d.ctl_json("list")["entries"], "and nothing stored")
        d.stop()

    stop_nginx()
    check(nginx_proc.returncode is not None, "nginx stopped")
    print("# %.1f s" % (time.monotonic() - t0))
    done()


main()
