"""peak.html in a real browser: headless Chromium opens the page a real job
wrote and a user's input is replayed on it through the DevTools protocol
(chromium_pipe.py: real mouse clicks and typing, not calls into the page).

The job, programs/html_sites.py, holds known bytes on known lines at its
peak: build_table 24 MiB (TABLE), load_rows -> make_rows 8 MiB (ROWS), 4 MiB
allocated by an imported module's top level (IMPORTED) and 2 MiB from a
function whose name and file are markup, quotes, ';' and a newline. Checked:
no console error, exception or log error from start to end; search finds
every box of a function, highlights them and says how much of the peak they
hold; hover shows bytes, % of the peak and the source line; clicking a box
zooms into it and the breadcrumb zooms out; the inverted view puts the
innermost frames at the top; hiding import-time frames folds the import
machinery into one "[import]" box; hostile names are text, never markup; the timeline is drawn (or its note
shown when the stored profile kept none); the top user lines carry their
source text. A screenshot is kept in TEST_UNDECLARED_OUTPUTS_DIR.

A missing /usr/bin/chromium fails the test, naming it.
"""

import json
import os
import re
import unittest

import chromium_pipe
import profile_run as pr

MiB = pr.MiB
PROGRAM = "html_sites.py"
# html_sites.HOSTILE_NAME as reports print it: the newline becomes a space.
HOSTILE = '</script><img src=x onerror="document.title=1">\'"; name'

# The embedded data, as the page's own JSON.parse reads it.
DATA_RE = re.compile(r'<script type="application/json" id="tidemark-data">(.*?)</script>', re.S)

# Page-side helpers: every drawn box with its node's label and bytes.
BOXES_JS = """(function(){
  return Array.from(document.querySelectorAll('#flame .fr')).map(function(e){
    var r = e.getBoundingClientRect(), n = e.tmNode;
    return {frame: n.id, bytes: n.bytes, depth: n.depth, match: e.classList.contains('match'),
            width: r.width, text: e.textContent};
  });
})()"""


def line_of(marker):
    return pr.find_marker(pr.program(PROGRAM), marker)


class HtmlReportTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.run_ = pr.run_profiled([pr.PYTHON, pr.program(PROGRAM)], name="html",
                                   flags=["--reporters=summary_json,html"])
        cls.path = os.path.join(cls.run_.process_dir, "peak.html")
        cls.browser = None
        if cls.run_.returncode != 0 or not os.path.exists(cls.path):
            return
        with open(cls.path, encoding="utf-8") as handle:
            cls.page = handle.read()
        cls.data = json.loads(DATA_RE.search(cls.page).group(1))
        cls.browser = chromium_pipe.Browser(width=1280, height=1000)
        cls.browser.open("file://" + cls.path)

    @classmethod
    def tearDownClass(cls):
        if cls.browser is not None:
            outputs = os.environ.get("TEST_UNDECLARED_OUTPUTS_DIR") or pr.scratch_dir()
            cls.browser.screenshot(os.path.join(outputs, "peak_html.png"))
            errors = list(cls.browser.errors)
            cls.browser.close()
            # Checked last, after every interaction of every test.
            assert not errors, "console errors: %s" % errors

    def setUp(self):
        self.assertEqual(self.run_.returncode, 0, self.run_.describe())
        self.assertTrue(os.path.exists(self.path), pr.listing(self.run_.process_dir))
        self.b = self.browser
        self.reset()

    def reset(self):
        """No search, plain view, zoomed out: through the page's controls."""
        b = self.b
        for box in ("inverted", "hide-imports"):
            if b.evaluate("document.getElementById('%s').checked" % box):
                b.click_element("document.getElementById('%s')" % box)
        if b.evaluate("document.getElementById('search').value") != "":
            b.click_element("document.getElementById('search')")
            b.evaluate("document.getElementById('search').select()")
            b.press_key("Backspace", "Backspace", 8)
        b.click_element("document.querySelector('#crumbs button')")
        self.assertEqual(b.evaluate("document.getElementById('search').value"), "")
        self.assertEqual(b.evaluate("document.querySelectorAll('#crumbs button').length"), 1)

    def frame_ids(self, function):
        return {i for i, f in enumerate(self.data["frames"])
                if f[0] == function and f[1].endswith(PROGRAM)}

    def boxes(self):
        return self.b.evaluate(BOXES_JS)

    def test_page_is_self_contained_and_holds_the_known_sites(self):
        self.assertNotIn("http:", self.page.replace("http://www.w3.org/2000/svg", ""))
        self.assertNotIn("https:", self.page)
        # The embedded stacks carry the known bytes at the known lines.
        def bytes_at(function, marker):
            line = line_of(marker)
            ids = {i for i, f in enumerate(self.data["frames"])
                   if f[0] == function and f[2] == line}
            return sum(s[0] for s in self.data["stacks"] if ids & set(s[2]))
        self.assertGreaterEqual(bytes_at("build_table", "TABLE"), 24 * MiB)
        self.assertLess(bytes_at("build_table", "TABLE"), 24 * MiB + 4096)
        self.assertGreaterEqual(bytes_at("make_rows", "ROWS"), 8 * MiB)
        self.assertLess(bytes_at("make_rows", "ROWS"), 8 * MiB + 4096)
        self.assertEqual(self.data["facts"]["peak_bytes"], self.run_.summary["peak_bytes"])

    def test_search_highlights_every_box_of_a_function(self):
        b = self.b
        b.click_element("document.getElementById('search')")
        b.type_text("make_rows")
        boxes = self.boxes()
        matched = [x for x in boxes if x["match"]]
        make_rows = self.frame_ids("make_rows")
        self.assertTrue(matched, boxes)
        self.assertEqual({x["frame"] for x in matched}, make_rows)
        # Every drawn box of make_rows is highlighted, nothing else is.
        self.assertEqual([x for x in boxes if x["frame"] in make_rows and not x["match"]], [])
        status = b.evaluate("document.getElementById('search-status').textContent")
        held = sum(x["bytes"] for x in matched)
        self.assertIn("%.1f MiB" % (held / MiB), status)
        self.assertIn("%.1f%% of the peak" % (100.0 * held / self.data["facts"]["peak_bytes"]),
                      status)
        self.assertGreaterEqual(held, 8 * MiB)

    def test_hover_shows_bytes_share_and_source(self):
        b = self.b
        table = self.frame_ids("build_table")
        point = b.point_of(
            "Array.from(document.querySelectorAll('#flame .fr')).find(function(e){"
            "return %s.indexOf(e.tmNode.id) >= 0;})" % json.dumps(sorted(table)))
        b.move_to(point[0], point[1])
        tip = b.evaluate("(function(){var t=document.getElementById('tip');"
                         "return [getComputedStyle(t).display, t.textContent];})()")
        self.assertEqual(tip[0], "block")
        self.assertIn("build_table (", tip[1])
        self.assertIn("return bytearray(24 * MiB)  # TABLE", tip[1])
        self.assertRegex(tip[1], r"24\.0 MiB, \d+\.\d% of the peak")

    def test_click_zooms_and_breadcrumb_zooms_out(self):
        b = self.b
        load_rows = self.frame_ids("load_rows")
        b.click_element(
            "Array.from(document.querySelectorAll('#flame .fr')).find(function(e){"
            "return %s.indexOf(e.tmNode.id) >= 0;})" % json.dumps(sorted(load_rows)))
        crumbs = b.evaluate("Array.from(document.querySelectorAll('#crumbs button'))"
                            ".map(function(e){return e.textContent;})")
        self.assertEqual(crumbs[0], "all")
        self.assertEqual(crumbs[-1], "load_rows")
        width = b.evaluate("document.getElementById('flame').clientWidth")
        boxes = self.boxes()
        top = [x for x in boxes if x["frame"] in load_rows]
        self.assertEqual(len(top), 1, boxes)
        self.assertAlmostEqual(top[0]["width"], width, delta=1.5)  # now the whole width
        # make_rows holds all of load_rows's bytes: full width too, one row down.
        rows = [x for x in boxes if x["frame"] in self.frame_ids("make_rows")]
        self.assertEqual(len(rows), 1, boxes)
        self.assertAlmostEqual(rows[0]["width"], width, delta=1.5)
        self.assertFalse([x for x in boxes if x["frame"] in self.frame_ids("build_table")])
        # One level deeper (make_rows), then Escape comes back to load_rows.
        b.click_element(
            "Array.from(document.querySelectorAll('#flame .fr')).find(function(e){"
            "return %s.indexOf(e.tmNode.id) >= 0;})" % json.dumps(sorted(self.frame_ids("make_rows"))))
        self.assertEqual(b.evaluate("document.querySelectorAll('#crumbs button').length"),
                         len(crumbs) + 1)
        b.press_key("Escape", "Escape", 27)
        self.assertEqual(b.evaluate("Array.from(document.querySelectorAll('#crumbs button'))"
                                    ".map(function(e){return e.textContent;})"), crumbs)
        b.click_element("document.querySelector('#crumbs button')")
        self.assertEqual(b.evaluate("document.querySelectorAll('#crumbs button').length"), 1)
        self.assertTrue([x for x in self.boxes() if x["frame"] in self.frame_ids("build_table")])

    def test_inverted_view_starts_from_the_allocating_frames(self):
        b = self.b
        b.click_element("document.getElementById('inverted')")
        self.assertTrue(b.evaluate("document.getElementById('inverted').checked"))
        boxes = self.boxes()
        first_row = {x["frame"]: x["bytes"] for x in boxes if x["depth"] == 1}
        (make_rows,) = self.frame_ids("make_rows")
        (build_table,) = self.frame_ids("build_table")
        self.assertIn(make_rows, first_row)
        self.assertIn(build_table, first_row)
        self.assertNotIn(min(self.frame_ids("main")), first_row)
        self.assertGreaterEqual(first_row[build_table], 24 * MiB)
        # Below make_rows comes its caller, load_rows.
        below = b.evaluate(
            "Array.from(document.querySelectorAll('#flame .fr')).filter(function(e){"
            "return e.tmNode.depth === 2 && e.tmNode.parent.id === %d;})"
            ".map(function(e){return e.tmNode.id;})" % make_rows)
        self.assertEqual(set(below), self.frame_ids("load_rows"))

    def test_hiding_import_frames_folds_them_into_one_box(self):
        b = self.b
        bootstrap = {i for i, f in enumerate(self.data["frames"]) if f[4]}
        self.assertTrue(bootstrap, "no import machinery frame in the profile")
        self.assertTrue([x for x in self.boxes() if x["frame"] in bootstrap])
        before = b.evaluate("document.querySelector('#flame .fr').tmNode.bytes")
        b.click_element("document.getElementById('hide-imports')")
        boxes = self.boxes()
        self.assertEqual([x for x in boxes if x["frame"] in bootstrap], [])
        imports = [x for x in boxes if x["frame"] == -4]
        self.assertTrue(imports, boxes)
        # html_sites_module's 4 MiB now sits in an [import] box below line 11.
        self.assertGreaterEqual(max(x["bytes"] for x in imports), 4 * MiB)
        self.assertEqual(b.evaluate("document.querySelector('#flame .fr').tmNode.bytes"), before)

    def expected_tree(self, inverted, hide_imports):
        """{path of frame ids from the root: bytes}, built here from the
        embedded stacks as the page promises to build its boxes."""
        tree = {}
        frames = self.data["frames"]
        paths = [(s[0], list(s[2])) for s in self.data["stacks"]]
        if self.data["folded"]["stacks"]:
            paths.append((self.data["folded"]["bytes"], [-3]))
        for size, path in paths:
            if hide_imports:
                cut = [k for k, f in enumerate(path) if f >= 0 and frames[f][4]]
                if cut:
                    path = path[:cut[0]] + [-4]
            path = path or [-2]
            if inverted:
                path = path[::-1]
            for depth in range(len(path) + 1):
                key = tuple(path[:depth])
                tree[key] = tree.get(key, 0) + size
        return tree

    def test_every_box_holds_the_bytes_of_its_path(self):
        b = self.b
        paths_js = ("Array.from(document.querySelectorAll('#flame .fr')).map(function(e){"
                    "var p=[], n=e.tmNode; for (; n.parent; n=n.parent) p.unshift(n.id);"
                    "return [p, e.tmNode.bytes];})")
        for inverted, hide in ((False, False), (True, False), (False, True), (True, True)):
            if b.evaluate("document.getElementById('inverted').checked") != inverted:
                b.click_element("document.getElementById('inverted')")
            if b.evaluate("document.getElementById('hide-imports').checked") != hide:
                b.click_element("document.getElementById('hide-imports')")
            expected = self.expected_tree(inverted, hide)
            drawn = b.evaluate(paths_js)
            self.assertGreater(len(drawn), 10)
            for path, size in drawn:
                self.assertEqual(size, expected.get(tuple(path)),
                                 "inverted=%s hide=%s path %s" % (inverted, hide, path))
            self.assertEqual(drawn[0][1], expected[()])  # the root: every byte

    def test_hostile_names_are_text(self):
        b = self.b
        self.assertNotIn("<img", self.page)
        hostile = {i for i, f in enumerate(self.data["frames"])
                   if f[0] == HOSTILE and f[1] == HOSTILE + ".py" and f[2] == 2}
        self.assertEqual(len(hostile), 1, self.data["frames"])
        b.click_element("document.getElementById('search')")
        b.type_text("onerror")
        matched = [x for x in self.boxes() if x["match"]]
        self.assertEqual({x["frame"] for x in matched}, hostile)
        # The boxes read the name as it is (or its start, cut to fit).
        for x in matched:
            self.assertTrue(any(full.startswith(x["text"].rstrip("\u2026")) for full in
                                ("%s (%s.py:2)" % (HOSTILE, HOSTILE), HOSTILE + " :2")),
                            x["text"])
        status = b.evaluate("document.getElementById('search-status').textContent")
        self.assertIn("2.0 MiB", status)
        # Nothing became an element or ran: no image, the title is ours.
        self.assertEqual(b.evaluate("document.querySelectorAll('img').length"), 0)
        self.assertTrue(b.evaluate("document.title").startswith("Tidemark: "))
        lines = b.evaluate("Array.from(document.querySelectorAll('#lines td.lbl'))"
                           ".map(function(c){return c.textContent;})")
        self.assertIn("%s (%s.py:2)" % (HOSTILE, HOSTILE), lines)

    def test_timeline_or_its_note(self):
        b = self.b
        if self.data["timeline"]:
            points = b.evaluate("document.querySelector('#timeline polyline.tracked')"
                                ".getAttribute('points').split(' ').length")
            self.assertEqual(points, len(self.data["timeline"]))
            self.assertTrue(b.evaluate("!!document.querySelector('#timeline circle.peak')"))
        else:
            note = b.evaluate("document.querySelector('#timeline .note').textContent")
            self.assertIn("No memory-over-time samples", note)
            self.assertFalse(b.evaluate("!!document.querySelector('#timeline svg')"))

    def test_timeline_folded_box_and_sample_facts_from_known_data(self):
        """The real page with its data replaced by known numbers: a timeline,
        folded stacks and sample mode, which the small job does not have."""
        b = self.b
        peak = self.data["facts"]["peak_bytes"]
        data = json.loads(json.dumps(self.data))
        data["timeline"] = [[0, 0, 10 * MiB], [1.0, 20 * MiB, 30 * MiB],
                            [2.0, peak, 45 * MiB], [3.0, 5 * MiB, 0]]
        data["facts"].update(peak_seconds=2.0, mode="sample", sample_interval_bytes=MiB,
                             peak_bound=3 * MiB)
        data["folded"] = {"stacks": 7, "bytes": 3 * MiB}
        data["total_stacks"] += 7
        text = (json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e")
                .replace("&", "\\u0026"))
        page = DATA_RE.sub(lambda m: m.group(0).replace(m.group(1), text), self.page)
        path = os.path.join(pr.scratch_dir(), "known.html")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(page)
        try:
            b.open("file://" + path)
            # The plot's geometry (page script: 1000 x 240, margins 80/16/14/34,
            # y up to 1.05 x the largest value): the peak's marker sits at
            # t = 2.0 of 3.0 s and at the peak's bytes.
            ymax = 1.05 * max(peak, 45 * MiB)
            plot = b.evaluate(
                "(function(){var q=function(s){return document.querySelector('#timeline '+s);};"
                "return [q('polyline.tracked').getAttribute('points').split(' ').length,"
                "q('polyline.rss').getAttribute('points').split(' ').length,"
                "+q('circle.peak').getAttribute('cx'), +q('circle.peak').getAttribute('cy'),"
                "document.getElementById('timeline').textContent];})()")
            self.assertEqual(plot[0], 4)
            self.assertEqual(plot[1], 3)  # RSS 0 means unknown: left out
            self.assertAlmostEqual(plot[2], 80 + (1000 - 80 - 16) * 2.0 / 3.0, places=3)
            self.assertAlmostEqual(plot[3], 14 + (240 - 14 - 34) * (1 - peak / ymax), places=3)
            self.assertIn("peak %.1f MiB at 2.00 s" % (peak / MiB), plot[4])
            folded = [x for x in self.boxes() if x["frame"] == -3]
            self.assertEqual(len(folded), 1)
            self.assertEqual(folded[0]["bytes"], 3 * MiB)
            note = b.evaluate("document.getElementById('flame-note').textContent")
            self.assertIn("7 smaller stacks (3.0 MiB, %.1f%% of the peak)"
                          % (300.0 * MiB / peak), note)
            facts = b.evaluate("document.getElementById('facts').textContent")
            self.assertIn("%.1f MiB \u00b1 3.0 MiB" % (peak / MiB), facts)
            self.assertIn("one record per 1.0 MiB", facts)
            head = b.evaluate("Array.from(document.querySelectorAll('#lines th'))"
                              ".map(function(c){return c.textContent;})")
            self.assertEqual(head, ["Bytes", "\u00b1", "% of peak", "Line", "Source",
                                    "Calls into"])
        finally:
            b.open("file://" + self.path)

    def test_top_lines_and_facts(self):
        b = self.b
        rows = b.evaluate("Array.from(document.querySelectorAll('#lines tr')).slice(1)"
                          ".map(function(r){return Array.from(r.cells).map("
                          "function(c){return c.textContent;});})")
        self.assertIn("build_table (", rows[0][2])
        self.assertTrue(rows[0][2].endswith(":%d)" % line_of("TABLE")), rows[0])
        self.assertEqual(rows[0][0], "24.0 MiB")
        self.assertEqual(rows[0][3], "return bytearray(24 * MiB)  # TABLE")
        self.assertIn("make_rows (", rows[1][2])
        facts = b.evaluate("document.getElementById('facts').textContent")
        self.assertIn(pr.program(PROGRAM), facts)
        self.assertIn("exit code 0", facts)
        self.assertIn("RSS high-water mark", facts)


if __name__ == "__main__":
    unittest.main()
