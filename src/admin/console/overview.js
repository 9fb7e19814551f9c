// @ts-check
/** Overview: live figures, the last hour per minute, ends by reason, firing alerts. */
import { api } from './api.js';
import { byId, h, timeElement } from './dom.js';
import { ALERT_LABELS, count, duration, END_REASON_LABELS, labelOf, localHourMinute } from './format.js';

/** @type {any} */
let chart = null;

/** @param {string} label @param {string} value @param {string} [note] @param {boolean} [primary] */
function stat(label, value, note, primary = false) {
  return h(
    'div',
    { class: primary ? 'stat primary-stat' : 'stat', 'data-stat': label },
    h('div', { class: 'stat-label' }, label),
    h('div', { class: 'stat-value' }, value),
    note ? h('div', { class: 'stat-note' }, note) : null,
  );
}

/** @param {any} stats */
function renderFigures(stats) {
  const ended = Object.values(stats.endedTotal).reduce((sum, n) => Number(sum) + Number(n), 0);
  // Resets end a conversation, not a session: the averages are over sessions that ended for good.
  const finished = Object.entries(stats.endedTotal).some(
    ([reason, n]) => Number(n) > 0 && reason !== 'client_reset' && reason !== 'admin_reset',
  );
  byId('stat-cards').replaceChildren(
    stat('Active sessions', count(stats.activeSessions), 'live in the store now', true),
    stat('Queries', count(stats.queriesLastMinute), 'in the last minute'),
    stat('Sessions created', count(stats.createdTotal), `${count(Number(ended))} ended`),
    finished
      ? stat('Average lifetime', duration(stats.avgLifetimeSeconds), 'of sessions that ended')
      : stat('Average lifetime', '–', 'no session has ended yet'),
    finished
      ? stat('Average turns', String(stats.avgTurnsPerSession), 'per ended session')
      : stat('Average turns', '–', 'no session has ended yet'),
    stat('Proactive messages', count(stats.proactiveSentTotal), 'sent since the start'),
  );
  const rows = Object.entries(stats.endedTotal).map(([reason, n]) =>
    h(
      'tr',
      { class: n === 0 ? 'zero' : undefined },
      h('td', {}, labelOf(END_REASON_LABELS, reason)),
      h('td', {}, count(Number(n))),
    ),
  );
  byId('ends-table')
    .querySelector('tbody')
    ?.replaceChildren(...rows);
}

/** @param {Array<{name: string, since: string, message: string}>} alerts */
function renderAlerts(alerts) {
  byId('alerts-hint').textContent = alerts.length === 0 ? '' : `${alerts.length} firing`;
  const items = alerts.map((alert) =>
    h(
      'li',
      {},
      h('span', { class: 'alert-title' }, labelOf(ALERT_LABELS, alert.name)),
      h('span', { class: 'alert-since' }, 'since ', timeElement(alert.since)),
      h('div', {}, alert.message),
    ),
  );
  byId('alerts-list').replaceChildren(
    ...(items.length ? items : [h('li', { class: 'none' }, 'No alert is firing.')]),
  );
}

/** @param {Array<{at: string, created: number, ended: number, queries: number}>} minutes */
function renderChart(minutes) {
  const Chart = /** @type {any} */ (window).Chart;
  if (!Chart) return;
  const labels = minutes.map((minute) => localHourMinute(minute.at));
  const series = [
    { label: 'Sessions created', key: 'created', color: '#2f6fde' },
    { label: 'Sessions ended', key: 'ended', color: '#c62f2f' },
    { label: 'Queries', key: 'queries', color: '#1d9a6c' },
  ];
  const datasets = series.map((s) => ({
    label: s.label,
    data: minutes.map((minute) => /** @type {any} */ (minute)[s.key]),
    borderColor: s.color,
    backgroundColor: s.color,
    borderWidth: 2,
    pointRadius: 0,
    tension: 0,
  }));
  if (chart) {
    chart.data.labels = labels;
    chart.data.datasets.forEach(
      (/** @type {any} */ dataset, /** @type {number} */ i) => (dataset.data = datasets[i].data),
    );
    chart.update('none');
    return;
  }
  const canvas = /** @type {HTMLCanvasElement} */ (byId('activity-chart'));
  chart = new Chart(canvas, {
    type: 'line',
    data: { labels, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'per minute' } },
        x: { ticks: { maxTicksLimit: innerWidth < 600 ? 4 : 8, maxRotation: 0 } },
      },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12 } },
        tooltip: {
          callbacks: {
            title: (/** @type {any[]} */ items) =>
              `${minutes[items[0].dataIndex].at.slice(11, 16)} UTC · ${items[0].label} local`,
          },
        },
      },
    },
  });
}

/** Reads and shows everything; called on entry and every few seconds while the overview is open. */
export async function refreshOverview() {
  const [stats, series] = await Promise.all([
    api('/v1/admin/stats'),
    api('/v1/admin/stats/timeseries?minutes=60'),
  ]);
  renderFigures(stats);
  renderAlerts(stats.alerts);
  renderChart(series.minutes);
}
