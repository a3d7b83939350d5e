"""Flake hunt: runs the conformance and property suites many times in a row
on every implementation and column, and reports every test that failed even
once.

The test list comes from the build's suite manifest (the same binaries,
environments and backend columns as the matrix: evconform/engine.py). Each (implementation, column, suite binary)
runs in one process with --gtest_repeat=N and --gtest_shuffle, so every
repetition runs the tests in a new order: a test that depends on another
test's leftovers, on timing or on a fixed port shows up. Tests whose
expectation is not PASS (known libevent failures and crashes) are left out;
the matrix checks those.

  python3 -m evconform.check_flakes --repeat 50            # 50 runs of everything
  python3 -m evconform.check_flakes --repeat 50 --jobs 2   # two suites at a time
  python3 -m evconform.check_flakes --repeat 50 --load     # with every core kept busy
  python3 -m evconform.check_flakes --impl reference --filter 'Evbuffer*'
  python3 -m evconform.check_flakes --repeat 1 --valgrind  # every suite once under memcheck

Exit status: 0 when every run of every test passed, 1 when any failed,
crashed or hung, 2 on bad input.
"""
import argparse
import concurrent.futures
import fnmatch
import json
import multiprocessing
import os
import re
import subprocess
import time

from . import ROOT, backends, cli, engine, expectations, proc
from . import valgrind as vg
from .cli import ToolError
from .registry import column_name

FAILED_LINE = re.compile(r"^\[  FAILED  \] (\S+\.\S+) \(\d+ ms\)$", re.M)
RAN_LINE = re.compile(r"^\[==========\] (\d+) tests? from .* ran\.", re.M)


class Launch:
    """One test of one suite binary in one column."""

    def __init__(self, suite, test):
        self.impl, self.backend, self.binary = suite.impl, suite.backend or None, suite.binary
        self.env, self.expectations, self.test = suite.env, suite.expectations, test


def launches(build, label):
    """Every test of the build's suites whose 'kind:<kind>' label matches `label`."""
    pattern = re.compile(label)
    out = []
    for suite in engine.manifest_of(build).suites:
        if pattern.search(f"kind:{suite.kind}") and os.access(suite.binary, os.X_OK):
            out += [Launch(suite, t) for t in engine.list_tests(suite.binary)]
    return out


def groups_of(launched, impls, name_filter):
    """{(impl, column, binary, env, backend): [test names]} for the tests expected to pass."""
    groups, left_out, cache = {}, [], {}
    for a in launched:
        if impls and a.impl not in impls:
            continue
        if name_filter and not fnmatch.fnmatchcase(a.test, name_filter):
            continue
        if a.expectations not in cache:
            cache[a.expectations] = expectations.load(a.expectations)
        entry = expectations.lookup(cache[a.expectations], a.test, a.backend)
        column = column_name(a.impl, a.backend)
        if expectations.expected_of(entry) != "PASS":
            left_out.append(f"{column} {a.test} (expected {expectations.expected_of(entry)})")
            continue
        key = (a.impl, column, a.binary, tuple(a.env), a.backend or "")
        groups.setdefault(key, []).append(a.test)
    return groups, left_out


def run_group(key, names, repeat, per_run_limit, valgrind=False):
    impl, column, binary, env_list, backend = key
    env = dict(os.environ)
    for kv in env_list:
        k, _, v = kv.partition("=")
        env[k] = v
    if backend:
        env = backends.only(env, backend)
        env.update(backends.column_environment(backend))
    env["GTEST_FILTER"] = ":".join(names)
    cmd = (vg.command(trace_children=True) if valgrind else []) + [
        binary, f"--gtest_repeat={repeat}", "--gtest_shuffle", "--gtest_brief=1"]
    limit = per_run_limit * repeat * (20 if valgrind else 1) + 60
    start = time.monotonic()
    try:
        p = proc.run(cmd, capture_output=True, text=True, errors="replace", env=env, timeout=limit)
        rc, out = p.returncode, p.stdout + p.stderr
        hung = False
    except subprocess.TimeoutExpired as e:
        rc, hung = None, True
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
    failures = {}
    for name in FAILED_LINE.findall(out):
        failures[name] = failures.get(name, 0) + 1
    # Every repetition ends with "[==========] N tests from M test suites
    # ran."; their sum is what really ran (a filter that matched nothing
    # would otherwise pass).
    ran_counts = [int(n) for n in RAN_LINE.findall(out)]
    memerr = valgrind and rc == vg.ERROR_EXIT
    crashed = rc is not None and rc not in (0, 1, vg.ERROR_EXIT if valgrind else 0)
    missing = not crashed and not hung and not memerr and sum(ran_counts) != len(names) * repeat
    return {"impl": impl, "column": column, "binary": os.path.basename(binary),
            "tests": len(names), "repeat": repeat, "iterations_done": len(ran_counts),
            "runs": sum(ran_counts), "missing_runs": missing, "memerr": memerr,
            "failures": failures, "crashed": crashed, "signal_or_code": rc, "hung": hung,
            "seconds": round(time.monotonic() - start, 1),
            "tail": "" if rc == 0 else out[-2000:]}


