#!/usr/bin/env python3
"""Autodiscovery, as a user meets it: feedctl add and feedctl discover on
the pages of corpus/discovery (WordPress, Blogger, Ghost, Hugo, a news site
with three feeds, micro.blog, a hand-made page with a relative link under
a <base>, a page with only an <a> to its feed, a page with none, a site
whose feed is only at /index.xml), served by feedserver.py; the API's 300
and 422 answers; an add that does not wait and an OPML import moved to the
feed behind their page; the same politeness as polls (host gap, one
connection per host, the body limit); one fetch of the feed subscribed."""
import json
import os
import pty
import select
import shutil
import subprocess
import time

from feeddtest import (FEEDCTL, SRCDIR, Daemon, TempDir, check, done,
                       http_unix)
from test_api_lib import CONF, FeedServer, wait_until

CORPUS = os.path.join(SRCDIR, "..", "corpus", "discovery")

tmp = TempDir()
srv = FeedServer(tmp.join("root"))
for name in os.listdir(CORPUS):
    shutil.copy(os.path.join(CORPUS, name), tmp.join("root", name))
d = Daemon(tmp, CONF).start()


def url(name):
    return srv.url(name)


def api(method, path, body=None, sock=None):
    code, doc, _ = http_unix(sock or d.socket, method, path, body,
                             timeout=60)
    return code, doc


def copy_page(page, new, feeds):
    """A copy of corpus page under a new name whose feeds are copies too
    (feeds: old file -> new file), for addresses not subscribed yet."""
    with open(os.path.join(CORPUS, page)) as f:
        text = f.read()
    for old, renamed in feeds.items():
        text = text.replace(old, renamed)
        shutil.copy(os.path.join(CORPUS, old), tmp.join("root", renamed))
    with open(tmp.join("root", new), "w") as f:
        f.write(text)
    return url(new)


def count(path):
    return srv.control("/_control/stats").get(path, {}).get("count", 0)


def feed_by_url(u):
    for f in d.ctl_json("feeds")["feeds"]:
        if f["url"] == u:
            return f
    return None


def nfeeds():
    return len(d.ctl_json("feeds")["feeds"])


def route(path, name, ctype="text/html; charset=utf-8"):
    """Serves corpus page name at path (pages served elsewhere)."""
    with open(os.path.join(CORPUS, name)) as f:
        body = f.read().replace("{{BASE}}", srv.base)
    srv.control("/_control/route", {"path": path, "status": 200,
                                    "body": body, "content_type": ctype})


