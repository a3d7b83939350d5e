"""Suite strength: runs the test suites against deliberately broken
variants of the reference and writes a kill matrix.

Each fault is a patch in mutation/faults/<area>-<name>.patch (a header with
"Area:" and "Fault:", then a git diff of reference/ sources): one realistic
bug of the kind an alternative implementation gets wrong. The runner keeps
one git worktree of HEAD (build/mutants/tree) and one build of it that
tests only the reference (EVCONFORM_BUILTIN=reference, harness timeout 6 s).
For each fault it applies the patch, rebuilds incrementally, runs the tests
through the harness like any implementation, and records which tests
failed (FAIL, CRASH or TIMEOUT) by kind: conformance, property, fuzz replay
(the fuzz corpora replayed on the broken reference and by the differential
targets against libevent). Tests run with glibc's malloc debugging on
(GLIBC_TUNABLES=glibc.malloc.tcache_count=0, MALLOC_PERTURB_), so a use
after free shows as a failure or crash rather than as stale memory. The tests run are those of the fault's area and
of the areas built on it (an evbuffer fault also runs the bufferevent and
programs areas; an event-loop fault every loop-based area).

A fault is killed when at least one test fails. Writes
build/mutants/kill-matrix.json and kill-matrix.md (scores per area and
overall, and for conformance + property alone; per fault the tests that
killed it and their rule ids, and an index: per rule id, the faults its
tests killed), and copies the Markdown next to the matrix report when there
is one.

  tools/run-mutants [--faults name,name] [--jobs 2]
  python3 -m evconform.mutation --rule listener.h/ [--kill-matrix FILE]
      which faults the tests of the matching rule ids (any part of the id,
      e.g. a prefix) killed in the last run; nothing is built or run
Exit status: 0 when every fault is killed, 1 when some survive, 2 on error.
"""
import argparse
import json
import os
import shutil
import time

from . import ROOT, cli, ctest, registry, results, rules, status
from .cli import ToolError
from .proc import must, output

FAULTS = os.path.join(ROOT, "mutation", "faults")
KINDS = ("conformance", "property", "fuzz-replay")
# Areas whose tests can observe a fault in the given area.
OBSERVERS = {
    "evbuffer": ["evbuffer", "bufferevent", "programs"],
    "event": ["event", "listener", "bufferevent", "programs", "compat14"],
    "listener": ["listener", "programs"],
    "bufferevent": ["bufferevent", "programs"],
    "compat14": ["compat14"],
}


def read_fault(path):
    area = desc = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("diff --git"):
                break
            if line.startswith("Area:"):
                area = line.split(":", 1)[1].strip()
            elif line.startswith("Fault:"):
                desc = line.split(":", 1)[1].strip()
    if area not in OBSERVERS or not desc:
        raise ToolError(f"{os.path.basename(path)}: needs 'Area: <{'|'.join(OBSERVERS)}>' and 'Fault: ...' lines")
    return {"name": os.path.basename(path)[:-len(".patch")], "area": area, "fault": desc, "patch": path}


def prepare(work, jobs, timeout):
    tree, build = os.path.join(work, "tree"), os.path.join(work, "build")
    if os.path.isdir(tree):
        output(["git", "-C", ROOT, "worktree", "remove", "--force", tree])
        shutil.rmtree(tree, ignore_errors=True)
    output(["git", "-C", ROOT, "worktree", "prune"])
    must(["git", "-C", ROOT, "worktree", "add", "--detach", tree, "HEAD"], "git worktree add")
    shutil.rmtree(build, ignore_errors=True)
    must(["cmake", "-S", tree, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
          "-DCMAKE_C_COMPILER=gcc", "-DCMAKE_CXX_COMPILER=g++", "-DEVCONFORM_BUILTIN=reference",
          f"-DEVCONFORM_TEST_TIMEOUT={timeout}"], "configuring the mutant build")
    must(["cmake", "--build", build, "-j", str(jobs)], "building the unmutated tree")
    return tree, build


