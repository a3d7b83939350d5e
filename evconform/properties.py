"""Runs the RapidCheck properties outside CTest: long randomized runs, and a
comparison of the traces two implementations leave for the same cases.

For every property binary (build/<preset>/property/property_<area>_<impl>)
and every backend column of its implementation (areas that run per
backend), it runs the binary with RC_PARAMS (cases, seed, size) and the
backend selected through EVENT_NO<METHOD>, and prints one line per run:
cases, time, PASS or FAIL; a failure prints RapidCheck's shrunk
counterexample and its RC_PARAMS="reproduce=..." string.

--compare A,B also records the trace of every generated case (scenario =>
callbacks, EVC_TRACE_FILE) for implementations A and B on the same seed and
backend, and reports the first case where they differ.

Exit status: 0 all passed (and no trace differs), 1 otherwise, 2 bad usage.
"""
import argparse
import os
import random
import tempfile
import time

from . import ROOT, backends, cli, registry
from .cli import ToolError
from .proc import run
from .registry import column_name


def columns(build_dir):
    """[(area, impl, backend or "", binary)] for every built property binary."""
    reg_path = registry.of_build(build_dir)
    if not os.path.exists(reg_path):
        raise ToolError(f"no registry at {reg_path}: build the preset first")
    reg = registry.load(reg_path)
    out = []
    for impl in reg.implementations:
        for area in impl["areas"]:
            binary = os.path.join(build_dir, "property", f"property_{area}_{impl['name']}")
            if os.path.exists(binary):
                out += [(area, c["impl"], c["backend"], binary) for c in reg.columns
                        if c["impl"] == impl["name"] and reg.applies(c, area)]
    return out


def run_one(binary, backend, params, trace_file=None, timeout=3600):
    env = dict(os.environ, RC_PARAMS=params)
    if backend:
        env = backends.only(env, backend)
    env.pop("EVC_TRACE_FILE", None)
    if trace_file:
        env["EVC_TRACE_FILE"] = trace_file
    start = time.monotonic()
    r = run([binary], env=env, capture_output=True, text=True, errors="replace", timeout=timeout)
    return r.returncode == 0, time.monotonic() - start, r.stdout + r.stderr


def read_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def failure_text(output):
    lines = output.splitlines()
    keep, on = [], False
    for line in lines:
        if "Falsifiable" in line or "Gave up" in line or "Exception" in line:
            on = True
        if on:
            keep.append(line)
        if "reproduce=" in line:
            break
    return "\n".join(keep) if keep else "\n".join(lines[-20:])


def main(argv):
    p = argparse.ArgumentParser(prog="python3 -m evconform.properties", description="Long or differential runs of the RapidCheck properties.")
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build", "default"))
    p.add_argument("--cases", type=int, default=10000, help="cases per property (default 10000)")
    p.add_argument("--seed", type=int, help="RapidCheck seed (default: random, printed)")
    p.add_argument("--max-size", type=int, default=100)
    p.add_argument("--impl", help="only this implementation")
    p.add_argument("--area", help="only this area")
    p.add_argument("--compare", metavar="A,B", help="compare the traces of implementations A and B")
    args = p.parse_args(argv)
    if args.cases < 1 or args.max_size < 1:
        raise ToolError("--cases and --max-size must be at least 1")
    cols = columns(os.path.abspath(args.build_dir))
    if args.impl:
        cols = [c for c in cols if c[1] == args.impl]
    if args.area:
        cols = [c for c in cols if c[0] == args.area]
    pair = None
    if args.compare:
        pair = args.compare.split(",")
        if len(pair) != 2 or pair[0] == pair[1]:
            raise ToolError("--compare takes two different implementations: A,B")
        known = {c[1] for c in cols}
        for i in pair:
            if i not in known:
                raise ToolError(f"no property binaries for implementation '{i}'")
    if not cols:
        raise ToolError("no property binaries match")
    seed = args.seed if args.seed is not None else random.randrange(1, 2**31)
    params = f"max_success={args.cases} max_size={args.max_size} seed={seed}"
    print(f"RC_PARAMS=\"{params}\"")
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        traces = {}
        for area, impl, backend, binary in cols:
            trace = os.path.join(tmp, f"{area}-{impl}-{backend}.txt") if pair and impl in pair else None
            ok, secs, out = run_one(binary, backend, params, trace)
            col = column_name(impl, backend)
            print(f"{'PASS' if ok else 'FAIL'}  {area:12} {col:18} {args.cases} cases  {secs:6.1f} s", flush=True)
            if not ok:
                bad += 1
                print("    " + failure_text(out).replace("\n", "\n    "))
            if trace:
                traces[(area, impl, backend)] = trace
        if pair:
            a, b = pair
            for (area, impl, backend), path in sorted(traces.items()):
                if impl != a:
                    continue
                other = traces.get((area, b, backend)) or traces.get((area, b, ""))
                if other is None:
                    continue
                la, lb = read_lines(path), read_lines(other)
                if not la and not lb:
                    continue  # the property records no trace (its model is the comparison)
                diff = next((i for i in range(min(len(la), len(lb))) if la[i] != lb[i]), None)
                where = f"{area} ({backend or 'any backend'})"
                if diff is None and len(la) == len(lb):
                    print(f"SAME  {where}: {a} and {b} traced {len(la)} cases identically")
                    continue
                bad += 1
                if diff is None:
                    print(f"DIFF  {where}: {a} traced {len(la)} cases, {b} {len(lb)}")
                else:
                    print(f"DIFF  {where}, case {diff + 1}:\n    {a}: {la[diff]}\n    {b}: {lb[diff]}")
    return 1 if bad else 0


if __name__ == "__main__":
    cli.main("run-properties", main)
