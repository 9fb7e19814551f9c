import { JobName, JobPayloads } from './proactive.jobs';

export interface JobOptions {
  /** Deduplicates: a job with an id already known is not added again. */
  jobId?: string;
  delayMs?: number;
}

export interface JobRequest<N extends JobName = JobName> {
  name: N;
  data: JobPayloads[N];
  options?: JobOptions;
}

export type JobHandler<N extends JobName> = (data: JobPayloads[N]) => Promise<void>;

/**
 * The proactive job queue port: BullMQ in Redis mode (jobs survive a crash and are recovered by another
 * instance), an in-process queue with one timer in embedded mode. Handlers run at least once; a handler
 * that throws is retried with backoff.
 */
export interface JobQueue {
  /** One handler per job name; `start` refuses to run with one missing. */
  handle<N extends JobName>(name: N, handler: JobHandler<N>): void;
  start(): Promise<void>;
  add<N extends JobName>(name: N, data: JobPayloads[N], options?: JobOptions): Promise<void>;
  addBulk(jobs: JobRequest[]): Promise<void>;
  /** One schedule for all instances: `name` runs every `everyMs`. */
  every<N extends JobName>(name: N, everyMs: number, data: JobPayloads[N]): Promise<void>;
  /** True from the moment the queue starts closing: running handlers must not deliver any more. */
  readonly closing: boolean;
  close(): Promise<void>;
}

export const JOB_QUEUE = Symbol('JOB_QUEUE');

/** The names without a handler (checked at start). */
export function missingHandlers(registered: ReadonlySet<string>): string[] {
  return Object.values(JobName).filter((name) => !registered.has(name));
}
