"""The matrix as one self-contained HTML page (no network, no external file).

The page carries the matrix JSON and renders it with a few lines of plain
JavaScript: a summary per column, then tests x columns. Filters by area,
status, test name and rule id (any part of it, so a prefix such as
listener.h/ shows every listener.h rule; a click on a test's rule id
selects it); every cell that is not a PASS opens its failure message, its
expectation and the rule the test checks; a diff view lists only the tests
whose result differs between two chosen columns. The state of the filters
lives in the URL fragment (#area=listener&status=nonpass,
#rule=buffer.h/evbuffer_readln, #diff=reference/epoll,libevent/epoll), so a
link shows the same view.
"""
import html
import json

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3;position:sticky;top:0}
td.s,td.rid{white-space:nowrap;font-family:monospace}
.PASS{background:#e6f4e6}.FAIL{background:#fbe3e3}.CRASH,.TIMEOUT,.MEMERR{background:#f7c6c6}
.SKIP,.UNSUPPORTED{background:#eee;color:#666}.NOTRUN{background:#fff3cd}
.unexpected{outline:2px solid #c00;outline-offset:-2px}
details{max-width:40em}summary{cursor:pointer}
pre{white-space:pre-wrap;margin:.2em 0;font-size:12px}
#controls label{margin-right:1em}
"""

_JS = r"""
const M = JSON.parse(document.getElementById('matrix').textContent);
const cols = M.columns.map(c => c.name);
const $ = id => document.getElementById(id);
function esc(s) { const d = document.createElement('div'); d.textContent = s || ''; return d.innerHTML.replace(/"/g, '&quot;'); }
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
    `<div>expected: ${esc(r.expected)}${r.unexpected ? ' — <b>unexpected</b>' : ''}</div>`,
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
    return `<tr class="test"${k ? '' : ' hidden'} data-area="${esc(row.area)}">` +
      `<td>${esc(row.test)}</td><td>${esc(row.area)}</td>` +
      `<td class="rid">${row.rule_id ? `<a href="#" data-rule="${esc(row.rule_id)}">${esc(row.rule_id)}</a>` : ''}</td>` +
      shownCols.map(c => cell(row, c)).join('') + '</tr>';
  });
  $('rows').innerHTML = body.join('');
  $('shown').textContent = `${shown} of ${M.tests.length} tests shown` +
    (s.diff.length === 2 ? ` (results differ between ${s.diff[0]} and ${s.diff[1]})` : '');
  $('shown').dataset.count = shown;
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
  window.addEventListener('hashchange', render);
  render();
}
init();
"""


def write_html(matrix, path, title="evconform conformance matrix"):
    data = json.dumps(matrix, separators=(",", ":")).replace("</", "<\\/")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_CSS}</style></head><body>
<h1>{html.escape(title)}</h1>
<table id="summary"></table>
<div id="controls">
<label>area <select id="area"></select></label>
<label>result <select id="status"></select></label>
<label>test <input id="q" placeholder="part of a name"></label>
<label>rule id <input id="rule" placeholder="e.g. listener.h/" list="ruleids"></label>
<datalist id="ruleids"></datalist>
<label>diff <select id="diffa"></select> vs <select id="diffb"></select></label>
</div>
<p id="shown"></p>
<table><thead id="head"></thead><tbody id="rows"></tbody></table>
<script type="application/json" id="matrix">{data}</script>
<script>{_JS}</script>
</body></html>
"""
    with open(path, "w", encoding="utf-8") as f:
        f.write(page)
