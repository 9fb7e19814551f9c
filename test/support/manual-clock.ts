import { Clock, TimerHandle, Timers } from '../../src/common/clock';

interface Scheduled {
  dueAt: number;
  /** Set for an interval: when it fires, it is due again this much later. */
  everyMs?: number;
  callback: () => void;
  /** Ties broken by the order timers were set in. */
  order: number;
}

/** Lets pending promise callbacks (and I/O already answered) run before the next timer fires. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A clock and timers that stand still until a test moves them: `advance(ms)` fires every timer due
 * in that span, in due order, with `now()` set to each one's due time, and lets the promises a fired
 * callback started run before the next one. Provide it as both CLOCK and TIMERS:
 *
 *   const time = new ManualClock();
 *   startTestApp({ override: (b) => b.overrideProvider(CLOCK).useValue(time).overrideProvider(TIMERS).useValue(time) });
 *   await time.advance(15_000);
 */
export class ManualClock implements Clock, Timers {
  private current: number;
  private readonly scheduled = new Map<TimerHandle, Scheduled>();
  private sequence = 0;

  constructor(startAt = Date.parse('2026-01-01T00:00:00Z')) {
    this.current = startAt;
  }

  now(): number {
    return this.current;
  }

  /** How many timers are set (intervals included). */
  get pending(): number {
    return this.scheduled.size;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    return this.schedule({ callback, dueAt: this.current + Math.max(0, delayMs) });
  }

  setInterval(callback: () => void, everyMs: number): TimerHandle {
    const step = Math.max(1, everyMs);
    return this.schedule({ callback, dueAt: this.current + step, everyMs: step });
  }

  clearTimeout(handle: TimerHandle | null | undefined): void {
    if (handle) this.scheduled.delete(handle);
  }

  clearInterval(handle: TimerHandle | null | undefined): void {
    this.clearTimeout(handle);
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, delayMs));
  }

  /** Moves time on by `ms`, firing what falls due on the way; resolves once their work has settled. */
  async advance(ms: number): Promise<void> {
    const until = this.current + ms;
    for (;;) {
      await settle();
      const next = this.nextDue(until);
      if (!next) break;
      const [handle, timer] = next;
      this.current = timer.dueAt;
      if (timer.everyMs === undefined) this.scheduled.delete(handle);
      else timer.dueAt += timer.everyMs;
      timer.callback();
    }
    this.current = until;
    await settle();
  }

  /** `advance` in steps of `stepMs`, letting real I/O (a Redis reply) come back between them. */
  async advanceInSteps(ms: number, stepMs: number, between?: () => Promise<void>): Promise<void> {
    for (let moved = 0; moved < ms; moved += stepMs) {
      await this.advance(Math.min(stepMs, ms - moved));
      if (between) await between();
    }
  }

  private schedule(timer: Omit<Scheduled, 'order'>): TimerHandle {
    const handle = {};
    this.scheduled.set(handle, { ...timer, order: this.sequence++ });
    return handle;
  }

  private nextDue(until: number): [TimerHandle, Scheduled] | null {
    let best: [TimerHandle, Scheduled] | null = null;
    for (const entry of this.scheduled) {
      const [, timer] = entry;
      if (timer.dueAt > until) continue;
      if (
        !best ||
        timer.dueAt < best[1].dueAt ||
        (timer.dueAt === best[1].dueAt && timer.order < best[1].order)
      )
        best = entry;
    }
    return best;
  }
}

/**
 * The real clock moved on by hand: `skip(ms)` makes the app see time `ms` later at once (a session's
 * TTL runs out, a minute falls out of a window) while its timers and its I/O keep real time. Provide it
 * as CLOCK only.
 */
export class ShiftedClock implements Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  skip(ms: number): void {
    this.offsetMs += ms;
  }
}
