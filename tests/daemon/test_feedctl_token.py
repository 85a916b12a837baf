"""feedctl token create/list/rm as a person types them: create prints the
token alone on stdout and says on stderr that it cannot be shown again;
the token opens the TCP listener (read-only ones only for reading); list
is a table (or the API's JSON) without secrets; rm makes the token stop
working at once; usage errors are exit 2, refusals exit 1. feedctl
--url talks to the TCP listener with the token of $FEEDD_TOKEN or
--token-file."""
import json
import re

from feeddtest import (Daemon, TempDir, check, done, feedctl, free_port,
                       http_tcp)

tmp = TempDir()
port = free_port()
d = Daemon(tmp, "[feedd]\nlisten = 127.0.0.1:%d\n" % port).start()


def status_with(token, method="GET", path="/v1/status", body=None):
    r, doc, _ = http_tcp(port, method, path,
                         [("Authorization", "Bearer " + token)], body)
    return r.status


r = d.ctl("token", "list")
check(r.returncode == 0 and "no tokens" in r.stdout and
      "feedctl token create" in r.stdout, "no tokens yet, and how to make one",
      r.stdout + r.stderr)

r = d.ctl("token", "create", "laptop")
laptop = r.stdout.strip()
check(r.returncode == 0 and re.fullmatch(r"feedd_[0-9a-f]{64}", laptop) and
      r.stdout == laptop + "\n", "create prints the token alone on stdout",
      r.stdout)
check("laptop" in r.stderr and "cannot be shown again" in r.stderr and
      laptop not in r.stderr, "and says on stderr it cannot be shown again",
      r.stderr)
check(status_with(laptop) == 200, "the token opens the TCP listener")
check(status_with(laptop, "POST", "/v1/topics",
                  '{"name": "t", "query": "x"}') == 201,
      "a token made without --read-only writes")

r = d.ctl("token", "create", "--read-only", "dashboard")
dash = r.stdout.strip()
check(r.returncode == 0 and re.fullmatch(r"feedd_[0-9a-f]{64}", dash) and
      "read-only" in r.stderr, "create --read-only", r.stdout + r.stderr)
check(status_with(dash) == 200 and
      status_with(dash, "DELETE", "/v1/topics/t") == 403,
      "a read-only token reads and may not write")

r = d.ctl("--json", "token", "create", "script", "--read-only")
doc = json.loads(r.stdout)
check(r.returncode == 0 and doc["name"] == "script" and
      doc["read_only"] is True and doc["token"].startswith("feedd_") and
      "cannot be shown again" in r.stderr, "create --json: the API's answer",
      r.stdout + r.stderr)
script = doc["token"]

r = d.ctl("token", "create", "laptop")
check(r.returncode == 1 and "exists" in r.stderr and "409" in r.stderr and
      r.stdout == "", "a name taken: exit 1 with the daemon's reason",
      (r.stdout, r.stderr))
r = d.ctl("token", "create", "no spaces")
check(r.returncode == 1 and "400" in r.stderr, "a bad name: exit 1",
      r.stderr)

status_with(dash)
r = feedctl("--socket", d.socket, "token", "list", env={"COLUMNS": "80"})
lines = r.stdout.splitlines()
check(r.returncode == 0 and lines[0].split() ==
      ["NAME", "ACCESS", "CREATED", "LAST", "USED"],
      "list: a table with a header", r.stdout)
rows = {l.split()[0]: l for l in lines[1:]}
check(sorted(rows) == ["dashboard", "laptop", "script"] and
      "read-write" in rows["laptop"] and "read-only" in rows["dashboard"] and
      "just now" in rows["dashboard"] and rows["script"].rstrip()
      .endswith("never"), "one row per token: access, made, last used",
      r.stdout)
r = d.ctl("--json", "token", "list")
doc = json.loads(r.stdout)
check(r.returncode == 0 and [t["name"] for t in doc["tokens"]] ==
      ["dashboard", "laptop", "script"] and
      all(set(t) == {"name", "user", "read_only", "created", "last_used"}
          for t in doc["tokens"]), "list --json: the API's JSON", r.stdout)
check(not any(t in r.stdout for t in (laptop, dash, script)),
      "no token is ever listed")

r = d.ctl("token", "rm", "laptop")
check(r.returncode == 0 and "laptop" in r.stdout and "removed" in r.stdout,
      "rm says what it removed", r.stdout + r.stderr)
check(status_with(laptop) == 401, "a removed token stops working at once")
check(status_with(dash) == 200, "the others go on working")
r = d.ctl("token", "rm", "laptop")
check(r.returncode == 1 and "404" in r.stderr, "removing it again: exit 1",
      r.stderr)

for args in (("token",), ("token", "create"), ("token", "create", "a", "b"),
             ("token", "create", "a", "--bogus"), ("token", "list", "x"),
             ("token", "rm"), ("token", "nosuch")):
    r = d.ctl(*args)
    check(r.returncode == 2 and "usage: feedctl token" in r.stderr and
          r.stdout == "", "feedctl %s: usage error (2)" % " ".join(args),
          (r.returncode, r.stdout, r.stderr))
r = d.ctl("token", "--help")
check(r.returncode == 0 and "--read-only" in r.stdout and
      "Unix socket" in r.stdout, "token --help", r.stdout)

# ---- feedctl over TCP: --url, the token from $FEEDD_TOKEN or a file -----
url = "http://127.0.0.1:%d" % port
tokfile = tmp.write("token", dash + "\n")
r = feedctl("--url", url, "--token-file", tokfile, "status")
check(r.returncode == 0 and ("url       " + url) in r.stdout,
      "feedctl --url --token-file status", r.stdout + r.stderr)
r = feedctl("--url", url + "/", "--json", "feeds",
            env={"FEEDD_TOKEN": script})
check(r.returncode == 0 and json.loads(r.stdout)["feeds"] == [],
      "feedctl --url with $FEEDD_TOKEN", r.stdout + r.stderr)
r = feedctl("--url", url, "topic", "add", "x", "y",
            env={"FEEDD_TOKEN": dash})
check(r.returncode == 1 and "read-only" in r.stderr and "403" in r.stderr,
      "a read-only token cannot write through feedctl either", r.stderr)
r = feedctl("--url", url, "status", env={"FEEDD_TOKEN": laptop})
check(r.returncode == 1 and "401" in r.stderr,
      "a removed token: exit 1 with the daemon's reason", r.stderr)
r = feedctl("--url", url, "token", "list", env={"FEEDD_TOKEN": dash})
check(r.returncode == 1 and "403" in r.stderr and "Unix socket" in r.stderr,
      "tokens cannot be managed over --url", r.stderr)
env_none = {"FEEDD_TOKEN": ""}
for args, what in (((("--url", url, "status"), "--url without a token")),
                   (("--url", "http://192.0.2.1:8790", "--token-file",
                     tokfile, "status"), "plain http beyond loopback"),
                   (("--url", url, "--socket", d.socket, "--token-file",
                     tokfile, "status"), "--url with --socket"),
                   (("--token-file", tokfile, "status"),
                    "--token-file without --url"),
                   (("--url", url, "--token-file", tmp.join("none"),
                     "status"), "a token file that is not there")):
    r = feedctl(*args, env=env_none)
    check(r.returncode == 2 and r.stderr and not r.stdout,
          "%s: usage error (2)" % what, (r.returncode, r.stdout, r.stderr))

log = d.read_log()
check(not any(t in log for t in (laptop, dash, script)),
      "no token reaches the daemon's log")
check(d.stop() == 0, "the daemon stops cleanly")
done()
