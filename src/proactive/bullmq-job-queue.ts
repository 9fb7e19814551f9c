import { Logger } from '@nestjs/common';
import { Job, Queue, Worker } from 'bullmq';
import { ConnectionStateLog, isConnectionError, RedisClient, RedisStore } from '../store';
import { JobHandler, JobOptions, JobQueue, JobRequest, missingHandlers } from './job-queue.port';
import {
  JOB_ATTEMPTS,
  JOB_BACKOFF_MS,
  JOB_CONCURRENCY,
  JOB_RETENTION_SECONDS,
  JobName,
  JobPayloads,
  QueueName,
} from './proactive.jobs';

export interface BullMqQueueSettings {
  /** Lock duration of a running job, and the period of the stalled-job check (PROACTIVE_JOB_LOCK_MS). */
  lockMs: number;
}

/**
 * BullMQ keys start with REDIS_KEY_PREFIX and carry one hash tag, so all of a queue's keys share a
 * Cluster slot: `tg:{bull}:proactive:wait`, …
 */
export function bullPrefix(store: RedisStore): string {
  return `${store.prefix}{bull}`;
}

/** BullMQ refuses most ':' in custom ids; percent-encoding keeps every id distinct. */
export function bullJobId(id: string): string {
  return id.replace(/%/g, '%25').replace(/:/g, '%3A');
}

/**
 * The job queue on BullMQ: jobs live in Redis, so a delayed greeting survives a restart, and a job whose
 * worker died is moved back to wait by another instance's stalled check once its lock expires.
 */
export class BullMqJobQueue implements JobQueue {
  private readonly logger = new Logger('JobQueue');
  private readonly handlers = new Map<string, (data: unknown) => Promise<void>>();
  private readonly connections: RedisClient[] = [];
  private readonly stateLogs: ConnectionStateLog[] = [];
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private stopping = false;

  constructor(
    private readonly store: RedisStore,
    private readonly settings: BullMqQueueSettings,
  ) {
    this.queue = new Queue(QueueName.Proactive, {
      connection: this.connection('job-queue'),
      prefix: bullPrefix(store),
      defaultJobOptions: {
        attempts: JOB_ATTEMPTS,
        backoff: { type: 'exponential', delay: JOB_BACKOFF_MS },
        removeOnComplete: { age: JOB_RETENTION_SECONDS },
        removeOnFail: { age: 24 * 3600 },
      },
    });
    this.queue.on('error', (error) => this.warn('job queue error', error));
  }

  get closing(): boolean {
    return this.stopping;
  }

  handle<N extends JobName>(name: N, handler: JobHandler<N>): void {
    if (this.handlers.has(name)) throw new Error(`Job ${name} already has a handler`);
    this.handlers.set(name, handler as (data: unknown) => Promise<void>);
  }

  async start(): Promise<void> {
    const missing = missingHandlers(new Set(this.handlers.keys()));
    if (missing.length > 0) throw new Error(`Jobs without a handler: ${missing.join(', ')}`);
    this.worker = new Worker(QueueName.Proactive, (job: Job) => this.run(job), {
      connection: this.connection('job-worker'),
      prefix: bullPrefix(this.store),
      concurrency: JOB_CONCURRENCY,
      lockDuration: this.settings.lockMs,
      stalledInterval: this.settings.lockMs,
      removeOnComplete: { age: JOB_RETENTION_SECONDS },
      removeOnFail: { age: 24 * 3600 },
    });
    this.worker.on('error', (error) => this.warn('job worker error', error));
    this.worker.on('failed', (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        this.logger.error({ msg: 'job failed for good', job: job.name, err: error.message });
      }
    });
    await this.worker.waitUntilReady();
  }

  async add<N extends JobName>(name: N, data: JobPayloads[N], options: JobOptions = {}): Promise<void> {
    await this.queue.add(name, data, this.jobOptions(options));
  }

  async addBulk(jobs: JobRequest[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.queue.addBulk(
      jobs.map((job) => ({ name: job.name, data: job.data, opts: this.jobOptions(job.options ?? {}) })),
    );
  }

  async every<N extends JobName>(name: N, everyMs: number, data: JobPayloads[N]): Promise<void> {
    // One scheduler id for all instances: upserting it again changes nothing.
    await this.queue.upsertJobScheduler(name, { every: everyMs }, { name, data });
  }

  /**
   * Does not wait for running jobs (a model call may take long): their locks expire and another
   * instance runs them again, while `closing` keeps this one from delivering anything meanwhile.
   */
  async close(): Promise<void> {
    this.stopping = true;
    for (const log of this.stateLogs) log.closing();
    await this.worker?.close(true).catch(() => undefined);
    await this.queue.close().catch(() => undefined);
    for (const connection of this.connections) connection.disconnect();
  }

  private async run(job: Job): Promise<void> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new Error(`No handler for job ${job.name}`);
    await handler(job.data);
  }

  /** BullMQ re-emits its connections' errors: those are logged once per outage by the state logs. */
  private warn(msg: string, error: Error): void {
    if (!isConnectionError(error)) this.logger.warn({ msg, err: error.message });
  }

  private jobOptions(options: JobOptions) {
    return {
      ...(options.jobId ? { jobId: bullJobId(options.jobId) } : {}),
      ...(options.delayMs ? { delay: options.delayMs } : {}),
    };
  }

  /** BullMQ needs connections that retry for ever and queue commands while reconnecting. */
  private connection(name: string): RedisClient {
    // No command timeout either: the worker blocks on Redis for seconds at a time.
    const connection = this.store.duplicate({
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      commandTimeout: undefined,
    });
    this.stateLogs.push(ConnectionStateLog.watch(connection, name));
    this.connections.push(connection);
    return connection;
  }
}
