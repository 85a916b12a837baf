"""What `meson install` puts where an administrator looks, into a scratch
root: SYSCONFDIR/feedd/feedd.conf is a minimal working file that
subscribes to nothing and points to the documented example; the example
(config/feedd.conf, every key, the news feeds and the "Coalition of the
Willing" topic that `scripts/dev run` starts with) is installed with the
documentation; an existing feedd.conf, edited or not, is never replaced
by a reinstall; a removed one comes back. feedd runs on the installed
file, and a feed added to it with feedctl is removed with feedctl."""
import json
import os
import subprocess

from feeddtest import FEEDD, SRCDIR, Daemon, TempDir, check, done

BUILD = os.environ["TESTS_BUILD_ROOT"]
TOP = os.path.join(SRCDIR, "..", "..")
tmp = TempDir()
root = tmp.join("root")


def install():
    r = subprocess.run(["meson", "install", "-C", BUILD, "--no-rebuild",
                        "--destdir", root], capture_output=True, text=True,
                       timeout=120)
    return r.returncode, r.stdout + r.stderr


def option(name):
    r = subprocess.run(["meson", "introspect", BUILD, "--buildoptions"],
                       capture_output=True, text=True, timeout=60)
    return {o["name"]: o["value"] for o in json.loads(r.stdout)}[name]


def check_config(path):
    r = subprocess.run([FEEDD, "--check-config", "-c", path],
                       capture_output=True, text=True, timeout=10)
    return r.returncode, r.stdout + r.stderr


prefix = option("prefix")
conf = os.path.join(prefix, option("sysconfdir"), "feedd", "feedd.conf")
example = os.path.join(prefix, option("datadir"), "doc", "feedd",
                       "examples", "feedd.conf")
rc, out = install()
check(rc == 0, "meson install --destdir", out[-2000:])
check(os.path.isfile(root + conf), "%s is installed" % conf, out[-2000:])
with open(root + conf) as f:
    minimal = f.read()
rc, out = check_config(root + conf)
check(rc == 0 and "configuration OK (0 feeds, 0 topics)" in out,
      "the installed file is valid and subscribes to nothing", out)
check(example in minimal and "feedctl add" in minimal and
      "feedd.conf(5)" in minimal,
      "it points to the example, the manual and feedctl add", minimal)
check("@" not in minimal, "every @placeholder@ substituted", minimal)
check(oct(os.stat(root + conf).st_mode & 0o777) == "0o644",
      "mode 0644", oct(os.stat(root + conf).st_mode))

with open(os.path.join(TOP, "config", "feedd.conf")) as f:
    full = f.read()
check(os.path.isfile(root + example) and open(root + example).read() == full,
      "the documented example is installed with the documentation",
      root + example)
rc, out = check_config(root + example)
check(rc == 0 and "(7 feeds, 1 topics)" in out, "the example is valid: "
      "7 feeds, 1 topic", out)
check('[topic "coalition"]' in full and
      'query = "coalition of the willing"' in full and
      full.count("url = https://") >= 5,
      "the example keeps the news feeds and the Coalition of the Willing "
      "topic")
with open(os.path.join(TOP, "scripts", "dev")) as f:
    dev = f.read()
check("-c config/feedd.conf" in dev,
      "scripts/dev run starts on the example, not the installed file")

# An edited configuration survives a reinstall, byte for byte.
edited = minimal + '\n[feed "mine"]\nurl = https://example.org/mine.xml\n'
with open(root + conf, "w") as f:
    f.write(edited)
rc, out = install()
check(rc == 0 and open(root + conf).read() == edited,
      "a reinstall keeps an edited feedd.conf", out[-2000:])
os.chmod(root + conf, 0o600)
rc, out = install()
check(rc == 0 and oct(os.stat(root + conf).st_mode & 0o777) == "0o600",
      "and its mode", oct(os.stat(root + conf).st_mode))
os.unlink(root + conf)
rc, out = install()
check(rc == 0 and open(root + conf).read() == minimal,
      "a removed feedd.conf comes back as installed", out[-2000:])

# feedd runs on it; what feedctl subscribes, feedctl removes.
d = Daemon(tmp, minimal, name="installed").start()
doc = d.ctl_json("status")
check(doc["feeds"] == 0 and doc["feeds_configured"] == 0,
      "feedd starts on the installed file with no feed", doc)
r = d.ctl("add", "http://127.0.0.1:1/feed.xml", "--no-wait")
feeds = d.ctl_json("feeds")["feeds"]
check(r.returncode == 0 and len(feeds) == 1, "feedctl add subscribes",
      r.stderr)
r = d.ctl("rm", str(feeds[0]["id"]))
check(r.returncode == 0 and d.ctl_json("feeds")["feeds"] == [],
      "and feedctl rm removes it", r.stdout + r.stderr)
check(d.stop() == 0, "the daemon stops cleanly")
tmp.cleanup()
done()
