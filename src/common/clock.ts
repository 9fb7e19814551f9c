/** Time as the services see it; tests may provide another one. */
export interface Clock {
  now(): number;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => Date.now() };

/** What a timer set through `Timers` returns: only good for clearing it again. */
export type TimerHandle = object;

/**
 * Timers as the services see them: beside CLOCK, so a test that drives one drives both (a manual
 * clock fires the timers due as it advances). Timers never keep the process alive on their own
 * account unless asked to: a service's timer is stopped at shutdown anyway.
 */
export interface Timers {
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle | null | undefined): void;
  setInterval(callback: () => void, everyMs: number): TimerHandle;
  clearInterval(handle: TimerHandle | null | undefined): void;
  /** Resolves after `delayMs`; `unref` lets the process exit meanwhile. */
  sleep(delayMs: number, options?: { unref?: boolean }): Promise<void>;
}

export const TIMERS = Symbol('TIMERS');

/** Node's own timers, looked up at each call (so Jest's fake timers still apply to them). */
export const systemTimers: Timers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
  setInterval: (callback, everyMs) => setInterval(callback, everyMs),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout | undefined),
  sleep: (delayMs, options = {}) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      if (options.unref) timer.unref();
    }),
};
