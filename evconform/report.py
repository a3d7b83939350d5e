"""Builds the conformance matrix from the harness's result records.

Reads <results>/<column>/*.json (one record per test and column, written by
evconform/run_test.py; a column is an implementation, or an implementation with
one backend selected, e.g. reference/poll), <results>/run.json when the
runner wrote one (date, toolkit, selection, shards, and per column the
library's version, path, assertions and build flags; every key optional)
and the implementation registry, and writes:
  matrix.json   tests x columns, with status, expectation and message, and
                each test's rule id and rule (evconform/rules.py); the
                gate's verdict, the area x column table, run.json and the
                comparison (--compare)
  junit.xml     one <testsuite> per column, for CI viewers; every testcase
                has properties status, expected, verdict, rule_id and rule;
                unexpected results are <failure>s, SKIP and UNSUPPORTED are
                <skipped>, an expected non-pass is neither
  report.md     verdict, run metadata, summary, pass rates by area, the
                comparison, differences between implementations, full matrix
                (with a rule id column)
  report.html   the same as one self-contained page (evconform/html_report.py)
  pr-comment.md verdict, unexpected results, tests newly passing against
                their expectations, the comparison, differences; size-bounded
Absolute paths in messages and expectation reasons are made relative to the
repository (the build folder, when outside it, becomes `<build>/`).
Expectations may allow a set of statuses ("PASS|FAIL"); whether a result is
expected is decided by status.is_expected alone.
With --gate it exits 1 when any result differs from its expectation. With
--update-expectations it writes this run's results as each implementation's
new expectations baseline instead (new entries carry a TODO reason).
"""
import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET

from . import ROOT, api, cli, expectations, fuzz_campaign, html_report, mutation, registry, results
from . import status as st
from .cli import ToolError


def run_contexts(run):
    """{impl: the expectations context of its plain column} from run.json
    (what the probe found: assertions, version; the build: asan, valgrind)."""
    out = {}
    cols = (run or {}).get("columns") if isinstance(run, dict) else None
    for name, facts in (cols or {}).items():
        if not isinstance(facts, dict) or "/" in name:
            continue
        build = facts.get("build") if isinstance(facts.get("build"), dict) else {}
        out[name] = expectations.context(asan=build.get("asan"), tsan=build.get("tsan"),
                                         valgrind=build.get("valgrind"),
                                         assertions=facts.get("assertions"),
                                         version=facts.get("version"))
    return out


def update_expectations(matrix, paths, today, contexts=None):
    """Rewrites each implementation's expectations file so that the results
    of this run become the baseline (expectations.rebaseline): the old
    entries this run does not contradict stay exactly as written (a status
    set, a `when`, a glob, the reason), and so do entries for other builds
    (their `when` does not hold for this run's facts, `contexts[impl]`);
    every other result that is not PASS gets a new entry with a reason to
    fill in. Returns {path: number of entries}."""
    written = {}
    for impl, path in paths.items():
        cols = [c for c in matrix["columns"] if c["impl"] == impl]
        if not cols:
            continue  # not in this run's report (--columns): its file stays as it is
        old = expectations.load(path)
        observed = [(row["test"], c["backend"] or None, row["results"][c["name"]]["status"])
                    for row in matrix["tests"] for c in cols
                    if c["name"] in row["results"]
                    and row["results"][c["name"]]["status"] in st.RUN_STATUSES
                    and row["results"][c["name"]]["status"] != st.SKIP]
        kept, new = expectations.rebaseline(old, observed, (contexts or {}).get(impl))
        entries = kept + [{"test": t, "status": s, "backend": b,
                           "reason": f"TODO: why does it {s}? (recorded {today})"}
                          for t, b, s in new]
        expectations.write(path, entries, [
            f"# Expectations of {impl}: tests that do not PASS, and why.",
            "# Written by python3 -m evconform.report --update-expectations; fill in every TODO."])
        written[path] = len(entries)
    return written


