"""Merging result folders: the shards of one selection run on several
machines (tools/evconform --shard I/N --results DIR) become one results
folder, one report and one gate verdict.

  tools/evconform merge [--out DIR] [--compare A B] RESULTS_DIR...

Every folder carries the run's metadata (run.json) and the implementation
registry it ran with (registry.json). Shards must come from one selection
(the same fingerprint: the same build, columns and filters) and together
be complete: every I of 1..N exactly once. Folders of runs without --shard
merge too, as long as no test of a column appears in two of them.
Exit status: the gate's (0 every result as expected, 1 not), 2 on bad input.
"""
import json
import os
import shutil

from . import ROOT, cli, registry, results, runner
from .cli import ToolError


def _meta(folder):
    path = os.path.join(folder, "run.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise ToolError(f"{folder}: no run.json (not a results folder of tools/evconform)") from None
    except ValueError as e:
        raise ToolError(f"{path}: malformed: {e}") from None


def check_shards(metas):
    """Shards of one selection, complete; or no shards at all."""
    shards = [m.get("selection", {}).get("shard") for m in metas]
    if not any(shards):
        return []
    if not all(shards):
        raise ToolError("cannot merge sharded and unsharded result folders")
    prints = {m["selection"].get("fingerprint") for m in metas}
    if len(prints) != 1:
        raise ToolError("the shards come from different selections (their fingerprints differ: "
                        "run every shard with the same build, options and filters)")
    counts = {s.split("/")[1] for s in shards}
    if len(counts) != 1:
        raise ToolError(f"the shards split the selection differently: {', '.join(sorted(shards))}")
    n = int(counts.pop())
    seen = sorted(int(s.split("/")[0]) for s in shards)
    dup = sorted({i for i in seen if seen.count(i) > 1})
    if dup:
        raise ToolError(f"shard {dup[0]}/{n} is given twice")
    missing = [i for i in range(1, n + 1) if i not in seen]
    if missing:
        raise ToolError(f"shard {missing[0]}/{n} is missing ({len(missing)} of {n} missing)")
    return [f"{i}/{n}" for i in range(1, n + 1)]


def merge(folders, merged):
    metas = [_meta(f) for f in folders]
    shards = check_shards(metas)
    regs = []
    for f in folders:
        path = os.path.join(f, "registry.json")
        if not os.path.exists(path):
            raise ToolError(f"{f}: no registry.json (not a results folder of tools/evconform)")
        regs.append(path)
    shutil.rmtree(merged, ignore_errors=True)
    os.makedirs(merged)
    seen = {}
    for f in folders:
        for rec in results.load_all(f):
            key = (rec["column"], rec["test"])
            if key in seen:
                raise ToolError(f"{rec['column']} {rec['test']} is in both {seen[key]} and {f}")
            seen[key] = f
            results.write(merged, rec)
    columns = []
    for m in metas:
        columns += [c for c in m.get("columns", {}) if c not in columns]
    meta = dict(metas[0])
    meta["started"] = min(m.get("started", "") for m in metas)
    meta["finished"] = max(m.get("finished", "") for m in metas)
    meta["columns"] = {}
    for m in metas:
        meta["columns"].update(m.get("columns", {}))
    meta["selection"] = dict(metas[0].get("selection", {}), shard=None,
                             tests=sum(m.get("selection", {}).get("tests", 0) for m in metas))
    meta["shards"] = shards
    meta["merged_from"] = len(folders)
    with open(os.path.join(merged, "run.json"), "w", encoding="utf-8") as f:
        json.dump(meta, f, indent=1)
    shutil.copyfile(regs[0], os.path.join(merged, "registry.json"))
    return meta, columns, len(seen)


def main(argv):
    p = cli.OneLineParser(prog="evconform merge", description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+", metavar="RESULTS_DIR")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "report-merged"),
                   help="report folder (default: build/report-merged); the merged records "
                        "go to <out>/results")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"))
    args = p.parse_args(argv)
    for f in args.folders:
        if not os.path.isdir(f):
            raise ToolError(f"results folder not found: {f}")
    out = os.path.abspath(args.out)
    runner._writable(out, "--out")
    merged = os.path.join(out, "results")
    meta, columns, n = merge([os.path.abspath(f) for f in args.folders], merged)
    reg = registry.load(os.path.join(merged, "registry.json"))
    columns = [c["name"] for c in reg.columns if c["name"] in columns]
    print(f"evconform: merged {n} results from {len(args.folders)} folders"
          + (f" (shards {', '.join(meta['shards'])})" if meta["shards"] else ""), flush=True)
    return runner.report(merged, os.path.join(merged, "registry.json"), out, columns, args.compare)


if __name__ == "__main__":
    cli.main("evconform", main)
