"""Self-tests of the harness launcher and the report generator.

They run the real launcher (evconform.run_test) on a fake implementation
whose tests pass, fail, crash, hang, skip and exit early, and check that each
outcome gets its status, that expectations flip the exit code, that bad input
gets a one-line error and a non-zero exit, and that the report and the gate
reflect the records.
"""
import json
import os
import shutil
import tempfile
import unittest

from evconform import check_flakes, proc, report

FAKE = os.environ.get("EVCONFORM_FAKE_TEST", "")
LAUNCHER = "run_test"
GENERATOR = "report"


def run(cmd):
    """Runs the tool cmd[0] of the package with the arguments cmd[1:]."""
    return proc.tool(cmd[0], cmd[1:], capture_output=True, text=True, timeout=60)


@unittest.skipUnless(FAKE and os.access(FAKE, os.X_OK), "EVCONFORM_FAKE_TEST not set")
class LauncherTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.results = os.path.join(self.tmp.name, "results")
        self.expect = os.path.join(self.tmp.name, "fake.toml")

    def tearDown(self):
        self.tmp.cleanup()

    def launch(self, test, timeout="3", expect_text=None, results=None, backend=None):
        if expect_text is not None:
            with open(self.expect, "w") as f:
                f.write(expect_text)
        extra = ["--backend", backend] if backend else []
        return run([LAUNCHER, "--impl", "fake", "--area", "selftest", "--expectations",
                    self.expect, "--results", results or self.results, "--timeout", timeout] +
                   extra + [FAKE, test])

    def record(self, test, column="fake"):
        with open(os.path.join(self.results, column.replace("/", "+"), f"{test}.json")) as f:
            return json.load(f)

    def assertOutcome(self, test, status, code, **kw):
        p = self.launch(test, **kw)
        self.assertEqual(p.returncode, code, p.stdout + p.stderr)
        backend = kw.get("backend")
        rec = self.record(test, f"fake/{backend}" if backend else "fake")
        self.assertEqual(rec["status"], status, rec["message"])
        return rec

    def test_pass(self):
        rec = self.assertOutcome("Fake.Passes", "PASS", 0)
        self.assertEqual(rec["rule"], "fake rule text")

    def test_fail_is_unexpected(self):
        rec = self.assertOutcome("Fake.Fails", "FAIL", 1)
        self.assertIn("deliberate failure", rec["message"])

    def test_segfault_is_crash(self):
        rec = self.assertOutcome("Fake.Crashes", "CRASH", 1)
        self.assertIn("SIGSEGV", rec["message"])

    def test_abort_is_crash(self):
        self.assertOutcome("Fake.Aborts", "CRASH", 1)

    def test_hang_is_timeout(self):
        rec = self.assertOutcome("Fake.Hangs", "TIMEOUT", 1, timeout="1")
        self.assertLess(rec["duration_s"], 10)

    def test_early_exit_is_crash(self):
        rec = self.assertOutcome("Fake.ExitsEarly", "CRASH", 1)
        self.assertIn("status 3", rec["message"])

    def test_skip_is_neutral(self):
        rec = self.assertOutcome("Fake.Skips", "SKIP", 77)
        self.assertIn("needs:nothing", rec["message"])

    @unittest.skipUnless(shutil.which("valgrind"), "valgrind not installed")
    def test_valgrind_leak_is_memerr(self):
        p = run([LAUNCHER, "--impl", "fake", "--area", "selftest", "--expectations",
                 self.expect, "--results", self.results, "--timeout", "5",
                 "--valgrind", shutil.which("valgrind"), FAKE, "Fake.LeaksMemory"])
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        rec = self.record("Fake.LeaksMemory")
        self.assertEqual(rec["status"], "MEMERR", rec["message"])
        self.assertIn("definitely lost", rec["message"])

    def test_leak_passes_without_valgrind(self):
        self.assertOutcome("Fake.LeaksMemory", "PASS", 0)

    def test_expected_failure_passes_the_gate(self):
        text = '[[expect]]\ntest = "Fake.Fails"\nstatus = "FAIL"\nreason = "known"\n'
        rec = self.assertOutcome("Fake.Fails", "FAIL", 0, expect_text=text)
        self.assertEqual(rec["expected"], "FAIL")
        self.assertEqual(rec["expectation_reason"], "known")

    def test_unexpected_pass_fails_the_gate(self):
        text = '[[expect]]\ntest = "Fake.Pass*"\nstatus = "FAIL"\nreason = "stale"\n'
        self.assertOutcome("Fake.Passes", "PASS", 1, expect_text=text)

    def test_backend_column_selects_the_method_by_environment(self):
        p = self.launch("Fake.SeesItsBackendColumn", backend="poll")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        rec = self.record("Fake.SeesItsBackendColumn", "fake/poll")
        self.assertEqual((rec["status"], rec["column"], rec["backend"]), ("PASS", "fake/poll", "poll"))
        p = self.launch("Fake.SeesItsBackendColumn")
        self.assertEqual(p.returncode, 1, "outside a backend column the fake test fails")

    def test_backend_scoped_expectation_applies_to_its_column_only(self):
        text = ('[[expect]]\ntest = "Fake.Fails"\nstatus = "FAIL"\nreason = "poll only"\n'
                'backend = "poll"\n')
        self.assertOutcome("Fake.Fails", "FAIL", 0, expect_text=text, backend="poll")
        self.assertEqual(self.launch("Fake.Fails", backend="epoll").returncode, 1)
        self.assertEqual(self.launch("Fake.Fails").returncode, 1)

    def test_report_has_one_column_per_backend(self):
        for b in ("epoll", "poll"):
            self.launch("Fake.Passes", backend=b)
        registry = os.path.join(self.tmp.name, "registry.json")
        with open(registry, "w") as f:
            json.dump({"implementations": [{"name": "fake", "areas": ["selftest"],
                                            "backends": ["epoll", "poll", "select"]}],
                       "per_backend_areas": ["selftest"]}, f)
        out = os.path.join(self.tmp.name, "report")
        p = run([GENERATOR, "--results", self.results, "--registry", registry, "--out", out])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "matrix.json")) as f:
            matrix = json.load(f)
        self.assertEqual([c["name"] for c in matrix["columns"]],
                         ["fake", "fake/epoll", "fake/poll", "fake/select"])
        cells = matrix["tests"][0]["results"]
        self.assertNotIn("fake", cells, "the plain column does not run a per-backend area")
        self.assertEqual(cells["fake/poll"]["status"], "PASS")
        self.assertEqual(cells["fake/select"]["status"], "NOTRUN")
        self.assertEqual(matrix["summary"]["fake/select"]["unexpected"], 1)

    def test_unknown_test_is_harness_error(self):
        p = self.launch("Fake.NoSuchTest")
        self.assertEqual(p.returncode, 2, p.stdout)

    def assertOneLineError(self, p, needle):
        self.assertEqual(p.returncode, 2)
        err = p.stderr.strip()
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertIn(needle, err)

    def test_malformed_expectations(self):
        self.assertOneLineError(self.launch("Fake.Passes", expect_text="[[expect]\n"),
                                "not valid TOML")
        self.assertOneLineError(
            self.launch("Fake.Passes",
                        expect_text='[[expect]]\ntest = "X"\nstatus = "MAYBE"\nreason = "r"\n'),
            "status 'MAYBE'")
        self.assertOneLineError(
            self.launch("Fake.Passes", expect_text='[[expect]]\ntest = "X"\nstatus = "FAIL"\n'),
            "'reason' must be")

    def test_missing_binary(self):
        p = run([LAUNCHER, "--impl", "fake", "--area", "a", "--expectations", self.expect,
                 "--results", self.results, "/nonexistent/binary", "Fake.Passes"])
        self.assertOneLineError(p, "not found")

    def test_unwritable_results(self):
        blocker = os.path.join(self.tmp.name, "file")
        open(blocker, "w").close()
        p = self.launch("Fake.Passes", results=os.path.join(blocker, "sub"))
        self.assertOneLineError(p, "cannot write results")

    def test_update_expectations_makes_the_run_the_baseline(self):
        for t in ("Fake.Passes", "Fake.Fails"):
            self.launch(t)
        registry = os.path.join(self.tmp.name, "registry.json")
        with open(registry, "w") as f:
            json.dump({"implementations": [{"name": "fake", "areas": ["selftest"],
                                            "expectations": self.expect}]}, f)
        out = os.path.join(self.tmp.name, "report")
        p = run([GENERATOR, "--results", self.results, "--registry", registry, "--out", out,
                 "--update-expectations"])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(self.expect) as f:
            text = f.read()
        self.assertIn('test = "Fake.Fails"', text)
        self.assertIn('reason = "TODO: why does it FAIL?', text)
        self.assertNotIn("Fake.Passes", text)
        # the new baseline makes the failure expected, and the gate green
        self.assertEqual(self.launch("Fake.Fails").returncode, 0)
        gate = run([GENERATOR, "--results", self.results, "--registry", registry, "--out", out, "--gate"])
        self.assertEqual(gate.returncode, 0, gate.stdout + gate.stderr)

    def test_unwritable_report_folder(self):
        self.launch("Fake.Passes")
        registry = os.path.join(self.tmp.name, "registry.json")
        with open(registry, "w") as f:
            json.dump({"implementations": [{"name": "fake", "areas": ["selftest"]}]}, f)
        blocker = os.path.join(self.tmp.name, "file")
        open(blocker, "w").close()
        p = run([GENERATOR, "--results", self.results, "--registry", registry,
                 "--out", os.path.join(blocker, "report")])
        self.assertOneLineError(p, "cannot write")

    def test_report_and_gate(self):
        for t in ("Fake.Passes", "Fake.Fails", "Fake.Skips"):
            self.launch(t)
        registry = os.path.join(self.tmp.name, "registry.json")
        with open(registry, "w") as f:
            json.dump({"implementations": [{"name": "fake", "areas": ["selftest"]},
                                           {"name": "other", "areas": ["elsewhere"]}]}, f)
        out = os.path.join(self.tmp.name, "report")
        p = run([GENERATOR, "--results", self.results, "--registry", registry, "--out", out])
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(os.path.join(out, "matrix.json")) as f:
            matrix = json.load(f)
        cells = {r["test"]: r["results"] for r in matrix["tests"]}
        self.assertEqual(cells["Fake.Passes"]["fake"]["status"], "PASS")
        self.assertEqual(cells["Fake.Fails"]["fake"]["status"], "FAIL")
        self.assertTrue(cells["Fake.Fails"]["fake"]["unexpected"])
        self.assertEqual(cells["Fake.Skips"]["fake"]["status"], "SKIP")
        self.assertEqual(cells["Fake.Passes"]["other"]["status"], "UNSUPPORTED")
        self.assertEqual(matrix["summary"]["fake"]["unexpected"], 1)
        with open(os.path.join(out, "report.md")) as f:
            md = f.read()
        self.assertIn("Fake.Fails", md)
        self.assertIn("deliberate failure", md)
        with open(os.path.join(out, "junit.xml")) as f:
            self.assertIn('failures="1"', f.read())
        with open(os.path.join(out, "pr-comment.md")) as f:
            pr = f.read()
        self.assertIn("1 unexpected result", pr)
        self.assertIn("deliberate failure", pr)   # the unexpected result's message
        self.assertNotIn("Full matrix", pr)
        self.assertNotIn("Fake.Passes", pr)       # differences only
        gate = run([GENERATOR, "--results", self.results, "--registry", registry,
                    "--out", out, "--gate"])
        self.assertEqual(gate.returncode, 1)
        # Record the failure as expected: the gate goes green.
        self.launch("Fake.Fails",
                    expect_text='[[expect]]\ntest = "Fake.Fails"\nstatus = "FAIL"\nreason = "k"\n')
        gate = run([GENERATOR, "--results", self.results, "--registry", registry,
                    "--out", out, "--gate"])
        self.assertEqual(gate.returncode, 0, gate.stdout + gate.stderr)


