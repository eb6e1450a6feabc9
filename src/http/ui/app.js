/* global document, window, EventSource, sessionStorage, performance, location, history, URLSearchParams, FormData */
// The ecs-gitops web UI: plain DOM, no framework, no build step. It reads the status API
// (the same endpoints any client reads), renders with textContent only (nothing from the
// API is parsed as HTML), follows /api/v1/events for live updates, and routes on the
// URL's hash: #/ overview, #/resources?… tree, #/resource/Kind/name, #/plan.

const KINDS = ['CloudMapNamespace', 'CloudMapService', 'Cluster', 'TaskDefinition', 'Service', 'CloudMapInstance'];
const SYNC = ['Synced', 'OutOfSync', 'Unknown'];
const HEALTH = ['Healthy', 'Progressing', 'Degraded', 'Missing', 'Unknown'];
const PAGE_SIZE = 200;
/** Lists are read again at most this often while changes keep coming. */
const LIST_REFRESH_MS = 2000;

const ADVICE = {
  retry: 'A transient error (throttling, a 5xx, eventual consistency): the controller retries with backoff by itself. Nothing to do unless it persists; then check the AWS service health and the controller log.',
  wait: 'Waiting for AWS (a rollout in progress, a Cloud Map operation pending): the controller looks again every 10 s. Nothing to do.',
  stall: 'Stalled until something changes: fix the cause named above in the config repository and push a commit (or fix it in AWS, e.g. a missing permission), then sync.',
};

// ------------------------------------------------------------------ DOM helpers

/** An element with attributes (on* never) and children (strings become text nodes). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}
const Node = window.Node;

const badge = (prefix, value) => h('span', { class: `badge ${prefix}-${value}` }, value);
/** A resource's page; with several applications a key is unique within its application only. */
const resourceHref = (key, app) => {
  const i = key.indexOf('/');
  return `#/resource/${encodeURIComponent(key.slice(0, i))}/${encodeURIComponent(key.slice(i + 1))}${app ? `?app=${encodeURIComponent(app)}` : ''}`;
};
const link = (key, text, app) => h('a', { href: resourceHref(key, app) }, text ?? key);
const short = (rev) => (rev ? (rev.length > 14 && /^[0-9a-f]+$/.test(rev) ? rev.slice(0, 12) : rev) : '—');

function ago(iso) {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  const text = s < 60 ? `${Math.max(0, s)} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : s < 86400 ? `${Math.round(s / 3600)} h ago` : `${Math.round(s / 86400)} d ago`;
  return h('time', { datetime: iso, title: iso }, text);
}

function table(caption, head, rows) {
  return h('table', {}, caption ? h('caption', { class: 'sr-only' }, caption) : null, h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, rows));
}

// ------------------------------------------------------------------ API

async function api(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const error = new Error(body?.error?.message ?? `HTTP ${res.status}`);
    error.status = res.status;
    throw error;
  }
  return body;
}

const state = {
  status: null,
  applications: null,
  resources: null,
  resourcesAt: 0,
  token: null,
};

async function loadStatus() {
  const [status, applications] = await Promise.all([
    api('/api/v1/status'),
    // Several applications come with /api/v1/applications; a controller without it answers 404.
    api('/api/v1/applications').then((a) => a.items, (err) => (err.status === 404 ? null : Promise.reject(err))),
  ]);
  state.status = status;
  state.applications = applications;
}

async function loadResources() {
  state.resources = (await api('/api/v1/resources')).items;
  performance.mark('ecs-gitops:resources-read');
  state.resourcesAt = Date.now();
}

// ------------------------------------------------------------------ routing

function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query] = hash.split('?');
  const params = new URLSearchParams(query ?? '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'resources') return { page: 'resources', params };
  if (parts[0] === 'resource' && parts.length >= 3) return { page: 'resource', key: `${parts[1]}/${parts.slice(2).join('/')}`, app: params.get('app') };
  if (parts[0] === 'plan') return { page: 'plan' };
  return { page: 'overview' };
}

const main = () => document.getElementById('main');
/** Replaces the page's content; children may be nested arrays, null and false are left out. */
const setMain = (...children) => main().replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
let current = null;

async function show(focus) {
  const r = route();
  const nav = r.page === 'resource' ? 'resources' : r.page;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.dataset.page === nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const view = { overview: overviewPage, resources: resourcesPage, resource: resourcePage, plan: planPage }[r.page];
  current = { route: r, refresh: null };
  const mine = current;
  try {
    const refresh = await view(r, mine);
    if (current === mine) mine.refresh = refresh;
  } catch (err) {
    if (current === mine) setMain(h('div', { class: 'error-box', role: 'alert' }, h('p', {}, `Could not load this page: ${err.message}`)));
  }
  if (focus) main().focus({ preventScroll: true });
}

// ------------------------------------------------------------------ overview

function countsBlock(resources, filterBase) {
  const chip = (prefix, name, n) =>
    h('a', { class: `count badge ${prefix}-${name}`, href: `#/resources?${filterBase}${filterBase ? '&' : ''}status=${name}` }, h('strong', {}, String(n)), name);
  return h(
    'div',
    {},
    h('div', { class: 'counts', 'aria-label': 'by sync status' }, SYNC.map((s) => chip('s', s, resources.sync[s] ?? 0))),
    h('div', { class: 'counts', style: null, 'aria-label': 'by health' }, HEALTH.map((s) => chip('h', s, resources.health[s] ?? 0))),
  );
}

