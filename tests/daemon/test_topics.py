"""Topics through the API and feedctl, against the real daemon polling the
suite's HTTP server: config topics and API topics side by side, back-fill of
a topic added later, prefix queries for Russian and Ukrainian inflections,
case and diacritic folding, refusals (bad query, duplicate name, removing a
config topic), removal, and reconciliation on SIGHUP."""
import json
import os
import signal
import subprocess
import sys
import time

from feeddtest import (FEEDD, SRCDIR, Daemon, TempDir, check, done, http_unix,
                       rss, store_database)

tmp = TempDir()
root = tmp.join("www")
os.makedirs(root)
tmp.write("www/ru.xml", rss("ru", [
    ("Коалиция желающих соберется в Париже", "Лидеры обсудят гарантии."),
    ("Заседание коалиции желающих перенесли", "Новая дата."),
    ("О коалиции желающих спорят эксперты", "Мнения."),
    ("Погода в Москве", "Дождь."),
]))
tmp.write("www/en.xml", rss("en", [
    ("Security GUARANTEES for Ukraine discussed", "Guaranteed support."),
    ("Café owners in Athens: Αθήνα tourism up", "Summer season."),
    ("ΑΘΉΝΑ: ΡΕΚΌΡ ΤΟΥΡΙΣΜΟΎ", "Καλοκαίρι."),
    ("Stock markets rally", "Tech shares up."),
]))

srv = subprocess.Popen([sys.executable, os.path.join(SRCDIR, "feedserver.py"),
                        "--root", root], stdout=subprocess.PIPE, text=True)
base = "http://127.0.0.1:%d" % int(srv.stdout.readline().split()[1])

CONF = """
[feedd]
log_level = info
default_interval = 1h

[feed "ru"]
url = %(base)s/feeds/ru.xml

[feed "en"]
url = %(base)s/feeds/en.xml

[topic "koalitsiya"]
query = %(query)s
"""


def titles(d, topic):
    doc = d.ctl_json("list", "--topic", topic, "--limit", "100")
    return sorted(e["title"] for e in doc["entries"])


