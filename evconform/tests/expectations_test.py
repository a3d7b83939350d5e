"""Self-tests of the expectations syntax (evconform/expectations.py,
evconform/status.py): status sets, `when` conditions, precedence among the
entries that apply, the expected value a record carries, the round trip
through write(), one-line errors naming file and entry, and libevent's
assertion entries read from the real file.

  python3 -m unittest -v evconform.tests.expectations_test
"""
import os
import tempfile
import unittest

from evconform import ROOT, expectations, proc
from evconform import status as st
from evconform.cli import ToolError

LIBEVENT = os.path.join(ROOT, "harness", "expectations", "libevent.toml")
ASSERTION_TESTS = ("EvbufferReserve.ZeroSizeAfterPrependToAnEmptyBufferUsesNoExtent",
                   "EvbufferReserve.ZeroSizeWithTwoVectorsAfterFillingTheLastChainUsesNoExtent")


class FileTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.tmp.name, "impl.toml")

    def tearDown(self):
        self.tmp.cleanup()

    def load_text(self, text):
        with open(self.path, "w", encoding="utf-8") as f:
            f.write(text)
        return expectations.load(self.path)

    def assertRejected(self, text, *fragments):
        with self.assertRaises(ToolError) as cm:
            self.load_text(text)
        msg = str(cm.exception)
        self.assertNotIn("\n", msg)
        self.assertTrue(msg.startswith(self.path + ": "), msg)
        for frag in fragments:
            self.assertIn(frag, msg)
        return msg


class LoadTest(FileTest):
    def test_a_status_set_and_conditions_load(self):
        entries = self.load_text(
            '[[expect]]\ntest = "A.Flaky"\nstatus = ["PASS", "FAIL"]\nreason = "flaky"\n'
            '[[expect]]\ntest = "A.Asserts"\nstatus = "CRASH"\nreason = "r"\n'
            'when = { ndebug = false, version = "2.1.*", asan = true, valgrind = false }\n')
        self.assertEqual(entries[0]["status"], ["PASS", "FAIL"])
        self.assertEqual(entries[1]["when"],
                         {"ndebug": False, "version": "2.1.*", "asan": True, "valgrind": False})

    def test_bad_conditions_are_one_line_naming_file_and_entry(self):
        base = '[[expect]]\ntest = "A.B"\nstatus = "FAIL"\nreason = "r"\n'
        self.assertRejected(base + 'when = { debug = true }\n', "entry 1 (A.B)", "when.debug",
                            "asan, tsan, valgrind, ndebug, version")
        self.assertRejected(base + 'when = { ndebug = "yes" }\n', "entry 1 (A.B)", "'when.ndebug' must be true or false")
        self.assertRejected(base + 'when = { version = 2 }\n', "'when.version' must be a non-empty string")
        self.assertRejected(base + 'when = { version = " " }\n', "'when.version'")
        self.assertRejected(base + 'when = {}\n', "'when' must be a table")
        self.assertRejected(base + 'when = "ndebug"\n', "'when' must be a table")

    def test_bad_status_sets(self):
        tail = '\nreason = "r"\n'
        self.assertRejected('[[expect]]\ntest = "A.B"\nstatus = []' + tail, "non-empty array")
        self.assertRejected('[[expect]]\ntest = "A.B"\nstatus = ["PASS", "BROKEN"]' + tail,
                            "status 'BROKEN' is not one of")
        self.assertRejected('[[expect]]\ntest = "A.B"\nstatus = ["FAIL", "FAIL"]' + tail, "twice")
        self.assertRejected('[[expect]]\ntest = "A.B"\nstatus = [1]' + tail, "'status' must be")
        self.assertRejected('[[expect]]\ntest = "A.B"' + tail, "'status' is missing")

    def test_same_test_backend_and_conditions_twice_is_an_error(self):
        one = '[[expect]]\ntest = "A.B"\nstatus = "FAIL"\nreason = "r"\n'
        msg = self.assertRejected(one + 'when = { ndebug = true, asan = false }\n' +
                                  one + 'when = { asan = false, ndebug = true }\n',
                                  "entry 2 (A.B)", "listed twice", "(entry 1)")
        self.assertIn("same backend and conditions", msg)
        self.assertRejected(one + one, "listed twice")
        # different conditions, or a backend, make different entries
        self.assertEqual(len(self.load_text(one + one + 'when = { ndebug = true }\n' +
                                            one + 'backend = "poll"\n')), 3)

    def test_garbage_is_one_line(self):
        with open(self.path, "wb") as f:
            f.write(b"\x7fELF\x02\x01\x01\x00\xff\xfe\x00binary")
        with self.assertRaises(ToolError) as cm:
            expectations.load(self.path)
        self.assertRegex(str(cm.exception), r"^.*impl\.toml: not (valid TOML|a text file)")