function loadErrorsBlock(errors) {
  if (!errors.length) return h('p', { class: 'muted' }, 'None: the newest revision is valid.');
  return table(
    'load errors',
    ['where', 'field', 'error'],
    errors.map((e) => h('tr', {}, h('td', { class: 'mono' }, `${e.file}:${e.line}:${e.column}`), h('td', { class: 'mono' }, e.field ?? ''), h('td', {}, e.message))),
  );
}

function controllerFacts(s) {
  const invalid = s.attemptedRevision && s.attemptedRevision !== s.appliedRevision && s.loadErrors.length > 0;
  return h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'Applied revision'),
    h('dd', { class: 'mono', id: 'applied-revision', title: s.appliedRevision ?? '' }, short(s.appliedRevision)),
    h('dt', {}, 'Attempted revision'),
    h('dd', { class: 'mono', id: 'attempted-revision', title: s.attemptedRevision ?? '' }, short(s.attemptedRevision), invalid ? h('span', { class: 'badge h-Degraded' }, ' not applied: invalid') : ''),
    h('dt', {}, 'Last successful sync'),
    h('dd', {}, ago(s.lastSuccessfulSyncAt)),
    h('dt', {}, 'Last sync'),
    h('dd', {}, ago(s.lastSyncAt)),
    h('dt', {}, 'Ready'),
    h('dd', {}, s.shuttingDown ? 'shutting down' : s.ready ? 'yes' : 'not yet: the first full sync has not finished'),
  );
}

function applicationCards(apps) {
  return h(
    'div',
    { class: 'cards' },
    apps.map((a) =>
      h(
        'article',
        { class: 'card', 'aria-label': `application ${a.name}` },
        h('h3', {}, h('a', { href: `#/resources?app=${encodeURIComponent(a.name)}` }, a.name)),
        h('p', { class: 'muted mono' }, [a.source?.repo, a.source?.path].filter(Boolean).join(' · ')),
        controllerFacts({ ...a, shuttingDown: false }),
        h('p', {}, `${a.resources.total} resources`),
        countsBlock(a.resources, `app=${encodeURIComponent(a.name)}`),
        a.loadErrors.length ? h('p', { class: 'error-box' }, `${a.loadErrors.length} load error(s): ${a.loadErrors[0].formatted}`) : null,
      ),
    ),
  );
}

function attentionList(resources) {
  const needs = resources.filter((r) => r.sync !== 'Synced' || r.health.status !== 'Healthy' || r.lastError);
  if (!needs.length) return h('p', { class: 'muted' }, 'Nothing: every resource is Synced and Healthy.');
  const rows = needs.slice(0, 25).map((r) =>
    h('tr', {}, h('td', {}, link(r.key, r.application ? `${r.application}: ${r.key}` : r.key, r.application)), h('td', {}, badge('s', r.sync)), h('td', {}, badge('h', r.health.status)), h('td', { class: 'msg' }, r.lastError ? `${r.lastError.code}: ${r.lastError.message}` : (r.health.message ?? r.message ?? ''))),
  );
  return h('div', {}, table('resources that need attention', ['resource', 'sync', 'health', 'why'], rows), needs.length > 25 ? h('p', {}, h('a', { href: '#/resources?status=attention' }, `all ${needs.length}…`)) : null);
}