def allowed(expected):
    """The statuses an expectation allows, for display: "PASS|FAIL" (a
    flaky test) gives ["PASS", "FAIL"]. Whether a result is expected is
    decided by status.is_expected alone."""
    return [s for s in str(expected).split("|") if s] or [str(expected)]


def show_expected(expected):
    """An expectation as words: "PASS|FAIL" -> "PASS or FAIL"."""
    return " or ".join(allowed(expected))


# A path starts at the beginning of the text or after a character that
# cannot be part of one (so /x/tmp/repo/... is not taken for /tmp/repo/...).
_PATH_START = r"(?<![\w.~/-])"


def path_rewriter(prefixes):
    """A function that rewrites absolute paths in a text: each (prefix,
    replacement) pair replaces `prefix/` with `replacement` (longest prefix
    first; "" gives a path relative to the repository). Paths under no
    prefix (/usr/include/...) stay as they are."""
    pairs = sorted({(os.path.normpath(p).rstrip("/"), r) for p, r in prefixes
                    if p and os.path.isabs(p) and os.path.normpath(p) != "/"},
                   key=lambda pr: -len(pr[0]))
    if not pairs:
        return lambda text: text
    table = dict(pairs)
    pattern = re.compile(_PATH_START + "(" + "|".join(re.escape(p) for p, _ in pairs) + ")/")
    return lambda text: pattern.sub(lambda m: table[m.group(1)], text) if text else text


def path_prefixes(reg_path, results_dir, run=None):
    """Where the records' absolute paths come from: the repository (this
    checkout, evconform.ROOT, and the checkout named by run.json or by the
    registry's built-in expectations files) becomes relative, and a build
    directory outside the repository (the registry's folder) becomes
    `<build>/`."""
    roots = [ROOT]
    tk = (run or {}).get("toolkit") or {}
    if isinstance(tk, dict) and isinstance(tk.get("root"), str):
        roots.append(tk["root"])
    try:
        with open(reg_path, encoding="utf-8") as f:
            for impl in json.load(f).get("implementations", []):
                e = impl.get("expectations") or ""
                tail = os.path.join("harness", "expectations", f"{impl.get('name')}.toml")
                if isinstance(e, str) and e.endswith("/" + tail):
                    roots.append(e[:-len(tail) - 1])
    except (OSError, ValueError, AttributeError, TypeError):
        pass  # registry.load reports a bad registry; here it only gives hints
    builds = [os.path.dirname(os.path.abspath(reg_path))]
    if os.path.basename(os.path.normpath(results_dir)) == "results":
        builds.append(os.path.dirname(os.path.abspath(results_dir)))
    pairs = [(r, "") for r in roots]
    for b in builds:
        if not any(b == r or b.startswith(r.rstrip("/") + "/") for r in roots):
            pairs.append((b, "<build>/"))
    return pairs


def build_matrix(reg, columns, records, relative=lambda text: text, fill_notrun=True):
    """The matrix of `columns` (of registry `reg`) from the result records;
    `relative` rewrites the absolute paths of messages and reasons. A test
    of a claimed area with no record in a column is NOTRUN (unexpected),
    except with fill_notrun=False: a shard's folder holds only its part of
    each column, and merging the shards fills the rest."""
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
            "message": relative(r.get("message", "")),
            "expectation_reason": relative(r.get("expectation_reason", "")),
        }
    for row in tests.values():
        for c in columns:
            if c["name"] in row["results"] or not reg.applies(c, row["area"]):
                continue
            claimed = row["area"] in c["claimed"]
            if claimed and not fill_notrun:
                continue
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


def verdict_of(cell):
    """"expected" or "unexpected": what the gate makes of a cell."""
    return "unexpected" if cell["unexpected"] else "expected"


