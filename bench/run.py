#!/usr/bin/env python3
"""Runs the side-by-side benchmarks and prints reference / libevent ratios.

Each benchmark binary exists once per implementation (bench_<name>_<impl>,
built by the default build). Trials alternate between implementations so that
machine noise hits both alike; each trial prints its own median, and the
figure reported is the median over trials. Ratios are times: below 1.0 means
the reference is faster.

  bench/run.py                      # every benchmark, default sizes, epoll
  bench/run.py --method poll        # the same on the poll backend
  bench/run.py --out DIR            # also write DIR/bench.json and DIR/bench.md
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from evharness import backends  # noqa: E402

# name -> (arguments, the figures to compare, what one unit of work is)
BENCHES = {
    "dispatch": {
        "args": ["-n", "1000", "-a", "100", "-w", "1000", "-r", "25"],
        "smoke": ["-n", "50", "-a", "5", "-w", "50", "-r", "2"],
        "figures": ["dispatch_us", "round_us"],
        "about": "P=1000 socketpairs with persistent read events, A=100 active, W=1000 writes "
                 "per round (libevent's test/bench.c); dispatch_us times the dispatch, "
                 "round_us adds re-adding the 1000 events",
    },
    "echo": {
        "args": ["-c", "64", "-s", "16384", "-n", "200"],
        "smoke": ["-c", "4", "-s", "1024", "-n", "5"],
        "figures": ["elapsed_ms"],
        "about": "loopback echo, C=64 connections each sending S=16 KiB messages and waiting "
                 "for the echo, 200 rounds (400 MiB through the server); the server is the "
                 "implementation (listener + bufferevents), the client the same plain epoll "
                 "code for all; a time ratio of 1.11 is 0.9x libevent's throughput",
    },
}
IMPLS = ("reference", "libevent")


class BenchError(Exception):
    pass


def run_one(binary, args, method):
    env = backends.only(os.environ, method)
    try:
        p = subprocess.run([binary] + args, capture_output=True, text=True, env=env, timeout=600)
    except subprocess.TimeoutExpired:
        raise BenchError(f"{os.path.basename(binary)} ran over 600 s")
    if p.returncode != 0:
        raise BenchError(f"{os.path.basename(binary)} failed ({p.returncode}): "
                         f"{p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ''}")
    try:
        return json.loads(p.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BenchError(f"{os.path.basename(binary)} printed no JSON result")


def main(argv):
    ap = argparse.ArgumentParser(description="Side-by-side benchmarks, reference vs libevent.")
    ap.add_argument("--build", default="build/default", help="the build folder (default: %(default)s)")
    ap.add_argument("--trials", type=int, default=5, help="runs per implementation (default: 5)")
    ap.add_argument("--method", default="epoll", help="kernel method (default: epoll)")
    ap.add_argument("--only", choices=sorted(BENCHES), help="run one benchmark")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes: check that it all runs")
    ap.add_argument("--out", help="folder to write bench.json and bench.md into")
    args = ap.parse_args(argv)
    if args.trials < 1:
        print("bench: --trials must be at least 1", file=sys.stderr)
        return 2
    if args.method not in backends.METHODS:
        print(f"bench: unknown method '{args.method}' (one of {', '.join(backends.METHODS)})", file=sys.stderr)
        return 2
    results = []
    try:
        for name, spec in BENCHES.items():
            if args.only and name != args.only:
                continue
            bench_args = spec["smoke"] if args.smoke else spec["args"]
            binaries = {i: os.path.join(args.build, "bench", f"bench_{name}_{i}") for i in IMPLS}
            for impl, path in binaries.items():
                if not os.access(path, os.X_OK):
                    raise BenchError(f"benchmark binary not found: {path} (build first)")
            trials = {i: [] for i in IMPLS}
            for k in range(args.trials):
                # ABBA order: neither implementation always runs first
                # (warm caches, frequency ramps).
                for impl in (IMPLS if k % 2 == 0 else tuple(reversed(IMPLS))):
                    trials[impl].append(run_one(binaries[impl], bench_args, args.method))
            for impl in IMPLS:
                if trials[impl][0].get("method") != args.method:
                    raise BenchError(f"{impl} ran on {trials[impl][0].get('method')}, "
                                     f"not {args.method}")
            row = {"bench": name, "method": args.method, "args": bench_args,
                   "about": spec["about"], "trials": args.trials, "figures": {}}
            for fig in spec["figures"]:
                med = {i: statistics.median(t[fig] for t in trials[i]) for i in IMPLS}
                ratio = med["reference"] / med["libevent"] if med["libevent"] else float("nan")
                row["figures"][fig] = {"reference": med["reference"],
                                       "libevent": med["libevent"], "ratio": ratio}
            results.append(row)
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    lines = ["| benchmark | method | figure | reference | libevent | ratio (ref/libevent time) |",
             "|---|---|---|---|---|---|"]
    for r in results:
        for fig, v in r["figures"].items():
            lines.append(f"| {r['bench']} | {r['method']} | {fig} (median of {r['trials']}) | "
                         f"{v['reference']:.1f} | {v['libevent']:.1f} | {v['ratio']:.3f} |")
    print("\n".join(lines))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "bench.json"), "w") as f:
            json.dump(results, f, indent=1)
        with open(os.path.join(args.out, "bench.md"), "w") as f:
            f.write("# Benchmarks: reference vs libevent (same run)\n\n")
            for r in results:
                f.write(f"- **{r['bench']}**: {r['about']}\n")
            f.write("\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