/** The resources the overview lists: not Synced, or not Healthy (a few filtered reads, not the whole list). */
async function loadAttention() {
  const filters = ['sync=OutOfSync', 'sync=Unknown', 'health=Degraded', 'health=Progressing', 'health=Missing', 'health=Unknown'];
  const lists = await Promise.all(filters.map((f) => api(`/api/v1/resources?${f}`)));
  const byKey = new Map(lists.flatMap((l) => l.items).map((r) => [r.key, r]));
  return [...byKey.values()];
}

async function overviewPage() {
  const render = async () => {
    const [attention] = await Promise.all([loadAttention(), loadStatus()]);
    const s = state.status;
    const apps = state.applications;
    setMain(
      h('h1', {}, 'Overview'),
      apps && apps.length > 1 ? [h('h2', {}, `Applications (${apps.length})`), applicationCards(apps)] : null,
      h('section', { class: 'panel', 'aria-label': 'controller' }, controllerFacts(s), h('p', { class: 'muted' }, `ecs-gitops ${s.version}`)),
      h('h2', {}, `Resources (${s.resources.total})`),
      countsBlock(s.resources, ''),
      h('h2', {}, 'Load errors'),
      h('div', { id: 'load-errors' }, loadErrorsBlock(s.loadErrors)),
      h('h2', {}, 'Needs attention'),
      attentionList(attention),
    );
  };
  await render();
  performance.mark('ecs-gitops:rendered');
  return () => render();
}

// ------------------------------------------------------------------ resource tree

/**
 * The tree as rows: clusters → their services → the revision each runs; task
 * definitions; Cloud Map namespaces → their services → instances and the ECS services
 * registered there; then whatever has no parent. A row is a resource, a group heading or
 * a leaf (revision, registration).
 */
function treeRows(resources) {
  const apps = [...new Set(resources.map((r) => r.application).filter(Boolean))].sort();
  if (apps.length < 2) return applicationTree(resources, null, []);
  const rows = [];
  for (const app of apps) {
    const top = { type: 'group', depth: 0, text: `Application ${app}`, children: [] };
    rows.push(top);
    applicationTree(resources.filter((r) => r.application === app), top, rows);
  }
  return rows;
}

/** One application's tree, appended to `rows` under `top` (a group row, or null). */
function applicationTree(resources, top, rows) {
  const byKey = new Map(resources.map((r) => [r.key, r]));
  const children = new Map();
  const registered = new Map();
  const placed = new Set();
  const parentKind = { Service: 'Cluster', CloudMapService: 'CloudMapNamespace', CloudMapInstance: 'CloudMapService' };
  for (const r of resources) {
    const parent = (r.refs ?? []).find((k) => k.startsWith(`${parentKind[r.kind]}/`) && byKey.has(k));
    if (parent) {
      if (!children.has(parent)) children.set(parent, []);
      children.get(parent).push(r);
    }
    if (r.kind === 'Service') for (const k of (r.refs ?? []).filter((k) => k.startsWith('CloudMapService/'))) {
      if (!registered.has(k)) registered.set(k, []);
      registered.get(k).push(r);
    }
  }
  const add = (r, depth, parent) => {
    placed.add(r.key);
    const node = { type: 'resource', r, depth, parent, children: [] };
    const index = rows.push(node) - 1;
    if (r.kind === 'Service' && r.revision) {
      const td = (r.refs ?? []).find((k) => k.startsWith('TaskDefinition/'));
      node.children.push(rows.push({ type: 'leaf', depth: depth + 1, parent: node, text: `runs ${r.revision}`, href: td ? resourceHref(td, r.application) : null }) - 1);
    }
    for (const c of children.get(r.key) ?? []) node.children.push(add(c, depth + 1, node));
    if (r.kind === 'CloudMapService') for (const svc of registered.get(r.key) ?? []) {
      node.children.push(rows.push({ type: 'leaf', depth: depth + 1, parent: node, text: `tasks of ${svc.key}`, href: resourceHref(svc.key, svc.application), of: svc }) - 1);
    }
    return index;
  };
  const group = (title, list) => {
    if (!list.length) return;
    const g = { type: 'group', depth: 0, text: title, parent: top, children: [] };
    rows.push(g);
    for (const r of list) g.children.push(add(r, 1, g));
  };
  const ofKind = (kind) => resources.filter((r) => r.kind === kind);
  for (const c of ofKind('Cluster')) add(c, 0, top);
  group('Task definitions', ofKind('TaskDefinition'));
  for (const ns of ofKind('CloudMapNamespace')) add(ns, 0, top);
  group('Not under a cluster or namespace in git', resources.filter((r) => !placed.has(r.key)));
  return rows;
}

