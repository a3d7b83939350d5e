"""evconform's runner: build what a selection needs, run it in batches with
progress, write the report, and exit with the gate's status.

    tools/evconform [--impl NAME]... [--area AREA]... [--kind KIND]...
                    [--filter REGEX]... [--exclude REGEX]... [--shard I/N]
                    [--implementations FILE] [--valgrind] [--build-dir DIR]
                    [--no-build] [-j N] [--results DIR] [--out DIR]
                    [--compare A B] [--update-expectations]
                    [--memcached-suite subset|all]
    tools/evconform merge [--out DIR] [--compare A B] RESULTS_DIR...

--impl takes an implementation (every column of it) or one column
("libevent/poll"), matched exactly; --area an area; --kind conformance,
property or client; --filter and --exclude regular expressions searched in
the test's name ("Suite.Case"; for a client row, "libevent.test-eof" or
"memcached.getset"): a test runs when it matches some --filter (or none is
given) and no --exclude. --shard I/N runs a deterministic 1/N of what the
rest selects (the same N on every machine), and `merge` combines the result
folders of the shards into one report and one verdict.
--implementations plugs in the implementations a TOML file names (format:
evconform/implementations.py). --valgrind runs every test under memcheck
(the valgrind build, build/valgrind): memory errors and leaks are MEMERR.

Only what the selection needs is built: the suite binaries of the selected
columns and areas, and each implementation's probe. Tests run in batches
(evconform/engine.py): one process per binary, column and GoogleTest suite,
each test under its own timeout; a test that crashes, hangs or does not pass
in a batch is run again alone and that is its result. Client rows (real
programs) run one process each through CTest.

A run of everything writes <build>/results and <build>/report; a run of a
subset writes <build>/results-subset and <build>/report-subset, so the
full report stays; --results and --out choose other folders.

Exit status: 0 when every result matches its expectations; 1 when any does
not; 2 on bad input or a build error, with a one-line message, found before
the build where it can be.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time

from . import ROOT, clients, ctest, engine, probe, proc, registry, results, rules
from . import cli
from . import status as st
from .cli import ToolError

KINDS = ("conformance", "property", "client")
ENGINE_KINDS = ("conformance", "property")


def _regex(text, option):
    try:
        return re.compile(text)
    except re.error as e:
        raise ToolError(f"{option} '{text}' is not a regular expression: {e}") from None


def _writable(folder, option):
    """Creates `folder` if needed and checks it can be written; before any build."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        raise ToolError(f"{option} {folder}: cannot create it: {e.strerror}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ToolError(f"{option} {folder}: not writable")


def help_epilog():
    """Areas and columns, for --help: the configured build's, or the defaults."""
    cols = []
    path = registry.of_build(os.path.join(ROOT, "build", "default"))
    if os.path.exists(path):
        try:
            cols = [c["name"] for c in registry.load(path).columns]
        except ToolError:
            cols = []
    cols = cols or ["reference", "reference/epoll", "reference/poll", "libevent", "libevent/epoll",
                    "libevent/poll", "libevent/select", "libev"]
    return (f"areas: {' '.join(registry.AREAS)}\n"
            f"kinds: {' '.join(KINDS)}\n"
            f"columns (build/default): {' '.join(cols)}\n"
            "merge: tools/evconform merge [--out DIR] [--compare A B] RESULTS_DIR...")