def write_junit(matrix, path):
    """One <testsuite> per column. Every <testcase> has <properties>: status,
    expected (the allowed statuses, "PASS|FAIL" for a flaky test), verdict
    (expected or unexpected), rule_id and rule. An unexpected result is a
    <failure>; a test that skipped itself (SKIP) or whose area the column
    does not claim (UNSUPPORTED) is <skipped>; an expected non-pass (a FAIL
    or CRASH that the expectations file records) is neither: it passes the
    gate, so it is a passing testcase whose properties and <system-out> say
    what it did and why."""
    root = ET.Element("testsuites", name="evconform")
    total = {"tests": 0, "failures": 0, "skipped": 0}
    for impl in [c["name"] for c in matrix["columns"]]:
        suite = ET.SubElement(root, "testsuite", name=impl)
        n = failures = skipped = 0
        for row in matrix["tests"]:
            cell = row["results"].get(impl)
            if cell is None:
                continue
            case = ET.SubElement(suite, "testcase", name=row["test"],
                                 classname=f"{impl}.{row['area']}")
            props = ET.SubElement(case, "properties")
            for key, value in (("status", cell["status"]), ("expected", cell["expected"]),
                               ("verdict", verdict_of(cell)), ("rule_id", row.get("rule_id", "")),
                               ("rule", row.get("rule", ""))):
                ET.SubElement(props, "property", name=key, value=value or "")
            n += 1
            why = cell["expectation_reason"] or cell["message"]
            if cell["unexpected"]:
                failures += 1
                fail = ET.SubElement(case, "failure", type=cell["status"],
                                     message=f"{cell['status']} (expected "
                                             f"{show_expected(cell['expected'])})")
                fail.text = cell["message"]
            elif cell["status"] in (st.SKIP, st.UNSUPPORTED):
                skipped += 1
                ET.SubElement(case, "skipped", message=f"{cell['status']}: {why}".rstrip(": "))
            elif cell["status"] != st.PASS:
                out = ET.SubElement(case, "system-out")
                out.text = (f"{cell['status']}, as the expectations allow "
                            f"({show_expected(cell['expected'])}): {cell['expectation_reason']}\n"
                            + (cell["message"] or ""))
        suite.set("tests", str(n))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
        total["tests"] += n
        total["failures"] += failures
        total["skipped"] += skipped
    for k, v in total.items():
        root.set(k, str(v))
    root.set("errors", "0")
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def expected_nonpass(cell):
    """Whether a cell is a non-pass that the expectations file allows (a
    known FAIL, CRASH...; not a SKIP, which is neutral, nor UNSUPPORTED)."""
    return (cell["status"] not in (st.PASS, st.SKIP, st.UNSUPPORTED)
            and st.is_expected(cell["status"], cell["expected"]))


def _md_cell(cell):
    s = cell["status"]
    if cell["unexpected"]:
        return f"**{s}** ❗"
    if expected_nonpass(cell):
        return f"{s} {_expected_label(cell)}"
    return s


def _expected_label(cell):
    """"(expected)", or with a set of allowed statuses "(expected: PASS or FAIL)"."""
    allowed_ = allowed(cell["expected"])
    return f"(expected: {show_expected(cell['expected'])})" if len(allowed_) > 1 else "(expected)"


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


def _unexpected_passes(matrix):
    """(row, column) of the tests that PASS where the expectations say they
    do not: a fix, or a stale expectation to remove."""
    return [(r, c) for r, c in _unexpected(matrix) if r["results"][c]["status"] == st.PASS]


def gate(matrix):
    """The gate's verdict: {"passed", "unexpected", "unexpected_failures",
    "unexpected_passes"} (counts over every cell)."""
    bad = _unexpected(matrix)
    passes = sum(r["results"][c]["status"] == st.PASS for r, c in bad)
    return {"passed": not bad, "unexpected": len(bad), "unexpected_failures": len(bad) - passes,
            "unexpected_passes": passes}


