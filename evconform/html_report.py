"""The matrix as one self-contained HTML page (no network, no external file).

From the top: the gate's verdict (a banner; when it failed, the first
unexpected results link to their rows), the area x column table with pass
rates as colours, the run metadata (run.json: date, toolkit, selection,
shards, each column's library version, path, assertions and build), the
comparison of two columns (--compare), the summary per column, then the
matrix of tests x columns. Those first parts are plain HTML written here;
the matrix is rendered from the embedded matrix JSON by a few lines of plain
JavaScript, inside its own scrolling box whose header row and first column
(the test name) stay in view, so every column is reachable at 1280 px by
scrolling the box, not the page.

Filters by area, status, test name and rule id (any part of it, so a
prefix such as listener.h/ shows every listener.h rule; a click on a test's
rule id selects it); every cell that is not a PASS opens its failure
message, its expectation and the rule the test checks; a diff view lists
only the tests whose result differs between two chosen columns. The state
of the filters lives in the URL fragment (#area=listener&status=nonpass,
#rule=buffer.h/evbuffer_readln, #diff=reference/epoll,libevent/epoll), so a
link shows the same view.

With ?layoutcheck in the URL (evconform/tests/html_browser_test.py, in
headless Chromium) the page also measures its own layout once rendered and
writes what it found as JSON into <pre id="layoutcheck">; a reader never
sees it.
"""
import html
import json
from urllib.parse import quote

