"""Rule ids: which rule of the libevent API each conformance test checks.

Every conformance test names its rule with EVC_RULE("<id>", "<text>")
(conformance/common/evc_test.h); the harness records both (rule_id, rule)
and every report carries them. An id is

    <scope>/<symbol>[/<aspect>]

  scope   the libevent 2 header the API belongs to, as the reference names
          it in reference/include/event2/ (buffer.h, bufferevent.h, event.h,
          event_compat.h, listener.h, util.h, event_struct.h and the 1.4
          buffer_compat.h, bufferevent_compat.h, bufferevent_struct.h), or
          `programs` for the seed programs' end-to-end tests;
  symbol  the function, macro, constant or type the rule is about, spelled
          as that header spells it (for `programs`, the program's name:
          conformance/programs/<symbol>.c);
  aspect  what about it, in lower-case kebab words (a-z, 0-9, single
          hyphens); left out when the rule is the symbol's main meaning
          (`listener.h/LEV_OPT_CLOSE_ON_FREE`). `unset` starts the aspect of
          a rule about a flag left out (`listener.h/LEV_OPT_CLOSE_ON_FREE/unset`).

A prefix therefore selects an API: `listener.h/` every listener rule,
`buffer.h/evbuffer_readln/` every readln rule.

One id is one rule. Two tests share an id only when they state the same rule
in the same words (whitespace aside); a rule worded differently is another
rule and gets another id, and one wording under two ids is an error too. A
parameterized test (TEST_P, one EVC_RULE) keeps its id for every parameter
and every column. `python3 -m evconform.rules --check` enforces all of this
on conformance/**/*.cc: every test has exactly one EVC_RULE, with two string
literals; the id is well formed and its symbol is declared in its header.

  python3 -m evconform.rules --check
  python3 -m evconform.rules [PREFIX] [--matrix build/default/report/matrix.json]
      every id (starting with PREFIX), its rule and its tests, with each
      column's result when a matrix is given
"""
import argparse
import collections
import glob
import os
import re

from . import ROOT, cli
from .cli import ToolError

CONFORMANCE = os.path.join(ROOT, "conformance")
HEADERS = os.path.join(ROOT, "reference", "include", "event2")
PROGRAMS = "programs"

ID_RE = re.compile(r"(?P<scope>[a-z][a-z0-9_]*\.h|programs)/(?P<symbol>[A-Za-z_][A-Za-z0-9_]*)"
                   r"(?:/(?P<aspect>[a-z0-9]+(?:-[a-z0-9]+)*))?")
MAX_ID = 96
_TEST_RE = re.compile(r"^[ \t]*(?:TEST|TEST_F|TEST_P)\(\s*(\w+)\s*,\s*(\w+)\s*\)", re.M)
_RULE_RE = re.compile(r"\bEVC_RULE\(")

Site = collections.namedtuple("Site", "path line test rule_id text problem start end")


def id_problem(rule_id):
    """Why `rule_id` is not a well-formed id (None when it is). Format only:
    whether its symbol exists is check()'s business."""
    if not rule_id:
        return "no rule id"
    if len(rule_id) > MAX_ID:
        return f"rule id longer than {MAX_ID} characters: {rule_id}"
    if not ID_RE.fullmatch(rule_id):
        return (f"malformed rule id '{rule_id}' (want <header>.h/<symbol>[/<kebab-aspect>] "
                "or programs/<program>[/<kebab-aspect>])")
    return None


def normalize(text):
    """A rule's words, whitespace folded: what 'the same rule' compares."""
    return " ".join(text.split())


def matches(rule_id, query):
    """Whether `rule_id` is selected by `query`: a prefix (`listener.h/`,
    `buffer.h/evbuffer_readln`) or any part of it, case-insensitive."""
    return query.lower() in (rule_id or "").lower()


