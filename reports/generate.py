#!/usr/bin/env python3
"""Builds the conformance matrix from the harness's result records.

Reads <results>/<impl>/*.json (one record per test and implementation, written
by harness/run_test.py) and the implementation registry, and writes:
  matrix.json   tests x implementations, with status, expectation and message
  junit.xml     one <testsuite> per implementation, for CI viewers
  report.md     summary, differences between implementations, full matrix
With --gate it exits 1 when any result differs from its expectation.
"""
import argparse
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
from evharness import status as st  # noqa: E402


class InputError(Exception):
    pass


def load_registry(path):
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return [(i["name"], list(i["areas"])) for i in data["implementations"]]
    except FileNotFoundError:
        raise InputError(f"implementation registry not found: {path} (configure the build first)")
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"implementation registry {path} is malformed: {e}")


def load_results(results_dir):
    if not os.path.isdir(results_dir):
        raise InputError(f"results folder not found: {results_dir} (run the tests first)")
    records = []
    for impl in sorted(os.listdir(results_dir)):
        folder = os.path.join(results_dir, impl)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".json"):
                continue
            path = os.path.join(folder, name)
            try:
                with open(path, encoding="utf-8") as f:
                    records.append(json.load(f))
            except ValueError as e:
                raise InputError(f"result record {path} is malformed: {e}")
    return records


def build_matrix(registry, records):
    impls = [name for name, _ in registry]
    areas_of = dict(registry)
    tests = {}
    for r in records:
        if r["impl"] not in areas_of:
            continue  # a stale record of an implementation no longer configured
        row = tests.setdefault(r["test"], {"test": r["test"], "area": r["area"],
                                           "kind": r.get("kind", "conformance"),
                                           "rule": "", "results": {}})
        row["rule"] = row["rule"] or r.get("rule", "")
        row["results"][r["impl"]] = {
            "status": r["status"], "expected": r["expected"],
            "unexpected": not st.is_expected(r["status"], r["expected"]),
            "message": r.get("message", ""), "expectation_reason": r.get("expectation_reason", ""),
        }
    for row in tests.values():
        for impl in impls:
            if impl in row["results"]:
                continue
            claimed = row["area"] in areas_of[impl]
            row["results"][impl] = {
                "status": st.NOTRUN if claimed else st.UNSUPPORTED,
                "expected": st.PASS if claimed else st.UNSUPPORTED,
                "unexpected": claimed, "message": "" if not claimed else "no result recorded",
                "expectation_reason": "" if claimed else "area not claimed",
            }
    rows = sorted(tests.values(), key=lambda r: (r["area"], r["test"]))
    summary = {}
    for impl in impls:
        counts = {s: 0 for s in st.ALL_STATUSES}
        counts["unexpected"] = 0
        for row in rows:
            cell = row["results"][impl]
            counts[cell["status"]] += 1
            counts["unexpected"] += cell["unexpected"]
        summary[impl] = {k: v for k, v in counts.items() if v or k in ("PASS", "unexpected")}
    return {
        "format": "evconform-matrix-1",
        "implementations": [{"name": n, "areas": a} for n, a in registry],
        "summary": summary,
        "tests": rows,
    }


