#!/bin/bash -eu
# Builds evconform's fuzz targets the OSS-Fuzz / ClusterFuzzLite way: with
# the engine's $CC/$CXX, $CFLAGS/$CXXFLAGS and $LIB_FUZZING_ENGINE, into
# $OUT, each with its seed corpus (<target>_seed_corpus.zip), dictionary
# and options file. Plain compiler calls, no CMake, so the build image
# needs only libevent-dev (for the libevent and differential targets) and
# libssl-dev (tls_read).
# Locally: CXX=clang++ CXXFLAGS="-fsanitize=address,fuzzer-no-link -g" \
#   LIB_FUZZING_ENGINE=-fsanitize=fuzzer SRC=$PWD/.. OUT=/tmp/out .clusterfuzzlite/build.sh
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: "${CXX:=clang++}" "${CXXFLAGS:=}" "${LIB_FUZZING_ENGINE:=-fsanitize=fuzzer}" "${OUT:?set OUT}"
mkdir -p "$OUT"
cxx() { $CXX $CXXFLAGS -std=c++17 "$@"; }

# The reference's evbuffer: core (namespace evref) and the C facade.
core="$root/reference/src/core"
# (mm.cc: the allocator behind event_set_mem_functions, which chains use;
# thread.cc + log.cc: the evthread lock callbacks every entry point goes through)
core_objs=()
for src in "$core/buffer.cc" "$core/buffer_search.cc" "$core/file_segment.cc" "$core/mm.cc" \
           "$core/thread.cc" "$core/log.cc"; do
  cxx -I"$core" -c "$src" -o "$work/core_$(basename "$src" .cc).o"
  core_objs+=("$work/core_$(basename "$src" .cc).o")
done
cxx -I"$root/reference/include" -I"$core" -c "$root/reference/src/buffer.cc" -o "$work/facade_buffer.o"
libevent_flags=$(pkg-config --cflags --libs libevent_core)

package() {  # target family: dictionary, options, seed corpus next to the binary
  local target=$1 family=$2
  cp "$root/fuzz/$family.dict" "$OUT/$target.dict"
  # the .options file names the dictionary by the target's name
  sed "s/^dict = .*/dict = $target.dict/" "$root/fuzz/$family.options" > "$OUT/$target.options"
  (cd "$root/fuzz/corpus/$family" && python3 -m zipfile -c "$OUT/${target}_seed_corpus.zip" ./*)
}

for family in eol_search evbuffer_ops; do
  # on the reference, through libevent's C API
  cxx -I"$root/reference/include" "$root/fuzz/${family}_target.cc" "$work/facade_buffer.o" \
    "${core_objs[@]}" $LIB_FUZZING_ENGINE -o "$OUT/${family}_reference"
  package "${family}_reference" "$family"
  # on the system's libevent; its known reserve_space abort (a CRASH
  # expectation of the conformance suite) is steered around, as in CMake
  cxx -DEVC_FUZZ_AVOID_KNOWN_LIBEVENT_ABORT=1 "$root/fuzz/${family}_target.cc" $LIB_FUZZING_ENGINE \
    $libevent_flags -o "$OUT/${family}_libevent"
  package "${family}_libevent" "$family"
done
# the reference core beside real libevent
cxx -I"$core" "$root/fuzz/eol_differential_target.cc" "${core_objs[@]}" $LIB_FUZZING_ENGINE \
  $libevent_flags -o "$OUT/eol_differential"
package eol_differential eol_search
cxx -I"$core" "$root/fuzz/evbuffer_ops_differential_target.cc" "${core_objs[@]}" $LIB_FUZZING_ENGINE \
  $libevent_flags -o "$OUT/evbuffer_ops_differential"
package evbuffer_ops_differential evbuffer_ops
# the TLS read path on the system's libevent_openssl (the reference's
# OpenSSL bufferevent is built by CMake only)
cxx -DEVC_FUZZ_AVOID_KNOWN_LIBEVENT_ABORT=1 "$root/fuzz/tls_read_target.cc" $LIB_FUZZING_ENGINE \
  $(pkg-config --cflags --libs libevent_openssl libevent_core openssl) -o "$OUT/tls_read_libevent"
package tls_read_libevent tls_read
