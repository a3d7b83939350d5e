"""The clients area: real programs, unmodified, built per implementation and
driven end to end, one matrix row each.

The programs come from Debian 12's source packages, unpacked by
tools/fetch-sources into build/sources/ (never vendored):
  libevent  libevent 2.1.12's public test and sample programs (test/test-*.c,
            sample/*.c), each compiled against the implementation's headers
            and library and run by a driver (evconform/client_drivers.py)
            that checks the program's documented behaviour;
  memcached memcached 1.6, configured with --with-libevent=<prefix> and built
            per implementation, its own test suite (t/*.t through prove, and
            testapp) as rows; plus a load row (evc_memcached_load: 50
            connections, set/get, every reply checked).

How an implementation is compiled against: <build>/clients/<impl>.flags,
written by clients/CMakeLists.txt, one `key=value` a line:
  include=DIR   its header directories (in order)
  link=ITEM     a library file, or a linker flag (-levent, -lstdc++)
  prefix=DIR    an installed libevent-style prefix (DIR/include, DIR/lib):
                programs get -L and a run path, configure scripts
                --with-libevent=DIR; without one, a prefix is staged from the
                include dirs and libraries
  install=COMP  first `cmake --install <build> --prefix DIR --component COMP`
                (the reference: its evref component)
  dep=PATH      files or folders whose change means rebuilding the clients
A header of libevent's public set that the implementation does not provide
is not found in the system's libevent either: a "poison" header that stops
the compile with `<header> is not provided by <impl>` stands in for it.

Statuses: PASS, FAIL (a wrong result, or the client does not build on the
implementation: the message starts "does not build:" and gives the first
error line), CRASH, TIMEOUT; ERROR when the harness cannot run the row
(sources not fetched, no compiler). Rows are written to the results folder
and compared with the implementation's expectations, as every area's.

  python3 -m evconform.clients list [--memcached subset|all] [--sources DIR]
  python3 -m evconform.clients run --build B --impl I --expectations F --results R
                                   --test NAME [--timeout S] [--sources DIR]
  python3 -m evconform.clients load --build B --impl I [--seconds S] [--conns N]
"""
import contextlib
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import time

from . import ROOT, cli, expectations, results
from . import client_drivers as drv
from . import status as st
from .cli import ToolError

SOURCES = os.path.join(ROOT, "build", "sources")
LIBEVENT_TREE = "libevent-2.1.12-stable"
MEMCACHED_GLOB = "memcached-1.6.*"
CLIENT_DIR = os.path.join(ROOT, "clients")

# libevent 2.1.12's public headers (include/ of its source package) plus the
# one configure writes: what a program may include as <...>.
PUBLIC_HEADERS_EXTRA = ("event2/event-config.h",)

# --- the rows ----------------------------------------------------------------

# libevent's programs: name -> (source in the tree, extra link flags, driver,
# timeout in seconds, what PASS means). The drivers are in client_drivers.py.
LIBEVENT_PROGRAMS = {
    "test-eof": ("test/test-eof.c", [], "exit_zero", 30, "test.sh: reads the data, then EOF; exits 0"),
    "test-weof": ("test/test-weof.c", [], "exit_zero", 30, "test.sh: a write to a closed peer fails; exits 0"),
    "test-time": ("test/test-time.c", [], "exit_zero", 30,
                  "test.sh: every random timer fires, dispatch returns 1; exits 0"),
    "test-closed": ("test/test-closed.c", [], "exit_zero", 30,
                    "test.sh: EV_CLOSED seen after the peer's shutdown (or no EARLY_CLOSE backend); exits 0"),
    "test-fdleak": ("test/test-fdleak.c", [], "exit_zero", 60,
                    "test.sh: 1000s of connections under RLIMIT_NOFILE=20 leak no fd; exits 0"),
    "test-init": ("test/test-init.c", [], "exit_zero", 30, "test.sh: event_init succeeds; exits 0"),
    "test-changelist": ("test/test-changelist.c", [], "exit_zero", 30,
                        "test.sh: a writable persistent event uses under 50% CPU; exits 0"),
    "test-dumpevents": ("test/test-dumpevents.c", [], "dumpevents", 30,
                        "test.sh: event_base_dump_events lists what was added, as test/check-dumpevents.py checks"),
    "test-ratelim": ("test/test-ratelim.c", ["-lm"], "ratelim", 60,
                     "libevent's CMake test test-ratelim__group_lim: 30 connections under a 30000 B/s group limit"),
    "hello-world": ("sample/hello-world.c", [], "hello_world", 40,
                    "answers 'Hello, World!' to each connection on port 9995; SIGINT ends it cleanly"),
    "time-test": ("sample/time-test.c", [], "time_test", 40,
                  "a 2 s timeout re-added (and with -p, persistent) fires every 2 s"),
    "signal-test": ("sample/signal-test.c", [], "signal_test", 30,
                    "each SIGINT runs the callback; the third deletes the event and main returns 0"),
    "event-read-fifo": ("sample/event-read-fifo.c", [], "read_fifo", 30,
                        "prints what is written to event.fifo; the writer's close ends it with 0"),
    "le-proxy": ("sample/le-proxy.c", ["-lssl", "-lcrypto"], "le_proxy", 60,
                 "proxies a connection to an echo server byte for byte (1 MiB, past its 512 KiB watermark)"),
    # le-proxy -s: TLS to the upstream (libevent_openssl), by default through
    # a filter over a socket bufferevent; -W turns that wrapper off
    "le-proxy-tls": ("sample/le-proxy.c", ["-levent_openssl", "-lssl", "-lcrypto"], "le_proxy_tls", 60,
                     "with -s -W (bufferevent_openssl_socket_new, CONNECTING) proxies a plain connection to a "
                     "TLS echo server byte for byte (1 MiB)"),
    "le-proxy-tls-filter": ("sample/le-proxy.c", ["-levent_openssl", "-lssl", "-lcrypto"], "le_proxy_tls_filter",
                            60, "with -s (its default: bufferevent_openssl_filter_new over a socket bufferevent) "
                            "proxies a plain connection to a TLS echo server byte for byte (1 MiB)"),
}

