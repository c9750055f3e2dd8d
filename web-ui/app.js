'use strict';
// The box's own page: no framework, no outside assets. State comes from the API;
// every change sends the session's CSRF token.
const $ = (s) => document.querySelector(s);
const $$ = (s) => Array.from(document.querySelectorAll(s));
const GROUPS = [['cert', 'TLS certificate'], ['dns', 'DNS records'], ['ports', 'Network ports'], ['smtp', 'SMTP relay'],
  ['health', 'Health endpoint'], ['time', 'Time'], ['egress', 'Internet egress'], ['isolation', 'Isolation']];
let csrf = '';
let view = 'status';
let timer = 0;
const history = {};  // check id -> recent latencies for the sparkline

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

async function api(method, path, body, type = 'application/json') {
  const opts = { method, headers: {}, credentials: 'same-origin' };
  if (method !== 'GET') opts.headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) {
    opts.headers['Content-Type'] = type;
    opts.body = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (r.status === 401 && path !== '/api/login') showLogin();
  return { status: r.status, data };
}

function show(name) {
  view = name;
  $$('.view').forEach((v) => { v.hidden = v.id !== 'view-' + name; });
  $$('nav .tab').forEach((b) => b.classList.toggle('active', b.dataset.view === name));
  clearTimeout(timer);
  refresh();
}

function showLogin(firstBoot) {
  csrf = '';
  $('#nav').hidden = true;
  $('#first-boot-hint').hidden = !firstBoot;
  $$('.view').forEach((v) => { v.hidden = v.id !== 'view-login'; });
  clearTimeout(timer);
}

async function start() {
  const s = await api('GET', '/api/session');
  if (!s.data) return;
  $('#device').textContent = s.data.device || '';
  if (!s.data.authenticated) return showLogin(s.data.first_boot);
  enter(s.data);
}

function enter(session) {
  csrf = session.csrf;
  $('#nav').hidden = false;
  $('#must-change').hidden = !session.must_change_password;
  show(session.must_change_password ? 'account' : 'status');
}

async function refresh() {
  try {
    if (view === 'status') await Promise.all([renderStatus(), renderPanel()]);
    else if (view === 'events') await renderEvents();
    else if (view === 'report') await renderReport();
    else if (view === 'account') await renderTls();
  } finally {
    if (csrf && (view === 'status' || view === 'events')) timer = setTimeout(refresh, 2000);
  }
}

async function renderTls() {
  const r = await api('GET', '/api/tls');
  const d = r.data || {};
  $('#tls-form').hidden = !d.https;
  $('#tls-fp').textContent = d.fingerprint_sha256 || '';
  $('#tls-subject').textContent = d.subject ? `${d.subject}, issued by ${d.issuer}` : '';
}

function sparkline(values) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 100 24');
  svg.setAttribute('preserveAspectRatio', 'none');
  if (values.length > 1) {
    const max = Math.max(...values, 1);
    const pts = values.map((v, i) => `${(i * 100 / (values.length - 1)).toFixed(1)},${(22 - v * 20 / max).toFixed(1)}`);
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
    line.setAttribute('points', pts.join(' '));
    svg.append(line);
  }
  return svg;
}

// The override rule (spec/checks.md, "The appliance profile"): a check in the
// config's `checks` whose id equals a generated one replaces it; the box then runs
// the explicit check in its place and no longer marks it generated.
const OVERRIDE_RULE = 'Generated from the appliance profile. A check of your own with this id (Raw JSON, "checks") replaces it.';

// The config with a check of this id added to `checks`, unless one is there already.
function withOverride(doc, check) {
  const out = JSON.parse(JSON.stringify(doc || {}));
  out.checks = out.checks || [];
  if (!out.checks.some((k) => k.id === check.id)) out.checks.push({ id: check.id, type: check.type });
  return out;
}

async function startOverride(check) {
  show('config');
  await loadConfig();
  $('#raw').value = JSON.stringify(withOverride(configDoc, check), null, 2);
  $('#raw-ok').textContent = `Complete "${check.id}" under "checks" and save: it replaces the generated check.`;
  $('#raw').focus();
}

