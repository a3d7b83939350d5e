"""Rule ids (evconform.rules) and where they travel: the source check that
holds every conformance test to one well-formed id per rule, the launcher's
record, matrix.json, junit.xml, report.md, pr-comment.md, the listing by
rule id, and the kill matrix's rule ids and its index by rule id."""
import json
import os
import tempfile
import unittest
import xml.etree.ElementTree as ET

from evconform import gtest_run, mutation, registry, report, rules

GOOD = '''
TEST_F(Suite, First) {
  EVC_RULE("buffer.h/evbuffer_add/appends",
           "buffer.h evbuffer_add: append data "
           "to the end");
}
TEST_P(Table, Second) {
  EVC_RULE("listener.h/LEV_OPT_CLOSE_ON_FREE", "listener.h: \\"closes\\" the socket");
}
'''


def sites_of(src, name="x_test.cc"):
    return rules.scan_source(name, src)[0]


class IdFormat(unittest.TestCase):
    def test_well_formed_ids(self):
        for rid in ("listener.h/LEV_OPT_CLOSE_ON_FREE", "buffer.h/evbuffer_readln/eol-any",
                    "event.h/event_base_free/pending-callbacks-not-run",
                    "event_compat.h/EVENT_SIGNAL", "programs/echo_server/concurrent-echo",
                    "event.h/EV_PERSIST/timer-no-drift"):
            self.assertIsNone(rules.id_problem(rid), rid)

    def test_malformed_ids(self):
        for rid in ("", "listener.h", "listener/LEV_OPT_CLOSE_ON_FREE", "Listener.h/x",
                    "buffer.h/evbuffer_readln/Eol-Any", "buffer.h/evbuffer_readln/eol_any",
                    "buffer.h/evbuffer_readln/eol--any", "buffer.h/evbuffer_readln/-eol",
                    "buffer.h/evbuffer_readln/eol/any", "buffer.h/evbuffer readln",
                    "buffer.h/evbuffer_readln/", "rules.md#eol-search/x",
                    "buffer.h/evbuffer_readln/" + "a" * 100):
            self.assertIsNotNone(rules.id_problem(rid), rid)

    def test_a_prefix_or_any_part_selects(self):
        self.assertTrue(rules.matches("listener.h/LEV_OPT_CLOSE_ON_FREE", "listener.h/"))
        self.assertTrue(rules.matches("buffer.h/evbuffer_readln/eol-any", "EVBUFFER_READLN"))
        self.assertFalse(rules.matches("buffer.h/evbuffer_readln/eol-any", "listener.h/"))
        self.assertFalse(rules.matches("", "listener.h/"))


class SourceScan(unittest.TestCase):
    def test_reads_both_literals_across_lines_with_escapes(self):
        first, second = sites_of(GOOD)
        self.assertEqual((first.test, first.rule_id, first.text, first.problem),
                         ("Suite.First", "buffer.h/evbuffer_add/appends",
                          "buffer.h evbuffer_add: append data to the end", None))
        self.assertEqual((second.test, second.text), ("Table.Second", 'listener.h: "closes" the socket'))
        self.assertEqual(first.line, 3)

    def test_a_rule_without_an_id_is_a_problem(self):
        (s,) = sites_of('TEST(A, B) {\n  EVC_RULE("buffer.h: some rule");\n}\n')
        self.assertIn("no rule id", s.problem)
        self.assertEqual(s.text, "buffer.h: some rule")

    def test_a_malformed_id_is_a_problem(self):
        (s,) = sites_of('TEST(A, B) { EVC_RULE("buffer.h/evbuffer_add/Appends", "t"); }')
        self.assertIn("malformed rule id", s.problem)

    def test_an_id_that_is_not_a_literal_is_a_problem(self):
        (s,) = sites_of('TEST(A, B) { EVC_RULE(kId, "t"); }')
        self.assertIn("string literals", s.problem)

    def test_three_arguments_or_an_empty_text_are_problems(self):
        (s,) = sites_of('TEST(A, B) { EVC_RULE("buffer.h/evbuffer_add", "t", "u"); }')
        self.assertIn("two arguments", s.problem)
        (s,) = sites_of('TEST(A, B) { EVC_RULE("buffer.h/evbuffer_add", " "); }')
        self.assertIn("empty rule text", s.problem)

    def test_a_commented_out_rule_is_not_a_site(self):
        self.assertEqual(sites_of('TEST(A, B) {\n  // EVC_RULE("x", "y");\n}\n'), [])

    def test_tests_without_a_rule_or_with_two_are_problems(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "a_test.cc"), "w") as f:
                f.write(GOOD + 'TEST(Suite, NoRule) {\n  EXPECT_TRUE(true);\n}\n'
                        'TEST(Suite, TwoRules) {\n  EVC_RULE("buffer.h/evbuffer_add", "a");\n'
                        '  EVC_RULE("buffer.h/evbuffer_drain", "b");\n}\n')
            sites, problems = rules.scan(tmp)
        self.assertEqual(len(sites), 4)
        self.assertEqual(len(problems), 2, problems)
        self.assertRegex(problems[0], r"a_test.cc:\d+: test Suite.NoRule has no EVC_RULE")
        self.assertRegex(problems[1], r"test Suite.TwoRules has 2 EVC_RULEs")