# memcached's t/*.t files the main job runs: the protocol core (ASCII and
# binary get/set, cas, incr/decr, noreply, flags, expiry, gat), and the
# connection handling that rides on libevent (idle timeouts: a timer per
# connection; connection limits; long lines; misbehaving and malicious
# clients; quit) -- about 75 s of tests per implementation, one at a time.
# The whole suite (82 files, about 8.5 minutes per implementation) is
# `--memcached all` (tools/evconform --memcached-suite all).
MEMCACHED_SUBSET = ("getset", "binary", "cas", "incrdecr", "noreply", "flags", "expirations",
                    "multiversioning", "getandtouch", "idle-timeout", "line-lengths", "misbehave",
                    "maxconns", "quit", "malicious-commands", "issue_70")
MEMCACHED_TIMEOUT = 300          # per t/ file
MEMCACHED_BUILD_TIMEOUT = 900    # configure + make, on top of a row's own timeout
LOAD_SECONDS, LOAD_CONNS = 20, 50


def rows(memcached="subset", sources=SOURCES):
    """[(test name, timeout s, extra timeout for builds)]: every row of the area."""
    out = [(f"libevent.{n}", p[3], 120) for n, p in LIBEVENT_PROGRAMS.items()]
    names = list(MEMCACHED_SUBSET)
    if memcached == "all":
        tree = memcached_tree(sources)
        if tree:
            names = sorted(os.path.basename(t)[:-2] for t in glob.glob(os.path.join(tree, "t", "*.t")))
    out.append(("memcached.testapp", 120, MEMCACHED_BUILD_TIMEOUT))
    out += [(f"memcached.{n}", MEMCACHED_TIMEOUT, MEMCACHED_BUILD_TIMEOUT) for n in names]
    out.append(("memcached.load", LOAD_SECONDS + 60, MEMCACHED_BUILD_TIMEOUT))
    return out


def rule_of(test):
    """What PASS means for a row (the record's rule)."""
    client, _, name = test.partition(".")
    if client == "libevent" and name in LIBEVENT_PROGRAMS:
        return f"libevent 2.1.12 {LIBEVENT_PROGRAMS[name][0]}: {LIBEVENT_PROGRAMS[name][4]}"
    if name == "testapp":
        return "memcached's testapp (make test's C unit tests) exits 0"
    if name == "load":
        return (f"memcached under {LOAD_CONNS} connections x {LOAD_SECONDS} s of set/get on 127.0.0.1: "
                "every reply right")
    return f"memcached's own test t/{name}.t passes (prove)"


# --- sources -----------------------------------------------------------------

def libevent_tree(sources):
    tree = os.path.join(sources, LIBEVENT_TREE)
    return tree if os.path.isfile(os.path.join(tree, "sample", "hello-world.c")) else None


