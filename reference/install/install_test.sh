#!/usr/bin/env bash
# The installed reference as its users meet it (issue 16, point 1).
#   install_test.sh CASE BUILD_DIR WORK_DIR LIBDIR
# CASE "prefix" installs BUILD_DIR's evref component into WORK_DIR/prefix
# (the CTest fixture); every other case uses that prefix, in a directory of
# its own under WORK_DIR:
#   pkgconfig      pkg-config finds libevent, libevent_core, libevent_openssl
#                  and evref there, and a C program built with their flags runs
#                  on the reference (a TLS one with libevent_openssl's)
#   with-libevent  memcached's --with-libevent=PREFIX check (-I P/include
#                  -L P/lib -levent, <event.h>, event_init) links and runs
#   static         a fully static C program: -levent is the whole reference;
#                  and the TLS program on the archives libevent_openssl.a,
#                  libevent.a
#   find-package   a throwaway CMake project uses evref::evref and
#                  evref::evref_static from a copy of the prefix (relocatable)
#   exports        the shared objects export libevent's C names and no more
#                  (libevref_openssl.so: bufferevent_ssl.h's alone)
#   pthreads       libevent_pthreads (.a, .so, .pc): a threaded program built
#                  with pkg-config libevent_pthreads runs on the reference,
#                  and the library exports evthread_use_pthreads only
# Environment: CC, CMAKE, CMAKE_GENERATOR, EVREF_INSTRUMENTED (set by CTest:
# the sanitizer or coverage flag the build was made with, if any). Exit 77
# is a skip.
set -euo pipefail
case_=$1 build=$2 work=$3 libdir=$4
src=$(cd "$(dirname "$0")/.." && pwd)
P=$work/prefix
L=$P/$libdir
CC=${CC:-cc}
CMAKE=${CMAKE:-cmake}

fail() { echo "install_test $case_: $*" >&2; exit 1; }

# A libevent program as a user writes it, with memcached's includes: the
# 1.4 header and event_init beside a base of its own, a timer, an evbuffer.
# It prints the version so that a link against the system's libevent
# (2.1.12-stable) instead of the reference (2.1.12-evref) shows.
write_program() {
  cat > "$1/prog.c" <<'EOF'
#include <sys/time.h>
#include <sys/types.h>
#include <event.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <stdio.h>

static int fired;
static void on_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)arg;
  fired = what == EV_TIMEOUT;
}

int main(void) {
  struct timeval tv = {0, 1000};
  struct event_base *base = event_base_new();
  struct evbuffer *buf = evbuffer_new();
  struct event *ev = base ? evtimer_new(base, on_timer, NULL) : NULL;
  struct event_base *current = event_init();
  if (!current || !buf || !ev || evtimer_add(ev, &tv) != 0) return 2;
  event_base_dispatch(base);
  evbuffer_add(buf, "ok", 2);
  printf("%s %s %d\n", event_get_version(), event_base_get_method(base),
         (int)evbuffer_get_length(buf));
  event_free(ev);
  evbuffer_free(buf);
  event_base_free(base);
  event_base_free(current);
  return fired ? 0 : 1;
}
EOF
}

# A TLS program: a client SSL bufferevent over a socket to be connected
# later (fd -1), its SSL read back, freed with it.
write_tls_program() {
  cat > "$1/prog_tls.c" <<'EOF2'
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/ssl.h>
#include <stdio.h>

int main(void) {
  struct event_base *base = event_base_new();
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  SSL *ssl = ctx ? SSL_new(ctx) : NULL;
  struct bufferevent *bev = base && ssl ? bufferevent_openssl_socket_new(base, -1, ssl,
      BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE) : NULL;
  if (!bev || bufferevent_openssl_get_ssl(bev) != ssl) return 2;
  printf("%s %s tls\n", event_get_version(), event_base_get_method(base));
  bufferevent_free(bev);
  SSL_CTX_free(ctx);
  event_base_free(base);
  return 0;
}
EOF2
}

# run PROGRAM [ENV...]: runs it, and checks that it ran on the reference.
run_checked() {
  local out
  out=$(env "${@:2}" "$1") || fail "$1 exited $? (output: $out)"
  [[ $out == *-evref* ]] || fail "$1 did not run on the reference: '$out'"
  echo "  $(basename "$1"): $out"
}