class SameRule(unittest.TestCase):
    """One id is one rule: the same words (whitespace aside) under one id."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.headers = os.path.join(self.tmp.name, "event2")
        os.makedirs(self.headers)
        with open(os.path.join(self.headers, "buffer.h"), "w") as f:
            f.write("int evbuffer_add(struct evbuffer *, const void *, size_t);\n"
                    "int evbuffer_drain(struct evbuffer *, size_t);\n")

    def tearDown(self):
        self.tmp.cleanup()

    def problems(self, src):
        return rules.check(sites_of(src), headers=self.headers, programs=self.tmp.name)

    def test_one_id_for_one_rule_worded_the_same_is_fine(self):
        self.assertEqual(self.problems(
            'TEST(A, B) { EVC_RULE("buffer.h/evbuffer_add", "buffer.h: adds  bytes"); }\n'
            'TEST(A, C) { EVC_RULE("buffer.h/evbuffer_add", "buffer.h: adds "\n"bytes"); }\n'), [])

    def test_one_id_for_two_rules_is_a_problem(self):
        (p,) = self.problems(
            'TEST(A, B) { EVC_RULE("buffer.h/evbuffer_add", "buffer.h: adds bytes"); }\n'
            'TEST(A, C) { EVC_RULE("buffer.h/evbuffer_add", "buffer.h: fails when frozen"); }\n')
        self.assertIn("rule id 'buffer.h/evbuffer_add' names two rules", p)
        self.assertIn("A.C words it differently from A.B", p)

    def test_one_rule_under_two_ids_is_a_problem(self):
        (p,) = self.problems(
            'TEST(A, B) { EVC_RULE("buffer.h/evbuffer_add", "buffer.h: adds bytes"); }\n'
            'TEST(A, C) { EVC_RULE("buffer.h/evbuffer_add/again", "buffer.h: adds bytes"); }\n')
        self.assertIn("one rule under two ids", p)

    def test_the_symbol_must_be_declared_in_its_header(self):
        (p,) = self.problems('TEST(A, B) { EVC_RULE("buffer.h/evbuffer_readln", "t"); }\n')
        self.assertIn("evbuffer_readln is not declared in reference/include/event2/buffer.h", p)
        (p,) = self.problems('TEST(A, B) { EVC_RULE("nosuch.h/evbuffer_add", "t"); }\n')
        self.assertIn("not declared", p)
        (p,) = self.problems('TEST(A, B) { EVC_RULE("programs/echo_server", "t"); }\n')
        self.assertIn("no seed program", p)

    def test_a_site_problem_is_reported_once(self):
        (p,) = self.problems('TEST(A, B) { EVC_RULE("buffer.h: no id"); }\n')
        self.assertRegex(p, r"x_test.cc:1: A.B: no rule id")


class TheConformanceSuite(unittest.TestCase):
    """The check itself, on conformance/**/*.cc as they are."""

    def test_every_conformance_test_has_one_well_formed_id_per_rule(self):
        sites, problems = rules.scan()
        problems += rules.check(sites)
        self.assertEqual(problems, [], "\n".join(problems))
        self.assertGreater(len(sites), 300)
        cat = rules.catalogue(sites)
        self.assertTrue(any(i.startswith("listener.h/") for i in cat))


def cell(status, expected="PASS", message=""):
    return {"status": status, "expected": expected, "unexpected": status != expected,
            "message": message, "expectation_reason": ""}


def matrix():
    cols = [{"name": n, "impl": n, "backend": "", "areas": ["a"]} for n in ("x", "y")]
    return {"format": "evconform-matrix-2", "columns": cols, "per_backend_areas": [],
            "summary": {"x": {"PASS": 2, "unexpected": 0}, "y": {"PASS": 1, "FAIL": 1, "unexpected": 1}},
            "tests": [
                {"test": "Lst.Closes", "area": "a", "kind": "conformance",
                 "rule_id": "listener.h/LEV_OPT_CLOSE_ON_FREE", "rule": "listener.h: closes it",
                 "results": {"x": cell("PASS"), "y": cell("FAIL", message="socket still open")}},
                {"test": "Buf.Adds", "area": "a", "kind": "conformance",
                 "rule_id": "buffer.h/evbuffer_add/appends", "rule": "buffer.h: appends",
                 "results": {"x": cell("PASS"), "y": cell("PASS")}},
                {"test": "Prop.Model", "area": "a", "kind": "property", "rule": "a model",
                 "results": {"x": cell("PASS"), "y": cell("PASS")}}]}


class RuleIdsInTheReports(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def read(self, name):
        with open(os.path.join(self.tmp.name, name), encoding="utf-8") as f:
            return f.read()

    def test_the_launcher_reads_both_properties(self):
        doc = {"testsuites": [{"name": "Lst", "testsuite": [
            {"name": "Closes", "rule_id": "listener.h/LEV_OPT_CLOSE_ON_FREE", "rule": "closes it"}]}]}
        out = gtest_run._classify("Lst.Closes", 0, "", "", doc, 0.1)
        self.assertEqual((out["status"], out["rule_id"], out["rule"]),
                         ("PASS", "listener.h/LEV_OPT_CLOSE_ON_FREE", "closes it"))
        out = gtest_run._classify("Lst.Closes", -11, "", "", None, 0.1)
        self.assertEqual((out["status"], out["rule_id"]), ("CRASH", ""))

    def test_the_matrix_carries_the_id_of_the_records(self):
        reg = registry.Registry([{"name": "x", "areas": ["a"], "backends": [], "expectations": ""}], [])
        rec = {"impl": "x", "column": "x", "area": "a", "kind": "conformance", "test": "Lst.Closes",
               "status": "PASS", "expected": "PASS", "rule_id": "listener.h/LEV_OPT_CLOSE_ON_FREE",
               "rule": "closes it"}
        old = dict(rec, test="Old.Record")
        del old["rule_id"]  # a record written before rule ids
        m = report.build_matrix(reg, reg.columns, [rec, old])
        ids = {r["test"]: r["rule_id"] for r in m["tests"]}
        self.assertEqual(ids, {"Lst.Closes": "listener.h/LEV_OPT_CLOSE_ON_FREE", "Old.Record": ""})

    def test_junit_has_the_id_as_a_property(self):
        path = os.path.join(self.tmp.name, "junit.xml")
        report.write_junit(matrix(), path)
        case = ET.parse(path).getroot().find("./testsuite[@name='y']/testcase[@name='Lst.Closes']")
        props = {p.get("name"): p.get("value") for p in case.find("properties")}
        self.assertEqual(props, {"status": "FAIL", "expected": "PASS", "verdict": "unexpected",
                                 "rule_id": "listener.h/LEV_OPT_CLOSE_ON_FREE", "rule": "listener.h: closes it"})
        prop_case = ET.parse(path).getroot().find("./testsuite[@name='y']/testcase[@name='Prop.Model']")
        props = {p.get("name"): p.get("value") for p in prop_case.find("properties")}
        self.assertEqual((props["rule_id"], props["rule"]), ("", "a model"), "no id: an empty one")

    def test_report_md_has_a_rule_id_column_and_line(self):
        report.write_markdown(matrix(), os.path.join(self.tmp.name, "report.md"))
        text = self.read("report.md")
        self.assertIn("| test | x | y | rule id | rule |", text)
        self.assertIn("| `Buf.Adds` | PASS | PASS | `buffer.h/evbuffer_add/appends` | buffer.h: appends |", text)
        self.assertIn("| `Prop.Model` | PASS | PASS |  | a model |", text)
        self.assertIn("Rule id: `listener.h/LEV_OPT_CLOSE_ON_FREE`", text)  # the differences
        self.assertIn("- y `Lst.Closes` [`listener.h/LEV_OPT_CLOSE_ON_FREE`]: FAIL", text)
        grep = [l for l in text.splitlines() if "listener.h/" in l and l.startswith("| `")]
        self.assertEqual(len(grep), 1, "one matrix row per test of the prefix")

    def test_pr_comment_names_the_ids(self):
        report.write_pr_comment(matrix(), os.path.join(self.tmp.name, "pr.md"))
        text = self.read("pr.md")
        self.assertIn("- **y** `Lst.Closes` [`listener.h/LEV_OPT_CLOSE_ON_FREE`]: FAIL", text)
        self.assertIn("| test | rule id | not PASS |", text)
        self.assertIn("| `Lst.Closes` | `listener.h/LEV_OPT_CLOSE_ON_FREE` | y: FAIL ❗ |", text)

    def test_listing_by_rule_id_with_results(self):
        m = matrix()
        lines = rules._listing(rules.from_matrix(m), "listener.h/", ["x", "y"])
        self.assertEqual(lines, ["listener.h/LEV_OPT_CLOSE_ON_FREE", "  rule: listener.h: closes it",
                                 "  test: Lst.Closes: x PASS, y FAIL (unexpected)"])
        self.assertIn("(no rule id)", rules._listing(rules.from_matrix(m), "", ["x"]))

    def test_listing_the_sources_by_prefix(self):
        sites = sites_of(GOOD)
        lines = rules._listing(rules.catalogue(sites), "buffer.h/")
        self.assertEqual(lines, ["buffer.h/evbuffer_add/appends",
                                 "  rule: buffer.h evbuffer_add: append data to the end",
                                 "  test: Suite.First"])


KILLS = {"format": "evconform-kill-matrix-1", "date": "today", "faults": 2,
         "by_area": {"listener": {"faults": 2, "killed": 2, "score": 100.0, "killed_cp": 2,
                                  "score_cp": 100.0}},
         "overall": {"faults": 2, "killed": 2, "score": 100.0, "killed_cp": 2, "score_cp": 100.0},
         "results": [
             {"name": "listener-close-on-free-ignored", "area": "listener",
              "fault": "LEV_OPT_CLOSE_ON_FREE: the socket is left open", "killed": True,
              "killed_by": {"conformance": ["reference/epoll.Lst.Closes", "reference/poll.Lst.Closes"]},
              "killed_rules": ["listener.h/LEV_OPT_CLOSE_ON_FREE"]},
             {"name": "listener-disable-ignored", "area": "listener", "fault": "disable does nothing",
              "killed": True, "killed_by": {"conformance": ["reference/epoll.Lst.Disable"]},
              "killed_rules": ["listener.h/LEV_OPT_CLOSE_ON_FREE", "listener.h/evconnlistener_disable"]}]}


class RuleIdsInTheKillMatrix(unittest.TestCase):
    def test_each_fault_lists_its_rule_ids_and_the_index_the_faults(self):
        text = "\n".join(mutation.markdown(KILLS))
        self.assertIn("| yes | `listener.h/LEV_OPT_CLOSE_ON_FREE`, `listener.h/evconnlistener_disable` |", text)
        self.assertIn("## Faults killed, by rule id", text)
        self.assertIn("| `listener.h/LEV_OPT_CLOSE_ON_FREE` | `listener-close-on-free-ignored`, "
                      "`listener-disable-ignored` |", text)
        self.assertIn("| `listener.h/evconnlistener_disable` | `listener-disable-ignored` |", text)

    def test_a_kill_matrix_without_ids_renders_without_the_index(self):
        old = json.loads(json.dumps(KILLS))
        for r in old["results"]:
            del r["killed_rules"]
        text = "\n".join(mutation.markdown(old))
        self.assertNotIn("by rule id", text)
        self.assertIn("| yes | — |", text)

    def test_asking_which_faults_a_rule_prefix_killed(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "kill-matrix.json")
            with open(path, "w") as f:
                json.dump(KILLS, f)
            self.assertEqual(mutation.rule_query(path, "evconnlistener_disable"), [
                "listener.h/evconnlistener_disable",
                "  listener-disable-ignored: disable does nothing"])
            self.assertEqual(len(mutation.rule_query(path, "listener.h/")), 5)
            self.assertIn("no fault was killed", mutation.rule_query(path, "buffer.h/")[0])


if __name__ == "__main__":
    unittest.main(verbosity=2)