def parse_args(argv):
    p = cli.OneLineParser(prog="evconform", description=__doc__.split("\n\n")[0],
                          epilog=help_epilog(), formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    p.add_argument("--impl", action="append", default=[],
                   help="an implementation or a column, exactly (repeatable; default: all)")
    p.add_argument("--area", action="append", default=[], help="an area (repeatable)")
    p.add_argument("--kind", action="append", default=[], choices=KINDS,
                   help="a kind of test (repeatable; default: all)")
    p.add_argument("--filter", action="append", default=[],
                   help="regular expression searched in 'Suite.Case' (repeatable: any may match)")
    p.add_argument("--exclude", action="append", default=[],
                   help="regular expression: tests whose 'Suite.Case' it matches are left out (repeatable)")
    p.add_argument("--shard", help="I/N: run the I-th of N deterministic parts of the selection")
    p.add_argument("--implementations", help="implementations file (TOML) to plug in")
    p.add_argument("--valgrind", action="store_true", help="run every test under memcheck")
    p.add_argument("--build-dir", help="an already configured build tree to use "
                   "(default: build/default, or build/valgrind with --valgrind)")
    p.add_argument("--no-build", action="store_true",
                   help="run what is built: no configure, no build")
    p.add_argument("-j", "--jobs", type=int, default=2, help="processes at a time (default 2)")
    p.add_argument("--results", help="result records folder (default: <build>/results, "
                   "or <build>/results-subset for a subset)")
    p.add_argument("--out", help="report folder (default: <build>/report, or <build>/report-subset)")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"),
                   help="the report lists the tests whose status differs between columns A and B")
    p.add_argument("--memcached-suite", choices=("subset", "all"), default="subset",
                   help="clients area: memcached's test files to run (default: the subset)")
    p.add_argument("--update-expectations", action="store_true",
                   help="write this run's results as the selected implementations' new "
                        "expectations (whole implementations only: no --area, --filter or --shard)")
    args = p.parse_args(argv)
    if args.jobs < 1:
        raise ToolError("-j needs a positive number")
    args.filter_re = [_regex(f, "--filter") for f in args.filter]
    args.exclude_re = [_regex(f, "--exclude") for f in args.exclude]
    args.shard_of = engine.parse_shard(args.shard) if args.shard else None
    args.subset = bool(args.impl or args.area or args.kind or args.filter or args.exclude or args.shard)
    if args.update_expectations and (args.area or args.filter or args.exclude or args.shard or args.kind):
        raise ToolError("--update-expectations rewrites whole expectations files: "
                        "run whole implementations (no --area, --kind, --filter, --exclude or --shard)")
    if args.no_build and args.memcached_suite != "subset":
        raise ToolError("--memcached-suite needs a configure: drop --no-build")
    if args.no_build and args.implementations:
        raise ToolError("--implementations needs a configure: drop --no-build")
    if args.implementations and not os.path.isfile(args.implementations):
        raise ToolError(f"implementations file not found: {os.path.abspath(args.implementations)}")
    for a in args.area:
        if a not in registry.AREAS:
            raise ToolError(f"unknown area '{a}' (known: {' '.join(registry.AREAS)})")
    return args


def wanted(name, args):
    """Whether a test name passes --filter and --exclude."""
    if args.filter_re and not any(r.search(name) for r in args.filter_re):
        return False
    return not any(r.search(name) for r in args.exclude_re)


def source_names():
    """Test names as the sources spell them, to check a filter before any
    build: TEST/TEST_F/TEST_P cases (value-parameterized ones also as
    'Prefix/Suite.Case/0')."""
    names = set()
    inst = re.compile(r"INSTANTIATE_TEST_SUITE_P\(\s*(\w+)\s*,\s*(\w+)")
    for top in ("conformance", "property"):
        for folder, _, files in os.walk(os.path.join(ROOT, top)):
            for f in files:
                if not f.endswith(".cc"):
                    continue
                with open(os.path.join(folder, f), encoding="utf-8", errors="replace") as fh:
                    src = fh.read()
                prefixes = {}
                for m in inst.finditer(src):
                    prefixes.setdefault(m.group(2), []).append(m.group(1))
                for m in rules._TEST_RE.finditer(src):
                    suite, case = m.group(1), m.group(2)
                    names.add(f"{suite}.{case}")
                    for pre in prefixes.get(suite, []):
                        names.add(f"{pre}/{suite}.{case}/0")
    return names


