"""The report tool on a realistic results folder (report_fixture): the
verdict, the area table, run metadata (run.json, absent or partial), the
comparison of two columns (--compare), tests newly passing against their
expectations in pr-comment.md, paths made relative to the repository,
JUnit that tells expected non-passes from skips, allowed-status sets
("PASS|FAIL") through status.is_expected, and bad input (one line, exit 2,
nothing written)."""
import json
import os
import tempfile
import unittest
import xml.etree.ElementTree as ET
from unittest import mock

from evconform import expectations, ROOT, proc, registry, report, results
from evconform import status as st
from evconform.tests import report_fixture as fx


def tool(*args):
    return proc.tool("report", list(args), capture_output=True, text=True, timeout=60)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def section(text, title, end="\n#"):
    """The text of a Markdown section, from its title to the next heading."""
    start = text.index(title)
    stop = text.find(end, start + len(title))
    return text[start:stop if stop >= 0 else None]


class ReportOfARealisticRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.results, cls.registry = fx.write(cls.tmp.name)
        cls.out = os.path.join(cls.tmp.name, "report")
        cls.first = tool("--results", cls.results, "--registry", cls.registry, "--out", cls.out,
                       "--compare", "libevent", "reference")
        cls.md = read(os.path.join(cls.out, "report.md"))
        cls.pr = read(os.path.join(cls.out, "pr-comment.md"))
        cls.html = read(os.path.join(cls.out, "report.html"))
        with open(os.path.join(cls.out, "matrix.json"), encoding="utf-8") as f:
            cls.matrix = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def cell(self, test, column):
        return next(r for r in self.matrix["tests"] if r["test"] == test)["results"][column]

    def test_the_tool_succeeds_and_the_gate_fails(self):
        self.assertEqual(self.first.returncode, 0, self.first.stderr)
        gate = tool("--results", self.results, "--registry", self.registry, "--out", self.out,
                    "--gate")
        self.assertEqual(gate.returncode, 1)
        self.assertEqual(self.matrix["gate"], {"passed": False, "unexpected": 2,
                                               "unexpected_failures": 1, "unexpected_passes": 1})
        self.assertIn("gate failed: **2 unexpected results** (1 unexpected non-pass, 1 newly passing "
                      "against the expectations)", self.pr)

    def test_paths_are_relative_to_the_repository(self):
        dump = json.dumps(self.matrix)
        msg = self.cell(fx.UNEXPECTED_FAIL, "libevent/epoll")["message"]
        self.assertTrue(msg.startswith("conformance/event/event_test.cc:88\n"), msg)
        self.assertIn(f"log: build/default/results/libevent+epoll/{fx.UNEXPECTED_FAIL}.log", msg)
        self.assertIn("binary: <build>/conformance/conformance_libevent", msg)
        self.assertIn(fx.SYSTEM_PATH, msg, "a system path stays as it is")
        self.assertIn(fx.SIBLING, msg, "a path next to the repository is not inside it")
        reason = self.cell(fx.EXPECTED_FAIL, "libevent/select")["expectation_reason"]
        self.assertIn(" harness/expectations/notes/select-and-ev-closed", reason)
        for text in (dump, self.md, self.pr, self.html):
            self.assertNotIn(fx.AUTHOR_ROOT + "/", text)
            self.assertNotIn(ROOT + "/", text)
            self.assertNotIn(self.tmp.name, text)
        self.assertIn("| reference | 2.1.12-stable (0x02010c00) | build/default/reference/"
                      "libevref.so.0 | on | RelWithDebInfo, asan |", self.md)

    def test_run_metadata(self):
        run = section(self.md, "## Run")
        for fact in ("**date**: 2026-12-01T20:40:00Z – 2026-12-01T20:41:10Z",
                     "**toolkit**: evconform 0.1.0, cf756c7 (with uncommitted changes)",
                     "excludes: Fuzz*", "2968 tests", "shard 1/4", "shards 1/4, 2/4, 3/4, 4/4",
                     "| libevent/select | 2.1.12-stable (0x02010c00) | /usr/lib/x86_64-linux-gnu/"
                     "libevent_core-2.1.so.7.0.1 | off | RelWithDebInfo |",
                     "| libev | libev-4.33 (event.h emulation) | /usr/lib/x86_64-linux-gnu/"
                     "libev.so.4.0.0 | unknown | ? |"):
            self.assertIn(fact, run)
        self.assertIn('<section id="run">', self.html)
        self.assertIn("<td>unknown</td>", self.html)
        self.assertIn("toolkit: evconform 0.1.0", self.pr)

    def test_area_table(self):
        table = section(self.md, "### By area")
        self.assertIn("| evbuffer | 32 | 32/32 (100%) | · | · | 31/32 (96%) ❗ | · | · | · | "
                      "UNSUPPORTED |", table)
        self.assertIn("| clients | 9 | 8/9 (88%) | · | · | 9/9 (100%) | · | · | · | 0/9 (0%) |",
                      table)
        self.assertIn('<td class="rate r100" data-pass="32" data-tests="32">32/32 (100%)</td>',
                      self.html)
        self.assertIn('<td class="rate r0" data-pass="0" data-tests="9">0/9 (0%)</td>', self.html)
        self.assertIn('<td class="unsup" title="area not claimed">UNSUPPORTED</td>', self.html)

    def test_verdict_banner_links_the_unexpected_tests(self):
        banner = self.html[self.html.index('<div id="verdict"'):]
        banner = banner[:banner.index("</div>")]
        self.assertIn('class="verdict failed"', banner)
        self.assertIn(f'data-jump="{fx.UNEXPECTED_FAIL}" data-col="libevent/epoll"', banner)
        self.assertIn(f'href="#q={fx.UNEXPECTED_PASS}"', banner)
        self.assertIn("PASS (expected FAIL)", banner)

    def test_comparison_lists_only_what_changed(self):
        for text, head in ((self.md, "## Comparison: libevent → reference"),
                           (self.pr, "### Comparison: libevent → reference")):
            cmp = text[text.index(head):]
            cmp = cmp[:cmp.index("Differences between columns")]
            passing = section(cmp, "Newly passing (not PASS in libevent, PASS in reference): 2")
            self.assertIn(f"`{fx.EXPECTED_CRASH}` | `buffer.h/evbuffer_reserve_space/"
                          "zero-size-after-prepend` | libevent → reference | CRASH → PASS", passing)
            self.assertIn(f"`{fx.UNEXPECTED_FAIL}`", passing)
            self.assertIn("libevent/epoll → reference/epoll | FAIL → PASS", passing)
            failing = section(cmp, "Newly failing (PASS in libevent, not PASS in reference): 1")
            self.assertIn(f"`{fx.REFERENCE_ONLY_FAIL}` |  | libevent → reference | PASS → FAIL",
                          failing)
            other = section(cmp, "Other changed statuses: 1")
            self.assertIn("libevent/poll → reference/poll | PASS → SKIP", other)
            self.assertNotIn("libev ", cmp.replace("libev →", ""))
            self.assertNotIn("memcached.", cmp, "libev's failures are not part of it")
            self.assertNotIn("select", cmp, "libevent/select has no reference column to compare")
        self.assertEqual(self.matrix["compare"]["pairs"],
                         [["libevent", "reference"], ["libevent/epoll", "reference/epoll"],
                          ["libevent/poll", "reference/poll"]])
        self.assertIn('<section id="compare">', self.html)

    def test_pr_comment_lists_tests_newly_passing_against_expectations(self):
        new = section(self.pr, "### Newly passing against the expectations (1)")
        self.assertIn(f"**libevent** `{fx.UNEXPECTED_PASS}`", new)
        self.assertIn("PASS (expected FAIL) — libevent 2.1.12 returns -1", new)
        bad = section(self.pr, "### Unexpected results (1)")
        self.assertIn(fx.UNEXPECTED_FAIL, bad)
        self.assertNotIn(fx.UNEXPECTED_PASS, bad)

    def test_junit_tells_expected_non_passes_from_skips(self):
        root = ET.parse(os.path.join(self.out, "junit.xml")).getroot()
        cases = {}
        for suite in root.iter("testsuite"):
            found = suite.findall("testcase")
            self.assertEqual(int(suite.get("tests")), len(found))
            self.assertEqual(int(suite.get("failures")), sum(c.find("failure") is not None for c in found))
            self.assertEqual(int(suite.get("skipped")), sum(c.find("skipped") is not None for c in found))
            for c in found:
                cases[(suite.get("name"), c.get("name"))] = c
        self.assertEqual(int(root.get("tests")), len(cases))

        def props(case):
            return {p.get("name"): p.get("value") for p in case.find("properties")}

        expected_fail = cases[("libevent/select", fx.EXPECTED_FAIL)]
        self.assertIsNone(expected_fail.find("skipped"))
        self.assertIsNone(expected_fail.find("failure"))
        self.assertEqual(props(expected_fail), {
            "status": "FAIL", "expected": "FAIL", "verdict": "expected",
            "rule_id": "event.h/EV_CLOSED/what-is-exact-for-every-kind-of-event",
            "rule": f"the rule of {fx.EXPECTED_FAIL}: what the header says, in one sentence or two"})
        self.assertIn("FAIL, as the expectations allow (FAIL): why: libevent 2.1.12's select",
                      expected_fail.find("system-out").text)
        skip = cases[("reference/poll", fx.SELF_SKIP)]
        self.assertIsNotNone(skip.find("skipped"))
        self.assertEqual(props(skip)["verdict"], "expected")
        self.assertIsNotNone(cases[("libev", fx.EXPECTED_CRASH)].find("skipped"))  # UNSUPPORTED
        for column, test, status in (("libevent/epoll", fx.UNEXPECTED_FAIL, "FAIL"),
                                     ("libevent", fx.UNEXPECTED_PASS, "PASS")):
            case = cases[(column, test)]
            self.assertEqual(case.find("failure").get("type"), status)
            self.assertEqual(props(case)["verdict"], "unexpected")
        self.assertEqual(int(root.get("failures")), 2)
        passing = cases[("reference", fx.UNEXPECTED_PASS)]
        self.assertEqual(list(passing), [passing.find("properties")], "a PASS has nothing else")