def memcached_tree(sources):
    trees = sorted(t for t in glob.glob(os.path.join(sources, MEMCACHED_GLOB))
                   if os.path.isfile(os.path.join(t, "t", "getset.t")))
    return trees[-1] if trees else None


# --- an implementation, as a compiler sees it --------------------------------

class Flavour:
    """How to compile and link against one implementation (its .flags file)."""

    def __init__(self, impl, includes, links, prefix, install="", deps=()):
        self.impl, self.includes, self.links, self.prefix = impl, includes, links, prefix
        self.install, self.deps = install, list(deps)

    @classmethod
    def load(cls, build, impl):
        path = os.path.join(build, "clients", f"{impl}.flags")
        values = {"include": [], "link": [], "prefix": [], "install": [], "dep": []}
        try:
            with open(path, encoding="utf-8") as f:
                for line in f:
                    key, _, value = line.rstrip("\n").partition("=")
                    if value and key in values:
                        values[key].append(value)
        except FileNotFoundError:
            raise ToolError(f"{path} not found: '{impl}' does not claim the clients area "
                            "in this build (configure first)") from None
        prefix = values["prefix"][-1] if values["prefix"] else ""
        includes = values["include"] or ([os.path.join(prefix, "include")] if prefix else [])
        return cls(impl, includes, values["link"], prefix,
                   values["install"][-1] if values["install"] else "", values["dep"])

    def files(self):
        """Files whose change means a rebuild: its libraries, headers (system
        header folders excepted) and what its prefix is installed from."""
        out = [l for l in self.links if os.path.isfile(l)]
        for d in self.includes + [d for d in self.deps if os.path.isdir(d)]:
            if not d.startswith("/usr/"):
                out += sorted(glob.glob(os.path.join(d, "**", "*.h"), recursive=True))
        return out + [d for d in self.deps if not os.path.isdir(d)]

    def install_sources(self):
        """The files a prefix is installed from (its deps: headers folders
        and library files)."""
        out = []
        for d in self.deps:
            if os.path.isdir(d):
                out += sorted(glob.glob(os.path.join(d, "**", "*.h"), recursive=True))
            else:
                out.append(d)
        return out

    def ldflags(self):
        """-L and run path of a prefix's lib folder (none for the system's)."""
        if not self.prefix or self.prefix in ("/usr", "/"):
            return []
        lib = os.path.join(self.prefix, "lib")
        return [f"-L{lib}", f"-Wl,-rpath,{lib}"]


def public_headers(libevent_src):
    inc = os.path.join(libevent_src, "include")
    names = [os.path.relpath(p, inc) for p in glob.glob(os.path.join(inc, "**", "*.h"), recursive=True)]
    return sorted(set(names) | set(PUBLIC_HEADERS_EXTRA))


