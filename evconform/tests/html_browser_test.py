"""The HTML report's layout in a real browser, at 1280 and 1920 px wide.

Writes the report of a realistic results folder (report_fixture: eight
columns, long names, ids, reasons and messages, a failed gate, run.json, a
comparison) with the real tool, then has headless Chromium (Debian's
chromium; this test fails when it is missing, it is in
tools/debian-packages.txt) load report.html?layoutcheck: the page's own
script (html_report's layout check, run only with that query) measures the
rendered page, scrolls the matrix box and writes its findings as JSON into
<pre id="layoutcheck">, which --dump-dom returns. The same run writes a
screenshot (PNG) into EVCONFORM_SCREENSHOT_DIR (CTest: <build>/report-screenshots).

Checked at each width: the verdict banner and the area table are in the
first viewport; the page itself never scrolls sideways; no cell's text
overflows its cell, with every failure's details open; after scrolling the
matrix box to its right end, the test column is still at its left edge and
the last column is inside the box; after scrolling it down, the header row
is still at its top; the area table's colours follow the pass rate; the
banner's first link shows its test's row with the cell open. And, so that
the check is known to fail when it should, a page whose CSS is broken on
purpose (no wrapping in the details, no sticky column) is caught.
"""
import json
import html
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

from evconform import proc
from evconform.tests import report_fixture

WIDTHS = (1280, 1920)
HEIGHT = 900


def chromium():
    path = shutil.which("chromium")
    if path is None:
        raise RuntimeError("chromium is not installed (it is in tools/debian-packages.txt; "
                           "tools/install-deps installs it)")
    return path


def png_size(path):
    """(width, height) from a PNG's IHDR chunk."""
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise AssertionError(f"{path} is not a PNG")
    return struct.unpack(">II", head[16:24])


