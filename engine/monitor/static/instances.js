// The instance list: filters kept in the URL, sorting, and keyset paging with the server's cursors.
import { api, el, formatDate, header, showError, stateBadge } from '/monitor/static/common.js';

// The root variable shown per row and offered by the variable filter; `?keyVariable=` changes it.
const DEFAULT_KEY_VARIABLE = 'checkoutId';
const FILTERS = ['processDefinitionKey', 'state', 'incident', 'variableName', 'variableValue', 'from', 'to', 'sort', 'order', 'size'];

const form = document.getElementById('filters');
const results = document.getElementById('results');
const pageInfo = document.getElementById('page-info');
const buttons = { first: document.getElementById('first'), previous: document.getElementById('previous'), next: document.getElementById('next') };
const url = new URL(window.location.href);
const keyVariable = url.searchParams.get('keyVariable') || DEFAULT_KEY_VARIABLE;
let cursors = [null]; // cursors[i] fetches page i; the last entry is the page shown
let nextCursor = null;

function fillForm(params) {
  for (const name of FILTERS) {
    const field = form.elements.namedItem(name);
    if (!field) continue;
    const value = params.get(name);
    if (field.type === 'checkbox') field.checked = value === 'true';
    else if (value === null) continue;
    else if (field.type === 'datetime-local') field.value = toLocalInput(value);
    else {
      // a value from the URL the select does not offer (e.g. ?size=2) is added rather than dropped
      if (field.tagName === 'SELECT' && ![...field.options].some((o) => o.value === value)) field.append(new Option(value, value));
      field.value = value;
    }
  }
  if (!form.elements.namedItem('variableName').value) form.elements.namedItem('variableName').value = keyVariable;
}

function toLocalInput(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 19);
}

// The form as query parameters (the page URL and the API call share them); dates go out as UTC.
function formParams() {
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const field = form.elements.namedItem(name);
    if (!field) continue;
    if (field.type === 'checkbox') { if (field.checked) params.set(name, 'true'); continue; }
    if (!field.value) continue;
    params.set(name, field.type === 'datetime-local' ? new Date(field.value).toISOString() : field.value);
  }
  if (!params.get('variableValue')) params.delete('variableName');
  if (url.searchParams.get('keyVariable')) params.set('keyVariable', keyVariable);
  return params;
}

async function loadDefinitions() {
  const select = document.getElementById('f-definition');
  const { items } = await api('/monitor/api/definitions');
  for (const d of items) select.append(el('option', { value: d.key }, `${d.name || d.bpmnProcessId} v${d.version}`));
  const wanted = url.searchParams.get('processDefinitionKey');
  if (wanted) select.value = wanted;
}

function render(page) {
  if (!page.items.length) return el('p', { id: 'no-instances' }, 'No instance matches these filters.');
  return el('table', { id: 'instances-table' },
    el('thead', {}, el('tr', {},
      ['Key', 'Process', 'Version', 'State', keyVariable, 'Started', 'Ended'].map((t) => el('th', {}, t)))),
    el('tbody', {}, page.items.map((i) => el('tr', { 'data-key': i.key, 'data-state': i.state },
      el('td', { class: 'mono' }, el('a', { href: `/monitor/instances/${i.key}` }, i.key)),
      el('td', {}, i.bpmnProcessId),
      el('td', { class: 'num' }, `v${i.processVersion}`),
      el('td', {}, stateBadge(i)),
      el('td', { class: 'mono' }, i.keyValue === null ? '' : displayValue(i.keyValue)),
      el('td', {}, formatDate(i.startDate)),
      el('td', {}, formatDate(i.endDate))))));
}

function displayValue(json) {
  try { const value = JSON.parse(json); return typeof value === 'string' ? value : json; } catch { return json; }
}

// Live updates: the page shown is fetched again every few seconds (same filters, same cursor).
const POLL_MS = 4000;
let loading = Promise.resolve();
let pending = 0; // loads queued or running: fetches run one after another, polls skip while busy

function load() {
  pending += 1;
  loading = loading.then(fetchPage).finally(() => { pending -= 1; });
  return loading;
}

async function fetchPage() {
  const params = formParams();
  params.set('keyVariable', keyVariable);
  const cursor = cursors[cursors.length - 1];
  if (cursor) params.set('cursor', cursor);
  try {
    const page = await api(`/monitor/api/instances?${params}`);
    results.replaceChildren(render(page));
    nextCursor = page.next;
    const size = Number(form.elements.namedItem('size').value);
    const firstRow = (cursors.length - 1) * size + 1;
    pageInfo.textContent = page.total
      ? `${firstRow}–${firstRow + page.items.length - 1} of ${page.total}` : '0 instances';
    pageInfo.dataset.total = page.total;
  } catch (error) {
    showError(results, error);
    nextCursor = null;
  }
  buttons.next.disabled = !nextCursor;
  buttons.previous.disabled = cursors.length < 2;
  buttons.first.disabled = cursors.length < 2;
}

function applyFilters() {
  const params = formParams();
  history.replaceState(null, '', `/monitor/instances${params.size ? `?${params}` : ''}`);
  cursors = [null];
  load();
}

async function main() {
  header('instances');
  fillForm(url.searchParams);
  form.addEventListener('submit', (event) => { event.preventDefault(); applyFilters(); });
  document.getElementById('f-reset').addEventListener('click', () => { form.reset(); form.elements.namedItem('variableName').value = keyVariable; applyFilters(); });
  buttons.next.addEventListener('click', () => { if (nextCursor) { cursors.push(nextCursor); load(); } });
  buttons.previous.addEventListener('click', () => { if (cursors.length > 1) { cursors.pop(); load(); } });
  buttons.first.addEventListener('click', () => { cursors = [null]; load(); });
  try { await loadDefinitions(); } catch (error) { showError(results, error); return; }
  await load();
  setInterval(() => { if (!document.hidden && pending === 0) load(); }, POLL_MS);
}

main();
