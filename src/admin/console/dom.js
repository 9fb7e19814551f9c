// @ts-check
/** Small DOM helpers: every value goes in as text, never as HTML. */
import { localDateTime, relative } from './format.js';

/**
 * @param {string} tag
 * @param {Record<string, string | boolean | undefined>} [attributes]
 * @param {Array<Node | string | null | undefined>} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') element.className = String(value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child !== null && child !== undefined) element.append(child);
  return element;
}

/** @param {string} id @returns {HTMLElement} */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing`);
  return element;
}

/** A time in local time, the exact UTC value on hover. @param {string} iso @param {boolean} [asRelative] */
export function timeElement(iso, asRelative = false) {
  const local = localDateTime(iso);
  return h(
    'time',
    { datetime: iso, title: `${local} local · ${iso} UTC` },
    asRelative ? relative(iso) : local,
  );
}

/** A button copying `text` to the clipboard, saying so for a moment. @param {string} text @param {string} what */
export function copyButton(text, what = 'id') {
  const button = /** @type {HTMLButtonElement} */ (
    h('button', { type: 'button', class: 'small', title: `Copy the full ${what}` }, 'Copy')
  );
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = 'Copied';
    } catch {
      // No clipboard (an insecure origin): select the text so the person can copy it by hand.
      const range = document.createRange();
      const target = button.previousElementSibling;
      if (target) range.selectNodeContents(target);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      button.textContent = 'Selected';
    }
    setTimeout(() => (button.textContent = 'Copy'), 1500);
  });
  return button;
}

/** The full id, selectable, with its copy button. @param {string} id */
export function idWithCopy(id) {
  return h('span', { class: 'cell-id' }, h('span', { class: 'id' }, id), copyButton(id));
}

/** A table cell labelled for the narrow layout. @param {string} label @param {...(Node|string|null)} content */
export function cell(label, ...content) {
  return h('td', { 'data-label': label }, ...content);
}

/** A cell taking a whole line in the narrow layout (long text). @param {string} label @param {string} text */
export function wideCell(label, text) {
  return h('td', { 'data-label': label, class: 'wide' }, text);
}

/**
 * Asks before doing something that cannot be undone; resolves true when confirmed.
 * @param {{ title: string, body: string, confirm: string }} text
 * @returns {Promise<boolean>}
 */
export function confirmAction(text) {
  const dialog = /** @type {HTMLDialogElement} */ (byId('confirm'));
  byId('confirm-title').textContent = text.title;
  byId('confirm-body').textContent = text.body;
  byId('confirm-ok').textContent = text.confirm;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
  });
}

/** Shows a message above the view; `kind` 'info' is blue, else red. @param {string} message @param {'error'|'info'} [kind] */
export function showBanner(message, kind = 'error') {
  const banner = byId('banner');
  banner.textContent = message;
  banner.className = kind === 'info' ? 'banner info' : 'banner';
  banner.hidden = !message;
}

/** Runs `work`, showing a failure in the banner (a 401 brings the sign-in form up instead). @param {Promise<unknown>} work */
export async function attempt(work) {
  try {
    await work;
  } catch (error) {
    const status = /** @type {{ status?: number }} */ (error).status;
    if (status !== 401) showBanner(error instanceof Error ? error.message : String(error));
  }
}