def multiarch():
    try:
        return subprocess.run(["gcc", "-print-multiarch"], capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def missing_headers(flavour, libevent_src):
    """The public libevent headers none of the implementation's folders has."""
    arch = multiarch()
    return [name for name in public_headers(libevent_src)
            if not any(os.path.isfile(os.path.join(d, name)) or
                       (arch and os.path.isfile(os.path.join(d, arch, name))) for d in flavour.includes)]


def write_poison(flavour, libevent_src, parent):
    """A folder of headers that stop the compile for every public libevent
    header the implementation does not have, so the system's libevent
    headers (in /usr/include, searched after -I folders) never stand in.
    Named after what it holds and never rewritten, so a compile running
    meanwhile always sees a whole folder. Returns its path."""
    names = missing_headers(flavour, libevent_src)
    folder = os.path.join(parent, "poison-" + hashlib.sha1("\0".join(names).encode()).hexdigest()[:12])
    if os.path.isdir(folder):
        return folder
    tmp = f"{folder}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for name in names:
        path = os.path.join(tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(f'#error "<{name}> is not provided by {flavour.impl}"\n')
    try:
        os.rename(tmp, folder)
    except OSError:  # another row made the same folder meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


# --- building ----------------------------------------------------------------

@contextlib.contextmanager
def locked(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)  # bounded by the CTest timeout of the row
        yield


def stamp_key(cmd, files):
    h = hashlib.sha1("\0".join(cmd).encode())
    for p in files:
        try:
            h.update(f"{p}:{os.stat(p).st_mtime_ns}".encode())
        except OSError:
            h.update(f"{p}:missing".encode())
    return h.hexdigest()


def first_error(output, strip=()):
    """The first line of a compiler, linker or configure log that names an error."""
    lines = output.splitlines()
    pats = (r"\berror\b", r"undefined reference", r"No such file", r"cannot find")
    line = next((l for l in lines if any(re.search(p, l) for p in pats)),
                lines[-1] if lines else "no output")
    poison = re.search(r'#error "(<.*> is not provided by .*)"', line)
    if poison:
        return poison.group(1)
    for s in strip:
        line = line.replace(s.rstrip("/") + "/", "")
    return line.strip()[:400]


class Build:
    """What was built for one implementation, under <build>/clients/<impl>/."""

    def __init__(self, build, impl, sources):
        self.build, self.impl, self.sources = build, impl, sources
        self.flavour = Flavour.load(build, impl)
        self.work = os.path.join(build, "clients", impl)

    def installed(self):
        """Installs the implementation into its prefix first when its flags
        say `install=<component>` (cmake --install of this build): the
        clients then use it as any program uses an installed libevent."""
        fl = self.flavour
        if not fl.install:
            return
        cmd = ["cmake", "--install", self.build, "--prefix", fl.prefix, "--component", fl.install]

        def make():
            shutil.rmtree(fl.prefix, ignore_errors=True)
            p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=300)
            if p.returncode != 0:
                raise drv.HarnessError(f"{' '.join(cmd)} failed: {first_error(p.stdout + p.stderr)}")
            return True, ""

        # Keyed on what the prefix is installed from, never on the prefix's
        # own headers (fl.files() has them): those appear with the first
        # install, and a key that changed with them made a second row
        # reinstall -- emptying the prefix -- while a third was compiling.
        self._cached("install", stamp_key(cmd, fl.install_sources()), make)

    def _cached(self, name, key, make):
        """Runs make() (-> (ok, message)) unless the last run had the same key;
        returns (ok, message, seconds spent building now)."""
        status = os.path.join(self.work, name + ".status")
        with locked(os.path.join(self.work, name + ".lock")):
            try:
                with open(status, encoding="utf-8") as f:
                    old = json.load(f)
                if old.get("key") == key:
                    return old["ok"], old["message"], 0.0
            except (OSError, ValueError):
                pass
            t0 = time.monotonic()
            ok, message = make()
            with open(status, "w", encoding="utf-8") as f:
                json.dump({"key": key, "ok": ok, "message": message}, f)
            return ok, message, time.monotonic() - t0

    def program(self, name):
        """Builds libevent's program `name`: (path or None, message, seconds)."""
        src = libevent_tree(self.sources)
        if not src:
            raise drv.HarnessError(f"libevent's source package is not in {self.sources}: run tools/fetch-sources")
        rel, extra, _, _, _ = LIBEVENT_PROGRAMS[name]
        self.installed()
        out = os.path.join(self.work, "bin", name)
        os.makedirs(self.work, exist_ok=True)
        poison = write_poison(self.flavour, src, self.work)
        cmd = (["gcc", "-g", "-O2", "-Werror=implicit-function-declaration", "-o", out,
                os.path.join(src, rel), os.path.join(CLIENT_DIR, "libevent_private.c")]
               + [f"-I{d}" for d in self.flavour.includes]
               + [f"-I{poison}", f"-I{os.path.join(CLIENT_DIR, 'include')}", f"-I{src}"]
               + self.flavour.ldflags() + self.flavour.links + extra + ["-lpthread", "-lm"])
        files = [os.path.join(src, rel), os.path.join(CLIENT_DIR, "libevent_private.c")] + self.flavour.files()

        def make():
            os.makedirs(os.path.dirname(out), exist_ok=True)
            try:
                p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=300)
            except OSError as e:
                raise drv.HarnessError(f"cannot run gcc: {e.strerror}") from None
            except subprocess.TimeoutExpired:
                return False, "does not build: gcc ran over 300 s"
            if p.returncode != 0:
                return False, "does not build: " + first_error(p.stderr, (src, self.work))
            return True, ""

        ok, msg, secs = self._cached(f"bin/{name}", stamp_key(cmd, files), make)
        return (out if ok else None), msg, secs

    def memcached(self):
        """Configures and builds memcached (in a copy of the source tree,
        which stays as it is): (tree or None, message, seconds)."""
        src = memcached_tree(self.sources)
        if not src:
            raise drv.HarnessError(f"memcached's source package is not in {self.sources}: run tools/fetch-sources")
        self.installed()
        tree = os.path.join(self.work, "memcached")
        prefix, libs, ldflags = self.prefix_plan()
        configure = [os.path.join(".", "configure"), f"--with-libevent={prefix}"]
        files = [os.path.join(src, "memcached.c")] + self.flavour.files()
        key = stamp_key(configure + libs + ldflags + [src], files)

        def make():
            if prefix != self.flavour.prefix:
                self.stage_prefix(prefix)
            shutil.rmtree(tree, ignore_errors=True)
            shutil.copytree(src, tree, symlinks=True)
            env = dict(os.environ, LIBS=" ".join(libs), CC="gcc", LDFLAGS=" ".join(ldflags))
            for step, cmd, limit in (("configure", configure, 300),
                                     ("make", ["make", "-j2", "memcached", "memcached-debug", "sizes",
                                               "testapp", "timedrun"], 900)):
                try:
                    p = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True,
                                       errors="replace", timeout=limit)
                except subprocess.TimeoutExpired:
                    return False, f"does not build: {step} ran over {limit} s"
                with open(os.path.join(self.work, f"memcached-{step}.log"), "w") as f:
                    f.write(p.stdout + p.stderr)
                if p.returncode != 0:
                    return False, f"does not build: {step}: " + first_error(p.stdout + p.stderr, (tree,))
            return True, ""

        ok, msg, secs = self._cached("memcached", key, make)
        return (tree if ok else None), msg, secs

    def _shared(self):
        """The implementation's shared library, when it has no archive: the
        one a staged prefix offers as lib/libevent.so."""
        fl = self.flavour
        if any(l.endswith(".a") for l in fl.links):
            return None
        return next((l for l in fl.links if re.search(r"\.so(\.\d+)*$", l) and os.path.isfile(l)), None)

    def prefix_plan(self):
        """(an installed-style prefix for --with-libevent, extra LIBS,
        LDFLAGS): the implementation's own prefix, or one to stage from its
        include folders and libraries (stage_prefix); link items the prefix
        does not hold go to LIBS."""
        fl = self.flavour
        if fl.prefix:
            return (fl.prefix, [l for l in fl.links if not l.startswith("-levent") and not l.endswith(".a")],
                    [f for f in fl.ldflags() if f.startswith("-Wl")])
        shared = self._shared()
        extra = [l for l in fl.links if not l.endswith(".a") and l != shared]
        rpath = [f"-Wl,-rpath,{os.path.dirname(shared)}"] if shared else []
        return os.path.join(self.work, "prefix"), extra, rpath

    def stage_prefix(self, stage):
        """include/ links to the implementation's headers (the first folder
        wins, as with -I; system folders need none); its archives merged into lib/libevent.a, or its
        shared library linked as lib/libevent.so: what -levent finds."""
        fl = self.flavour
        shutil.rmtree(stage, ignore_errors=True)
        os.makedirs(os.path.join(stage, "include"))
        os.makedirs(os.path.join(stage, "lib"))
        # The system's header folders are searched anyway (and linking them
        # in would make every system header a non-system one).
        for d in reversed([d for d in fl.includes if not d.startswith("/usr/include")]):
            for entry in os.listdir(d):
                link = os.path.join(stage, "include", entry)
                if os.path.lexists(link):
                    os.remove(link)
                os.symlink(os.path.join(d, entry), link)
        archives = [l for l in fl.links if l.endswith(".a")]
        if archives:
            script = "CREATE lib/libevent.a\n" + "".join(f"ADDLIB {a}\n" for a in archives) + "SAVE\nEND\n"
            subprocess.run(["ar", "-M"], input=script, cwd=stage, text=True, check=True, timeout=60,
                           capture_output=True)
        elif self._shared():
            os.symlink(self._shared(), os.path.join(stage, "lib", "libevent.so"))


