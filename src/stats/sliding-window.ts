/** Seconds the query window covers (`queriesLastMinute`). */
export const WINDOW_SECONDS = 60;
/**
 * Minutes of per-minute totals kept: a day for GET /v1/admin/stats/timeseries (minutes ≤ 1440), which
 * also covers the alerts' 5-minute rate and the hour before it.
 */
export const TIMESERIES_MINUTES = 1440;

/** The bucket numbers of the `count` buckets ending at `nowMs` (current one first). */
export function windowBuckets(nowMs: number, bucketMs: number, count: number): number[] {
  const current = Math.floor(nowMs / bucketMs);
  return Array.from({ length: count }, (_, i) => current - i);
}

/** The epoch seconds of the window ending at `nowMs`: the current second and the 59 before it. */
export function windowSeconds(nowMs: number, seconds = WINDOW_SECONDS): number[] {
  return windowBuckets(nowMs, 1000, seconds);
}

/**
 * Counts per time bucket in a fixed ring, for the embedded store: memory stays constant however many
 * events arrive, and a bucket is reset when its slot comes round again.
 */
export class TimeBuckets {
  private readonly counts: number[];
  private readonly stamps: number[];

  constructor(
    private readonly bucketMs: number,
    private readonly size: number,
  ) {
    this.counts = new Array<number>(size).fill(0);
    this.stamps = new Array<number>(size).fill(-1);
  }

  add(nowMs: number, n = 1): void {
    const bucket = Math.floor(nowMs / this.bucketMs);
    const slot = bucket % this.size;
    if (this.stamps[slot] !== bucket) {
      this.stamps[slot] = bucket;
      this.counts[slot] = 0;
    }
    this.counts[slot] += n;
  }

  /** Events in buckets [from, to] (bucket numbers); only the last `size` buckets are known. */
  sum(from: number, to: number): number {
    let total = 0;
    for (let slot = 0; slot < this.size; slot++) {
      if (this.stamps[slot] >= from && this.stamps[slot] <= to) total += this.counts[slot];
    }
    return total;
  }

  /** Events in the `size` buckets ending at `nowMs` (the current one included). */
  total(nowMs: number): number {
    const current = Math.floor(nowMs / this.bucketMs);
    return this.sum(current - this.size + 1, current);
  }
}

/** Per-second counts over the last minute. */
export class SecondBuckets extends TimeBuckets {
  constructor(seconds = WINDOW_SECONDS) {
    super(1000, seconds);
  }
}
