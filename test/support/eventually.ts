/**
 * The one way tests wait: for a condition, polled, with a generous deadline (CI has 2 shared cores),
 * never for a fixed time. A test that asserts something did NOT happen first waits for a positive sign
 * that the system has moved past the point where it would have (a later event, a scan, a completed
 * job) or drives a ManualClock past it.
 */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** The deadline passed (an error a probe throws is passed on as it is). */
export class WaitTimeout extends Error {}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a truthy value and returns it; fails naming `what` after the deadline. */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  options: WaitOptions | number = {},
): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, intervalMs = 50 } =
    typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new WaitTimeout(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(intervalMs);
  }
}

/** Polls `probe` until `accept` takes its value, and returns that value. */
export async function eventually<T>(
  probe: () => T | Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 5000,
  intervalMs = 50,
): Promise<T> {
  let last: T | undefined;
  try {
    return await waitFor(
      'a condition',
      async () => {
        last = await probe();
        return accept(last) ? { value: last } : null;
      },
      { timeoutMs, intervalMs },
    ).then(({ value }) => value);
  } catch (error) {
    if (!(error instanceof WaitTimeout)) throw error;
    throw new Error(`condition not met in ${timeoutMs} ms; last: ${JSON.stringify(last)}`, { cause: error });
  }
}
