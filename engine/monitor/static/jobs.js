// The job history of the element clicked on the diagram: its jobs and each one's state changes.
import { api, el, formatDate, showError } from '/monitor/static/common.js';

let selected = null; // [instance key, element id, element name] shown in #jobs, refreshed with the page

function eventText(event) {
  const parts = [];
  if (event.worker) parts.push(`by ${event.worker}`);
  if (event.message) parts.push(event.message);
  return parts.join(' · ');
}

function renderJobs(elementName, jobs) {
  document.getElementById('jobs-title').textContent = `Job history · ${elementName}`;
  const container = document.getElementById('jobs');
  if (!jobs.length) { container.replaceChildren(el('p', { class: 'muted' }, 'This element had no jobs.')); return; }
  const rows = [];
  for (const job of jobs) {
    rows.push(el('tr', { class: 'group-start job', 'data-job': job.key },
      el('th', { colspan: 4 }, `Job ${job.key} · ${job.type} · ${job.state} · retries ${job.retries}`)));
    for (const event of job.events) {
      rows.push(el('tr', { 'data-job': job.key, 'data-event': event.event },
        el('td', { class: 'mono' }, event.event),
        el('td', {}, formatDate(event.time)),
        el('td', { class: 'num' }, event.retries),
        el('td', {}, eventText(event))));
    }
  }
  container.replaceChildren(el('table', { id: 'jobs-table' },
    el('thead', {}, el('tr', {}, ['Event', 'Time', 'Retries', 'Worker · message'].map((t) => el('th', {}, t)))),
    el('tbody', {}, rows)));
}

async function load() {
  if (!selected) return;
  const [instanceKey, elementId, elementName] = selected;
  try {
    const { items } = await api(`/monitor/api/instances/${instanceKey}/jobs?elementId=${encodeURIComponent(elementId)}`);
    renderJobs(elementName, items);
  } catch (error) {
    showError(document.getElementById('jobs'), error);
  }
}

// Show an element's jobs when it is clicked on the diagram.
export function followClicks(viewer, instanceKey) {
  viewer.get('eventBus').on('element.click', ({ element }) => {
    const target = element.labelTarget || element; // a click on a label means its element
    if (!target.businessObject || target.type === 'bpmn:Process' || target.waypoints) return;
    selected = [instanceKey, target.id, target.businessObject.name || target.id];
    load();
  });
}

// Called on every refresh of the page: the shown history follows the engine.
export const refreshJobs = load;
