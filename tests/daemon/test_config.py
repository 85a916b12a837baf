"""feedd --check-config on good and bad files: what a user sees."""
import os
import subprocess

from feeddtest import FEEDD, SRCDIR, TempDir, check, done

tmp = TempDir()


def check_config(text, name="t.conf"):
    path = tmp.write(name, text)
    r = subprocess.run([FEEDD, "--check-config", "-c", path],
                       capture_output=True, text=True, timeout=10)
    return r.returncode, r.stdout + r.stderr, path


# The shipped example is valid.
r = subprocess.run([FEEDD, "--check-config", "-c",
                    os.path.join(SRCDIR, "..", "..", "config", "feedd.conf")],
                   capture_output=True, text=True)
check(r.returncode == 0 and "configuration OK" in r.stdout,
      "config/feedd.conf is valid", r.stdout + r.stderr)
check("1 topics" in r.stdout or "1 topic" in r.stdout,
      "example config has the coalition topic", r.stdout)

good = """
[feedd]
log_level = debug
max_connections = 8
default_interval = 1h30m
min_interval = 90s
max_interval = 1d
max_body_size = 512k
timeout = 20s

[feed "a"]
url = https://example.org/feed.xml
title = Example ; inline comment
interval = 15m

[feed "b"]
url = file:///tmp/x.xml

[topic "coalition"]
query = "coalition of the willing" OR (коаліці* охоч*)
notify = log.batch-1
feeds = a b

[hook "log.batch-1"]
command = /usr/bin/logger -t feedd "new match"
mode = batch
timeout = 1m
"""
good = good.replace("[feedd]\n", "[feedd]\nca_file = %s\n" %
                    tmp.write("ca.pem", "not parsed before a transfer\n"), 1)
rc, out, _ = check_config(good)
check(rc == 0, "a full valid config passes", out)
check("2 feeds, 1 topics" in out, "counts feeds and topics", out)