function matcher(params) {
  const kind = params.get('kind') || '';
  const status = params.get('status') || '';
  const app = params.get('app') || '';
  const q = (params.get('q') || '').toLowerCase();
  if (!kind && !status && !q && !app) return null;
  return (r) =>
    (!kind || r.kind === kind) &&
    (!app || r.application === app) &&
    (!status || (status === 'attention' ? r.sync !== 'Synced' || r.health.status !== 'Healthy' || !!r.lastError : r.sync === status || r.health.status === status)) &&
    (!q || r.name.toLowerCase().includes(q) || r.awsName.toLowerCase().includes(q));
}

/** The rows to show: every row when nothing filters, else matches with their ancestors as context. */
function visibleRows(rows, match) {
  if (!match) return rows.map((row) => ({ row, context: false }));
  const keep = new Map();
  for (const row of rows) {
    if (row.type !== 'resource' || !match(row.r)) continue;
    keep.set(row, false);
    for (let p = row.parent; p && !keep.has(p); p = p.parent) keep.set(p, true);
    // A matching service keeps its revision leaf.
    for (const c of row.children ?? []) if (rows[c]?.type === 'leaf' && !keep.has(rows[c])) keep.set(rows[c], false);
  }
  return rows.filter((row) => keep.has(row)).map((row) => ({ row, context: keep.get(row) }));
}

function treeRow({ row, context }) {
  const indent = `indent-${Math.min(row.depth, 2)}`;
  if (row.type === 'group') return h('tr', { class: 'group' }, h('td', { colspan: 5 }, row.text));
  if (row.type === 'leaf') {
    return h('tr', { class: 'tree-leaf' }, h('td', { class: indent }, '↳ ', row.href ? h('a', { href: row.href }, row.text) : row.text), h('td', {}, row.of ? '' : 'revision'), h('td', {}), h('td', {}), h('td', {}));
  }
  const r = row.r;
  const why = r.lastError ? `${r.lastError.code} (${r.lastError.reaction}): ${r.lastError.message}` : (r.health.message ?? r.message ?? '');
  return h(
    'tr',
    { class: context ? 'context' : null, 'data-key': r.key },
    h('td', { class: indent }, link(r.key, r.name, r.application), r.awsName !== r.name ? h('span', { class: 'muted' }, ` (${r.awsName})`) : ''),
    h('td', {}, r.kind),
    h('td', {}, badge('s', r.sync)),
    h('td', {}, badge('h', r.health.status)),
    h('td', { class: 'msg' }, why),
  );
}

function filtersForm(params, onChange) {
  const select = (name, label, options) =>
    h('label', {}, label, h('select', { name, id: `filter-${name}` }, h('option', { value: '' }, 'all'), options.map((o) => h('option', { value: o, selected: params.get(name) === o }, o))));
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'filter resources' },
    select('kind', 'Kind', KINDS),
    select('status', 'Status', [...SYNC, ...HEALTH.filter((x) => x !== 'Unknown'), 'attention']),
    h('label', {}, 'Name', h('input', { type: 'search', name: 'q', id: 'filter-q', value: params.get('q') ?? '', placeholder: 'part of a name', autocomplete: 'off' })),
  );
  let timer;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange(new URLSearchParams([...new FormData(form)].filter(([, v]) => v !== ''))), 150);
  };
  form.addEventListener('input', changed);
  form.addEventListener('submit', (e) => e.preventDefault());
  return form;
}

