// The definitions view: every process version with its instance counts per state.
import { api, el, header, showError } from '/monitor/static/common.js';

const COLUMNS = [
  ['active', 'Active', { state: 'ACTIVE' }],
  ['incidents', 'With incident', { state: 'ACTIVE', incident: 'true' }],
  ['completed', 'Completed', { state: 'COMPLETED' }],
  ['canceled', 'Canceled', { state: 'CANCELED' }],
];

function listLink(definition, filter, text) {
  const query = new URLSearchParams({ processDefinitionKey: definition.key, ...filter });
  return el('a', { href: `/monitor/instances?${query}` }, String(text));
}

function render(items) {
  if (!items.length) return el('p', {}, 'No process deployed yet.');
  let previous = null;
  const rows = items.map((d) => {
    const first = d.bpmnProcessId !== previous;
    previous = d.bpmnProcessId;
    return el('tr', { class: first ? 'group-start' : null, 'data-process': d.bpmnProcessId, 'data-version': d.version },
      el('td', {}, first ? el('strong', {}, d.name || d.bpmnProcessId) : ''),
      el('td', { class: 'mono' }, first ? d.bpmnProcessId : ''),
      el('td', { class: 'num' }, `v${d.version}`),
      el('td', { class: 'mono' }, d.key),
      COLUMNS.map(([field, , filter]) => el('td', { class: 'num', 'data-count': field }, listLink(d, filter, d[field]))),
      el('td', { class: 'num' }, listLink(d, {}, 'all')));
  });
  return el('table', { id: 'definitions-table' },
    el('thead', {}, el('tr', {},
      ['Process', 'Id', 'Version', 'Definition key'].map((t) => el('th', {}, t)),
      COLUMNS.map(([, title]) => el('th', { class: 'num' }, title)),
      el('th', {}, ''))),
    el('tbody', {}, rows));
}

const POLL_MS = 4000; // live updates: the counts are fetched again every few seconds

async function refresh(container) {
  try {
    const { items } = await api('/monitor/api/definitions');
    container.replaceChildren(render(items));
  } catch (error) {
    showError(container, error);
  }
}

async function main() {
  header('definitions');
  const container = document.getElementById('definitions');
  await refresh(container);
  setInterval(() => { if (!document.hidden) refresh(container); }, POLL_MS);
}

main();
