import { createHash } from 'node:crypto';
import { Cluster, Redis, RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../common/api-error';

export type RedisClient = Redis | Cluster;

export interface RedisConnectionOptions {
  url: string | null;
  clusterNodes: ReadonlyArray<{ host: string; port: number }> | null;
  keyPrefix: string;
}

/**
 * The one Redis connection of an instance, its key prefix and its Lua scripts. Adapters use it; services
 * never do. Commands fail fast while Redis is unreachable (no offline queue, a command timeout), so a
 * request answers 503 STORE_UNAVAILABLE within about a second instead of hanging.
 */
export class RedisStore {
  readonly client: RedisClient;

  constructor(
    private readonly options: RedisConnectionOptions,
    client?: RedisClient,
  ) {
    this.client = client ?? RedisStore.connect(options);
    // ioredis reports connection errors as events; without a listener Node would crash the process.
    this.client.on('error', () => undefined);
  }

  static connectionOptions(): RedisOptions {
    return {
      enableOfflineQueue: false,
      commandTimeout: 1000,
      connectTimeout: 1000,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    };
  }

  private static connect(options: RedisConnectionOptions): RedisClient {
    if (options.clusterNodes) {
      return new Cluster([...options.clusterNodes], {
        enableOfflineQueue: false,
        redisOptions: RedisStore.connectionOptions(),
      });
    }
    return new Redis(options.url ?? 'redis://127.0.0.1:6379', RedisStore.connectionOptions());
  }

  /** A fresh connection with the same settings (for subscribers and blocking clients such as BullMQ's). */
  duplicate(overrides: RedisOptions = {}): RedisClient {
    if (this.options.clusterNodes) {
      return new Cluster([...this.options.clusterNodes], {
        redisOptions: { ...RedisStore.connectionOptions(), ...overrides },
      });
    }
    return new Redis(this.options.url ?? 'redis://127.0.0.1:6379', {
      ...RedisStore.connectionOptions(),
      ...overrides,
    });
  }

  get prefix(): string {
    return this.options.keyPrefix;
  }

  /** A key under the deployment's prefix: `key('idx', 'activity')` → `tg:idx:activity`. */
  key(...parts: string[]): string {
    return this.options.keyPrefix + parts.join(':');
  }

  /** Waits for the first connection, up to `timeoutMs`; resolves false when Redis did not answer. */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.client.status === 'ready') return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.client.status === 'ready';
  }

  /**
   * Runs store commands, turning connection failures into StoreUnavailableError. Redis reply errors
   * (a script bug, a wrong type) are not outages and pass through unchanged.
   */
  async run<T>(operation: (client: RedisClient) => Promise<T>): Promise<T> {
    try {
      return await operation(this.client);
    } catch (error) {
      if (error instanceof Error && error.name === 'ReplyError') throw error;
      throw new StoreUnavailableError(error);
    }
  }

  /** Runs a Lua script by its SHA1, loading it on the first NOSCRIPT (e.g. after a Redis restart). */
  async script<T>(lua: string, keys: string[], args: Array<string | number>): Promise<T> {
    const sha = RedisStore.sha1(lua);
    return this.run(async (client) => {
      try {
        return (await client.evalsha(sha, keys.length, ...keys, ...args)) as T;
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return (await client.eval(lua, keys.length, ...keys, ...args)) as T;
      }
    });
  }

  private static readonly shas = new Map<string, string>();

  private static sha1(lua: string): string {
    let sha = RedisStore.shas.get(lua);
    if (!sha) {
      sha = createHash('sha1').update(lua).digest('hex');
      RedisStore.shas.set(lua, sha);
    }
    return sha;
  }

  /** `INFO <section>` of every node that holds data: the one server, or each master of a Cluster. */
  async infoPerNode(section: string): Promise<string[]> {
    return this.run((client) =>
      client instanceof Cluster
        ? Promise.all(client.nodes('master').map((node) => node.info(section)))
        : client.info(section).then((info) => [info]),
    );
  }

  async ping(): Promise<void> {
    await this.run((client) => client.ping());
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