async function resourcesPage(r, mine) {
  let params = r.params;
  const app = params.get('app');
  let page = Math.max(0, Number(params.get('page') ?? 1) - 1) || 0;
  const summary = h('p', { id: 'tree-summary', role: 'status' });
  const body = h('tbody', {});
  const pager = h('div', { class: 'pager' });
  let rows = [];
  const draw = () => {
    const visible = visibleRows(rows, matcher(params));
    const pages = Math.max(1, Math.ceil(visible.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    const slice = visible.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
    body.replaceChildren(...slice.map(treeRow));
    const shown = visible.filter((v) => v.row.type === 'resource' && !v.context).length;
    summary.textContent = `${shown} of ${state.resources.length} resources${matcher(params) ? ' match' : ''}`;
    const go = (p) => {
      page = p;
      const next = new URLSearchParams(params);
      next.set('page', String(p + 1));
      history.replaceState(null, '', `#/resources?${next}`);
      draw();
      body.querySelector('a')?.focus();
    };
    pager.replaceChildren(
      h('button', { type: 'button', disabled: page === 0 }, '‹ Previous'),
      h('span', {}, `page ${page + 1} of ${pages}`),
      h('button', { type: 'button', disabled: page >= pages - 1 }, 'Next ›'),
    );
    pager.children[0].addEventListener('click', () => go(page - 1));
    pager.children[2].addEventListener('click', () => go(page + 1));
  };
  const form = filtersForm(params, (next) => {
    if (app) next.set('app', app);
    params = next;
    page = 0;
    history.replaceState(null, '', `#/resources${[...next].length ? `?${next}` : ''}`);
    draw();
  });
  const reload = async () => {
    await loadResources();
    rows = treeRows(state.resources);
    performance.mark('ecs-gitops:tree-built');
    if (current === mine) draw();
  };
  setMain(
    h('h1', {}, app ? `Resources of ${app}` : 'Resources'),
    form,
    summary,
    h('table', { class: 'tree' }, h('caption', { class: 'sr-only' }, 'resource tree'), h('thead', {}, h('tr', {}, ['name', 'kind', 'sync', 'health', 'why'].map((c) => h('th', { scope: 'col' }, c)))), body),
    pager,
  );
  await reload();
  performance.mark('ecs-gitops:rendered');
  return async () => {
    if (Date.now() - state.resourcesAt < LIST_REFRESH_MS) return 'later';
    await reload();
  };
}

// ------------------------------------------------------------------ one resource

/** Lines of the longest common subsequence diff of two texts, with unchanged runs folded. */
function lineDiff(from, to) {
  const a = from.split('\n');
  const b = to.split('\n');
  const n = a.length;
  const m = b.length;
  if (n * m > 4_000_000) return [...a.map((t) => ({ op: '-', t })), ...b.map((t) => ({ op: '+', t }))];
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ op: ' ', t: a[i++] });
      j++;
    } else if (i < n && (j >= m || lcs[i + 1][j] >= lcs[i][j + 1])) out.push({ op: '-', t: a[i++] });
    else out.push({ op: '+', t: b[j++] });
  }
  return out;
}

function diffBlock(live, desired) {
  const lines = lineDiff(JSON.stringify(live ?? {}, null, 2), JSON.stringify(desired ?? {}, null, 2));
  const el = h('pre', { class: 'diff', id: 'diff', 'aria-label': 'live (−) against desired (+)' });
  const CONTEXT = 3;
  const changed = lines.map((l) => l.op !== ' ');
  const any = changed.some(Boolean);
  const near = (i) => !any || changed.slice(Math.max(0, i - CONTEXT), i + CONTEXT + 1).some(Boolean);
  let skipped = 0;
  lines.forEach((l, i) => {
    if (l.op === ' ' && !near(i)) return skipped++;
    if (skipped) {
      el.append(h('div', { class: 'fold' }, `  … ${skipped} unchanged line${skipped > 1 ? 's' : ''}`));
      skipped = 0;
    }
    el.append(h('div', { class: l.op === '+' ? 'add' : l.op === '-' ? 'del' : null }, `${l.op} ${l.t}`));
  });
  if (skipped) el.append(h('div', { class: 'fold' }, `  … ${skipped} unchanged line${skipped > 1 ? 's' : ''}`));
  return el;
}

const show1 = (v) => (v === undefined ? '(absent)' : JSON.stringify(v));

function changesTable(changes) {
  if (!changes.length) return h('p', { class: 'muted', id: 'no-diff' }, 'No difference at the last comparison.');
  return table(
    'field changes',
    ['field', 'live', 'desired (git)'],
    changes.map((c) => h('tr', {}, h('td', { class: 'mono' }, c.path), h('td', { class: 'mono' }, show1(c.from)), h('td', { class: 'mono' }, show1(c.to)))),
  );
}

function errorBox(e) {
  return h(
    'div',
    { class: 'error-box', id: 'last-error', role: 'alert' },
    h('p', {}, h('strong', {}, `Last error: ${e.code}`), ' ', h('span', { class: `badge r-${e.reaction}` }, e.reaction), ' ', ago(e.at)),
    h('p', {}, e.message),
    h('p', { class: 'advice' }, ADVICE[e.reaction] ?? ''),
  );
}