class PrCommentTest(unittest.TestCase):
    """The report's pull-request comment stays under its size limit."""

    def test_many_differences_are_cut_to_the_limit(self):
        cols = [{"name": n, "impl": n, "backend": "", "areas": ["a"]} for n in ("x", "y")]
        cell = lambda s: {"status": s, "expected": s, "unexpected": False, "message": "",
                          "expectation_reason": ""}
        tests = [{"test": f"Suite.Case{i:04d}", "area": "a", "kind": "conformance", "rule": "",
                  "results": {"x": cell("PASS"), "y": cell("FAIL")}} for i in range(2000)]
        matrix = {"columns": cols, "tests": tests, "per_backend_areas": [],
                  "summary": {"x": {"PASS": 2000, "unexpected": 0},
                              "y": {"FAIL": 2000, "unexpected": 0}}}
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "pr.md")
            report.write_pr_comment(matrix, path, limit=4000)
            with open(path, encoding="utf-8") as f:
                text = f.read()
        self.assertLessEqual(len(text), 4000)
        self.assertIn("Differences between columns (2000 tests)", text)
        self.assertIn("| `Suite.Case0000` |  | y: FAIL (expected) |", text)  # no rule id
        self.assertRegex(text, r"… \d+ more \(see `report.md`\)")


