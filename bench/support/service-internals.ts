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
import { RedisSessionIndex } from '../../src/sessions/redis-session-index';
import { createCall, RedisSessionRepository } from '../../src/sessions/redis-session.repository';
import { CREATED_TRIGGER, NewSession } from '../../src/sessions/session.repository';
import { newSessionId } from '../../src/sessions/session-id';
import { RedisStore, ScriptCall } from '../../src/store/redis-store';

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

/** Sessions without history written per pipeline, and pipelines in flight at once. */
const BULK_BATCH = 1000;
const BULK_IN_FLIGHT = 4;
/** A cap no population of the suite reaches: seeding never evicts. */
const NO_CAP = 100_000_000;

/** The session seeded at index `i`, and when it was created and last active: one shape for both ways of writing it. */
function seededSession(i: number, options: SeedOptions): { session: NewSession; at: number } {
  const at = typeof options.lastActivityAt === 'number' ? options.lastActivityAt : options.lastActivityAt(i);
  const session = {
    id: newSessionId(),
    locale: 'zh-CN',
    metadata: {},
    clientIp: options.clientIp?.(i) ?? '127.0.0.1',
    userAgent: 'bench',
  };
  return { session, at };
}

/**
 * Writes sessions exactly as the service does (its own Redis adapter and scripts, the settings the
 * service derives from the same environment), much faster than over HTTP: used for populations of
 * 100,000 to 1,000,000 sessions, which the scenarios then let the service sweep, scan or serve.
 */
export class SessionSeeder {
  private readonly store: RedisStore;
  private readonly repository: RedisSessionRepository;
  private readonly keyTtlMs: number;

  constructor(redisUrl: string, serviceEnv: Record<string, string>) {
    const config = loadConfig(serviceEnv);
    this.store = new RedisStore({ url: redisUrl, clusterNodes: null, keyPrefix: config.redisKeyPrefix });
    this.keyTtlMs = sessionKeyTtlMs(config);
    this.repository = new RedisSessionRepository(this.store, {
      idleTtlMs: config.sessionIdleTtlSeconds * 1000,
      keyTtlMs: this.keyTtlMs,
      historyMaxTurns: config.historyMaxTurns,
      outboxMaxLength: 200,
    });
  }

  /**
   * Seeds `count` sessions, `parallel` at a time (those without history, a pipeline of a thousand at a
   * time instead); returns their ids, in index order.
   */
  async seed(count: number, options: SeedOptions, parallel = 256): Promise<string[]> {
    await this.store.waitUntilReady(5000);
    if (options.turns === 0) return this.seedWithoutHistory(count, options);
    const ids: string[] = [];
    let next = 0;
    const text = (role: string, i: number) => `${role} ${i} `.padEnd(options.textLength, 'abcdefghij');
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        while (next < count) {
          const i = next++;
          const { session, at } = seededSession(i, options);
          const id = session.id;
          await this.repository.create(session, at, NO_CAP);
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

  /**
   * Sessions without history (the ticks scenario's million) by the two writes of the service's create,
   * its CREATE and INDEX_ADD_WITH_CAP calls, a thousand sessions' worth per pipeline: the create's
   * third step, a read of the record it returns, is left out. Four times as fast as one create at a
   * time, whose per-command cost in this process, not Redis, was the limit.
   */
  private async seedWithoutHistory(count: number, options: SeedOptions): Promise<string[]> {
    const client = this.store.client;
    const index = new RedisSessionIndex(this.store);
    // Each call as the service's own code writes it (createCall, admitCall); each script loaded once.
    const createOf = ({ session, at }: ReturnType<typeof seededSession>) =>
      createCall(this.store, session, at, this.keyTtlMs);
    const admitOf = ({ session, at }: ReturnType<typeof seededSession>) =>
      index.admitCall(session.id, at, NO_CAP, CREATED_TRIGGER);
    const load = ({ lua }: ScriptCall) => client.script('LOAD', lua) as Promise<string>;
    const first = seededSession(0, options);
    const [create, admit] = await Promise.all([load(createOf(first)), load(admitOf(first))]);
    const ids: string[] = [];
    const writeBatch = async (from: number) => {
      const pipeline = client.pipeline();
      const send = (sha: string, { keys, args }: ScriptCall) =>
        pipeline.evalsha(sha, keys.length, ...keys, ...args);
      for (let i = from; i < Math.min(count, from + BULK_BATCH); i++) {
        const seeded = seededSession(i, options);
        ids[i] = seeded.session.id;
        send(create, createOf(seeded));
        send(admit, admitOf(seeded));
      }
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, reply], i) => {
        if (error) throw error;
        // CREATE answers 1 (0: the id was taken); the admission, the ids it evicted (none below the cap).
        if (i % 2 === 0 ? reply !== 1 : (reply as unknown[]).length > 0) {
          throw new Error(`seeding: unexpected reply ${JSON.stringify(reply)}`);
        }
      });
    };
    const inFlight = new Set<Promise<void>>();
    for (let from = 0; from < count; from += BULK_BATCH) {
      const batch = writeBatch(from).finally(() => inFlight.delete(batch));
      inFlight.add(batch);
      if (inFlight.size >= BULK_IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
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