function deploymentsBlock(live) {
  const deployments = live.deployments ?? [];
  if (!deployments.length) return h('p', { class: 'muted' }, 'No deployments.');
  const progress = (d) => {
    const desired = Math.max(d.desiredCount ?? 0, (d.runningCount ?? 0) + (d.pendingCount ?? 0), 1);
    return h(
      'div',
      {},
      h(
        'div',
        { class: 'bar', role: 'img', 'aria-label': `${d.runningCount ?? 0} running, ${d.pendingCount ?? 0} pending of ${d.desiredCount ?? 0} desired` },
        h('span', { class: 'run', style: null, 'data-w': (100 * (d.runningCount ?? 0)) / desired }),
        h('span', { class: 'pend', 'data-w': (100 * (d.pendingCount ?? 0)) / desired }),
      ),
      h('span', { class: 'muted' }, `${d.runningCount ?? 0} running · ${d.pendingCount ?? 0} pending · ${d.desiredCount ?? 0} desired${d.failedTasks ? ` · ${d.failedTasks} failed` : ''}`),
    );
  };
  const t = table(
    'deployments',
    ['deployment', 'revision', 'rollout', 'tasks'],
    deployments.map((d) =>
      h(
        'tr',
        {},
        h('td', {}, d.status ?? '', h('div', { class: 'muted mono' }, d.id ?? '')),
        h('td', { class: 'mono' }, revisionOf(d.taskDefinition)),
        h('td', {}, d.rolloutState ?? '', d.rolloutStateReason ? h('div', { class: 'muted' }, d.rolloutStateReason) : null),
        h('td', {}, progress(d)),
      ),
    ),
  );
  // Widths through the CSSOM: the Content Security Policy allows no inline style attributes.
  for (const span of t.querySelectorAll('[data-w]')) span.style.width = `${span.dataset.w}%`;
  return t;
}

const revisionOf = (arn) => (typeof arn === 'string' ? (/task-definition\/(.+)$/.exec(arn)?.[1] ?? arn) : '');

function instancesBlock(registrations, app) {
  if (!registrations) return null;
  if (!Array.isArray(registrations)) return h('p', { class: 'muted' }, `Could not read the Cloud Map instances: ${registrations.error ?? 'unknown error'}`);
  if (!registrations.length) return h('p', { class: 'muted' }, 'Not registered in Cloud Map.');
  // Registrations (a Cloud Map service and its instances), or a plain list of instances.
  if (!registrations.some((r) => Array.isArray(r.instances))) registrations = [{ instances: registrations }];
  return registrations.map((reg) =>
    h(
      'div',
      {},
      h('p', {}, 'In ', reg.cloudMapService ? link(`CloudMapService/${reg.cloudMapService}`, undefined, app) : 'Cloud Map', `: ${(reg.instances ?? []).length} instance(s)`),
      (reg.instances ?? []).length
        ? table('instances', ['instance', 'attributes'], reg.instances.map((i) => h('tr', {}, h('td', { class: 'mono' }, i.id ?? i.instanceId ?? ''), h('td', { class: 'mono' }, Object.entries(i.attributes ?? {}).map(([k, v]) => `${k}=${v}`).join('  ')))))
        : null,
    ),
  );
}

