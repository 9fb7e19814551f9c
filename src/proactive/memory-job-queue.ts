import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Clock, systemClock, systemTimers, TimerHandle, Timers } from '../common/clock';
import { JobHandler, JobOptions, JobQueue, JobRequest, missingHandlers } from './job-queue.port';
import {
  JOB_ATTEMPTS,
  JOB_BACKOFF_MS,
  JOB_CONCURRENCY,
  JOB_RETENTION_SECONDS,
  JobName,
  JobPayloads,
} from './proactive.jobs';

interface PendingJob {
  id: string;
  name: JobName;
  data: unknown;
  runAt: number;
  attempt: number;
  /** Repeating jobs come back this long after they started. */
  everyMs?: number;
}

/** The longest delay a Node timer takes (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const RUNNING = Number.POSITIVE_INFINITY;

/**
 * The embedded-mode queue: jobs in process memory (lost at exit, like the rest of embedded state),
 * ordered by due time and driven by one timer for all of them, however many are waiting.
 */
export class MemoryJobQueue implements JobQueue {
  private readonly logger = new Logger('JobQueue');
  private readonly handlers = new Map<string, (data: unknown) => Promise<void>>();
  /** Sorted by runAt. */
  private readonly pending: PendingJob[] = [];
  /** Job id → when it finished (RUNNING while pending or running), for deduplication. */
  private readonly known = new Map<string, number>();
  private timer: TimerHandle | null = null;
  private timerAt = 0;
  private running = 0;
  private started = false;
  private stopping = false;
  private lastPrune: number;

  /** `time`: the app's CLOCK and TIMERS (a test's manual clock drives both). */
  constructor(
    private readonly time: { clock: Clock; timers: Timers } = { clock: systemClock, timers: systemTimers },
  ) {
    this.lastPrune = time.clock.now();
  }

  private now(): number {
    return this.time.clock.now();
  }

  get closing(): boolean {
    return this.stopping;
  }

  handle<N extends JobName>(name: N, handler: JobHandler<N>): void {
    if (this.handlers.has(name)) throw new Error(`Job ${name} already has a handler`);
    this.handlers.set(name, handler as (data: unknown) => Promise<void>);
  }

  start(): Promise<void> {
    const missing = missingHandlers(new Set(this.handlers.keys()));
    if (missing.length > 0) return Promise.reject(new Error(`Jobs without a handler: ${missing.join(', ')}`));
    this.started = true;
    this.arm();
    return Promise.resolve();
  }

  add<N extends JobName>(name: N, data: JobPayloads[N], options: JobOptions = {}): Promise<void> {
    this.enqueue(name, data, options);
    this.arm();
    return Promise.resolve();
  }

  addBulk(jobs: JobRequest[]): Promise<void> {
    for (const job of jobs) this.enqueue(job.name, job.data, job.options ?? {});
    this.arm();
    return Promise.resolve();
  }

  every<N extends JobName>(name: N, everyMs: number, data: JobPayloads[N]): Promise<void> {
    const id = `every:${name}`;
    if (!this.known.has(id)) {
      this.known.set(id, RUNNING);
      this.insert({ id, name, data, runAt: this.now() + everyMs, attempt: 0, everyMs });
      this.arm();
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.stopping = true;
    this.time.timers.clearTimeout(this.timer);
    this.timer = null;
    return Promise.resolve();
  }

  private enqueue(name: JobName, data: unknown, options: JobOptions): void {
    if (this.stopping) return;
    const id = options.jobId ?? randomUUID();
    if (this.known.has(id)) return;
    this.known.set(id, RUNNING);
    this.insert({ id, name, data, runAt: this.now() + (options.delayMs ?? 0), attempt: 0 });
  }

  private insert(job: PendingJob): void {
    let low = 0;
    let high = this.pending.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.pending[middle].runAt <= job.runAt) low = middle + 1;
      else high = middle;
    }
    this.pending.splice(low, 0, job);
  }

  /** The one timer, set for the earliest due job. */
  private arm(): void {
    if (!this.started || this.stopping || this.pending.length === 0) return;
    if (this.running >= JOB_CONCURRENCY) return; // a finishing job drains again
    const due = this.pending[0].runAt;
    if (this.timer && this.timerAt <= due) return;
    this.time.timers.clearTimeout(this.timer);
    this.timerAt = due;
    this.timer = this.time.timers.setTimeout(
      () => this.drain(),
      Math.min(MAX_TIMER_MS, Math.max(0, due - this.now())),
    );
  }

  private drain(): void {
    this.timer = null;
    const now = this.now();
    while (!this.stopping && this.running < JOB_CONCURRENCY && (this.pending[0]?.runAt ?? Infinity) <= now) {
      this.run(this.pending.shift() as PendingJob);
    }
    this.prune(now);
    this.arm();
  }

  private run(job: PendingJob): void {
    const handler = this.handlers.get(job.name);
    this.running += 1;
    const startedAt = this.now();
    const work = handler ? handler(job.data) : Promise.reject(new Error(`No handler for job ${job.name}`));
    work
      .then(
        () => this.finished(job, startedAt),
        (error: unknown) => {
          if (job.everyMs === undefined && job.attempt + 1 < JOB_ATTEMPTS && !this.stopping) {
            this.insert({
              ...job,
              attempt: job.attempt + 1,
              runAt: this.now() + JOB_BACKOFF_MS * 2 ** job.attempt,
            });
            return;
          }
          this.logger.error({
            msg: 'job failed',
            job: job.name,
            err: error instanceof Error ? error.message : String(error),
          });
          this.finished(job, startedAt);
        },
      )
      .finally(() => {
        this.running -= 1;
        this.arm();
      });
  }

  private finished(job: PendingJob, startedAt: number): void {
    if (job.everyMs !== undefined) {
      this.insert({ ...job, runAt: Math.max(this.now(), startedAt + job.everyMs) });
      return;
    }
    this.known.set(job.id, this.now());
  }

  /** Forgets finished job ids after the retention time, as BullMQ does. */
  private prune(now: number): void {
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    const cutoff = now - JOB_RETENTION_SECONDS * 1000;
    for (const [id, finishedAt] of this.known) if (finishedAt < cutoff) this.known.delete(id);
  }
}
