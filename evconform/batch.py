"""CTest's entry into the engine: runs every test of one suite binary in one
column (what cmake/ConformanceSuite.cmake registers as "<column>.<binary>"),
writes their result records, prints each unexpected result, and exits 0
when every result is the expected one, 1 when any is not, 2 on bad input.

  python3 -m evconform.batch --build DIR --column COLUMN --target BINARY_TARGET
"""
import os

from . import cli, engine, probe
from . import status as st
from .cli import ToolError


def main(argv):
    p = cli.OneLineParser(prog="python3 -m evconform.batch", description=__doc__.splitlines()[0])
    p.add_argument("--build", required=True)
    p.add_argument("--column", required=True)
    p.add_argument("--target", required=True)
    args = p.parse_args(argv)
    manifest = engine.manifest_of(args.build)
    suite = next((s for s in manifest.suites
                  if s.column == args.column and s.target == args.target), None)
    if suite is None:
        raise ToolError(f"no suite {args.target} in column {args.column} of {args.build}")
    if not os.access(suite.binary, os.X_OK):
        raise ToolError(f"{suite.binary} is not built")
    facts = probe.probe(manifest.probes.get(suite.impl, ""))
    ctx = probe.context(facts, manifest.build, manifest.valgrind)
    runner = engine.Runner(manifest.results_dir, jobs=1, valgrind=manifest.valgrind,
                           context=lambda column: ctx)
    recs = runner.run([engine.Item(suite, t) for t in engine.list_tests(suite.binary)])
    bad = [r for r in recs if not st.is_expected(r["status"], r["expected"])]
    for r in sorted(bad, key=lambda r: r["test"]):
        print(f"UNEXPECTED {r['column']} {r['test']}: {r['status']} (expected {r['expected']})")
        if r["message"]:
            print("  " + r["message"].strip().replace("\n", "\n  ")[:3000])
    for r in runner.isolation:
        print(f"note: {r['test']} was {r['batch_status']} in its batch and {r['status']} alone")
    counts = {}
    for r in recs:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    print(f"{args.column} {args.target}: {len(recs)} tests: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + f"; {len(bad)} unexpected")
    return 1 if bad else 0


if __name__ == "__main__":
    cli.main("evconform", main)