async function renderStatus() {
  const r = await api('GET', '/api/status');
  if (r.status !== 200) return;
  const doc = r.data;
  $('#overall').className = 'pill ' + doc.overall;
  $('#overall').textContent = doc.overall;
  const board = $('#board');
  board.replaceChildren();
  for (const [group, title] of GROUPS) {
    const checks = doc.checks.filter((c) => c.group === group);
    if (!checks.length) continue;
    const worst = ['critical', 'warning', 'unknown', 'ok'].find((s) => checks.some((c) => c.hard === s)) || 'unknown';
    const list = el('div', { class: 'checks' });
    for (const c of checks) {
      const h = (history[c.id] = (history[c.id] || []).concat([c.latency_ms]).slice(-30));
      const days = c.details && c.details.days_left !== undefined ? el('span', { text: `${c.details.days_left} days left` }) : null;
      const run = el('button', { text: 'run now', title: 'Run this check now' });
      run.addEventListener('click', () => api('POST', `/api/checks/${encodeURIComponent(c.id)}/run`));
      // Generated from the appliance profile: marked, with a way to override it.
      let mark = null;
      if (c.generated) {
        const over = el('button', { class: 'override', text: 'override', title: OVERRIDE_RULE });
        over.addEventListener('click', () => startOverride(c));
        mark = el('span', { class: 'tag', title: OVERRIDE_RULE, text: 'generated ' }, over);
      }
      list.append(el('div', { class: 'check ' + c.hard, 'data-check': c.id, 'data-state': c.hard, 'data-generated': String(!!c.generated) },
        el('div', { class: 'meta' }, el('span', { class: 'id', text: c.id }), el('span', { class: 'pill ' + c.hard, text: c.hard })),
        mark,
        el('div', { class: 'summary', text: c.summary }),
        el('div', { class: 'meta' }, el('span', { text: `${c.latency_ms} ms` }), days, c.flapping ? el('span', { text: 'flapping' }) : null, run),
        sparkline(h)));
    }
    board.append(el('div', { class: 'card group', 'data-group': group },
      el('h3', {}, el('span', { text: title }), el('span', { class: 'pill ' + worst, text: worst })), list));
  }
  if (!board.children.length) board.append(el('div', { class: 'card', text: 'No checks configured yet: see Configuration.' }));
}

async function renderPanel() {
  const r = await api('GET', '/api/panel');
  if (r.status !== 200) return;
  const leds = $('#leds');
  leds.replaceChildren();
  for (const [name, s] of Object.entries(r.data.leds)) {
    leds.append(el('span', { class: 'led' }, el('i', { class: `${s.color}${s.blink ? ' blink' : ''}`, 'data-led': name }), name));
  }
  $('#lcd').textContent = r.data.lcd.join('\n');
}

async function renderEvents() {
  const r = await api('GET', '/api/events');
  if (r.status !== 200) return;
  const body = $('#events tbody');
  body.replaceChildren(...r.data.events.map((e) => el('tr', {},
    el('td', { text: e.sequence }), el('td', { text: e.time || `${e.age_s ?? ''} s ago` }), el('td', { text: e.check }),
    el('td', {}, el('span', { class: 'pill ' + e.from, text: e.from }), ' → ', el('span', { class: 'pill ' + e.to, text: e.to })),
    el('td', { text: e.summary }))));
}

function evidence(e) {
  const parts = Object.entries(e || {}).map(([k, v]) => `${k.replace(/_/g, ' ')}: ${Array.isArray(v) ? v.join(', ') || '—' : v}`);
  return parts.length ? el('div', { class: 'evidence', text: parts.join(' · ') }) : null;
}

