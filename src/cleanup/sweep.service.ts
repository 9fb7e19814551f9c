import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { CLOCK, Clock, TIMERS, Timers } from '../common/clock';
import { yieldToLoop } from '../common/in-slices';
import { SessionMaintenance } from '../sessions';
import type { MarkedBatch } from '../sessions';

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

/**
 * A batch and the rest after it take at least this long: the sweep rests 1.5 times as long as its batch
 * took (requests get 60 % of the time), but never past the cycle, so that where a batch takes long (a
 * slow or busy machine) the sweep still keeps up, and where it is quick the requests get more. Measured
 * on the bench's sweep (100,000 sessions under a steady query load, 2 shared cores): on a slow machine a
 * rest as long as the batch capped at 20 ms took 22–27 s against a budget of 20 s, capped at 5 ms 16–21
 * s for a query p99 1.24–1.27× its quiet level; on a machine twice as fast, the 5-ms cap took 12.5 s for
 * 2.11×, a 10-ms cap 14.2–14.6 s for 1.48–1.50×, no cap 12.1–15.6 s for 1.29–1.88×, and this rule
 * 14.7–15.8 s for 1.30–1.43×.
 */
export const SWEEP_CYCLE_MS = 16;
/** The rest after a batch, per millisecond the batch took (within the cycle). */
const REST_PER_BATCH_MS = 1.5;

/** How long the sweep rests after a batch that took `batchMs`; 0: a yield to the event loop only. */
export function restAfter(batchMs: number): number {
  return Math.max(0, Math.min(batchMs * REST_PER_BATCH_MS, SWEEP_CYCLE_MS - batchMs));
}

/** The next candidates were all still being finished: read them again once that is done. */
const LATER = Symbol('later');
const NONE: ReadonlySet<string> = new Set();
const idsOf = (batch: MarkedBatch) =>
  new Set([...batch.endings.map((ending) => ending.id), ...batch.leftovers]);

type Settled<T> = { value: T } | { error: unknown };
/** A step started ahead and awaited later: its failure is held, never an unhandled rejection. */
const settle = <T>(step: Promise<T>): Promise<Settled<T>> =>
  step.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

/**
 * One pass over the activity index: every session idle past its TTL when the pass began is marked,
 * archived, then deleted, a batch at a time, batch after batch until none is left (or `keepGoing`
 * says stop: the lease is lost, the process stops), resting between batches so requests keep flowing.
 * The next batch is read and marked while the current one is archived and deleted (marking takes a
 * batch out of the candidates, so the two never share a session): the sweep waits for one round trip
 * less per batch. Idempotent: an archive failure leaves the sessions marked in the ending set (nothing
 * unarchived is deleted), and the archive keeps one entry per (id, generation) however often it is saved.
 */
@Injectable()
export class SweepService {
  private readonly logger = new Logger('Sweep');

  constructor(
    private readonly sessions: SessionMaintenance,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TIMERS) private readonly timers: Timers,
  ) {}

  /** Sweeps until nothing due is left, or `keepGoing` (asked between batches) answers false. */
  async sweep(keepGoing: () => Promise<boolean>): Promise<SweepResult> {
    const result: SweepResult = { ended: 0, leftovers: 0, failed: 0 };
    const now = this.clock.now();
    const cutoff = now - this.config.sessionIdleTtlSeconds * 1000;
    const endingCutoff = now - Math.min(MAX_ENDING_GRACE_MS, this.config.sweepIntervalMs);
    /**
     * Reads the next candidates, less the batch being finished (one stuck ending keeps its place in
     * the ending set until purged), and marks them: LATER when only that batch's ids came back.
     */
    const markNext = async (inFlight: ReadonlySet<string>): Promise<MarkedBatch | null | typeof LATER> => {
      const found = await this.sessions.sweepCandidates(cutoff, endingCutoff, SWEEP_BATCH);
      const ids = found.filter((id) => !inFlight.has(id));
      if (ids.length === 0) return found.length === 0 ? null : LATER;
      try {
        return await this.sessions.markBatch(ids, 'expired', 'expired');
      } catch (error) {
        // The store is down: whatever was marked stays in the ending set for the next run.
        this.batchFailed(error);
        result.failed += ids.length;
        return null;
      }
    };
    type Marked = Settled<MarkedBatch | null | typeof LATER>;
    let marking: Promise<Marked> | null = settle(markNext(NONE));
    try {
      for (;;) {
        const batchStartedAt = this.clock.now();
        let marked: Marked = await marking;
        marking = null;
        // The batch before has been finished since: its ids are no longer candidates.
        if ('value' in marked && marked.value === LATER) marked = await settle(markNext(NONE));
        if ('error' in marked) throw marked.error; // the candidates query failed: so does the run
        const batch: MarkedBatch | null | typeof LATER = marked.value;
        if (!batch || batch === LATER) break;
        const finishing = settle(this.sessions.finishBatch(batch));
        // Failed or no-longer-expired ids come back in the next query: stop when a batch changed nothing.
        const progress = batch.endings.length + batch.leftovers.length > 0;
        const asked = progress ? await settle(keepGoing()) : { value: false };
        if ('value' in asked && asked.value) marking = settle(markNext(idsOf(batch)));
        const finished = await finishing;
        if ('error' in finished) {
          this.batchFailed(finished.error);
          result.failed += batch.endings.length + batch.leftovers.length + batch.failed;
          break;
        }
        result.ended += finished.value.ended;
        result.leftovers += finished.value.leftovers;
        result.failed += finished.value.failed;
        if ('error' in asked) throw asked.error;
        if (!marking || finished.value.ended + finished.value.leftovers === 0) break;
        await this.rest(this.clock.now() - batchStartedAt);
      }
    } finally {
      // A batch marked ahead and not finished (its predecessor failed) stays for a later sweep.
      const ahead = marking ? await marking : null;
      if (ahead && 'value' in ahead && ahead.value && ahead.value !== LATER) {
        result.failed += ahead.value.endings.length + ahead.value.leftovers.length + ahead.value.failed;
      }
    }
    return result;
  }

  private async rest(batchMs: number): Promise<void> {
    const restMs = restAfter(batchMs);
    if (restMs > 0) await this.timers.sleep(restMs);
    else await yieldToLoop();
  }

  private batchFailed(error: unknown): void {
    this.logger.error({ msg: 'sweep batch failed; its sessions stay for the next sweep', err: error });
  }
}
