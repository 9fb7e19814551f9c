// @ts-check
/** The live sessions list: pages by cursor, a page size, and a search by id. */
import { api, ApiFailure } from './api.js';
import { attempt, byId, cell, h, idWithCopy, timeElement } from './dom.js';
import { count, FLAG_LABELS, labelOf } from './format.js';
import { cursorPager } from './pager.js';

/** @type {ReturnType<typeof cursorPager> | null} */
let pager = null;
let nextCursor = /** @type {string | null} */ (null);
let filter = '';
/** @type {any[]} */
let shown = [];

const pageSize = () => Number(/** @type {HTMLSelectElement} */ (byId('page-size')).value);

/** @param {string[]} flags */
const flagBadges = (flags) =>
  flags.length
    ? h('span', {}, ...flags.map((flag) => h('span', { class: 'badge warn' }, labelOf(FLAG_LABELS, flag))))
    : h('span', { class: 'hint' }, '–');

/** @param {any} s */
function row(s) {
  return h(
    'tr',
    { 'data-session': s.sessionId },
    cell('Session', idWithCopy(s.sessionId)),
    cell('Last activity', timeElement(s.lastActivityAt, true)),
    cell('Created', timeElement(s.createdAt)),
    cell('Turns', count(s.turnCount)),
    cell('Pending', count(s.pendingMessages)),
    cell('Locale', s.locale),
    cell('Client IP', s.clientIp ?? '–'),
    cell('Flags', flagBadges(s.flags)),
    h(
      'td',
      { class: 'row-actions' },
      h('a', { href: `#/sessions/${encodeURIComponent(s.sessionId)}`, class: 'open' }, 'Open'),
    ),
  );
}

function render() {
  const visible = filter ? shown.filter((s) => s.sessionId.includes(filter)) : shown;
  const body = byId('sessions-table').querySelector('tbody');
  body?.replaceChildren(
    ...(visible.length
      ? visible.map(row)
      : [
          h(
            'tr',
            {},
            h(
              'td',
              { colspan: '9', class: 'empty' },
              filter ? 'No session on this page matches.' : 'No live session.',
            ),
          ),
        ]),
  );
  pager?.loaded(nextCursor, visible.length ? ` · ${visible.length} shown` : '');
}

/** Reloads the current page (also every few seconds while the list is open). */
export async function refreshSessions() {
  if (!pager) return;
  const cursor = pager.cursor();
  const query = `limit=${pageSize()}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const list = await api(`/v1/admin/sessions?${query}`);
  shown = list.sessions;
  nextCursor = list.nextCursor;
  render();
}

/** @param {string} value */
async function search(value) {
  const id = value.trim();
  const note = byId('sessions-note');
  note.textContent = '';
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    try {
      await api(`/v1/admin/sessions/${encodeURIComponent(id)}`);
      location.hash = `#/sessions/${encodeURIComponent(id)}`;
    } catch (error) {
      if (!(error instanceof ApiFailure) || error.status !== 404) throw error;
      note.replaceChildren(
        'No live session has this id. ',
        h('a', { href: `#/sessions/${encodeURIComponent(id)}` }, 'Open it anyway'),
        ' to restore it from the archive.',
      );
    }
    return;
  }
  filter = id;
  render();
}

export function setUpSessions() {
  byId('session-search').addEventListener('submit', (event) => {
    event.preventDefault();
    void attempt(search(/** @type {HTMLInputElement} */ (byId('session-id')).value));
  });
  byId('session-id').addEventListener('input', (event) => {
    filter = /** @type {HTMLInputElement} */ (event.target).value.trim();
    if (filter.length < 36) render();
  });
  byId('page-size').addEventListener('change', () => {
    pager?.reset();
    void attempt(refreshSessions());
  });
  pager = cursorPager({
    prev: 'sessions-prev',
    next: 'sessions-next',
    label: 'sessions-page',
    load: refreshSessions,
  });
}