bad_cases = [
    ("unknown key", "[feedd]\nlog_levle = info\n", ":2: log_levle: unknown key"),
    ("a near key is suggested", "[feedd]\nlog_levle = info\n",
     "unknown key in [feedd]; did you mean 'log_level'?"),
    ("in a feed", "[feed \"x\"]\nurl = https://a/\nintervall = 1h\n",
     ":3: intervall: unknown key in [feed \"x\"]; did you mean 'interval'?"),
    ("in a hook", "[hook \"h\"]\ncommand = true\ntimout = 1s\n",
     "did you mean 'timeout'?"),
    ("in a topic", "[topic \"t\"]\nquery = x\nqurey = y\n",
     "did you mean 'query'?"),
    ("bad duration", "[feedd]\nmin_interval = 5 minutes\n",
     ":2: min_interval: '5 minutes' is not a duration"),
    ("bad size", "[feedd]\nmax_body_size = lots\n", ":2: max_body_size:"),
    ("bad number", "[feedd]\n\nmax_connections = -3\n", ":3: max_connections:"),
    ("bad level", "[feedd]\nlog_level = loud\n", ":2: log_level:"),
    ("unknown section", "[feeds]\nurl = x\n", "unknown section [feeds]"),
    ("section without name", "[feed]\nurl = https://x/\n", "unknown section [feed]"),
    ("feed without url", "[feed \"x\"]\ntitle = X\n", "[feed \"x\"] has no url"),
    ("bad url scheme", "[feed \"x\"]\nurl = ftp://example.org/f\n",
     ":2: url: 'ftp://example.org/f' is not an http"),
    ("duplicate feed", "[feed \"x\"]\nurl = https://a/\n[feed \"x\"]\nurl = https://b/\n",
     "defined twice"),
    ("duplicate url", "[feed \"x\"]\nurl = https://a/\n[feed \"y\"]\nurl = https://a/\n",
     "same url"),
    ("topic without query", "[topic \"t\"]\nnotify =\n", "has no query"),
    ("unbalanced command", "[hook \"h\"]\ncommand = /bin/echo \"oops\n",
     ":2: command: cannot split"),
    ("hook without command", "[hook \"h\"]\nmode = each\n",
     ":1: [hook \"h\"] has no command"),
    ("empty command", "[hook \"h\"]\ncommand =\n", ":2: command: empty value"),
    ("unknown hook key", "[hook \"h\"]\ncommand = true\nshell = yes\n",
     ":3: shell: unknown key in [hook \"h\"]"),
    ("bad hook mode", "[hook \"h\"]\ncommand = true\nmode = sometimes\n",
     ":3: mode: 'sometimes' is not each or batch"),
    ("bad hook timeout", "[hook \"h\"]\ncommand = true\ntimeout = soon\n",
     ":3: timeout: 'soon' is not a duration"),
    ("bad hook name", "[hook \"a b\"]\ncommand = true\n",
     ":1: [hook \"a b\"]: a hook's name is 1 to 64 letters, digits"),
    ("hook name too long", "[hook \"%s\"]\ncommand = true\n" % ("h" * 65),
     "a hook's name is 1 to 64"),
    ("duplicate hook", "[hook \"h\"]\ncommand = true\n[hook \"h\"]\ncommand = false\n",
     ":3: [hook \"h\"] is defined twice (first on line 1)"),
    ("hook with a command and a url",
     "[hook \"h\"]\ncommand = true\nurl = https://a.example/x\n",
     ":1: [hook \"h\"] has a command and a url: a hook is one or the other"),
    ("url hook with a bad scheme", "[hook \"h\"]\nurl = ftp://a.example/x\n",
     "[hook \"h\"]: url ftp://a.example/\u2026 is not an http:// or https://"),
    ("unknown hook format", "[hook \"h\"]\nurl = https://a.example/x\n"
     "format = pushover\n",
     ":3: format: 'pushover' is not json, ntfy, gotify, matrix or slack"),
    ("format on a command hook", "[hook \"h\"]\ncommand = true\nformat = ntfy\n",
     "format and header are for a hook with a url, not a command"),
    ("matrix url without a room", "[hook \"h\"]\n"
     "url = https://m.example/_matrix/client/v3/send\nformat = matrix\n",
     "is not a room's URL: for matrix, give"),
    ("a header feedd writes", "[hook \"h\"]\nurl = https://a.example/x\n"
     "header = Content-Length: 3\n",
     ":3: header: Content-Length is written by feedd itself"),
    ("a header without a value", "[hook \"h\"]\nurl = https://a.example/x\n"
     "header = X-Token:\n", ":3: header: X-Token has no value"),
    ("a secret without its brace", "[hook \"h\"]\n"
     "url = https://a.example/${TOKEN\n", ":2: url: '${' without its closing"),
    ("url hook timeout 0", "[hook \"h\"]\nurl = https://a.example/x\n"
     "timeout = 0s\n", "timeout must be at least 1s"),
    ("topic names an undeclared hook",
     "[hook \"desk\"]\ncommand = true\n[topic \"t\"]\nquery = x\nnotify = desktop\n",
     ":5: notify: no hook \"desktop\" is declared (declared: desk)"),
    ("topic names a hook, none declared", "[topic \"t\"]\nquery = x\nnotify = desktop\n",
     ":3: notify: no hook \"desktop\" is declared (no [hook] section is declared)"),
    ("topic notify is a command",
     "[topic \"t\"]\nquery = x\nnotify = /usr/bin/touch /tmp/x\n",
     ":3: notify: no hook \"/usr/bin/touch /tmp/x\" is declared: a topic's notify "
     "names a [hook \"NAME\"] section, and the command goes there"),
    ("notify_mode on a topic", "[topic \"t\"]\nquery = x\nnotify_mode = batch\n",
     ":3: notify_mode: the mode belongs to the hook now: write mode = batch in "
     "the [hook \"NAME\"] section"),
    ("topic names unknown feed", "[topic \"t\"]\nquery = x\nfeeds = nope\n",
     "names feed 'nope'"),
    ("syntax error", "[feedd]\nthis is not ini\n", ":2: syntax error"),
    ("min above max", "[feedd]\nmin_interval = 2d\nmax_interval = 1d\n",
     "min_interval is longer than max_interval"),
    ("key outside section", "log_level = info\n", "key outside any section"),
    ("line too long", "[feed \"x\"]\nurl = https://example.org/" + "a" * 300 + "\n",
     "line longer than"),
    ("empty value", "[feedd]\nuser_agent =\n", ":2: user_agent: empty value"),
    ("missing ca_file", "[feedd]\nca_file = /nonexistent/ca.pem\n",
     ":2: ca_file: cannot read '/nonexistent/ca.pem': No such file"),
    ("ca_file a directory", "[feedd]\nca_file = /\n",
     ":2: ca_file: '/' is not a file"),
]
# What would stop the daemon at start-up or a reload is caught by the check.
stoppers = [
    ("invalid FTS5 query", "[topic \"t\"]\nquery = \"unterminated\n",
     ":2: query: '\"unterminated' is not a valid FTS5 query: unterminated "
     "string"),
    ("FTS5 syntax error", "[topic \"t\"]\nquery = (paris OR\n",
     ":2: query: '(paris OR' is not a valid FTS5 query: fts5: syntax error"),
    ("unknown FTS5 column", "[topic \"t\"]\nquery = body: x\n",
     ":2: query: 'body: x' is not a valid FTS5 query: no such column: body"),
    ("a bad IPv6 literal", "[feed \"x\"]\nurl = http://[bad\n",
     ":2: url: 'http://[bad' is not a valid URL"),
    ("a bad port", "[feed \"x\"]\nurl = http://example.org:99999/f\n",
     ":2: url: 'http://example.org:99999/f' is not a valid URL"),
    ("listen beyond loopback", "[feedd]\nlisten = 0.0.0.0:8790\n",
     ":2: listen '0.0.0.0:8790' is not a loopback address"),
    ("listen without a port", "[feedd]\nlisten = 127.0.0.1\n",
     ":2: listen '127.0.0.1': expected ADDRESS:PORT"),
    ("listen by name", "[feedd]\nlisten = localhost:8790\n",
     ":2: listen 'localhost:8790':"),
    ("public_url without listen",
     "[feedd]\npublic_url = https://feeds.example.org/\n",
     ":2: public_url: WebSub hubs call back the TCP listener: set listen too"),
    ("public_url not http(s)",
     "[feedd]\nlisten = 127.0.0.1:8790\npublic_url = ftp://example.org/\n",
     ":3: public_url: 'ftp://example.org/' is not an http:// or https:// URL"),
    ("public_url with a query",
     "[feedd]\nlisten = 127.0.0.1:8790\npublic_url = https://e.org/?a=b\n",
     ":3: public_url: 'https://e.org/?a=b' has a query or a fragment"),
    ("a missing socket group", "[feedd]\nsocket_group = no-such-group-x\n",
     ":2: socket_group 'no-such-group-x' does not exist"),
    ("a socket path too long", "[feedd]\nsocket = /tmp/%s.sock\n" % ("s" * 120),
     ":2: socket path '/tmp/sss"),
]
for what, text, want in stoppers:
    rc, out, path = check_config(text, name="stop.conf")
    check(rc == 1 and want in out, f"{what}: --check-config says so at the "
          f"key's line ({want!r})", out)
    # The daemon refuses the same file (it is never started with it).
    r = subprocess.run([FEEDD, "-c", path, "--database", tmp.join("stop.db"),
                        "--socket", tmp.join("stop.sock")],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 1 and want in r.stderr,
          f"{what}: and feedd refuses to start with it", r.stderr)

