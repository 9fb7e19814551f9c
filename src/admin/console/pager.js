// @ts-check
/** Newer / older buttons over an API list paged by an opaque cursor (`nextCursor` null on the last page). */
import { attempt, byId } from './dom.js';

/**
 * @param {{ prev: string, next: string, label: string, load: () => Promise<void> }} ids the buttons' and
 *   the label's element ids, and what reloads the current page
 */
export function cursorPager({ prev, next, label, load }) {
  /** Cursors of the pages seen so far: cursors[i] opens page i (null: the first). */
  let cursors = /** @type {Array<string | null>} */ ([null]);
  let page = 0;
  let nextCursor = /** @type {string | null} */ (null);
  const prevButton = /** @type {HTMLButtonElement} */ (byId(prev));
  const nextButton = /** @type {HTMLButtonElement} */ (byId(next));

  prevButton.addEventListener('click', () => {
    if (page === 0) return;
    page -= 1;
    void attempt(load());
  });
  nextButton.addEventListener('click', () => {
    if (nextCursor === null) return;
    cursors[page + 1] = nextCursor;
    page += 1;
    void attempt(load());
  });

  return {
    /** The cursor of the page to load now. */
    cursor: () => cursors[page],
    /** After a load: where the next page starts, and what the label says. @param {string | null} cursor @param {string} [note] */
    loaded(cursor, note = '') {
      nextCursor = cursor;
      byId(label).textContent = `Page ${page + 1}${note}`;
      prevButton.disabled = page === 0;
      nextButton.disabled = nextCursor === null;
    },
    /** Back to the first page. */
    reset() {
      cursors = [null];
      page = 0;
    },
  };
}