def wait_for(pred, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if pred():
                return True
        except (RuntimeError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    return False


def all_polled(d):
    doc = d.ctl_json("feeds")
    fs = doc["feeds"] if isinstance(doc, dict) else doc
    return fs and all(f.get("last_poll") for f in fs)


d = Daemon(tmp, CONF % {"base": base, "query": "коалици*"})
try:
    d.start()
    check(wait_for(lambda: all_polled(d)), "both feeds polled", d.read_log()[-2000:])
    ru = titles(d, "koalitsiya")
    check(ru == sorted(["Коалиция желающих соберется в Париже",
                        "Заседание коалиции желающих перенесли",
                        "О коалиции желающих спорят эксперты"]),
          "коалици* finds коалиция, коалиции (Russian inflections)", ru)

    # API topics are back-filled from what is stored.
    r = d.ctl("topic", "add", "guarantees", "guarant*")
    check(r.returncode == 0 and "added" in r.stdout, "feedctl topic add", r.stdout + r.stderr)
    check(wait_for(lambda: titles(d, "guarantees") == [
        "Security GUARANTEES for Ukraine discussed"]),
        "a new topic is back-filled: guarant* matches GUARANTEES and Guaranteed once",
        titles(d, "guarantees"))
    r = d.ctl("topic", "add", "folding", "cafe")
    check(wait_for(lambda: titles(d, "folding") == [
        "Café owners in Athens: Αθήνα tourism up"]),
        "cafe finds Café (Latin diacritics folded)", titles(d, "folding"))
    r = d.ctl("topic", "add", "greek", "αθήνα")
    check(wait_for(lambda: titles(d, "greek") == sorted([
        "Café owners in Athens: Αθήνα tourism up", "ΑΘΉΝΑ: ΡΕΚΌΡ ΤΟΥΡΙΣΜΟΎ"])),
        "αθήνα finds Αθήνα and ΑΘΉΝΑ (Greek case folded)", titles(d, "greek"))
    r = d.ctl("topic", "add", "greek-bare", "αθηνα")
    check(wait_for(lambda: d.ctl_json("topics")["topics"] and all(
        t.get("backfill") is None for t in d.ctl_json("topics")["topics"]))
        and titles(d, "greek-bare") == [],
        "αθηνα does not find Αθήνα: unicode61 keeps Greek accents (documented)",
        titles(d, "greek-bare"))

    # A listing is written entry by entry, one entry alone is one jansson
    # object: the same members in the same order, topics included.
    def pairs(path):
        return json.loads(http_unix(d.socket, "GET", path)[2],
                          object_pairs_hook=list)

    listed = pairs("/v1/entries?content=1&limit=1000")
    entries = dict(listed)["entries"]
    alone = [pairs("/v1/entries/%d" % dict(e)["id"]) for e in entries]
    check(len(entries) == 8 and entries == alone and
          any(len(dict(e)["topics"]) == 2 for e in entries),
          "listed entries are the entries alone: members, order, values", (listed, alone))
    check([k for k, _ in listed] == ["entries", "next_since", "more"] and
          [k for k, _ in pairs("/v1/entries?client=x&topic=greek")] ==
          ["entries", "next_since", "more", "client", "cursor"],
          "a listing's members and their order", listed)
    r = d.ctl("topic", "add", "guarantees", "other")
    check(r.returncode == 1 and "exists" in r.stderr, "a duplicate name is refused",
          r.stderr)
    r = d.ctl("topic", "add", "broken", '"unbalanced')
    check(r.returncode == 1 and r.stderr.strip(), "a bad FTS5 query is refused",
          r.stderr)
    code, doc, _ = http_unix(d.socket, "POST", "/v1/topics",
                             {"name": "x", "query": "y", "color": 1})
    check(code == 400, "unknown fields are refused", doc)
    r = d.ctl("topic", "rm", "koalitsiya")
    check(r.returncode == 1 and "defined in" in r.stderr,
          "a config topic cannot be removed through the API", r.stderr)

    doc = d.ctl_json("topics", "--client", "t1")
    tps = {t["name"]: t for t in doc["topics"]}
    check(set(tps) == {"koalitsiya", "guarantees", "folding", "greek",
                       "greek-bare"} and
          tps["koalitsiya"]["match_count"] == 3 and tps["koalitsiya"]["unseen"] == 3
          and tps["koalitsiya"]["origin"] == "config"
          and tps["guarantees"]["origin"] == "api",
          "topics: counts, unseen for a fresh cursor, origins", doc)
    d.ctl("new", "--topic", "koalitsiya", "--client", "t1")
    doc = d.ctl_json("topics", "--client", "t1")
    check({t["name"]: t["unseen"] for t in doc["topics"]}["koalitsiya"] == 0,
          "after feedctl new the topic has nothing unseen", doc)
    r = d.ctl("topics", "--client", "t1")
    check(r.returncode == 0 and "koalitsiya" in r.stdout and "MATCHES" in r.stdout,
          "feedctl topics prints a table", r.stdout + r.stderr)

    r = d.ctl("topic", "rm", "folding")
    check(r.returncode == 0, "feedctl topic rm", r.stderr)
    code, doc, _ = http_unix(d.socket, "GET", "/v1/topics/folding")
    check(code == 404, "a removed topic is gone", doc)

    # SIGHUP: a changed query is reconciled and matched afresh.
    d.config = tmp.write("feedd.conf", CONF % {
        "base": base, "query": "коалици* NOT заседание"})
    d.signal(signal.SIGHUP)
    check(wait_for(lambda: len(titles(d, "koalitsiya")) == 2),
          "after a reload the changed query lists what it matches now",
          titles(d, "koalitsiya") if True else None)
    doc = d.ctl_json("topics")
    q = {t["name"]: t["query"] for t in doc["topics"]}.get("koalitsiya")
    check(q == "коалици* NOT заседание", "the stored query follows the file", doc)
    rc = d.stop()
    check(rc == 0, "the daemon stops cleanly", d.read_log()[-2000:])

    # feedd --once: polls, matches, and waits for the hook's commands.
    out = tmp.join("once.tsv")
    once_conf = tmp.write("once.conf", (CONF % {
        "base": base, "query": "коалици*"}) + "notify = tsv\n"
        "[hook \"tsv\"]\ncommand = /bin/sh %s %s\n" % (
            os.path.join(SRCDIR, "..", "..", "config",
                         "notify-file.example"), out))
    r = subprocess.run([FEEDD, "-c", once_conf, "--once", "--database",
                        store_database(tmp, "once"), "--socket",
                        tmp.join("once.sock")],
                       capture_output=True, text=True, timeout=60)
    lines = open(out, encoding="utf-8").read().splitlines() \
        if os.path.exists(out) else []
    check(r.returncode == 0 and len(lines) == 3,
          "feedd --once runs the hook's command for each match before exiting",
          (r.returncode, lines, r.stderr[-2000:]))
finally:
    d.stop()
    srv.terminate()
    srv.wait()

tmp.cleanup()
done()
