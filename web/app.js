// SPDX-License-Identifier: Apache-2.0
// The bouncewatch dashboard: a small single-page app over the /v1 JSON API (docs/api.md).
// Plain DOM code, no framework; charts with uPlot. Signs in by exchanging an API token for an
// HttpOnly session cookie (POST /v1/session); writes send the session's X-CSRF-Token.
'use strict';

(function () {
  const main = document.getElementById('main');
  const flash = document.getElementById('flash');
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  const whoName = document.getElementById('who-name');

  let session = null;  // {token_name, scope, csrf_token, expires_at}
  let charts = [];     // uPlot instances of the current page (destroyed on navigation)
  let renderSeq = 0;   // a newer navigation makes older async renders stop

  const LEVEL_TEXT = {ok: 'OK', elevated: 'Elevated', warning: 'Warning', at_risk: 'At risk'};
  const EVENT_TABS = [
    ['bounce', 'Bounce'], ['complaint', 'Complaint'], ['delivery', 'Delivery'], ['send', 'Send'],
    ['reject', 'Reject'], ['delivery_delay', 'Delivery delay'], ['open', 'Open'],
    ['click', 'Click'], ['auto_reply', 'Auto reply'], ['unrecognized', 'Unrecognized'],
    ['', 'All'],
  ];
  const RANGES = [['1h', 'Last hour'], ['24h', 'Last 24 hours'], ['7d', 'Last 7 days'],
    ['30d', 'Last 30 days'], ['', 'All time']];

  // --- DOM helpers (text only: nothing from the API is ever parsed as HTML).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function canWrite() { return session && (session.scope === 'write' || session.scope === 'admin'); }
  function sentence(s) { s = String(s || ''); return s.charAt(0).toUpperCase() + s.slice(1); }
  function pct(x, digits) {
    if (x === null || x === undefined) return '–';
    return (x * 100).toFixed(digits === undefined ? 2 : digits).replace(/\.?0+$/, '') + ' %';
  }
  function plural(n, word) { return num(n) + ' ' + word + (n === 1 ? '' : 's'); }
  function num(n) { return n === null || n === undefined ? '–' : Number(n).toLocaleString('en'); }
  function when(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    return d.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, ' UTC');
  }
  function timeCell(iso) { return h('time', {datetime: iso || '', title: iso || ''}, when(iso)); }

  function showFlash(text, kind) {
    if (!text) { flash.hidden = true; clear(flash); return; }
    flash.className = 'flash ' + (kind || 'error');
    flash.textContent = text;
    flash.hidden = false;
  }

  // --- The API. Resolves to {ok, status, data, text}; a 401 while signed in ends the session
  // and shows the sign-in form with the server's message ("your session expired; ...").
  class ApiError extends Error {}
  async function api(method, path, body, opts) {
    opts = opts || {};
    const headers = {};
    if (method !== 'GET' && session) headers['X-CSRF-Token'] = session.csrf_token;
    let payload;
    if (body !== undefined && body !== null) {
      if (typeof body === 'string') {
        payload = body;
        headers['Content-Type'] = opts.contentType || 'text/plain';
      } else {
        payload = JSON.stringify(body);
        headers['Content-Type'] = 'application/json';
      }
    }
    let res;
    try {
      res = await fetch(path, {method, headers, body: payload, credentials: 'same-origin',
        cache: 'no-store'});
    } catch (e) {
      throw new ApiError('Cannot reach the bouncewatch server (' + e.message + '). Is it running?');
    }
    const text = await res.text();
    let data = null;
    if ((res.headers.get('content-type') || '').includes('json')) {
      try { data = JSON.parse(text); } catch (e) { data = null; }
    }
    const out = {ok: res.ok, status: res.status, data, text};
    if (!res.ok) {
      const msg = data && data.error && data.error.message ? data.error.message
        : 'The server answered ' + res.status + ' ' + res.statusText;
      out.message = sentence(msg);
      out.error = data && data.error ? data.error : {code: String(res.status), message: msg};
      if (res.status === 401 && session && !opts.noSessionEnd) {
        // The browser drops the cookie when it expires (Max-Age), so the server may only see
        // "no credentials": say what happened.
        const expired = Date.now() >= Date.parse(session.expires_at) - 1000;
        if (expired && !/expired|revoked/.test(msg)) out.message = 'Your session expired; sign in again';
        session = null;
        renderSignIn(out.message + '.');
        throw new ApiError(out.message);
      }
    }
    return out;
  }
  // For pages: an error answer becomes an exception with its message.
  async function apiOk(method, path, body, opts) {
    const r = await api(method, path, body, opts);
    if (!r.ok) throw new ApiError(r.message);
    return r;
  }

  // --- Sign-in.
  function renderSignIn(message) {
    destroyCharts();
    nav.hidden = true;
    who.hidden = true;
    showFlash(null);
    clear(main);
    const input = h('input', {type: 'password', id: 'token', name: 'token', autocomplete: 'off',
      placeholder: 'bw_…', required: true, 'aria-label': 'API token'});
    const err = h('p', {class: 'message error', id: 'signin-error', role: 'alert',
      hidden: !message}, message || '');
    const form = h('form', {class: 'card signin', id: 'signin-form', onsubmit: async (ev) => {
      ev.preventDefault();
      err.hidden = true;
      let r;
      try {
        r = await api('POST', '/v1/session', {token: input.value}, {noSessionEnd: true});
      } catch (e) {
        err.textContent = e.message; err.hidden = false; return;
      }
      if (!r.ok) {
        err.textContent = r.message + '.';
        err.hidden = false;
        input.select();
        return;
      }
      session = r.data;
      input.value = '';
      start();
    }},
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Use an API token (', h('code', {}, 'bouncewatch token create'), '). The first ',
      h('code', {}, 'serve'), ' writes an admin token to ', h('code', {}, '<data_dir>/admin-token'),
      '.'),
    h('label', {for: 'token'}, 'API token'), input,
    err,
    h('button', {type: 'submit', class: 'primary'}, 'Sign in'));
    main.append(form);
    input.focus();
  }

  async function signOut() {
    try { await api('DELETE', '/v1/session', null, {noSessionEnd: true}); } catch (e) { /* gone */ }
    session = null;
    location.hash = '#/overview';
    renderSignIn('You signed out.');
  }

  function start() {
    nav.hidden = false;
    who.hidden = false;
    whoName.textContent = session.token_name + ' (' + session.scope + ')';
    document.body.dataset.scope = session.scope;
    route();
  }

  // --- Routing: #/overview, #/events[?type=&q=&since=], #/events/ID, #/suppressions, #/setup.
  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, '');
    const [path, query] = raw.split('?');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    return {parts, params: new URLSearchParams(query || '')};
  }
  function destroyCharts() { charts.forEach((c) => c.destroy()); charts = []; }

  async function route() {
    if (!session) return;
    const seq = ++renderSeq;
    destroyCharts();
    showFlash(null);
    const {parts, params} = parseHash();
    const page = parts[0] || 'overview';
    for (const a of nav.querySelectorAll('a')) {
      a.classList.toggle('active', a.dataset.page === page);
      if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    clear(main);
    const view = h('div', {class: 'page', id: 'page-' + page});
    main.append(view);
    const pages = {overview: renderOverview, events: renderEvents,
      suppressions: renderSuppressions, setup: renderSetup};
    const render = pages[page];
    if (!render) {
      view.append(h('div', {class: 'card'}, h('h1', {}, 'Not found'),
        h('p', {}, 'There is no page "' + page + '". ', h('a', {href: '#/overview'}, 'Overview'))));
      return;
    }
    try {
      await render(view, parts.slice(1), params, () => seq === renderSeq);
    } catch (e) {
      if (seq !== renderSeq || !session) return;
      view.append(h('p', {class: 'message error', role: 'alert'}, e.message || String(e)));
    }
  }

  // --- Overview.
  function badge(level, label) {
    const l = level || 'ok';
    return h('span', {class: 'badge level-' + l, dataset: {level: l}},
      (label ? label + ': ' : '') + (LEVEL_TEXT[l] || l));
  }

  function sumCounts(points, sinceMs) {
    const out = {sends: 0, deliveries: 0, bounces: 0, hard_bounces: 0, complaints: 0};
    for (const p of points) {
      if (Date.parse(p.t) < sinceMs) continue;
      for (const k of Object.keys(out)) out[k] += (p.counts && p.counts[k]) || 0;
    }
    return out;
  }

  function rateChart(el, title, points, key, thresholds, extraLines) {
    const xs = points.map((p) => Date.parse(p.t) / 1000);
    const ys = points.map((p) => (p[key] === null || p[key] === undefined ? null : p[key] * 100));
    const lines = [];
    const t = thresholds || {};
    for (const line of extraLines || []) lines.push(line);
    if (t.warning !== null && t.warning !== undefined) {
      lines.push({label: 'Warning ' + pct(t.warning), value: t.warning, stroke: '#d97706'});
    }
    if (t.at_risk !== null && t.at_risk !== undefined) {
      lines.push({label: 'At risk ' + pct(t.at_risk), value: t.at_risk, stroke: '#dc2626'});
    }
    const max = Math.max(0.0001, ...ys.filter((y) => y !== null),
      ...lines.map((l) => l.value * 100)) * 1.15;
    const data = [xs, ys, ...lines.map((l) => xs.map(() => l.value * 100))];
    const series = [{},
      {label: title, stroke: '#1f4e79', width: 2, fill: 'rgba(31,78,121,0.08)',
        value: (u, v) => (v === null ? '–' : v.toFixed(3) + ' %'), spanGaps: false},
      ...lines.map((l) => ({label: l.label, stroke: l.stroke, width: 1.5, dash: [6, 4],
        points: {show: false}, value: () => pct(l.value)}))];
    const width = Math.max(260, el.clientWidth - 8);
    const opts = {
      width, height: width < 500 ? 200 : 240, series,
      scales: {x: {time: true}, y: {range: [0, max]}},
      axes: [{}, {values: (u, vals) => vals.map((v) => +v.toFixed(3) + ' %'), size: 64}],
      legend: {live: true},
      cursor: {drag: {x: false, y: false}},
    };
    const chart = new uPlot(opts, data, el);
    charts.push(chart);
    return chart;
  }

  async function renderOverview(view, _parts, _params, current) {
    view.append(h('h1', {}, 'Overview'));
    // Hourly points for the chart and the 24 h / 7 d counts; daily ones for 30 d (small on a phone).
    const [rep, series, daily] = await Promise.all([
      api('GET', '/v1/reputation?by=recipient_domain&limit=10'),
      api('GET', '/v1/reputation/series?bucket=1h&since=7d'),
      api('GET', '/v1/reputation/series?bucket=1d&since=30d'),
    ]);
    if (!current()) return;
    if (!rep.ok || !series.ok || !daily.ok) {
      const r = [rep, series, daily].find((x) => !x.ok);
      view.append(h('p', {class: 'message error', role: 'alert'}, r.status === 404
        ? 'This server has no reputation API (GET /v1/reputation): update bouncewatch.'
        : r.message + '.'));
      return;
    }
    const R = rep.data;
    const S = series.data;
    const levels = h('section', {class: 'card levels', id: 'levels'},
      h('div', {class: 'level-block', id: 'bounce-level'},
        h('h2', {}, 'Bounce rate'),
        h('div', {class: 'big'}, pct(R.bounce.rate)),
        badge(R.bounce.level),
        h('p', {class: 'muted'}, plural(R.bounce.hard_bounces, 'hard bounce'))),
      h('div', {class: 'level-block', id: 'complaint-level'},
        h('h2', {}, 'Complaint rate'),
        h('div', {class: 'big'}, pct(R.complaint.rate, 3)),
        badge(R.complaint.level),
        h('p', {class: 'muted'}, plural(R.complaint.complaints, 'complaint'))),
      h('div', {class: 'level-block', id: 'sends'},
        h('h2', {}, 'Sends behind the rates'),
        h('div', {class: 'big'}, num(R.sends)),
        h('p', {class: 'muted'}, 'in the last ', R.window.duration || 'window', ' (',
          (R.send_source || 'none').replace(/_/g, ' '), ')'),
        R.low_confidence ? h('p', {class: 'hint', id: 'low-confidence'},
          'Few sends (fewer than ' + num(R.min_sends) + '): the rates are not reliable yet.') : null));
    view.append(levels);

    const points = S.points || [];
    const lastWeek = points.filter((p) => Date.parse(p.t) >= Date.now() - 7 * 86400e3);
    const chartsCard = h('section', {class: 'card charts'});
    const bounceEl = h('div', {class: 'chart', id: 'bounce-chart'});
    const complaintEl = h('div', {class: 'chart', id: 'complaint-chart'});
    chartsCard.append(h('h2', {}, 'Rates, last 7 days (hourly)'), h('h3', {}, 'Bounce rate'),
      bounceEl, h('h3', {}, 'Complaint rate'), complaintEl);
    view.append(chartsCard);
    const th = S.thresholds || {};
    const hasData = lastWeek.some((p) => p.sends > 0 || (p.counts &&
      (p.counts.bounces > 0 || p.counts.complaints > 0 || p.counts.excluded > 0)));
    if (!hasData) {
      chartsCard.append(h('p', {class: 'muted', id: 'no-data'},
        'No sends or feedback in the last 7 days yet.'));
    }
    if (typeof uPlot === 'undefined') {
      chartsCard.append(h('p', {class: 'message error'}, 'The chart library did not load.'));
    } else {
      rateChart(bounceEl, 'Bounce rate', lastWeek, 'bounce_rate', th.bounce,
        [{label: '2 % recommendation', value: 0.02, stroke: '#6b7280'}]);
      rateChart(complaintEl, 'Complaint rate', lastWeek, 'complaint_rate', th.complaint, []);
    }

    const now = Date.now();
    const periods = [['24 h', now - 86400e3], ['7 d', now - 7 * 86400e3], ['30 d', now - 30 * 86400e3]];
    const sums = [sumCounts(points, periods[0][1]), sumCounts(points, periods[1][1]),
      sumCounts(daily.data.points || [], 0)];
    const rows = [['Send events', 'sends'], ['Deliveries', 'deliveries'], ['Bounces', 'bounces'],
      ['Hard bounces', 'hard_bounces'], ['Complaints', 'complaints']];
    view.append(h('section', {class: 'card'}, h('h2', {}, 'Counts by type'),
      h('div', {class: 'scroll'}, h('table', {id: 'counts'},
        h('thead', {}, h('tr', {}, h('th', {}, ''), periods.map(([p]) => h('th', {class: 'num'}, p)))),
        h('tbody', {}, rows.map(([label, key]) => h('tr', {dataset: {key}}, h('th', {}, label),
          sums.map((s) => h('td', {class: 'num'}, num(s[key]))))))))));

    const domains = ((R.breakdowns || {}).recipient_domain || []).slice();
    const order = {at_risk: 3, warning: 2, elevated: 1, ok: 0};
    domains.sort((a, b) => (order[b.level] || 0) - (order[a.level] || 0) ||
      (b.bounce_rate + b.complaint_rate * 10) - (a.bounce_rate + a.complaint_rate * 10));
    view.append(h('section', {class: 'card'}, h('h2', {}, 'Worst recipient domains'),
      domains.length === 0 ? h('p', {class: 'muted'}, 'No recipient domains in the window yet.')
        : h('div', {class: 'scroll'}, h('table', {id: 'domains'},
          h('thead', {}, h('tr', {}, h('th', {}, 'Domain'), h('th', {class: 'num'}, 'Sends'),
            h('th', {class: 'num'}, 'Hard bounces'), h('th', {class: 'num'}, 'Bounce rate'),
            h('th', {class: 'num'}, 'Complaints'), h('th', {class: 'num'}, 'Complaint rate'),
            h('th', {}, 'Level'))),
          h('tbody', {}, domains.map((d) => h('tr', {},
            h('td', {}, h('a', {href: '#/events?q=' + encodeURIComponent(d.key)}, d.key)),
            h('td', {class: 'num'}, num(d.sends), d.low_confidence
              ? h('span', {class: 'muted', title: 'few sends: not reliable'}, ' *') : null),
            h('td', {class: 'num'}, num(d.hard_bounces)),
            h('td', {class: 'num'}, pct(d.bounce_rate)),
            h('td', {class: 'num'}, num(d.complaints)),
            h('td', {class: 'num'}, pct(d.complaint_rate, 3)),
            h('td', {}, badge(d.level)))))))));
    view.append(h('p', {class: 'muted small'}, 'As of ', timeCell(R.as_of),
      '. Levels follow the SES console: Warning and At risk at the thresholds above; Elevated ',
      'above the 2 % bounce recommendation.'));
  }

  // --- Events.
  function eventSummary(e) {
    if (e.bounce) {
      return [e.bounce.class, e.bounce.status, e.bounce.diagnostic].filter(Boolean).join(' · ');
    }
    if (e.complaint) return ['complaint', e.complaint.feedback_type].filter(Boolean).join(' · ');
    return e.type.replace(/_/g, ' ');
  }

  async function renderEvents(view, parts, params, current) {
    if (parts[0]) return renderEvent(view, parts[0], current);
    const type = params.has('type') ? params.get('type') : 'bounce';
    const q = params.get('q') || '';
    const since = params.has('since') ? params.get('since') : '7d';
    const go = (changes) => {
      const p = new URLSearchParams({type, q, since});
      for (const [k, v] of Object.entries(changes)) p.set(k, v);
      location.hash = '#/events?' + p.toString();
    };
    view.append(h('h1', {}, 'Events'));
    view.append(h('div', {class: 'tabs', role: 'tablist', id: 'event-tabs'},
      EVENT_TABS.map(([t, label]) => h('a', {href: '#', role: 'tab', dataset: {type: t},
        class: t === type ? 'active' : null, 'aria-selected': t === type ? 'true' : 'false',
        onclick: (ev) => { ev.preventDefault(); go({type: t}); }}, label))));
    const search = h('input', {type: 'search', id: 'event-search', value: q,
      placeholder: 'Address or domain', 'aria-label': 'Search by address or domain'});
    const range = h('select', {id: 'event-range', 'aria-label': 'Time range'},
      RANGES.map(([v, label]) => h('option', {value: v, selected: v === since}, label)));
    view.append(h('form', {class: 'filters', onsubmit: (ev) => {
      ev.preventDefault(); go({q: search.value.trim(), since: range.value});
    }}, search, range, h('button', {type: 'submit'}, 'Search')));
    range.addEventListener('change', () => go({q: search.value.trim(), since: range.value}));

    const tbody = h('tbody', {});
    const table = h('table', {id: 'events', class: 'clickable stack'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Received'), h('th', {}, 'Type'),
        h('th', {}, 'Recipient'), h('th', {}, 'Details'), h('th', {}, 'Subject'))), tbody);
    const more = h('button', {type: 'button', id: 'events-more', hidden: true}, 'Older events');
    const status = h('p', {class: 'muted', id: 'events-status'});
    view.append(h('section', {class: 'card'}, h('div', {class: 'scroll'}, table), status, more));

    const base = new URLSearchParams();
    if (type) base.set('type', type);
    if (since) base.set('since', since);
    if (q) base.set(q.includes('@') ? 'recipient' : 'domain', q);
    base.set('limit', '50');
    let cursor = null;
    let shown = 0;
    const load = async () => {
      const p = new URLSearchParams(base);
      if (cursor) p.set('cursor', cursor);
      const r = await api('GET', '/v1/events?' + p.toString());
      if (!current()) return;
      if (!r.ok) {
        status.textContent = r.message + '.';
        status.className = 'message error';
        more.hidden = true;
        return;
      }
      for (const e of r.data.events) {
        const href = '#/events/' + encodeURIComponent(e.id);
        tbody.append(h('tr', {dataset: {id: e.id, type: e.type},
          onclick: () => { location.hash = href; }},
        h('td', {}, timeCell(e.received_at)),
        h('td', {}, h('span', {class: 'type type-' + e.type}, e.type.replace(/_/g, ' '))),
        h('td', {}, h('a', {href}, e.recipient)),
        h('td', {class: 'detail'}, eventSummary(e)),
        h('td', {}, (e.mail && e.mail.subject) || '')));
      }
      shown += r.data.events.length;
      cursor = r.data.next_cursor;
      more.hidden = !cursor;
      status.className = 'muted';
      status.textContent = shown === 0 ? 'No events match.' : shown + ' event' +
        (shown === 1 ? '' : 's') + (cursor ? ' (more below)' : '');
    };
    more.addEventListener('click', () => load());
    await load();
  }

  function field(label, value) {
    if (value === null || value === undefined || value === '') return null;
    return [h('dt', {}, label), h('dd', {}, value)];
  }

  function prettyRaw(body) {
    try {
      const v = JSON.parse(body);
      if (v && typeof v.Message === 'string') {
        try { v.Message = JSON.parse(v.Message); } catch (e) { /* keep the string */ }
      }
      return JSON.stringify(v, null, 2);
    } catch (e) {
      return body;
    }
  }

  async function renderEvent(view, id, current) {
    view.append(h('p', {}, h('a', {href: '#/events', onclick: (ev) => {
      if (history.length > 1) { ev.preventDefault(); history.back(); }
    }}, '← Events')));
    const r = await apiOk('GET', '/v1/events/' + encodeURIComponent(id));
    if (!current()) return;
    const e = r.data.event;
    const raw = r.data.raw;
    const b = e.bounce || {};
    const c = e.complaint || {};
    const m = e.mail || {};
    view.append(h('h1', {}, h('span', {class: 'type type-' + e.type}, e.type.replace(/_/g, ' ')),
      ' ', e.recipient));
    view.append(h('section', {class: 'card', id: 'event-detail'}, h('dl', {class: 'fields'},
      field('Received', timeCell(e.received_at)),
      field('Occurred', timeCell(e.occurred_at)),
      field('Bounce class', b.class),
      field('SES type', [b.ses_type, b.ses_subtype].filter(Boolean).join(' / ')),
      field('SMTP status', b.status ? h('code', {id: 'smtp-status'}, b.status) : null),
      field('Action', b.action),
      field('Diagnostic', b.diagnostic ? h('code', {id: 'diagnostic'}, b.diagnostic) : null),
      field('Reason', b.reason),
      field('Reporting MTA', b.reporting_mta),
      field('Feedback type', c.feedback_type),
      field('Complaint sub-type', c.sub_type),
      field('User agent', c.user_agent),
      field('Subject', m.subject),
      field('From', m.from),
      field('SES message id', m.message_id ? h('code', {}, m.message_id) : null),
      field('Message-ID header', m.header_message_id ? h('code', {}, m.header_message_id) : null),
      field('Sent at', m.sent_at),
      field('Configuration set', m.configuration_set),
      field('Source', e.source),
      field('Event id', h('code', {}, e.id)))));
    view.append(h('section', {class: 'card'}, h('h2', {}, 'Raw notification'),
      raw ? [h('p', {class: 'muted small'}, raw.kind, ' from ', raw.topic_arn || raw.source,
        ', received ', when(raw.received_at)),
      h('pre', {class: 'raw', id: 'raw'}, prettyRaw(raw.body))]
        : h('p', {class: 'muted'}, 'No raw notification is stored for this event.')));
  }

  // --- Suppressions.
  function download(name, type, text) {
    const url = URL.createObjectURL(new Blob([text], {type}));
    const a = h('a', {href: url, download: name, hidden: true});
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 1000);
  }

  async function renderSuppressions(view, _parts, params, current) {
    const q = params.get('q') || '';
    const reason = params.get('reason') || '';
    view.append(h('h1', {}, 'Suppressions'));
    const msg = h('p', {class: 'message', id: 'supp-message', role: 'status', hidden: true});
    const say = (text, kind) => {
      msg.textContent = text; msg.className = 'message ' + (kind || 'ok'); msg.hidden = !text;
    };
    view.append(msg);

    const tools = h('div', {class: 'grid2'});
    view.append(tools);
    if (canWrite()) {
      const addr = h('input', {type: 'text', id: 'add-address', placeholder: 'name@example.com',
        required: true, 'aria-label': 'Address to suppress', autocomplete: 'off'});
      const note = h('input', {type: 'text', id: 'add-note', placeholder: 'Note (optional)',
        maxlength: 1000, 'aria-label': 'Note'});
      tools.append(h('form', {class: 'card', id: 'add-form', onsubmit: async (ev) => {
        ev.preventDefault();
        const a = addr.value.trim();
        const r = await api('PUT', '/v1/suppressions/' + encodeURIComponent(a),
          note.value ? {note: note.value} : null);
        if (!r.ok) { say(r.message + '.', 'error'); return; }
        addr.value = ''; note.value = '';
        say('Suppressed ' + r.data.address + '.', 'ok');
        await refresh();
      }}, h('h2', {}, 'Add'), addr, note, h('button', {type: 'submit', class: 'primary'},
        'Suppress')));
      const file = h('input', {type: 'file', id: 'import-file', accept: '.csv,.jsonl,.json,.txt',
        'aria-label': 'File to import'});
      const fmt = h('select', {id: 'import-format', 'aria-label': 'Format'},
        h('option', {value: 'csv'}, 'CSV (SES: EmailAddress,Reason)'),
        h('option', {value: 'jsonl'}, 'JSON lines'));
      const skip = h('input', {type: 'checkbox', id: 'import-skip'});
      file.addEventListener('change', () => {
        if (file.files[0] && /\.jsonl?$/i.test(file.files[0].name)) fmt.value = 'jsonl';
      });
      tools.append(h('form', {class: 'card', id: 'import-form', onsubmit: async (ev) => {
        ev.preventDefault();
        if (!file.files[0]) { say('Choose a file to import.', 'error'); return; }
        const text = await file.files[0].text();
        const r = await api('POST', '/v1/suppressions/import?format=' + fmt.value +
          '&skip_invalid=' + (skip.checked ? 'true' : 'false'), text,
        {contentType: fmt.value === 'csv' ? 'text/csv' : 'application/x-ndjson'});
        if (!r.ok) {
          const lines = (r.error.invalid || []).slice(0, 5)
            .map((i) => 'line ' + i.line + ': ' + i.message).join('; ');
          say(r.message + (lines ? ' (' + lines + ')' : '') + '.', 'error');
          return;
        }
        say('Imported ' + r.data.imported + ' address' + (r.data.imported === 1 ? '' : 'es') +
          (r.data.invalid.length ? '; skipped ' + r.data.invalid.length + ' invalid line(s)' : '') +
          '.', 'ok');
        file.value = '';
        await refresh();
      }}, h('h2', {}, 'Import'), file, fmt,
      h('label', {class: 'inline'}, skip, ' Skip invalid lines'),
      h('button', {type: 'submit'}, 'Import')));
    }
    const exportFmt = h('select', {id: 'export-format', 'aria-label': 'Export format'},
      h('option', {value: 'csv'}, 'CSV'), h('option', {value: 'jsonl'}, 'JSON lines'));
    tools.append(h('div', {class: 'card', id: 'export-box'}, h('h2', {}, 'Export'),
      h('p', {class: 'muted small'}, 'Every suppressed address; the CSV imports into SES.'),
      exportFmt, h('button', {type: 'button', id: 'export', onclick: async () => {
        const r = await api('GET', '/v1/suppressions/export?format=' + exportFmt.value);
        if (!r.ok) { say(r.message + '.', 'error'); return; }
        const lines = r.text.split('\n').filter((l) => l.trim() !== '');
        const rows = exportFmt.value === 'csv' && /^EmailAddress,/i.test(lines[0] || '')
          ? lines.length - 1 : lines.length;
        if (rows === 0) { say('The suppression list is empty: there is nothing to export.', 'error'); return; }
        const stamp = new Date().toISOString().slice(0, 10);
        download('suppressions-' + stamp + '.' + exportFmt.value,
          exportFmt.value === 'csv' ? 'text/csv' : 'application/x-ndjson', r.text);
        say('Exported ' + rows + ' address' + (rows === 1 ? '' : 'es') + '.', 'ok');
      }}, 'Download')));

    const search = h('input', {type: 'search', id: 'supp-search', value: q,
      placeholder: 'Address or domain', 'aria-label': 'Search by address or domain'});
    const reasonSel = h('select', {id: 'supp-reason', 'aria-label': 'Reason'},
      [['', 'Any reason'], ['bounce', 'Bounce'], ['complaint', 'Complaint'], ['manual', 'Manual'],
        ['import', 'Import']].map(([v, l]) => h('option', {value: v, selected: v === reason}, l)));
    view.append(h('form', {class: 'filters', onsubmit: (ev) => {
      ev.preventDefault();
      location.hash = '#/suppressions?' + new URLSearchParams({q: search.value.trim(),
        reason: reasonSel.value}).toString();
    }}, search, reasonSel, h('button', {type: 'submit'}, 'Search')));

    const tbody = h('tbody', {});
    const status = h('p', {class: 'muted', id: 'supp-status'});
    const more = h('button', {type: 'button', id: 'supp-more', hidden: true}, 'More');
    view.append(h('section', {class: 'card'}, h('div', {class: 'scroll'}, h('table', {id: 'suppressions', class: 'stack'},
      h('thead', {}, h('tr', {}, h('th', {}, 'Address'), h('th', {}, 'Reason'),
        h('th', {}, 'Since'), h('th', {}, 'Expires'), h('th', {}, 'Note'),
        canWrite() ? h('th', {}, '') : null)), tbody)), status, more));

    let cursor = null;
    let shown = 0;
    const row = (s) => h('tr', {dataset: {key: s.key}},
      h('td', {}, s.address), h('td', {}, s.reason, s.detail && s.detail !== s.reason
        ? h('span', {class: 'muted'}, ' (' + s.detail.replace(/_/g, ' ') + ')') : null),
      h('td', {}, timeCell(s.suppressed_at)), h('td', {}, s.expires_at ? when(s.expires_at) : 'never'),
      h('td', {class: 'note'}, s.note || ''),
      canWrite() ? h('td', {}, h('button', {type: 'button', class: 'danger small remove',
        dataset: {address: s.key}, onclick: async () => {
          if (!confirm('Remove ' + s.address + ' from the suppression list? Mail to it will be ' +
            'sent again.')) return;
          const r = await api('DELETE', '/v1/suppressions/' + encodeURIComponent(s.key));
          if (!r.ok) { say(r.message + '.', 'error'); return; }
          say('Removed ' + s.address + ' from the suppression list.', 'ok');
          await refresh();
        }}, 'Remove')) : null);
    const load = async () => {
      if (q.includes('@')) {
        const r = await api('GET', '/v1/suppressions/' + encodeURIComponent(q));
        if (!current()) return;
        if (r.status === 404) { status.textContent = q + ' is not suppressed.'; return; }
        if (!r.ok) { status.textContent = r.message + '.'; status.className = 'message error'; return; }
        tbody.append(row(r.data));
        status.textContent = '';
        return;
      }
      const p = new URLSearchParams({limit: '100'});
      if (q) p.set('domain', q);
      if (reason) p.set('reason', reason);
      if (cursor) p.set('cursor', cursor);
      const r = await api('GET', '/v1/suppressions?' + p.toString());
      if (!current()) return;
      if (!r.ok) { status.textContent = r.message + '.'; status.className = 'message error'; return; }
      r.data.suppressions.forEach((s) => tbody.append(row(s)));
      shown += r.data.suppressions.length;
      cursor = r.data.next_cursor;
      more.hidden = !cursor;
      status.className = 'muted';
      status.textContent = shown === 0 ? 'No suppressed addresses' + (q || reason ? ' match.' : '.')
        : shown + ' address' + (shown === 1 ? '' : 'es') + (cursor ? ' (more below)' : '');
    };
    const refresh = async () => { clear(tbody); cursor = null; shown = 0; await load(); };
    more.addEventListener('click', () => load());
    await load();
  }

  // --- Setup.
  function copyButton(getText) {
    return h('button', {type: 'button', class: 'small', onclick: async (ev) => {
      try {
        await navigator.clipboard.writeText(getText());
        ev.target.textContent = 'Copied';
      } catch (e) {
        ev.target.textContent = 'Select and copy';
      }
      setTimeout(() => { ev.target.textContent = 'Copy'; }, 1500);
    }}, 'Copy');
  }

  async function renderSetup(view, _parts, _params, current) {
    view.append(h('h1', {}, 'Setup'));
    const r = await apiOk('GET', '/v1/setup');
    if (!current()) return;
    const S = r.data;
    view.append(h('section', {class: 'card'}, h('h2', {}, 'SNS endpoint'),
      h('p', {}, 'Subscribe your SNS topics to this HTTPS endpoint:'),
      h('div', {class: 'copyline'}, h('code', {id: 'endpoint-url'}, S.endpoint_url),
        copyButton(() => S.endpoint_url)),
      S.public_url_configured ? null : h('p', {class: 'hint'}, 'Derived from this page\'s address. ',
        'SNS needs a public HTTPS URL: set ', h('code', {}, '[server] public_url'),
        ' in the configuration (e.g. behind a TLS proxy).')));
    const stateText = {confirmed: 'Confirmed', pending: 'Pending confirmation',
      manual: 'Waiting for manual confirmation', confirm_failed: 'Confirmation failed',
      unsubscribed: 'Unsubscribed', not_subscribed: 'No subscription yet'};
    view.append(h('section', {class: 'card'}, h('h2', {}, 'Topics'),
      S.topics.length === 0 ? h('p', {class: 'message error'}, 'No topic is allowed: add your topic ',
        'ARNs to ', h('code', {}, '[sns] topics'), '; until then every SNS message is refused.')
        : h('div', {class: 'scroll'}, h('table', {id: 'topics'},
          h('thead', {}, h('tr', {}, h('th', {}, 'Topic'), h('th', {}, 'Allowed'),
            h('th', {}, 'Subscription'), h('th', {}, 'Last delivery'))),
          h('tbody', {}, S.topics.map((t) => h('tr', {},
            h('td', {}, h('code', {}, t.topic_arn)),
            h('td', {}, t.allowed ? 'yes' : h('span', {class: 'badge level-warning'}, 'not in [sns] topics')),
            h('td', {}, h('span', {class: 'state state-' + t.state}, stateText[t.state] || t.state),
              t.last_error ? h('div', {class: 'muted small'}, t.last_error) : null),
            h('td', {}, t.last_message_at ? timeCell(t.last_message_at) : 'never'))))))));
    const identity = h('input', {type: 'text', id: 'identity', placeholder: 'example.com',
      'aria-label': 'SES identity (domain or address)'});
    const cmds = h('div', {id: 'commands'});
    const fill = () => {
      clear(cmds);
      const id = identity.value.trim() || 'YOUR_IDENTITY';
      for (const c of S.commands) {
        const text = c.command.split('YOUR_IDENTITY').join(id);
        cmds.append(h('h3', {}, c.title), h('div', {class: 'copyline'},
          h('pre', {class: 'cmd'}, text), copyButton(() => text)));
      }
      if (!S.commands.length) cmds.append(h('p', {class: 'muted'}, 'Allow a topic first.'));
    };
    identity.addEventListener('input', fill);
    fill();
    view.append(h('section', {class: 'card'}, h('h2', {}, 'AWS CLI commands'),
      h('label', {for: 'identity'}, 'Your SES identity (domain or address)'), identity, cmds));
  }

  // --- Start: who am I?
  window.addEventListener('hashchange', route);
  document.getElementById('sign-out').addEventListener('click', signOut);
  (async () => {
    let r;
    try {
      r = await api('GET', '/v1/session', null, {noSessionEnd: true});
    } catch (e) {
      renderSignIn(e.message);
      return;
    }
    if (r.ok) {
      session = r.data;
      start();
    } else {
      const m = r.error && /expired|revoked/.test(r.error.message) ? r.message + '.' : null;
      renderSignIn(m);
    }
  })();
})();
