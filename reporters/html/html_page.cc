#include "reporters/html/html_page.h"

namespace tidemark {

// The Content-Security-Policy forbids every request (no network, no other
// file): the page is its own world, and a name that somehow became markup
// could load nothing.
const char kHtmlPageHead[] = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tidemark: peak memory</title>
<style>
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d232a;background:#f7f8fa}
header{padding:10px 16px;background:#1f3a5f;color:#fff}
header h1{font-size:17px;margin:0;font-weight:600;word-break:break-all}
section{padding:6px 16px 10px}
h2{font-size:15px;margin:10px 0 6px}
.note{color:#555;margin:4px 0}
#facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}
#facts dt{color:#555}
#facts dd{margin:0;font-family:ui-monospace,monospace;word-break:break-all}
#controls{display:flex;gap:14px;align-items:center;flex-wrap:wrap;margin:6px 0}
#search{width:280px;padding:3px 6px}
#search-status{color:#333}
#crumbs{margin:4px 0;min-height:22px}
#crumbs button{font:12px ui-monospace,monospace;margin:0 2px 2px 0;padding:1px 6px;border:1px solid #aab;border-radius:3px;background:#fff;cursor:pointer}
#crumbs button:last-child{background:#e8eef8;font-weight:600}
#flame{position:relative;overflow:hidden;border:1px solid #ccd;background:#fff;min-height:20px}
.fr{position:absolute;height:17px;box-sizing:border-box;border-right:1px solid #fff;border-bottom:1px solid #fff;font:11px/16px ui-monospace,monospace;padding-left:3px;white-space:nowrap;overflow:hidden;cursor:pointer;color:#111}
.fr:hover{filter:brightness(0.9)}
.fr.dim{opacity:.45}
.fr.match{background:#e23bd0 !important;color:#fff;opacity:1}
.legend span{display:inline-block;padding:0 6px;margin-right:4px;border-radius:2px;font-size:12px}
#tip{position:fixed;pointer-events:none;background:#fff;border:1px solid #889;padding:6px 8px;max-width:640px;display:none;box-shadow:0 2px 8px rgba(0,0,0,.2);z-index:10;font-size:12px}
#tip .tl{font-weight:600;font-family:ui-monospace,monospace;word-break:break-all}
#tip pre,td.src{font-family:ui-monospace,monospace;white-space:pre-wrap;margin:4px 0 0;background:#f1f3f6;padding:2px 4px}
td.src{white-space:pre;max-width:520px;overflow:hidden;text-overflow:ellipsis;margin:0}
table{border-collapse:collapse;background:#fff}
th,td{padding:2px 8px;text-align:left;border-bottom:1px solid #e6e8ec;vertical-align:top}
td.num{text-align:right;font-family:ui-monospace,monospace;white-space:nowrap}
td.lbl{font-family:ui-monospace,monospace}
#timeline svg{width:100%;max-width:1000px;height:auto;background:#fff;border:1px solid #ccd}
</style>
</head>
<body>
<header><h1 id="title">Tidemark: peak memory</h1></header>
<noscript><p class="note">This report is drawn by its own inline script; enable JavaScript to see it.</p></noscript>
<section><h2>Run</h2><dl id="facts"></dl></section>
<section>
<h2>Memory live at the peak</h2>
<p class="note" id="flame-note"></p>
<div id="controls">
<input id="search" type="search" placeholder="Search functions and files" autocomplete="off">
<span id="search-status"></span>
<label><input id="inverted" type="checkbox"> Inverted: who allocated</label>
<label><input id="hide-imports" type="checkbox"> Hide import-time frames</label>
<span class="legend" id="legend"></span>
</div>
<div id="crumbs"></div>
<div id="flame"></div>
</section>
<section><h2>Memory over time</h2><div id="timeline"></div></section>
<section><h2>Top user lines</h2><p class="note">Each stack counts once, for its <em>user line</em>: the innermost frame in the program's own code (not the standard library, packages, frozen or generated code).</p><table id="lines"></table></section>
<div id="tip"></div>
)HTML";

// Special boxes have negative frame ids: -1 the root ("all"), -2 stacks
// with no Python frame, -3 the folded small stacks, -4 the import-time part
// of a stack when those frames are hidden.
const char kHtmlPageTail[] = R"HTML(<script>
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('tidemark-data').textContent);
  var F = D.frames, facts = D.facts, PEAK = facts.peak_bytes;
  var ROW = 18, CHAR = 6.7;
  var ORIGINS = {user: 'your code', library: 'a package', stdlib: 'the standard library',
    frozen: 'frozen (import machinery, runpy)', generated: 'generated code', native: 'native code'};

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function fmtBytes(b) {
    var a = Math.abs(b);
    if (a >= 1073741824) return (b / 1073741824).toFixed(2) + ' GiB';
    if (a >= 1048576) return (b / 1048576).toFixed(1) + ' MiB';
    if (a >= 1024) return (b / 1024).toFixed(1) + ' KiB';
    return b + ' B';
  }
  function pct(b) { return PEAK > 0 ? (100 * b / PEAK).toFixed(1) + '%' : 'n/a'; }
  function label(id) {
    if (id === -1) return 'all';
    if (id === -2) return '[no Python stack]';
    if (id === -3) return '[' + D.folded.stacks + ' smaller stacks folded away]';
    if (id === -4) return '[import]';
    var f = F[id];
    if (f[3] === 'native' || f[1] === '') return f[0] + (f[1] ? ' (' + f[1] + ')' : '');
    return f[0] + ' (' + f[1] + ':' + f[2] + ')';
  }
  // Longest first: a narrow box keeps the function and its :LINE before
  // it drops the file.
  function labels(id) {
    var full = label(id);
    if (id < 0) return [full];
    var f = F[id];
    return f[3] === 'native' || f[1] === '' ? [full, f[0]] : [full, f[0] + ' :' + f[2], f[0]];
  }
  var lowerLabels = {};
  function lowerLabel(id) {
    var l = lowerLabels[id];
    if (l === undefined) l = lowerLabels[id] = label(id).toLowerCase();
    return l;
  }
  function hash(s) {
    var h = 0;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
    return Math.abs(h);
  }
  var colours = {};
  function originColour(origin, h) {
    switch (origin) {
      case 'user': return 'hsl(' + (195 + h % 30) + ',65%,' + (66 + h % 12) + '%)';
      case 'library': return 'hsl(' + (20 + h % 20) + ',85%,' + (66 + h % 12) + '%)';
      case 'stdlib': return 'hsl(' + (46 + h % 12) + ',75%,' + (64 + h % 12) + '%)';
      case 'native': return 'hsl(' + (268 + h % 20) + ',40%,' + (74 + h % 10) + '%)';
      default: return 'hsl(100,6%,' + (74 + h % 10) + '%)';
    }
  }
  function colour(id) {
    if (id < 0) return '#d9dbe0';
    var c = colours[id];
    if (c === undefined) c = colours[id] = originColour(F[id][3], hash(F[id][1]));
    return c;
  }

  // ---- the call tree, built from the stacks for the current view -------
  var state = {inverted: false, hideImports: false, query: '', root: null, zoom: null, all: []};
  function Node(id, parent) {
    this.id = id; this.parent = parent; this.bytes = 0; this.allocs = 0;
    this.kids = []; this.map = null; this.x = 0;
    this.depth = parent ? parent.depth + 1 : 0; this.match = false; this.below = false;
  }
  function child(n, id) {
    if (!n.map) n.map = new Map();
    var c = n.map.get(id);
    if (!c) { c = new Node(id, n); n.map.set(id, c); n.kids.push(c); state.all.push(c); }
    return c;
  }
  function pathOf(frames) {
    var p = frames;
    if (state.hideImports) {
      for (var k = 0; k < p.length; k++) {
        if (F[p[k]][4]) { p = p.slice(0, k).concat([-4]); break; }
      }
    }
    if (p.length === 0) p = [-2];
    if (state.inverted) p = p.slice().reverse();
    return p;
  }
  function add(path, bytes, allocs) {
    var n = state.root;
    n.bytes += bytes; n.allocs += allocs;
    for (var i = 0; i < path.length; i++) {
      n = child(n, path[i]);
      n.bytes += bytes; n.allocs += allocs;
    }
  }
  function build() {
    state.root = new Node(-1, null);
    state.all = [state.root];
    for (var i = 0; i < D.stacks.length; i++) {
      var s = D.stacks[i];
      add(pathOf(s[2]), s[0], s[1]);
    }
    if (D.folded.stacks > 0) add([-3], D.folded.bytes, 0);
    var todo = [state.root];
    while (todo.length) {
      var n = todo.pop();
      n.kids.sort(function (a, b) {
        return b.bytes - a.bytes || (label(a.id) < label(b.id) ? -1 : 1);
      });
      var x = n.x;
      for (var j = 0; j < n.kids.length; j++) {
        n.kids[j].x = x; x += n.kids[j].bytes; todo.push(n.kids[j]);
      }
      n.map = null;
    }
    state.zoom = state.root;
  }

  // ---- drawing ---------------------------------------------------------
  function fit(id, width) {
    var room = width - 6, cands = labels(id);
    if (room < CHAR * 2) return '';
    for (var i = 0; i < cands.length; i++) {
      if (cands[i].length * CHAR <= room) return cands[i];
    }
    var last = cands[cands.length - 1], chars = Math.floor(room / CHAR) - 1;
    return chars >= 2 ? last.slice(0, chars) + '\u2026' : '';
  }
  function render() {
    var box = $('flame'), W = box.clientWidth || 1000, z = state.zoom;
    var scale = W / Math.max(z.bytes, 1), frag = document.createDocumentFragment();
    var deepest = 0, todo = [z], searching = state.query !== '';
    // Matches too thin to see are drawn 2 px wide, one per pixel column and
    // row: thousands of them would otherwise slow the page for no gain.
    var thin = new Set();
    box.textContent = '';
    while (todo.length) {
      var n = todo.pop(), w = n.bytes * scale;
      if (w < 0.5 && !n.match && !n.below) continue;
      var d = n.depth - z.depth;
      if (w < 0.5 && n.match) {
        var key = d * 1048576 + Math.floor((n.x - z.x) * scale / 2);
        if (thin.has(key)) key = -1; else thin.add(key);
      }
      if (w >= 0.5 || (n.match && key !== -1)) {
        var e = el('div', 'fr');
        if (n.match) e.className += ' match';
        else if (searching) e.className += ' dim';
        w = Math.max(w, n.match ? 2 : 0);
        e.style.left = ((n.x - z.x) * scale).toFixed(1) + 'px';
        e.style.top = (d * ROW) + 'px';
        e.style.width = w.toFixed(1) + 'px';
        e.style.background = colour(n.id);
        e.textContent = fit(n.id, w);
        e.tmNode = n;
        frag.appendChild(e);
        if (d > deepest) deepest = d;
      }
      for (var i = 0; i < n.kids.length; i++) todo.push(n.kids[i]);
    }
    box.style.height = ((deepest + 1) * ROW) + 'px';
    box.appendChild(frag);
  }
  function renderCrumbs() {
    var crumbs = $('crumbs'), chain = [];
    crumbs.textContent = '';
    for (var a = state.zoom; a; a = a.parent) chain.unshift(a);
    chain.forEach(function (n) {
      var b = el('button', null, n.id >= 0 ? F[n.id][0] : label(n.id));
      b.title = label(n.id);
      b.addEventListener('click', function () { zoomTo(n); });
      crumbs.appendChild(b);
    });
  }
  function zoomTo(n) { state.zoom = n; renderCrumbs(); render(); }

  function search() {
    var q = $('search').value.trim().toLowerCase(), all = state.all;
    var boxes = 0, frames = new Set(), bytes = 0, i, n, a;
    state.query = q;
    for (i = 0; i < all.length; i++) { all[i].match = false; all[i].below = false; }
    if (q) {
      for (i = 0; i < all.length; i++) {
        n = all[i];
        if (n.id === -1 || lowerLabel(n.id).indexOf(q) < 0) continue;
        n.match = true; boxes++; frames.add(n.id);
        for (a = n.parent; a && !a.below; a = a.parent) a.below = true;
      }
      // Bytes under a match count once, at the outermost match.
      for (i = 0; i < all.length; i++) {
        n = all[i];
        if (!n.match) continue;
        for (a = n.parent; a && !a.match; a = a.parent) {}
        if (!a) bytes += n.bytes;
      }
      $('search-status').textContent = boxes === 0 ? 'no match' :
          boxes + ' boxes (' + frames.size + ' distinct frames) match: ' +
          fmtBytes(bytes) + ', ' + pct(bytes) + ' of the peak';
    } else {
      $('search-status').textContent = '';
    }
    render();
  }
  function rebuild() {
    state.inverted = $('inverted').checked;
    state.hideImports = $('hide-imports').checked;
    build(); renderCrumbs(); search();
  }

  function showTip(n, ev) {
    var tip = $('tip');
    tip.textContent = '';
    tip.appendChild(el('div', 'tl', label(n.id)));
    tip.appendChild(el('div', null, (facts.mode === 'sample' ? 'about ' : '') +
        fmtBytes(n.bytes) + ', ' + pct(n.bytes) + ' of the peak, ' + n.allocs +
        (facts.mode === 'sample' ? ' sampled' : ' live') +
        (n.allocs === 1 ? ' allocation' : ' allocations')));
    if (n.id >= 0) {
      if (F[n.id][5]) tip.appendChild(el('pre', null, F[n.id][5]));
      tip.appendChild(el('div', 'note', ORIGINS[F[n.id][3]] || F[n.id][3]));
    }
    tip.style.display = 'block';
    var x = ev.clientX + 14, y = ev.clientY + 14;
    if (x + tip.offsetWidth > window.innerWidth) x = Math.max(0, window.innerWidth - tip.offsetWidth - 4);
    if (y + tip.offsetHeight > window.innerHeight) y = Math.max(0, ev.clientY - tip.offsetHeight - 8);
    tip.style.left = x + 'px'; tip.style.top = y + 'px';
  }

  // ---- the other sections ----------------------------------------------
  function drawFacts() {
    var dl = $('facts'), cmd = facts.command.join(' ');
    var sample = facts.mode === 'sample';
    function row(k, v) { dl.appendChild(el('dt', null, k)); dl.appendChild(el('dd', null, v)); }
    if (cmd) { $('title').textContent = 'Tidemark: ' + cmd; document.title = 'Tidemark: ' + cmd; }
    row('Command', cmd || '(unknown)');
    if (facts.python_version) row('Python', facts.python_version);
    row('Mode', sample ? 'sample: about one record per ' + fmtBytes(facts.sample_interval_bytes) +
        ' allocated; bytes are estimates (\u00b1 is a 4-sigma bound)' : facts.mode + ': every allocation');
    row('Peak tracked', fmtBytes(PEAK) + (facts.peak_bound > 0 ? ' \u00b1 ' + fmtBytes(facts.peak_bound) : ''));
    row('Peak happened', facts.peak_seconds >= 0 ? facts.peak_seconds.toFixed(2) + ' s after the start' +
        (facts.wall_seconds > 0 ? ' (run: ' + facts.wall_seconds.toFixed(2) + ' s)' : '') : 'not recorded');
    row('RSS high-water mark', facts.rss_hwm_bytes > 0 ? fmtBytes(facts.rss_hwm_bytes) : 'unknown');
    row('Ended', facts.ended || (facts.final_report ? (facts.has_exit_code ? 'exit code ' + facts.exit_code : 'unknown') :
        'still running when this report was written'));
    row('Report written on', facts.reason);
    if (facts.out_of_memory) row('Out of memory', facts.oom_reason);
    row('Process', 'pid ' + facts.pid);
    if (facts.working_directory) row('Working directory', facts.working_directory);
    row('Allocations tracked', String(facts.tracked_allocations));
  }
  function drawLegend() {
    var lg = $('legend');
    ['user', 'library', 'stdlib', 'native', 'frozen'].forEach(function (o) {
      var s = el('span', null, ORIGINS[o]);
      s.style.background = originColour(o, 3);
      lg.appendChild(s);
    });
  }
  function drawNote() {
    var n = D.stacks.length, note = 'Each box is a frame; its width is the memory live under it at the peak. ' +
        'Click a box to zoom, the path above (or Escape) to zoom out; hover for bytes and the source line. ';
    if (n === 0 && D.folded.stacks === 0) {
      note = 'No memory was live at the peak: there is nothing to draw.';
    } else if (D.folded.stacks > 0) {
      note += 'Drawn: the ' + n + ' largest of ' + D.total_stacks + ' stacks; ' + D.folded.stacks +
          ' smaller stacks (' + fmtBytes(D.folded.bytes) + ', ' + pct(D.folded.bytes) +
          ' of the peak) are folded into one box.';
    } else {
      note += 'All ' + n + ' stacks are drawn.';
    }
    $('flame-note').textContent = note;
  }
  function drawTimeline() {
    var host = $('timeline'), T = D.timeline, NS = 'http://www.w3.org/2000/svg';
    if (!T.length) {
      host.appendChild(el('p', 'note', 'No memory-over-time samples were kept for this run ' +
          '(the run was too short, or the stored profile predates them).'));
      return;
    }
    var W = 1000, H = 240, L = 80, R = 16, TOP = 14, B = 34, i;
    var tmax = Math.max(T[T.length - 1][0], facts.peak_seconds, 1e-6), ymax = Math.max(PEAK, 1);
    for (i = 0; i < T.length; i++) ymax = Math.max(ymax, T[i][1], T[i][2]);
    ymax *= 1.05;
    function sx(t) { return L + (W - L - R) * t / tmax; }
    function sy(b) { return TOP + (H - TOP - B) * (1 - b / ymax); }
    function svg(tag, attrs, text) {
      var e = document.createElementNS(NS, tag);
      for (var k in attrs) e.setAttribute(k, attrs[k]);
      if (text !== undefined) e.textContent = text;
      return e;
    }
    var root = svg('svg', {viewBox: '0 0 ' + W + ' ' + H, id: 'timeline-plot'});
    root.appendChild(svg('line', {x1: L, y1: sy(0), x2: W - R, y2: sy(0), stroke: '#888'}));
    root.appendChild(svg('line', {x1: L, y1: TOP, x2: L, y2: sy(0), stroke: '#888'}));
    for (i = 0; i <= 4; i++) {
      var yb = ymax * i / 4, xt = tmax * i / 4;
      root.appendChild(svg('line', {x1: L, y1: sy(yb), x2: W - R, y2: sy(yb), stroke: '#eee'}));
      root.appendChild(svg('text', {x: L - 6, y: sy(yb) + 4, 'text-anchor': 'end', 'font-size': 11}, fmtBytes(Math.round(yb))));
      root.appendChild(svg('text', {x: sx(xt), y: H - 14, 'text-anchor': 'middle', 'font-size': 11}, xt.toFixed(xt < 10 ? 2 : 1) + ' s'));
    }
    function line(index, colour, dash, cls) {
      var pts = [];
      for (var j = 0; j < T.length; j++) {
        if (index === 2 && T[j][2] <= 0) continue;
        pts.push(sx(T[j][0]).toFixed(1) + ',' + sy(T[j][index]).toFixed(1));
      }
      if (pts.length) root.appendChild(svg('polyline', {points: pts.join(' '), fill: 'none',
          stroke: colour, 'stroke-width': 1.6, 'stroke-dasharray': dash, 'class': cls}));
    }
    line(2, '#c0392b', '5,3', 'rss');
    line(1, '#1f5fa8', 'none', 'tracked');
    if (facts.peak_seconds >= 0) {
      var px = sx(facts.peak_seconds), py = sy(PEAK);
      root.appendChild(svg('line', {x1: px, y1: TOP, x2: px, y2: sy(0), stroke: '#e23bd0', 'stroke-dasharray': '3,3'}));
      root.appendChild(svg('circle', {cx: px, cy: py, r: 4, fill: '#e23bd0', 'class': 'peak'}));
      root.appendChild(svg('text', {x: Math.min(px + 6, W - 200), y: Math.max(py - 6, TOP + 10), 'font-size': 12, fill: '#a0208f'},
          'peak ' + fmtBytes(PEAK) + ' at ' + facts.peak_seconds.toFixed(2) + ' s'));
    }
    host.appendChild(root);
    var lg = el('div', 'legend');
    var a = el('span', null, '\u2014 tracked bytes'); a.style.color = '#1f5fa8';
    var b = el('span', null, '- - RSS'); b.style.color = '#c0392b';
    lg.appendChild(a); lg.appendChild(b);
    host.appendChild(lg);
  }
  function drawLines() {
    var t = $('lines'), sample = facts.mode === 'sample', head = el('tr');
    var cols = ['Bytes'].concat(sample ? ['\u00b1'] : [], ['% of peak', 'Line', 'Source', 'Calls into']);
    cols.forEach(function (c) { head.appendChild(el('th', null, c)); });
    t.appendChild(head);
    if (!D.top_lines.length) {
      var r = el('tr'), c = el('td', 'note', 'No memory was live at the peak.');
      c.colSpan = cols.length; r.appendChild(c); t.appendChild(r);
    }
    D.top_lines.forEach(function (l) {
      var r = el('tr');
      r.appendChild(el('td', 'num', fmtBytes(l[2])));
      if (sample) r.appendChild(el('td', 'num', '\u00b1 ' + fmtBytes(l[4])));
      r.appendChild(el('td', 'num', pct(l[2])));
      r.appendChild(el('td', 'lbl', label(l[0])));
      r.appendChild(el('td', F[l[0]][5] ? 'src' : null, F[l[0]][5]));
      r.appendChild(el('td', 'lbl', l[1] >= 0 ? '\u2192 ' + label(l[1]) : ''));
      t.appendChild(r);
    });
  }

  var box = $('flame');
  box.addEventListener('click', function (ev) {
    var t = ev.target.closest('.fr');
    if (t && t.tmNode) zoomTo(t.tmNode);
  });
  box.addEventListener('mousemove', function (ev) {
    var t = ev.target.closest('.fr');
    if (t && t.tmNode) showTip(t.tmNode, ev); else $('tip').style.display = 'none';
  });
  box.addEventListener('mouseleave', function () { $('tip').style.display = 'none'; });
  // Escape zooms out one level (outside the search box, where it clears).
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape' && ev.target.tagName !== 'INPUT' && state.zoom.parent) {
      zoomTo(state.zoom.parent);
    }
  });
  $('search').addEventListener('input', search);
  $('inverted').addEventListener('change', rebuild);
  $('hide-imports').addEventListener('change', rebuild);
  var resizeTimer = 0;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer); resizeTimer = setTimeout(render, 100);
  });

  drawFacts(); drawLegend(); drawNote(); drawTimeline(); drawLines();
  rebuild();
})();
</script>
</body>
</html>
)HTML";

}  // namespace tidemark