def test_kinds(build):
    """test name -> (kind, area) from CTest's labels."""
    return {t.name: (t.label("kind"), t.label("area")) for t in ctest.tests(build)}


def run_tests(build, areas, jobs):
    """Names of the failing tests among the kinds and areas given:
    '<column>.<Suite>.<Case>' for the harness's suites (from the records of
    their unexpected results: CTest runs a whole binary per test), CTest's
    own name for the others (fuzz replays)."""
    label = "kind:(" + "|".join(KINDS) + ")"
    area_re = "area:(" + "|".join(areas) + ")$"
    results_dir = os.path.join(build, "results")
    shutil.rmtree(results_dir, ignore_errors=True)
    # Two label filters: CTest ANDs them. glibc's malloc debugging (freed
    # memory overwritten, no per-thread cache that would skip it) makes a
    # use after free -- a free inside a callback without a reference held --
    # misbehave visibly instead of reading stale but plausible fields.
    env = dict(os.environ, GLIBC_TUNABLES="glibc.malloc.tcache_count=0", MALLOC_PERTURB_="165")
    failed = [name for name, passed, _ in ctest.run(build, ["-L", label, "-L", area_re], jobs, env)
              if not passed]
    harness = {t.name for t in ctest.tests(build, ["-L", "kind:(conformance|property)"])}
    names = [n for n in failed if n not in harness]
    if os.path.isdir(results_dir):
        names += [f"{r['column']}.{r['test']}" for r in results.load_all(results_dir)
                  if not status.is_expected(r["status"], r["expected"])]
    return sorted(names)


def test_kind(kinds, name, build):
    """The kind of a failing test's name (see run_tests)."""
    if name in kinds:
        return kinds[name][0]
    reg = registry.load(os.path.join(build, "evconform-implementations.json"))
    columns = sorted((c["name"] for c in reg.columns), key=len, reverse=True)
    rec = results.find(os.path.join(build, "results"), columns, name)
    return rec["kind"] if rec else "other"


def rule_ids(build, names):
    """The rule ids (EVC_RULE) of the tests `names` ('<column>.<Suite>.<Case>'),
    from the result records the harness wrote for them in `build`: sorted,
    each once; tests without an id (properties, fuzz replays) add none."""
    reg = registry.load(os.path.join(build, "evconform-implementations.json"))
    columns = sorted((c["name"] for c in reg.columns), key=len, reverse=True)
    found = set()
    for name in names:
        rec = results.find(os.path.join(build, "results"), columns, name)
        if rec and rec.get("rule_id"):
            found.add(rec["rule_id"])
    return sorted(found)


def by_rule(doc):
    """rule id -> names of the faults its tests killed, sorted by id."""
    index = {}
    for r in doc["results"]:
        for rid in r.get("killed_rules", []):
            index.setdefault(rid, []).append(r["name"])
    return dict(sorted(index.items()))


def score_table(doc):
    """The scores per area and overall (also used by evconform.report)."""
    out = [f"{doc['faults']} deliberately broken variants of the reference (`mutation/faults/`), each run "
           "through the harness like any implementation. A fault is killed when at least one test fails "
           "(FAIL, CRASH or TIMEOUT). Generated by `tools/run-mutants` on " + doc["date"] + ".", "",
           "| area | faults | killed | score | killed by conformance + property | score |",
           "|---|---|---|---|---|---|"]
    for area, s in sorted(doc["by_area"].items()) + [("**all**", doc["overall"])]:
        out.append(f"| {area} | {s['faults']} | {s['killed']} | {s['score']} % | {s['killed_cp']} | "
                   f"{s['score_cp']} % |")
    return out


