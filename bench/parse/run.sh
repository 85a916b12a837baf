#!/bin/sh
# Parse throughput: feedd's parser vs bare Expat (bench/floors/expat_noop,
# the floor) vs Python feedparser (python3-feedparser), on the generated
# corpus of bench/gen/gencorpus.py. See bench/README-parse.md.
#
#   bench/parse/run.sh                 N=2000 feeds, 3 runs each
#   N=500 RUNS=5 CORPUS=/tmp/c bench/parse/run.sh
set -eu
cd "$(dirname "$0")/../.."
N=${N:-2000}
RUNS=${RUNS:-3}
FP_FILES=${FP_FILES:-300}
CORPUS=${CORPUS:-/tmp/feedd-bench-parse-corpus}
BUILD=${BUILD:-build-bench-parse}
OUT=${OUT:-$BUILD/bench-parse}

[ -d "$BUILD" ] || meson setup "$BUILD" --buildtype=release >/dev/null
ninja -C "$BUILD" common/libfeedcommon.a >/dev/null
mkdir -p "$OUT"
cc -O2 -std=c17 -D_GNU_SOURCE -Icommon -I"$BUILD" bench/parse/parse_bench.c \
    "$BUILD/common/libfeedcommon.a" -lexpat -ljansson -lcurl \
    -o "$OUT/parse_bench"
make -s -C bench/floors expat_noop >/dev/null

if [ ! -f "$CORPUS/feeds.txt" ]; then
	python3 bench/gen/gencorpus.py --out "$CORPUS" -n "$N" --seed 1 >/dev/null
fi
cd "$CORPUS"
echo "corpus: $(wc -l < feeds.txt) files, $(du -sh f | cut -f1)"
i=0
while [ "$i" -lt "$RUNS" ]; do
	printf 'feedd whole body  '; "$OLDPWD/$OUT/parse_bench" - < feeds.txt
	printf 'feedd 4 KB pushes '; "$OLDPWD/$OUT/parse_bench" -c 4096 - < feeds.txt
	printf 'expat no-op       '; "$OLDPWD/bench/floors/expat_noop" - < feeds.txt
	i=$((i + 1))
done
head -n "$FP_FILES" feeds.txt > "$OLDPWD/$OUT/fp-files.txt"
printf 'feedd, first %s   ' "$FP_FILES"
"$OLDPWD/$OUT/parse_bench" - < "$OLDPWD/$OUT/fp-files.txt"
printf 'feedparser, same  '
/usr/bin/python3 "$OLDPWD/bench/floors/feedparser_parse.py" - \
    < "$OLDPWD/$OUT/fp-files.txt"

# Expat 2.5's quadratic case (CVE-2023-52425): one 10 MB token in 4 KB
# pushes. Debian's 2.5.0-1+deb12u5 carries the upstream fix; feedd holds
# input back on its own as well, so older builds are safe too.
cd "$OLDPWD"
python3 - "$OUT/huge-attr.xml" "$OUT/huge-text.xml" <<'PY'
import sys
n = 10 * 1024 * 1024
open(sys.argv[1], "w").write('<rss><channel><item><enclosure url="http://e/'
                             + "a" * n + '"/></item></channel></rss>')
open(sys.argv[2], "w").write("<rss><channel><item><description>"
                             + "a" * n + "</description></item></channel></rss>")
PY
printf '10 MB attribute, 4 KB pushes '; "$OUT/parse_bench" -c 4096 "$OUT/huge-attr.xml"
printf '10 MB text,      4 KB pushes '; "$OUT/parse_bench" -c 4096 "$OUT/huge-text.xml"
