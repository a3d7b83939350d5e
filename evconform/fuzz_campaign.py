"""A fuzzing campaign over evconform's libFuzzer targets.

For each target: copy its seed corpus (and kept regression inputs) into a
working corpus, run libFuzzer in fork mode (-fork=JOBS) for the time budget
with the target's dictionary and options, then
  - merge and minimise the working corpus (-merge=1) into corpus.min/,
  - minimise every crash (-minimize_crash=1) and deduplicate the crashes by
    their signature (the first line the target or a sanitizer prints about
    the failure, with numbers and addresses masked),
  - optionally measure the coverage of the reference's sources reached by
    the minimised corpus with llvm-cov (a separate instrumented build of the
    replay drivers, preset `coverage`).
It writes summary.json and summary.md into the campaign folder (executions,
executions per second, coverage and features, corpus sizes, crashes) and,
when a matrix report exists, adds the summary to it.

Exit status: 0 when no target crashed, 1 when any did, 2 on bad usage or a
build/tool failure (one-line error).
"""
import argparse
import configparser
import datetime
import json
import os
import re
import shutil
import subprocess

from . import ROOT, cli, proc, registry
from .cli import ToolError
from .proc import run

FUZZ = os.path.join(ROOT, "fuzz")

# target -> (input family: corpus, dictionary and options share its name;
#            per_impl: built once per implementation as fuzz_<t>_<impl>)
TARGETS = {
    "eol_search": ("eol_search", True),
    "evbuffer_ops": ("evbuffer_ops", True),
    "eol_differential": ("eol_search", False),
    "evbuffer_ops_differential": ("evbuffer_ops", False),
    "tls_read": ("tls_read", True),  # where the implementation has an OpenSSL bufferevent
}
# The campaign's self-test target (fuzz/selftest/): two planted bugs.
SELFTEST = {"campaign_selftest": ("campaign_selftest", False)}

STATUS_RE = re.compile(r"^#(\d+): cov: (\d+) ft: (\d+) corp: (\d+) exec/s (\d+) "
                       r"oom/timeout/crash: (\d+)/(\d+)/(\d+) time: (\d+)s")


def binary_name(target, impl, family):
    _, per_impl = family
    return f"fuzz_{target}_{impl}" if per_impl else f"fuzz_{target}"


def build(build_dir, preset, targets):
    if run(["cmake", "--preset", preset], cwd=ROOT, stdout=subprocess.DEVNULL).returncode:
        raise ToolError(f"cmake --preset {preset} failed")
    proc.must(["cmake", "--build", build_dir, "--target", *targets],
              f"building {' '.join(targets)} in {build_dir}", cwd=ROOT)


def options_of(family_name):
    """libFuzzer flags from fuzz/<family>.options ([libfuzzer] key = value)."""
    path = os.path.join(FUZZ, f"{family_name}.options")
    flags = []
    if os.path.exists(path):
        cp = configparser.ConfigParser()
        cp.read(path)
        if cp.has_section("libfuzzer"):
            flags = [f"-{k}={v}" for k, v in cp.items("libfuzzer") if k != "dict"]
    dict_path = os.path.join(FUZZ, f"{family_name}.dict")
    if os.path.exists(dict_path):
        flags.append(f"-dict={dict_path}")
    return flags


def seed_dirs(family_name):
    dirs = []
    for sub in ("corpus", "regressions"):
        d = os.path.join(FUZZ, sub, family_name)
        if os.path.isdir(d):
            dirs.append(d)
    return dirs


def copy_inputs(dirs, dest):
    os.makedirs(dest, exist_ok=True)
    for d in dirs:
        for name in sorted(os.listdir(d)):
            src = os.path.join(d, name)
            if os.path.isfile(src) and not name.startswith("."):
                shutil.copy(src, os.path.join(dest, name))


def count_files(d):
    return len([n for n in os.listdir(d) if os.path.isfile(os.path.join(d, n))]) if os.path.isdir(d) else 0


