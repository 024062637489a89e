/* reportag page, part 1: filters (label, report, part, words any/all), saved topics, counts and the sortable index.
   Each unit is read once from the page into a plain object; a filter is one pass over them that touches only the
   elements whose state changes, then hands the counts to the views (views.js) through window.reportag. */
(function () {
  'use strict';
  var META = JSON.parse(document.getElementById('meta').textContent);
  var $ = function (id) { return document.getElementById(id); };
  var LABELS = META.labels.map(function (l) { return l.v; });
  var reports = {};
  META.reports.forEach(function (r) { reports[r.n] = r; r.section = $('r-' + r.n); r.row = null; });
  [].forEach.call(document.querySelectorAll('#index tbody tr'), function (tr) {
    var r = reports[tr.dataset.r]; if (r) { r.row = tr; }
  });

  // Units in page order; the heading chain is written only where it changes, so carry it forward.
  var els = document.querySelectorAll('section.report .u'), units = new Array(els.length), paras = [];
  var heading = '', lastReport = -1, lastPara = null;
  for (var i = 0; i < els.length; i++) {
    var e = els[i], d = e.dataset, r = +d.r;
    if (r !== lastReport) { heading = ''; lastReport = r; }
    if (d.h !== undefined) { heading = d.h; }
    if (e.parentNode !== lastPara) { lastPara = e.parentNode; paras.push({ e: lastPara, shown: -1, n: 0 }); }
    e._u = i;
    units[i] = { e: e, id: e.id, l: d.l, p: d.p, r: r, s: +d.s, h: heading, para: paras.length - 1,
                 kind: e.classList.contains('heading') ? 'heading' : e.classList.contains('meta') ? 'meta' : 'sentence',
                 text: e.firstChild ? e.firstChild.data : '', low: null, shown: true, hit: false };
  }
  var items = [].map.call(document.querySelectorAll('.list li[data-u]'), function (li) {
    var u = $(li.dataset.u); return { e: li, u: u ? u._u : -1, shown: true };
  });
  var groups = [].slice.call(document.querySelectorAll('.list .hg, .list .grp'));
  var boxes = [].slice.call(document.querySelectorAll('input.lab'));
  var q = $('f-search'), mode = $('f-mode'), repSel = $('f-report'), partSel = $('f-part');
  var listeners = [], sortKey = null, sortDir = 1;

  function words() {
    return q.value.toLowerCase().split(/[\s,，、;；]+/).filter(function (w) { return w; });
  }

  function apply() {
    var t0 = performance.now(), on = {};
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    var rep = repSel.value ? +repSel.value : 0, part = partSel.value, ws = words(), all = mode.value === 'all';
    var counts = {}, shown = 0, p;
    for (p = 0; p < paras.length; p++) { paras[p].n = 0; }
    for (var i = 0; i < units.length; i++) {
      var u = units[i], ok = on[u.l] !== false && (!part || u.p === part) && (!rep || u.r === rep), hit = false;
      if (ok && ws.length) {
        var low = u.low || (u.low = u.text.toLowerCase());
        hit = all ? ws.every(function (w) { return low.indexOf(w) >= 0; })
                  : ws.some(function (w) { return low.indexOf(w) >= 0; });
        ok = hit;
      }
      if (ok !== u.shown) { u.e.classList.toggle('hidden', !ok); u.shown = ok; }
      if (hit !== u.hit) { u.e.classList.toggle('hit', hit); u.hit = hit; }
      if (ok) {
        shown++; paras[u.para].n++;
        var c = counts[u.r] || (counts[u.r] = { units: 0, parts: {} });
        c.units++; c[u.l] = (c[u.l] || 0) + 1;
        var cp = c.parts[u.p] || (c.parts[u.p] = {}); cp[u.l] = (cp[u.l] || 0) + 1;
      }
    }
    for (p = 0; p < paras.length; p++) {
      var on2 = paras[p].n > 0;
      if (on2 !== (paras[p].shown === 1)) { paras[p].e.classList.toggle('hidden', !on2); paras[p].shown = on2 ? 1 : 0; }
    }
    items.forEach(function (it) {
      var ok = it.u >= 0 && units[it.u].shown;
      if (ok !== it.shown) { it.e.classList.toggle('hidden', !ok); it.shown = ok; }
    });
    groups.forEach(function (g) {  // a report's group or a heading's group: shown while one of its items is
      g.classList.toggle('hidden', !g.querySelector('li:not(.hidden)'));
    });
    document.querySelectorAll('.list').forEach(function (s) {
      s.querySelector('.n-items').textContent = s.querySelectorAll('li:not(.hidden)').length;
      s.querySelector('.n-reports').textContent = s.querySelectorAll('.grp:not(.hidden)').length;
    });
    Object.keys(reports).forEach(function (n) {
      var r = reports[n], c = counts[n], empty = !c;
      if (r.section) { r.section.classList.toggle('hidden', empty); }
      if (r.row) { r.row.classList.toggle('hidden', empty); fillRow(r.row, c || { units: 0 }); }
    });
    sortIndex();
    $('f-count').textContent = shown + ' units in ' + Object.keys(counts).length + ' reports';
    var state = { counts: counts, shown: shown, units: units, reports: reports, labels: LABELS, parts: META.parts };
    listeners.forEach(function (f) { f(state); });
    api.lastMs = performance.now() - t0;
    return shown;
  }

  function fillRow(tr, c) {
    var total = c.units || 0, bar = tr.querySelector('.bar');
    tr.querySelectorAll('td[data-c]').forEach(function (td) {
      var v = c[td.dataset.c] || 0; td.textContent = v; td.classList.toggle('zero', !v);
    });
    if (bar) { bar.innerHTML = api.bar(c, total); }
  }

  function cellValue(tr, key) {
    var idx = { name: 0, body: 1, year: 2 }[key];
    if (idx !== undefined) {
      var t = tr.cells[idx].textContent;
      return key === 'year' ? (+t || 0) : t;
    }
    return +tr.querySelector('td[data-c="' + key + '"]').textContent;
  }

  function sortIndex() {
    if (!sortKey) { return; }
    var body = document.querySelector('#index tbody'), rows = [].slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, sortKey), y = cellValue(b, sortKey);
      return (x < y ? -1 : x > y ? 1 : 0) * sortDir || (+a.dataset.r - +b.dataset.r);
    });
    rows.forEach(function (tr) { body.appendChild(tr); });
  }

  document.querySelectorAll('#index th[data-k]').forEach(function (th) {
    th.addEventListener('click', function () {
      var key = th.dataset.k, numeric = key !== 'name' && key !== 'body';
      sortDir = sortKey === key ? -sortDir : (numeric ? -1 : 1);  // numbers: largest first
      sortKey = key;
      document.querySelectorAll('#index th').forEach(function (h) { h.classList.remove('asc', 'desc'); });
      th.classList.add(sortDir > 0 ? 'asc' : 'desc');
      sortIndex();
    });
  });

  // Topics: named word lists kept in this browser (localStorage), edited here.
  var STORE = 'reportag.topics', topicSel = $('t-topic'), topicName = $('t-name');
  var DEFAULT_TOPICS = [{ name: '就业 employment', words: '就业 招聘 创业', mode: 'any' },
                        { name: '营商环境 business', words: '营商环境 市场主体 民营', mode: 'any' },
                        { name: '生态 ecology', words: '生态 环保 污染 碳', mode: 'any' }];
  function loadTopics() {
    try { var saved = localStorage.getItem(STORE); return saved ? JSON.parse(saved) : DEFAULT_TOPICS.slice(); }
    catch (err) { return DEFAULT_TOPICS.slice(); }
  }
  var topics = loadTopics();
  function saveTopics() { try { localStorage.setItem(STORE, JSON.stringify(topics)); } catch (err) { /* private mode */ } }
  function showTopics(selected) {
    topicSel.length = 1;
    topics.forEach(function (t) { topicSel.add(new Option(t.name + ': ' + t.words, t.name)); });
    topicSel.value = selected || '';
  }
  topicSel.addEventListener('change', function () {
    var t = topics.filter(function (x) { return x.name === topicSel.value; })[0];
    if (!t) { return; }
    q.value = t.words; mode.value = t.mode || 'any'; topicName.value = t.name; apply();
  });
  $('t-save').addEventListener('click', function () {
    var name = topicName.value.trim() || q.value.trim();
    if (!name || !q.value.trim()) { return; }
    topics = topics.filter(function (t) { return t.name !== name; });
    topics.push({ name: name, words: q.value.trim(), mode: mode.value });
    saveTopics(); showTopics(name);
  });
  $('t-del').addEventListener('click', function () {
    var name = topicSel.value || topicName.value.trim();
    topics = topics.filter(function (t) { return t.name !== name; });
    saveTopics(); showTopics(''); topicName.value = '';
  });
  showTopics('');

  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  [repSel, partSel, mode].forEach(function (s) { s.addEventListener('change', apply); });
  q.addEventListener('input', apply);
  function reveal(t) {  // a unit linked to (a list, a shared #u-… address) is shown even when a filter hid it
    if (t.classList.contains('hidden')) {
      boxes.forEach(function (b) { b.checked = true; }); repSel.value = ''; partSel.value = ''; q.value = ''; apply();
      t.scrollIntoView({ block: 'center' });
    }
    t.classList.add('flash'); setTimeout(function () { t.classList.remove('flash'); }, 1500);
  }
  document.addEventListener('click', function (ev) {
    var sup = ev.target.closest('.u sup');
    if (sup) { location.hash = sup.parentNode.id; return; }
    var a = ev.target.closest('a[href^="#u-"]'), t = a && $(a.getAttribute('href').slice(1));
    if (t) { reveal(t); }
  });
  window.addEventListener('hashchange', function () {
    var t = location.hash.indexOf('#u-') === 0 && $(location.hash.slice(1));
    if (t) { reveal(t); }
  });
  document.addEventListener('mouseover', function (ev) {  // the unit's place and scores, built when first needed
    var e = ev.target.closest && ev.target.closest('.u'); if (!e || e.title) { return; }
    var u = units[e._u], r = reports[u.r], ps = e.dataset.ps.split(',');
    e.title = r.src + ' #' + u.id.split('-')[2] + ' · ' + u.p + '\n' + u.h + '\n' +
      LABELS.map(function (l, k) { return l + ' ' + ps[k] + '%'; }).join(' · ');
  });

  var api = window.reportag = {
    apply: apply, units: units, reports: reports, meta: META, lastMs: 0,
    onUpdate: function (f) { listeners.push(f); },
    bar: function (c, total) {
      return META.labels.map(function (l) {
        var v = c[l.v] || 0;
        return v ? '<i style="width:' + (100 * v / (total || 1)).toFixed(1) + '%;background:' + l.c +
          '" title="' + l.zh + ' ' + l.v + ' ' + v + ' (' + (100 * v / (total || 1)).toFixed(1) + '%)"></i>' : '';
      }).join('');
    }
  };
})();
