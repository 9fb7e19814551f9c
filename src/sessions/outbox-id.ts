/** Outbox message ids in the form of Redis stream ids, `ms-seq`, for the embedded store. */

/** Orders ids of the form `ms-seq` (and '0'), as Redis orders stream ids. */
export function compareOutboxIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am !== bm ? am - bm : (as ?? 0) - (bs ?? 0);
}

/** Hands out increasing ids, even for several messages in one millisecond or a clock that steps back. */
export class OutboxIdSequence {
  private lastMs = 0;
  private lastSeq = 0;

  next(now: number): string {
    if (now > this.lastMs) {
      this.lastMs = now;
      this.lastSeq = 0;
    } else {
      this.lastSeq += 1;
    }
    return `${this.lastMs}-${this.lastSeq}`;
  }
}
