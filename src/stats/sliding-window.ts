/** Seconds the query window covers (`queriesLastMinute`). */
export const WINDOW_SECONDS = 60;

/** The epoch seconds of the window ending at `nowMs`: the current second and the 59 before it. */
export function windowSeconds(nowMs: number, seconds = WINDOW_SECONDS): number[] {
  const current = Math.floor(nowMs / 1000);
  return Array.from({ length: seconds }, (_, i) => current - i);
}

/**
 * A sliding window of per-second counts in a fixed ring, for the embedded store: memory stays constant
 * however many events arrive, and a bucket is reset when its second comes round again.
 */
export class SecondBuckets {
  private readonly counts: number[];
  private readonly stamps: number[];

  constructor(private readonly seconds = WINDOW_SECONDS) {
    this.counts = new Array<number>(seconds).fill(0);
    this.stamps = new Array<number>(seconds).fill(-1);
  }

  add(nowMs: number, n = 1): void {
    const second = Math.floor(nowMs / 1000);
    const slot = second % this.seconds;
    if (this.stamps[slot] !== second) {
      this.stamps[slot] = second;
      this.counts[slot] = 0;
    }
    this.counts[slot] += n;
  }

  /** Events in the window ending at `nowMs` (the current second included). */
  total(nowMs: number): number {
    const oldest = Math.floor(nowMs / 1000) - this.seconds + 1;
    let sum = 0;
    for (let slot = 0; slot < this.seconds; slot++) {
      if (this.stamps[slot] >= oldest) sum += this.counts[slot];
    }
    return sum;
  }
}
