import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { CLOCK, Clock } from '../common/clock';
import { SessionMaintenance } from '../sessions';

/**
 * Sessions ended per batch: one round to the store per step and one archive write for all of them.
 * Small enough that no step holds the event loop for more than a few milliseconds: measured on the
 * bench's sweep (100,000 sessions under a query load), 100 keeps the queries' p99 at its quiet level,
 * while 250 to 500 sweep little faster and raise it 4 to 6 times.
 */
export const SWEEP_BATCH = 100;
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

/** Lets the requests queued meanwhile run before the next batch. */
const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * One pass over the activity index: every session idle past its TTL when the pass began is marked,
 * archived, then deleted, a batch at a time, batch after batch until none is left (or `keepGoing`
 * says stop: the lease is lost, the process stops), yielding between batches so requests keep flowing.
 * Idempotent: an archive failure leaves the sessions marked in the ending set (nothing unarchived is
 * deleted), and the archive keeps one entry per (id, generation) however often it is saved.
 */
@Injectable()
export class SweepService {
  private readonly logger = new Logger('Sweep');

  constructor(
    private readonly sessions: SessionMaintenance,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Sweeps until nothing due is left, or `keepGoing` (asked between batches) answers false. */
  async sweep(keepGoing: () => Promise<boolean>): Promise<SweepResult> {
    const result: SweepResult = { ended: 0, leftovers: 0, failed: 0 };
    const now = this.clock.now();
    const cutoff = now - this.config.sessionIdleTtlSeconds * 1000;
    const endingCutoff = now - Math.min(MAX_ENDING_GRACE_MS, this.config.sweepIntervalMs);
    for (;;) {
      const ids = await this.sessions.sweepCandidates(cutoff, endingCutoff, SWEEP_BATCH);
      if (ids.length === 0) break;
      let batch;
      try {
        batch = await this.sessions.endBatch(ids, 'expired', 'expired');
      } catch (error) {
        // The store is down: whatever was marked stays in the ending set for the next run.
        this.logger.error({ msg: 'sweep batch failed; its sessions stay for the next sweep', err: error });
        result.failed += ids.length;
        break;
      }
      result.ended += batch.ended;
      result.leftovers += batch.leftovers;
      result.failed += batch.failed;
      // Failed or no-longer-expired ids come back in the next query: stop when a batch changed nothing.
      if (batch.ended + batch.leftovers === 0) break;
      await yieldToRequests();
      if (!(await keepGoing())) break;
    }
    return result;
  }
}
