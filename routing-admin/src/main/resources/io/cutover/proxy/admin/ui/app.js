// Cutover Proxy status page. Plain browser JavaScript, no build step and nothing loaded from
// elsewhere: the admin endpoint serves this file and the page talks to that endpoint only.
// Every text from the server goes into the page through textContent, never as HTML, because wave,
// topic and client names come from operators and clients.

const POLL_MS = 2000;
const TOKEN_KEY = 'cutover-proxy-token';
const CLIENT_ROWS = 200;
const NO_RETURN = 'Promote is the point of no return: after it the wave cannot be rolled back through the proxy.';

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- DOM helpers

/** An element with attributes and children; strings become text nodes, null children are skipped. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** A table; a header given as [text, 'num'] right-aligns its column's title like its numbers. */
function table(headers, rows, cls) {
  const th = (t) => (Array.isArray(t) ? h('th', { class: t[1] }, t[0]) : h('th', null, t));
  return h('div', { class: 'scroll' }, h('table', { class: cls || 'grid' },
    h('thead', null, h('tr', null, headers.map(th))),
    h('tbody', null, rows)));
}

function fmt(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  return Number(n).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ms(n) {
  return n === null || n === undefined ? '–' : `${fmt(n, n < 10 ? 2 : 1)} ms`;
}

function list(values) {
  return values && values.length ? values.join(', ') : '–';
}

// <details> are rebuilt on every poll; remember which ones the operator opened so they stay open.
const openDetails = new Set();

function details(key, summary, ...body) {
  const d = h('details', { 'data-key': key, open: openDetails.has(key) }, h('summary', null, summary), ...body);
  d.addEventListener('toggle', () => (d.open ? openDetails.add(key) : openDetails.delete(key)));
  return d;
}

// ---------------------------------------------------------------- token

function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** Takes a token from /ui#token=..., then drops it from the address bar and the history entry. */
function takeTokenFromUrl() {
  const params = new URLSearchParams(location.hash.slice(1));
  const t = params.get('token');
  if (t) {
    sessionStorage.setItem(TOKEN_KEY, t.trim());
    history.replaceState(null, '', location.pathname + location.search);
  }
}

function showLogin(message) {
  $('login').hidden = false;
  $('status').hidden = true;
  $('forget').hidden = true;
  $('login-message').textContent = message || '';
  $('login-message').hidden = !message;
  $('token-input').focus();
}

function showStatus() {
  $('login').hidden = true;
  $('status').hidden = false;
  $('forget').hidden = false;
}

class Unauthorized extends Error {}

// ---------------------------------------------------------------- API

/**
 * One admin call. Answers {status, ok, body} with body parsed as JSON when it is; 401 throws. The
 * token goes on every call once there is one; /health and /metrics also answer without it, so the
 * header shows cluster health before the operator has entered a token.
 */
async function call(method, path, { body } = {}) {
  const headers = {};
  const auth = Boolean(token());
  if (auth) headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body, cache: 'no-store', credentials: 'omit' });
  const text = await res.text();
  if (auth && res.status === 401) throw new Unauthorized(errorText(res.status, text));
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch (_) { /* /metrics is text, and a proxy in between may answer HTML */ }
  return { status: res.status, ok: res.ok, body: parsed };
}

/** The server's own words for a refusal: its {"error": ...} when it sent one. */
function errorText(status, body) {
  let message = body;
  if (typeof body === 'string') {
    try { message = JSON.parse(body); } catch (_) { /* plain text */ }
  }
  if (message && typeof message === 'object' && message.error) message = message.error;
  if (typeof message !== 'string' || !message.trim()) message = '(no details)';
  return `HTTP ${status}: ${message.trim()}`;
}

// ---------------------------------------------------------------- metrics

/** Prometheus text format into samples {name, labels, value}; comments and blank lines skipped. */
function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
    let l;
    while ((l = re.exec(m[3] || '')) !== null) {
      labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: m[1], labels, value: Number(m[4]) });
  }
  return samples;
}

/** Sums a metric's samples by the value of one label (or by the labels' joined values). */
function sumBy(samples, name, keyOf) {
  const out = new Map();
  for (const s of samples) {
    if (s.name !== name) continue;
    const k = keyOf(s.labels);
    out.set(k, (out.get(k) || 0) + s.value);
  }
  return out;
}

function total(samples, name) {
  return samples.filter((s) => s.name === name).reduce((a, s) => a + s.value, 0);
}

