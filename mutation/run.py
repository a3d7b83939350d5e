#!/usr/bin/env python3
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
overall, and for conformance + property alone), and copies the Markdown
next to the matrix report when there is one.

  tools/run-mutants [--faults name,name] [--jobs 2]
Exit status: 0 when every fault is killed, 1 when some survive, 2 on error.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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


class MutationError(Exception):
    pass


def sh(cmd, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", **kw)
    return r.returncode, r.stdout


def must(cmd, what, **kw):
    rc, out = sh(cmd, **kw)
    if rc:
        sys.stderr.write(out[-3000:])
        raise MutationError(f"{what} failed")
    return out


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
        raise MutationError(f"{os.path.basename(path)}: needs 'Area: <{'|'.join(OBSERVERS)}>' and 'Fault: ...' lines")
    return {"name": os.path.basename(path)[:-len(".patch")], "area": area, "fault": desc, "patch": path}


def prepare(work, jobs, timeout):
    tree, build = os.path.join(work, "tree"), os.path.join(work, "build")
    if os.path.isdir(tree):
        sh(["git", "-C", ROOT, "worktree", "remove", "--force", tree])
        shutil.rmtree(tree, ignore_errors=True)
    sh(["git", "-C", ROOT, "worktree", "prune"])
    must(["git", "-C", ROOT, "worktree", "add", "--detach", tree, "HEAD"], "git worktree add")
    shutil.rmtree(build, ignore_errors=True)
    must(["cmake", "-S", tree, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
          "-DCMAKE_C_COMPILER=gcc", "-DCMAKE_CXX_COMPILER=g++", "-DEVCONFORM_BUILTIN=reference",
          f"-DEVCONFORM_TEST_TIMEOUT={timeout}"], "configuring the mutant build")
    must(["cmake", "--build", build, "-j", str(jobs)], "building the unmutated tree")
    return tree, build


def test_kinds(build):
    """test name -> (kind, area) from CTest's labels."""
    out = must(["ctest", "--test-dir", build, "--show-only=json-v1"], "listing tests")
    kinds = {}
    for t in json.loads(out)["tests"]:
        labels = []
        for p in t.get("properties", []):
            if p["name"] == "LABELS":
                labels = p["value"]
        kind = next((l.split(":", 1)[1] for l in labels if l.startswith("kind:")), "")
        area = next((l.split(":", 1)[1] for l in labels if l.startswith("area:")), "")
        kinds[t["name"]] = (kind, area)
    return kinds


def run_tests(build, areas, jobs):
    """Names of the failing tests among the kinds and areas given."""
    label = "kind:(" + "|".join(KINDS) + ")"
    area_re = "area:(" + "|".join(areas) + ")$"
    failed_log = os.path.join(build, "Testing", "Temporary", "LastTestsFailed.log")
    if os.path.exists(failed_log):
        os.remove(failed_log)
    # Two label filters: CTest ANDs them. glibc's malloc debugging (freed
    # memory overwritten, no per-thread cache that would skip it) makes a
    # use after free -- a free inside a callback without a reference held --
    # misbehave visibly instead of reading stale but plausible fields.
    env = dict(os.environ, GLIBC_TUNABLES="glibc.malloc.tcache_count=0", MALLOC_PERTURB_="165")
    sh(["ctest", "--test-dir", build, "-L", label, "-L", area_re, "-j", str(jobs), "-Q"], env=env)
    failed = []
    if os.path.exists(failed_log):
        with open(failed_log, encoding="utf-8") as f:
            failed = [line.strip().split(":", 1)[1] for line in f if ":" in line]
    return failed


def score_table(doc):
    """The scores per area and overall (also used by reports/generate.py)."""
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
    out += ["", "| fault | area | what is broken | conformance | property | fuzz replay | killed |",
            "|---|---|---|---|---|---|---|"]
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
        out.append(f"| `{r['name']}` | {r['area']} | {r['fault']} | " + " | ".join(cells) + f" | {status} |")
    return out


def score(rows):
    n = len(rows)
    k = sum(r["killed"] for r in rows)
    kcp = sum(bool(r["killed_by"].get("conformance") or r["killed_by"].get("property")) for r in rows)
    pct = lambda x: round(100.0 * x / n, 1) if n else 0.0  # noqa: E731
    return {"faults": n, "killed": k, "score": pct(k), "killed_cp": kcp, "score_cp": pct(kcp)}


def main(argv):
    p = argparse.ArgumentParser(description="Run the test suites against the fault set and write a kill matrix.")
    p.add_argument("--faults", help="comma-separated fault names (default: all in mutation/faults/)")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--timeout", type=int, default=6,
                   help="seconds per test before the harness reports TIMEOUT (default 6; a fault "
                        "that hangs the loop makes many tests wait this long)")
    p.add_argument("--work", default=os.path.join(ROOT, "build", "mutants"))
    p.add_argument("--faults-dir", default=FAULTS, help="folder of fault patches (default mutation/faults)")
    p.add_argument("--check", action="store_true",
                   help="only check that every fault patch applies to the source tree (no build)")
    args = p.parse_args(argv)
    try:
        if not os.path.isdir(args.faults_dir):
            raise MutationError(f"no fault folder {args.faults_dir}")
        paths = sorted(os.path.join(args.faults_dir, f) for f in os.listdir(args.faults_dir) if f.endswith(".patch"))
        if not paths:
            raise MutationError(f"no *.patch in {args.faults_dir}")
        faults = [read_fault(pth) for pth in paths]
        if args.faults:
            want = args.faults.split(",")
            unknown = [w for w in want if w not in {f["name"] for f in faults}]
            if unknown:
                raise MutationError(f"unknown fault(s): {', '.join(unknown)}")
            faults = [f for f in faults if f["name"] in want]
        if args.check:
            stale = [f["name"] for f in faults
                     if sh(["git", "-C", ROOT, "apply", "--check", f["patch"]])[0] != 0]
            if stale:
                raise MutationError(f"fault patch(es) no longer apply to the source: {', '.join(stale)}")
            print(f"all {len(faults)} fault patches apply")
            return 0
        if args.jobs < 1 or args.timeout < 1:
            raise MutationError("--jobs and --timeout must be at least 1")
        work = os.path.abspath(args.work)
        os.makedirs(work, exist_ok=True)
        print(f"preparing {work} (worktree of HEAD, reference-only build)", flush=True)
        tree, build = prepare(work, args.jobs, args.timeout)
        kinds = test_kinds(build)
        print("baseline: every selected test must pass on the unmutated reference", flush=True)
        base_failed = run_tests(build, sorted({a for obs in OBSERVERS.values() for a in obs}), args.jobs)
        if base_failed:
            raise MutationError(f"the unmutated reference fails {len(base_failed)} test(s), e.g. {base_failed[0]}")
        results = []
        for i, f in enumerate(faults, 1):
            start = time.monotonic()
            must(["git", "-C", tree, "checkout", "--", "."], "resetting the worktree")
            must(["git", "-C", tree, "apply", f["patch"]], f"applying {f['name']}")
            rc, out = sh(["cmake", "--build", build, "-j", str(args.jobs)])
            row = {**{k: f[k] for k in ("name", "area", "fault")}, "killed_by": {}, "killed": False}
            if rc:
                row["build_failed"] = True
            else:
                for name in run_tests(build, OBSERVERS[f["area"]], args.jobs):
                    kind = kinds.get(name, ("other", ""))[0]
                    row["killed_by"].setdefault(kind, []).append(name)
                row["killed"] = bool(row["killed_by"])
            row["seconds"] = round(time.monotonic() - start, 1)
            results.append(row)
            by = ", ".join(f"{k} {len(v)}" for k, v in row["killed_by"].items()) or "nothing"
            state = "BUILD FAILED" if row.get("build_failed") else ("killed" if row["killed"] else "SURVIVED")
            print(f"[{i}/{len(faults)}] {f['name']}: {state} ({by}) {row['seconds']} s", flush=True)
        must(["git", "-C", tree, "checkout", "--", "."], "resetting the worktree")
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
    except MutationError as e:
        print(f"run-mutants: {e}", file=sys.stderr)
        return 2
    o = doc["overall"]
    print(f"killed {o['killed']}/{o['faults']} ({o['score']} %); conformance + property alone "
          f"{o['killed_cp']}/{o['faults']} ({o['score_cp']} %)")
    print(f"kill matrix: {md}")
    return 0 if o["killed"] == o["faults"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