def write_json(matrix, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(matrix, f, indent=1, sort_keys=False)
        f.write("\n")


def write_junit(matrix, path):
    root = ET.Element("testsuites", name="evconform")
    for impl in [i["name"] for i in matrix["implementations"]]:
        suite = ET.SubElement(root, "testsuite", name=impl)
        n = failures = skipped = 0
        for row in matrix["tests"]:
            cell = row["results"][impl]
            case = ET.SubElement(suite, "testcase", name=row["test"],
                                 classname=f"{impl}.{row['area']}")
            n += 1
            if cell["unexpected"]:
                failures += 1
                fail = ET.SubElement(case, "failure",
                                     message=f"{cell['status']} (expected {cell['expected']})")
                fail.text = cell["message"]
            elif cell["status"] != st.PASS:
                skipped += 1
                why = cell["expectation_reason"] or cell["message"]
                ET.SubElement(case, "skipped", message=f"{cell['status']} as expected: {why}")
        suite.set("tests", str(n))
        suite.set("failures", str(failures))
        suite.set("skipped", str(skipped))
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _md_cell(cell):
    s = cell["status"]
    if cell["unexpected"]:
        return f"**{s}** ❗"
    if s != st.PASS and cell["expected"] == s and s not in (st.UNSUPPORTED, st.SKIP):
        return f"{s} (expected)"
    return s


def _md_escape(text):
    return text.replace("|", "\\|").replace("\n", " ")


def write_markdown(matrix, path):
    impls = [i["name"] for i in matrix["implementations"]]
    out = ["# evconform conformance matrix", ""]
    out.append("Generated by `reports/generate.py` from the harness's result records. "
               "Statuses: PASS, FAIL, CRASH, TIMEOUT, MEMERR (valgrind), SKIP, "
               "UNSUPPORTED (area not claimed), NOTRUN. ❗ marks a result that differs from "
               "the implementation's expectations file (the gate fails on those).")
    out += ["", "## Summary", "", "| implementation | areas | tests | " +
            " | ".join(s for s in st.ALL_STATUSES) + " | unexpected |",
            "|---|---|---|" + "---|" * (len(st.ALL_STATUSES) + 1)]
    for i in matrix["implementations"]:
        c = matrix["summary"][i["name"]]
        total = sum(v for k, v in c.items() if k != "unexpected")
        out.append(f"| {i['name']} | {', '.join(i['areas'])} | {total} | " +
                   " | ".join(str(c.get(s, 0)) for s in st.ALL_STATUSES) +
                   f" | {c['unexpected']} |")
    areas = sorted({r["area"] for r in matrix["tests"]})
    out += ["", "### By area", "", "| area | tests | " + " | ".join(f"{i} pass" for i in impls) + " |",
            "|---|---|" + "---|" * len(impls)]
    for a in areas:
        rows = [r for r in matrix["tests"] if r["area"] == a]
        passes = [sum(r["results"][i]["status"] == st.PASS for r in rows) for i in impls]
        out.append(f"| {a} | {len(rows)} | " + " | ".join(str(p) for p in passes) + " |")

    diff = [r for r in matrix["tests"]
            if len({r["results"][i]["status"] for i in impls} - {st.UNSUPPORTED}) > 1]
    out += ["", "## Differences between implementations", ""]
    if not diff:
        out.append("None: every implementation that claims a test's area gives the same result.")
    for r in diff:
        out.append(f"### `{r['test']}`")
        if r["rule"]:
            out.append(f"Rule: {r['rule']}")
        out.append("")
        for i in impls:
            cell = r["results"][i]
            out.append(f"- **{i}**: {_md_cell(cell)}")
            if cell["expectation_reason"] and cell["status"] != st.UNSUPPORTED:
                out.append(f"  - expectation: {cell['expectation_reason']}")
            if cell["message"] and cell["status"] != st.PASS:
                msg = cell["message"].strip().replace("\n", "\n    ")
                out.append(f"  - message:\n    ```\n    {msg}\n    ```")
        out.append("")

    unexpected = [(r, i) for r in matrix["tests"] for i in impls if r["results"][i]["unexpected"]]
    out += ["", "## Unexpected results", ""]
    if not unexpected:
        out.append("None: every result matches its expectation.")
    for r, i in unexpected:
        cell = r["results"][i]
        out.append(f"- {i} `{r['test']}`: {cell['status']} (expected {cell['expected']})")
        if cell["message"]:
            msg = cell["message"].strip().replace("\n", "\n    ")
            out.append(f"  ```\n    {msg}\n    ```")

    out += ["", "## Full matrix", "", "| test | " + " | ".join(impls) + " | rule |",
            "|---|" + "---|" * len(impls) + "---|"]
    for r in matrix["tests"]:
        out.append(f"| `{r['test']}` | " + " | ".join(_md_cell(r["results"][i]) for i in impls) +
                   f" | {_md_escape(r['rule'])} |")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main(argv):
    p = argparse.ArgumentParser(description="Build the evconform matrix report.")
    p.add_argument("--results", required=True, help="folder of result records")
    p.add_argument("--registry", required=True, help="evconform-implementations.json")
    p.add_argument("--out", required=True, help="folder to write the report into")
    p.add_argument("--gate", action="store_true",
                   help="exit 1 if any result differs from its expectation")
    args = p.parse_args(argv)
    try:
        matrix = build_matrix(load_registry(args.registry), load_results(args.results))
        if not matrix["tests"]:
            raise InputError(f"no result records under {args.results}")
        os.makedirs(args.out, exist_ok=True)
        write_json(matrix, os.path.join(args.out, "matrix.json"))
        write_junit(matrix, os.path.join(args.out, "junit.xml"))
        write_markdown(matrix, os.path.join(args.out, "report.md"))
    except InputError as e:
        print(f"evconform report: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"evconform report: cannot write {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    bad = sum(c["unexpected"] for c in matrix["summary"].values())
    for impl, c in matrix["summary"].items():
        print(f"{impl}: " + ", ".join(f"{k} {v}" for k, v in c.items()))
    print(f"report: {os.path.join(os.path.abspath(args.out), 'report.md')}")
    if args.gate and bad:
        print(f"gate: {bad} unexpected result(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