/**
 * Counters grow; a rate is the growth between two polls. The proxy registers a counter on first use
 * (a cluster's first request after a switch, a new error code), so one missing from a previous
 * scrape that had others started from 0 since. A restart (a counter going down) shows no rate.
 */
class Rates {
  constructor() { this.previous = new Map(); this.at = 0; }

  update(now, counters) {
    const seconds = (now - this.at) / 1000;
    const hadScrape = this.previous.size > 0;
    const rates = new Map();
    for (const [k, v] of counters) {
      const before = this.previous.has(k) ? this.previous.get(k) : hadScrape ? 0 : undefined;
      rates.set(k, before === undefined || seconds <= 0 || v < before ? null : (v - before) / seconds);
    }
    this.previous = counters;
    this.at = now;
    return rates;
  }
}

// ---------------------------------------------------------------- rendering: header and clusters

function renderHealth(health) {
  const box = $('health');
  if (!health) {
    box.replaceChildren(h('span', { class: 'badge bad' }, 'UNREACHABLE'));
    return;
  }
  const chips = Object.entries(health.clusters || {}).map(([name, c]) =>
    h('span', { class: `chip ${c.reachable ? 'good' : 'bad'}`, title: c.error || c.bootstrapServers || '' },
      `${name} ${c.reachable ? '✓' : '✗'} ${c.brokers ?? '?'} broker${c.brokers === 1 ? '' : 's'}`));
  const tone = health.status === 'UP' ? 'good' : health.status === 'DEGRADED' ? 'warn' : 'bad';
  box.replaceChildren(h('span', { class: `badge ${tone}` }, health.status || '?'), ...chips);
}

function renderClusters(health, samples, requestRates) {
  const totals = sumBy(samples, 'cutover_proxy_cluster_requests_total', (l) => l.cluster);
  const stale = sumBy(samples, 'cutover_proxy_stale_clients', (l) => l.cluster);
  const names = new Set([...Object.keys(health?.clusters || {}), ...totals.keys()]);
  const rows = [...names].map((name) => {
    const c = health?.clusters?.[name] || {};
    return h('tr', { 'data-cluster': name },
      h('td', null, h('strong', null, name)),
      h('td', null, h('span', { class: `chip ${c.reachable ? 'good' : 'bad'}` }, c.reachable ? 'reachable' : 'unreachable')),
      h('td', { class: 'num' }, c.brokers ?? '–'),
      h('td', null, h('code', null, c.bootstrapServers || '–')),
      h('td', { class: 'num', 'data-field': 'rate' }, requestRates.get(name) == null ? '–' : fmt(requestRates.get(name), 1)),
      h('td', { class: 'num' }, fmt(totals.get(name))),
      h('td', { class: `num ${stale.get(name) ? 'warn-text' : ''}` }, fmt(stale.get(name) || 0)),
      h('td', { class: 'muted' }, c.error || (c.lastContactMillisAgo == null ? '' : `seen ${fmt(c.lastContactMillisAgo / 1000, 1)} s ago`)));
  });
  const connections = sumBy(samples, 'cutover_proxy_connections_active', (l) => l.listener);
  const conn = [...connections].map(([k, v]) => `${fmt(v)} ${k}`).join(', ');
  $('clusters').replaceChildren(
    table(['Cluster', 'Health', ['Brokers', 'num'], 'Bootstrap', ['Requests/s', 'num'], ['Requests', 'num'], ['Stale clients', 'num'], ''], rows),
    h('p', { class: 'muted' }, `Client connections now: ${conn || '–'}. `,
      'Requests are those the proxy forwarded to each cluster; stale clients were told to move and still ask the old cluster.'));
}

/** GET /fleet: every instance sharing this proxy's state (this one alone without fleet.enabled). */
function renderFleet(r) {
  const box = $('fleet');
  if (!r.ok) {
    box.replaceChildren(h('p', { class: 'note bad' }, errorText(r.status, r.body)));
    return;
  }
  const instances = r.body.instances || [];
  const rows = instances.map((m) => h('tr', { 'data-instance': m.id },
    h('td', null, h('strong', null, m.id), m.id === r.body.instance ? h('span', { class: 'muted' }, ' (this one)') : ''),
    h('td', null, h('span', { class: `chip ${m.live === false ? 'bad' : m.state === 'ready' ? 'good' : 'warn'}` }, m.state || '?')),
    h('td', { class: 'num' }, fmt(m.routesVersion)),
    h('td', { class: 'num' }, m.stateLagRecords == null ? '–' : fmt(m.stateLagRecords)),
    h('td', { class: 'num' }, fmt(m.connections)),
    h('td', null, h('code', null, m.bootstrap || '–')),
    h('td', { class: 'muted' }, m.lastHeartbeatMsAgo == null ? '' : `heartbeat ${fmt(m.lastHeartbeatMsAgo / 1000, 1)} s ago`)));
  $('fleet-summary').textContent = `${fmt(r.body.live)} of ${fmt(instances.length)} live`;
  box.replaceChildren(table(['Instance', 'State', ['Routes version', 'num'], ['State lag', 'num'], ['Connections', 'num'],
    'Bootstrap', ''], rows));
}

