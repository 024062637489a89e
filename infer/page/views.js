/* reportag page, part 2: what the filtered units add up to. A label × part table in each report, the body × year
   comparison (and one body's years side by side), charts of label shares by body, year and part, and the units on
   screen as a CSV download. Everything is drawn here from the counts filter.js hands over: no network. */
(function () {
  'use strict';
  var RT = window.reportag, META = RT.meta, $ = function (id) { return document.getElementById(id); };
  var LABELS = META.labels, NO_BODY = '(body not stated)';
  var esc = function (s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; });
  };
  var last = null;

  function add(into, c) {  // add one report's counts {units, label: n, parts: {part: {label: n}}} into a total
    into.units = (into.units || 0) + c.units;
    LABELS.forEach(function (l) { into[l.v] = (into[l.v] || 0) + (c[l.v] || 0); });
    into.parts = into.parts || {};
    Object.keys(c.parts).forEach(function (p) {
      var t = into.parts[p] || (into.parts[p] = {}), n = 0;
      LABELS.forEach(function (l) { t[l.v] = (t[l.v] || 0) + (c.parts[p][l.v] || 0); n += c.parts[p][l.v] || 0; });
      t.units = (t.units || 0) + n;
    });
    return into;
  }

  function labelHead(first) {
    return '<tr><th>' + first + '</th><th class="n">units</th>' +
      LABELS.map(function (l) { return '<th class="n">' + l.zh + ' ' + l.v + '</th>'; }).join('') + '</tr>';
  }

  function partTables(state) {
    Object.keys(state.reports).forEach(function (n) {
      var r = state.reports[n], c = state.counts[n], table = r.section && r.section.querySelector('table.lp');
      if (!table || !c) { return; }
      var rows = META.parts.filter(function (p) { return c.parts[p]; }).map(function (p) {
        var cp = c.parts[p], total = 0;
        LABELS.forEach(function (l) { total += cp[l.v] || 0; });
        return '<tr data-part="' + esc(p) + '"><td>' + esc(p) + '</td><td class="n">' + total + '</td>' +
          LABELS.map(function (l) { return '<td class="n' + (cp[l.v] ? '' : ' zero') + '">' + (cp[l.v] || 0) + '</td>'; }).join('') + '</tr>';
      });
      table.innerHTML = '<thead>' + labelHead('part') + '</thead><tbody>' + rows.join('') + '</tbody>';
    });
  }

  function byBodyYear(state) {
    var cells = {}, years = {};
    Object.keys(state.counts).forEach(function (n) {
      var r = state.reports[n], body = r.body || NO_BODY, year = r.year == null ? '?' : r.year;
      years[year] = true;
      var b = cells[body] || (cells[body] = {});
      b[year] = add(b[year] || {}, state.counts[n]);
    });
    return { cells: cells, bodies: Object.keys(cells).sort(), years: Object.keys(years).sort() };
  }

  function value(c, label, share) {
    if (!c) { return ''; }
    var v = label ? (c[label] || 0) : c.units;
    return share ? (label ? (100 * v / (c.units || 1)).toFixed(1) : '100.0') : String(v);
  }

  function compare(state) {
    var t = byBodyYear(state), label = $('c-label').value, share = $('c-as').value === 'share';
    var head = '<tr><th>body</th>' + t.years.map(function (y) { return '<th class="n" data-year="' + y + '">' + y + '</th>'; }).join('') + '</tr>';
    var rows = t.bodies.map(function (b) {
      return '<tr data-body="' + esc(b) + '"><td><a href="#compare" data-pick="' + esc(b) + '">' + esc(b) + '</a></td>' +
        t.years.map(function (y) {
          var c = t.cells[b][y];
          return '<td class="n" data-year="' + y + '" title="' + (c ? LABELS.map(function (l) { return l.v + ' ' + (c[l.v] || 0); }).join(' · ') : '') +
            '">' + value(c, label, share) + '</td>';
        }).join('') + '</tr>';
    });
    $('c-table').innerHTML = '<table id="c-grid"><thead>' + head + '</thead><tbody>' + rows.join('') + '</tbody></table>';
    oneBody(t);
  }

  function oneBody(t) {
    var body = $('c-body').value, out = $('c-body-table');
    if (!body || !t.cells[body]) { out.innerHTML = body ? '<p class="muted">no units of this body under the filters</p>' : ''; return; }
    var years = t.years.filter(function (y) { return t.cells[body][y]; }), cs = years.map(function (y) { return t.cells[body][y]; });
    var parts = META.parts.filter(function (p) { return cs.some(function (c) { return c.parts[p]; }); });
    var row = function (name, key, get) {
      return '<tr data-row="' + esc(key) + '"><td>' + name + '</td>' + cs.map(function (c) {
        var v = get(c), total = c.units || 1;
        return '<td class="n">' + v + (key === 'units' ? '' : ' <span class="muted">(' + (100 * v / total).toFixed(1) + '%)</span>') + '</td>';
      }).join('') + '</tr>';
    };
    var rows = [row('units', 'units', function (c) { return c.units; })]
      .concat(LABELS.map(function (l) { return row(l.zh + ' ' + l.v, l.v, function (c) { return c[l.v] || 0; }); }))
      .concat(parts.map(function (p) { return row('part: ' + esc(p), 'part:' + p, function (c) { return (c.parts[p] || {}).units || 0; }); }))
      .concat(parts.map(function (p) {
        return row('不足 shortfall in ' + esc(p), 'shortfall:' + p, function (c) { return (c.parts[p] || {}).shortfall || 0; });
      }));
    out.innerHTML = '<table id="c-years"><thead><tr><th>' + esc(body) + '</th>' +
      years.map(function (y) { return '<th class="n">' + y + '</th>'; }).join('') + '</tr></thead><tbody>' + rows.join('') + '</tbody></table>';
  }

  function chart(id, groups) {  // groups: [[name, counts]]: one stacked bar of label shares each
    $(id).innerHTML = groups.map(function (g) {
      return '<div class="chart-row" data-name="' + esc(g[0]) + '"><span title="' + esc(g[0]) + '">' + esc(g[0]) +
        '</span><div class="bar">' + RT.bar(g[1], g[1].units) + '</div><span class="muted">' + g[1].units + '</span></div>';
    }).join('') || '<p class="muted">no units</p>';
  }

  function charts(state) {
    var bodies = {}, years = {}, parts = {};
    Object.keys(state.counts).forEach(function (n) {
      var r = state.reports[n], c = state.counts[n], y = r.year == null ? '?' : r.year;
      bodies[r.body || NO_BODY] = add(bodies[r.body || NO_BODY] || {}, c);
      years[y] = add(years[y] || {}, c);
      Object.keys(c.parts).forEach(function (p) {
        var t = parts[p] || (parts[p] = { units: 0 });
        LABELS.forEach(function (l) { t[l.v] = (t[l.v] || 0) + (c.parts[p][l.v] || 0); t.units += c.parts[p][l.v] || 0; });
      });
    });
    var list = function (o, keys) { return keys.filter(function (k) { return o[k]; }).map(function (k) { return [k, o[k]]; }); };
    chart('ch-body', list(bodies, Object.keys(bodies).sort()));
    chart('ch-year', list(years, Object.keys(years).sort()));
    chart('ch-part', list(parts, META.parts));
  }

  // The units on screen as CSV (UTF-8 with BOM, cells that would run as formulas neutralised, as reportag's CSV).
  var COLUMNS = ['report', 'body', 'year', 'part', 'index', 'kind', 'heading', 'label', 'score', 'text'];
  function cell(v) {
    var s = v == null ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) { s = "'" + s; }
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function csv() {
    var lines = [COLUMNS.join(',')];
    RT.units.forEach(function (u) {
      if (!u.shown) { return; }
      var r = RT.reports[u.r];
      lines.push([r.src, r.body, r.year, u.p, u.id.split('-')[2], u.kind, u.h, u.l, u.s, u.text].map(cell).join(','));
    });
    return '\ufeff' + lines.join('\r\n') + '\r\n';
  }
  $('f-csv').addEventListener('click', function () {
    var url = URL.createObjectURL(new Blob([csv()], { type: 'text/csv;charset=utf-8' }));
    var a = document.createElement('a');
    a.href = url; a.download = 'reportag-view.csv'; document.body.appendChild(a); a.click(); a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  });

  ['c-label', 'c-as', 'c-body'].forEach(function (id) {
    $(id).addEventListener('change', function () { if (last) { compare(last); } });
  });
  $('c-table').addEventListener('click', function (ev) {
    var a = ev.target.closest('a[data-pick]'); if (!a) { return; }
    ev.preventDefault(); $('c-body').value = a.dataset.pick; if (last) { compare(last); }
  });
  RT.csv = csv;
  RT.onUpdate(function (state) { last = state; partTables(state); compare(state); charts(state); });
  RT.apply();
})();
