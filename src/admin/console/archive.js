// @ts-check
/** The archive list, most recently ended first, each entry restorable. */
import { api, ApiFailure } from './api.js';
import { attempt, byId, cell, h, idWithCopy, timeElement } from './dom.js';
import { count, END_REASON_LABELS, labelOf } from './format.js';
import { cursorPager } from './pager.js';

/** @type {ReturnType<typeof cursorPager> | null} */
let pager = null;

/** @param {any} entry @param {HTMLElement} status */
async function restore(entry, status) {
  try {
    await api(`/v1/admin/sessions/${encodeURIComponent(entry.sessionId)}/restore`, { method: 'POST' });
    status.replaceChildren(
      'Restored · ',
      h('a', { href: `#/sessions/${encodeURIComponent(entry.sessionId)}` }, 'open'),
    );
  } catch (error) {
    if (!(error instanceof ApiFailure) || (error.status !== 409 && error.status !== 404)) throw error;
    status.replaceChildren(
      error.status === 409 ? 'Already live · ' : 'Not restorable',
      error.status === 409
        ? h('a', { href: `#/sessions/${encodeURIComponent(entry.sessionId)}` }, 'open')
        : '',
    );
  }
}

/** @param {any} entry */
function row(entry) {
  const status = h('span', { class: 'hint' });
  const button = h('button', { type: 'button', class: 'small' }, 'Restore');
  button.addEventListener('click', () => void attempt(restore(entry, status)));
  return h(
    'tr',
    { 'data-session': entry.sessionId },
    cell('Session', idWithCopy(entry.sessionId)),
    cell('Ended', timeElement(entry.endedAt)),
    cell('Reason', labelOf(END_REASON_LABELS, entry.reason)),
    cell('Created', timeElement(entry.createdAt)),
    cell('Turns', count(entry.turnCount)),
    cell('Generation', String(entry.generation)),
    h('td', { class: 'row-actions' }, button, ' ', status),
  );
}

export async function refreshArchive() {
  if (!pager) return;
  const cursor = pager.cursor();
  const list = await api(
    `/v1/admin/archive?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
  );
  const rows = list.sessions.length
    ? list.sessions.map(row)
    : [h('tr', {}, h('td', { colspan: '7', class: 'empty' }, 'The archive is empty.'))];
  byId('archive-table')
    .querySelector('tbody')
    ?.replaceChildren(...rows);
  pager.loaded(list.nextCursor);
  byId('archive-note').textContent =
    'A reset archives the conversation it cleared: its session may still be live.';
}

export function setUpArchive() {
  pager = cursorPager({
    prev: 'archive-prev',
    next: 'archive-next',
    label: 'archive-page',
    load: refreshArchive,
  });
}

/** Back to the newest page (on entering the view). */
export function firstArchivePage() {
  pager?.reset();
}
