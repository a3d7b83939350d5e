"""The HTML report in a real browser: headless Chromium (Debian's chromium)
loads report.html and dumps the DOM after its script ran. Checks that the
page loads and renders the summary and every row, that the area and result
filters, the rule id filter (any part of an id: a prefix selects an API) and
the diff of two columns show exactly the rows they should, and that a
failing cell carries its message, rule id and rule."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from evconform import html_report


def cell(status, expected="PASS", message=""):
    return {"status": status, "expected": expected, "unexpected": status != expected,
            "message": message, "expectation_reason": "" if status == expected else ""}


MATRIX = {
    "format": "evconform-matrix-2",
    "columns": [{"name": "ref", "impl": "ref", "backend": "", "areas": ["buf", "ev"]},
                {"name": "lib", "impl": "lib", "backend": "", "areas": ["buf", "ev"]}],
    "per_backend_areas": [],
    "summary": {"ref": {"PASS": 5, "unexpected": 0}, "lib": {"PASS": 3, "FAIL": 1, "CRASH": 1, "unexpected": 1}},
    "tests": [
        {"test": "Buf.A", "area": "buf", "kind": "conformance", "rule_id": "buf.h/buf_add", "rule": "rule A",
         "results": {"ref": cell("PASS"), "lib": cell("PASS")}},
        {"test": "Buf.B", "area": "buf", "kind": "conformance", "rule_id": "buf.h/buf_add/frozen",
         "rule": "rule B <b>",
         "results": {"ref": cell("PASS"), "lib": cell("FAIL", message="deliberate B failure")}},
        {"test": "Buf.C", "area": "buf", "kind": "conformance", "rule_id": "buf.h/buf_drain", "rule": "rule C",
         "results": {"ref": cell("PASS"), "lib": cell("CRASH", expected="CRASH", message="signal 6")}},
        {"test": "Ev.D", "area": "ev", "kind": "conformance", "rule_id": "ev.h/ev_add", "rule": "rule D",
         "results": {"ref": cell("PASS"), "lib": cell("PASS")}},
        {"test": "Ev.E", "area": "ev", "kind": "property", "rule": "rule E",
         "results": {"ref": cell("PASS"), "lib": cell("PASS")}},
    ],
}


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class HtmlReportInChromium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.browser = chromium()
        if cls.browser is None:
            raise RuntimeError("chromium not installed (tools/install-deps installs it)")
        cls.tmp = tempfile.TemporaryDirectory()
        cls.page = os.path.join(cls.tmp.name, "report.html")
        html_report.write_html(MATRIX, cls.page)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def dom(self, fragment=""):
        profile = os.path.join(self.tmp.name, "profile")
        p = subprocess.run([self.browser, "--headless", "--no-sandbox", "--disable-gpu",
                            f"--user-data-dir={profile}", "--dump-dom",
                            "file://" + self.page + ("#" + fragment if fragment else "")],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        return p.stdout

    def shown(self, dom):
        m = re.search(r'id="shown" data-count="(\d+)"', dom)
        self.assertIsNotNone(m, "the page did not render (no #shown count)")
        body = dom[dom.index('<tbody id="rows">'):]
        body = body[:body.index("</tbody>")]
        visible = re.findall(r'<tr class="test"( hidden="")?', body)
        self.assertEqual(len(visible), len(MATRIX["tests"]), "every test has a row")
        return int(m.group(1)), sum(1 for v in visible if not v)

    def test_loads_with_every_row_and_the_summary(self):
        dom = self.dom()
        self.assertIn("<title>evconform conformance matrix</title>", dom)
        self.assertEqual(self.shown(dom), (5, 5))
        self.assertRegex(dom, r"<td>lib</td><td>PASS 3, FAIL 1, CRASH 1</td>")

    def test_area_filter(self):
        self.assertEqual(self.shown(self.dom("area=ev")), (2, 2))

    def test_result_filters(self):
        self.assertEqual(self.shown(self.dom("status=nonpass")), (2, 2))
        self.assertEqual(self.shown(self.dom("status=unexpected")), (1, 1))
        self.assertEqual(self.shown(self.dom("status=CRASH&area=buf")), (1, 1))
        self.assertEqual(self.shown(self.dom("q=buf.b")), (1, 1))

    def test_rule_id_filter(self):
        self.assertEqual(self.shown(self.dom("rule=buf.h/")), (3, 3))
        self.assertEqual(self.shown(self.dom("rule=buf.h/buf_add")), (2, 2))
        self.assertEqual(self.shown(self.dom("rule=buf_add/frozen&status=nonpass")), (1, 1))
        self.assertEqual(self.shown(self.dom("rule=nosuch.h/")), (0, 0))
        dom = self.dom("rule=ev.h/")
        self.assertIn('<option value="buf.h/buf_add/">', dom, "prefixes are suggested")
        self.assertIn('data-rule="ev.h/ev_add"', dom, "each row links its rule id")

    def test_diff_of_two_columns(self):
        dom = self.dom("diff=ref,lib")
        self.assertEqual(self.shown(dom), (2, 2))
        self.assertIn("results differ between ref and lib", dom)

    def test_failing_cell_opens_message_and_rule(self):
        dom = self.dom("q=Buf.B")
        self.assertIn("<summary>FAIL</summary>", dom)
        self.assertIn("deliberate B failure", dom)
        self.assertIn("rule: rule B &lt;b&gt;", dom, "the rule is shown, escaped")
        self.assertIn("rule id: <code>buf.h/buf_add/frozen</code>", dom)


if __name__ == "__main__":
    unittest.main(verbosity=2)