@unittest.skipUnless(FAKE and os.access(FAKE, os.X_OK), "EVCONFORM_FAKE_TEST not set")
class FlakeHuntTest(unittest.TestCase):
    """evconform.check_flakes: repeated, shuffled runs of one suite binary."""

    def setUp(self):
        self.cf = check_flakes
        self.key = ("fake", "fake", FAKE, (), "")

    def test_a_test_that_fails_sometimes_is_counted(self):
        r = self.cf.run_group(self.key, ["Fake.Passes", "Fake.FailsEveryThirdRun"], 6, 30)
        self.assertEqual(r["failures"], {"Fake.FailsEveryThirdRun": 2})
        self.assertEqual((r["runs"], r["missing_runs"], r["crashed"]), (12, False, False))

    def test_a_name_that_runs_nothing_is_not_a_pass(self):
        r = self.cf.run_group(self.key, ["Fake.NoSuchTest"], 3, 30)
        self.assertTrue(r["missing_runs"])

    def test_a_crash_is_reported(self):
        r = self.cf.run_group(self.key, ["Fake.Crashes"], 3, 30)
        self.assertTrue(r["crashed"])

    def test_valgrind_mode_reports_a_leak_and_passes_clean_code(self):
        leak = self.cf.run_group(self.key, ["Fake.LeaksMemory"], 1, 60, valgrind=True)
        self.assertTrue(leak["memerr"], leak["tail"])
        clean = self.cf.run_group(self.key, ["Fake.Passes"], 1, 60, valgrind=True)
        self.assertFalse(clean["memerr"] or clean["crashed"] or clean["missing_runs"], clean["tail"])


class GeneratorInputTest(unittest.TestCase):
    def test_missing_results_folder(self):
        with tempfile.TemporaryDirectory() as tmp:
            registry = os.path.join(tmp, "r.json")
            with open(registry, "w") as f:
                f.write('{"implementations": []}')
            p = run([GENERATOR, "--results", os.path.join(tmp, "none"), "--registry", registry,
                     "--out", os.path.join(tmp, "out")])
            self.assertEqual(p.returncode, 2)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1)
            self.assertIn("results folder not found", p.stderr)

    def test_malformed_registry(self):
        with tempfile.TemporaryDirectory() as tmp:
            registry = os.path.join(tmp, "r.json")
            with open(registry, "w") as f:
                f.write("{not json")
            os.makedirs(os.path.join(tmp, "res"))
            p = run([GENERATOR, "--results", os.path.join(tmp, "res"), "--registry", registry,
                     "--out", os.path.join(tmp, "out")])
            self.assertEqual(p.returncode, 2)
            self.assertIn("malformed", p.stderr)


if __name__ == "__main__":
    unittest.main()
