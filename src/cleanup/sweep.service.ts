import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { CLOCK, Clock } from '../common/clock';
import { redactSessionId, SessionMaintenance } from '../sessions';

export const SWEEP_BATCH = 300;
/** Sessions of one batch archived at the same time. */
const CONCURRENCY = 8;
/** An end in progress elsewhere is left alone this long before the sweep takes it over. */
const MAX_ENDING_GRACE_MS = 5000;

export interface SweepResult {
  /** Sessions archived and deleted (expired, or ends another path left unfinished). */
  ended: number;
  /** Index entries whose keys were already gone. */
  leftovers: number;
  /** Sessions whose archival failed; they stay marked and are retried by the next sweep. */
  failed: number;
}

/**
 * One pass over the activity index: every session idle past its TTL is marked, archived, then deleted,
 * in batches with a yield in between so requests keep flowing. Idempotent: an archive failure leaves the
 * session marked in the ending set (nothing unarchived is deleted), and the archive keeps one entry per
 * (id, generation) however often it is saved.
 */
@Injectable()
export class SweepService {
  private readonly logger = new Logger('Sweep');

  constructor(
    private readonly sessions: SessionMaintenance,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Sweeps until nothing is left to do, or `deadline` (epoch ms) passes. */
  async sweep(deadline: number): Promise<SweepResult> {
    const result: SweepResult = { ended: 0, leftovers: 0, failed: 0 };
    const now = this.clock.now();
    const cutoff = now - this.config.sessionIdleTtlSeconds * 1000;
    const endingCutoff = now - Math.min(MAX_ENDING_GRACE_MS, this.config.sweepIntervalMs);
    while (this.clock.now() < deadline) {
      const ids = await this.sessions.sweepCandidates(cutoff, endingCutoff, SWEEP_BATCH);
      if (ids.length === 0) break;
      const before = result.ended + result.leftovers;
      for (let i = 0; i < ids.length; i += CONCURRENCY) {
        await Promise.all(ids.slice(i, i + CONCURRENCY).map((id) => this.sweepOne(id, result)));
      }
      // Failed or no-longer-expired ids come back in the next query: stop when a batch changed nothing.
      if (result.ended + result.leftovers === before) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return result;
  }

  private async sweepOne(id: string, result: SweepResult): Promise<void> {
    try {
      // An id already ending keeps the reason it was marked with; markEnded returns that one.
      if (await this.sessions.end(id, 'expired', 'expired')) {
        result.ended += 1;
      } else if (!(await this.sessions.hasKeys(id))) {
        await this.sessions.purge(id);
        result.leftovers += 1;
      }
      // else: active again since the candidates were read; it stays.
    } catch (error) {
      result.failed += 1;
      this.logger.error({
        msg: 'session not archived; it stays for the next sweep',
        sessionId: redactSessionId(id),
        err: error,
      });
    }
  }
}