class LookupTest(unittest.TestCase):
    ENTRIES = [
        {"test": "Area.*", "status": "FAIL", "reason": "first glob"},
        {"test": "Area.*Case", "status": "TIMEOUT", "reason": "second glob"},
        {"test": "Area.Case", "status": "CRASH", "reason": "exact"},
        {"test": "Area.Case", "status": "PASS", "reason": "no assertions", "when": {"ndebug": True}},
        {"test": "Area.Case", "status": ["PASS", "FAIL"], "reason": "select", "backend": "select"},
        {"test": "Area.Case", "status": "MEMERR", "reason": "select memcheck", "backend": "select",
         "when": {"valgrind": True}},
        {"test": "Area.Versioned", "status": "FAIL", "reason": "2.1 only", "when": {"version": "2.1.*"}},
        {"test": "Area.Versioned", "status": "SKIP", "reason": "2.1 with asan",
         "when": {"version": "2.1.*", "asan": True}},
    ]

    def reason(self, test, backend=None, context=None):
        e = expectations.lookup(self.ENTRIES, test, backend, context)
        return e and e["reason"]

    def test_old_call_still_works(self):
        self.assertEqual(self.reason("Area.Case"), "exact")
        self.assertEqual(self.reason("Area.Case", "epoll"), "exact")
        self.assertIsNone(expectations.lookup(self.ENTRIES, "Other.Case"))

    def test_exact_beats_glob_and_the_first_glob_wins(self):
        self.assertEqual(self.reason("Area.OtherCase"), "first glob")

    def test_backend_specific_beats_general(self):
        self.assertEqual(self.reason("Area.Case", "select"), "select")
        self.assertEqual(self.reason("Area.Case", "select", {"ndebug": True}), "select")

    def test_conditioned_beats_unconditioned_only_when_it_holds(self):
        self.assertEqual(self.reason("Area.Case", "poll", {"ndebug": True}), "no assertions")
        self.assertEqual(self.reason("Area.Case", "poll", {"ndebug": False}), "exact")
        self.assertEqual(self.reason("Area.Case", "select", {"valgrind": True}), "select memcheck")
        self.assertEqual(self.reason("Area.Case", "poll", {"valgrind": True}), "exact")

    def test_an_unknown_fact_holds_no_condition(self):
        for ctx in (None, {}, {"ndebug": None}, expectations.context()):
            self.assertEqual(self.reason("Area.Case", None, ctx), "exact")
        self.assertEqual(self.reason("Area.Versioned", None, {"asan": True}), "first glob")

    def test_version_is_a_glob_and_all_conditions_must_hold(self):
        self.assertEqual(self.reason("Area.Versioned", None, {"version": "2.1.12-stable"}), "2.1 only")
        self.assertEqual(self.reason("Area.Versioned", None, {"version": "2.2.1-alpha-dev"}), "first glob")
        self.assertEqual(self.reason("Area.Versioned", None,
                                     {"version": "2.1.12-stable", "asan": True}), "2.1 with asan")
        self.assertEqual(self.reason("Area.Versioned", None,
                                     {"version": "2.1.12-stable", "asan": False}), "2.1 only")

    def test_context_maps_detected_assertions_to_ndebug(self):
        self.assertEqual(expectations.context(assertions="off")["ndebug"], True)
        self.assertEqual(expectations.context(assertions="on")["ndebug"], False)
        self.assertIsNone(expectations.context(assertions="unknown")["ndebug"])
        with self.assertRaises(ValueError):
            expectations.lookup(self.ENTRIES, "Area.Case", None, {"debug": True})


