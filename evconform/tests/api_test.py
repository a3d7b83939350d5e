"""evconform.api: the surface from headers, what an implementation
declares and links, and the coverage counts."""
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

from evconform import api

HEADER = """\
#ifndef EVENT2_EVENT_H_INCLUDED_
#define EVENT2_EVENT_H_INCLUDED_
#define EV_READ 0x02
#define INTERNAL_SPELLING_ 1
enum event_base_config_flag { EVENT_BASE_FLAG_NOLOCK = 0x01, EVENT_BASE_FLAG_IGNORE_ENV = 0x02 };
int event_add(struct event *ev, const struct timeval *timeout);
typedef void (*event_callback_fn)(int, short, void *);
void event_not_exported(void);
#if 0
int event_hidden(void);
#endif
#endif
"""


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    return path


def cpp(*include_dirs, source="#include <event2/event.h>\n"):
    args = ["cc", "-E", "-dD", "-x", "c", "-"]
    for d in include_dirs:
        args[1:1] = ["-I", d]
    return subprocess.run(args, input=source, capture_output=True, text=True, check=True).stdout


class Surface(unittest.TestCase):
    def test_functions_are_declared_and_exported_macros_and_enumerators_public(self):
        with tempfile.TemporaryDirectory() as tmp:
            write(tmp, "event2/event.h", HEADER)
            surf = api.surface(cpp(tmp), {"event_add", "event_hidden", "event_base_new"})
        got = {(s["name"], s["kind"]) for s in surf}
        self.assertEqual(got, {("event_add", "function"), ("EV_READ", "macro"),
                               ("EVENT_BASE_FLAG_NOLOCK", "constant"),
                               ("EVENT_BASE_FLAG_IGNORE_ENV", "constant")})
        self.assertTrue(all(s["header"] == "event.h" for s in surf))


class Provided(unittest.TestCase):
    def test_a_header_found_outside_the_implementations_folder_is_not_its_own(self):
        with tempfile.TemporaryDirectory() as tmp:
            mine, system = os.path.join(tmp, "mine"), os.path.join(tmp, "system")
            write(mine, "event2/event.h", "int event_add(void);\n#define EV_READ 2\n")
            write(system, "event2/buffer.h", "int evbuffer_new(void);\n")
            cmd = ["cc", "-I", mine, "-I" + system, "-c", "x.c"]
            text = cpp(mine, system, source="#include <event2/event.h>\n#include <event2/buffer.h>\n")
            root = api.root_of(cmd, text)
            got = api.provided(text, root)
        self.assertEqual(root, os.path.realpath(mine))
        self.assertEqual(got["headers"], ["event.h"])
        self.assertIn("event_add", got["declared"])
        self.assertIn("EV_READ", got["declared"])
        self.assertNotIn("evbuffer_new", got["declared"])

    def test_an_emulation_with_only_event_h_declares_through_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            write(tmp, "event.h", "int event_init(void);\n")
            text = cpp(tmp, source="#include <event.h>\n")
            got = api.provided(text, api.root_of(["cc", "-I" + tmp], text))
        self.assertEqual(got["headers"], [])
        self.assertIn("event_init", got["declared"])


class Probe(unittest.TestCase):
    def test_the_probe_reports_what_the_libraries_provide(self):
        surf = [{"header": "event.h", "name": n, "kind": "function"}
                for n in ("event_base_new", "event_definitely_not_provided")]
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "p.c"), "w") as f:
                f.write(api.probe_source(surf))
            with open(os.path.join(tmp, "p.ld"), "w") as f:
                f.write("-Wl,--no-as-needed\n-Wl,--unresolved-symbols=ignore-all\n"
                        "-Wl,-u,event_base_new\n-Wl,-u,event_definitely_not_provided\n")
            exe = os.path.join(tmp, "probe")
            subprocess.run(["cc", "-rdynamic", os.path.join(tmp, "p.c"), "-o", exe,
                            f"@{tmp}/p.ld", "-levent_core"], check=True, capture_output=True)
            self.assertEqual(api._run_probe(exe), {"event_base_new": True,
                                                   "event_definitely_not_provided": False})


class Coverage(unittest.TestCase):
    def test_rules_uses_declared_links_and_column_results(self):
        with tempfile.TemporaryDirectory() as tmp:
            write(tmp, "event/fixture.h", """
                struct Fixture : ::testing::Test {
                  void SetUp() override { base_ = event_base_new(); }
                };
                static int Helper(int x) { return event_base_loop(b, x); }
                """)
            write(tmp, "event/a_test.cc", """
                // event_reinit in a comment does not count
                TEST_F(Fixture, Adds) {
                  EVC_RULE("event.h/event_add", "adds");
                  Helper(1);
                }
                TEST(Plain, Nothing) { EVC_RULE("event.h/EV_READ", "\\"event_add\\""); }
                """)
            uses = api.test_uses(tmp)
        self.assertIn("event_base_new", uses["Fixture.Adds"])  # the fixture
        self.assertIn("event_base_loop", uses["Fixture.Adds"])  # a helper it calls
        self.assertNotIn("event_reinit", uses["Fixture.Adds"])
        self.assertNotIn("event_add", uses["Plain.Nothing"])  # only in a string
        surf = [{"header": "event.h", "name": n, "kind": k} for n, k in
                (("event_add", "function"), ("event_reinit", "function"), ("EV_READ", "macro"))]
        cell = lambda s: {"status": s}
        matrix = {"columns": [{"name": "x"}, {"name": "y"}], "tests": [
            {"test": "Fixture.Adds", "rule_id": "event.h/event_add",
             "results": {"x": cell("PASS"), "y": cell("FAIL")}},
            {"test": "Inst/Fixture.AddsP/0", "rule_id": "event.h/event_add/param",
             "results": {"x": cell("PASS"), "y": cell("UNSUPPORTED")}},
            {"test": "Plain.Nothing", "rule_id": "event.h/EV_READ", "results": {"x": cell("PASS")}}]}
        impls = {"x": {"provides": {"headers": ["event.h"], "declared": {"event_add", "EV_READ"}},
                       "links": {"event_add": True, "event_reinit": False}}}
        doc = api.coverage(surf, impls, matrix, uses)
        add, reinit, ev_read = doc["symbols"]
        self.assertEqual(add["tests"], 2)
        self.assertEqual(add["columns"]["x"], {"tests": 2, "pass": 2, "unsupported": 0})
        self.assertEqual(add["columns"]["y"], {"tests": 1, "pass": 0, "unsupported": 1})
        self.assertEqual(reinit["tests"], 0)
        self.assertEqual(add["impls"]["x"], {"declared": True, "links": True})
        self.assertEqual(reinit["impls"]["x"], {"declared": False, "links": False})
        self.assertIsNone(ev_read["impls"]["x"]["links"])  # macros do not link
        (h,) = doc["headers"]
        self.assertEqual((h["functions"], h["functions_checked"], h["macros"], h["macros_checked"]),
                         (2, 1, 1, 1))
        md = "\n".join(api.markdown(doc))
        self.assertIn("| `event.h` | 1/2 (50%) |", md)
        self.assertIn("| `event_reinit` | function | **0** |", md)


class Cli(unittest.TestCase):
    def test_bad_input_is_one_line_and_exit_2(self):
        for args in (["--build", "/nonexistent"], []):
            p = subprocess.run([sys.executable, "-m", "evconform.api", *args],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)


if __name__ == "__main__":
    unittest.main()