def configure(preset, build_dir, implementations, memcached_suite="subset"):
    """Configures the preset, or build_dir with its own cache (this writes
    the implementation registry, so names are checked before the build)."""
    file_arg = os.path.abspath(implementations) if implementations else ""
    build = os.path.abspath(build_dir or os.path.join(ROOT, "build", preset))
    if (os.path.exists(os.path.join(build, "CMakeCache.txt"))
            and os.path.exists(os.path.join(build, "evconform-suites.json"))
            and cache_value(build, "EVCONFORM_IMPLEMENTATIONS_FILE") == file_arg
            and cache_value(build, "EVCONFORM_MEMCACHED_TESTS") == memcached_suite
            and not (file_arg and os.path.getmtime(file_arg)
                     > os.path.getmtime(os.path.join(build, "CMakeCache.txt")))):
        # Configured with these values: the build re-runs CMake by itself
        # when a CMakeLists.txt or the implementations file changes.
        return
    where = ["--preset", preset] if not build_dir else ["-S", ROOT, "-B", build_dir]
    p = proc.run(["cmake"] + where + [f"-DEVCONFORM_IMPLEMENTATIONS_FILE={file_arg}",
                                      f"-DEVCONFORM_MEMCACHED_TESTS={memcached_suite}"],
                 cwd=ROOT, capture_output=True, text=True, errors="replace")
    if p.returncode != 0:
        # The toolkit's configuration errors come first on stderr as one
        # "evconform: ..." line (evconform_config_error); stdout's
        # "-- evconform: ..." lines are notes, not the error.
        m = re.search(r"^evconform: (.*)$", p.stderr, re.M)
        if m:
            raise ToolError(m.group(1).strip())
        out = p.stdout + p.stderr
        m = re.search(r"CMake Error.*", out)
        raise ToolError(m.group(0) if m else (out.strip().splitlines() or ["cmake failed"])[-1])


def build_targets(build, targets):
    """Builds only `targets` (names of the build's targets)."""
    print(f"evconform: building {len(targets)} targets in {os.path.relpath(build, ROOT)}...", flush=True)
    cmd = ["cmake", "--build", build, "-j", "2", "--target", *sorted(targets)]
    if proc.run(cmd, cwd=ROOT).returncode != 0:
        raise ToolError(f"the build failed (cmake --build {os.path.relpath(build, ROOT)} --target ...)")


def cache_value(build, name):
    try:
        with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return ""


def select_columns(reg, impls, areas):
    """The columns to run and report (exact names)."""
    names = {c["name"] for c in reg.columns} | {c["impl"] for c in reg.columns}
    for name in impls:
        if name not in names:
            raise ToolError(f"unknown implementation or column '{name}' (configured: "
                            f"{' '.join(sorted(names))})")
    return [c["name"] for c in reg.columns
            if (not impls or c["impl"] in impls or c["name"] in impls)
            and (not areas or any(reg.applies(c, a) for a in areas))]


def client_rows(build, columns, args):
    """The client rows (CTest tests, kind:client) of the selected columns."""
    if (args.kind and "client" not in args.kind) or (args.area and "clients" not in args.area):
        return []
    rows = []
    for t in ctest.tests(build, ["-L", "^kind:client$"]):
        column = t.label("column")
        name = t.name[len(column) + 1:]
        if column in columns and wanted(name, args):
            rows.append((column, name, t.name))
    return rows


