"""evconform's runner: build, run any subset of the conformance matrix with
progress, write the report, and exit with the gate's status.

    tools/evconform [--impl NAME]... [--area AREA]... [--filter REGEX]
                    [--implementations FILE] [--valgrind] [--build-dir DIR]
                    [--no-build] [-j N] [--out DIR] [--update-expectations]
                    [--memcached-suite subset|all]

--impl takes an implementation (every column of it) or one column
("libevent/poll"); --area an area (evbuffer, event, listener, bufferevent,
programs, compat14, clients); --filter a regular expression on the test name
("Suite.Case"). Each may be repeated; without them everything runs.
--implementations plugs in the implementations a TOML file names (format:
evconform/implementations.py). --valgrind runs every test under memcheck
(the valgrind build, build/valgrind): memory errors and leaks are MEMERR.
--build-dir uses another configured build tree; --no-build runs what is
already built there. --memcached-suite all makes the clients area run every
file of memcached's test suite instead of the main job's subset.

Every test runs in its own process under a timeout through the harness
launcher (evconform/run_test.py), so a crash or a hang is a result. While it
runs, one line shows tests done / total and the unexpected results so far;
each unexpected result is printed when it happens.

Exit status: 0 when every result matches its expectations; 1 when any does
not (FAIL, CRASH, TIMEOUT or MEMERR where PASS is expected, and a PASS where
something else is: a stale expectation); 2 on bad input or a build error,
with a one-line message.
"""
import os
import re
import shutil
import sys
import time

from . import ROOT, cli, ctest, proc, registry, results
from .cli import ToolError

SUITE_KINDS = "kind:(conformance|property|client)"


def parse_args(argv):
    p = cli.OneLineParser(prog="evconform", description=__doc__.split("\n\n")[0])
    p.add_argument("--impl", action="append", default=[],
                   help="an implementation or a column (repeatable; default: all)")
    p.add_argument("--area", action="append", default=[], help="an area (repeatable)")
    p.add_argument("--filter", help="regular expression on the test name (Suite.Case)")
    p.add_argument("--implementations", help="implementations file (TOML) to plug in")
    p.add_argument("--valgrind", action="store_true", help="run every test under memcheck")
    p.add_argument("--build-dir", help="an already configured build tree to use "
                   "(default: build/default, or build/valgrind with --valgrind)")
    p.add_argument("--no-build", action="store_true",
                   help="run what is built: no configure, no build")
    p.add_argument("-j", "--jobs", type=int, default=2, help="tests at a time (default 2)")
    p.add_argument("--out", help="report folder (default: <build>/report)")
    p.add_argument("--memcached-suite", choices=("subset", "all"), default="subset",
                   help="clients area: memcached's test files to run (default: the subset)")
    p.add_argument("--update-expectations", action="store_true",
                   help="write this run's results as the selected implementations' new "
                        "expectations (whole implementations only: no --area or --filter)")
    args = p.parse_args(argv)
    if args.jobs < 1:
        raise ToolError("-j needs a positive number")
    if args.filter is not None:
        try:
            re.compile(args.filter)
        except re.error as e:
            raise ToolError(f"--filter is not a regular expression: {e}")
    if args.update_expectations and (args.area or args.filter):
        raise ToolError("--update-expectations rewrites whole expectations files: "
                        "run whole implementations (no --area or --filter)")
    if args.no_build and args.memcached_suite != "subset":
        raise ToolError("--memcached-suite needs a configure: drop --no-build")
    if args.no_build and args.implementations:
        raise ToolError("--implementations needs a configure: drop --no-build")
    if args.implementations and not os.path.isfile(args.implementations):
        raise ToolError(f"implementations file not found: {args.implementations}")
    return args


def configure(preset, build_dir, implementations, memcached_suite="subset"):
    """Configures the preset, or build_dir with its own cache (this writes
    the implementation registry, so names are checked before the build)."""
    file_arg = os.path.abspath(implementations) if implementations else ""
    where = ["--preset", preset] if not build_dir else ["-S", ROOT, "-B", build_dir]
    p = proc.run(["cmake"] + where + [f"-DEVCONFORM_IMPLEMENTATIONS_FILE={file_arg}",
                                      f"-DEVCONFORM_MEMCACHED_TESTS={memcached_suite}"],
                 cwd=ROOT, capture_output=True, text=True)
    if p.returncode != 0:
        out = p.stdout + p.stderr
        m = re.search(r"evconform: .*", out) or re.search(r"CMake Error.*", out)
        raise ToolError(m.group(0) if m else out.strip().splitlines()[-1])


