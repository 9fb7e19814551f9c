import { createHash } from 'node:crypto';
import { Cluster, Redis, RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../common/api-error';

export type RedisClient = Redis | Cluster;

export type HostPort = { host: string; port: number };

export interface RedisConnectionOptions {
  url: string | null;
  clusterNodes: ReadonlyArray<HostPort> | null;
  /** Sentinels watching the primary named `sentinelName`; wins over `url`. */
  sentinels?: ReadonlyArray<HostPort> | null;
  sentinelName?: string;
  keyPrefix: string;
  /** Replicas that must confirm an acknowledged write (Redis WAIT); 0: none. */
  minReplicasAck?: number;
  replicaAckTimeoutMs?: number;
}

const COMMAND_TIMEOUT_MS = 1000;

/**
 * The one Redis connection of an instance, its key prefix and its Lua scripts. Adapters use it; services
 * never do. Commands fail fast while Redis is unreachable (no offline queue, a command timeout), so a
 * request answers 503 STORE_UNAVAILABLE within about a second instead of hanging. One node, a Cluster,
 * or a primary found through Sentinel: every connection (this one and its duplicates for subscribers,
 * BullMQ and the rate limiter) asks the Sentinels for the primary whenever it reconnects, so a failover
 * is a short outage of fast 503s after which all of them follow the new primary by themselves.
 */
export class RedisStore {
  readonly client: RedisClient;

  constructor(
    private readonly options: RedisConnectionOptions,
    client?: RedisClient,
  ) {
    this.client = client ?? this.connect({}, false);
    // ioredis reports connection errors as events; without a listener Node would crash the process.
    this.client.on('error', () => undefined);
  }

  /** Fail-fast settings of every connection; WAIT may block for its whole timeout, so it is allowed that. */
  private connectionOptions(): RedisOptions {
    const ackTimeoutMs =
      (this.options.minReplicasAck ?? 0) > 0 ? (this.options.replicaAckTimeoutMs ?? 500) : 0;
    return {
      enableOfflineQueue: false,
      commandTimeout: Math.max(COMMAND_TIMEOUT_MS, ackTimeoutMs + 500),
      connectTimeout: 1000,
      maxRetriesPerRequest: 1,
      // Through Sentinel, a reconnect is how a failover is followed: try again soon.
      retryStrategy: (attempt: number) =>
        Math.min(attempt * (this.options.sentinels ? 100 : 200), this.options.sentinels ? 500 : 2000),
    };
  }

  private connect(overrides: RedisOptions = {}, clusterOfflineQueue = true): RedisClient {
    const options = { ...this.connectionOptions(), ...overrides };
    if (this.options.clusterNodes) {
      return new Cluster([...this.options.clusterNodes], {
        enableOfflineQueue: clusterOfflineQueue,
        redisOptions: options,
      });
    }
    if (this.options.sentinels) {
      return new Redis({
        ...options,
        sentinels: [...this.options.sentinels],
        name: this.options.sentinelName ?? 'mymaster',
        // A primary demoted while still reachable (a manual failover) is left at once, not at the next error.
        failoverDetector: true,
      });
    }
    return new Redis(this.options.url ?? 'redis://127.0.0.1:6379', options);
  }

  /** A fresh connection with the same settings (for subscribers and blocking clients such as BullMQ's). */
  duplicate(overrides: RedisOptions = {}): RedisClient {
    return this.connect(overrides);
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

  /**
   * Waits until the writes this connection sent so far are on REDIS_MIN_REPLICAS_ACK replicas (WAIT);
   * StoreUnavailableError when they are not within REDIS_REPLICA_ACK_TIMEOUT_MS. `routingKey`, a key
   * the writes touched, sends WAIT to the node that took them on a Cluster. No round trip when no
   * acknowledgement is asked for.
   */
  async confirmReplicated(routingKey: string): Promise<void> {
    const needed = this.options.minReplicasAck ?? 0;
    if (needed === 0) return;
    const timeoutMs = this.options.replicaAckTimeoutMs ?? 500;
    const replies = await this.run((client) =>
      client.pipeline().pttl(routingKey).call('WAIT', needed, timeoutMs).exec(),
    );
    const [error, confirmed] = replies?.[1] ?? [new Error('no reply to WAIT'), 0];
    if (error) throw new StoreUnavailableError(error);
    if (Number(confirmed) < needed) {
      throw new StoreUnavailableError(
        new Error(`write confirmed by ${String(confirmed)} of ${needed} replicas within ${timeoutMs} ms`),
      );
    }
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
