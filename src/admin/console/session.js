// @ts-check
/** One session: every field of the admin view, its history, and reset / delete / restore. */
import { api, ApiFailure } from './api.js';
import { attempt, byId, confirmAction, copyButton, h, showBanner, timeElement } from './dom.js';
import { bytes, count, FLAG_LABELS, labelOf, ROLE_LABELS } from './format.js';

let sessionId = '';
let oldestSeq = /** @type {number | null} */ (null);

/** @param {string} label @param {Node | string} value @param {boolean} [long] */
const field = (label, value, long = false) =>
  h('div', {}, h('dt', {}, label), h('dd', { class: long ? 'long' : undefined }, value));

/** @param {any} s */
function renderFields(s) {
  const flags = s.flags.length
    ? h(
        'span',
        {},
        ...s.flags.map((/** @type {string} */ flag) =>
          h('span', { class: 'badge warn' }, labelOf(FLAG_LABELS, flag)),
        ),
      )
    : 'none';
  byId('session-fields').replaceChildren(
    field('Created', timeElement(s.createdAt)),
    field(
      'Last activity',
      h('span', {}, timeElement(s.lastActivityAt), ' (', timeElement(s.lastActivityAt, true), ')'),
    ),
    field('Expires if idle', timeElement(s.expiresAt)),
    field('Turns', count(s.turnCount)),
    field('Pending messages', count(s.pendingMessages)),
    field('Locale', s.locale),
    field('Client IP', s.clientIp ?? 'unknown'),
    field('Flags', flags),
    field('Store size', bytes(s.storeBytes ?? 0)),
    field('User agent', s.userAgent ?? 'unknown', true),
  );
}

/** @param {boolean} live @param {string} [state] */
function setLive(live, state = '') {
  for (const id of ['session-reset', 'session-delete']) byId(id).hidden = !live;
  byId('session-restore').hidden = live;
  const note = byId('session-state');
  note.textContent = state;
  note.className = live ? 'state' : 'state ended';
}

/** @param {any} turn */
function turnItem(turn) {
  return h(
    'li',
    { class: `turn ${turn.role}`, 'data-seq': String(turn.seq) },
    h(
      'div',
      { class: 'turn-meta' },
      h('span', { class: 'turn-role' }, labelOf(ROLE_LABELS, turn.role)),
      timeElement(turn.createdAt),
      h('span', {}, `#${turn.seq}`),
      turn.hasImage ? h('span', { class: 'badge muted' }, 'with a photo') : null,
    ),
    h('div', { class: 'turn-text' }, turn.text),
  );
}

/** @param {boolean} older */
async function loadHistory(older) {
  const before = older && oldestSeq !== null ? `&before=${oldestSeq}` : '';
  const page = await api(`/v1/admin/sessions/${encodeURIComponent(sessionId)}/history?limit=50${before}`);
  const list = byId('history-list');
  const items = page.turns.map(turnItem);
  if (older) list.prepend(...items);
  else
    list.replaceChildren(
      ...(items.length ? items : [h('li', { class: 'empty' }, 'No turns since the last reset.')]),
    );
  if (page.turns.length) oldestSeq = page.turns[0].seq;
  byId('history-older').hidden = page.nextBefore === null;
  byId('history-hint').textContent = 'oldest first · reading it does not count as activity';
}

/** Reads the session again; an ended one offers a restore. */
export async function refreshSession() {
  try {
    const s = await api(`/v1/admin/sessions/${encodeURIComponent(sessionId)}`);
    renderFields(s);
    setLive(true);
    oldestSeq = null;
    await loadHistory(false);
  } catch (error) {
    if (!(error instanceof ApiFailure) || error.status !== 404) throw error;
    byId('session-fields').replaceChildren();
    byId('history-list').replaceChildren(
      h('li', { class: 'empty' }, 'The session is not live: its history is in the archive.'),
    );
    byId('history-older').hidden = true;
    byId('history-hint').textContent = '';
    setLive(false, 'This session has ended (or never existed). Restore brings back its last archived state.');
  }
}

/** @param {string} id */
export async function openSession(id) {
  sessionId = id;
  byId('session-title').replaceChildren(h('span', { class: 'id' }, id), copyButton(id));
  byId('history-list').replaceChildren();
  await refreshSession();
}

async function reset() {
  const ok = await confirmAction({
    title: 'Reset this conversation?',
    body: 'Its history and pending messages are archived, then cleared. The visitor keeps the same session id and starts over.',
    confirm: 'Reset conversation',
  });
  if (!ok) return;
  await api(`/v1/admin/sessions/${encodeURIComponent(sessionId)}/reset`, { method: 'POST' });
  showBanner('The conversation was archived and cleared.', 'info');
  await refreshSession();
}

async function remove() {
  const ok = await confirmAction({
    title: 'Delete this session?',
    body: 'The session ends now and is archived (reason: deleted by support). The app will have to start a new one. It can be restored from the archive.',
    confirm: 'Delete session',
  });
  if (!ok) return;
  await api(`/v1/admin/sessions/${encodeURIComponent(sessionId)}`, { method: 'DELETE' });
  showBanner('The session was deleted and archived.', 'info');
  await refreshSession();
}

async function restore() {
  try {
    await api(`/v1/admin/sessions/${encodeURIComponent(sessionId)}/restore`, { method: 'POST' });
    showBanner('The session was restored with its history and a fresh expiry.', 'info');
  } catch (error) {
    if (!(error instanceof ApiFailure) || (error.status !== 404 && error.status !== 409)) throw error;
    showBanner(
      error.status === 404 ? 'Nothing of this session is in the archive.' : 'This session is already live.',
    );
  }
  await refreshSession();
}

export function setUpSession() {
  byId('session-refresh').addEventListener('click', () => void attempt(refreshSession()));
  byId('session-reset').addEventListener('click', () => void attempt(reset()));
  byId('session-delete').addEventListener('click', () => void attempt(remove()));
  byId('session-restore').addEventListener('click', () => void attempt(restore()));
  byId('history-older').addEventListener('click', () => void attempt(loadHistory(true)));
}