class Progress:
    """One line of progress (tests done / total, unexpected so far, what has
    been running long); each unexpected result printed as it happens."""

    def __init__(self, total, runner=None):
        self.total, self.runner = total, runner
        self.done = self.unexpected = 0
        self.tty = sys.stdout.isatty()
        self.last = 0.0
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def result(self, rec):
        with self.lock:
            self.done += 1
            if not st.is_expected(rec["status"], rec["expected"]):
                self.unexpected += 1
                self._clear()
                print(f"UNEXPECTED {rec['column']} {rec['test']}: {rec['status']} "
                      f"(expected {rec['expected']})", flush=True)
            self._line(force=self.done == self.total)

    def _clear(self):
        if self.tty:
            print("\r\033[K", end="")

    def _long_running(self):
        if not self.runner:
            return ""
        now = time.monotonic()
        with self.runner.lock:
            slow = sorted(((now - t, k) for k, t in self.runner.running.items()), reverse=True)
        slow = [(s, k) for s, k in slow if s >= 5]
        return ("; running: " + ", ".join(f"{k} ({s:.0f} s)" for s, k in slow[:2])) if slow else ""

    def _line(self, force=False):
        now = time.monotonic()
        text = f"[{self.done}/{self.total}] {self.unexpected} unexpected{self._long_running()}"
        if self.tty:
            print(f"\r\033[K{text[:200]}", end="", flush=True)
        elif force or now - self.last >= 10:
            print(text, flush=True)
            self.last = now

    def tick(self):
        while not self.stop.wait(2 if self.tty else 10):
            with self.lock:
                self._line(force=not self.tty)

    def __enter__(self):
        self.thread = threading.Thread(target=self.tick, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        if self.tty:
            print()


def toolkit_version():
    """The project's version (CMakeLists.txt's project())."""
    try:
        with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
            m = re.search(r"project\(evconform VERSION ([0-9.]+)", f.read())
        return m.group(1) if m else ""
    except OSError:
        return ""


def git_facts():
    def git(*a):
        try:
            return subprocess.run(["git", "-C", ROOT, *a], capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    return {"version": toolkit_version(), "commit": git("rev-parse", "--short=12", "HEAD"),
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def run_metadata(args, selected, columns, facts, manifest, started, fingerprint):
    build = dict(manifest.build, valgrind=bool(manifest.valgrind))
    cols = {}
    for c in columns:
        impl, _, backend = c.partition("/")
        cols[c] = dict(facts.get(impl, {}), impl=impl, backend=backend, build=build)
    return {"format": 1, "started": started,
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "toolkit": git_facts(),
            "host": {"cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()]},
            "selection": {"impls": args.impl, "areas": args.area, "kinds": args.kind or list(KINDS),
                          "filters": args.filter, "excludes": args.exclude, "shard": args.shard,
                          "tests": selected, "fingerprint": fingerprint},
            "columns": cols}


def folders(args, build):
    """(results folder, report folder): a subset never overwrites the full run's."""
    suffix = "-subset" if args.subset else ""
    return (os.path.abspath(args.results or os.path.join(build, "results" + suffix)),
            os.path.abspath(args.out or os.path.join(build, "report" + suffix)))


def main(argv):
    if argv[:1] == ["merge"]:
        from . import merge
        return merge.main(argv[1:])
    args = parse_args(argv)
    preset = "valgrind" if args.valgrind else "default"
    build = os.path.abspath(args.build_dir or os.path.join(ROOT, "build", preset))
    results_dir, out = folders(args, build)
    _writable(out, "--out")
    _writable(results_dir, "--results")
    if (args.filter or args.exclude) and not args.no_build:
        names = source_names() | {n for n, _, _ in clients.rows("all")}
        if not any(wanted(n, args) for n in names):
            raise ToolError("no test matches --filter/--exclude (checked against the test "
                            "sources before the build)")
    if not args.no_build:
        configure(preset, args.build_dir, args.implementations, args.memcached_suite)
    registry_path = registry.of_build(build)
    if not os.path.exists(registry_path):
        raise ToolError(f"{build} is not a configured evconform build tree")
    reg = registry.load(registry_path)
    columns = select_columns(reg, args.impl, args.area)
    manifest = engine.manifest_of(build)
    kinds = args.kind or list(KINDS)
    suites = [s for s in manifest.suites if s.column in columns and s.kind in kinds
              and (not args.area or s.area in args.area)]
    impls = sorted({c.partition("/")[0] for c in columns})
    with_clients = "client" in kinds and (not args.area or "clients" in args.area)
    if not args.no_build:
        targets = ({s.target for s in suites}
                   | {f"evc_probe_{i}" for i in impls if manifest.probes.get(i)}
                   | {f"evc_api_{i}" for i in impls if manifest.api_probes.get(i)})
        if with_clients and any(reg.applies(c, "clients") for c in reg.columns if c["name"] in columns):
            targets.add("evc_memcached_load")
            if "reference" in impls:
                # what `cmake --install --component evref` installs (the
                # clients link the reference's prefix, -levent_openssl and
                # -levent_pthreads too): reference/CMakeLists.txt's install(TARGETS)
                targets |= {f"evref{lib}_{kind}" for lib in ("", "_openssl", "_pthreads")
                            for kind in ("static", "shared")}
        if targets:
            build_targets(build, targets)

    # The selection: every test of every selected binary, filtered, sharded.
    items = []
    for s in suites:
        if not os.access(s.binary, os.X_OK):
            raise ToolError(f"{os.path.relpath(s.binary, ROOT)} is not built (drop --no-build)")
        items += [engine.Item(s, t) for t in engine.list_tests(s.binary) if wanted(t, args)]
    rows = client_rows(build, columns, args) if with_clients else []
    keys = [it.key for it in items] + [f"{c} {n}" for c, n, _ in rows]
    fingerprint = __import__("hashlib").sha256("\n".join(sorted(keys)).encode()).hexdigest()[:16]
    if args.shard_of:
        chosen = engine.shard_of(keys, *args.shard_of)
        items = [it for it in items if it.key in chosen]
        rows = [r for r in rows if f"{r[0]} {r[1]}" in chosen]
    total = len(items) + len(rows)
    if total == 0:
        raise ToolError("no test matches the selection" + (" in this shard" if args.shard else ""))

    for path in sorted({s.expectations for s in suites}):
        if not os.path.exists(path):
            print(f"evconform: note: no expectations file {path}: every test of its "
                  "implementation is expected to PASS", flush=True)
    facts = {i: probe.probe(manifest.probes.get(i, "")) for i in impls}
    contexts = {c: probe.context(facts.get(c.partition("/")[0], {}), manifest.build, manifest.valgrind)
                for c in columns}
    shutil.rmtree(results_dir, ignore_errors=True)
    os.makedirs(results_dir)
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    print(f"evconform: running {total} tests on {', '.join(columns)}"
          + (f" (shard {args.shard} of {len(keys)})" if args.shard else ""), flush=True)
    start = time.monotonic()
    runner = engine.Runner(results_dir, jobs=args.jobs, valgrind=manifest.valgrind,
                           context=lambda column: contexts.get(column, {}))
    with Progress(total, runner) as progress:
        runner.on_result = progress.result
        runner.run(items)
        if rows:
            run_client_rows(build, rows, args.jobs, results_dir, progress)
    print(f"evconform: ran {total} tests in {time.monotonic() - start:.0f} s", flush=True)
    for rec in runner.isolation:
        print(f"evconform: note: {rec['column']} {rec['test']} was {rec['batch_status']} in its "
              f"batch and {rec['status']} alone (it depends on what an earlier test left behind)")
    meta = run_metadata(args, total, columns, facts, manifest, started, fingerprint)
    with open(os.path.join(results_dir, "run.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    shutil.copyfile(registry_path, os.path.join(results_dir, "registry.json"))
    return report(results_dir, registry_path, out, columns, args.compare, args.update_expectations)


def run_client_rows(build, rows, jobs, results_dir, progress):
    """Client rows through CTest (each is a program run of its own); their
    launcher writes the records."""
    names = "^(" + "|".join(re.escape(full) for _, _, full in rows) + ")$"
    env = dict(os.environ)
    env_results = cache_value(build, "EVCONFORM_RESULTS_DIR") or os.path.join(build, "results")
    for column, name, _ in rows:   # no stale record may stand for this run's
        for folder in {env_results, results_dir}:
            path = results.record_path(folder, column, name)
            if os.path.exists(path):
                os.remove(path)
    for test, passed, outcome in ctest.run(build, ["-R", names, "-L", "^kind:client$"], jobs, env):
        column = next((c for c, n, f in rows if f == test), "")
        rec = _client_record(env_results, results_dir, column, test[len(column) + 1:]) or {
            "column": column, "test": test[len(column) + 1:], "status": st.ERROR if not passed else st.PASS,
            "expected": st.PASS}
        progress.result(rec)


def _client_record(written_to, results_dir, column, name):
    """A client row's record: the clients' launcher writes into the build's
    results folder; it is moved into this run's folder when they differ."""
    src = results.record_path(written_to, column, name)
    dst = results.record_path(results_dir, column, name)
    if os.path.exists(src) and os.path.abspath(src) != os.path.abspath(dst):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.move(src, dst)
    if os.path.exists(dst):
        with open(dst, encoding="utf-8") as f:
            return json.load(f)
    return None


def report(results_dir, registry_path, out, columns, compare=None, update=False):
    args = ["--gate", "--results", results_dir, "--registry", registry_path, "--out", out,
            "--columns", ",".join(columns),
            "--fuzz-summary", os.path.join(ROOT, "build", "fuzz", "campaign", "summary.json"),
            "--kill-matrix", os.path.join(ROOT, "build", "mutants", "kill-matrix.json"),
            "--bench", os.path.join(ROOT, "build", "bench", "bench.json")]
    if compare:
        args += ["--compare", *compare]
    if update:
        args.append("--update-expectations")
    rc = proc.tool("report", args).returncode
    verdict = {0: "PASS: every result as expected", 1: "FAIL: results differ from the expectations"}
    print(f"evconform: verdict {verdict.get(rc, 'ERROR: the report could not be written')}", flush=True)
    print(f"evconform: report {os.path.join(out, 'report.html')} and {os.path.join(out, 'report.md')}",
          flush=True)
    return rc


if __name__ == "__main__":
    cli.main("evconform", main)
