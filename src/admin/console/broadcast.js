// @ts-check
/** The broadcast form: one message to every live session, or to those last seen near a point. */
import { api } from './api.js';
import { attempt, byId, confirmAction, h } from './dom.js';
import { count } from './format.js';
import { loadPois } from './pois.js';

/** @param {string} id */
const input = (id) => /** @type {HTMLInputElement} */ (byId(id));
const audience = () =>
  /** @type {HTMLInputElement | null} */ (document.querySelector('input[name="audience"]:checked'))?.value ??
  'all';

async function send() {
  const text = /** @type {HTMLTextAreaElement} */ (byId('broadcast-text')).value.trim();
  const result = byId('broadcast-result');
  if (!text) return;
  const near =
    audience() === 'near'
      ? {
          lat: Number(input('broadcast-lat').value),
          lon: Number(input('broadcast-lon').value),
          radiusM: Number(input('broadcast-radius').value),
        }
      : undefined;
  const ok = await confirmAction({
    title: near ? 'Send to the sessions near this point?' : 'Send to every live session?',
    body: `“${text}” is pushed as a proactive message and stays in each session's history.`,
    confirm: 'Send broadcast',
  });
  if (!ok) return;
  result.className = 'result';
  result.textContent = 'Sending…';
  try {
    const answer = await api('/v1/admin/broadcast', {
      method: 'POST',
      body: near ? { text, near } : { text },
    });
    result.className = 'result ok';
    result.textContent = `Queued for ${count(answer.queued)} session${answer.queued === 1 ? '' : 's'}.`;
  } catch (error) {
    result.className = 'result fail';
    result.textContent = `Not sent: ${error instanceof Error ? error.message : String(error)}`;
  }
}

export async function refreshBroadcast() {
  const select = /** @type {HTMLSelectElement} */ (byId('broadcast-poi'));
  if (select.options.length > 1) return;
  for (const poi of await loadPois()) {
    select.append(h('option', { value: `${poi.lat},${poi.lon},${poi.radiusM}` }, poi.name));
  }
}

export function setUpBroadcast() {
  const form = /** @type {HTMLFormElement} */ (byId('broadcast-form'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void attempt(send());
  });
  for (const radio of document.querySelectorAll('input[name="audience"]')) {
    radio.addEventListener('change', () => {
      /** @type {HTMLFieldSetElement} */ (byId('broadcast-near')).disabled = audience() !== 'near';
    });
  }
  byId('broadcast-poi').addEventListener('change', (event) => {
    const value = /** @type {HTMLSelectElement} */ (event.target).value;
    if (!value) return;
    const [lat, lon, radius] = value.split(',');
    input('broadcast-lat').value = lat;
    input('broadcast-lon').value = lon;
    input('broadcast-radius').value = String(Math.max(Number(radius), 200));
  });
}
