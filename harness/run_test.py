#!/usr/bin/env python3
"""Harness launcher: runs ONE conformance test of ONE implementation.

CTest calls it once per (implementation, test) — see
cmake/ConformanceSuite.cmake. It runs the test in its own process under a
timeout, classifies the outcome (PASS / FAIL / CRASH / TIMEOUT / MEMERR /
SKIP), compares it with the implementation's expectations, writes a result
record for the report, and exits 0 when the result is the expected one,
77 for a skip, 1 for an unexpected result, 2 for a usage or harness error.
"""
import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evharness import backends, expectations, gtest_run  # noqa: E402
from evharness import status as st  # noqa: E402


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--impl", required=True)
    p.add_argument("--area", required=True)
    p.add_argument("--kind", default="conformance")
    p.add_argument("--expectations", required=True)
    p.add_argument("--results", required=True, help="folder for result records")
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--valgrind", help="run under this valgrind executable")
    p.add_argument("--env", action="append", default=[], help="KEY=VALUE for the test")
    p.add_argument("--backend", help="run in this backend's column: selects the kernel method "
                   "through libevent's EVENT_NO<METHOD> variables")
    p.add_argument("binary")
    p.add_argument("test", help="GoogleTest name, Suite.Case")
    args = p.parse_args(argv)

    try:
        entries = expectations.load(args.expectations)
    except expectations.ExpectationError as e:
        print(f"evconform: {e}", file=sys.stderr)
        return 2
    if not os.access(args.binary, os.X_OK):
        print(f"evconform: test binary not found or not executable: {args.binary}",
              file=sys.stderr)
        return 2

    timeout = args.timeout * (20 if args.valgrind else 1)
    column_env = backends.column_environment(args.backend) if args.backend else {}
    env = args.env + [f"{k}={v}" for k, v in column_env.items()]
    res = gtest_run.run(args.binary, args.test, timeout, env, args.valgrind)
    entry = expectations.lookup(entries, args.test, args.backend)
    expected = entry["status"] if entry else st.PASS
    column = f"{args.impl}/{args.backend}" if args.backend else args.impl
    record = {
        "impl": args.impl, "backend": args.backend or "", "column": column,
        "area": args.area, "kind": args.kind, "test": args.test,
        "status": res["status"], "expected": expected,
        "expectation_reason": entry["reason"] if entry else "",
        "message": res["message"], "rule": res["rule"], "duration_s": res["duration_s"],
    }
    try:
        write_record(args.results, record)
    except OSError as e:
        print(f"evconform: cannot write results to {args.results}: {e.strerror}",
              file=sys.stderr)
        return 2

    ok = st.is_expected(res["status"], expected)
    verdict = "expected" if ok else "UNEXPECTED"
    print(f"{column} {args.test}: {res['status']} ({verdict}; expected {expected})")
    if res["message"]:
        print(res["message"])
    if entry:
        print(f"expectation: {entry['reason']}")
    if res["status"] == st.ERROR:
        return 2
    if not ok:
        return 1
    return 77 if res["status"] == st.SKIP else 0


def write_record(results_dir, record):
    folder = os.path.join(results_dir, record["column"].replace("/", "+"))
    os.makedirs(folder, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", record["test"])
    path = os.path.join(folder, f"{safe}.json")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