def by_area(matrix):
    """The area x column table: per area, its number of tests and per column
    that runs it {"tests", "pass", "unexpected", "unsupported"}: tests counts
    the cells that are not UNSUPPORTED; unsupported is true when the
    column does not claim the area (every cell UNSUPPORTED). A column with
    no cell in the area is absent (the column does not run it)."""
    out = []
    for area in sorted({r["area"] for r in matrix["tests"]}):
        rows = [r for r in matrix["tests"] if r["area"] == area]
        cols = {}
        for c in [c["name"] for c in matrix["columns"]]:
            cells = [r["results"][c] for r in rows if c in r["results"]]
            if not cells:
                continue
            run = [x for x in cells if x["status"] != st.UNSUPPORTED]
            cols[c] = {"tests": len(run), "pass": sum(x["status"] == st.PASS for x in run),
                       "unexpected": sum(x["unexpected"] for x in cells),
                       "unsupported": not run}
        out.append({"area": area, "tests": len(rows), "columns": cols})
    return out


def area_cell_text(cell):
    """The words of an area table cell: "12/13 (92%)", "UNSUPPORTED"."""
    if cell is None:
        return "·"
    if cell["unsupported"]:
        return "UNSUPPORTED"
    if not cell["tests"]:
        return "0/0"
    return f"{cell['pass']}/{cell['tests']} ({100 * cell['pass'] // cell['tests']}%)"


def comparison_pairs(matrix, a, b):
    """The column pairs `--compare a b` compares: (a, b) and, when a and b
    are both implementations' plain columns, each backend column they share
    ((libevent/epoll, libevent-master/epoll) ...)."""
    cols = {c["name"]: c for c in matrix["columns"]}
    pairs = [(a, b)]
    ca, cb = cols[a], cols[b]
    if not ca["backend"] and not cb["backend"]:
        ba = [c["backend"] for c in matrix["columns"] if c["impl"] == ca["impl"] and c["backend"]]
        bb = {c["backend"] for c in matrix["columns"] if c["impl"] == cb["impl"] and c["backend"]}
        pairs += [(registry.column_name(ca["impl"], x), registry.column_name(cb["impl"], x))
                  for x in ba if x in bb]
    return pairs


def compare(matrix, a, b):
    """What changes from column a to column b (and, for two plain columns,
    from each backend column of a to b's on the same backend), only over the
    tests both run (neither cell missing or UNSUPPORTED):
    newly_passing (not PASS in a, PASS in b), newly_failing (PASS in a, not
    PASS in b) and changed (any other change: two different non-PASS
    statuses, or a SKIP on either side, which is neither a pass nor a
    failure). Each entry:
    test, area, rule_id, a, b (column names), from, to (statuses),
    unexpected (b's cell is unexpected)."""
    out = {"a": a, "b": b, "pairs": [], "compared": 0, "not_compared": 0,
           "newly_passing": [], "newly_failing": [], "changed": []}
    for ca, cb in comparison_pairs(matrix, a, b):
        out["pairs"].append([ca, cb])
        for r in matrix["tests"]:
            x, y = r["results"].get(ca), r["results"].get(cb)
            if x is None and y is None:
                continue
            if x is None or y is None or st.UNSUPPORTED in (x["status"], y["status"]):
                out["not_compared"] += 1
                continue
            out["compared"] += 1
            if x["status"] == y["status"]:
                continue
            entry = {"test": r["test"], "area": r["area"], "rule_id": r.get("rule_id", ""),
                     "a": ca, "b": cb, "from": x["status"], "to": y["status"],
                     "unexpected": y["unexpected"]}
            # a SKIP is neither a pass nor a failure: PASS <-> SKIP is a change
            key = ("changed" if st.SKIP in (x["status"], y["status"]) else
                   "newly_passing" if y["status"] == st.PASS else
                   "newly_failing" if x["status"] == st.PASS else "changed")
            out[key].append(entry)
    return out


