#!/usr/bin/env python3
"""Writes a JSON Feed 1.1 twin of every feed of a gencorpus.py corpus, with
the same entries (as `feedctl parse` reads them), so that XML and JSON
parsing can be timed on the same content (bench/parse/run.sh, "JSON").

    tojsonfeed.py FEEDCTL CORPUS        writes CORPUS/json/, json.txt and xml-twins.txt (paths relative to
    CORPUS, as in its feeds.txt)
"""
import json
import os
import subprocess
import sys


def main():
    feedctl, corpus = sys.argv[1], sys.argv[2]
    out = os.path.join(corpus, "json")
    os.makedirs(out, exist_ok=True)
    names = []
    with open(os.path.join(corpus, "feeds.txt")) as f:
        paths = [line.strip() for line in f if line.strip()]
    for i, path in enumerate(paths):
        p = subprocess.run([feedctl, "parse", os.path.join(corpus, path)],
                           capture_output=True)
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            continue
        if doc["error"] is not None:
            continue            # the XML side's malformed ones: no twin
        feed = doc["feed"]
        items = []
        for e in doc["entries"]:
            item = {"id": e["id"] or e["link"] or str(len(items))}
            for key, val in (("url", e["link"]), ("title", e["title"]),
                             ("content_html", e["content"]),
                             ("summary", e["summary"]),
                             ("date_published", e["published"]),
                             ("date_modified", e["updated"])):
                if val is not None:
                    item[key] = val
            if e["author"]:
                item["authors"] = [{"name": e["author"]}]
            if e["categories"]:
                item["tags"] = e["categories"]
            if e["enclosures"]:
                item["attachments"] = [
                    {"url": x["url"], "mime_type": x["type"] or
                     "application/octet-stream",
                     **({"size_in_bytes": x["length"]}
                        if x["length"] is not None else {})}
                    for x in e["enclosures"]]
            items.append(item)
        jf = {"version": "https://jsonfeed.org/version/1.1",
              "title": feed["title"] or "", "items": items}
        if feed["link"]:
            jf["home_page_url"] = feed["link"]
        if feed["subtitle"]:
            jf["description"] = feed["subtitle"]
        if feed["language"]:
            jf["language"] = feed["language"]
        name = os.path.join("json", "%05d.json" % i)
        with open(os.path.join(corpus, name), "w") as f:
            json.dump(jf, f, ensure_ascii=False, indent=1)
        names.append(name)
    with open(os.path.join(corpus, "json.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
    with open(os.path.join(corpus, "xml-twins.txt"), "w") as f:
        twins = set(int(os.path.basename(n)[:5]) for n in names)
        f.write("\n".join(p for i, p in enumerate(paths) if i in twins)
                + "\n")


if __name__ == "__main__":
    main()
