"""feedctl as a terminal reader, against the real daemon and a local feed
server: `show` renders an entry's HTML as wrapped text with numbered
links (--raw keeps it), pages long output through $PAGER only on a
terminal longer than the text, prints local time by TZ (ISO in --json);
run under a pseudo-terminal for the width, paging and colour rules and
in pipes for the script rules."""
import json
import os
import re
import subprocess

from feeddtest import FEEDCTL, Daemon, TempDir, check, done, run_on_tty
from test_api_lib import CONF, FeedServer, wait_until

ANSI = re.compile(r"\x1b\[")
SGR = re.compile(r"\x1b\[[0-9;]*m")
tmp = TempDir()
srv = FeedServer(tmp.join("www"))

ARTICLE = """<p>The <b>coalition</b> of the willing met in Paris &amp; agreed
on guarantees for Ukraine. <a href="/report">The full report</a> is
online.</p>
<blockquote><p>We stand together.</p></blockquote>
<ul><li>first point</li><li>second point</li></ul>
<p>""" + " ".join("word%d" % i for i in range(120)) + "</p>"


def item(guid, title, html, date="Mon, 03 Nov 2025 12:00:00 GMT"):
    esc = html.replace("&", "&amp;").replace("<", "&lt;")
    return ("<item><guid>%s</guid><title>%s</title>"
            "<link>http://example.org/news/%s</link><pubDate>%s</pubDate>"
            "<description>%s</description></item>" % (guid, title, guid,
                                                      date, esc))


def feed(title, items):
    return ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0">'
            "<channel><title>%s</title><link>http://example.org/</link>"
            "<description>d</description>%s</channel></rss>\n"
            % (title, "".join(items)))


url_a = srv.write("a.xml", feed("News A", [
    item("long", "Coalition meets", ARTICLE),
    item("short", "Short one", "<p>Just <i>one</i> line.</p>")]))
d = Daemon(tmp, CONF).start()


def ctl(*args, env=None, input=None):
    return subprocess.run([FEEDCTL, "--socket", d.socket, *args],
                          capture_output=True, text=True, input=input,
                          timeout=30, env=dict(os.environ, **(env or {})))


def on_tty(args, env=None, rows=24, cols=80):
    """feedctl on a terminal of rows x cols, without the caller's colour,
    size and pager settings; (exit code, what it showed, stderr)."""
    e = {k: v for k, v in os.environ.items()
         if k not in ("NO_COLOR", "COLUMNS", "LINES", "PAGER", "TERM")}
    e.update(env or {})
    return run_on_tty([FEEDCTL, "--socket", d.socket, *args], e, rows, cols)


r = ctl("add", url_a)
check(r.returncode == 0, "add a feed", r.stdout + r.stderr)
ids = {e["title"]: e["id"] for e in
       json.loads(ctl("--json", "list").stdout)["entries"]}
long_id, short_id = ids["Coalition meets"], ids["Short one"]

# ---- show: the HTML as text ------------------------------------------------
r = ctl("show", str(long_id))
out = r.stdout
check(r.returncode == 0 and "<p>" not in out and "&amp;" not in out and
      "coalition of the willing met in Paris & agreed" in out.replace(
          "\n", " "), "show renders the HTML as text", out)
check("The full report[1]" in out and
      "Links:\n[1] http://example.org/report" in out,
      "links are numbered and listed at the end, absolute", out)
check("> We stand together." in out and "  * first point\n  * second point"
      in out, "quotes and lists", out)
body = out.split("\n\n", 1)[1]
check(max(len(x) for x in body.splitlines()) <= 80 and
      len(body.splitlines()) > 10,
      "into a pipe the text is wrapped at 80 columns", out)
r = ctl("show", str(long_id), env={"COLUMNS": "40"})
check(max(len(x) for x in r.stdout.split("\n\n", 1)[1].splitlines()) <= 40,
      "COLUMNS=40: wrapped at 40", r.stdout)
r = ctl("show", "--raw", str(long_id))
check(r.returncode == 0 and "<blockquote><p>We stand together.</p>" in
      r.stdout, "show --raw prints the HTML as the feed gave it", r.stdout)
r = ctl("show", str(long_id), "--raw")
check(r.returncode == 0 and "<blockquote>" in r.stdout,
      "--raw after the id", r.stderr)
r = ctl("show", str(long_id), env={"PAGER": "sed s/^/PAGER:/"})
check("PAGER:" not in r.stdout, "no pager into a pipe", r.stdout[:200])

# ---- local time --------------------------------------------------------------
r = ctl("show", str(short_id), env={"TZ": "EET-2"})
check("2025-11-03 14:00 EET" in r.stdout and "T12:00:00Z" not in r.stdout,
      "show prints local time by TZ", r.stdout)
r = ctl("show", str(short_id), env={"TZ": "UTC0"})
check("2025-11-03 12:00 UTC" in r.stdout, "TZ=UTC0: UTC", r.stdout)
doc = json.loads(ctl("--json", "show", str(short_id),
                     env={"TZ": "EET-2"}).stdout)
check(doc["published"] == "2025-11-03T12:00:00Z",
      "--json keeps ISO 8601 UTC", doc)

# ---- on a terminal: width, pager, colour -----------------------------------
pager = {"PAGER": "sed s/^/PAGER:/"}
code, out, err = on_tty(["show", str(long_id)], env=pager, rows=10, cols=60)
out = SGR.sub("", out)
check(code == 0 and "PAGER:Coalition meets" in out,
      "on a terminal, text longer than the screen goes through $PAGER",
      out + err)
lines = [x[len("PAGER:"):] for x in out.splitlines() if
         x.startswith("PAGER:")]
check(lines and max(len(x) for x in lines) <= 60,
      "wrapped to the terminal's 60 columns", out)
code, out, err = on_tty(["show", str(short_id)], env=pager, rows=40)
check(code == 0 and "PAGER:" not in out and "Just one line." in out,
      "text shorter than the screen is not paged", out)
code, out, err = on_tty(["show", str(long_id)], rows=10, env={
    "PAGER": "/nonexistent/pager"})
check(code == 0 and "word119" in out,
      "a pager that cannot start leaves the text on the terminal",
      out[-300:] + err)
code, out, err = on_tty(["show", str(short_id)])
check(ANSI.search(out), "the title is bold on a terminal", out)
code, out, err = on_tty(["show", str(short_id)], env={"TERM": "dumb"})
check(not ANSI.search(out), "TERM=dumb: no colour", out)
code, out, err = on_tty(["feeds"], env={"TERM": "dumb"})
check(not ANSI.search(out) and "News A" in out, "TERM=dumb: feeds too", out)
code, out, err = on_tty(["show", str(short_id)], env={"NO_COLOR": "1"})
check(not ANSI.search(out), "NO_COLOR: no colour", out)

check(d.stop() == 0, "daemon stops cleanly")
srv.stop()
done()