def busy():
    while True:
        pass


def main(argv):
    ap = argparse.ArgumentParser(prog="python3 -m evconform.check_flakes", description="Run the conformance and property suites many times; "
                                 "report every test that ever failed.")
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "default"),
                    help="the build folder (default: build/default)")
    ap.add_argument("--repeat", type=int, default=50, help="runs of every test (default: 50)")
    ap.add_argument("--jobs", type=int, default=1, help="suites run at the same time (default: 1)")
    ap.add_argument("--load", action="store_true",
                    help="keep every core busy with another load while the suites run")
    ap.add_argument("--impl", action="append", help="only this implementation (repeatable)")
    ap.add_argument("--filter", help="only tests matching this Suite.Case glob")
    ap.add_argument("--label", default="kind:(conformance|property)",
                    help="regex on 'kind:<kind>' of the suites to run (default: %(default)s)")
    ap.add_argument("--per-run-limit", type=float, default=120.0,
                    help="seconds one repetition of one suite may take (default: %(default)s)")
    ap.add_argument("--valgrind", action="store_true",
                    help="run every suite under valgrind memcheck: memory errors and definite "
                         "leaks fail the suite run (use with --repeat 1)")
    ap.add_argument("--out", help="write flakes.json into this folder")
    args = ap.parse_args(argv)
    if args.repeat < 1 or args.jobs < 1:
        raise ToolError("--repeat and --jobs must be at least 1")
    try:
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            if not os.access(args.out, os.W_OK):
                raise ToolError(f"cannot write to {args.out}")
    except OSError as e:
        raise ToolError(str(e)) from None
    launched = launches(args.build, args.label)
    known = sorted({a.impl for a in launched})
    unknown = [i for i in args.impl or [] if i not in known]
    if unknown:
        raise ToolError(f"unknown implementation '{unknown[0]}' (this build has: {', '.join(known)})")
    groups, left_out = groups_of(launched, args.impl, args.filter)
    if not groups:
        raise ToolError("no test matches (check --impl, --filter and --label)")

    loaders = []
    if args.load:
        loaders = [multiprocessing.Process(target=busy, daemon=True) for _ in range(os.cpu_count() or 1)]
        for proc in loaders:
            proc.start()
    total_tests = sum(len(v) for v in groups.values())
    print(f"check-flakes: {total_tests} tests in {len(groups)} suite runs x {args.repeat} repetitions, "
          f"{args.jobs} at a time{', cores loaded' if args.load else ''}", flush=True)
    start = time.monotonic()
    results = []
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(run_group, key, names, args.repeat, args.per_run_limit, args.valgrind)
                       for key, names in sorted(groups.items())]
            for f in concurrent.futures.as_completed(futures):
                r = f.result()
                results.append(r)
                bad = r["failures"] or r["crashed"] or r["hung"] or r["missing_runs"] or r["memerr"]
                state = ("HUNG" if r["hung"] else "CRASHED" if r["crashed"] else
                         "MEMORY ERRORS OR LEAKS (valgrind)" if r["memerr"] else
                         f"ran {r['runs']} of {r['tests'] * r['repeat']} test runs" if r["missing_runs"] else
                         f"{sum(r['failures'].values())} failure(s)" if r["failures"] else "ok")
                print(f"[{len(results)}/{len(groups)}] {r['column']} {r['binary']}: {r['tests']} tests x "
                      f"{r['repeat']}: {state} ({r['seconds']} s)", flush=True)
                if bad:
                    for name, n in sorted(r["failures"].items()):
                        print(f"  FLAKY {r['column']} {name}: failed {n} of {r['repeat']} runs")
                    if r["crashed"] or r["hung"] or r["missing_runs"] or r["memerr"]:
                        print("  " + r["tail"].strip().replace("\n", "\n  ")[-1500:])
    finally:
        for proc in loaders:
            proc.terminate()
    runs = sum(r["runs"] for r in results)
    flaky = sorted({(r["column"], n) for r in results for n in r["failures"]})
    broken = [r for r in results if r["crashed"] or r["hung"] or r["missing_runs"] or r["memerr"]]
    summary = {"format": "evconform-flakes-1", "repeat": args.repeat, "jobs": args.jobs,
               "load": args.load, "tests": total_tests, "runs": runs,
               "seconds": round(time.monotonic() - start, 1), "flaky": [f"{c} {n}" for c, n in flaky],
               "crashed_or_hung": [f"{r['column']} {r['binary']}" for r in broken],
               "left_out": left_out, "suites": results}
    if args.out:
        with open(os.path.join(args.out, "flakes.json"), "w") as fh:
            json.dump(summary, fh, indent=1)
    print(f"check-flakes: {runs} test runs in {summary['seconds']} s; {len(flaky)} flaky test(s), "
          f"{len(broken)} suite run(s) crashed, hung, ran short or had memory errors; left out (expected to fail): {len(left_out)}")
    return 1 if flaky or broken else 0


if __name__ == "__main__":
    cli.main("check-flakes", main)
