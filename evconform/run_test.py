"""Runs ONE conformance test of ONE implementation in its own process, by
hand (the engine, evconform/engine.py, runs whole selections; this is the
same lone run it falls back to). It runs the test under a
timeout, classifies the outcome (PASS / FAIL / CRASH / TIMEOUT / MEMERR /
SKIP), compares it with the implementation's expectations, writes a result
record for the report, and exits 0 when the result is the expected one,
77 for a skip, 1 for an unexpected result, 2 for a usage or harness error.

  python3 -m evconform.run_test --impl I --area A --expectations F --results DIR
      [--kind K] [--timeout S] [--valgrind EXE] [--env K=V]... [--backend M] -- BINARY Suite.Case
"""
import argparse
import os

from . import backends, cli, expectations, gtest_run, results
from . import status as st
from .cli import ToolError
from .registry import column_name

def parser():
    p = argparse.ArgumentParser(prog="python3 -m evconform.run_test",
                                description=__doc__.splitlines()[0])
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
    return p


def main(argv):
    args = parser().parse_args(argv)
    entries = expectations.load(args.expectations)
    if not os.access(args.binary, os.X_OK):
        raise ToolError(f"test binary not found or not executable: {args.binary}")

    timeout = args.timeout * (20 if args.valgrind else 1)
    env = backends.only(dict(os.environ), args.backend) if args.backend else dict(os.environ)
    if args.backend:
        env.update(backends.column_environment(args.backend))
    for kv in args.env:
        k, _, v = kv.partition("=")
        env[k] = v
    res = gtest_run.run(args.binary, args.test, timeout, env, args.valgrind)
    entry = expectations.lookup(entries, args.test, args.backend)
    record = results.record(args.impl, args.backend, args.area, args.kind, args.test, res, entry)
    try:
        results.write(args.results, record)
    except OSError as e:
        raise ToolError(f"cannot write results to {args.results}: {e.strerror}") from None

    expected = record["expected"]
    ok = st.is_expected(res["status"], expected)
    verdict = "expected" if ok else "UNEXPECTED"
    print(f"{column_name(args.impl, args.backend)} {args.test}: {res['status']} ({verdict}; expected {expected})")
    if res["message"]:
        print(res["message"])
    if entry:
        print(f"expectation: {entry['reason']}")
    if res["status"] == st.ERROR:
        return 2
    if not ok:
        return 1
    return 77 if res["status"] == st.SKIP else 0


if __name__ == "__main__":
    cli.main("evconform", main)
