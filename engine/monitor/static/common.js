// Shared helpers of the monitor's pages: JSON calls, dates, DOM building, the page header.

export async function api(path, body, headers = {}) {
  const options = body === undefined ? {} : {
    method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  if (!response.ok) {
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch { /* not JSON */ }
    throw new Error(`${response.status}: ${detail}`);
  }
  return response.headers.get('content-type')?.includes('json') ? response.json() : response.text();
}

// An operation (retry, cancel, set variable): the header tells the server the monitor's page sent it.
export function operate(path, body = {}) {
  return api(path, body, { 'X-Requested-With': 'engine-monitor' });
}

// Every item of an Operate v1 search, 1000 at a time (searchAfter paging).
export async function searchAll(resource, filter, sort = [{ field: 'key', order: 'ASC' }]) {
  const items = [];
  let searchAfter;
  for (;;) {
    const page = await api(`/v1/${resource}/search`, { filter, size: 1000, sort, ...(searchAfter ? { searchAfter } : {}) });
    items.push(...page.items);
    if (page.items.length < 1000) return items;
    searchAfter = page.sortValues;
  }
}

// Operate's dates ("2024-01-01T10:00:00.000+0000") in the browser's time zone.
export function formatDate(text) {
  if (!text) return '';
  const date = new Date(text.replace(/\+0000$/, 'Z'));
  return date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function stateBadge(instance) {
  const state = instance.incident && instance.state === 'ACTIVE' ? 'INCIDENT' : instance.state;
  return el('span', { class: `state ${state}` }, state);
}

export function showError(container, error) {
  container.replaceChildren(el('div', { class: 'error', role: 'alert' }, String(error.message || error)));
}

export function header(current) {
  const links = [['definitions', '/monitor/', 'Processes'], ['instances', '/monitor/instances', 'Instances']];
  document.body.prepend(el('header', { class: 'top' },
    el('a', { class: 'brand', href: '/monitor/' }, 'Engine monitor'),
    links.map(([name, href, text]) => el('a', { href, class: name === current ? 'current' : null }, text)),
    el('a', { href: '/docs' }, 'Read API')));
}