def compare_markdown(cmp, limit=None):
    """Markdown lines for a comparison (compare()); with `limit`, at most
    about that many characters (the rest counted in one line)."""
    out = [f"## Comparison: {cmp['a']} → {cmp['b']}", ""]
    pairs = ", ".join(f"{x} → {y}" for x, y in cmp["pairs"])
    out.append(f"Columns: {pairs}. {cmp['compared']} results compared"
               + (f"; {cmp['not_compared']} tests run in only one of two columns are not"
                  if cmp["not_compared"] else "") + ". "
               f"**{len(cmp['newly_passing'])} newly passing, {len(cmp['newly_failing'])} "
               f"newly failing, {len(cmp['changed'])} other changes.**")
    size = len("\n".join(out))
    for key, title in (("newly_passing", f"Newly passing (not PASS in {cmp['a']}, PASS in {cmp['b']})"),
                       ("newly_failing", f"Newly failing (PASS in {cmp['a']}, not PASS in {cmp['b']})"),
                       ("changed", "Other changed statuses")):
        out += ["", f"### {title}: {len(cmp[key])}", ""]
        if not cmp[key]:
            out.append("None.")
            continue
        out += ["| test | rule id | columns | from → to |", "|---|---|---|---|"]
        for i, e in enumerate(cmp[key]):
            rid = f"`{e['rule_id']}`" if e["rule_id"] else ""
            line = (f"| `{e['test']}` | {rid} | {e['a']} → {e['b']} | {e['from']} → {e['to']}"
                    + (" ❗" if e["unexpected"] else "") + " |")
            if limit is not None and size + len(line) + 200 > limit:
                out.append(f"| … {len(cmp[key]) - i} more (see `report.md`) | | | |")
                break
            out.append(line)
            size += len(line) + 1
    return out


def load_run(results_dir):
    """<results>/run.json (the runner's metadata: date, toolkit, selection,
    shards, per column version, library, assertions and build), or None for
    an older folder without one. Raises ToolError when it is not JSON."""
    path = os.path.join(results_dir, "run.json")
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        raise ToolError(f"cannot read run metadata {path}: {e}") from None
    if not isinstance(doc, dict):
        raise ToolError(f"run metadata {path} is not a JSON object")
    return doc


def _get(doc, *keys):
    """doc[k1][k2]... or None where a key is missing or a level is not a dict."""
    for k in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(k)
    return doc


def relative_run(run, relative):
    """run.json with its columns' library paths rewritten by `relative`."""
    cols = run.get("columns")
    if not isinstance(cols, dict):
        return run
    run = dict(run, columns={name: (dict(c, library=relative(c["library"]))
                                    if isinstance(c, dict) and isinstance(c.get("library"), str)
                                    else c)
                             for name, c in cols.items()})
    return run


def run_facts(run):
    """The run metadata as [(label, text)] (what is known of it)."""
    if not run:
        return []
    facts = []
    started, finished = _get(run, "started"), _get(run, "finished")
    if started or finished:
        facts.append(("date", f"{started or '?'} – {finished or '?'}"))
    tk = _get(run, "toolkit") or {}
    if isinstance(tk, dict) and (tk.get("version") or tk.get("commit")):
        commit = str(tk.get("commit") or "unknown commit")
        if tk.get("dirty"):
            commit += " (with uncommitted changes)"
        facts.append(("toolkit", f"evconform {tk.get('version') or '?'}, {commit}"))
    sel = _get(run, "selection")
    if isinstance(sel, dict):
        parts = []
        for key, label in (("impls", "implementations"), ("areas", "areas"),
                           ("filters", "filters"), ("excludes", "excludes"), ("kinds", "kinds")):
            v = sel.get(key)
            if v:
                parts.append(f"{label}: {', '.join(map(str, v)) if isinstance(v, list) else v}")
        if sel.get("tests") is not None:
            parts.append(f"{sel['tests']} tests")
        facts.append(("selection", "; ".join(parts) or "everything"))
    shard = _get(run, "selection", "shard")
    shards = _get(run, "shards")
    if shard or shards:
        text = [f"this folder's selection is shard {shard}"] if shard else []
        if isinstance(shards, list) and shards:
            text.append(f"results of shards {', '.join(map(str, shards))}")
        facts.append(("shards", "; ".join(text)))
    host = _get(run, "host")
    if isinstance(host, dict) and host:
        load = host.get("load_average")
        facts.append(("host", ", ".join(
            ([f"{host['cpus']} CPUs"] if host.get("cpus") else []) +
            ([f"load average {' '.join(str(x) for x in load)}"] if isinstance(load, list) else []))))
    return [(k, v) for k, v in facts if v]


