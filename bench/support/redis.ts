import { Redis } from 'ioredis';
import { freePort, start, until } from './processes';

/**
 * The suite's Redis: a private `redis-server` (no persistence) on a free port, so INFO commandstats,
 * used_memory and MONITOR see only the suite, and the suite's millions of keys never slow the other
 * users of the machine's shared Redis. BENCH_REDIS_URL points the suite at another server instead.
 */
export interface BenchRedis {
  url: string;
  version: string;
  /** The private server's process (for its CPU time); null with BENCH_REDIS_URL. */
  pid: number | null;
  /** Every key of the run gone (a private server: FLUSHDB; BENCH_REDIS_URL: the run's prefix). */
  clear(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<BenchRedis> {
  const external = process.env.BENCH_REDIS_URL;
  let stop = (): Promise<void> => Promise.resolve();
  let url = external ?? '';
  let pid: number | null = null;
  if (!external) {
    const port = await freePort();
    const server = start(
      'redis',
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxclients',
        '10000',
      ],
      { fdLimit: 65536 },
    );
    url = `redis://127.0.0.1:${port}/0`;
    stop = server.stop;
    pid = server.child.pid ?? null;
    await until('redis-server', async () => (await withRedis(url, (r) => r.ping())) === 'PONG', 10_000, 100);
  }
  const info = await withRedis(url, (r) => r.info('server'));
  const clear = async () => {
    if (external) await deletePrefix(url, runPrefix('').slice(0, -1));
    else await withRedis(url, (r) => r.flushdb());
  };
  return { url, version: /redis_version:(\S+)/.exec(info)?.[1] ?? '?', pid, clear, stop };
}

/** Every key of this run starts with `bench:<pid>:`: one prefix to delete, and nobody else's. */
export const runPrefix = (name: string) => `bench:${process.pid}:${name}:`;

export async function withRedis<T>(url: string, work: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await work(redis);
  } finally {
    redis.disconnect();
  }
}

/** Keys under `prefix`, counted or deleted (only those: other prefixes are never touched). */
export async function scanPrefix(
  redis: Redis,
  prefix: string,
  onBatch?: (keys: string[]) => Promise<unknown>,
) {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    count += keys.length;
    if (onBatch && keys.length > 0) await onBatch(keys);
  } while (cursor !== '0');
  return count;
}

export function deletePrefix(url: string, prefix: string): Promise<number> {
  return withRedis(url, (redis) => scanPrefix(redis, prefix, (keys) => redis.unlink(...keys)));
}

export async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
}