class ExpectedTest(unittest.TestCase):
    def test_expected_of(self):
        self.assertEqual(expectations.expected_of(None), "PASS")
        self.assertEqual(expectations.expected_of({"status": "FAIL"}), "FAIL")
        self.assertEqual(expectations.expected_of({"status": ["PASS", "FAIL"]}), "PASS|FAIL")
        self.assertEqual(expectations.expected_of({"status": ["CRASH", "PASS"]}), "CRASH|PASS")

    def test_is_expected_reads_a_set(self):
        self.assertTrue(st.is_expected("PASS", "PASS|FAIL"))
        self.assertTrue(st.is_expected("FAIL", "PASS|FAIL"))
        self.assertFalse(st.is_expected("CRASH", "PASS|FAIL"))
        self.assertTrue(st.is_expected("SKIP", "PASS|FAIL"))   # neutral where PASS is allowed
        self.assertFalse(st.is_expected("SKIP", "FAIL|CRASH"))
        self.assertTrue(st.is_expected("SKIP", "FAIL|SKIP"))
        self.assertFalse(st.is_expected("PASS", "FAIL"))
        self.assertTrue(st.is_expected("SKIP", "PASS"))
        self.assertFalse(st.is_expected("PASS", "UNSUPPORTED"))
        self.assertTrue(st.is_expected("CRASH", ["CRASH", "PASS"]))  # an entry's own list
        self.assertFalse(st.is_expected("FAIL", ["CRASH", "PASS"]))


class WriteTest(FileTest):
    def test_round_trip(self):
        entries = [
            {"test": "A.Flaky", "status": ["PASS", "FAIL"], "reason": 'quotes " and \\ and é'},
            {"test": "A.*", "status": "CRASH", "reason": "r", "backend": "select"},
            {"test": "A.Asserts", "status": ["CRASH"], "reason": "r",
             "when": {"ndebug": False, "version": "2.1.*"}},
            {"test": "A.Asserts", "status": "PASS", "reason": "r", "when": {"ndebug": True},
             "backend": "poll"},
        ]
        with open(self.path, "w") as f:
            f.write("# kept header\n\n[[expect]]\n")
        expectations.write(self.path, entries, ["# default header"])
        self.assertEqual(expectations.load(self.path), entries)
        with open(self.path) as f:
            text = f.read()
        self.assertTrue(text.startswith("# kept header\n"), text)
        self.assertIn('status = ["PASS", "FAIL"]', text)
        self.assertIn('when = { ndebug = false, version = "2.1.*" }', text)


class LibeventAssertionEntriesTest(unittest.TestCase):
    """The two evbuffer_reserve_space aborts of libevent 2.1.12 are
    EVUTIL_ASSERTs: CRASH with assertions on, PASS with NDEBUG, either when
    nobody knows."""

    def test_the_real_file_states_what_each_build_does(self):
        entries = expectations.load(LIBEVENT)
        for test in ASSERTION_TESTS:
            on = expectations.lookup(entries, test, None, expectations.context(assertions="on"))
            off = expectations.lookup(entries, test, "epoll", expectations.context(assertions="off"))
            unknown = expectations.lookup(entries, test, None, expectations.context())
            self.assertEqual(expectations.expected_of(on), "CRASH", test)
            self.assertEqual(expectations.expected_of(off), "PASS", test)
            self.assertEqual(set(expectations.allowed(unknown)), {"CRASH", "PASS"}, test)
            self.assertIn("NDEBUG", off["reason"])

    def test_the_persist_closure_assertion_entries(self):
        entries = expectations.load(LIBEVENT)
        for test in ("EventExtremes.PersistentTimeoutsWithMicrosecondsOutOfRangeAreSurvived",
                     "BufferEventExtremes.TimeoutsWithMicrosecondsOutOfRangeAreSurvived"):
            on = expectations.lookup(entries, test, "poll", expectations.context(assertions="on"))
            off = expectations.lookup(entries, test, "poll", expectations.context(assertions="off"))
            unknown = expectations.lookup(entries, test, "poll", None)
            self.assertEqual(expectations.expected_of(on), "FAIL", test)
            self.assertIn("PASS", expectations.allowed(off), test)
            self.assertEqual(set(expectations.allowed(unknown)), {"FAIL", "PASS"}, test)