class Browser:
    def __init__(self, tmp):
        self.exe = chromium()
        self.profile = os.path.join(tmp, "profile")

    def check(self, page, width, screenshot=None):
        """The page's layout check at `width` (a dict), and its screenshot."""
        cmd = [self.exe, "--headless=new", "--no-sandbox", "--disable-gpu",
               "--disable-extensions", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", f"--user-data-dir={self.profile}",
               f"--window-size={width},{HEIGHT}", "--dump-dom"]
        if screenshot:
            cmd.append(f"--screenshot={screenshot}")
        p = subprocess.run(cmd + ["file://" + page + "?layoutcheck"],
                           capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise AssertionError(f"chromium exited {p.returncode}: {p.stderr[-1500:]}")
        m = re.search(r'<pre id="layoutcheck">(.*?)</pre>', p.stdout, re.S)
        if not m or not m.group(1).strip():
            raise AssertionError("the page wrote no layout check (its script did not run)")
        return json.loads(html.unescape(m.group(1)))


class ReportLayoutInChromium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.browser = Browser(cls.tmp.name)
        res, reg = report_fixture.write(cls.tmp.name)
        cls.out = os.path.join(cls.tmp.name, "report")
        p = proc.tool("report", ["--results", res, "--registry", reg, "--out", cls.out,
                                 "--compare", "libevent", "reference"],
                      capture_output=True, text=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError(f"the report tool failed: {p.stderr}")
        cls.page = os.path.join(cls.out, "report.html")
        cls.shots = os.environ.get("EVCONFORM_SCREENSHOT_DIR") or os.path.join(cls.tmp.name, "shots")
        os.makedirs(cls.shots, exist_ok=True)
        cls.found = {}
        for w in WIDTHS:
            shot = os.path.join(cls.shots, f"report-{w}.png")
            if os.path.exists(shot):
                os.remove(shot)  # so that a stale screenshot cannot pass
            cls.found[w] = (cls.browser.check(cls.page, w, shot), shot)
        print(f"screenshots: {cls.shots}", file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def each(self):
        for w in WIDTHS:
            with self.subTest(width=w):
                yield w, self.found[w][0]

    def test_screenshot_is_written_at_the_window_size(self):
        for w, _ in self.each():
            shot = self.found[w][1]
            self.assertTrue(os.path.exists(shot), shot)
            self.assertGreater(os.path.getsize(shot), 10000, "an empty page is a few KB")
            self.assertEqual(png_size(shot), (w, HEIGHT))

    def test_banner_and_area_table_are_in_the_first_viewport(self):
        for w, c in self.each():
            self.assertEqual(c["viewport"]["width"], w)
            self.assertGreater(c["banner"]["height"], 0)
            self.assertLessEqual(c["banner"]["bottom"], c["viewport"]["height"])
            self.assertLessEqual(c["areas"]["bottom"], c["viewport"]["height"],
                                 "the whole area table is visible without scrolling")
            self.assertLessEqual(c["areas"]["right"], w)

    def test_nothing_runs_off_the_page_or_out_of_its_cell(self):
        for w, c in self.each():
            self.assertLessEqual(c["page_scroll_width"], w, "the page scrolls sideways")
            self.assertLessEqual(c["wrap"]["right"], w, "the matrix box is wider than the page")
            self.assertGreater(c["boxes_checked"], 1000)
            self.assertEqual(c["overflow_count"], 0, c["overflowing"])

    def test_matrix_scrolls_inside_its_box_with_a_sticky_test_column(self):
        c = self.found[1280][0]
        self.assertGreater(c["wrap_scroll"]["width"], c["wrap_scroll"]["client_width"],
                           "at 1280 px the fixture's eight columns need a sideways scroll")
        for w, c in self.each():
            if c["scrolled_left"] == 0:
                continue  # everything fits at this width: nothing to scroll
            self.assertTrue(c["sticky_column_ok"], (c["first_cell_after_hscroll"], c["wrap"]))
            self.assertLess(c["second_cell_after_hscroll"]["left"], c["wrap"]["left"],
                            "the other columns did scroll")
            self.assertLessEqual(c["last_header_after_hscroll"]["right"], c["wrap"]["right"] + 1,
                                 "the last column is reachable")

    def test_header_stays_at_the_top_of_the_box(self):
        for w, c in self.each():
            self.assertGreater(c["scrolled_top"], 0)
            self.assertTrue(c["sticky_header_ok"], (c["header_after_vscroll"], c["wrap"]))
            self.assertLess(c["first_row_after_vscroll"]["top"], c["header_after_vscroll"]["top"],
                            "the rows did scroll under the header")

    def test_area_colours_follow_the_pass_rate(self):
        c = self.found[1280][0]
        by_text = {}
        for cell in c["area_cells"]:
            by_text.setdefault(cell["text"], cell)
        full, half, none = by_text["32/32 (100%)"], by_text["8/12 (66%)"], by_text["0/9 (0%)"]
        self.assertIn("r100", full["cls"])
        self.assertIn("r50", half["cls"])
        self.assertIn("r0", none["cls"])
        self.assertEqual(len({full["bg"], half["bg"], none["bg"]}), 3, "three colours")
        self.assertIn("unsup", by_text["UNSUPPORTED"]["cls"])
        self.assertIn("none", by_text["·"]["cls"])

    def test_banner_links_to_the_unexpected_rows(self):
        c = self.found[1280][0]
        self.assertEqual([x["test"] for x in c["verdict_links"]],
                         [report_fixture.UNEXPECTED_PASS, report_fixture.UNEXPECTED_FAIL])
        self.assertEqual(c["jump"]["target"], report_fixture.UNEXPECTED_PASS)
        self.assertEqual(c["jump"]["visible_rows"], 1)
        self.assertGreaterEqual(c["jump"]["open_cells"], 1)

    def test_the_check_catches_a_broken_layout(self):
        broken = os.path.join(self.tmp.name, "broken.html")
        with open(self.page, encoding="utf-8") as f:
            text = f.read()
        sabotage = ("<style>#matrix td.s details div{white-space:nowrap;overflow-wrap:normal}"
                    "#matrix td:first-child,#matrix th:first-child{position:static}"
                    "#matrix thead th{position:static}</style></head>")
        with open(broken, "w", encoding="utf-8") as f:
            f.write(text.replace("</head>", sabotage, 1))
        c = self.browser.check(broken, 1280)
        self.assertGreater(c["overflow_count"], 0)
        self.assertFalse(c["sticky_column_ok"])
        self.assertFalse(c["sticky_header_ok"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