def _literals(src, i):
    """The arguments of a macro call whose '(' ends at i, when each is one or
    more concatenated string literals: ([arg, ...], end) or (None, end)."""
    args, cur = [], None
    while i < len(src):
        c = src[i]
        if c in " \t\r\n":
            i += 1
        elif c == '"':
            j, out = i + 1, []
            while j < len(src) and src[j] != '"':
                if src[j] == "\\" and j + 1 < len(src):
                    nxt = src[j + 1]
                    out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, "\\" + nxt))
                    j += 2
                else:
                    out.append(src[j])
                    j += 1
            cur = (cur or "") + "".join(out)
            i = j + 1
        elif c == "," and cur is not None:
            args.append(cur)
            cur = None
            i += 1
        elif c == ")" and cur is not None:
            args.append(cur)
            return args, i + 1
        else:
            return None, i
    return None, i


def scan_source(path, src):
    """The EVC_RULE sites of one source file, and its tests without one."""
    sites = []
    tests = [(m.start(), f"{m.group(1)}.{m.group(2)}") for m in _TEST_RE.finditer(src)]
    for m in _RULE_RE.finditer(src):
        line_start = src.rfind("\n", 0, m.start()) + 1
        if "//" in src[line_start:m.start()]:
            continue  # in a comment
        line = src.count("\n", 0, m.start()) + 1
        owner = [name for pos, name in tests if pos < m.start()]
        test = owner[-1] if owner else None
        args, end = _literals(src, m.end())
        problem, rule_id, text = None, "", ""
        if args is None:
            problem = "EVC_RULE takes string literals: EVC_RULE(\"<id>\", \"<text>\")"
        elif len(args) == 1:
            text, problem = args[0], "no rule id: EVC_RULE(\"<id>\", \"<text>\")"
        elif len(args) != 2:
            problem = "EVC_RULE takes two arguments: EVC_RULE(\"<id>\", \"<text>\")"
        else:
            rule_id, text = args
            problem = id_problem(rule_id) or (None if text.strip() else "empty rule text")
        sites.append(Site(path, line, test, rule_id, text, problem, m.start(), end))
    return sites, tests