async function resourcePage(r, mine) {
  const [kind, ...rest] = r.key.split('/');
  const name = rest.join('/');
  const base = r.app ? `/api/v1/applications/${encodeURIComponent(r.app)}/resources` : '/api/v1/resources';
  const render = async () => {
    const res = await api(`${base}/${encodeURIComponent(kind)}/${encodeURIComponent(name)}`);
    if (current !== mine) return;
    const live = res.liveSummary ?? {};
    const ecsEvents = Array.isArray(live.events) ? live.events : [];
    const openDetails = [...main().querySelectorAll('details[open]')].map((d) => d.id);
    setMain(
      h('p', {}, h('a', { href: '#/resources' }, '‹ Resources')),
      h('h1', {}, `${res.kind}/${res.name}`, r.app ? h('span', { class: 'muted' }, ` in ${r.app}`) : null),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Sync'),
        h('dd', { id: 'sync' }, badge('s', res.sync), res.action !== 'none' ? ` wants: ${res.action}` : ''),
        h('dt', {}, 'Health'),
        h('dd', { id: 'health' }, badge('h', res.health.status), res.health.message ? ` ${res.health.message}` : ''),
        res.message ? [h('dt', {}, 'Message'), h('dd', {}, res.message)] : null,
        h('dt', {}, 'Name in AWS'),
        h('dd', { class: 'mono' }, res.awsName),
        h('dt', {}, 'Live object'),
        h('dd', { class: 'mono' }, res.liveId ?? 'not in AWS'),
        res.revision ? [h('dt', {}, 'Runs'), h('dd', { class: 'mono', id: 'runs' }, res.revision)] : null,
        res.refs?.length ? [h('dt', {}, 'Refers to'), h('dd', {}, res.refs.flatMap((k, i) => [i ? ', ' : '', link(k, k, r.app)]))] : null,
        h('dt', {}, 'Compared'),
        h('dd', {}, ago(res.lastReconciledAt)),
      ),
      res.lastError ? errorBox(res.lastError) : null,
      res.kind === 'Service' && res.liveSummary ? [h('h2', {}, 'Deployments'), h('div', { id: 'deployments' }, deploymentsBlock(live))] : null,
      ecsEvents.length ? [h('h2', {}, 'Recent ECS events'), table('ECS events', ['when', 'event'], ecsEvents.map((e) => h('tr', {}, h('td', {}, ago(e.at)), h('td', {}, e.message ?? ''))))] : null,
      'cloudMapInstances' in live ? [h('h2', {}, 'Cloud Map instances'), h('div', { id: 'instances' }, instancesBlock(live.cloudMapInstances, r.app))] : null,
      h('h2', {}, 'Desired (git) against live (AWS)'),
      h('div', { id: 'changes' }, changesTable(res.lastDiff)),
      res.normalizedDesired || res.normalizedLive ? diffBlock(res.normalizedLive, res.normalizedDesired) : h('p', { class: 'muted' }, res.normalizedLive ? 'Not in git.' : 'Not in AWS yet.'),
      h('h2', {}, 'Events'),
      res.events.length ? table('events', ['when', 'type', 'reason', 'message'], res.events.map((e) => h('tr', {}, h('td', {}, ago(e.at)), h('td', {}, e.type), h('td', {}, e.reason), h('td', { class: 'msg' }, e.message)))) : h('p', { class: 'muted' }, 'None.'),
      res.desired ? h('details', { id: 'spec', open: openDetails.includes('spec') }, h('summary', {}, 'The spec as written in git'), h('pre', { class: 'block' }, JSON.stringify(res.desired, null, 2))) : null,
    );
  };
  try {
    await render();
  } catch (err) {
    if (err.status === 404) {
      setMain(h('p', {}, h('a', { href: '#/resources' }, '‹ Resources')), h('h1', {}, r.key), h('p', {}, 'No such resource: it is neither in git nor owned in AWS (any more).'));
      return null;
    }
    throw err;
  }
  performance.mark('ecs-gitops:rendered');
  return async (keys) => {
    if (keys && !keys.includes(r.key)) return;
    await render();
  };
}

// ------------------------------------------------------------------ the last plan

