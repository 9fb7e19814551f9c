/** Lets the I/O callbacks queued meanwhile (requests, replies) run before going on. */
export const yieldToLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Items handled per slice of CPU-bound work done in the background (the sweep's batches): about a
 * hundred microseconds of work, so that a request arriving meanwhile waits for one slice, not a batch.
 */
export const SLICE = 25;

/** `map` over `items`, yielding to the event loop between slices of `SLICE` items. */
export async function mapInSlices<T, R>(items: readonly T[], map: (item: T) => R): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % SLICE === 0) await yieldToLoop();
    out.push(map(items[i]));
  }
  return out;
}
