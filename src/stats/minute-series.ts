import { MinuteTotals } from './stats.repository';

export type MinuteField = Exclude<keyof MinuteTotals, 'minute'>;

export const MINUTE_FIELDS: readonly MinuteField[] = ['created', 'ended', 'queries', 'proactiveSent'];

export function emptyMinute(minute: number): MinuteTotals {
  return { minute, created: 0, ended: 0, queries: 0, proactiveSent: 0 };
}

export const epochMinute = (ms: number): number => Math.floor(ms / 60_000);

/**
 * Per-minute totals in a fixed ring, for the embedded store: memory stays constant however many
 * events arrive, and a slot is reset when its minute comes round again.
 */
export class MinuteSeries {
  private readonly slots: MinuteTotals[];

  constructor(private readonly size: number) {
    this.slots = Array.from({ length: size }, () => emptyMinute(-1));
  }

  add(nowMs: number, field: MinuteField, n = 1): void {
    const minute = epochMinute(nowMs);
    const index = minute % this.size;
    if (this.slots[index].minute !== minute) this.slots[index] = emptyMinute(minute);
    this.slots[index][field] += n;
  }

  /** One entry per minute of [from, to], oldest first; minutes outside the ring read as zeros. */
  range(from: number, to: number): MinuteTotals[] {
    const result: MinuteTotals[] = [];
    for (let minute = from; minute <= to; minute++) {
      const slot = this.slots[((minute % this.size) + this.size) % this.size];
      result.push(slot.minute === minute ? { ...slot } : emptyMinute(minute));
    }
    return result;
  }
}
