"""Builds the conformance matrix from the harness's result records.

Reads <results>/<column>/*.json (one record per test and column, written by
evconform/run_test.py; a column is an implementation, or an implementation with
one backend selected, e.g. reference/poll) and the implementation registry,
and writes:
  matrix.json   tests x columns, with status, expectation and message, and
                each test's rule id and rule (evconform/rules.py)
  junit.xml     one <testsuite> per column, for CI viewers; each testcase has
                rule_id and rule properties
  report.md     summary, differences between implementations, full matrix
                (with a rule id column)
  report.html   the matrix as one self-contained page: filters by area,
                result, test name and rule id, failure details per cell, a
                diff of two columns
With --gate it exits 1 when any result differs from its expectation. With
--update-expectations it writes this run's results as each implementation's
new expectations baseline instead (new entries carry a TODO reason).
"""
import argparse
import json
import os
import sys
import time
import xml.etree.ElementTree as ET

from . import cli, expectations, fuzz_campaign, html_report, mutation, registry, results
from . import status as st
from .cli import ToolError


def update_expectations(matrix, paths, today):
    """Rewrites each implementation's expectations file so that the results
    of this run become the baseline: one entry per test that did not PASS
    (per backend when the columns disagree). An entry that already says the
    same keeps its reason; a new one gets a reason to fill in. Returns
    {path: number of entries}."""
    written = {}
    for impl, path in paths.items():
        cols = [c for c in matrix["columns"] if c["impl"] == impl]
        if not cols:
            continue  # not in this run's report (--columns): its file stays as it is
        old = expectations.load(path)
        entries = []
        for row in matrix["tests"]:
            cells = {c["backend"]: row["results"][c["name"]] for c in cols if c["name"] in row["results"]}
            bad = {b: cell["status"] for b, cell in cells.items()
                   if cell["status"] not in (st.PASS, st.SKIP, st.UNSUPPORTED, st.NOTRUN)}
            if not bad:
                continue
            if len(set(bad.values())) == 1 and len(bad) == len(cells):
                groups = [(None, next(iter(bad.values())))]
            else:
                groups = sorted(bad.items())
            for backend, status in groups:
                prev = expectations.lookup(old, row["test"], backend)
                reason = (prev["reason"] if prev and prev["status"] == status
                          else f"TODO: why does it {status}? (recorded {today})")
                entries.append({"test": row["test"], "status": status, "reason": reason,
                                "backend": backend})
        expectations.write(path, entries, [
            f"# Expectations of {impl}: tests that do not PASS, and why.",
            "# Written by python3 -m evconform.report --update-expectations; fill in every TODO."])
        written[path] = len(entries)
    return written


def build_matrix(reg, columns, records):
    """The matrix of `columns` (of registry `reg`) from the result records."""
    per_backend = reg.per_backend
    names = [c["name"] for c in columns]
    by_name = {c["name"]: c for c in columns}
    tests = {}
    for r in records:
        col = r.get("column") or r["impl"]
        if col not in by_name:
            continue  # a stale record of a column no longer configured
        row = tests.setdefault(r["test"], {"test": r["test"], "area": r["area"],
                                           "kind": r.get("kind", "conformance"),
                                           "rule_id": "", "rule": "", "results": {}})
        row["rule_id"] = row["rule_id"] or r.get("rule_id", "")
        row["rule"] = row["rule"] or r.get("rule", "")
        row["results"][col] = {
            "status": r["status"], "expected": r["expected"],
            "unexpected": not st.is_expected(r["status"], r["expected"]),
            "message": r.get("message", ""), "expectation_reason": r.get("expectation_reason", ""),
        }
    for row in tests.values():
        for c in columns:
            if c["name"] in row["results"] or not reg.applies(c, row["area"]):
                continue
            claimed = row["area"] in c["claimed"]
            row["results"][c["name"]] = {
                "status": st.NOTRUN if claimed else st.UNSUPPORTED,
                "expected": st.PASS if claimed else st.UNSUPPORTED,
                "unexpected": claimed, "message": "" if not claimed else "no result recorded",
                "expectation_reason": "" if claimed else "area not claimed",
            }
    rows = sorted(tests.values(), key=lambda r: (r["area"], r["test"]))
    summary = {}
    for name in names:
        counts = {s: 0 for s in st.ALL_STATUSES}
        counts["unexpected"] = 0
        for row in rows:
            cell = row["results"].get(name)
            if cell is None:
                continue
            counts[cell["status"]] += 1
            counts["unexpected"] += cell["unexpected"]
        summary[name] = {k: v for k, v in counts.items() if v or k in ("PASS", "unexpected")}
    return {
        "format": "evconform-matrix-2",
        "columns": [{"name": c["name"], "impl": c["impl"], "backend": c["backend"],
                     "areas": sorted({r["area"] for r in rows if c["name"] in r["results"]})}
                    for c in columns],
        "per_backend_areas": sorted(per_backend),
        "summary": summary,
        "tests": rows,
    }


