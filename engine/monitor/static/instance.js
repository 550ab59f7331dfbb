// One instance: summary, its diagram with element states and counts (bpmn-js), incidents, variables,
// the operations on it (operations.js) and the job history of the element clicked (jobs.js).
import { api, el, formatDate, header, searchAll, showError, stateBadge } from '/monitor/static/common.js';
import { followClicks, refreshJobs } from '/monitor/static/jobs.js';
import { cancelButton, renderVariableForm, retryButton } from '/monitor/static/operations.js';

const VIEWER = '/monitor/static/vendor/bpmn-navigated-viewer.production.min.js';
const STATES = ['incident', 'active', 'terminated', 'completed', 'compensated'];
const SYMBOLS = { active: '▶', completed: '✓', terminated: '■', incident: '⚠', compensated: '↺' };
const key = window.location.pathname.split('/').filter(Boolean).pop();

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = el('script', { src });
    script.addEventListener('load', resolve);
    script.addEventListener('error', () => reject(new Error(`${src} did not load`)));
    document.head.append(script);
  });
}

// The one state an element is drawn in; "compensated" is drawn on top of it (see markers()).
export function primaryState(counts) {
  if (counts.incident) return 'incident';
  if (counts.active) return 'active';
  if (counts.completed) return 'completed';
  if (counts.terminated) return 'terminated';
  return null;
}

function markers(counts) {
  const found = [];
  const primary = primaryState(counts);
  if (primary) found.push(`state-${primary}`);
  if (counts.compensated) found.push('state-compensated');
  return found;
}

function countsOverlay(elementId, counts) {
  return el('div', { class: 'element-counts', 'data-element': elementId },
    STATES.filter((s) => counts[s]).map((s) =>
      el('span', { class: `c-${s}`, title: `${counts[s]} ${s}`, 'data-state': s }, `${SYMBOLS[s]} ${counts[s]}`)));
}

// The viewer with the definition's diagram, or null (and a notice) when the viewer is not built.
async function createViewer(instance) {
  const xml = await api(`/v1/process-definitions/${instance.processDefinitionKey}/xml`);
  try {
    await loadScript(VIEWER);
  } catch {
    const { build } = await api('/monitor/api/status');
    document.getElementById('diagram-status').replaceChildren(el('div', { class: 'notice', id: 'viewer-missing' },
      'The diagram viewer (bpmn-js) is not built. Run ', el('code', {}, build),
      ' in the repository, then reload this page.'));
    return null;
  }
  const viewer = new window.BpmnJS({ container: '#canvas' });
  window.monitorViewer = viewer; // for tests and the console
  const { warnings } = await viewer.importXML(xml);
  if (warnings.length) console.warn('bpmn-js import warnings', warnings);
  viewer.get('canvas').zoom('fit-viewport');
  return viewer;
}

// Markers and count overlays from the element statistics; repainting replaces the previous ones.
const painted = new Map(); // element id -> markers added
function paint(viewer, statistics) {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const overlays = viewer.get('overlays');
  for (const [elementId, markerList] of painted) for (const marker of markerList) canvas.removeMarker(elementId, marker);
  painted.clear();
  overlays.remove({ type: 'element-counts' });
  for (const [elementId, counts] of Object.entries(statistics.elements)) {
    if (!registry.get(elementId)) continue;
    const markerList = markers(counts);
    for (const marker of markerList) canvas.addMarker(elementId, marker);
    painted.set(elementId, markerList);
    overlays.add(elementId, 'element-counts', { position: { bottom: 8, left: -4 }, html: countsOverlay(elementId, counts) });
  }
  for (const flowId of Object.keys(statistics.takenFlows)) {
    if (!registry.get(flowId)) continue;
    canvas.addMarker(flowId, 'flow-taken');
    painted.set(flowId, ['flow-taken']);
  }
  document.getElementById('canvas').dataset.ready = 'true';
}

function renderSummary(instance, definition) {
  document.getElementById('title').textContent = `${definition.name || instance.bpmnProcessId} · ${instance.key}`;
  const item = (label, ...value) => el('div', {}, el('span', {}, label), ...value);
  document.getElementById('summary').replaceChildren(
    item('State', stateBadge(instance)),
    item('Process', `${instance.bpmnProcessId} v${instance.processVersion}`),
    item('Key', el('span', { class: 'mono' }, instance.key)),
    item('Started', formatDate(instance.startDate)),
    item('Ended', formatDate(instance.endDate) || '—'),
    ...(instance.state === 'ACTIVE' ? [cancelButton(instance, refresh)] : []));
}

