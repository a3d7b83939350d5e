"""Self-tests of the engine (evconform/engine.py), the shards and merge.

The engine runs the fake implementation's tests (harness/selftest) in
batches: every outcome must be what the test gives in a process of its own
(the launcher's self-tests in test_harness.py check those), a crash or hang
must cost a rerun of the culprit alone and not of everything, a test whose
batch result comes from an earlier test's leftovers must be reported as it
is alone, and the shards of a selection must partition it and merge back
into one verdict.
"""
import json
import os
import tempfile
import unittest
from unittest import mock

from evconform import engine, gtest_run, merge, proc
from evconform import status as st
from evconform.cli import ToolError

FAKE = os.environ.get("EVCONFORM_FAKE_TEST", "")


def suite(expectations, timeout=2, column="fake", backend=""):
    return engine.Suite({"target": "harness_fake_test", "binary": FAKE, "impl": "fake",
                         "backend": backend, "column": column, "area": "selftest",
                         "kind": "conformance", "expectations": expectations,
                         "timeout": timeout})


@unittest.skipUnless(FAKE and os.access(FAKE, os.X_OK), "EVCONFORM_FAKE_TEST not set")
class EngineTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.results = os.path.join(self.tmp.name, "results")
        self.expect = os.path.join(self.tmp.name, "fake.toml")
        self.alone = []
        real = gtest_run.run

        def counting(binary, test, *a, **kw):
            self.alone.append(test)
            return real(binary, test, *a, **kw)
        patcher = mock.patch.object(gtest_run, "run", counting)
        patcher.start()
        self.addCleanup(patcher.stop)

    def tearDown(self):
        self.tmp.cleanup()

    # (A batch of one test is a lone run: the engine starts it alone.)
    def run_engine(self, tests, expect_text="", own=(), timeout=2, jobs=2):
        with open(self.expect, "w") as f:
            f.write(expect_text)
        s = suite(self.expect, timeout)
        runner = engine.Runner(self.results, jobs=jobs, own_process=list(own))
        recs = runner.run([engine.Item(s, t) for t in tests])
        return {r["test"]: r for r in recs}, runner

    def test_lists_the_binarys_tests(self):
        names = engine.list_tests(FAKE)
        self.assertIn("Fake.Passes", names)
        self.assertIn("FakeOrder.FailsAfterTheGlobalWasSet", names)

    def test_every_outcome_is_what_the_test_gives_alone(self):
        tests = ["Fake.Passes", "Fake.Fails", "Fake.Crashes", "Fake.Aborts", "Fake.Hangs",
                 "Fake.Skips", "Fake.ExitsEarly"]
        recs, _ = self.run_engine(tests, timeout=1)
        want = {"Fake.Passes": st.PASS, "Fake.Fails": st.FAIL, "Fake.Crashes": st.CRASH,
                "Fake.Aborts": st.CRASH, "Fake.Hangs": st.TIMEOUT, "Fake.Skips": st.SKIP,
                "Fake.ExitsEarly": st.CRASH}
        self.assertEqual({t: r["status"] for t, r in recs.items()}, want)
        self.assertIn("SIGSEGV", recs["Fake.Crashes"]["message"])
        self.assertIn("status 3", recs["Fake.ExitsEarly"]["message"])
        self.assertIn("deliberate failure", recs["Fake.Fails"]["message"])
        self.assertIn("deliberate skip", recs["Fake.Skips"]["message"])
        self.assertEqual(recs["Fake.Passes"]["rule"], "fake rule text")
        # Records on disk, as the report reads them.
        with open(os.path.join(self.results, "fake", "Fake.Hangs.json")) as f:
            self.assertEqual(json.load(f)["status"], st.TIMEOUT)
        # The passing and skipping tests were never rerun alone; each
        # culprit was (once), and the failing test was confirmed alone.
        self.assertNotIn("Fake.Passes", self.alone)
        self.assertNotIn("Fake.Skips", self.alone)
        for t in ("Fake.Fails", "Fake.Crashes", "Fake.Aborts", "Fake.Hangs", "Fake.ExitsEarly"):
            self.assertEqual(self.alone.count(t), 1, t)

    def test_a_passing_batch_is_one_process(self):
        recs, _ = self.run_engine(["Fake.Passes", "Fake.Skips", "FakeOrder.Passes",
                                   "FakeOrder.SetsTheGlobal"])
        self.assertEqual(self.alone, [])
        self.assertEqual(recs["FakeOrder.Passes"]["status"], st.PASS)

    def test_a_failure_caused_by_an_earlier_test_is_not_reported(self):
        recs, runner = self.run_engine(["FakeOrder.SetsTheGlobal", "FakeOrder.FailsAfterTheGlobalWasSet"])
        rec = recs["FakeOrder.FailsAfterTheGlobalWasSet"]
        self.assertEqual(rec["status"], st.PASS)
        self.assertEqual(rec["batch_status"], st.FAIL)
        self.assertEqual([r["test"] for r in runner.isolation], ["FakeOrder.FailsAfterTheGlobalWasSet"])

    def test_a_pass_caused_by_an_earlier_test_is_not_reported(self):
        expect = ('[[expect]]\ntest = "FakeOrder.PassesOnlyAfterTheGlobalWasSet"\n'
                  'status = "FAIL"\nreason = "it fails alone"\n')
        recs, _ = self.run_engine(["FakeOrder.SetsTheGlobal", "FakeOrder.PassesOnlyAfterTheGlobalWasSet"],
                                  expect_text=expect)
        rec = recs["FakeOrder.PassesOnlyAfterTheGlobalWasSet"]
        self.assertEqual((rec["status"], rec["expected"]), (st.FAIL, st.FAIL))
        self.assertEqual(rec["batch_status"], st.PASS)

    def test_own_process_tests_always_run_alone(self):
        recs, _ = self.run_engine(["FakeOrder.SetsTheGlobal", "FakeOrder.Passes",
                                   "FakeOrder.FailsAfterTheGlobalWasSet"], own=["FakeOrder.Fails*"])
        self.assertEqual(self.alone, ["FakeOrder.FailsAfterTheGlobalWasSet"])
        self.assertNotIn("batch_status", recs["FakeOrder.FailsAfterTheGlobalWasSet"])

    def test_the_own_process_list_names_existing_globs(self):
        globs = engine.own_process_globs()
        self.assertIn("EventFdMapDebug.*", globs)
        self.assertTrue(all(" " not in g for g in globs))

    def test_a_crash_reruns_only_the_culprit_alone(self):
        tests = ["Fake.Passes", "Fake.Crashes", "Fake.Skips"]
        recs, _ = self.run_engine(tests, jobs=1)
        self.assertEqual(recs["Fake.Crashes"]["status"], st.CRASH)
        self.assertEqual(self.alone, ["Fake.Crashes"])
        self.assertEqual(recs["Fake.Passes"]["status"], st.PASS)


