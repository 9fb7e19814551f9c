// @ts-check
/** The support console: sign-in, a hash router over the views, and the live refresh (every 5 s). */
import { api, ApiFailure, token } from './api.js';
import { firstArchivePage, refreshArchive, setUpArchive } from './archive.js';
import { refreshBroadcast, setUpBroadcast } from './broadcast.js';
import { byId, showBanner } from './dom.js';
import { refreshOverview } from './overview.js';
import { refreshPois } from './pois.js';
import { openSession, setUpSession } from './session.js';
import { refreshSessions, setUpSessions } from './sessions.js';

/** API.md asks for live figures at least every 5 s. */
const LIVE_REFRESH_MS = 5000;
const VIEWS = ['overview', 'sessions', 'session', 'archive', 'broadcast', 'pois'];

/** @type {Record<string, { enter: (arg: string) => Promise<void>, live?: () => Promise<void> }>} */
const routes = {
  overview: { enter: refreshOverview, live: refreshOverview },
  sessions: { enter: refreshSessions, live: refreshSessions },
  session: { enter: openSession },
  archive: {
    enter: async () => {
      firstArchivePage();
      await refreshArchive();
    },
  },
  broadcast: { enter: refreshBroadcast },
  pois: { enter: refreshPois },
};

let current = 'overview';

function parseHash() {
  const [, view = 'overview', arg = ''] = location.hash.split('/');
  if (view === 'sessions' && arg) return { view: 'session', arg: decodeURIComponent(arg) };
  return { view: routes[view] ? view : 'overview', arg };
}

/** @param {boolean} ok */
function markLive(ok) {
  const live = byId('live');
  live.className = ok ? 'live ok' : 'live stale';
  live.textContent = ok ? `Live · updated ${new Date().toLocaleTimeString()}` : 'Not updating';
}

/** @param {() => Promise<void>} work */
async function run(work) {
  try {
    await work();
    markLive(true);
  } catch (error) {
    markLive(false);
    if (!(error instanceof ApiFailure) || error.status !== 401) {
      showBanner(error instanceof Error ? error.message : String(error));
    }
  }
}

async function show() {
  if (!token.get()) return signIn();
  const { view, arg } = parseHash();
  current = view;
  showBanner('');
  for (const name of VIEWS) byId(`view-${name}`).hidden = name !== view;
  const tab = view === 'session' ? 'sessions' : view;
  for (const link of document.querySelectorAll('#nav a')) {
    if (/** @type {HTMLElement} */ (link).dataset.tab === tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  await run(() => routes[view].enter(arg));
}

/** @param {string} [message] */
function signIn(message = '') {
  for (const name of VIEWS) byId(`view-${name}`).hidden = true;
  byId('nav').hidden = true;
  byId('sign-out').hidden = true;
  byId('login').hidden = false;
  byId('login-error').textContent = message;
  byId('live').textContent = '';
  /** @type {HTMLInputElement} */ (byId('token')).focus();
}

async function submitToken() {
  const input = /** @type {HTMLInputElement} */ (byId('token'));
  token.set(input.value.trim());
  try {
    await api('/v1/admin/stats');
  } catch (error) {
    token.clear();
    const message =
      error instanceof ApiFailure && error.status === 401 ? 'This token is not accepted.' : String(error);
    return signIn(message);
  }
  input.value = '';
  byId('login').hidden = true;
  byId('nav').hidden = false;
  byId('sign-out').hidden = false;
  await show();
}

function start() {
  setUpSessions();
  setUpSession();
  setUpArchive();
  setUpBroadcast();
  token.onRejected(() => {
    token.clear();
    signIn('The token was refused: sign in again.');
  });
  byId('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void submitToken();
  });
  byId('sign-out').addEventListener('click', () => {
    token.clear();
    signIn();
  });
  window.addEventListener('hashchange', () => void show());
  setInterval(() => {
    const live = routes[current]?.live;
    if (token.get() && live && !document.hidden) void run(live);
  }, LIVE_REFRESH_MS);
  if (token.get()) {
    byId('nav').hidden = false;
    byId('sign-out').hidden = false;
  }
  void show();
}

start();