def last_status(log_text):
    last = None
    for line in log_text.splitlines():
        m = STATUS_RE.match(line)
        if m:
            last = m
    if not last:
        return None
    n, cov, ft, corp, eps, oom, tmo, crash, secs = (int(x) for x in last.groups())
    return {"executions": n, "cov": cov, "ft": ft, "corpus_during": corp,
            "ooms": oom, "timeouts": tmo, "crashes_seen": crash, "seconds": secs}


def run_with_progress(cmd, log_path, cwd, timeout, target, every=30):
    """Runs the fuzzer with its output in log_path and, every `every`
    seconds, prints how far it is (from libFuzzer's last status line)."""
    import time
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        try:
            p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=cwd)
        except OSError as e:
            raise ToolError(f"cannot run {cmd[0]}: {e.strerror}") from None
        while True:
            try:
                p.wait(timeout=every)
                break
            except subprocess.TimeoutExpired:
                elapsed = time.monotonic() - start
                if elapsed > timeout:
                    p.kill()
                    p.wait()
                    raise ToolError(f"{target}: the fuzzer ran over {timeout} s; killed") from None
                with open(log_path, encoding="utf-8", errors="replace") as f:
                    st = last_status(f.read())
                done = (f"{st['executions']:,} executions, cov {st['cov']}, corpus {st['corpus_during']}, "
                        f"{st['crashes_seen']} crash(es)" if st else "starting")
                print(f"   {target}: {elapsed:.0f} s: {done}", flush=True)
    return p


def signature(output):
    """What identifies a failure: the target's own abort message or the
    sanitizer's summary, with numbers, addresses and quoted data masked."""
    lines = output.splitlines()
    pick = None
    for line in lines:
        if "SUMMARY:" in line and "libFuzzer: deadly signal" not in line:
            pick = line[line.index("SUMMARY:"):]
            break
    if pick is None:
        for line in lines:
            s = line.strip()
            if not s or s.startswith(("INFO:", "#", "MS:", "==", "Running", "Executed", "NOTE:",
                                      "artifact_prefix", "Base64:", "0x", "Test unit", "***",
                                      "Combine libFuzzer", "[")) or ": Running " in s:
                continue
            if re.match(r"^#\d+ 0x", s) or s.startswith("SUMMARY: libFuzzer"):
                continue
            pick = s
            break
    pick = pick or "unknown failure"
    pick = re.sub(r'"[^"]*"', '"…"', pick)
    pick = re.sub(r"0x[0-9a-fA-F]+", "0x…", pick)
    pick = re.sub(r"\d+", "N", pick)
    return pick


