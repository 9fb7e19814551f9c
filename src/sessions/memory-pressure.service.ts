import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { CLOCK, Clock } from '../common/clock';
import { LEASE, Lease } from '../lease';
import { SessionEndingService } from './session-ending.service';
import { SESSION_REPOSITORY, SessionRepository } from './session.repository';
import { estimatedUsage, Watermarks, watermarks } from './watermarks';

const BATCH = 100;
/** Bounds one relief run; the next scheduled check or create continues. */
const MAX_BATCHES = 20;
/** Below the watermark, creates skip the INFO round trip for this long. */
const RECHECK_MS = 1000;
/** One instance evicts at a time, so two instances above the watermark do not both free the gap. */
const LEASE_NAME = 'memory-pressure';
/** Outlives a relief run (MAX_BATCHES × BATCH ends, each an archive write). */
const LEASE_TTL_MS = 60_000;

/**
 * Above the high watermark, evicts idle sessions, least recently active first, with reason
 * `memory_pressure` until the estimated usage is below the low watermark. Runs on the cleanup
 * schedule and before every create (SessionService asks it first), by one instance at a time (a lease:
 * while another instance relieves, this one does nothing).
 */
@Injectable()
export class MemoryPressureService {
  private readonly logger = new Logger('MemoryPressure');
  private belowSince: number | null = null;
  private running: Promise<number> | null = null;

  constructor(
    @Inject(SESSION_REPOSITORY) private readonly sessions: SessionRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LEASE) private readonly lease: Lease,
    private readonly ending: SessionEndingService,
  ) {}

  async beforeCreate(): Promise<void> {
    const now = this.clock.now();
    if (this.belowSince !== null && now - this.belowSince < RECHECK_MS) return;
    await this.relieve();
  }

  /** Evicts until below the low watermark; returns how many sessions it evicted. One run at a time. */
  relieve(): Promise<number> {
    this.running ??= this.evict().finally(() => (this.running = null));
    return this.running;
  }

  private async evict(): Promise<number> {
    const usage = await this.sessions.memoryUsage();
    const marks = watermarks(this.config.memoryHighWatermarkBytes, usage.limit);
    if (!marks || usage.used <= marks.high) {
      this.belowSince = this.clock.now();
      return 0;
    }
    this.belowSince = null;
    const token = await this.lease.acquire(LEASE_NAME, LEASE_TTL_MS);
    if (!token) return 0; // another instance is relieving the store
    try {
      return await this.evictAbove(usage.used, marks);
    } finally {
      await this.lease.release(LEASE_NAME, token);
    }
  }

  private async evictAbove(used: number, marks: Watermarks): Promise<number> {
    let freed = 0;
    let evicted = 0;
    let current = used;
    for (let batch = 0; batch < MAX_BATCHES && current >= marks.low; batch++) {
      const ids = await this.sessions.leastRecentlyActive(BATCH);
      if (ids.length === 0) break;
      for (const id of ids) {
        const bytes = await this.sessions.storeBytes(id);
        if (await this.evictOne(id)) {
          freed += bytes;
          evicted += 1;
        }
        if (used - freed < marks.low) break;
      }
      current = estimatedUsage(used, freed, (await this.sessions.memoryUsage()).used);
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.logger.warn({
      msg: 'memory pressure: evicted idle sessions',
      evicted,
      usedBytes: used,
      highWatermarkBytes: marks.high,
      lowWatermarkBytes: marks.low,
      estimatedBytesAfter: current,
    });
    return evicted;
  }

  /** A live session goes with `memory_pressure`; one already past its TTL keeps the reason `expired`. */
  private async evictOne(id: string): Promise<boolean> {
    try {
      if (await this.ending.end(id, 'memory_pressure', 'live')) return true;
      return await this.ending.end(id, 'expired', 'expired');
    } catch (error) {
      // Marked but not archived: it stays in the ending set and the sweep finishes it.
      this.logger.error({ msg: 'memory-pressure eviction not archived yet', err: error });
      return true;
    }
  }
}