def markdown(doc):
    out = ["# Suite strength: the kill matrix", "", *score_table(doc)]
    out += ["", "| fault | area | what is broken | conformance | property | fuzz replay | killed | "
            "rule ids of the killing tests |", "|---|---|---|---|---|---|---|---|"]
    for r in doc["results"]:
        cells = []
        for k in KINDS:
            names = r["killed_by"].get(k, [])
            if not names:
                cells.append("—")
            else:
                shown = ", ".join(f"`{n}`" for n in names[:2])
                cells.append(f"{len(names)}: {shown}" + (" …" if len(names) > 2 else ""))
        status = "yes" if r["killed"] else ("**BUILD FAILED**" if r.get("build_failed") else "**survived**")
        ids = ", ".join(f"`{i}`" for i in r.get("killed_rules", [])) or "—"
        out.append(f"| `{r['name']}` | {r['area']} | {r['fault']} | " + " | ".join(cells) +
                   f" | {status} | {ids} |")
    index = by_rule(doc)
    if index:
        out += ["", "## Faults killed, by rule id", "",
                "Which faults the tests of each rule caught (`python3 -m evconform.mutation --rule "
                "<part of an id>` asks the same of the last run). A rule id absent here caught none "
                "of these faults.", "", "| rule id | faults killed |", "|---|---|"]
        out += [f"| `{rid}` | " + ", ".join(f"`{n}`" for n in names) + " |"
                for rid, names in index.items()]
    return out


