import { systemTimers, TimerHandle, Timers } from '../common/clock';

/** Rejects when `work` has not settled within `timeoutMs`; the timer never outlives the race. */
export async function withinTimeout<T>(
  work: Promise<T>,
  timeoutMs: number,
  timers: Timers = systemTimers,
): Promise<T> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = timers.setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    timers.clearTimeout(timer);
  }
}
