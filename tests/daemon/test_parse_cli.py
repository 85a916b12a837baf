#!/usr/bin/env python3
"""feedctl parse: the offline command the conformance checks run.

Runs the real feedctl over every corpus/feedparser and corpus/jsonfeed
case and checks the assertions (same rules as test_corpus.c, same skip
file), then the command line itself: stdin, --url, exit status 1 with the
JSON still printed for a broken document, 2 for a missing file or bad
usage, the warnings of a repaired one. Needs no daemon."""
import json
import os
import subprocess
import sys

FEEDCTL = os.environ["FEEDCTL"]
SRC = os.environ["TESTS_SRCDIR"]
CORPUS_DIR = os.path.join(SRC, "..", "corpus")
CORPORA = [os.path.join(CORPUS_DIR, "feedparser"),
           os.path.join(CORPUS_DIR, "jsonfeed")]
WS = " \t\r\n"
failures = []


def parse(args, stdin=None):
    p = subprocess.run([FEEDCTL, "parse"] + args, input=stdin,
                       capture_output=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def check(case, doc, a):
    field, op = a["field"], a["op"]
    if field == "encoding":
        return True
    if a["scope"] == "document":
        got = doc.get(field)
    else:
        obj = doc["feed"] if a["scope"] == "feed" else (
            doc["entries"][a["entry"]] if a["entry"] < len(doc["entries"])
            else {})
        got = obj.get(field)
        if "item" in a:
            got = got[a["item"]] if got and a["item"] < len(got) else None
            if got is not None and "subfield" in a:
                got = got.get(a["subfield"])

    def same(g, w):
        if isinstance(w, str):
            return isinstance(g, str) and g.strip(WS) == w.strip(WS)
        return g == w
    if op == "eq":
        if (field == "format" and case.get("format_version") == "rss"
                and isinstance(got, str) and got.startswith("rss")):
            return True
        return same(got, a["value"])
    if op == "one_of":
        return any(same(got, v) for v in a["values"])
    if op == "absent":
        return got in (None, "")
    if op == "count":
        if field == "entries" and a["scope"] == "document":
            got = doc["entries"]
        return isinstance(got, list) and len(got) == a["value"]
    if op == "contains":
        items = got if isinstance(got, list) else [got]
        return any(isinstance(g, str) and a["value"] in g for g in items)
    return False


def main():
    skips = {}
    with open(os.path.join(CORPUS_DIR, "corpus-skip.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                skips[line.split()[0]] = line
    n = passed = 0
    cases = []
    for corpus in CORPORA:
        with open(os.path.join(corpus, "cases.jsonl")) as f:
            cases += [(corpus, json.loads(line)) for line in f]
    for corpus, case in cases:
        if case["id"] in skips:
            continue
        n += 1
        must_parse = case.get("must_parse", True)
        rc, out, err = parse([os.path.join(corpus, case.get("doc") or
                                           case["xml"])])
        try:
            doc = json.loads(out)
        except ValueError:
            failures.append("%s: not JSON (rc %d): %r" % (case["id"], rc,
                                                          err[:200]))
            continue
        bad = [a["path"] for a in case["assertions"]
               if not check(case, doc, a)]
        if rc != (0 if must_parse else 1) or (
                doc["error"] is None) != must_parse or bad:
            failures.append("%s: rc %d, error %r, wrong %s" % (
                case["id"], rc, doc["error"], bad))
        else:
            passed += 1
    print("# feedctl parse over the corpora: %d of %d pass" % (passed, n))

    koi8 = os.path.join(CORPUS_DIR, "realworld",
                        "synthetic-koi8-r-ru.rss.xml")
    with open(koi8, "rb") as f:
        body = f.read()
    rc, out, _ = parse(["-"], stdin=body)
    doc = json.loads(out)
    if rc != 0 or doc["feed"]["title"] != "Пример RSS ленты":
        failures.append("stdin: rc %d, title %r" % (rc, doc["feed"]["title"]))
    if set(doc) != {"format", "feed", "entries", "error",
                    "warnings"} or set(
            doc["feed"]) != {"title", "link", "subtitle", "language",
                             "updated", "author"} or set(
            doc["entries"][0]) != {"id", "title", "link", "published",
                                   "updated", "summary", "content", "author",
                                   "categories", "enclosures"}:
        failures.append("shape differs from DESIGN.md: %r" % doc)

    rel = b'<rss><channel><item><link>a/b</link></item></channel></rss>'
    rc, out, _ = parse(["-", "--url", "https://site.example/x/feed"],
                       stdin=rel)
    link = json.loads(out)["entries"][0]["link"]
    if link != "https://site.example/x/a/b":
        failures.append("--url: link %r" % link)

    broken = b'<rss><channel><item><title>kept</title></item><item><title>x'
    rc, out, err = parse(["-"], stdin=broken)
    doc = json.loads(out)
    if rc != 1 or not doc["error"] or len(doc["entries"]) != 1 or not err:
        failures.append("broken: rc %d, %r, stderr %r" % (rc, doc, err))

    # Repairs are said, and a repaired document still parses (exit 0).
    latin = (b'<rss><channel><title>caf\xe9</title><item><title>a\x00b'
             b'</title></item></channel></rss>')
    rc, out, err = parse(["-"], stdin=latin)
    doc = json.loads(out)
    if rc != 0 or doc["feed"]["title"] != "caf\u00e9" or not any(
            "windows-1252" in w for w in doc["warnings"]) or not any(
            "NUL" in w for w in doc["warnings"]):
        failures.append("warnings: rc %d, %r" % (rc, doc))

    # JSON Feed on stdin, told by its content.
    rc, out, err = parse(["-", "--url", "https://j.example/feed.json"],
                         stdin=b' {"version": "https://jsonfeed.org/'
                         b'version/1", "items": [{"id": 7, "url": "a"}]}')
    doc = json.loads(out)
    if rc != 0 or doc["format"] != "json1.0" or doc["entries"][0] != {
            "id": "7", "title": None, "link": "https://j.example/a",
            "published": None, "updated": None, "summary": None,
            "content": None, "author": None, "categories": [],
            "enclosures": []}:
        failures.append("JSON Feed: rc %d, %r" % (rc, doc))

    rc, out, err = parse([os.path.join(SRC, "no-such-file.xml")])
    if rc != 2 or out or b"no-such-file" not in err:
        failures.append("missing file: rc %d, out %r, err %r" % (rc, out,
                                                                 err))
    rc, _, _ = parse([])
    if rc != 2:
        failures.append("no argument: rc %d" % rc)

    for f in failures:
        print("FAIL", f)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
