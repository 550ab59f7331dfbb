// The instance page's operations (retry an incident, cancel the instance, set a variable): each asks for
// confirmation in a <dialog>, then posts to /monitor/api/... and reports the outcome in #operation-result.
import { el, operate } from '/monitor/static/common.js';

// Ask in the page's dialog; resolves true when the user confirms.
function confirmInDialog(title, ...body) {
  const dialog = document.getElementById('confirm-dialog');
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-body').replaceChildren(...body);
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'confirm'), { once: true });
  });
}

function report(ok, text) {
  const result = document.getElementById('operation-result');
  result.replaceChildren(el('div', { class: ok ? 'success' : 'error', 'data-outcome': ok ? 'success' : 'error' }, text));
}

// Confirm, run, report; ``done`` (a refresh of the page) runs after a success.
async function run(title, body, path, payload, done) {
  if (!(await confirmInDialog(title, ...body))) return;
  try {
    const outcome = await operate(path, payload);
    report(true, outcome.detail);
    await done();
  } catch (error) {
    report(false, `${title} failed: ${error.message}`);
  }
}

export function retryButton(incident, done) {
  return el('button', {
    class: 'retry', type: 'button', 'data-incident': incident.key,
    onclick: () => run('Retry incident', [
      el('p', {}, `Resolve incident ${incident.key} (${incident.type})?`),
      el('p', { class: 'muted' }, 'If its job has no retries left, it gets 1 retry and is activatable again.'),
    ], `/monitor/api/incidents/${incident.key}/retry`, { retries: 1 }, done),
  }, 'Retry');
}

export function cancelButton(instance, done) {
  return el('button', {
    id: 'cancel-instance', type: 'button', class: 'danger',
    onclick: () => run('Cancel instance', [
      el('p', {}, `Cancel process instance ${instance.key}? Its active elements are terminated.`),
    ], `/monitor/api/instances/${instance.key}/cancel`, {}, done),
  }, 'Cancel instance');
}

// The "set a variable" form; its scope list is refreshed with the instance's active elements.
export function renderVariableForm(instance, nodes, done) {
  const container = document.getElementById('variable-form');
  if (instance.state !== 'ACTIVE') { container.replaceChildren(); return; }
  const scopes = [[String(instance.key), `${instance.bpmnProcessId} (process)`],
    ...nodes.filter((n) => n.state === 'ACTIVE' && String(n.key) !== String(instance.key))
      .map((n) => [String(n.key), `${n.flowNodeName || n.flowNodeId} (${n.key})`])];
  let form = container.querySelector('form');
  if (!form) {
    form = el('form', { class: 'set-variable', id: 'set-variable' },
      el('label', {}, 'Scope', el('select', { name: 'scope' })),
      el('label', {}, 'Name', el('input', { name: 'name', required: true, autocomplete: 'off' })),
      el('label', {}, 'Value (JSON)', el('input', { name: 'value', required: true, autocomplete: 'off', placeholder: '"text", 42, {"a": 1}' })),
      el('button', { type: 'submit' }, 'Set variable'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const scope = form.elements.scope;
      const name = form.elements.name.value.trim();
      const value = form.elements.value.value;
      run('Set variable', [
        el('p', {}, `Set ${name} = `, el('code', {}, value)),
        el('p', {}, `in scope ${scope.selectedOptions[0]?.textContent ?? scope.value}?`),
      ], `/monitor/api/instances/${instance.key}/variables`, { scopeKey: scope.value, name, value }, done);
    });
    container.replaceChildren(form);
  }
  const select = form.elements.scope;
  const selected = select.value;
  select.replaceChildren(...scopes.map(([value, label]) => el('option', { value, selected: value === selected }, label)));
}