def on_tty(args, answer):
    """feedctl with stdin and stdout on a terminal, typing answer at the
    prompt; (exit code, what the terminal showed)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([FEEDCTL, "--socket", d.socket] + args,
                         stdin=slave, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    out, typed = b"", False
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                b = os.read(master, 4096)
            except OSError:
                break
            if not b:
                break
            out += b
        if not typed and b"which one?" in out:
            os.write(master, answer)
            typed = True
        if p.poll() is not None and not r:
            break
    p.wait(10)
    os.close(master)
    return p.returncode, out.decode(errors="replace").replace("\r\n", "\n")


try:
    # ---- one feed behind the page: subscribed, and said so -------------
    srv.control("/_control/reset", b"")
    r = d.ctl("add", url("wordpress.html"))
    check(r.returncode == 0 and
          "added feed 1: %s (found from %s)" % (url("wp-feed.xml"),
                                                url("wordpress.html"))
          in r.stdout and
          "the page also announces %s (comments)" % url("wp-comments.xml")
          in r.stdout and
          'first poll: "Example Blog", 2 entries' in r.stdout,
          "WordPress: its posts feed, its comments feed mentioned",
          r.stdout + r.stderr)
    check(count("/feeds/wp-feed.xml") == 1,
          "the feed was fetched once: its first poll read discovery's "
          "response", count("/feeds/wp-feed.xml"))
    check(count("/feeds/wordpress.html") == 1 and
          count("/wp-json/wp/v2/pages/2") == 0,
          "the page once; its REST and oEmbed links were never fetched")

    for page, want, entries in (("blogger.html", "blogger-atom.xml", 2),
                                ("ghost.html", "ghost-rss.xml", 1),
                                ("hugo.html", "hugo-index.xml", 1),
                                ("micro.html", "micro-feed.json", 2),
                                ("anchors.html", "anchor-feed.rss", 1)):
        r = d.ctl("add", url(page))
        f = feed_by_url(url(want))
        check(r.returncode == 0 and f is not None and
              f["entries"] == entries and
              "(found from %s)" % url(page) in r.stdout,
              "%s: %s subscribed, %d entries" % (page, want, entries),
              r.stdout + r.stderr)
    check(feed_by_url(url("blogger-rss.xml")) is None and
          feed_by_url(url("micro-feed.xml")) is None,
          "the same posts as RSS and as Atom (or JSON Feed): one feed")
    check(count("/feeds/blogger-rss.xml") == 1,
          "both were fetched to tell they are the same")

    # A relative link, against a <base> that is not the page's folder.
    route("/blog/", "relative.html")
    r = d.ctl("add", srv.base + "/blog/")
    check(r.returncode == 0 and
          url("relative-feed.atom.xml") in r.stdout and
          feed_by_url(url("relative-feed.atom.xml"))["entries"] == 1,
          "a relative link is resolved against the page's <base>",
          r.stdout + r.stderr)
    check(count("/blog/relative-feed.atom.xml") == 0,
          "... not against the page's own folder")

    # Nothing announced: the usual paths of the site, one at a time.
    route("/site/", "none.html")
    srv.control("/_control/route", {"path": "/index.xml", "status": 200,
                                    "body": open(os.path.join(
                                        CORPUS, "ghost-rss.xml")).read()
                                    .replace("Night Shift", "Guessed"),
                                    "content_type": "application/rss+xml"})
    r = d.ctl("add", srv.base + "/site/")
    check(r.returncode == 0 and "added feed" in r.stdout and
          srv.base + "/index.xml" in r.stdout,
          "no link at all: /index.xml of the site is found",
          r.stdout + r.stderr)
    check(count("/feed") == 1 and count("/rss") == 1 and
          count("/atom.xml") == 1 and count("/feed.xml") == 0 and
          count("/rss.xml") == 0,
          "the usual paths in order, none after the one that is a feed")
    srv.control("/_control/unroute?path=/index.xml", b"")

    # ---- several: listed, chosen, or the first --------------------------
    before = nfeeds()
    r = d.ctl("add", url("news.html"))
    check(r.returncode == 1 and
          "%s announces 3 feeds:" % url("news.html") in r.stdout and
          "1. The Daily Example - Top stories" in r.stdout and
          "3. The Daily Example - Technology" in r.stdout and
          "(json1.1, 1 entry)" in r.stdout and
          "nothing subscribed" in r.stderr and nfeeds() == before,
          "several feeds: listed and numbered, exit 1, nothing subscribed",
          r.stdout + r.stderr)
    r = d.ctl("--json", "add", url("news.html"))
    doc = json.loads(r.stdout) if r.stdout else {}
    check(r.returncode == 1 and
          doc.get("error", {}).get("code") == "multiple_feeds" and
          [c["url"] for c in doc["candidates"]] ==
          [url("news-top.xml"), url("news-world.xml"),
           url("news-tech.json")] and doc["candidates"][2]["format"] ==
          "json1.1", "--json: the API's candidates", r.stdout)
    code, doc = api("POST", "/v1/feeds", {"url": url("news.html")})
    check(code == 300 and len(doc["candidates"]) == 3 and
          doc["kind"] == "page" and doc["page_title"] ==
          "The Daily Example - News, Sport and Opinion",
          "the API answers 300 with the candidates", (code, doc))
    rc, screen = on_tty(["add", url("news.html")], b"2\n")
    check(rc == 0 and "subscribe to which one? [1-3" in screen and
          "added feed" in screen and url("news-world.xml") in screen and
          feed_by_url(url("news-world.xml")) is not None,
          "on a terminal one is chosen by its number", screen)
    rc, screen = on_tty(["add", url("news.html")], b"\n")
    check(rc == 1 and feed_by_url(url("news-top.xml")) is None,
          "... and Enter chooses none", screen)
    r = d.ctl("add", "--first", url("news.html"))
    check(r.returncode == 0 and "added feed" in r.stdout and
          url("news-top.xml") in r.stdout, "--first takes the first",
          r.stdout + r.stderr)

    # ---- none: a clear error, nothing subscribed ------------------------
    before = nfeeds()
    r = d.ctl("add", url("none.html"))
    check(r.returncode == 1 and "announces no feed" in r.stderr and
          "/feed, /rss, /atom.xml, /index.xml, /feed.xml, /rss.xml" in
          r.stderr and "nothing was subscribed" in r.stderr and
          nfeeds() == before, "a page without feeds: an error, nothing "
          "subscribed", r.stdout + r.stderr)
    code, doc = api("POST", "/v1/feeds", {"url": url("none.html")})
    check(code == 422 and doc["error"]["code"] == "no_feed" and
          doc["candidates"] == [], "the API answers 422", (code, doc))
    r = d.ctl("add", "--keep", url("none.html"))
    f = feed_by_url(url("none.html"))
    check(r.returncode == 1 and f is not None and f["state"] == "blocked",
          "--keep subscribes the page itself (and says its poll failed)",
          r.stdout + r.stderr)
    d.ctl("rm", str(f["id"]))

    # ---- already there ---------------------------------------------------
    r = d.ctl("add", url("ghost.html"))
    check(r.returncode == 1 and "already subscribed as feed" in r.stderr
          and url("ghost-rss.xml") in r.stderr,
          "the feed a page announces, already subscribed: refused",
          r.stderr)

    # ---- a feed's own URL: one fetch, as before --------------------------
    n = count("/feeds/wp-comments.xml")
    r = d.ctl("add", url("wp-comments.xml"))
    check(r.returncode == 0 and "found from" not in r.stdout and
          count("/feeds/wp-comments.xml") == n + 1,
          "a feed's own URL: subscribed, fetched once", r.stdout)
    r = d.ctl("add", srv.base + "/status/404")
    check(r.returncode == 1 and "HTTP 404" in r.stderr and
          feed_by_url(srv.base + "/status/404") is None,
          "a 404: the first poll's error, unsubscribed (as before)",
          r.stderr)

    # ---- feedctl discover: lists, subscribes nothing ---------------------
    before = nfeeds()
    r = d.ctl("discover", url("wordpress.html"))
    check(r.returncode == 0 and "is an HTML page" in r.stdout and
          "that announces 2 feeds" in r.stdout and
          "(rss2.0, 1 entry, comments)" in r.stdout and nfeeds() == before,
          "discover lists a page's feeds", r.stdout + r.stderr)
    r = d.ctl("discover", url("news-tech.json"))
    check(r.returncode == 0 and "is a feed" in r.stdout and
          "json1.1" in r.stdout, "discover on a feed: the feed itself",
          r.stdout + r.stderr)
    r = d.ctl("discover", url("none.html"))
    check(r.returncode == 1 and "announces no feed" in r.stderr,
          "discover with nothing found: exit 1", r.stderr)
    code, doc = api("POST", "/v1/discover", {"url": "file:///etc/passwd"})
    check(code == 400 and doc["error"]["code"] == "bad_url",
          "no discovery for file://", (code, doc))
    code, doc = api("POST", "/v1/discover", {"url": url("micro.html")})
    check(code == 200 and len(doc["candidates"]) == 1 and
          doc["candidates"][0]["url"] == url("micro-feed.json") and
          doc["candidates"][0]["via"] == "link",
          "POST /v1/discover", (code, doc))

    # ---- nobody waiting: the first poll looks behind the page ------------
    r = d.ctl("add", "--no-wait", copy_page("hugo.html", "late.html", {
        "hugo-index.xml": "late.xml"}))
    fid = json.loads(d.ctl("--json", "feeds").stdout)["feeds"][-1]["id"]
    f = wait_until(lambda: (lambda g: g if g and g["entries"] == 1 else
                            None)(feed_by_url(url("late.xml"))))
    check(r.returncode == 0 and f is not None and f["id"] == fid and
          f["state"] == "ok" and f["last_error"] is None,
          "add --no-wait: the feed moves to the one its page announces",
          (r.stdout, d.ctl_json("feeds")))
    check("is an HTML page: it announces '%s'" % url("late.xml") in
          d.read_log(), "... and the log says so")

    def polled(u):
        return wait_until(lambda: (lambda g: g if g and g["last_poll"]
                                   else None)(feed_by_url(u)))

    opml = ('<?xml version="1.0"?><opml version="2.0"><body>'
            '<outline text="Site" xmlUrl="%s"/>'
            '<outline text="News" xmlUrl="%s"/>'
            '<outline text="Nothing" xmlUrl="%s"/>'
            '<outline text="Known" xmlUrl="%s"/>'
            '</body></opml>' % (
                copy_page("ghost.html", "g2.html",
                          {"ghost-rss.xml": "g2-rss.xml"}),
                copy_page("news.html", "n2.html",
                          {"news-top.xml": "n2-top.xml",
                           "news-world.xml": "n2-world.xml",
                           "news-tech.json": "n2-tech.json"}),
                url("none.html") + "?opml", url("blogger.html") + "?opml"))
    r = d.ctl("import", "-", input=opml)
    g2 = polled(url("g2-rss.xml"))
    top = polled(url("n2-top.xml"))
    check(r.returncode == 0 and g2 is not None and g2["entries"] == 1 and
          g2["title"] == "Site" and top is not None and
          feed_by_url(url("n2-world.xml")) is None,
          "an OPML import: each page's feed (the first of several), with "
          "the outline's title", d.ctl_json("feeds"))
    nothing = polled(url("none.html") + "?opml")
    check(nothing is not None and nothing["state"] == "blocked" and
          "announces no feed" in (nothing["last_error"] or ""),
          "... a page without one says so in its error", nothing)
    known = polled(url("blogger.html") + "?opml")
    check(known is not None and "already subscribed as feed" in
          (known["last_error"] or ""),
          "... and one whose feed is already there says that", known)
finally:
    d.stop()

# ---- politeness: host gap, one connection per host, the body limit ----
polite = Daemon(tmp, CONF.replace("host_gap = 0s", "host_gap = 1s") +
                "max_per_host = 1\nmax_body_size = 64k\n", name="polite")
try:
    polite.start()
    srv.control("/_control/reset", b"")
    start = time.time()
    r = polite.ctl("discover", url("news.html"))
    stats = srv.control("/_control/stats")
    times = sorted(t for p in ("/feeds/news.html", "/feeds/news-top.xml",
                               "/feeds/news-world.xml",
                               "/feeds/news-tech.json")
                   for t in stats.get(p, {}).get("times", []))
    gaps = [b - a for a, b in zip(times, times[1:])]
    check(r.returncode == 0 and len(times) == 4 and min(gaps) > 0.8,
          "discovery's fetches keep the host gap (%s)" %
          ", ".join("%.2f" % g for g in gaps), r.stdout + r.stderr)
    srv.control("/_control/route", {
        "path": "/bigpage/", "status": 200, "content_type": "text/html",
        "body": '<!DOCTYPE html><link rel="alternate" type="application/'
        'rss+xml" href="/big?kb=200"><title>Big</title>'})
    code, doc = api("POST", "/v1/discover", {"url": srv.base + "/bigpage/"},
                    sock=polite.socket)
    check(code == 200 and doc["candidates"] == [] and
          "/big?kb=200" in doc["message"],
          "a candidate over max_body_size is no feed", doc)
finally:
    polite.stop()
    srv.stop()
    tmp.cleanup()
done()
