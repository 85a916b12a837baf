#!/bin/sh
# JSON Feed against XML on the same entries: the gencorpus.py corpus of
# run.sh, its well-formed feeds and their JSON Feed twins
# (bench/gen/tojsonfeed.py), timed by parse_bench. See bench/README-parse.md.
#
#   bench/parse/json.sh                N=2000 feeds, 3 runs each
set -eu
cd "$(dirname "$0")/../.."
N=${N:-2000}
RUNS=${RUNS:-3}
CORPUS=${CORPUS:-/tmp/feedd-bench-parse-corpus}
BUILD=${BUILD:-build-bench-parse}
OUT=${OUT:-$BUILD/bench-parse}

[ -d "$BUILD" ] || meson setup "$BUILD" --buildtype=release >/dev/null
ninja -C "$BUILD" common/libfeedcommon.a client/feedctl >/dev/null
mkdir -p "$OUT"
cc -O2 -std=c17 -D_GNU_SOURCE -Icommon -I"$BUILD" bench/parse/parse_bench.c \
    "$BUILD/common/libfeedcommon.a" -lexpat -ljansson -lcurl -lgumbo \
    -o "$OUT/parse_bench"
if [ ! -f "$CORPUS/feeds.txt" ]; then
	python3 bench/gen/gencorpus.py --out "$CORPUS" -n "$N" --seed 1 >/dev/null
fi
[ -s "$CORPUS/json.txt" ] ||
    python3 bench/gen/tojsonfeed.py "$BUILD/client/feedctl" "$CORPUS"
BENCH=$PWD/$OUT/parse_bench
cd "$CORPUS"
echo "XML: $(wc -l < xml-twins.txt) files," \
    "$(xargs du -cb < xml-twins.txt | tail -1 | cut -f1) bytes;" \
    "JSON: $(xargs du -cb < json.txt | tail -1 | cut -f1) bytes"
i=0
while [ "$i" -lt "$RUNS" ]; do
	printf 'XML, whole   '; "$BENCH" - < xml-twins.txt
	printf 'JSON, whole  '; "$BENCH" - < json.txt
	printf 'JSON, 4 KB   '; "$BENCH" -c 4096 - < json.txt
	i=$((i + 1))
done