check_layout() {
  local f
  for f in include/event.h include/event2/event.h \
           "$libdir"/lib{evref,event,event_core,evref_pthreads,event_pthreads,evref_openssl,event_openssl}.{a,so} \
           "$libdir"/pkgconfig/{libevent,libevent_core,libevent_pthreads,libevent_openssl,evref}.pc \
           "$libdir"/cmake/evref/evref{Config,ConfigVersion,Targets}.cmake; do
    [[ -e $P/$f ]] || fail "missing $P/$f"
  done
  diff -r "$src/include" "$P/include" >/dev/null || fail "$P/include differs from reference/include"
  for f in event event_core; do
    [[ $L/lib$f.a -ef $L/libevref.a && $L/lib$f.so -ef $L/libevref.so ]] ||
      fail "lib$f.{a,so} are not the reference's one archive and shared object"
  done
  [[ $L/libevent_pthreads.a -ef $L/libevref_pthreads.a && $L/libevent_pthreads.so -ef $L/libevref_pthreads.so ]] ||
    fail "libevent_pthreads.{a,so} are not libevref_pthreads'"
  [[ $L/libevent_openssl.a -ef $L/libevref_openssl.a && $L/libevent_openssl.so -ef $L/libevref_openssl.so ]] ||
    fail "libevent_openssl.{a,so} are not libevref_openssl's"
}

dir=$work/$case_
if [[ $case_ != prefix ]]; then
  if [[ -n ${EVREF_INSTRUMENTED:-} ]]; then
    echo "SKIP needs:uninstrumented-build: built with $EVREF_INSTRUMENTED," \
         "whose runtime every consumer of the prefix would need"
    exit 77
  fi
  [[ -d $L ]] || fail "no prefix at $P (run the reference.install.prefix fixture)"
  rm -rf "$dir" && mkdir -p "$dir" && write_program "$dir" && write_tls_program "$dir"
fi
export PKG_CONFIG_PATH=$L/pkgconfig

case $case_ in
prefix)
  rm -rf "$work" && mkdir -p "$work"
  start=$(date +%s%N)
  "$CMAKE" --install "$build" --prefix "$P" --component evref >/dev/null
  echo "  installed into $P in $(( ($(date +%s%N) - start) / 1000000 )) ms"
  check_layout
  ;;
pkgconfig)
  for m in libevent libevent_core libevent_openssl evref; do
    pkg-config --exists "$m" || fail "pkg-config does not find $m"
    [[ $(pkg-config --variable=pcfiledir "$m") -ef $L/pkgconfig ]] ||
      fail "pkg-config $m is not the prefix's"
  done
  pkg-config --atleast-version=2.0 libevent || fail "libevent is not >= 2.0"
  for m in libevent libevent_core evref; do
    # shellcheck disable=SC2046  # word splitting of the flags is meant
    "$CC" -o "$dir/prog_$m" "$dir/prog.c" $(pkg-config --cflags --libs "$m") ||
      fail "cannot build with pkg-config $m: $(pkg-config --cflags --libs "$m")"
    run_checked "$dir/prog_$m" LD_LIBRARY_PATH="$L"
  done
  # shellcheck disable=SC2046
  "$CC" -o "$dir/prog_tls" "$dir/prog_tls.c" $(pkg-config --cflags --libs libevent_openssl) -lssl ||
    fail "cannot build with pkg-config libevent_openssl: $(pkg-config --cflags --libs libevent_openssl)"
  run_checked "$dir/prog_tls" LD_LIBRARY_PATH="$L"
  ;;
with-libevent)
  # memcached's configure.ac (AC_LIBEVENT): CPPFLAGS=-I$dir/include,
  # LDFLAGS=-L$dir/lib, LIBS=-levent, AC_TRY_LINK of event_init(); on success
  # it adds -Wl,-rpath,$dir/lib for the build.
  printf '#include <sys/time.h>\n#include <sys/types.h>\n#include <event.h>\nint main(void) { event_init(); return 0; }\n' > "$dir/conftest.c"
  "$CC" -I"$P/include" -L"$L" -o "$dir/conftest" "$dir/conftest.c" -levent ||
    fail "memcached's libevent link check fails"
  "$CC" -I"$P/include" -L"$L" -Wl,-rpath,"$L" -o "$dir/prog" "$dir/prog.c" -levent
  run_checked "$dir/prog"
  ;;