# Colours of the area table: pass rate at or above each threshold.
RATE_CLASSES = ((100, "r100"), (95, "r95"), (80, "r80"), (50, "r50"), (0, "r0"))

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1em 1.5em;color:#222}
h1{font-size:1.5em;margin:.2em 0 .4em}
h2{font-size:1.2em;margin:1em 0 .3em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}
code{overflow-wrap:anywhere}
.verdict{padding:.5em .9em;border-radius:4px;margin:.3em 0 .6em;font-size:15px}
.verdict.passed{background:#dff0d8;border:1px solid #8bc28b}
.verdict.failed{background:#f9dcdc;border:1px solid #c55}
.verdict ul{margin:.3em 0 0;padding-left:1.4em}
#areas td.rate{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
.r100{background:#b9e2b9}.r95{background:#dcefc0}.r80{background:#fbeeb0}
.r50{background:#f8cf9c}.r0{background:#f2a8a8}
td.unsup{background:repeating-linear-gradient(45deg,#eee 0 6px,#ddd 6px 12px);color:#555;
  font-size:12px}
td.none{color:#999;text-align:center}
b.bad{background:#c00;color:#fff;border-radius:3px;padding:0 .3em;font-size:12px}
.legend span{display:inline-block;padding:0 .5em;margin-right:.3em;border:1px solid #ccc}
#run table td{overflow-wrap:anywhere}
#compare td:last-child{white-space:nowrap}
.PASS{background:#e6f4e6}.FAIL{background:#fbe3e3}.CRASH,.TIMEOUT,.MEMERR{background:#f7c6c6}
.SKIP,.UNSUPPORTED{background:#eee;color:#666}.NOTRUN{background:#fff3cd}
.unexpected{outline:2px solid #c00;outline-offset:-2px}
summary{cursor:pointer}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:.2em 0;font-size:12px}
#controls label{margin-right:1em;white-space:nowrap}
.api-wrap{overflow:auto;max-width:100%}
#api td.rate,#api td.none{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
#api details{margin:.3em 0}
#matrix-wrap{overflow:auto;max-height:calc(100vh - 2em);max-width:100%;border:1px solid #ccc}
#matrix{border-collapse:separate;border-spacing:0;margin:0}
#matrix th,#matrix td{border-width:0 1px 1px 0}
#matrix thead th{position:sticky;top:0;z-index:2}
#matrix th:first-child,#matrix td:first-child{position:sticky;left:0;z-index:1;
  background:#fff;min-width:16em;max-width:24em;overflow-wrap:anywhere;
  box-shadow:1px 0 0 #bbb}
#matrix thead th:first-child{z-index:3;background:#f3f3f3}
#matrix td.rid{font-family:monospace;font-size:12px;min-width:16em;max-width:22em;overflow-wrap:anywhere}
#matrix td.s{font-family:monospace;min-width:4.5em}
#matrix td.s summary{white-space:nowrap}
#matrix td.s details[open]{width:24em;font-family:system-ui,sans-serif;font-size:13px}
#matrix td.s details div{overflow-wrap:anywhere}
#matrix tr.target td{box-shadow:inset 0 0 0 2px #36c}
#layoutcheck{display:none}
"""

_JS = r"""
const M = JSON.parse(document.getElementById('matrix-data').textContent);
const cols = M.columns.map(c => c.name);
const $ = id => document.getElementById(id);
function esc(s) { const d = document.createElement('div'); d.textContent = s || ''; return d.innerHTML.replace(/"/g, '&quot;'); }
const shownExpected = e => String(e).split('|').filter(Boolean).join(' or ');
function state() {
  const h = new URLSearchParams(location.hash.slice(1));
  return {area: h.get('area') || '', status: h.get('status') || '', q: h.get('q') || '',
          rule: h.get('rule') || '', diff: (h.get('diff') || '').split(',').filter(Boolean)};
}
function setState(s) {
  const h = new URLSearchParams();
  for (const k of ['area', 'status', 'q', 'rule']) if (s[k]) h.set(k, s[k]);
  if (s.diff.length === 2) h.set('diff', s.diff.join(','));
  history.replaceState(null, '', '#' + h.toString());
  render();
}
function cell(row, c) {
  const r = row.results[c];
  if (!r) return '<td class="s">–</td>';
  const cls = r.status + (r.unexpected ? ' unexpected' : '');
  if (r.status === 'PASS' && !r.unexpected) return `<td class="s ${cls}">PASS</td>`;
  const body = [r.message ? `<pre>${esc(r.message)}</pre>` : '',
    `<div>expected: ${esc(shownExpected(r.expected))}${r.unexpected ? ' — <b>unexpected</b>' : ''}</div>`,
    r.expectation_reason ? `<div>why: ${esc(r.expectation_reason)}</div>` : '',
    row.rule_id ? `<div>rule id: <code>${esc(row.rule_id)}</code></div>` : '',
    row.rule ? `<div>rule: ${esc(row.rule)}</div>` : ''].join('');
  return `<td class="s ${cls}"><details><summary>${r.status}</summary>${body}</details></td>`;
}
function keep(row, s) {
  if (s.area && row.area !== s.area) return false;
  if (s.q && !row.test.toLowerCase().includes(s.q.toLowerCase())) return false;
  if (s.rule && !(row.rule_id || '').toLowerCase().includes(s.rule.toLowerCase())) return false;
  const rs = cols.map(c => row.results[c]).filter(Boolean);
  if (s.status === 'nonpass' && rs.every(r => r.status === 'PASS' || r.status === 'UNSUPPORTED')) return false;
  if (s.status === 'unexpected' && !rs.some(r => r.unexpected)) return false;
  if (s.status && !['nonpass', 'unexpected'].includes(s.status) && !rs.some(r => r.status === s.status)) return false;
  if (s.diff.length === 2) {
    const [a, b] = s.diff.map(c => row.results[c]);
    if (!a || !b || a.status === b.status) return false;
  }
  return true;
}
function render() {
  const s = state();
  $('area').value = s.area; $('status').value = s.status; $('q').value = s.q; $('rule').value = s.rule;
  $('diffa').value = s.diff[0] || ''; $('diffb').value = s.diff[1] || '';
  const shownCols = s.diff.length === 2 ? s.diff : cols;
  $('head').innerHTML = '<tr><th>test</th><th>area</th><th>rule id</th>' +
    shownCols.map(c => `<th>${esc(c)}</th>`).join('') + '</tr>';
  let shown = 0;
  const body = M.tests.map(row => {
    const k = keep(row, s);
    shown += k;
    return `<tr class="test"${k ? '' : ' hidden'} data-area="${esc(row.area)}" data-test="${esc(row.test)}">` +
      `<td>${esc(row.test).replace(/\./g, '.<wbr>')}</td><td>${esc(row.area)}</td>` +
      `<td class="rid">${row.rule_id ? `<a href="#" data-rule="${esc(row.rule_id)}">${esc(row.rule_id)}</a>` : ''}</td>` +
      shownCols.map(c => cell(row, c)).join('') + '</tr>';
  });
  $('rows').innerHTML = body.join('');
  $('shown').textContent = `${shown} of ${M.tests.length} tests shown` +
    (s.diff.length === 2 ? ` (results differ between ${s.diff[0]} and ${s.diff[1]})` : '');
  $('shown').dataset.count = shown;
}
// A link of the verdict banner: show that test's row (the filter names it)
// with its unexpected cell open, and scroll the matrix to it.
function jump(test, col) {
  setState({area: '', status: '', q: test, rule: '', diff: []});
  const tr = [...$('rows').querySelectorAll('tr.test')].find(t => t.dataset.test === test);
  if (!tr) return;
  tr.classList.add('target');
  const i = cols.indexOf(col);
  const d = i >= 0 ? tr.children[3 + i].querySelector('details') : null;
  if (d) d.open = true;
  $('matrix-wrap').scrollIntoView();
}
function init() {
  const statuses = new Set();
  M.tests.forEach(t => Object.values(t.results).forEach(r => statuses.add(r.status)));
  $('area').innerHTML = '<option value="">every area</option>' +
    [...new Set(M.tests.map(t => t.area))].sort().map(a => `<option>${esc(a)}</option>`).join('');
  $('status').innerHTML = '<option value="">any result</option><option value="nonpass">not PASS</option>' +
    '<option value="unexpected">unexpected</option>' + [...statuses].sort().map(x => `<option>${x}</option>`).join('');
  const opts = '<option value="">—</option>' + cols.map(c => `<option>${esc(c)}</option>`).join('');
  // every id and every <header>/ and <header>/<symbol>/ prefix, as suggestions
  const ids = new Set();
  M.tests.forEach(t => { if (!t.rule_id) return; const p = t.rule_id.split('/');
    ids.add(p[0] + '/'); if (p.length > 2) ids.add(p[0] + '/' + p[1] + '/'); ids.add(t.rule_id); });
  $('ruleids').innerHTML = [...ids].sort().map(i => `<option value="${esc(i)}">`).join('');
  $('diffa').innerHTML = opts; $('diffb').innerHTML = opts;
  $('summary').innerHTML = '<tr><th>column</th><th>results</th><th>unexpected</th></tr>' +
    cols.map(c => { const s = M.summary[c] || {}; return `<tr><td>${esc(c)}</td><td>` +
      Object.entries(s).filter(([k]) => k !== 'unexpected').map(([k, v]) => `${k} ${v}`).join(', ') +
      `</td><td class="${s.unexpected ? 'FAIL' : 'PASS'}">${s.unexpected || 0}</td></tr>`; }).join('');
  const upd = () => setState({area: $('area').value, status: $('status').value, q: $('q').value,
    rule: $('rule').value,
    diff: ($('diffa').value && $('diffb').value) ? [$('diffa').value, $('diffb').value] : []});
  ['area', 'status', 'diffa', 'diffb'].forEach(id => $(id).addEventListener('change', upd));
  ['q', 'rule'].forEach(id => $(id).addEventListener('input', upd));
  $('rows').addEventListener('click', e => {
    const a = e.target.closest('a[data-rule]');
    if (!a) return;
    e.preventDefault();
    $('rule').value = a.dataset.rule;
    upd();
  });
  document.querySelectorAll('a[data-jump]').forEach(a => a.addEventListener('click', e => {
    e.preventDefault();
    jump(a.dataset.jump, a.dataset.col);
  }));
  window.addEventListener('hashchange', render);
  render();
}
init();
"""

# Run only with ?layoutcheck: measures the rendered page for the browser
# test. Everything is read with getBoundingClientRect / scroll sizes, which
# lay the page out synchronously, so no timer is needed.
_LAYOUT_JS = r"""
function layoutCheck() {
  const near = (a, b) => Math.abs(a - b) <= 2;
  const rect = el => { const r = el.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height}; };
  const out = {viewport: {width: innerWidth, height: innerHeight}};
  const saved = location.hash;
  window.scrollTo(0, 0);
  out.banner = rect($('verdict'));
  out.areas = rect($('areas'));
  out.page_scroll_width = document.documentElement.scrollWidth;
  // every cell's text inside its cell: open every cell's details first
  $('rows').querySelectorAll('details').forEach(d => { d.open = true; });
  const wrap = $('matrix-wrap');
  const overflow = [];
  const boxes = document.querySelectorAll('#matrix td, #matrix th, #matrix td div, #matrix td pre, #areas td, #areas th, #run td, #compare td');
  boxes.forEach(el => {
    if (el.closest('tr[hidden]')) return;
    if (el.scrollWidth > el.clientWidth + 1)
      overflow.push({text: el.textContent.slice(0, 80), scroll: el.scrollWidth, client: el.clientWidth});
  });
  out.boxes_checked = boxes.length;
  out.overflowing = overflow.slice(0, 20);
  out.overflow_count = overflow.length;
  out.wrap = rect(wrap);
  out.wrap_scroll = {width: wrap.scrollWidth, height: wrap.scrollHeight,
                     client_width: wrap.clientWidth, client_height: wrap.clientHeight};
  const firstRow = $('rows').querySelector('tr.test:not([hidden])');
  const firstTh = $('head').querySelector('th');
  const lastTh = $('head').querySelector('th:last-child');
  // scroll the matrix box to its right end: the test column stays at its left edge
  wrap.scrollLeft = wrap.scrollWidth;
  out.scrolled_left = wrap.scrollLeft;
  out.first_cell_after_hscroll = rect(firstRow.children[0]);
  out.second_cell_after_hscroll = rect(firstRow.children[1]);
  out.last_header_after_hscroll = rect(lastTh);
  out.sticky_column_ok = near(out.first_cell_after_hscroll.left, out.wrap.left + wrap.clientLeft);
  // scroll it down: the header row stays at its top edge
  wrap.scrollLeft = 0;
  wrap.scrollTop = Math.min(600, wrap.scrollHeight);
  out.scrolled_top = wrap.scrollTop;
  out.header_after_vscroll = rect(firstTh);
  out.first_row_after_vscroll = rect(firstRow.children[0]);
  out.sticky_header_ok = near(out.header_after_vscroll.top, out.wrap.top + wrap.clientTop);
  wrap.scrollTop = 0;
  // the area table's colours
  out.area_cells = [...document.querySelectorAll('#areas td.rate, #areas td.unsup, #areas td.none')].map(td =>
    ({text: td.textContent, cls: td.className, bg: getComputedStyle(td).backgroundColor}));
  out.verdict_links = [...document.querySelectorAll('#verdict a[data-jump]')].map(a =>
    ({test: a.dataset.jump, col: a.dataset.col}));
  // a banner link shows its row, its cell open
  const link = document.querySelector('#verdict a[data-jump]');
  if (link) {
    link.click();
    const tr = $('rows').querySelector('tr.target');
    out.jump = {hash: location.hash, target: tr ? tr.dataset.test : null,
                visible_rows: +$('shown').dataset.count,
                open_cells: tr ? tr.querySelectorAll('details[open]').length : 0};
  }
  // back to the view the page was opened with, at its top (for a screenshot)
  history.replaceState(null, '', location.pathname + location.search + saved);
  render();
  window.scrollTo(0, 0);
  $('layoutcheck').textContent = JSON.stringify(out);
}
if (new URLSearchParams(location.search).has('layoutcheck')) layoutCheck();
"""


def _e(text):
    return html.escape(str(text), quote=True)


def _href(**state):
    """A link to a view of the page (its state is the URL fragment)."""
    return _e("#" + "&".join(f"{k}={quote(str(v), safe='/,')}" for k, v in state.items()))


def rate_class(passes, tests):
    """The colour class of an area cell: its pass rate's band."""
    rate = 100 * passes / tests if tests else 0
    return next(cls for floor, cls in RATE_CLASSES if rate >= floor)


def _verdict_html(rep, matrix, shown=5):
    g = matrix.get("gate") or rep.gate(matrix)
    if g["passed"]:
        return ('<div id="verdict" class="verdict passed" data-passed="1"><b>Gate passed</b>: '
                'every result matches its expectations.</div>')
    parts = [f"{g['unexpected_failures']} unexpected non-pass"
             f"{'es' if g['unexpected_failures'] != 1 else ''}"]
    if g["unexpected_passes"]:
        parts.append(f"{g['unexpected_passes']} newly passing against the expectations")
    items = []
    bad = rep._unexpected(matrix)
    for row, col in bad[:shown]:
        cell = row["results"][col]
        items.append(f'<li><a href="{_href(q=row["test"])}" data-jump="{_e(row["test"])}" '
                     f'data-col="{_e(col)}"><code>{_e(row["test"])}</code></a> in {_e(col)}: '
                     f'{_e(cell["status"])} (expected {_e(rep.show_expected(cell["expected"]))})</li>')
    more = (f'<li>… and {len(bad) - shown} more: '
            f'<a href="#status=unexpected">show every unexpected result</a></li>'
            if len(bad) > shown else "")
    return (f'<div id="verdict" class="verdict failed" data-passed="0"><b>Gate failed</b>: '
            f'{g["unexpected"]} unexpected result{"s" if g["unexpected"] != 1 else ""} '
            f'({", ".join(parts)}).<ul>{"".join(items)}{more}</ul></div>')


def _areas_html(rep, matrix):
    cols = [c["name"] for c in matrix["columns"]]
    head = "".join(f"<th>{_e(c)}</th>" for c in cols)
    rows = []
    for a in matrix.get("by_area") or rep.by_area(matrix):
        cells = []
        for c in cols:
            x = a["columns"].get(c)
            if x is None:
                cells.append('<td class="none" title="the column does not run this area">·</td>')
            elif x["unsupported"]:
                cells.append('<td class="unsup" title="area not claimed">UNSUPPORTED</td>')
            else:
                mark = (f' <b class="bad" title="unexpected results">{x["unexpected"]}!</b>'
                        if x["unexpected"] else "")
                cells.append(f'<td class="rate {rate_class(x["pass"], x["tests"])}" '
                             f'data-pass="{x["pass"]}" data-tests="{x["tests"]}">'
                             f'{_e(rep.area_cell_text(x))}{mark}</td>')
        rows.append(f'<tr><th><a href="{_href(area=a["area"])}">{_e(a["area"])}</a></th>'
                    f'<td class="rate">{a["tests"]}</td>{"".join(cells)}</tr>')
    legend = " ".join(f'<span class="{cls}">≥ {floor}%</span>' if floor < 100
                      else f'<span class="{cls}">100%</span>' for floor, cls in RATE_CLASSES)
    return (f'<table id="areas"><thead><tr><th>area</th><th>tests</th>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>'
            f'<div class="legend">Passes / tests run. {legend} '
            f'<span class="unsup-l">UNSUPPORTED: area not claimed</span> · : the column does '
            f'not run the area; <b class="bad">n!</b>: n unexpected results</div>')


def _run_html(rep, matrix):
    run = matrix.get("run")
    facts = rep.run_facts(run)
    cols = rep.run_columns(run, [c["name"] for c in matrix["columns"]])
    if not facts and not cols:
        return ""
    out = ['<section id="run"><h2>Run</h2><table>']
    out += [f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in facts]
    out.append("</table>")
    if cols:
        out.append("<table><tr><th>column</th><th>version</th><th>library</th>"
                   "<th>assertions</th><th>build</th></tr>")
        for name, c in cols.items():
            out.append(f"<tr><td>{_e(name)}</td><td>{_e(c['version'] or '?')}</td>"
                       f"<td><code>{_e(c['library'] or '?')}</code></td>"
                       f"<td>{_e(c['assertions'] or '?')}</td><td>{_e(c['build'] or '?')}</td></tr>")
        out.append("</table>")
    out.append("</section>")
    return "".join(out)


def _compare_html(matrix):
    cmp = matrix.get("compare")
    if not cmp:
        return ""
    a, b = cmp["a"], cmp["b"]
    out = [f'<section id="compare"><h2>Comparison: {_e(a)} → {_e(b)}</h2><p>Columns: ' +
           ", ".join(f'<a href="{_href(diff=f"{x},{y}")}">{_e(x)} → {_e(y)}</a>' for x, y in cmp["pairs"]) +
           f". {cmp['compared']} results compared" +
           (f"; {cmp['not_compared']} tests run in only one of two columns are not"
            if cmp["not_compared"] else "") +
           f". <b>{len(cmp['newly_passing'])} newly passing, {len(cmp['newly_failing'])} newly "
           f"failing, {len(cmp['changed'])} other changes.</b></p>"]
    for key, title in (("newly_passing", f"Newly passing (not PASS in {a}, PASS in {b})"),
                       ("newly_failing", f"Newly failing (PASS in {a}, not PASS in {b})"),
                       ("changed", "Other changed statuses")):
        out.append(f'<h3>{_e(title)}: {len(cmp[key])}</h3>')
        if not cmp[key]:
            out.append("<p>None.</p>")
            continue
        out.append(f'<table class="{key}"><tr><th>test</th><th>rule id</th><th>columns</th>'
                   '<th>from → to</th></tr>')
        for e in cmp[key]:
            out.append(f'<tr><td><a href="{_href(q=e["test"])}">{_e(e["test"])}</a></td>'
                       f'<td><code>{_e(e["rule_id"])}</code></td><td>{_e(e["a"])} → {_e(e["b"])}</td>'
                       f'<td><span class="{_e(e["from"])}">{_e(e["from"])}</span> → '
                       f'<span class="{_e(e["to"])}{" unexpected" if e["unexpected"] else ""}">'
                       f'{_e(e["to"])}</span></td></tr>')
        out.append("</table>")
    out.append("</section>")
    return "".join(out)


def _api_html(api):
    """The API-coverage section: per header the counts, then every symbol
    (one collapsed table per header). `api`: evconform.api's document."""
    if not api:
        return ""
    impls = api["implementations"]
    head = "".join(f"<th>{_e(i)}<br>declared · links</th>" for i in impls)
    rows = []
    for h in api["headers"]:
        n = h["functions"] + h["macros"]
        cells = "".join(f'<td class="rate">{h["declared"][i]}/{n} · {h["links"][i]}/{h["functions"]}</td>'
                        for i in impls)
        rows.append(f'<tr><th><code>{_e(h["header"])}</code></th>'
                    f'<td class="rate {rate_class(h["functions_checked"], h["functions"])}">'
                    f'{h["functions_checked"]}/{h["functions"]}</td>'
                    f'<td class="rate">{h["functions_used"]}/{h["functions"]}</td>'
                    f'<td class="rate {rate_class(h["macros_checked"], h["macros"])}">'
                    f'{h["macros_checked"]}/{h["macros"]}</td>{cells}</tr>')
    out = ['<section id="api"><h2>API coverage</h2>',
           '<p>Computed from libevent\'s headers and the suite\'s sources. <b>Checked</b>: at least '
           'one test\'s rule id names the symbol; <b>used</b>: checked or called by some test. '
           '<b>Declared</b> / <b>links</b>: the implementation\'s own headers declare it / its '
           'libraries provide it (functions).</p>',
           '<div class="api-wrap"><table id="api-headers"><thead><tr><th>header</th>'
           f'<th>functions checked</th><th>functions used</th><th>macros, constants checked</th>{head}'
           f'</tr></thead><tbody>{"".join(rows)}</tbody></table></div>']
    cols = api["columns"]
    for h in api["headers"]:
        body = []
        for s in (x for x in api["symbols"] if x["header"] == h["header"]):
            prov = "".join(
                f'<td>{("D" if s["impls"][i]["declared"] else "") + ("L" if s["impls"][i]["links"] else "") or "–"}</td>'
                for i in impls)
            res = "".join(
                f'<td class="rate">{x["pass"]}/{x["tests"]}</td>' if (x := s["columns"].get(c)) and x["tests"]
                else '<td class="none">·</td>' for c in cols)
            rules = f'<a href="{_href(rule=h["header"] + "/" + s["name"] + "/")}">{s["tests"]}</a>' \
                if s["tests"] else '<b class="bad">0</b>'
            body.append(f'<tr><td><code>{_e(s["name"])}</code></td><td>{_e(s["kind"])}</td>'
                        f'<td class="rate">{rules}</td><td class="rate">{s["uses"]}</td>{prov}{res}</tr>')
        ihead = "".join(f"<th>{_e(i)} D/L</th>" for i in impls)
        chead = "".join(f"<th>{_e(c)}</th>" for c in cols)
        out.append(f'<details class="api-symbols"><summary><code>{_e(h["header"])}</code>: every symbol'
                   f'</summary><div class="api-wrap"><table><thead><tr><th>symbol</th><th>kind</th>'
                   f'<th>rule tests</th><th>used by</th>{ihead}{chead}</tr></thead>'
                   f'<tbody>{"".join(body)}</tbody></table></div></details>')
    out.append("</section>")
    return "".join(out)


def write_html(matrix, path, title="evconform conformance matrix", api=None):
    from . import report as rep  # report imports this module; its helpers are needed only here
    data = json.dumps(matrix, separators=(",", ":")).replace("</", "<\\/")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{_CSS}</style></head><body>
<h1>{_e(title)}</h1>
{_verdict_html(rep, matrix)}
{_areas_html(rep, matrix)}
{_run_html(rep, matrix)}
{_compare_html(matrix)}
{_api_html(api)}
<h2>Columns</h2>
<table id="summary"></table>
<h2>Tests</h2>
<div id="controls">
<label>area <select id="area"></select></label>
<label>result <select id="status"></select></label>
<label>test <input id="q" placeholder="part of a name"></label>
<label>rule id <input id="rule" placeholder="e.g. listener.h/" list="ruleids"></label>
<datalist id="ruleids"></datalist>
<label>diff <select id="diffa"></select> vs <select id="diffb"></select></label>
</div>
<p id="shown"></p>
<div id="matrix-wrap"><table id="matrix"><thead id="head"></thead><tbody id="rows"></tbody></table></div>
<pre id="layoutcheck"></pre>
<script type="application/json" id="matrix-data">{data}</script>
<script>{_JS}{_LAYOUT_JS}</script>
</body></html>
"""
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
