"""Self-tests of the runner's command line (tools/evconform): the traps a
user validating an implementation fell into, each fixed, each checked here
without a build (every check runs before one)."""
import os
import tempfile
import time
import unittest

from evconform import proc, runner
from evconform.cli import ToolError


def tool(*args, timeout=60):
    return proc.tool("runner", list(args), capture_output=True, text=True, timeout=timeout)


class CliTest(unittest.TestCase):
    def test_help_lists_areas_kinds_and_columns(self):
        p = tool("--help")
        self.assertEqual(p.returncode, 0)
        for word in ("areas: evbuffer event listener bufferevent", "kinds: conformance property client",
                     "columns", "libevent/poll", "--exclude", "--shard", "merge"):
            self.assertIn(word, p.stdout)

    def test_filters_repeat_and_match_suite_dot_case(self):
        args = runner.parse_args(["--filter", r"^EventTimer\.", "--filter", "Evbuffer.*Eol",
                                  "--exclude", "Persistent"])
        self.assertTrue(runner.wanted("EventTimer.OneShotFires", args))
        self.assertTrue(runner.wanted("EvbufferSearch.EolCrlf", args))
        self.assertFalse(runner.wanted("EventTimer.PersistentFires", args))   # excluded
        self.assertFalse(runner.wanted("ListenerBasic.Accepts", args))        # no filter matches
        self.assertTrue(runner.wanted("Anything.At", runner.parse_args([])))

    def test_a_subset_never_overwrites_the_full_report(self):
        full = runner.folders(runner.parse_args([]), "/b")
        for subset in (["--impl", "reference"], ["--area", "event"], ["--filter", "X"],
                       ["--exclude", "X"], ["--shard", "1/2"], ["--kind", "property"]):
            got = runner.folders(runner.parse_args(subset), "/b")
            self.assertNotEqual(got[0], full[0], subset)
            self.assertNotEqual(got[1], full[1], subset)
        self.assertEqual(full, ("/b/results", "/b/report"))

    def test_bad_input_is_one_line_before_any_build(self):
        with tempfile.TemporaryDirectory() as tmp:
            blocker = os.path.join(tmp, "file")
            open(blocker, "w").close()
            cases = [
                (["--shard", "5/4"], "--shard takes I/N"),
                (["--shard", "x"], "--shard takes I/N"),
                (["--exclude", "("], "not a regular expression"),
                (["--kind", "fuzz"], "invalid choice"),
                (["--area", "threads"], "unknown area 'threads'"),
                (["--out", os.path.join(blocker, "sub")], "cannot create it"),
                (["--results", os.path.join(blocker, "sub")], "cannot create it"),
                (["--filter", "^NoSuchTestAnywhere$"], "no test matches"),
                (["--filter", "Timer", "--exclude", "."], "no test matches"),
                (["merge", os.path.join(tmp, "none")], "results folder not found"),
                (["merge", tmp], "no run.json"),
            ]
            for args, words in cases:
                start = time.monotonic()
                p = tool("--build-dir", os.path.join(tmp, "build"), *args) if args[0] != "merge" \
                    else tool(*args)
                with self.subTest(args=args):
                    self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                    self.assertIn(words, p.stderr)
                    self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
                    self.assertTrue(p.stderr.startswith("evconform: "), p.stderr)
                    self.assertFalse(p.stderr.startswith("evconform: evconform:"), p.stderr)
                    # found before configuring or building anything
                    self.assertFalse(os.path.exists(os.path.join(tmp, "build", "CMakeCache.txt")))
                    self.assertLess(time.monotonic() - start, 20)

    def test_parse_rejects_update_expectations_on_a_subset(self):
        for extra in (["--shard", "1/2"], ["--exclude", "X"], ["--kind", "property"]):
            with self.assertRaises(ToolError):
                runner.parse_args(["--update-expectations", *extra])


if __name__ == "__main__":
    unittest.main()