static)
  # shellcheck disable=SC2046
  "$CC" -static -o "$dir/prog" "$dir/prog.c" $(pkg-config --cflags --static --libs libevent) ||
    fail "no static link with: $(pkg-config --static --libs libevent)"
  [[ $(readelf -d "$dir/prog") != *NEEDED* ]] || fail "prog is not static"
  run_checked "$dir/prog"
  # OpenSSL stays shared (a static libcrypto drags in dlopen): the
  # reference's part is the two archives.
  "$CC" -o "$dir/prog_tls" "$dir/prog_tls.c" -I"$P/include" "$L/libevent_openssl.a" "$L/libevent.a" \
    -lssl -lcrypto -lstdc++ -lm || fail "no link of the TLS program with libevent_openssl.a and libevent.a"
  [[ $(readelf -d "$dir/prog_tls") != *libevref* ]] || fail "prog_tls links a reference shared object"
  run_checked "$dir/prog_tls"
  ;;
find-package)
  # A copy of the prefix: the package must not name where it was installed.
  cp -a "$P" "$dir/moved"
  if grep -rlF "$P" "$dir/moved/$libdir/cmake" "$dir/moved/$libdir/pkgconfig"; then
    fail "the package names its install prefix: not relocatable"
  fi
  cat > "$dir/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(evref 0.1 REQUIRED)
add_executable(prog prog.c)
target_link_libraries(prog PRIVATE evref::evref)
add_executable(prog_static prog.c)
target_link_libraries(prog_static PRIVATE evref::evref_static)
add_executable(prog_tls prog_tls.c)
target_link_libraries(prog_tls PRIVATE evref::evref_openssl)
add_executable(prog_tls_static prog_tls.c)
target_link_libraries(prog_tls_static PRIVATE evref::evref_openssl_static)
EOF
  "$CMAKE" -S "$dir" -B "$dir/build" -G "${CMAKE_GENERATOR:-Unix Makefiles}" \
    -DCMAKE_C_COMPILER="$CC" -DCMAKE_PREFIX_PATH="$dir/moved" >"$dir/configure.log" 2>&1 ||
    fail "find_package(evref) fails: $(grep -m1 -A3 'Error' "$dir/configure.log")"
  "$CMAKE" --build "$dir/build" >"$dir/build.log" 2>&1 ||
    fail "the consumer does not build: $(grep -m1 -i 'error' "$dir/build.log")"
  [[ $(readelf -d "$dir/build/prog_static") != *libevref* ]] ||
    fail "evref::evref_static links the shared object"
  run_checked "$dir/build/prog"
  run_checked "$dir/build/prog_static"
  run_checked "$dir/build/prog_tls"
  run_checked "$dir/build/prog_tls_static"
  ;;