# One pass: syntax errors on two lines, a bad value and the checks made
# after reading (a query, an undefined feed, a duplicate url) all at once,
# each at its own key's line.
rc, out, _ = check_config("""[feedd]
this is junk
min_interval = soon
[feed "a"]
url = https://example.org/a
[feed "b"]
title = B
url = https://example.org/a
more junk
[topic "t"]
query = (x OR
feeds = a ghost
""")
want = [":2: syntax error", ":3: min_interval: 'soon'", ":9: syntax error",
        ":8: url: [feed \"b\"] has the same url as [feed \"a\"] (line 5)",
        ":11: query: '(x OR' is not a valid FTS5 query",
        ":12: feeds: [topic \"t\"] names feed 'ghost'", "6 errors"]
check(rc == 1 and all(w in out for w in want),
      "every problem in one pass, each at its key's line", out)

# A reload with a file the check refuses changes nothing and is said so.
import signal
import time
from feeddtest import Daemon, http_unix
good_conf = "[feedd]\n[topic \"t\"]\nquery = drone\n"
d = Daemon(tmp, good_conf, name="reload").start()
with open(d.config, "w") as f:
    f.write("[topic \"t\"]\nquery = (drone OR\n[topic \"u\"]\nquery = x\n")
d.signal(signal.SIGHUP)
deadline = time.monotonic() + 10
while time.monotonic() < deadline and "reload failed" not in d.read_log():
    time.sleep(0.05)