def scan(root=CONFORMANCE):
    """Every EVC_RULE site under `root` (**/*.cc), and the problems of tests
    with none or more than one: (sites, problems)."""
    sites, problems = [], []
    for path in sorted(glob.glob(os.path.join(root, "**", "*.cc"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            src = f.read()
        found, tests = scan_source(path, src)
        sites += found
        per_test = collections.Counter(s.test for s in found)
        for pos, name in tests:
            n = per_test.get(name, 0)
            if n != 1:
                line = src.count("\n", 0, pos) + 1
                problems.append(f"{_rel(path)}:{line}: test {name} has "
                                f"{'no EVC_RULE' if n == 0 else f'{n} EVC_RULEs'}")
        for s in found:
            if s.test is None:
                problems.append(f"{_rel(path)}:{s.line}: EVC_RULE outside any test")
    return sites, problems


def _rel(path):
    return os.path.relpath(path, ROOT) if os.path.isabs(path) else path


def _declared(scope, symbol, headers, programs, cache):
    """Whether `symbol` is declared by `scope` (a header of `headers`, or a
    seed program of `programs`)."""
    if scope == PROGRAMS:
        return os.path.exists(os.path.join(programs, symbol + ".c"))
    if scope not in cache:
        try:
            with open(os.path.join(headers, scope), encoding="utf-8") as f:
                cache[scope] = f.read()
        except OSError:
            cache[scope] = None
    text = cache[scope]
    return text is not None and re.search(r"\b" + re.escape(symbol) + r"\b", text) is not None


def check(sites, headers=HEADERS, programs=None):
    """The problems of a set of sites, one line each: a site without an id or
    with a malformed one, an id whose symbol its header does not declare, an
    id given two rules, a rule given two ids."""
    programs = programs or os.path.join(CONFORMANCE, "programs")
    problems, cache = [], {}
    for s in sites:
        where = f"{_rel(s.path)}:{s.line}"
        if s.problem:
            problems.append(f"{where}: {s.test}: {s.problem}")
            continue
        m = ID_RE.fullmatch(s.rule_id)
        if not _declared(m.group("scope"), m.group("symbol"), headers, programs, cache):
            what = ("no seed program conformance/programs/{}.c" if m.group("scope") == PROGRAMS
                    else "{} is not declared in reference/include/event2/" + m.group("scope"))
            problems.append(f"{where}: {s.test}: rule id '{s.rule_id}': "
                            + what.format(m.group("symbol")))
    texts, ids = collections.defaultdict(dict), collections.defaultdict(dict)
    for s in sites:
        if s.problem:
            continue
        texts[s.rule_id].setdefault(normalize(s.text), s)
        ids[normalize(s.text)].setdefault(s.rule_id, s)
    for rule_id, by_text in sorted(texts.items()):
        if len(by_text) > 1:
            a, b = list(by_text.values())[:2]
            problems.append(f"{_rel(b.path)}:{b.line}: rule id '{rule_id}' names two rules: "
                            f"{b.test} words it differently from {a.test} "
                            f"({_rel(a.path)}:{a.line}); one id is one rule")
    for text, by_id in sorted(ids.items()):
        if len(by_id) > 1:
            a, b = list(by_id.values())[:2]
            problems.append(f"{_rel(b.path)}:{b.line}: one rule under two ids: '{b.rule_id}' "
                            f"({b.test}) and '{a.rule_id}' ({a.test}) state it in the same words")
    return problems


def catalogue(sites):
    """id -> {"rule": text, "tests": [Suite.Case, ...]}, sorted by id."""
    out = {}
    for s in sorted((s for s in sites if not s.problem), key=lambda s: (s.rule_id, s.test)):
        entry = out.setdefault(s.rule_id, {"rule": normalize(s.text), "tests": []})
        entry["tests"].append(s.test)
    return out


def from_matrix(matrix):
    """id -> {"rule": text, "tests": [row, ...]} from a matrix (matrix.json):
    the ids as the tests recorded them, with their results. Rows without an
    id are listed under ''."""
    out = {}
    for row in matrix["tests"]:
        entry = out.setdefault(row.get("rule_id", ""), {"rule": row.get("rule", ""), "tests": []})
        entry["tests"].append(row)
    return dict(sorted(out.items()))


def _listing(entries, query, columns=None):
    lines = []
    for rule_id, e in entries.items():
        if query and not matches(rule_id, query):
            continue
        lines.append(f"{rule_id or '(no rule id)'}")
        lines.append(f"  rule: {e['rule']}")
        for t in e["tests"]:
            if columns is None:
                lines.append(f"  test: {t}")
            else:
                cells = ", ".join(f"{c} {t['results'][c]['status']}" + (" (unexpected)" if
                                  t["results"][c]["unexpected"] else "")
                                  for c in columns if c in t["results"])
                lines.append(f"  test: {t['test']}: {cells}")
    return lines


def main(argv):
    p = argparse.ArgumentParser(prog="python3 -m evconform.rules",
                                description="Check or list the conformance tests' rule ids.")
    p.add_argument("prefix", nargs="?", default="",
                   help="list only the ids containing this (e.g. listener.h/ or evbuffer_readln)")
    p.add_argument("--check", action="store_true",
                   help="check every EVC_RULE of conformance/**/*.cc; exit 1 on any problem")
    p.add_argument("--matrix", help="a report's matrix.json: list the ids it recorded, with "
                                    "each test's result per column")
    p.add_argument("--sources", default=CONFORMANCE, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.check:
        sites, problems = scan(args.sources)
        problems += check(sites)
        for line in problems:
            print(line)
        ids = {s.rule_id for s in sites if not s.problem}
        tests = {s.test for s in sites}
        print(f"rule ids: {len(ids)} ids, {len(tests)} tests"
              + (f", {len(problems)} problem(s)" if problems else ", ok"))
        return 1 if problems else 0
    if args.matrix:
        matrix = cli.read_json(args.matrix, "matrix")
        lines = _listing(from_matrix(matrix), args.prefix,
                         [c["name"] for c in matrix.get("columns", [])])
    else:
        sites, _ = scan(args.sources)
        lines = _listing(catalogue(sites), args.prefix)
    if not lines:
        raise ToolError(f"no rule id contains '{args.prefix}'")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    cli.main("evconform rules", main)