def run_columns(run, names):
    """Per column of `names` that run.json describes: {name: {"version",
    "library", "assertions", "build"}} as display text ('' where unknown)."""
    cols = _get(run, "columns") if run else None
    if not isinstance(cols, dict):
        return {}
    out = {}
    for name in names:
        c = cols.get(name)
        if not isinstance(c, dict):
            continue
        version = str(c.get("version") or "")
        if c.get("version_number"):
            version = f"{version} ({c['version_number']})" if version else str(c["version_number"])
        build = c.get("build") if isinstance(c.get("build"), dict) else {}
        flags = [k for k in ("asan", "tsan", "valgrind") if build.get(k)]
        if build.get("build_type"):
            flags.insert(0, str(build["build_type"]))
        out[name] = {"version": version, "library": str(c.get("library") or ""),
                     "assertions": str(c.get("assertions") or ""),
                     "build": ", ".join(flags)}
    return out


def run_markdown(run, names):
    """Markdown lines for the run metadata ([] without any)."""
    facts = run_facts(run)
    cols = run_columns(run, names)
    if not facts and not cols:
        return []
    out = ["", "## Run", ""] + [f"- **{k}**: {v}" for k, v in facts]
    if cols:
        out += ["", "| column | version | library | assertions | build |", "|---|---|---|---|---|"]
        for name, c in cols.items():
            out.append(f"| {name} | {c['version'] or '?'} | {_md_escape(c['library']) or '?'} | "
                       f"{c['assertions'] or '?'} | {c['build'] or '?'} |")
    return out


def _md_verdict(matrix):
    g = gate(matrix)
    if g["passed"]:
        return "✅ gate passed: every result matches its expectations"
    parts = [f"{g['unexpected_failures']} unexpected non-pass{'es' if g['unexpected_failures'] != 1 else ''}"]
    if g["unexpected_passes"]:
        parts.append(f"{g['unexpected_passes']} newly passing against the expectations")
    n = g["unexpected"]
    return f"❌ gate failed: **{n} unexpected result{'s' if n != 1 else ''}** ({', '.join(parts)})"


def _md_by_area(matrix):
    cols = [c["name"] for c in matrix["columns"]]
    out = ["| area | tests | " + " | ".join(cols) + " |", "|---|---|" + "---|" * len(cols)]
    for a in by_area(matrix):
        out.append(f"| {a['area']} | {a['tests']} | " +
                   " | ".join(area_cell_text(a["columns"].get(c)) +
                              (" ❗" if a["columns"].get(c, {}).get("unexpected") else "")
                              for c in cols) + " |")
    return out


# GitHub refuses comments over 65,536 characters; stay well under.
PR_COMMENT_LIMIT = 60000


def _short_message(message, lines=12):
    kept = message.strip().splitlines()
    more = len(kept) - lines
    return "\n".join(kept[:lines] + ([f"... ({more} more lines in report.md)"] if more > 0 else []))