async function renderReport() {
  const r = await api('GET', '/api/report');
  if (r.status !== 200) return;
  const d = r.data;
  $('#report-stamp').textContent = `${d.device.name || 'probebox'} ${d.device.location ? '(' + d.device.location + ')' : ''} — generated ${d.generated_at || 'without a synchronised clock'} by firmware ${d.version}`;
  $('#report-verdict').textContent = d.all_met ? `All requirements met (${d.statement}).` : 'Not all requirements are met: see the rows below.';
  $('#report-verdict').className = d.all_met ? 'ok' : 'error';
  // The config's lint: the plan itself breaks a documented rule, whatever the checks say.
  $('#report-warnings').replaceChildren(...(d.warnings || []).map((w) => el('li', { text: `Config warning — ${w.path}: ${w.message}` })));
  $('#report tbody').replaceChildren(...d.requirements.map((q) => el('tr', { 'data-row': q.id },
    el('td', {}, el('code', { class: 'rowid', text: q.id }), ' ', q.requirement,
      el('div', { class: 'source', text: `appliance documentation ${q.source}` })),
    el('td', {}, el('span', { class: 'pill ' + q.state, text: q.verdict }), q.why ? el('div', { class: 'why', text: q.why }) : null),
    el('td', {}, el('ul', {}, ...q.checks.map((c) => el('li', { class: c.holds ? '' : 'error',
      text: `${c.id} (${c.type} ${c.target}): ${c.evidence} — ${c.hard} for ${c.hard_for_s} s` })))))));
}

// --- configuration ------------------------------------------------------
let configDoc = {};

function getPath(obj, path) { return path.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj); }
function setPath(obj, path, value) {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = (o[k] = o[k] && typeof o[k] === 'object' ? o[k] : {});
  if (value === undefined) delete o[keys[keys.length - 1]]; else o[keys[keys.length - 1]] = value;
}
function prune(o) {
  for (const k of Object.keys(o)) {
    if (o[k] && typeof o[k] === 'object' && !Array.isArray(o[k])) {
      prune(o[k]);
      if (!Object.keys(o[k]).length) delete o[k];
    }
  }
  return o;
}

// The fields are disabled while the config loads: what the operator typed into the
// values shown before would be overwritten when the answer arrives, and saved as if
// never typed.
async function loadConfig() {
  const fields = [...$$('#config-form [data-path]'), $('#raw')];
  $('#config-form').setAttribute('aria-busy', 'true');
  fields.forEach((f) => { f.disabled = true; });
  try {
    const r = await api('GET', '/api/config');
    if (r.status !== 200) return;
    configDoc = r.data;
    $('#raw').value = JSON.stringify(configDoc, null, 2);
    for (const input of $$('#config-form [data-path]')) {
      const v = getPath(configDoc, input.dataset.path);
      input.value = v == null ? '' : Array.isArray(v) ? v.join(', ') : String(v);
    }
    clearErrors();
  } finally {
    fields.forEach((f) => { f.disabled = false; });
    $('#config-form').removeAttribute('aria-busy');
  }
  const s = await api('GET', '/api/status');
  if (s.status === 200) showWarnings(s.data.warnings || []);
}