def write_json(matrix, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(matrix, f, indent=1, sort_keys=False)
        f.write("\n")


def write_junit(matrix, path):
    root = ET.Element("testsuites", name="evconform")
    for impl in [c["name"] for c in matrix["columns"]]:
        suite = ET.SubElement(root, "testsuite", name=impl)
        n = failures = skipped = 0
        for row in matrix["tests"]:
            cell = row["results"].get(impl)
            if cell is None:
                continue
            case = ET.SubElement(suite, "testcase", name=row["test"],
                                 classname=f"{impl}.{row['area']}")
            if row.get("rule_id") or row.get("rule"):
                props = ET.SubElement(case, "properties")
                for key in ("rule_id", "rule"):
                    if row.get(key):
                        ET.SubElement(props, "property", name=key, value=row[key])
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


def _md_rule_id(row):
    """A test's rule id as Markdown code (grep-able as it is), or ''."""
    return f"`{row['rule_id']}`" if row.get("rule_id") else ""


def _columns_of(matrix, rows):
    names = [c["name"] for c in matrix["columns"]]
    return [n for n in names if any(n in r["results"] for r in rows)]


def _load_summary(path, fmt, what):
    """A JSON summary written by another tool (None when absent)."""
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if doc.get("format") != fmt:
            raise ToolError(f"{path} is not a {what}")
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise ToolError(f"cannot read {what} {path}: {e}") from None
    return doc


def fuzz_section(summary_path):
    """Markdown lines for a fuzz campaign summary (evconform.fuzz_campaign), or []."""
    doc = _load_summary(summary_path, "evconform-fuzz-campaign-1", "fuzz campaign summary")
    if doc is None:
        return []
    return ["", "## Fuzzing", "", *fuzz_campaign.markdown(doc)]


def kill_matrix_section(path):
    """Markdown lines for a mutation run's kill matrix (evconform.mutation), or []."""
    doc = _load_summary(path, "evconform-kill-matrix-1", "kill matrix")
    if doc is None:
        return []
    return ["", "## Suite strength (mutation)", "", *mutation.score_table(doc), "",
            "Per fault: `kill-matrix.md` (`tools/run-mutants`)."]


def bench_section(path):
    """Markdown lines for a benchmark run (evconform.bench --out), or []: the
    rows that have a target, and search_eol against memchr."""
    doc = _load_summary(path, "evconform-bench-1", "benchmark summary")
    if doc is None:
        return []
    out = ["", "## Performance (reference vs libevent, same run)", "",
           f"{doc['date']}, {doc['trials']} trials, method {doc['method']}; ratio = reference "
           "throughput / libevent throughput, median (min–max). Every figure: `bench.md` "
           "(`tools/run-benchmarks`).", "",
           "| benchmark | ratio | target |", "|---|---|---|"]
    for r in doc["rows"]:
        if r.get("target") is not None and not r.get("hidden"):
            q = r["ratio"]
            out.append(f"| {r['id']} | {q['median']:.2f} ({q['min']:.2f}–{q['max']:.2f}) | "
                       f"≥ {r['target']:.1f} {'met' if r['met'] else '**missed**'} |")
    for s in doc.get("search_vs_memchr", []):
        if s["scale"] == 100:
            out.append(f"| {s['id']}, fraction of memchr | {s['reference']:.2f} | "
                       f"≥ 0.5 {'met' if s['met'] else '**missed**'} |")
    return out


def _md_summary(matrix):
    """The summary table: one row per column, a count per status."""
    out = ["| column | areas | tests | " + " | ".join(s for s in st.ALL_STATUSES) +
           " | unexpected |", "|---|---|---|" + "---|" * (len(st.ALL_STATUSES) + 1)]
    for c in matrix["columns"]:
        n = matrix["summary"][c["name"]]
        total = sum(v for k, v in n.items() if k != "unexpected")
        out.append(f"| {c['name']} | {', '.join(c['areas'])} | {total} | " +
                   " | ".join(str(n.get(s, 0)) for s in st.ALL_STATUSES) +
                   f" | {n['unexpected']} |")
    return out


def _differing(matrix):
    """Tests whose result is not the same in every column that runs them."""
    return [r for r in matrix["tests"]
            if len({cell["status"] for cell in r["results"].values()} - {st.UNSUPPORTED}) > 1]


def _unexpected(matrix):
    return [(r, c["name"]) for r in matrix["tests"] for c in matrix["columns"]
            if r["results"].get(c["name"], {}).get("unexpected")]


# GitHub refuses comments over 65,536 characters; stay well under.
PR_COMMENT_LIMIT = 60000


def _short_message(message, lines=12):
    kept = message.strip().splitlines()
    more = len(kept) - lines
    return "\n".join(kept[:lines] + ([f"... ({more} more lines in report.md)"] if more > 0 else []))


def write_pr_comment(matrix, path, limit=PR_COMMENT_LIMIT):
    """The Markdown for a pull-request comment: the gate's verdict, the summary
    table, the unexpected results with their messages, then the differences
    between columns as one table row each; never longer than limit."""
    unexpected = _unexpected(matrix)
    verdict = (f"❌ **{len(unexpected)} unexpected result{'s' if len(unexpected) != 1 else ''}**"
               if unexpected else "✅ every result matches its expectations")
    out = [f"## evconform conformance matrix: {verdict}", ""] + _md_summary(matrix)
    if unexpected:
        out += ["", "### Unexpected results", ""]
        for r, c in unexpected:
            cell = r["results"][c]
            rid = f" [{_md_rule_id(r)}]" if r.get("rule_id") else ""
            out.append(f"- **{c}** `{r['test']}`{rid}: {cell['status']} (expected {cell['expected']})")
            if cell["message"]:
                msg = _short_message(cell["message"]).replace("\n", "\n    ")
                out.append(f"  ```\n    {msg}\n    ```")
    diff = _differing(matrix)
    out += ["", f"### Differences between columns ({len(diff)} tests)", ""]
    if not diff:
        out.append("None: every column that runs a test gives the same result.")
    else:
        out += ["Each row: the columns that run the test and do not PASS it; "
                "(expected) = the implementation's expectations file records it, "
                "❗ = unexpected.", "", "| test | rule id | not PASS |", "|---|---|---|"]
    rows = []
    for r in diff:
        cells = [f"{c}: {cell['status']}" + (" ❗" if cell["unexpected"] else " (expected)"
                                             if cell["expected"] == cell["status"] else "")
                 for c, cell in r["results"].items()
                 if cell["status"] not in (st.PASS, st.UNSUPPORTED)]
        rows.append(f"| `{r['test']}` | {_md_rule_id(r)} | {'; '.join(cells)} |")
    footer = ["", "Full report (every message, rule and cell): `report.md`, `report.html`."]
    size = len("\n".join(out + footer)) + 1
    for i, row in enumerate(rows):
        if size + len(row) + 200 > limit:
            out.append(f"| … {len(rows) - i} more (see `report.md`) | | |")
            break
        out.append(row)
        size += len(row) + 1
    out += footer
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def write_markdown(matrix, path, extra=()):
    cols = [c["name"] for c in matrix["columns"]]
    out = ["# evconform conformance matrix", ""]
    out.append("Generated by `python3 -m evconform.report` from the harness's result records. "
               "Statuses: PASS, FAIL, CRASH, TIMEOUT, MEMERR (valgrind), SKIP, "
               "UNSUPPORTED (area not claimed), NOTRUN. ❗ marks a result that differs from "
               "the implementation's expectations file (the gate fails on those). "
               "Columns named `<implementation>/<backend>` run the backend-dependent areas (" +
               (", ".join(matrix["per_backend_areas"]) or "none") +
               ") with that kernel method selected; the plain column runs the other areas.")
    out += ["", "## Summary", ""] + _md_summary(matrix)
    areas = sorted({r["area"] for r in matrix["tests"]})
    out += ["", "### By area (passes per column; · = the column does not run the area)", "",
            "| area | tests | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols)]
    for a in areas:
        rows = [r for r in matrix["tests"] if r["area"] == a]
        cells = []
        for c in cols:
            if not any(c in r["results"] for r in rows):
                cells.append("·")
            else:
                cells.append(str(sum(r["results"].get(c, {}).get("status") == st.PASS
                                     for r in rows)))
        out.append(f"| {a} | {len(rows)} | " + " | ".join(cells) + " |")

    diff = _differing(matrix)
    out += ["", "## Differences between columns", ""]
    if not diff:
        out.append("None: every column that runs a test gives the same result.")
    for r in diff:
        out.append(f"### `{r['test']}`")
        if r.get("rule_id"):
            out.append(f"Rule id: {_md_rule_id(r)}  ")
        if r["rule"]:
            out.append(f"Rule: {r['rule']}")
        out.append("")
        for c in cols:
            cell = r["results"].get(c)
            if cell is None:
                continue
            out.append(f"- **{c}**: {_md_cell(cell)}")
            if cell["expectation_reason"] and cell["status"] != st.UNSUPPORTED:
                out.append(f"  - expectation: {cell['expectation_reason']}")
            if cell["message"] and cell["status"] != st.PASS:
                msg = cell["message"].strip().replace("\n", "\n    ")
                out.append(f"  - message:\n    ```\n    {msg}\n    ```")
        out.append("")

    unexpected = _unexpected(matrix)
    out += ["", "## Unexpected results", ""]
    if not unexpected:
        out.append("None: every result matches its expectation.")
    for r, c in unexpected:
        cell = r["results"][c]
        rid = f" [{_md_rule_id(r)}]" if r.get("rule_id") else ""
        out.append(f"- {c} `{r['test']}`{rid}: {cell['status']} (expected {cell['expected']})")
        if cell["message"]:
            msg = cell["message"].strip().replace("\n", "\n    ")
            out.append(f"  ```\n    {msg}\n    ```")

    out += ["", "## Full matrix", "",
            "Each row ends with the rule the test checks: its id (`<header>/<symbol>[/<aspect>]`, "
            "see `docs/rules.md`; a prefix such as `listener.h/` selects an API) and its text. "
            "`python3 -m evconform.rules listener.h/ --matrix matrix.json` lists one API's rules "
            "with their results."]
    for a in areas:
        rows = [r for r in matrix["tests"] if r["area"] == a]
        acols = _columns_of(matrix, rows)
        out += ["", f"### {a}", "", "| test | " + " | ".join(acols) + " | rule id | rule |",
                "|---|" + "---|" * len(acols) + "---|---|"]
        for r in rows:
            cells = [_md_cell(r["results"][c]) if c in r["results"] else "·" for c in acols]
            out.append(f"| `{r['test']}` | " + " | ".join(cells) +
                       f" | {_md_rule_id(r)} | {_md_escape(r['rule'])} |")
    out += list(extra)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main(argv):
    p = argparse.ArgumentParser(prog="python3 -m evconform.report",
                                description="Build the evconform matrix report.")
    p.add_argument("--results", required=True, help="folder of result records")
    p.add_argument("--registry", required=True, help="evconform-implementations.json")
    p.add_argument("--out", required=True, help="folder to write the report into")
    p.add_argument("--fuzz-summary",
                   help="a fuzz campaign's summary.json to add to report.md (ignored if absent)")
    p.add_argument("--kill-matrix",
                   help="a mutation run's kill-matrix.json to add to report.md (ignored if absent)")
    p.add_argument("--bench",
                   help="a benchmark run's bench.json to add to report.md (ignored if absent)")
    p.add_argument("--update-expectations", action="store_true",
                   help="write this run's results as every implementation's new expectations "
                        "baseline (new entries get a TODO reason to fill in)")
    p.add_argument("--columns",
                   help="comma-separated columns to report (default: every configured column); "
                        "a run of a subset reports only the columns it ran")
    p.add_argument("--gate", action="store_true",
                   help="exit 1 if any result differs from its expectation")
    args = p.parse_args(argv)
    reg = registry.load(args.registry)
    columns = reg.columns
    if args.columns:
        wanted = args.columns.split(",")
        unknown = [w for w in wanted if w not in {c["name"] for c in columns}]
        if unknown:
            raise ToolError(f"unknown column '{unknown[0]}' (configured: "
                            f"{' '.join(c['name'] for c in columns)})")
        columns = [c for c in columns if c["name"] in wanted]
    matrix = build_matrix(reg, columns, results.load_all(args.results))
    if not matrix["tests"]:
        raise ToolError(f"no result records under {args.results}")
    try:
        os.makedirs(args.out, exist_ok=True)
        write_json(matrix, os.path.join(args.out, "matrix.json"))
        write_junit(matrix, os.path.join(args.out, "junit.xml"))
        html_report.write_html(matrix, os.path.join(args.out, "report.html"))
        write_pr_comment(matrix, os.path.join(args.out, "pr-comment.md"))
        write_markdown(matrix, os.path.join(args.out, "report.md"), fuzz_section(args.fuzz_summary)
                       + kill_matrix_section(args.kill_matrix) + bench_section(args.bench))
    except OSError as e:
        raise ToolError(f"cannot write {e.filename}: {e.strerror}") from None
    if args.update_expectations:
        try:
            written = update_expectations(matrix, reg.expectations(), time.strftime("%Y-%m-%d"))
        except Exception as e:  # one line, whatever went wrong
            raise ToolError(f"cannot update expectations: {e}") from None
        for path, n in written.items():
            print(f"expectations: {path}: {n} entr{'y' if n == 1 else 'ies'}")
        return 0
    bad = sum(c["unexpected"] for c in matrix["summary"].values())
    for impl, c in matrix["summary"].items():
        print(f"{impl}: " + ", ".join(f"{k} {v}" for k, v in c.items()))
    print(f"report: {os.path.join(os.path.abspath(args.out), 'report.md')}")
    if args.gate and bad:
        print(f"gate: {bad} unexpected result(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    cli.main("evconform report", main)