def run_input(binary, path):
    r = run([binary, path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            errors="replace", timeout=60)
    return r.stdout


def minimise_crash(binary, crash, dest, budget_runs):
    """Minimises one crash input into `dest`; returns the output of running
    the minimised input (the original if nothing smaller still crashes)."""
    run([binary, "-minimize_crash=1", f"-runs={budget_runs}", f"-exact_artifact_path={dest}", crash],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not os.path.exists(dest):
        shutil.copy(crash, dest)
    return run_input(binary, dest)


def measures_coverage(target, impl, family):
    """Whether the target reaches the reference (coverage is of reference/src)."""
    return target != "campaign_selftest" and (not family[1] or impl == "reference")


def coverage(cov_dir, target, impl, family, corpus, work):
    """Line, function and region coverage of reference/src reached by
    replaying `corpus` through the coverage build's replay driver."""
    if not measures_coverage(target, impl, family):
        return None
    binary = os.path.join(cov_dir, "fuzz", binary_name(target, impl, family).replace("fuzz_", "fuzz_replay_", 1))
    raw = os.path.join(work, "coverage.profraw")
    data = os.path.join(work, "coverage.profdata")
    env = dict(os.environ, LLVM_PROFILE_FILE=raw)
    if run([binary, corpus], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        raise ToolError(f"coverage replay of {target} failed")
    if run(["llvm-profdata-14", "merge", "-sparse", raw, "-o", data]).returncode:
        raise ToolError("llvm-profdata-14 merge failed")
    src = os.path.join(ROOT, "reference", "src")
    r = run(["llvm-cov-14", "export", binary, f"-instr-profile={data}", "-summary-only", src],
            stdout=subprocess.PIPE, text=True)
    if r.returncode:
        raise ToolError("llvm-cov-14 export failed")
    files = json.loads(r.stdout)["data"][0]["files"]
    total = {"lines": [0, 0], "functions": [0, 0], "regions": [0, 0]}
    per_file = {}
    for f in files:
        if not f["filename"].startswith(src):
            continue
        s = f["summary"]
        rel = os.path.relpath(f["filename"], ROOT)
        per_file[rel] = round(100.0 * s["lines"]["covered"] / max(1, s["lines"]["count"]), 1)
        for k in total:
            total[k][0] += s[k]["covered"]
            total[k][1] += s[k]["count"]
    run(["llvm-cov-14", "show", binary, f"-instr-profile={data}", "-format=html",
         f"-output-dir={os.path.join(work, 'coverage-html')}", src], stdout=subprocess.DEVNULL)
    result = {k: {"covered": c, "count": n, "percent": round(100.0 * c / max(1, n), 1)}
              for k, (c, n) in total.items()}
    result["files"] = per_file
    return result


def fuzz_one(args, target, family, fuzz_bin_dir, out):
    fam_name, _ = family
    binary = os.path.join(fuzz_bin_dir, binary_name(target, args.impl, family))
    work = os.path.join(out, target)
    corpus = os.path.join(work, "corpus")
    crashes = os.path.join(work, "crashes")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(crashes)
    copy_inputs(seed_dirs(fam_name), corpus)
    seeds = count_files(corpus)
    cmd = [binary, f"-fork={args.jobs}", f"-max_total_time={args.time}", "-ignore_crashes=1",
           "-ignore_timeouts=1", "-ignore_ooms=1", f"-artifact_prefix={crashes}/",
           *options_of(fam_name), corpus]
    print(f"== {target}: {args.time} s, {args.jobs} job(s), {seeds} seed input(s)", flush=True)
    r = run_with_progress(cmd, os.path.join(work, "fuzz.log"), work, args.time * 3 + 120, target)
    with open(os.path.join(work, "fuzz.log"), encoding="utf-8", errors="replace") as f:
        stats = last_status(f.read())
    if stats is None:
        raise ToolError(f"{target}: libFuzzer printed no status (exit {r.returncode}); "
                            f"see {os.path.join(work, 'fuzz.log')}")
    # Merge and minimise the corpus.
    merged = os.path.join(work, "corpus.min")
    os.makedirs(merged)
    run([binary, "-merge=1", *[o for o in options_of(fam_name) if o.startswith("-max_len")],
         merged, corpus], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work)
    # Deduplicate the crashes by signature, then minimise the smallest
    # artefact of each signature (minimising is the slow part).
    groups = {}
    artefacts = sorted(n for n in os.listdir(crashes)
                       if n.split("-")[0] in ("crash", "timeout", "oom", "leak"))
    for name in artefacts:
        path = os.path.join(crashes, name)
        sig = f"{name.split('-')[0]}: {signature(run_input(binary, path))}"
        groups.setdefault(sig, []).append(path)
    unique = []
    for sig, paths in sorted(groups.items()):
        smallest = min(paths, key=os.path.getsize)
        dest = os.path.join(crashes, "min-" + os.path.basename(smallest))
        output = minimise_crash(binary, smallest, dest, args.minimise_runs)
        unique.append({"signature": sig, "count": len(paths), "reproducer": os.path.relpath(dest, ROOT),
                       "size": os.path.getsize(dest), "minimised_signature": signature(output),
                       "message": "\n".join(output.strip().splitlines()[:12])})
    summary = {
        "target": target,
        "binary": os.path.relpath(binary, ROOT),
        "jobs": args.jobs,
        "seconds": stats["seconds"],
        "executions": stats["executions"],
        "exec_per_sec": round(stats["executions"] / max(1, stats["seconds"])),
        "exec_per_sec_per_job": round(stats["executions"] / max(1, stats["seconds"]) / args.jobs),
        "cov": stats["cov"],
        "ft": stats["ft"],
        "seed_inputs": seeds,
        "corpus_after": count_files(corpus),
        "corpus_minimised": count_files(merged),
        "crash_artefacts": len(artefacts),
        "unique_crashes": unique,
        "coverage": None,
        "work": os.path.relpath(work, ROOT),
    }
    return summary, merged


def write_summary(out, results, args):
    doc = {"format": "evconform-fuzz-campaign-1",
           "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "implementation": args.impl, "seconds_per_target": args.time, "jobs": args.jobs,
           "targets": results}
    with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
    with open(os.path.join(out, "summary.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(markdown(doc)) + "\n")
    return doc


def markdown(doc):
    """The campaign summary as Markdown lines (also used by evconform.report)."""
    out = [f"Campaign finished {doc['date']}: implementation `{doc['implementation']}`, "
           f"{doc['seconds_per_target']} s per target, {doc['jobs']} fork job(s).", "",
           "| target | seconds | executions | exec/s | exec/s per job | cov | ft | corpus (seeds → after → minimised) "
           "| reference line coverage (files the target links) | crashes (unique) |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for t in doc["targets"]:
        cov = t.get("coverage")
        covtxt = (f"{cov['lines']['percent']} % ({cov['lines']['covered']}/{cov['lines']['count']})"
                  if cov else "—")
        out.append(f"| {t['target']} | {t['seconds']} | {t['executions']:,} | {t['exec_per_sec']:,} | "
                   f"{t['exec_per_sec_per_job']:,} | {t['cov']} | {t['ft']} | "
                   f"{t['seed_inputs']} → {t['corpus_after']} → {t['corpus_minimised']} | {covtxt} | "
                   f"{t['crash_artefacts']} ({len(t['unique_crashes'])}) |")
    out.append("")
    for t in doc["targets"]:
        cov = t.get("coverage")
        if cov:
            files = ", ".join(f"`{k.replace('reference/src/', '')}` {v} %" for k, v in sorted(cov["files"].items()))
            out.append(f"- {t['target']}: reference functions {cov['functions']['percent']} %, "
                       f"regions {cov['regions']['percent']} %; lines by file: {files}")
    for t in doc["targets"]:
        for c in t["unique_crashes"]:
            out += ["", f"- **{t['target']}**: `{c['signature']}` — {c['count']} artefact(s); "
                    f"smallest reproducer `{c['reproducer']}` ({c['size']} bytes); "
                    f"reproduce: `{t['binary']} {c['reproducer']}`"]
            if c["message"]:
                msg = c["message"].replace("\n", "\n    ")
                out.append(f"  ```\n    {msg}\n    ```")
    return out


def main(argv):
    p = argparse.ArgumentParser(prog="python3 -m evconform.fuzz_campaign", description="Run a libFuzzer campaign over evconform's fuzz targets.")
    p.add_argument("--targets", default=",".join(TARGETS),
                   help="comma-separated targets (default: all): " + ", ".join(TARGETS))
    p.add_argument("--impl", default="reference",
                   help="implementation for the per-implementation targets (default: reference)")
    p.add_argument("--time", type=int, default=60, help="seconds of fuzzing per target (default 60)")
    p.add_argument("--jobs", type=int, default=1, help="libFuzzer fork-mode jobs (default 1)")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "fuzz", "campaign"),
                   help="campaign folder (default build/fuzz/campaign; emptied first)")
    p.add_argument("--build-dir", default=os.path.join(ROOT, "build", "fuzz"),
                   help="the fuzz preset's build folder (default build/fuzz)")
    p.add_argument("--no-build", action="store_true", help="use the binaries already built")
    p.add_argument("--no-coverage", action="store_true", help="skip the llvm-cov coverage step")
    p.add_argument("--minimise-runs", type=int, default=20000, help="runs spent minimising each crash")
    p.add_argument("--report", default=os.path.join(ROOT, "build", "default"),
                   help="build folder whose matrix report gets the summary (if it has one)")
    args = p.parse_args(argv)
    args.out, args.build_dir, args.report = (os.path.abspath(d) for d in (args.out, args.build_dir, args.report))
    try:
        doc = campaign(args)
    except subprocess.TimeoutExpired as e:
        raise ToolError(f"{e.cmd[0]} overran its time limit") from None
    print(f"summary: {os.path.join(args.out, 'summary.md')}")
    add_to_report(args.report, os.path.join(args.out, "summary.json"))
    return 1 if any(t["unique_crashes"] for t in doc["targets"]) else 0


def campaign(args):
    """Builds, fuzzes every target, writes the summary; returns it."""
    known = dict(TARGETS, **SELFTEST)
    targets = [t for t in args.targets.split(",") if t]
    for t in targets:
        if t not in known:
            raise ToolError(f"unknown target '{t}' (known: {', '.join(TARGETS)})")
    if args.time < 1 or args.jobs < 1 or args.minimise_runs < 1:
        raise ToolError("--time, --jobs and --minimise-runs must be at least 1")
    if not re.fullmatch(r"[A-Za-z0-9_]+", args.impl):
        raise ToolError(f"bad implementation name '{args.impl}'")
    fuzz_bin_dir = os.path.join(args.build_dir, "fuzz")
    binaries = [binary_name(t, args.impl, known[t]) for t in targets]
    cov_dir = os.path.join(ROOT, "build", "coverage")
    if not args.no_build:
        build(args.build_dir, "fuzz", binaries)
        if not args.no_coverage:
            cov_targets = [b.replace("fuzz_", "fuzz_replay_", 1) for b, t in zip(binaries, targets)
                           if measures_coverage(t, args.impl, known[t])]
            if cov_targets:
                build(cov_dir, "coverage", cov_targets)
    for b in binaries:
        if not os.path.exists(os.path.join(fuzz_bin_dir, b)):
            raise ToolError(f"{b} is not built in {fuzz_bin_dir} (is '{args.impl}' an "
                                f"implementation of the fuzz preset?)")
    try:
        shutil.rmtree(args.out, ignore_errors=True)
        os.makedirs(args.out)
    except OSError as e:
        raise ToolError(f"cannot create {args.out}: {e.strerror}")
    results = []
    for t in targets:
        summary, merged = fuzz_one(args, t, known[t], fuzz_bin_dir, args.out)
        if not args.no_coverage:
            summary["coverage"] = coverage(cov_dir, t, args.impl, known[t], merged,
                                           os.path.join(args.out, t))
        results.append(summary)
        cov = summary["coverage"]
        print(f"   {summary['executions']:,} executions, {summary['exec_per_sec']:,}/s, cov {summary['cov']}, "
              f"corpus {summary['seed_inputs']} → {summary['corpus_minimised']} minimised, "
              + (f"reference lines {cov['lines']['percent']} %, " if cov else "")
              + f"{summary['crash_artefacts']} crash artefact(s), {len(summary['unique_crashes'])} unique",
              flush=True)
    return write_summary(args.out, results, args)


def add_to_report(build_dir, summary_path):
    results = os.path.join(build_dir, "results")
    registry_path = registry.of_build(build_dir)
    if not (os.path.isdir(results) and os.path.exists(registry_path)):
        return
    proc.tool("report", ["--results", results, "--registry", registry_path,
                         "--out", os.path.join(build_dir, "report"), "--fuzz-summary", summary_path],
              stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    cli.main("fuzz-campaign", main)