// The running config's lint (the DNS plan, the cluster size), next to the field it
// is about: saved and running, but against the appliance's documented rules.
function showWarnings(warnings) {
  $$('.field-warning').forEach((e) => e.remove());
  const unplaced = [];
  for (const w of warnings) {
    const base = w.path.replace(/\[.*$/, '');
    const input = $$('#config-form [data-path]').find((i) => i.dataset.path === base);
    const text = `${w.path}: ${w.message}`;
    if (input) input.after(el('span', { class: 'field-warning', 'data-warning-path': w.path, text }));
    else unplaced.push(text);
  }
  $('#form-warnings').textContent = unplaced.join('; ');
}

function readForm() {
  const doc = JSON.parse(JSON.stringify(configDoc));
  for (const input of $$('#config-form [data-path]')) {
    const text = input.value.trim();
    const kind = input.dataset.kind;
    let v;
    // An empty list the config had stays empty ("egress": [] is none, absent is the default).
    if (text === '') v = kind === 'list' && Array.isArray(getPath(configDoc, input.dataset.path)) ? [] : undefined;
    else if (kind === 'int') v = /^-?\d+$/.test(text) ? Number(text) : text;
    else if (kind === 'list') v = text.split(',').map((s) => s.trim()).filter(Boolean);
    else if (kind === 'intlist') v = text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
    else v = text;
    setPath(doc, input.dataset.path, v);
  }
  if (doc.appliance && !Object.keys(prune(doc.appliance)).length) delete doc.appliance;
  return doc;
}

function clearErrors() {
  $$('.field-error').forEach((e) => e.remove());
  $$('input.invalid').forEach((e) => e.classList.remove('invalid'));
  for (const id of ['#form-error', '#form-ok', '#raw-ok']) $(id).textContent = '';
  $('#raw-errors').replaceChildren();
}

function showErrors(errors) {
  const unplaced = [];
  for (const e of errors) {
    // "appliance.ports.mesh[1]" belongs to the field "appliance.ports.mesh".
    const base = e.path.replace(/\[.*$/, '');
    const input = $$('#config-form [data-path]').find((i) => i.dataset.path === base);
    if (input) {
      input.classList.add('invalid');
      input.after(el('span', { class: 'field-error', 'data-error-path': e.path, text: `${e.path}: ${e.message}` }));
    } else {
      unplaced.push(e);
    }
    $('#raw-errors').append(el('li', { text: `${e.path}: ${e.message}` }));
  }
  if (unplaced.length) $('#form-error').textContent = unplaced.map((e) => `${e.path}: ${e.message}`).join('; ');
}

async function saveConfig(body, okId) {
  clearErrors();
  const r = await api('PUT', '/api/config', body);
  if (r.status === 200) {
    $(okId).textContent = `Saved: ${r.data.checks} checks active.` + (r.data.restart_required ? ' Network changes apply after a restart.' : '');
    const ok = $(okId).textContent;
    await loadConfig();
    $(okId).textContent = ok;
  } else if (r.data && r.data.errors) {
    showErrors(r.data.errors);
    $('#form-error').textContent = $('#form-error').textContent || `${r.data.errors.length} error(s): nothing was changed.`;
  } else {
    $('#form-error').textContent = (r.data && r.data.error) || `HTTP ${r.status}`;
  }
}

function wire() {
  $$('nav .tab').forEach((b) => b.addEventListener('click', () => {
    show(b.dataset.view);
    if (b.dataset.view === 'config') loadConfig();
  }));
  $('#logout').addEventListener('click', async () => { await api('POST', '/api/logout'); showLogin(false); });
  $('#print').addEventListener('click', () => window.print());
  $('#login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const r = await api('POST', '/api/login', { password: $('#login-password').value });
    $('#login-password').value = '';
    if (r.status === 200) { $('#login-error').textContent = ''; enter(r.data); }
    else $('#login-error').textContent = (r.data && r.data.error) || `HTTP ${r.status}`;
  });
  $('#password-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('#pw-error').textContent = $('#pw-ok').textContent = '';
    if ($('#pw-new').value !== $('#pw-again').value) { $('#pw-error').textContent = 'The new passwords differ.'; return; }
    const r = await api('POST', '/api/password', { current: $('#pw-current').value, new: $('#pw-new').value });
    for (const id of ['#pw-current', '#pw-new', '#pw-again']) $(id).value = '';
    if (r.status === 200) { $('#pw-ok').textContent = 'Password changed.'; $('#must-change').hidden = true; csrf = r.data.csrf || csrf; }
    else $('#pw-error').textContent = (r.data && r.data.error) || `HTTP ${r.status}`;
  });
  $('#tls-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    $('#tls-error').textContent = $('#tls-ok').textContent = '';
    const r = await api('PUT', '/api/tls', $('#tls-pem').value, 'application/x-pem-file');
    if (r.status === 200) { $('#tls-pem').value = ''; $('#tls-ok').textContent = 'Installed: reload the page to use it.'; }
    else $('#tls-error').textContent = (r.data && r.data.error) || `HTTP ${r.status}`;
  });
  $('#config-form').addEventListener('submit', (ev) => { ev.preventDefault(); saveConfig(readForm(), '#form-ok'); });
  $('#raw-save').addEventListener('click', () => saveConfig($('#raw').value, '#raw-ok'));
}

wire();
start();