# --- running a row -------------------------------------------------------------

def drive(build, impl, test, timeout, sources):
    """Builds what the row needs and runs its driver: (status, message)."""
    client, _, name = test.partition(".")
    b = Build(build, impl, sources)
    if client == "libevent" and name in LIBEVENT_PROGRAMS:
        path, msg, _ = b.program(name)
        if not path:
            return st.FAIL, msg
        return getattr(drv, LIBEVENT_PROGRAMS[name][2])(path, timeout, libevent_tree(sources))
    if client == "memcached":
        tree, msg, secs = b.memcached()
        if not tree:
            return st.FAIL, msg
        built = f" (memcached built in {secs:.0f} s first)" if secs else ""
        if name == "testapp":
            s, m = drv.exit_zero(os.path.join(tree, "testapp"), timeout, None, cwd=tree)
        elif name == "load":
            s, m, _ = drv.memcached_load(os.path.join(tree, "memcached"), load_binary(build), timeout)
        else:
            s, m = drv.prove(tree, f"t/{name}.t", timeout)
        return s, (m + built).strip()
    raise ToolError(f"unknown clients row '{test}'")


def load_binary(build):
    path = os.path.join(build, "clients", "evc_memcached_load")
    if not os.access(path, os.X_OK):
        raise drv.HarnessError(f"{path} not built (cmake --build first)")
    return path


