/**
 * Runs `task` one at a time: a call while it runs asks for exactly one more run after it, never a
 * parallel one. The task may also ask for another run by resolving true (e.g. a full page was read).
 */
export function coalescingRunner(task: () => Promise<boolean | void>): () => Promise<void> {
  let running = false;
  let again = false;
  return async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        if (await task()) again = true;
      } while (again);
    } finally {
      running = false;
    }
  };
}