def rule_query(path, query):
    """Lines answering `--rule`: each matching rule id and the faults its
    tests killed in the kill matrix at `path`. Raises ToolError."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        raise ToolError(f"cannot read kill matrix {path}: {e} (run tools/run-mutants first)") from None
    if doc.get("format") != "evconform-kill-matrix-1":
        raise ToolError(f"{path} is not a kill matrix")
    if not any("killed_rules" in r for r in doc["results"]):
        raise ToolError(f"{path} records no rule ids (written before they existed): run "
                        "tools/run-mutants again")
    faults = {r["name"]: r for r in doc["results"]}
    hits = {rid: names for rid, names in by_rule(doc).items() if rules.matches(rid, query)}
    if not hits:
        return [f"no fault was killed by a test whose rule id contains '{query}'"]
    out = []
    for rid, names in hits.items():
        out.append(rid)
        out += [f"  {n}: {faults[n]['fault']}" for n in names]
    return out


def score(rows):
    n = len(rows)
    k = sum(r["killed"] for r in rows)
    kcp = sum(bool(r["killed_by"].get("conformance") or r["killed_by"].get("property")) for r in rows)
    pct = lambda x: round(100.0 * x / n, 1) if n else 0.0  # noqa: E731
    return {"faults": n, "killed": k, "score": pct(k), "killed_cp": kcp, "score_cp": pct(kcp)}


def select_faults(args):
    """The fault patches to run (every one of --faults-dir, or --faults)."""
    if not os.path.isdir(args.faults_dir):
        raise ToolError(f"no fault folder {args.faults_dir}")
    paths = sorted(os.path.join(args.faults_dir, f) for f in os.listdir(args.faults_dir) if f.endswith(".patch"))
    if not paths:
        raise ToolError(f"no *.patch in {args.faults_dir}")
    faults = [read_fault(pth) for pth in paths]
    if args.faults:
        want = args.faults.split(",")
        unknown = [w for w in want if w not in {f["name"] for f in faults}]
        if unknown:
            raise ToolError(f"unknown fault(s): {', '.join(unknown)}")
        faults = [f for f in faults if f["name"] in want]
    return faults


def run_faults(faults, tree, build, kinds, args):
    """One kill-matrix row per fault."""
    results = []
    for i, f in enumerate(faults, 1):
        start = time.monotonic()
        must(["git", "-C", tree, "checkout", "--", "."], "resetting the worktree")
        must(["git", "-C", tree, "apply", f["patch"]], f"applying {f['name']}")
        rc, out = output(["cmake", "--build", build, "-j", str(args.jobs)])
        row = {**{k: f[k] for k in ("name", "area", "fault")}, "killed_by": {}, "killed": False}
        if rc:
            row["build_failed"] = True
        else:
            failed = run_tests(build, OBSERVERS[f["area"]], args.jobs)
            for name in failed:
                kind = test_kind(kinds, name, build)
                row["killed_by"].setdefault(kind, []).append(name)
            row["killed"] = bool(row["killed_by"])
            row["killed_rules"] = rule_ids(build, failed)
        row["seconds"] = round(time.monotonic() - start, 1)
        results.append(row)
        by = ", ".join(f"{k} {len(v)}" for k, v in row["killed_by"].items()) or "nothing"
        state = "BUILD FAILED" if row.get("build_failed") else ("killed" if row["killed"] else "SURVIVED")
        print(f"[{i}/{len(faults)}] {f['name']}: {state} ({by}) {row['seconds']} s", flush=True)
    must(["git", "-C", tree, "checkout", "--", "."], "resetting the worktree")
    return results


def main(argv):
    p = argparse.ArgumentParser(prog="python3 -m evconform.mutation",
                                description="Run the test suites against the fault set and write a kill matrix.")
    p.add_argument("--faults", help="comma-separated fault names (default: all in mutation/faults/)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=int, default=6,
                   help="seconds per test before the harness reports TIMEOUT (default 6; a fault "
                        "that hangs the loop makes many tests wait this long)")
    p.add_argument("--work", default=os.path.join(ROOT, "build", "mutants"))
    p.add_argument("--faults-dir", default=FAULTS, help="folder of fault patches (default mutation/faults)")
    p.add_argument("--check", action="store_true",
                   help="only check that every fault patch applies to the source tree (no build)")
    p.add_argument("--rule", metavar="ID",
                   help="only say which faults the tests of the rule ids containing ID (e.g. a "
                        "prefix: listener.h/) killed in the last run (--kill-matrix); no build")
    p.add_argument("--kill-matrix", help="the kill matrix --rule reads (default: "
                                         "<work>/kill-matrix.json)")
    args = p.parse_args(argv)
    if args.rule is not None:
        path = args.kill_matrix or os.path.join(args.work, "kill-matrix.json")
        print("\n".join(rule_query(path, args.rule)))
        return 0
    faults = select_faults(args)
    if args.check:
        stale = [f["name"] for f in faults
                 if output(["git", "-C", ROOT, "apply", "--check", f["patch"]])[0] != 0]
        if stale:
            raise ToolError(f"fault patch(es) no longer apply to the source: {', '.join(stale)}")
        print(f"all {len(faults)} fault patches apply")
        return 0
    if args.jobs < 1 or args.timeout < 1:
        raise ToolError("--jobs and --timeout must be at least 1")
    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    print(f"preparing {work} (worktree of HEAD, reference-only build)", flush=True)
    tree, build = prepare(work, args.jobs, args.timeout)
    kinds = test_kinds(build)
    print("baseline: every selected test must pass on the unmutated reference", flush=True)
    base_failed = run_tests(build, sorted({a for obs in OBSERVERS.values() for a in obs}), args.jobs)
    if base_failed:
        raise ToolError(f"the unmutated reference fails {len(base_failed)} test(s), e.g. {base_failed[0]}")
    results = run_faults(faults, tree, build, kinds, args)
    doc = {"format": "evconform-kill-matrix-1",
           "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
           "faults": len(results), "results": results,
           "by_area": {a: score([r for r in results if r["area"] == a])
                       for a in sorted({r["area"] for r in results})},
           "overall": score(results)}
    with open(os.path.join(work, "kill-matrix.json"), "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
    md = os.path.join(work, "kill-matrix.md")
    with open(md, "w", encoding="utf-8") as fh:
        fh.write("\n".join(markdown(doc)) + "\n")
    report_dir = os.path.join(ROOT, "build", "default", "report")
    if os.path.isdir(report_dir):
        shutil.copy(md, os.path.join(report_dir, "kill-matrix.md"))
    o = doc["overall"]
    print(f"killed {o['killed']}/{o['faults']} ({o['score']} %); conformance + property alone "
          f"{o['killed_cp']}/{o['faults']} ({o['score_cp']} %)")
    print(f"kill matrix: {md}")
    return 0 if o["killed"] == o["faults"] else 1


if __name__ == "__main__":
    cli.main("run-mutants", main)