exports)
  nm -D --defined-only "$L/libevref.so" | awk 'NF == 3 { print $3 }' | sort > "$dir/exported"
  # The archive's global C names (DW.ref.* are the compiler's hidden
  # exception-table references).
  nm -g --defined-only "$L/libevref.a" |
    awk 'NF == 3 && $3 !~ /^(_Z|DW\.ref\.)/ { print $3 }' | sort -u > "$dir/c_names"
  cxx=$(grep -E '^_Z|evref' "$dir/exported" || true)
  [[ -z $cxx ]] || fail "C++ internals exported: $(head -3 <<< "$cxx" | tr '\n' ' ')..."
  # A C name the archive defines and the shared object hides is either API
  # the export list misses or a private name that a static link puts beside
  # the program's own (a program defining on_signal does not link against
  # libevent.a). Known, and to be removed here when fixed: none.
  : > "$dir/known_hidden"
  comm -13 "$dir/exported" "$dir/c_names" > "$dir/hidden"
  ! grep -vxFf "$dir/known_hidden" "$dir/hidden" > "$dir/new_hidden" ||
    fail "C names of the archive not exported: $(tr '\n' ' ' < "$dir/new_hidden")"
  ! grep -vxFf "$dir/hidden" "$dir/known_hidden" > "$dir/fixed" ||
    fail "fixed, drop from the known list in $0: $(tr '\n' ' ' < "$dir/fixed")"
  # Private, for libevref_openssl.so alone, as libevent_core exports
  # bufferevent_init_common_ and friends for libevent_openssl (trailing _).
  private=" bufferevent_tls_new_ bufferevent_tls_session_ bufferevent_tls_renegotiate_ "
  while read -r name; do
    [[ $private == *" $name "* ]] && continue
    grep -rqw -- "$name" "$P/include" || fail "exported but in no installed header: $name"
  done < "$dir/exported"
  echo "  $(wc -l < "$dir/exported") names exported, all declared in the installed headers but$private"
  # libevref_openssl.so: exactly bufferevent_ssl.h's functions.
  nm -D --defined-only "$L/libevref_openssl.so" | awk 'NF == 3 { print $3 }' | sort > "$dir/exported_openssl"
  grep -oE '\b(bufferevent_openssl_[a-z_]+|bufferevent_ssl_[a-z_]+|bufferevent_get_openssl_error)\(' \
    "$P/include/event2/bufferevent_ssl.h" | tr -d '(' | sort -u > "$dir/declared_openssl"
  [[ -s $dir/declared_openssl ]] && diff "$dir/declared_openssl" "$dir/exported_openssl" >/dev/null ||
    fail "libevref_openssl.so exports $(tr '\n' ' ' < "$dir/exported_openssl"), bufferevent_ssl.h declares $(tr '\n' ' ' < "$dir/declared_openssl")"
  echo "  libevref_openssl.so: the $(wc -l < "$dir/exported_openssl") names of bufferevent_ssl.h"
  ;;
pthreads)
  # A loop woken from another thread: evthread_use_pthreads before the base,
  # event_active from a second thread, the loop exits once the callback ran.
  # (EVLOOP_NO_EXIT_ON_EMPTY: an event with no fd, signal or timeout is not
  # pending, so a plain dispatch that starts before the poke ends at once.)
  cat > "$dir/threaded.c" <<'EOF'
#include <event2/event.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdio.h>

static void on_active(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  event_base_loopbreak(arg);
}

static void *poke(void *ev) {
  event_active(ev, EV_READ, 1);
  return NULL;
}

int main(void) {
  if (evthread_use_pthreads() != 0) return 2;
  struct event_base *base = event_base_new();
  struct event *ev = event_new(base, -1, EV_PERSIST, on_active, base);
  pthread_t t;
  event_add(ev, NULL);
  pthread_create(&t, NULL, poke, ev);
  int rc = event_base_loop(base, EVLOOP_NO_EXIT_ON_EMPTY);
  pthread_join(t, NULL);
  printf("%s %d\n", event_get_version(), rc);
  event_free(ev);
  event_base_free(base);
  return rc == 0 ? 0 : 1;
}
EOF
  pkg-config --exists libevent_pthreads || fail "pkg-config does not find libevent_pthreads"
  [[ $(pkg-config --print-requires libevent_pthreads) == libevent_core* ]] ||
    fail "libevent_pthreads.pc does not require libevent_core"
  # shellcheck disable=SC2046
  "$CC" -o "$dir/threaded" "$dir/threaded.c" $(pkg-config --cflags --libs libevent_pthreads) -lpthread ||
    fail "cannot build with: $(pkg-config --cflags --libs libevent_pthreads)"
  run_checked "$dir/threaded" LD_LIBRARY_PATH="$L"
  exported=$(nm -D --defined-only "$L/libevref_pthreads.so" | awk 'NF == 3 { print $3 }')
  [[ $exported == evthread_use_pthreads ]] || fail "libevref_pthreads.so exports: $(tr '\n' ' ' <<< "$exported")"
  ;;
*) fail "unknown case (prefix pkgconfig with-libevent static find-package exports pthreads)" ;;

esac
echo "install_test $case_: ok"
