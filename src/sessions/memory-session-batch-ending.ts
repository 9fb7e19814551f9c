import { EndReason } from '../domain';
import { BatchMark, SessionBatchEnding } from './session-batch-ending.port';
import { EndMode, SessionLifecycleStore } from './session.repository';

/**
 * The embedded store's batches: its calls cost no round trip, so a batch is the same steps, one id at a
 * time, through the store's own markEnded, snapshot and purge (and so under the same rules).
 */
export class MemorySessionBatchEnding implements SessionBatchEnding {
  constructor(private readonly sessions: SessionLifecycleStore) {}

  async markAndRead(
    ids: readonly string[],
    reason: EndReason,
    now: number,
    mode: EndMode,
  ): Promise<BatchMark[]> {
    const marks: BatchMark[] = [];
    for (const id of ids) marks.push(await this.markOne(id, reason, now, mode));
    return marks;
  }

  async purge(ids: readonly string[]): Promise<Set<string>> {
    const removed = new Set<string>();
    for (const id of ids) if (await this.sessions.purge(id)) removed.add(id);
    return removed;
  }

  private async markOne(id: string, reason: EndReason, now: number, mode: EndMode): Promise<BatchMark> {
    try {
      const marked = await this.sessions.markEnded(id, reason, now, mode);
      const snapshot = await this.sessions.snapshot(id);
      if (!snapshot) return { id, status: 'gone' };
      if (marked.status !== 'ended') return { id, status: 'kept' };
      return { id, status: 'ended', reason: marked.reason, snapshot };
    } catch (error) {
      return { id, status: 'failed', error };
    }
  }
}