async function planPage(_r, mine) {
  const render = async () => {
    let plan;
    try {
      plan = await api('/api/v1/plan');
    } catch (err) {
      if (err.status !== 404) throw err;
      setMain(h('h1', {}, 'Last plan'), h('p', {}, 'No plan yet: the first sync has not finished.'));
      return;
    }
    if (current !== mine) return;
    const acting = plan.resources.filter((p) => p.action !== 'none');
    const byAction = {};
    for (const p of plan.resources) byAction[p.action] = (byAction[p.action] ?? 0) + 1;
    setMain(
      h('h1', {}, 'Last plan'),
      h('p', {}, `${plan.resources.length} resources compared: `, Object.entries(byAction).map(([a, n]) => `${n} ${a}`).join(', '), `. ${plan.steps.length} step(s).`),
      h('h2', {}, 'Resources with something to do'),
      acting.length
        ? table(
            'planned resources',
            ['resource', 'action', 'changes', 'health'],
            acting.slice(0, 500).map((p) =>
              h(
                'tr',
                {},
                h('td', {}, link(p.key)),
                h('td', {}, p.action),
                h('td', { class: 'mono msg' }, p.changes.slice(0, 8).map((c) => h('div', {}, `${c.path}: ${show1(c.from)} → ${show1(c.to)}`)), p.changes.length > 8 ? h('div', {}, `… ${p.changes.length - 8} more`) : null, p.message ? h('div', {}, p.message) : null),
                h('td', {}, badge('h', p.health.status)),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'Nothing: live state matched git.'),
      acting.length > 500 ? h('p', {}, `… and ${acting.length - 500} more.`) : null,
      h('h2', {}, 'Steps, in order'),
      plan.steps.length
        ? h('ol', {}, plan.steps.slice(0, 500).map((s) => h('li', {}, h('strong', {}, s.description), ' ', link(s.key), h('div', { class: 'muted mono' }, s.calls.map((c) => `${c.service}:${c.operation}`).join(' → ')), s.dependsOn.length ? h('div', { class: 'muted' }, `after ${s.dependsOn.join(', ')}`) : null)))
        : h('p', { class: 'muted' }, 'No steps.'),
    );
  };
  await render();
  performance.mark('ecs-gitops:rendered');
  return () => render();
}

// ------------------------------------------------------------------ live updates

/**
 * Runs a re-render, then puts the keyboard focus back on the element that had it (the
 * same id, or a link to the same place), so a live update never throws a keyboard user
 * back to the top of the page.
 */
async function keepingFocus(render) {
  const had = document.activeElement;
  const inMain = had && had !== main() && main().contains(had);
  const id = inMain ? had.id : '';
  const href = inMain ? had.getAttribute('href') : null;
  const result = await render();
  if (inMain && !main().contains(had)) {
    const again = (id && document.getElementById(id)) || (href && [...main().querySelectorAll('a')].find((a) => a.getAttribute('href') === href));
    again?.focus({ preventScroll: true });
  }
  return result;
}

let pending = null;
async function onChange(event) {
  const mine = current;
  if (!mine?.refresh) return;
  try {
    const result = await keepingFocus(() => mine.refresh(event?.keys ?? null));
    // A list read again moments ago: once more when the changes settle.
    if (result === 'later' && !pending) pending = setTimeout(() => ((pending = null), onChange(null)), LIST_REFRESH_MS);
  } catch {
    /* the next event or poll tries again */
  }
}

function follow() {
  const live = document.getElementById('live');
  let poll = null;
  const polling = () => {
    if (poll) return;
    live.className = 'live on';
    live.textContent = 'live (polling)';
    poll = setInterval(() => onChange(null), 5000);
  };
  if (typeof EventSource !== 'function') return polling();
  const source = new EventSource('/api/v1/events');
  let failures = 0;
  source.addEventListener('open', () => {
    failures = 0;
    live.className = 'live on';
    live.textContent = 'live';
    if (poll) clearInterval(poll);
    poll = null;
  });
  source.addEventListener('change', (e) => onChange(JSON.parse(e.data)));
  source.addEventListener('error', () => {
    live.className = 'live off';
    live.textContent = 'reconnecting…';
    // Refused (too many streams: the browser gives up at once) or a stream that keeps breaking (a proxy that buffers): poll instead.
    if (source.readyState === EventSource.CLOSED || ++failures >= 3) {
      source.close();
      polling();
    }
  });
}

// ------------------------------------------------------------------ sync

function syncDialog() {
  const dialog = document.getElementById('sync-dialog');
  const input = document.getElementById('sync-token');
  const remember = document.getElementById('sync-remember');
  const result = document.getElementById('sync-result');
  // The token lives in this variable; sessionStorage (this tab only) when asked; nothing that outlives the tab, no cookie.
  state.token = sessionStorage.getItem('ecs-gitops-token');
  document.getElementById('sync-open').addEventListener('click', () => {
    input.value = state.token ?? '';
    remember.checked = sessionStorage.getItem('ecs-gitops-token') !== null;
    result.textContent = '';
    result.className = '';
    dialog.showModal();
    input.focus();
  });
  document.getElementById('sync-cancel').addEventListener('click', () => dialog.close());
  document.getElementById('sync-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    state.token = token || null;
    if (remember.checked && token) sessionStorage.setItem('ecs-gitops-token', token);
    else sessionStorage.removeItem('ecs-gitops-token');
    result.className = '';
    result.textContent = 'Sending…';
    try {
      const res = await fetch('/api/v1/sync', { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
      const body = await res.json().catch(() => ({}));
      if (res.ok) {
        result.className = 'accepted';
        result.textContent = `Accepted: ${body.message ?? 'sync queued'}`;
        return;
      }
      if (res.status === 401) state.token = null;
      result.className = 'refused';
      const why = body.error ? `${body.error.message} (${res.status} ${body.error.code})` : `HTTP ${res.status}`;
      result.textContent = `Refused: ${why}${res.status === 401 && !token ? ' — enter the API token' : ''}`;
    } catch (err) {
      result.className = 'refused';
      result.textContent = `Not sent: ${err.message}`;
    }
  });
}

// ------------------------------------------------------------------ start

window.addEventListener('hashchange', () => show(true));
syncDialog();
follow();
show(false);