function renderIncidents(incidents, names) {
  const container = document.getElementById('incidents');
  if (!incidents.length) { container.replaceChildren(el('p', { class: 'muted' }, 'No incidents.')); return; }
  incidents.sort((a, b) => (a.state === b.state ? b.key - a.key : a.state === 'ACTIVE' ? -1 : 1));
  container.replaceChildren(el('table', { id: 'incidents-table' },
    el('thead', {}, el('tr', {}, ['Element', 'Type', 'Message', 'Created', 'State', ''].map((t) => el('th', {}, t)))),
    el('tbody', {}, incidents.map((i) => el('tr', { 'data-key': i.key },
      el('td', {}, names.get(i.flowNodeId) || i.flowNodeId),
      el('td', { class: 'mono' }, i.type),
      el('td', {}, i.message),
      el('td', {}, formatDate(i.creationTime)),
      el('td', {}, i.state),
      el('td', {}, i.state === 'ACTIVE' ? retryButton(i, refresh) : null))))));
}

function renderVariables(instance, variables, scopes) {
  const container = document.getElementById('variables');
  if (!variables.length) { container.replaceChildren(el('p', { class: 'muted' }, 'No variables.')); return; }
  const byScope = new Map();
  for (const v of variables) {
    if (!byScope.has(v.scopeKey)) byScope.set(v.scopeKey, []);
    byScope.get(v.scopeKey).push(v);
  }
  const scopeName = (scopeKey) => {
    if (String(scopeKey) === String(instance.key)) return `${instance.bpmnProcessId} (process)`;
    const node = scopes.get(String(scopeKey));
    return node ? `${node.flowNodeName || node.flowNodeId} (${scopeKey})` : String(scopeKey);
  };
  const rows = [];
  for (const [scopeKey, list] of byScope) {
    rows.push(el('tr', { class: 'group-start' }, el('th', { colspan: 2 }, scopeName(scopeKey))));
    for (const v of list) {
      rows.push(el('tr', { 'data-scope': scopeKey, 'data-name': v.name },
        el('td', { class: 'mono' }, v.name), el('td', {}, el('pre', { class: 'value mono' }, v.value))));
    }
  }
  container.replaceChildren(el('table', { id: 'variables-table' }, el('tbody', {}, rows)));
}

// Live updates: the page polls while the instance runs, and once more after it ended.
const POLL_MS = 1500;

async function fetchAll(instance) {
  const [definition, statistics, incidents, variables, nodes] = await Promise.all([
    api(`/v1/process-definitions/${instance.processDefinitionKey}`),
    api(`/monitor/api/instances/${key}/elements`),
    searchAll('incidents', { processInstanceKey: instance.key }),
    searchAll('variables', { processInstanceKey: instance.key }),
    searchAll('flownode-instances', { processInstanceKey: instance.key }),
  ]);
  return { definition, statistics, incidents, variables, nodes };
}

function render(instance, data, viewer) {
  renderSummary(instance, data.definition);
  const names = new Map(data.nodes.map((n) => [n.flowNodeId, n.flowNodeName || n.flowNodeId]));
  renderIncidents(data.incidents, names);
  renderVariables(instance, data.variables, new Map(data.nodes.map((n) => [String(n.key), n])));
  renderVariableForm(instance, data.nodes, refresh);
  if (viewer) paint(viewer, data.statistics);
  refreshJobs();
  const live = document.getElementById('live');
  live.textContent = instance.state === 'ACTIVE'
    ? `Live: updated ${new Date().toLocaleTimeString()}` : 'Instance ended: no more updates.';
  live.dataset.state = instance.state;
}

let currentViewer = null;
let pending = null; // the scheduled poll, replaced when an operation refreshes the page at once

function schedule(delay) {
  clearTimeout(pending);
  pending = setTimeout(poll, delay);
}

async function poll() {
  try {
    const instance = await api(`/v1/process-instances/${key}`);
    render(instance, await fetchAll(instance), currentViewer);
    if (instance.state === 'ACTIVE') schedule(POLL_MS);
  } catch (error) {
    document.getElementById('live').textContent = `Updates paused: ${error.message}; retrying`;
    schedule(POLL_MS * 4);
  }
}

// After an operation: show its effect now, and keep polling while the instance runs.
async function refresh() {
  clearTimeout(pending);
  await poll();
}

async function main() {
  header('instances');
  let instance;
  let data;
  try {
    instance = await api(`/v1/process-instances/${key}`);
    data = await fetchAll(instance);
  } catch (error) {
    showError(document.getElementById('summary'), error);
    return;
  }
  render(instance, data, null);
  currentViewer = await createViewer(instance);
  if (currentViewer) {
    paint(currentViewer, data.statistics);
    followClicks(currentViewer, instance.key);
  }
  if (instance.state === 'ACTIVE') schedule(POLL_MS);
}

main();