class ReportWithoutOrWithOddRunMetadata(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.results, self.registry = fx.write(self.tmp.name, run=False)
        self.out = os.path.join(self.tmp.name, "report")

    def tearDown(self):
        self.tmp.cleanup()

    def report(self, *extra):
        return tool("--results", self.results, "--registry", self.registry, "--out", self.out,
                    *extra)

    def write_run(self, text):
        with open(os.path.join(self.results, "run.json"), "w", encoding="utf-8") as f:
            f.write(text)

    def assertOneLineError(self, p, fragment):
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertTrue(lines[0].startswith("evconform report: "), lines[0])
        self.assertIn(fragment, lines[0])
        self.assertFalse(os.path.exists(self.out), "found before anything is written")

    def test_an_older_folder_without_run_json(self):
        p = self.report()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("## Run", read(os.path.join(self.out, "report.md")))
        self.assertNotIn('id="run"', read(os.path.join(self.out, "report.html")))
        self.assertNotIn("run", json.loads(read(os.path.join(self.out, "matrix.json"))))

    def test_missing_keys_and_odd_values_are_tolerated(self):
        self.write_run(json.dumps({"format": 1, "toolkit": "?", "selection": [1], "shards": 4,
                                   "columns": {"libevent": "junk", "reference": {"build": "x"},
                                               "libev": {"version": "4.33"}}}))
        p = self.report()
        self.assertEqual(p.returncode, 0, p.stderr)
        md = read(os.path.join(self.out, "report.md"))
        self.assertIn("| reference | ? | ? | ? | ? |", md)
        self.assertIn("| libev | 4.33 | ? | ? | ? |", md)
        self.assertNotIn("| libevent |", section(md, "## Run"))

    def test_malformed_run_json(self):
        self.write_run("{not json")
        self.assertOneLineError(self.report(), "cannot read run metadata")
        self.write_run("[1, 2]")
        self.assertOneLineError(self.report(), "is not a JSON object")

    def test_compare_needs_two_reported_columns(self):
        self.assertOneLineError(self.report("--compare", "libevent", "nosuch"),
                                "--compare: unknown column 'nosuch'")
        self.assertOneLineError(self.report("--columns", "libevent,libev", "--compare",
                                            "libevent", "reference"),
                                "--compare: unknown column 'reference'")
        self.assertOneLineError(self.report("--compare", "libevent", "libevent"),
                                "compared with itself")
        self.assertOneLineError(self.report("--compare", "libevent"), "--compare")
        self.assertOneLineError(self.report("--compare", "libevent", "reference/epoll"),
                                "have no result in common")


class Pieces(unittest.TestCase):
    def test_path_rewriter_keeps_to_path_boundaries(self):
        rel = report.path_rewriter([("/r/repo", ""), ("/b/build", "<build>/"),
                                    ("/r/repo/build/x", "")])
        cases = {"/r/repo/a/b.cc:3": "a/b.cc:3",
                 "at (/r/repo/a.cc) and '/r/repo/b.cc'": "at (a.cc) and 'b.cc'",
                 "x=/r/repo/c.cc:/r/repo/d.cc": "x=c.cc:d.cc",
                 "/r/repo-old/a.cc": "/r/repo-old/a.cc",
                 "/x/r/repo/a.cc": "/x/r/repo/a.cc",
                 "/usr/include/event2/event.h": "/usr/include/event2/event.h",
                 "/b/build/conformance/t": "<build>/conformance/t",
                 "/r/repo": "/r/repo",
                 "": ""}
        for text, want in cases.items():
            self.assertEqual(rel(text), want, text)

    def test_prefixes_come_from_the_checkout_the_registry_and_run_json(self):
        with tempfile.TemporaryDirectory() as tmp:
            res, reg = fx.write(tmp)
            pairs = dict(report.path_prefixes(reg, res, {"toolkit": {"root": "/srv/ci/evc"}}))
        self.assertEqual(pairs[ROOT], "")
        self.assertEqual(pairs[fx.AUTHOR_ROOT], "")
        self.assertEqual(pairs["/srv/ci/evc"], "")
        self.assertEqual(pairs[os.path.join(tmp, "build")], "<build>/")

    def test_allowed_status_sets_go_through_status_is_expected(self):
        """With is_expected reading "PASS|FAIL" as a set (its contract), a
        flaky test that FAILs is expected everywhere in the report."""
        def is_expected(status, expected):
            allowed = expected.split("|")
            return status in allowed or (status == st.SKIP and st.PASS in allowed)

        with tempfile.TemporaryDirectory() as tmp:
            res, reg_path = fx.write(tmp, flaky=True)
            reg = registry.load(reg_path)
            with mock.patch.object(st, "is_expected", is_expected):
                matrix = report.build_matrix(reg, reg.columns, results.load_all(res))
                row = next(r for r in matrix["tests"] if r["test"] == fx.FLAKY)
                cell = row["results"]["reference/epoll"]
                self.assertEqual((cell["status"], cell["expected"], cell["unexpected"]),
                                 ("FAIL", "PASS|FAIL", False))
                self.assertEqual(report.gate(matrix)["unexpected"], 2, "the fixture's two only")
                self.assertEqual(report._md_cell(cell), "FAIL (expected: PASS or FAIL)")
                md = os.path.join(tmp, "report.md")
                report.write_markdown(matrix, md)
                self.assertIn("- **reference/epoll**: FAIL (expected: PASS or FAIL)", read(md))
                junit = os.path.join(tmp, "junit.xml")
                report.write_junit(matrix, junit)
                self.assertIn("FAIL, as the expectations allow (PASS or FAIL): flaky", read(junit))
        self.assertEqual(report.show_expected("PASS|FAIL|CRASH"), "PASS or FAIL or CRASH")
        self.assertEqual(report.show_expected("FAIL"), "FAIL")

    def test_update_expectations_keeps_a_set_that_allows_the_result(self):
        old = {"reference": [{"test": fx.FLAKY, "status": ["PASS", "FAIL"], "backend": "epoll",
                              "reason": "flaky on epoll"}],
               "libevent": [{"test": fx.UNEXPECTED_PASS, "status": ["PASS", "FAIL"], "reason": "flaky"},
                            {"test": fx.EXPECTED_CRASH, "status": "CRASH", "reason": "asserts"},
                            {"test": fx.UNEXPECTED_FAIL, "status": "CRASH", "reason": "stale"},
                            {"test": fx.EXPECTED_CRASH, "status": "PASS", "reason": "no assertions",
                             "when": {"ndebug": True}}]}
        with tempfile.TemporaryDirectory() as tmp:
            res, reg_path = fx.write(tmp, flaky=True)
            reg = registry.load(reg_path)
            paths = {i: os.path.join(tmp, f"{i}.toml") for i in ("reference", "libevent")}
            for impl, entries in old.items():
                expectations.write(paths[impl], entries, ["# old"])
            matrix = report.build_matrix(reg, reg.columns, results.load_all(res))
            report.update_expectations(matrix, paths, "2026-12-01",
                                       {"libevent": expectations.context(assertions="on")})
            ref, lib = expectations.load(paths["reference"]), expectations.load(paths["libevent"])
        self.assertIn(old["reference"][0], ref)
        self.assertEqual([e for e in lib if e["test"] == fx.UNEXPECTED_PASS], [old["libevent"][0]],
                         "kept, once, for every column, though this run passed")
        self.assertIn(old["libevent"][1], lib)
        self.assertIn(old["libevent"][3], lib, "an entry of another build (NDEBUG) stays")
        self.assertNotIn(old["libevent"][2], lib, "a stale CRASH entry goes")
        self.assertIn({"test": fx.UNEXPECTED_FAIL, "status": "FAIL", "backend": "epoll",
                       "reason": "TODO: why does it FAIL? (recorded 2026-12-01)"}, lib)

    def test_skip_changes_are_neither_newly_passing_nor_failing(self):
        cell = lambda s: {"status": s, "expected": "PASS", "unexpected": False,  # noqa: E731
                          "message": "", "expectation_reason": ""}
        cols = [{"name": n, "impl": n, "backend": "", "areas": ["a"]} for n in ("x", "y")]
        tests = [{"test": f"T.{a}{b}", "area": "a", "rule_id": "", "rule": "",
                  "results": {"x": cell(a), "y": cell(b)}}
                 for a, b in (("PASS", "SKIP"), ("SKIP", "PASS"), ("FAIL", "PASS"),
                              ("PASS", "CRASH"), ("FAIL", "CRASH"), ("PASS", "PASS"),
                              ("PASS", "UNSUPPORTED"))]
        cmp = report.compare({"columns": cols, "tests": tests}, "x", "y")
        names = lambda key: [e["test"] for e in cmp[key]]  # noqa: E731
        self.assertEqual(names("newly_passing"), ["T.FAILPASS"])
        self.assertEqual(names("newly_failing"), ["T.PASSCRASH"])
        self.assertEqual(names("changed"), ["T.PASSSKIP", "T.SKIPPASS", "T.FAILCRASH"])
        self.assertEqual((cmp["compared"], cmp["not_compared"]), (6, 1))


if __name__ == "__main__":
    unittest.main(verbosity=2)