function renderErrors(samples, errorRates) {
  const errors = sumBy(samples, 'cutover_proxy_errors_total', (l) => `error|${l.code}|${l.origin}`);
  const refresh = sumBy(samples, 'cutover_proxy_forced_refresh_total', (l) => `refresh|${l.code}|`);
  const all = [...errors, ...refresh].sort((a, b) => b[1] - a[1]);
  if (!all.length) {
    $('errors').replaceChildren(h('p', { class: 'muted' }, 'No errors counted since the proxy started.'));
    return;
  }
  const rows = all.map(([k, v]) => {
    const [kind, code, origin] = k.split('|');
    const rate = errorRates.get(k);
    return h('tr', null,
      h('td', null, kind === 'refresh' ? 'sent to move clients' : origin === 'proxy' ? 'detected by the proxy' : 'answered by a broker'),
      h('td', null, h('code', null, code)),
      h('td', { class: 'num' }, fmt(v)),
      h('td', { class: `num ${rate ? 'warn-text' : ''}` }, rate == null ? '–' : fmt(rate, 1)));
  });
  $('errors').replaceChildren(table(['Kind', 'Code', ['Total', 'num'], ['Per second', 'num']], rows),
    h('p', { class: 'muted' }, 'cutover_proxy_errors_total by origin, and cutover_proxy_forced_refresh_total: ',
      'the errors the proxy sends on purpose after a route change.'));
}

// ---------------------------------------------------------------- rendering: the last hour (GET /history)

const SVG_NS = 'http://www.w3.org/2000/svg';
/** The legend's swatch-N classes in app.css use the same colours, in the same order. */
const PALETTE = ['#175cd3', '#1f7a3d', '#c4320a', '#6941c6', '#0e9384', '#b54708', '#c11574', '#475467'];
const PLOT = { w: 560, h: 170, left: 48, right: 10, top: 10, bottom: 22 };

/** An SVG element: the same as h(), in the SVG namespace. Attributes only: the page's policy allows no inline style. */
function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** One member of every sample as series: name -> [[time in ms, value], ...], oldest first. */
function seriesOf(samples, member) {
  const out = new Map();
  for (const sample of samples) {
    const t = Date.parse(sample.at);
    for (const [name, v] of Object.entries(sample[member] || {})) {
      if (!out.has(name)) out.set(name, []);
      out.get(name).push([t, v]);
    }
  }
  return out;
}

/** A round number at or above v, for the top of the y axis. */
function axisTop(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v);
}

