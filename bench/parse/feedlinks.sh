#!/bin/sh
# What reading a page for its feed links costs the event loop: the pages of
# tests/corpus/discovery and two large made-up ones. See
# bench/README-parse.md.
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build-bench-parse}
OUT=${OUT:-$BUILD/bench-parse}

[ -d "$BUILD" ] || meson setup "$BUILD" --buildtype=release >/dev/null
ninja -C "$BUILD" common/libfeedcommon.a >/dev/null
mkdir -p "$OUT"
cc -O2 -std=c17 -D_GNU_SOURCE -Icommon -I"$BUILD" \
    bench/parse/feedlinks_bench.c "$BUILD/common/libfeedcommon.a" \
    -lexpat -ljansson -lcurl -lgumbo -o "$OUT/feedlinks_bench"
python3 - "$OUT/home-1mib.html" "$OUT/deep.html" "$OUT/nolink-1mib.html" <<'PY'
import sys
head = ('<!DOCTYPE html><html><head><title>Big home</title>'
        '<link rel="alternate" type="application/rss+xml" href="/feed/">'
        '</head><body>')
art = ('<article class="post"><h2><a href="/2024/01/%d/">Post %d</a></h2>'
       '<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do '
       'eiusmod tempor <a href="/tag/x">x</a> incididunt.</p></article>\n')
body, i = [head], 0
while sum(map(len, body)) < 1024 * 1024 - 4096:
    body.append(art % (i, i))
    i += 1
open(sys.argv[1], "w").write("".join(body) + "</body></html>")
open(sys.argv[2], "w").write(head + "<div>" * 50000)
# No <link>: the whole page is read for its anchors (one is a feed's).
open(sys.argv[3], "w").write("".join(body).replace(
    '<link rel="alternate" type="application/rss+xml" href="/feed/">', "")
    + '<a href="/feed/">RSS</a></body></html>')
PY
"$OUT/feedlinks_bench" tests/corpus/discovery/*.html "$OUT/home-1mib.html" \
    "$OUT/nolink-1mib.html" "$OUT/deep.html"
