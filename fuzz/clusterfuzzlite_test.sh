#!/usr/bin/env bash
# Test of .clusterfuzzlite/build.sh outside Docker: build every target the
# way OSS-Fuzz / ClusterFuzzLite would (clang, ASan, libFuzzer), then run
# each for 2,000 inputs from its packaged seed corpus, dictionary and options.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
CC=clang CXX=clang++ CFLAGS="-fsanitize=address,fuzzer-no-link -g" \
  CXXFLAGS="-fsanitize=address,fuzzer-no-link -g" LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
  SRC="$root/.." OUT="$out" "$root/.clusterfuzzlite/build.sh"
n=0
for bin in "$out"/*; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue
  t=$(basename "$bin")
  for f in "${t}.dict" "${t}.options" "${t}_seed_corpus.zip"; do
    [ -s "$out/$f" ] || { echo "missing $f" >&2; exit 1; }
  done
  mkdir -p "$out/corpus-$t"
  python3 -m zipfile -e "$out/${t}_seed_corpus.zip" "$out/corpus-$t"
  (cd "$out" && "$bin" -dict="$t.dict" -runs=2000 "corpus-$t" >"$out/$t.log" 2>&1) ||
    { echo "$t failed its run; the end of its log:" >&2; tail -n 30 "$out/$t.log" >&2; exit 1; }
  n=$((n + 1))
done
[ "$n" -eq 7 ] || { echo "expected 7 targets, built $n" >&2; exit 1; }
echo "clusterfuzzlite build: $n targets built and run"