def run_build(preset, build_dir):
    print(f"evconform: building ({build_dir or preset})...", flush=True)
    what = ["--preset", preset] if not build_dir else [build_dir, "-j", "2"]
    # The build's own progress shows (a first build takes minutes).
    if proc.run(["cmake", "--build"] + what, cwd=ROOT).returncode != 0:
        raise ToolError(f"the build failed (cmake --build {' '.join(what)})")


def cache_value(build, name):
    with open(os.path.join(build, "CMakeCache.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split("=", 1)[1].strip()
    return ""


def select_columns(reg, impls, areas):
    """The columns to run and report, and the ctest label filters."""
    known_areas = reg.areas()
    names = {c["name"] for c in reg.columns} | {c["impl"] for c in reg.columns}
    for name in impls:
        if name not in names:
            raise ToolError(f"unknown implementation or column '{name}' (configured: "
                            f"{' '.join(sorted(names))})")
    for a in areas:
        if a not in known_areas:
            raise ToolError(f"unknown area '{a}' (known: {' '.join(sorted(known_areas))})")
    chosen = [c["name"] for c in reg.columns
              if (not impls or c["impl"] in impls or c["name"] in impls)
              and (not areas or any(reg.applies(c, a) for a in areas))]
    labels = ["-L", SUITE_KINDS]
    if impls:
        labels += ["-L", "^column:(" + "|".join(re.escape(c) for c in chosen) + ")$"]
    if areas:
        labels += ["-L", "^area:(" + "|".join(re.escape(a) for a in areas) + ")$"]
    return chosen, labels


def run_tests(build, selection, total, jobs, results_dir, columns):
    """Runs the selection through ctest, showing progress; returns the
    number of tests ctest reported as not passing (unexpected results)."""
    tty = sys.stdout.isatty()
    done = unexpected = 0
    last_print = 0.0
    for test, passed, outcome in ctest.run(build, selection, jobs):
        done += 1
        if not passed:
            unexpected += 1
            rec = results.find(results_dir, columns, test) or {}
            status = rec.get("status", outcome.upper())
            expected = rec.get("expected", "PASS")
            if tty:
                print("\r\033[K", end="")
            print(f"UNEXPECTED {test}: {status} (expected {expected})", flush=True)
        now = time.monotonic()
        if tty:
            print(f"\r\033[K[{done}/{total}] {unexpected} unexpected", end="", flush=True)
        elif now - last_print >= 10 or done == total:
            print(f"[{done}/{total}] {unexpected} unexpected", flush=True)
            last_print = now
    if tty:
        print()
    return unexpected


def main(argv):
    args = parse_args(argv)
    preset = "valgrind" if args.valgrind else "default"
    build = os.path.abspath(args.build_dir or os.path.join(ROOT, "build", preset))
    if not args.no_build:
        configure(preset, args.build_dir, args.implementations, args.memcached_suite)
    registry_path = registry.of_build(build)
    if not os.path.exists(registry_path):
        raise ToolError(f"{build} is not a configured evconform build tree")
    columns, selection = select_columns(registry.load(registry_path), args.impl, args.area)
    if not args.no_build:
        run_build(preset, args.build_dir)
    if args.filter:
        selection += ["-R", args.filter]
    total = len(ctest.tests(build, selection))
    if total == 0:
        raise ToolError("no test matches the selection")
    results_dir = cache_value(build, "EVCONFORM_RESULTS_DIR") or os.path.join(build, "results")
    shutil.rmtree(results_dir, ignore_errors=True)
    print(f"evconform: running {total} tests on {', '.join(columns)}", flush=True)
    start = time.monotonic()
    run_tests(build, selection, total, args.jobs, results_dir, columns)
    print(f"evconform: ran {total} tests in {time.monotonic() - start:.0f} s", flush=True)
    report = ["--gate", "--results", results_dir, "--registry", registry_path,
              "--out", args.out or os.path.join(build, "report"), "--columns", ",".join(columns),
              "--fuzz-summary", os.path.join(ROOT, "build", "fuzz", "campaign", "summary.json"),
              "--kill-matrix", os.path.join(ROOT, "build", "mutants", "kill-matrix.json"),
              "--bench", os.path.join(ROOT, "build", "bench", "bench.json")]
    if args.update_expectations:
        report.append("--update-expectations")
    return proc.tool("report", report).returncode


if __name__ == "__main__":
    cli.main("evconform", main)