class ShardTest(unittest.TestCase):
    def test_shards_partition_the_selection(self):
        keys = [f"col{c} Suite.Case{i}" for c in range(3) for i in range(101)]
        parts = [engine.shard_of(keys, i, 4) for i in range(1, 5)]
        self.assertEqual(set().union(*parts), set(keys))
        self.assertEqual(sum(len(p) for p in parts), len(keys))
        self.assertLessEqual(max(map(len, parts)) - min(map(len, parts)), 1)
        # Deterministic: independent of the order the keys come in.
        self.assertEqual(engine.shard_of(list(reversed(keys)), 2, 4), parts[1])

    def test_bad_shards_are_refused(self):
        for bad in ("0/4", "5/4", "1/0", "a/b", "1", "1/4/2"):
            with self.assertRaises(ToolError, msg=bad):
                engine.parse_shard(bad)
        self.assertEqual(engine.parse_shard("3/4"), (3, 4))


class MergeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def folder(self, name, shard, records, fingerprint="f1", columns=("fake",)):
        path = os.path.join(self.tmp.name, name)
        os.makedirs(path)
        with open(os.path.join(path, "run.json"), "w") as f:
            json.dump({"format": 1, "selection": {"shard": shard, "fingerprint": fingerprint,
                                                  "tests": len(records)},
                       "columns": {"fake": {"impl": "fake"}}}, f)
        with open(os.path.join(path, "registry.json"), "w") as f:
            json.dump({"implementations": [{"name": c, "areas": ["evbuffer"],
                                            "expectations": "/nonexistent.toml"} for c in columns]}, f)
        from evconform import results
        for i, (test, status) in enumerate(records):
            col = columns[i % len(columns)]
            results.write(path, {"impl": col, "backend": "", "column": col, "area": "evbuffer",
                                 "kind": "conformance", "test": test, "status": status,
                                 "expected": st.PASS, "expectation_reason": "", "message": "",
                                 "rule_id": "", "rule": "", "duration_s": 0.0})
        return path

    def test_complete_shards_merge(self):
        a = self.folder("a", "1/2", [("S.A", st.PASS)])
        b = self.folder("b", "2/2", [("S.B", st.PASS), ("S.C", st.PASS)])
        meta, columns, n = merge.merge([a, b], os.path.join(self.tmp.name, "m"))
        self.assertEqual((n, meta["shards"], meta["selection"]["tests"]), (3, ["1/2", "2/2"], 3))

    def test_missing_duplicate_and_foreign_shards_are_refused(self):
        a = self.folder("a", "1/3", [("S.A", st.PASS)])
        b = self.folder("b", "2/3", [("S.B", st.PASS)])
        c = self.folder("c", "2/3", [("S.C", st.PASS)])
        d = self.folder("d", "3/3", [("S.D", st.PASS)], fingerprint="other")
        out = os.path.join(self.tmp.name, "m")
        for folders, words in (([a, b], "shard 3/3 is missing"), ([a, b, c], "given twice"),
                               ([a, b, d], "different selections")):
            with self.assertRaises(ToolError) as e:
                merge.merge(folders, out)
            self.assertIn(words, str(e.exception))

    def test_a_shard_alone_gates_on_its_own_part(self):
        # The shard holds S.A of one column and S.B of the other: the cells
        # it did not run are another shard's, not NOTRUN.
        a = self.folder("a", "1/2", [("S.A", st.PASS), ("S.B", st.PASS)], columns=("fake", "other"))
        out = os.path.join(self.tmp.name, "report")
        p = proc.tool("report", ["--gate", "--results", a, "--registry", os.path.join(a, "registry.json"),
                                 "--out", out], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        with open(os.path.join(a, "run.json")) as f:
            meta = json.load(f)
        meta["selection"]["shard"] = None     # the same folder as a whole run: gaps are NOTRUN
        with open(os.path.join(a, "run.json"), "w") as f:
            json.dump(meta, f)
        p = proc.tool("report", ["--gate", "--results", a, "--registry", os.path.join(a, "registry.json"),
                                 "--out", out], capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)

    def test_merge_gates_like_a_run(self):
        a = self.folder("a", "1/2", [("S.A", st.PASS)])
        b = self.folder("b", "2/2", [("S.B", st.FAIL)])
        out = os.path.join(self.tmp.name, "report")
        p = proc.tool("runner", ["merge", "--out", out, a, b], capture_output=True, text=True,
                      timeout=120)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("verdict FAIL", p.stdout)
        self.assertTrue(os.path.exists(os.path.join(out, "report.html")))
        p = proc.tool("runner", ["merge", "--out", out, a], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("shard 2/2 is missing", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1)


if __name__ == "__main__":
    unittest.main()
