"""How fast do the fuzz targets find a deliberately broken reference?

For each seeded EOL bug (two faults of the mutation set, mutation/faults/:
CRLF missed when CR and LF are in different chains; eol_len_out wrong for
CRLF_STRICT when the CR ends a chain): a git worktree
of HEAD gets the patch, its fuzz preset builds the reference's eol_search
target and the eol_differential target, and each target is run from an
EMPTY corpus (no seeds, no dictionary: the worst case) with seeds 1..N until
it reports the bug or the time limit passes. The time is the wall time of
the libFuzzer process, start-up included. Prints a table, writes JSON.

  python3 -m evconform.seeded_bugs [--runs 3] [--limit 60] [--out build/fuzz/seeded-bugs.json]
Exit status: 0 when every bug was found by every run within the limit.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

from . import ROOT, cli
from .proc import must, run
TARGETS = ["fuzz_eol_search_reference", "fuzz_eol_differential"]
SEEDED = ["evbuffer-eol-crlf-cr-in-previous-chain-ignored", "evbuffer-eol-crlf-strict-len-split"]


def time_to_find(binary, seed, limit, work):
    corpus = os.path.join(work, f"empty-{seed}")
    shutil.rmtree(corpus, ignore_errors=True)
    os.makedirs(corpus)
    start = time.monotonic()
    r = run([binary, f"-seed={seed}", f"-max_total_time={limit}", "-max_len=512",
                        f"-artifact_prefix={work}/", corpus],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace",
                       timeout=limit * 3 + 60)
    elapsed = time.monotonic() - start
    found = r.returncode != 0 and ("differ" in r.stderr or "eol_search:" in r.stderr)
    return (round(elapsed, 2) if found else None), r.stderr


def main(argv):
    p = argparse.ArgumentParser(prog="python3 -m evconform.seeded_bugs", description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--limit", type=int, default=60, help="seconds per run")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "fuzz", "seeded-bugs.json"))
    args = p.parse_args(argv)
    patches = [os.path.join(ROOT, "mutation", "faults", f"{name}.patch") for name in SEEDED]
    results = []
    ok = True
    for patch in patches:
        name = os.path.basename(patch)[:-len(".patch")]
        tree = tempfile.mkdtemp(prefix=f"evc-seeded-{name}-")
        try:
            must(["git", "-C", ROOT, "worktree", "add", "--detach", tree, "HEAD"], "git worktree add")
            must(["git", "-C", tree, "apply", patch], f"applying {name}")
            must(["cmake", "--preset", "fuzz"], "configuring the fuzz preset", cwd=tree)
            must(["cmake", "--build", os.path.join(tree, "build", "fuzz"), "--target", *TARGETS],
                 "building the fuzz targets")
            for target in TARGETS:
                binary = os.path.join(tree, "build", "fuzz", "fuzz", target)
                times = []
                for seed in range(1, args.runs + 1):
                    t, _ = time_to_find(binary, seed, args.limit, tree)
                    times.append(t)
                    if t is None:
                        ok = False
                row = {"bug": name, "target": target, "seconds": times,
                       "median": statistics.median(times) if None not in times else None}
                results.append(row)
                shown = ", ".join("not found" if t is None else f"{t:.2f}" for t in times)
                print(f"{name:40} {target:28} {shown} s", flush=True)
        finally:
            run(["git", "-C", ROOT, "worktree", "remove", "--force", tree],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"limit_seconds": args.limit, "results": results}, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    cli.main("seeded-bugs", main)