function clock(t) {
  return new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/**
 * One plot as inline SVG: a line per series (or dots, for events), time from `from` to `to`, switches
 * as dashed marks. Each series carries what it drew in data-series and data-points ([[time, value], ...]).
 */
function plot(key, title, unit, series, { from, to, marks, dots }) {
  let max = 0;
  for (const points of series.values()) for (const [, v] of points) max = Math.max(max, v);
  const top = axisTop(max);
  const x = (t) => (PLOT.left + ((t - from) / Math.max(1, to - from)) * (PLOT.w - PLOT.left - PLOT.right)).toFixed(1);
  const y = (v) => (PLOT.top + (1 - v / top) * (PLOT.h - PLOT.top - PLOT.bottom)).toFixed(1);
  const chart = svg('svg', { viewBox: `0 0 ${PLOT.w} ${PLOT.h}`, 'data-plot': key, role: 'img', 'aria-label': title },
    svg('line', { class: 'axis', x1: PLOT.left, y1: y(0), x2: PLOT.w - PLOT.right, y2: y(0) }),
    svg('line', { class: 'axis', x1: PLOT.left, y1: PLOT.top, x2: PLOT.left, y2: y(0) }),
    svg('text', { class: 'tick', x: PLOT.left - 4, y: PLOT.top + 8, 'text-anchor': 'end' }, fmt(top, top < 10 ? 1 : 0)),
    svg('text', { class: 'tick', x: PLOT.left - 4, y: y(0), 'text-anchor': 'end' }, '0'),
    svg('text', { class: 'tick', x: PLOT.left, y: PLOT.h - 6 }, clock(from)),
    svg('text', { class: 'tick', x: PLOT.w - PLOT.right, y: PLOT.h - 6, 'text-anchor': 'end' }, clock(to)));
  for (const m of marks.filter((t) => t >= from && t <= to)) {
    chart.append(svg('line', { class: 'switch-mark', x1: x(m), y1: PLOT.top, x2: x(m), y2: y(0), 'data-mark': m }));
  }
  const names = [...series.keys()].sort();
  names.forEach((name, i) => {
    const points = series.get(name);
    const colour = PALETTE[i % PALETTE.length];
    const data = { 'data-series': name, 'data-points': JSON.stringify(points) };
    if (dots) {
      chart.append(svg('g', { ...data, fill: colour }, points.map(([t, v]) => svg('circle', { cx: x(t), cy: y(v), r: 4 },
        svg('title', null, `${name}: ${fmt(v, 1)} ${unit} at ${clock(t)}`)))));
    } else {
      chart.append(svg('polyline', { ...data, fill: 'none', stroke: colour, 'stroke-width': 1.5,
        points: points.map(([t, v]) => `${x(t)},${y(v)}`).join(' ') }));
    }
  });
  if (!names.length) chart.append(svg('text', { class: 'empty', x: PLOT.w / 2, y: PLOT.h / 2, 'text-anchor': 'middle' }, 'nothing yet'));
  return h('div', { class: 'plot' },
    h('h4', null, title, ' ', h('span', { class: 'muted' }, `(${unit})`)),
    chart,
    h('div', { class: 'legend' }, names.map((name, i) => h('span', null, h('span', { class: `swatch swatch-${i % PALETTE.length}` }), name))));
}

function renderHistory(r) {
  const box = $('plots');
  if (!r.ok) {
    box.replaceChildren(h('p', { class: 'note bad' }, errorText(r.status, r.body)));
    return;
  }
  const samples = r.body.samples || [];
  const span = r.body.capacity * r.body.intervalMs;
  const to = samples.length ? Date.parse(samples[samples.length - 1].at) : Date.now();
  // The last hour, or since the first sample when the proxy started less than an hour ago.
  const from = samples.length > 1 ? Math.max(to - span, Date.parse(samples[0].at)) : to - span;
  const view = { from, to, marks: [], dots: false };
  const pauses = seriesOf(samples, 'writePausesMs');
  for (const points of pauses.values()) view.marks.push(...points.map(([t]) => t));
  $('history-summary').textContent = `${fmt(samples.length)} samples, one every ${fmt(r.body.intervalMs / 1000, 1)} s, `
    + `kept in memory since ${new Date(r.body.startedAt).toLocaleString()}; dashed lines are switches.`;
  box.replaceChildren(
    plot('requests', 'Requests per second per cluster', 'req/s', seriesOf(samples, 'requestsPerSecond'), view),
    plot('lag', 'Replication lag per wave', "records, as of each wave's last check or switch", seriesOf(samples, 'replicationLag'), view),
    plot('pauses', 'Write pause of each switch', 'ms', pauses, { ...view, dots: true }),
    plot('stale', 'Stale clients per cluster', 'connections', seriesOf(samples, 'staleClients'), view),
    plot('errors', 'Errors sent to move clients', 'per second, by code', seriesOf(samples, 'forcedErrorsPerSecond'), view));
}

// ---------------------------------------------------------------- rendering: waves

const waveCards = new Map();

/** A wave's card. Built once per wave so its buttons, force checkbox and messages survive polls. */
function waveCard(name) {
  let card = waveCards.get(name);
  if (card) return card;
  const result = h('div', { class: 'action-result', 'data-field': 'result', role: 'status' });
  const force = h('input', { type: 'checkbox', 'data-field': 'force' });
  const buttons = {
    check: h('button', { type: 'button', 'data-action': 'check' }, 'Check'),
    switch: h('button', { type: 'button', class: 'primary', 'data-action': 'switch' }, 'Switch'),
    rollback: h('button', { type: 'button', 'data-action': 'rollback' }, 'Rollback'),
    promote: h('button', { type: 'button', class: 'danger', 'data-action': 'promote' }, 'Promote'),
  };
  const el = h('article', { class: 'card wave', 'data-wave': name },
    h('div', { class: 'wave-head' },
      h('h3', null, name),
      h('span', { class: 'state', 'data-field': 'state' }),
      h('span', { class: 'muted', 'data-field': 'scope' })),
    h('div', { class: 'actions' }, buttons.check, buttons.switch, buttons.rollback,
      h('label', { class: 'force', title: 'Roll back even though records were written to the target since the switch' }, force, 'force'),
      buttons.promote),
    result,
    h('div', { 'data-part': 'body' }));
  card = { el, buttons, force, result, wave: null, busy: false };
  for (const [action, button] of Object.entries(buttons)) {
    button.addEventListener('click', () => act(card, action));
  }
  waveCards.set(name, card);
  return card;
}

/** Which buttons make sense in each state; the server decides anyway and says why when it refuses. */
const ACTIONS = {
  PLANNED: ['check'],
  READY: ['check', 'switch'],
  SWITCHED: ['rollback', 'promote'],
  ROLLED_BACK: ['check'],
  PROMOTED: [],
};

function updateButtons(card) {
  const allowed = ACTIONS[card.wave?.state] || [];
  for (const [action, button] of Object.entries(card.buttons)) {
    button.disabled = card.busy || !allowed.includes(action);
  }
  card.force.disabled = card.busy || !allowed.includes('rollback');
}

async function act(card, action) {
  const wave = card.wave;
  let body;
  if (action === 'promote' && !confirm(`Promote wave ${wave.name}?\n\n${wave.promoteWarning || NO_RETURN}`)) return;
  if (action === 'rollback' && card.force.checked) {
    if (!confirm(`Force the rollback of ${wave.name}?\n\nRecords written to the target since the switch stay there `
      + 'and will not be on the source.')) return;
    body = JSON.stringify({ force: true });
  }
  card.busy = true;
  updateButtons(card);
  setResult(card, 'pending', `${action}…`);
  try {
    const r = await call('POST', `/waves/${encodeURIComponent(wave.name)}/${action}`, { body });
    const after = r.body && r.body.state ? r.body : r.body?.wave;
    if (r.ok) {
      const moved = action === 'switch' || action === 'rollback';
      setResult(card, 'good', `${action}: ${after?.state || 'done'}${moved ? `, write pause ${ms(after?.lastSwitch?.writePauseMs)}` : ''}`);
    } else {
      setResult(card, 'bad', errorText(r.status, r.body));
    }
    if (after?.name) renderWave(card, after);
  } catch (e) {
    if (e instanceof Unauthorized) return loggedOut(e.message);
    setResult(card, 'bad', `${action} failed: ${e.message}`);
  } finally {
    card.busy = false;
    updateButtons(card);
  }
  pollNow();
}

function setResult(card, kind, text) {
  card.result.className = `action-result ${kind}`;
  card.result.textContent = text;
}

function renderWaves(waves, samples) {
  const box = $('waves');
  const pauses = total(samples, 'cutover_proxy_wave_write_pause_seconds_count');
  const pauseSum = total(samples, 'cutover_proxy_wave_write_pause_seconds_sum');
  const switches = sumBy(samples, 'cutover_proxy_wave_switches_total', (l) => `${l.direction} ${l.outcome}`);
  $('wave-summary').textContent = `Write pauses measured: ${fmt(pauses)}`
    + (pauses ? ` (mean ${ms((pauseSum / pauses) * 1000)})` : '')
    + (switches.size ? ` · ${[...switches].map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}` : '');
  if (waves.error) {
    waveCards.clear();
    box.replaceChildren(h('p', { class: 'card muted' }, waves.error));
    return;
  }
  const names = new Set(waves.list.map((w) => w.name));
  for (const [name, card] of waveCards) {
    if (!names.has(name)) { card.el.remove(); waveCards.delete(name); }
  }
  if (!waves.list.length) {
    box.replaceChildren(h('p', { class: 'card muted' }, 'No waves yet. Create one with POST /waves.'));
    return;
  }
  const cards = waves.list.map((w) => {
    const card = waveCard(w.name);
    renderWave(card, w);
    return card.el;
  });
  box.replaceChildren(...cards);
}

function renderWave(card, w) {
  card.wave = w;
  const state = card.el.querySelector('[data-field="state"]');
  state.textContent = w.state;
  state.className = `state state-${w.state}`;
  card.el.querySelector('[data-field="scope"]').textContent = `topics ${list(w.topics)} · groups ${list(w.groups)}`
    + (w.clients ? ` · clients ${[w.clients.clientIdPrefix, w.clients.address].filter(Boolean).join(' ')}` : '');
  updateButtons(card);
  const gates = w.gates || [];
  card.el.querySelector('[data-part="body"]').replaceChildren(...[
    returnPoint(w),
    w.lastFailure ? h('p', { class: 'note bad' }, `Last failure: ${w.lastFailure}`) : null,
    lastSwitch(w),
    h('h4', null, 'Gates ', h('span', { class: 'muted' }, '(as of the last check or switch)')),
    gates.length ? gateTable(w.name, gates) : h('p', { class: 'muted' }, 'Not checked yet: press Check.'),
    h('h4', null, 'Replication lag'),
    lagTable(w.name, gates),
    historyTable(w)].filter(Boolean));
}

function returnPoint(w) {
  if (w.state === 'PROMOTED') {
    return h('p', { class: 'note promoted', 'data-field': 'noReturn' }, `Point of no return passed: ${w.noReturn || 'promoted'}.`);
  }
  return h('div', null,
    h('p', { class: `note ${w.rollbackAvailable ? 'good' : 'muted'}`, 'data-field': 'rollback' },
      w.rollbackAvailable ? 'Rollback available.' : 'Rollback not available (only a SWITCHED wave rolls back).'),
    w.promoteWarning ? h('p', { class: 'note warn', 'data-field': 'promoteWarning' }, w.promoteWarning) : null);
}

function lastSwitch(w) {
  const s = w.lastSwitch;
  if (!s) return h('p', { class: 'muted' }, 'Not switched yet.');
  const item = (label, value, field) => h('div', null, h('dt', null, label), h('dd', field ? { 'data-field': field } : null, value));
  return h('div', { class: 'switch' },
    h('h4', null, 'Last switch'),
    h('dl', { class: 'facts' },
      item('Direction', s.direction || '–'),
      item('Outcome', s.outcome || '–', 'outcome'),
      item('Write pause', ms(s.writePauseMs), 'writePauseMs'),
      item('Drain', ms(s.drainMs)),
      item('Offset sync', ms(s.syncMs)),
      item('Held requests', fmt(s.heldRequests)),
      item('Started', s.startedAt ? new Date(s.startedAt).toLocaleString() : '–')),
    s.reason ? h('p', { class: 'note bad' }, s.reason) : null,
    s.warning ? h('p', { class: 'note warn' }, s.warning) : null);
}

function gateTable(wave, gates) {
  const rows = gates.map((g) => {
    const evidence = g.evidence || {};
    const problems = Array.isArray(evidence.problems) ? evidence.problems : [];
    const rest = { ...evidence };
    delete rest.problems;
    return h('tr', { 'data-gate': g.gate },
      h('td', null, h('span', { class: `gate gate-${g.status}` }, g.status.replace(/_/g, ' '))),
      h('td', null, h('strong', null, g.gate), h('div', { class: 'muted' }, g.title)),
      h('td', null,
        problems.length ? h('ul', { class: 'problems' }, problems.map((p) => h('li', null, p))) : null,
        (g.warnings || []).length ? h('ul', { class: 'warnings' }, g.warnings.map((x) => h('li', null, x))) : null,
        g.remedy ? h('p', { class: 'remedy' }, `What to do: ${g.remedy}`) : null,
        details(`${wave}/gate/${g.gate}`, 'evidence', h('pre', null, JSON.stringify(rest, null, 2)))));
  });
  return table(['Status', 'Gate', 'Evidence'], rows, 'grid gates');
}

/** Lag per topic from the replication gate's rows ("topic-partition" names the partition). */
function lagTable(wave, gates) {
  const gate = gates.find((g) => g.gate === 'replication-caught-up');
  const rows = gate?.evidence?.partitions || [];
  if (!rows.length) return h('p', { class: 'muted' }, 'No replication evidence yet.');
  const byTopic = new Map();
  for (const r of rows) {
    const topic = r.partition.replace(/-\d+$/, '');
    if (!byTopic.has(topic)) byTopic.set(topic, []);
    byTopic.get(topic).push(r);
  }
  const maxLag = gate.evidence.maxReadyLag;
  const out = [];
  for (const [topic, parts] of byTopic) {
    const unknown = parts.some((p) => p.lag < 0);
    const sum = parts.reduce((a, p) => a + Math.max(0, p.lag), 0);
    const max = Math.max(...parts.map((p) => p.lag));
    const partRows = parts.map((p) => h('tr', null,
      h('td', null, p.partition), h('td', { class: 'num' }, fmt(p.sourceEnd)), h('td', { class: 'num' }, fmt(p.targetEnd)),
      h('td', { class: 'num' }, p.replicatedThrough < 0 ? 'unknown' : fmt(p.replicatedThrough)),
      h('td', { class: `num ${p.lag < 0 || p.lag > maxLag ? 'warn-text' : ''}` }, p.lag < 0 ? 'unknown' : fmt(p.lag))));
    out.push(h('tr', { 'data-topic': topic },
      h('td', null, h('strong', null, topic)),
      h('td', { class: 'num' }, fmt(parts.length)),
      h('td', { class: `num ${unknown || max > maxLag ? 'warn-text' : ''}`, 'data-field': 'lag' }, unknown ? 'unknown' : fmt(sum)),
      h('td', { class: 'num' }, unknown ? '–' : fmt(max)),
      h('td', null, details(`${wave}/lag/${topic}`, 'partitions',
        table(['Partition', ['Source end', 'num'], ['Target end', 'num'], ['Replicated through', 'num'], ['Lag', 'num']],
          partRows, 'grid inner')))));
  }
  return h('div', null,
    table(['Topic', ['Partitions', 'num'], ['Lag (records)', 'num'], ['Max per partition', 'num'], ''], out, 'grid lag'),
    h('p', { class: 'muted' }, `Mapping ${gate.evidence.mapping}; a partition is ready at a lag of ${fmt(maxLag)} or less.`));
}

function historyTable(w) {
  const rows = (w.history || []).slice(-10).reverse().map((t) => h('tr', null,
    h('td', null, new Date(t.at).toLocaleString()), h('td', null, t.who), h('td', null, `${t.from || '–'} → ${t.to}`),
    h('td', null, t.reason || '')));
  return details(`${w.name}/history`, `History (${(w.history || []).length} transitions)`,
    table(['When', 'Who', 'State', 'Why'], rows, 'grid inner'));
}

// ---------------------------------------------------------------- rendering: clients

function renderClients(r) {
  const box = $('clients');
  if (r.status === 404) {
    box.replaceChildren(h('p', { class: 'muted', 'data-field': 'inventory' }, 'Client inventory not available on this proxy.'));
    return;
  }
  if (!r.ok) {
    box.replaceChildren(h('p', { class: 'note bad' }, errorText(r.status, r.body)));
    return;
  }
  const clients = r.body.clients || [];
  const apps = r.body.applications || [];
  const appOf = (c) => (c.application ? `${c.application.kind}:${c.application.name}` : '');
  // The inventory can hold thousands; the most recently seen are the ones a cutover is waiting on. Shown grouped by application.
  const shown = [...clients].sort((x, y) => String(y.lastSeen || '').localeCompare(String(x.lastSeen || ''))).slice(0, CLIENT_ROWS)
    .sort((x, y) => appOf(x).localeCompare(appOf(y)));
  const appRows = apps.map((a) => h('tr', { 'data-application': `${a.kind}:${a.name}` },
    h('td', null, h('span', { class: 'chip' }, a.kind)),
    h('td', null, h('strong', null, a.name)),
    h('td', { class: 'num' }, fmt((a.clients || []).length)),
    h('td', { class: 'num' }, fmt(a.connections)),
    h('td', null, list(a.groups)),
    h('td', null, list((a.topics || []).filter((t) => !(a.internalTopics || []).includes(t)))),
    h('td', null, list(a.internalTopics)),
    h('td', null, list(a.connectors))));
  const rows = shown.map((c) => h('tr', { title: `APIs: ${list(c.apis)}; first seen ${c.firstSeen || '?'}` },
    h('td', { class: 'muted' }, appOf(c) || '–'),
    h('td', null, h('strong', null, c.clientId || '(none)')),
    h('td', null, [c.softwareName, c.softwareVersion].filter(Boolean).join(' ') || '–'),
    h('td', null, c.cluster || '–'),
    h('td', null, list(c.addresses)),
    h('td', { class: 'num' }, fmt(c.connections)),
    h('td', null, list(c.produced)),
    h('td', null, list(c.fetched)),
    h('td', null, list(c.groups)),
    h('td', null, [c.transactional ? 'transactional' : c.idempotent ? 'idempotent' : null, list(c.transactionalIds)]
      .filter((x) => x && x !== '–').join(' ') || '–'),
    h('td', { class: 'muted' }, c.lastSeen ? new Date(c.lastSeen).toLocaleTimeString() : '–')));
  box.replaceChildren(
    apps.length ? table(['Kind', 'Application', ['Clients', 'num'], ['Conns', 'num'], 'Groups', 'Topics', 'Internal topics', 'Connectors'],
      appRows, 'grid applications') : null,
    clients.length ? table(['Application', 'Client id', 'Software', 'Cluster', 'Addresses', ['Conns', 'num'], 'Produces', 'Fetches', 'Groups',
      'Producer', 'Last seen'], rows, 'grid clients') : h('p', { class: 'muted' }, 'No clients seen yet.'),
    h('p', { class: 'muted' }, `${fmt(clients.length)} clients`
      + (shown.length < clients.length ? `, the ${fmt(shown.length)} seen last shown` : '')
      + (r.body.cap ? ` (the inventory keeps up to ${fmt(r.body.cap)}; ${fmt(r.body.evicted || 0)} evicted)` : '') + '.'));
}

// ---------------------------------------------------------------- polling

const requestRates = new Rates();
const errorRates = new Rates();
let timer = null;
let polling = false;
let again = false;

function banner(text) {
  $('banner').hidden = !text;
  $('banner').textContent = text || '';
}

function loggedOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  console.info(`token refused: ${message}`);
  showLogin('The proxy refused this token (HTTP 401). Enter a valid admin token.');
}

