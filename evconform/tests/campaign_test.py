"""Tests of the fuzz campaign command (evconform.fuzz_campaign).

--bad-input: bad usage gives one line on stderr and exit status 2.
Otherwise (needs the fuzz preset's fuzz_campaign_selftest): a 20-second
campaign on the self-test target, whose two planted bugs must both be
found, each minimised to a few bytes, and the artefacts deduplicated into
exactly two signatures; exit status 1 (crashes found); summary written.
"""
import argparse
import json
import os
import sys
import tempfile

from evconform import proc


def campaign(*args):
    return proc.tool("fuzz_campaign", args, capture_output=True, text=True, timeout=240)


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def bad_input():
    with tempfile.TemporaryDirectory() as tmp:
        for args, fragment in [
            (["--targets", "no_such_target"], "unknown target 'no_such_target'"),
            (["--time", "0"], "must be at least 1"),
            (["--impl", "../x"], "bad implementation name"),
            (["--no-build", "--build-dir", os.path.join(tmp, "none"), "--targets", "eol_search"],
             "is not built in"),
        ]:
            r = campaign(*args, "--out", os.path.join(tmp, "out"))
            lines = r.stderr.strip().splitlines()
            check(r.returncode == 2 and len(lines) == 1 and fragment in lines[0],
                  f"{' '.join(args)} -> exit 2, one line containing '{fragment}' (got {r.returncode}: {r.stderr.strip()!r})")


def finds_and_dedups(build_dir):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "campaign")
        r = campaign("--targets", "campaign_selftest", "--time", "20", "--jobs", "2", "--no-build",
                     "--no-coverage", "--build-dir", build_dir, "--out", out,
                     "--report", os.path.join(tmp, "no-report"))
        print(r.stdout + r.stderr)
        check(r.returncode == 1, f"exit status 1 when crashes are found (got {r.returncode})")
        with open(os.path.join(out, "summary.json"), encoding="utf-8") as f:
            doc = json.load(f)
        t = doc["targets"][0]
        sigs = [c["signature"] for c in t["unique_crashes"]]
        check(t["executions"] > 0 and t["exec_per_sec"] > 0, "executions and exec/s recorded")
        check(len(sigs) == 2, f"two unique crashes after deduplication (got {sigs})")
        check(any("planted abort" in s for s in sigs), "the planted abort is one signature")
        check(any("heap-buffer-overflow" in s for s in sigs), "the planted overflow is the other")
        check(all(c["size"] <= 8 for c in t["unique_crashes"]),
              f"reproducers minimised to at most 8 bytes (got {[c['size'] for c in t['unique_crashes']]})")
        check(t["corpus_minimised"] >= 1, "a minimised corpus is written")
        check(os.path.exists(os.path.join(out, "summary.md")), "summary.md written")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bad-input", action="store_true")
    p.add_argument("--build-dir")
    a = p.parse_args()
    if a.bad_input:
        bad_input()
    else:
        finds_and_dedups(a.build_dir)


if __name__ == "__main__":
    main()
