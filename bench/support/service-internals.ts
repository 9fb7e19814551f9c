/**
 * Everything the suite knows about the inside of src/, in one place: when modules move (issues 11 and
 * 12), repoint the imports here and nothing else in bench/ changes. The rest of the suite drives the
 * service through its HTTP API, its logs and its metrics, as a client or an operator would.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sessionKeyTtlMs } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { bullPrefix } from '../../src/proactive/bullmq-job-queue';
import { JOB_CONCURRENCY, JobName, QueueName } from '../../src/proactive/proactive.jobs';
import { RedisSessionRepository } from '../../src/sessions/redis-session.repository';
import { newSessionId } from '../../src/sessions/session-id';
import { RedisStore } from '../../src/store/redis-store';

/** Jobs the service's worker runs at once: the raw BullMQ baseline runs with the same. */
export const SERVICE_JOB_CONCURRENCY = JOB_CONCURRENCY;

export interface SeedOptions {
  /** Epoch ms of the sessions' creation and last activity (in the past: already idle or expired); a
   *  function of the session's index spreads them. */
  lastActivityAt: number | ((i: number) => number);
  /** History entries per session (user and assistant alternating), each `textLength` characters. */
  turns: number;
  textLength: number;
  /** The address the session was created from (a function of the index: one per session). */
  clientIp?: (i: number) => string;
}

/**
 * Writes sessions exactly as the service does (its own Redis adapter and scripts, the settings the
 * service derives from the same environment), much faster than over HTTP: used for populations of
 * 100,000 to 1,000,000 sessions, which the scenarios then let the service sweep, scan or serve.
 */
export class SessionSeeder {
  private readonly store: RedisStore;
  private readonly repository: RedisSessionRepository;

  constructor(redisUrl: string, serviceEnv: Record<string, string>) {
    const config = loadConfig(serviceEnv);
    this.store = new RedisStore({ url: redisUrl, clusterNodes: null, keyPrefix: config.redisKeyPrefix });
    this.repository = new RedisSessionRepository(this.store, {
      idleTtlMs: config.sessionIdleTtlSeconds * 1000,
      keyTtlMs: sessionKeyTtlMs(config),
      historyMaxTurns: config.historyMaxTurns,
      outboxMaxLength: 200,
    });
  }

  /** Seeds `count` sessions, `parallel` at a time; returns their ids, in index order. */
  async seed(count: number, options: SeedOptions, parallel = 256): Promise<string[]> {
    await this.store.waitUntilReady(5000);
    const ids: string[] = [];
    let next = 0;
    const text = (role: string, i: number) => `${role} ${i} `.padEnd(options.textLength, 'abcdefghij');
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < count) {
          const i = next++;
          const id = newSessionId();
          const at =
            typeof options.lastActivityAt === 'number' ? options.lastActivityAt : options.lastActivityAt(i);
          const session = {
            id,
            locale: 'zh-CN',
            metadata: {},
            clientIp: options.clientIp?.(i) ?? '127.0.0.1',
            userAgent: 'bench',
          };
          await this.repository.create(session, at, 100_000_000);
          for (let t = 0; t < options.turns; t += 2) {
            const turns = [
              { role: 'user' as const, text: text('user', t), createdAt: at },
              { role: 'assistant' as const, text: text('guide', t), createdAt: at },
            ].slice(0, options.turns - t);
            await this.repository.appendTurns(id, turns, at, false);
          }
          ids[i] = id;
        }
      }),
    );
    return ids;
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}

/** The idle-tip scans the service ran (start, duration in ms), read from its BullMQ jobs' own timestamps. */
export async function tipScans(
  redisUrl: string,
  keyPrefix: string,
): Promise<Array<{ startedAt: number; ms: number }>> {
  const store = new RedisStore({ url: redisUrl, clusterNodes: null, keyPrefix });
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QueueName.Proactive, { connection, prefix: bullPrefix(store) });
  try {
    const jobs = await queue.getJobs(['completed'], 0, 1000);
    return jobs
      .filter((job) => job.name === (JobName.TipScan as string) && job.processedOn && job.finishedOn)
      .sort((a, b) => a.processedOn! - b.processedOn!)
      .map((job) => ({ startedAt: job.processedOn!, ms: job.finishedOn! - job.processedOn! }));
  } finally {
    await queue.close();
    connection.disconnect();
    await store.close();
  }
}

/** The service's 'sweep done' log line: sessions ended and the run's duration. */
export function sweepRunFromLogLine(line: string): { ended: number; durationMs: number } | null {
  if (!line.includes('sweep done')) return null;
  try {
    const entry = JSON.parse(line) as { msg?: string; ended?: number; durationMs?: number };
    return entry.msg === 'sweep done' ? { ended: entry.ended ?? 0, durationMs: entry.durationMs ?? 0 } : null;
  } catch {
    return null;
  }
}