class RebaselineTest(unittest.TestCase):
    """expectations.rebaseline: a run rewrites only what it shows untrue."""

    def rebase(self, old, observed, context=None):
        kept, new = expectations.rebaseline(old, observed, context)
        return [e["reason"] for e in kept], new

    def test_the_assertion_entries_survive_a_run_that_agrees_with_them(self):
        old = expectations.load(LIBEVENT)
        test = ASSERTION_TESTS[0]
        for ctx in (expectations.context(assertions="on"), expectations.context(), None):
            kept, new = expectations.rebaseline(old, [(test, None, "CRASH")], ctx)
            self.assertEqual(new, [])
            self.assertEqual(len([e for e in kept if e["test"] == test]), 3, ctx)

    def test_a_set_or_a_condition_that_still_holds_is_kept_as_written(self):
        flaky = {"test": "A.Flaky", "status": ["PASS", "FAIL"], "reason": "flaky"}
        other = {"test": "A.Other", "status": "FAIL", "reason": "other build", "when": {"asan": True}}
        self.assertEqual(self.rebase([flaky, other], [("A.Flaky", None, "PASS")], {"asan": False}),
                         (["flaky", "other build"], []))

    def test_what_a_run_contradicts_is_replaced(self):
        old = [{"test": "A.B", "status": "FAIL", "reason": "was FAIL"},
               {"test": "A.Gone", "status": "FAIL", "reason": "no such test any more"},
               {"test": "A.Fixed", "status": "FAIL", "reason": "fixed since"}]
        self.assertEqual(self.rebase(old, [("A.B", None, "CRASH"), ("A.Fixed", None, "PASS")]),
                         ([], [("A.B", None, "CRASH")]))

    def test_a_glob_that_is_wrong_for_one_test_goes_for_all(self):
        old = [{"test": "A.*", "status": "FAIL", "reason": "glob"}]
        self.assertEqual(self.rebase(old, [("A.B", None, "FAIL"), ("A.C", None, "CRASH")]),
                         ([], [("A.B", None, "FAIL"), ("A.C", None, "CRASH")]))

    def test_columns_that_agree_get_one_general_entry(self):
        same = [("E.T", b, "FAIL") for b in ("epoll", "poll", "select")]
        self.assertEqual(self.rebase([], same), ([], [("E.T", None, "FAIL")]))
        mixed = [("E.T", "epoll", "FAIL"), ("E.T", "poll", "PASS"), ("E.T", "select", "CRASH")]
        self.assertEqual(self.rebase([], mixed), ([], [("E.T", "epoll", "FAIL"), ("E.T", "select", "CRASH")]))
        # a backend column governed by its own entry does not stop the general one
        sel = {"test": "E.T", "status": "CRASH", "reason": "select", "backend": "select"}
        agree = [("E.T", "epoll", "FAIL"), ("E.T", "poll", "FAIL"), ("E.T", "select", "CRASH")]
        self.assertEqual(self.rebase([sel], agree), (["select"], [("E.T", None, "FAIL")]))


class ToolTest(FileTest):
    def test_a_bad_expectations_file_stops_the_implementations_check(self):
        with open(self.path, "w") as f:
            f.write('[[expect]]\ntest = "A.B"\nstatus = "FAIL"\nreason = "r"\nwhen = { debug = true }\n')
        impls = os.path.join(self.tmp.name, "impls.toml")
        with open(impls, "w") as f:
            f.write('[[implementation]]\nname = "x"\nareas = ["evbuffer"]\nlibraries = ["m"]\n'
                    'expectations = "impl.toml"\n')
        p = proc.tool("implementations", [impls], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
        self.assertEqual(p.stderr.count("\n"), 1, p.stderr)
        self.assertRegex(p.stderr, r"^evconform: .*impl\.toml: entry 1 \(A\.B\): unknown condition 'when\.debug'")
        self.assertNotIn("evconform: evconform:", p.stderr)


if __name__ == "__main__":
    unittest.main()