async function poll() {
  if (polling) return;
  polling = true;
  clearTimeout(timer);
  try {
    const authed = Boolean(token());
    const [health, metrics, waves, clients, history, fleet] = await Promise.allSettled([
      call('GET', '/health'),
      call('GET', '/metrics'),
      authed ? call('GET', '/waves') : null,
      authed ? call('GET', '/clients') : null,
      authed ? call('GET', '/history') : null,
      authed ? call('GET', '/fleet') : null,
    ]);
    const unauthorized = [waves, clients, history, fleet].find((r) => r.status === 'rejected' && r.reason instanceof Unauthorized);
    const h0 = health.status === 'fulfilled' && typeof health.value.body === 'object' ? health.value.body : null;
    renderHealth(h0);
    $('refreshed').textContent = `updated ${new Date().toLocaleTimeString()}`;
    if (unauthorized) {
      loggedOut(unauthorized.reason.message);
      return;
    }
    if (!authed) return;
    showStatus();
    const failed = [health, metrics, waves, clients, history, fleet].filter((r) => r.status === 'rejected');
    banner(failed.length ? `Cannot reach the admin endpoint: ${failed[0].reason.message}` : null);
    const now = performance.now();
    const samples = metrics.status === 'fulfilled' && typeof metrics.value.body === 'string' ? parseMetrics(metrics.value.body) : [];
    renderClusters(h0, samples,
      requestRates.update(now, sumBy(samples, 'cutover_proxy_cluster_requests_total', (l) => l.cluster)));
    renderErrors(samples, errorRates.update(now, new Map([
      ...sumBy(samples, 'cutover_proxy_errors_total', (l) => `error|${l.code}|${l.origin}`),
      ...sumBy(samples, 'cutover_proxy_forced_refresh_total', (l) => `refresh|${l.code}|`)])));
    if (waves.status === 'fulfilled') {
      const r = waves.value;
      renderWaves(r.ok ? { list: r.body.waves || [] } : { error: errorText(r.status, r.body) }, samples);
    }
    if (clients.status === 'fulfilled') renderClients(clients.value);
    if (history.status === 'fulfilled') renderHistory(history.value);
    if (fleet.status === 'fulfilled') renderFleet(fleet.value);
  } finally {
    polling = false;
    timer = setTimeout(poll, again ? 0 : POLL_MS);
    again = false;
  }
}

/** Polls at once, or right after the poll under way (whose answers may predate an action or a new token). */
function pollNow() {
  if (polling) again = true;
  else poll();
}

// ---------------------------------------------------------------- start

$('login-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const t = $('token-input').value.trim();
  if (!t) return;
  sessionStorage.setItem(TOKEN_KEY, t);
  $('token-input').value = '';
  $('login').hidden = true;
  pollNow();
});

$('forget').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin('Token forgotten.');
});

window.addEventListener('hashchange', () => {
  takeTokenFromUrl();
  pollNow();
});

takeTokenFromUrl();
if (!token()) showLogin('');
poll();