log = d.read_log()
code, doc, _ = http_unix(d.socket, "GET", "/v1/topics")
check("reload.conf:2: query: '(drone OR' is not a valid FTS5 query" in log and
      "reload failed; keeping the running configuration" in log and
      [t["query"] for t in doc["topics"]] == ["drone"],
      "a reload with a bad query: refused whole, the running topics kept",
      log[-1500:])
check(d.stop() == 0, "the daemon stops cleanly after it")

for what, text, want in bad_cases:
    rc, out, path = check_config(text, name="bad.conf")
    check(rc == 1, f"{what}: rejected with exit 1", out)
    check(want in out, f"{what}: message names the problem ({want!r})", out)
    check(path in out or "bad.conf" in out, f"{what}: message names the file", out)

# Every topic that names an undeclared hook is reported, and nothing else.
rc, out, _ = check_config("""[hook "mail"]
command = /usr/bin/mail -s feedd me
[topic "a"]
query = x
notify = desktop
[topic "b"]
query = y
notify = mail
[topic "c"]
query = z
notify = pager
""")
check(rc == 1 and ':5: notify: no hook "desktop" is declared' in out and
      ':11: notify: no hook "pager" is declared' in out and
      '"mail" is declared' not in out and "2 errors" in out,
      "each topic naming an undeclared hook is reported, with its line", out)

# Hooks may come anywhere in the file, before the topics that name them.
rc, out, _ = check_config("""[hook "h"]
command = true
[topic "t"]
query = x
notify = h
[feedd]
notify_timeout = 5s
""")
check(rc == 0, "a hook declared before the topic and [feedd] is valid", out)

# All errors in one run, not just the first.
rc, out, _ = check_config("[feedd]\nlog_level = loud\nmax_connections = x\n")
check(rc == 1 and ":2: log_level" in out and ":3: max_connections" in out,
      "every error is reported in one run", out)
check("2 errors" in out, "error count is summarised", out)

# Missing file.
r = subprocess.run([FEEDD, "--check-config", "-c", tmp.join("missing.conf")],
                   capture_output=True, text=True)
check(r.returncode == 1 and "missing.conf" in r.stderr,
      "a missing file is an error naming it", r.stderr)

# Usage errors exit 2; --version and --help exit 0.
r = subprocess.run([FEEDD, "--bogus"], capture_output=True, text=True)
check(r.returncode == 2, "unknown option exits 2", r.stderr)
r = subprocess.run([FEEDD, "--version"], capture_output=True, text=True)
check(r.returncode == 0 and r.stdout.startswith("feedd "), "--version", r.stdout)
r = subprocess.run([FEEDD, "--help"], capture_output=True, text=True)
check(r.returncode == 0 and "--check-config" in r.stdout, "--help", r.stdout)

tmp.cleanup()
done()