def write_pr_comment(matrix, path, limit=PR_COMMENT_LIMIT):
    """The Markdown for a pull-request comment: the gate's verdict, the
    summary table, the unexpected non-passes with their messages, the tests
    newly passing against their expectations (a fix, or a stale
    expectation), the comparison of two columns when asked (--compare),
    then the differences between columns as one table row each; never
    longer than limit."""
    unexpected = [(r, c) for r, c in _unexpected(matrix) if r["results"][c]["status"] != st.PASS]
    passing = _unexpected_passes(matrix)
    out = [f"## evconform conformance matrix: {_md_verdict(matrix)}", ""] + _md_summary(matrix)
    facts = dict(run_facts(matrix.get("run")))
    if facts:
        out += ["", " · ".join(f"{k}: {facts[k]}" for k in ("date", "toolkit", "shards")
                               if k in facts)]
    if unexpected:
        out += ["", f"### Unexpected results ({len(unexpected)})", ""]
        for r, c in unexpected:
            cell = r["results"][c]
            rid = f" [{_md_rule_id(r)}]" if r.get("rule_id") else ""
            out.append(f"- **{c}** `{r['test']}`{rid}: {cell['status']} "
                       f"(expected {show_expected(cell['expected'])})")
            if cell["message"]:
                msg = _short_message(cell["message"]).replace("\n", "\n    ")
                out.append(f"  ```\n    {msg}\n    ```")
    if passing:
        out += ["", f"### Newly passing against the expectations ({len(passing)})", "",
                "These PASS where the expectations file records another status: a fix, or an "
                "expectation to remove (the gate counts them as unexpected).", ""]
        for r, c in passing:
            cell = r["results"][c]
            rid = f" [{_md_rule_id(r)}]" if r.get("rule_id") else ""
            why = f" — {cell['expectation_reason']}" if cell["expectation_reason"] else ""
            out.append(f"- **{c}** `{r['test']}`{rid}: PASS "
                       f"(expected {show_expected(cell['expected'])}){why}")
    if matrix.get("compare"):
        out += [""] + ["#" + line if line.startswith("#") else line
                       for line in compare_markdown(matrix["compare"], limit=limit // 2)]
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
        cells = [f"{c}: {cell['status']}" + (" ❗" if cell["unexpected"] else
                                             " " + _expected_label(cell)
                                             if expected_nonpass(cell) else "")
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


def write_markdown(matrix, path, extra=(), api_md=()):
    cols = [c["name"] for c in matrix["columns"]]
    out = ["# evconform conformance matrix", ""]
    out.append("Generated by `python3 -m evconform.report` from the harness's result records. "
               "Statuses: PASS, FAIL, CRASH, TIMEOUT, MEMERR (valgrind), SKIP, "
               "UNSUPPORTED (area not claimed), NOTRUN. ❗ marks a result that differs from "
               "the implementation's expectations file (the gate fails on those). "
               "Columns named `<implementation>/<backend>` run the backend-dependent areas (" +
               (", ".join(matrix["per_backend_areas"]) or "none") +
               ") with that kernel method selected; the plain column runs the other areas.")
    out += ["", f"**Verdict: {_md_verdict(matrix)}**"]
    out += run_markdown(matrix.get("run"), cols)
    out += ["", "## Summary", ""] + _md_summary(matrix)
    areas = sorted({r["area"] for r in matrix["tests"]})
    out += ["", "### By area", "",
            "Passes / tests run per column (UNSUPPORTED: the implementation does not claim the "
            "area; · = the column does not run it; ❗ = unexpected results in the cell).", ""]
    out += _md_by_area(matrix)
    out += [("#" + line) if line.startswith("## ") else line for line in api_md]
    if matrix.get("compare"):
        out += [""] + compare_markdown(matrix["compare"])

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
        out.append(f"- {c} `{r['test']}`{rid}: {cell['status']} "
                   f"(expected {show_expected(cell['expected'])})")
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


def api_coverage(build, matrix):
    """evconform.api's coverage of the build tree the report is of (None
    when it has no API data). Informational: a failure to compute it is a
    note, never the report's failure, and the gate does not read it."""
    try:
        return api.for_build(build, matrix)
    except (ToolError, OSError, ValueError) as e:
        print(f"evconform report: note: no API coverage: {e}", file=sys.stderr)
        return None


def main(argv):
    p = cli.OneLineParser(prog="python3 -m evconform.report",
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
    p.add_argument("--compare", nargs=2, metavar=("A", "B"),
                   help="add a comparison of column A with column B (tests newly passing, "
                        "newly failing, and other changes; two implementations' plain columns "
                        "also compare their shared backend columns), e.g. "
                        "--compare libevent libevent-master")
    args = p.parse_args(argv)
    reg = registry.load(args.registry)
    columns = reg.columns
    configured = ' '.join(c['name'] for c in columns)
    if args.columns:
        wanted = args.columns.split(",")
        unknown = [w for w in wanted if w not in {c["name"] for c in columns}]
        if unknown:
            raise ToolError(f"unknown column '{unknown[0]}' (configured: {configured})")
        columns = [c for c in columns if c["name"] in wanted]
    if args.compare:
        names = {c["name"] for c in columns}
        for name in args.compare:
            if name not in names:
                raise ToolError(f"--compare: unknown column '{name}' (reported: "
                                f"{' '.join(c['name'] for c in columns)})")
        if args.compare[0] == args.compare[1]:
            raise ToolError(f"--compare: a column compared with itself ({args.compare[0]})")
    run = load_run(args.results) if os.path.isdir(args.results) else None
    relative = path_rewriter(path_prefixes(args.registry, args.results, run))
    selection = run.get("selection") if isinstance(run, dict) else None
    shard = selection.get("shard") if isinstance(selection, dict) else None
    matrix = build_matrix(reg, columns, results.load_all(args.results), relative,
                          fill_notrun=not shard)
    if not matrix["tests"]:
        raise ToolError(f"no result records under {args.results}")
    matrix["gate"] = gate(matrix)
    matrix["by_area"] = by_area(matrix)
    if run is not None:
        matrix["run"] = relative_run(run, relative)
    if args.compare:
        matrix["compare"] = compare(matrix, *args.compare)
        if not matrix["compare"]["compared"]:
            raise ToolError(f"--compare: {args.compare[0]} and {args.compare[1]} have no result "
                            "in common (a plain column and a backend column run different areas)")
    coverage = api_coverage(os.path.dirname(os.path.abspath(args.registry)), matrix)
    if coverage:
        matrix["api"] = coverage["headers"]
    try:
        os.makedirs(args.out, exist_ok=True)
        write_json(matrix, os.path.join(args.out, "matrix.json"))
        write_junit(matrix, os.path.join(args.out, "junit.xml"))
        html_report.write_html(matrix, os.path.join(args.out, "report.html"), api=coverage)
        write_pr_comment(matrix, os.path.join(args.out, "pr-comment.md"))
        api_md = []
        if coverage:
            write_json(coverage, os.path.join(args.out, "api-coverage.json"))
            with open(os.path.join(args.out, "api-coverage.md"), "w", encoding="utf-8") as f:
                f.write("\n".join(["# evconform API coverage", ""] + api.markdown(coverage)) + "\n")
            api_md = [""] + api.markdown(coverage, headline_only=True) + [
                "", "Every symbol, with its tests and results per column: `api-coverage.md` "
                "(and `api-coverage.json`) beside this report."]
        write_markdown(matrix, os.path.join(args.out, "report.md"), fuzz_section(args.fuzz_summary)
                       + kill_matrix_section(args.kill_matrix) + bench_section(args.bench), api_md)
    except OSError as e:
        raise ToolError(f"cannot write {e.filename}: {e.strerror}") from None
    if args.update_expectations:
        try:
            written = update_expectations(matrix, reg.expectations(), time.strftime("%Y-%m-%d"),
                                          run_contexts(run))
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