def cmd_run(args):
    entries = expectations.load(args.expectations)
    if args.test not in {r[0] for r in rows("all", args.sources)} and not re.match(r"^memcached\.[\w-]+$", args.test):
        raise ToolError(f"unknown clients row '{args.test}'")
    t0 = time.monotonic()
    try:
        status, message = drive(os.path.abspath(args.build), args.impl, args.test, args.timeout, args.sources)
    except drv.HarnessError as e:
        status, message = st.ERROR, str(e)
    except (OSError, subprocess.SubprocessError) as e:  # the harness's own failure, not a verdict
        status, message = st.ERROR, f"{type(e).__name__}: {e}"
    entry = expectations.lookup(entries, args.test)
    outcome = {"status": status, "message": message, "rule_id": "", "rule": rule_of(args.test),
               "duration_s": round(time.monotonic() - t0, 3)}
    rec = results.record(args.impl, "", "clients", "client", args.test, outcome, entry)
    try:
        results.write(args.results, rec)
    except OSError as e:
        raise ToolError(f"cannot write results to {args.results}: {e.strerror}") from None
    ok = st.is_expected(status, rec["expected"])
    print(f"{args.impl} {args.test}: {status} ({'expected' if ok else 'UNEXPECTED'}; "
          f"expected {rec['expected']}; {outcome['duration_s']:.1f} s)")
    if message:
        print(message)
    if entry:
        print(f"expectation: {entry['reason']}")
    if status == st.ERROR:
        return 2
    return 0 if ok else 1


def load(build, impl, seconds=LOAD_SECONDS, conns=LOAD_CONNS, sources=SOURCES):
    """memcached's ops/s on `impl` ({"ops_per_s": ...} or {"error": ...})."""
    try:
        tree, msg, _ = Build(build, impl, sources).memcached()
        if not tree:
            return {"error": msg}
        status, message, data = drv.memcached_load(os.path.join(tree, "memcached"), load_binary(build),
                                                   seconds + 60, seconds=seconds, conns=conns)
    except (drv.HarnessError, ToolError) as e:
        return {"error": str(e)}
    return data if status == st.PASS else {"error": message}


# --- the command line ------------------------------------------------------------

def main(argv):
    p = cli.OneLineParser(prog="python3 -m evconform.clients", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list", help="the rows, one 'name timeout build-allowance' a line")
    ls.add_argument("--memcached", choices=("subset", "all"), default="subset")
    ls.add_argument("--sources", default=SOURCES)
    r = sub.add_parser("run", help="build and drive one row; write its result record")
    for a in ("--build", "--impl", "--expectations", "--results", "--test"):
        r.add_argument(a, required=True)
    r.add_argument("--timeout", type=float, default=60.0)
    r.add_argument("--sources", default=SOURCES)
    ld = sub.add_parser("load", help="memcached's ops/s under the load row's load (JSON)")
    ld.add_argument("--build", required=True)
    ld.add_argument("--impl", required=True)
    ld.add_argument("--seconds", type=float, default=LOAD_SECONDS)
    ld.add_argument("--conns", type=int, default=LOAD_CONNS)
    ld.add_argument("--sources", default=SOURCES)
    for sp in (ls, r, ld):
        sp.error = p.error  # one line, exit 2
    args = p.parse_args(argv)
    if args.cmd == "list":
        for name, timeout, allowance in rows(args.memcached, args.sources):
            print(name, timeout, allowance)
        return 0
    if args.cmd == "run":
        if args.timeout <= 0:
            raise ToolError("--timeout must be positive")
        return cmd_run(args)
    if args.seconds <= 0 or not 0 < args.conns <= 1000:
        raise ToolError("--seconds must be positive and --conns in 1..1000")
    data = load(os.path.abspath(args.build), args.impl, args.seconds, args.conns, args.sources)
    print(json.dumps(data))
    return 0 if "ops_per_s" in data else 1


if __name__ == "__main__":
    cli.main("clients", main)
