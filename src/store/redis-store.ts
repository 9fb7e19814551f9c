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
 * Connections for acknowledged writes and their WAIT when REDIS_MIN_REPLICAS_ACK > 0. WAIT holds its
 * connection until the replicas answer (REDIS_REPLICA_ACK_TIMEOUT_MS at worst), and Redis answers a
 * connection's commands in order: on connections of their own, a slow confirmation holds up only other
 * acknowledged writes (of sessions sharing its connection), never the reads and touches of the rest.
 */
const ACKED_WRITE_CONNECTIONS = 4;

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
  private readonly ackedWriteClients: RedisClient[] = [];

  constructor(
    private readonly options: RedisConnectionOptions,
    client?: RedisClient,
  ) {
    this.client = client ?? this.connect({}, false);
    if ((options.minReplicasAck ?? 0) > 0) {
      for (let i = 0; i < ACKED_WRITE_CONNECTIONS; i++) this.ackedWriteClients.push(this.connect({}, false));
    }
    // ioredis reports connection errors as events; without a listener Node would crash the process.
    for (const connection of this.connections) connection.on('error', () => undefined);
  }

  private get connections(): RedisClient[] {
    return [this.client, ...this.ackedWriteClients];
  }

  /**
   * The connection that carries the acknowledged writes confirmed by `ackedFor` and their confirmation
   * (the same one, so that WAIT covers them), when acknowledgements are asked for.
   */
  private connectionFor(ackedFor: string | undefined): RedisClient {
    if (ackedFor === undefined || this.ackedWriteClients.length === 0) return this.client;
    let hash = 0;
    for (let i = 0; i < ackedFor.length; i++) hash = (hash * 31 + ackedFor.charCodeAt(i)) >>> 0;
    return this.ackedWriteClients[hash % this.ackedWriteClients.length];
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
        // No failoverDetector: Sentinel itself kills the client connections of every instance it
        // reconfigures, and a late +switch-master from a slower Sentinel would drop a connection that
        // already follows the new primary.
        name: this.options.sentinelName ?? 'mymaster',
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
    const ready = () => this.connections.every((connection) => connection.status === 'ready');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (ready()) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return ready();
  }

  /**
   * Runs store commands, turning connection failures into StoreUnavailableError. Redis reply errors
   * (a script bug, a wrong type) are not outages and pass through unchanged. `ackedFor`: the key by
   * which these acknowledged writes are confirmed later (`confirmReplicated(ackedFor)`).
   */
  async run<T>(operation: (client: RedisClient) => Promise<T>, ackedFor?: string): Promise<T> {
    try {
      return await operation(this.connectionFor(ackedFor));
    } catch (error) {
      if (error instanceof Error && error.name === 'ReplyError') throw error;
      throw new StoreUnavailableError(error);
    }
  }

  /**
   * Runs a Lua script by its SHA1, loading it on the first NOSCRIPT (e.g. after a Redis restart or a
   * failover); `ackedFor` as for `run`.
   */
  async script<T>(lua: string, keys: string[], args: Array<string | number>, ackedFor?: string): Promise<T> {
    const sha = RedisStore.sha1(lua);
    return this.run(async (client) => {
      try {
        return (await client.evalsha(sha, keys.length, ...keys, ...args)) as T;
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return (await client.eval(lua, keys.length, ...keys, ...args)) as T;
      }
    }, ackedFor);
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
   * Waits until the acknowledged writes sent with `ackedFor: routingKey` so far (and whatever else went
   * before them on their connection) are on REDIS_MIN_REPLICAS_ACK replicas (WAIT); StoreUnavailableError
   * when they are not within REDIS_REPLICA_ACK_TIMEOUT_MS. On a Cluster, WAIT goes to the node that holds
   * `routingKey`. No round trip when no acknowledgement is asked for.
   */
  async confirmReplicated(routingKey: string): Promise<void> {
    const needed = this.options.minReplicasAck ?? 0;
    if (needed === 0) return;
    const timeoutMs = this.options.replicaAckTimeoutMs ?? 500;
    const replies = await this.run(
      (client) => client.pipeline().pttl(routingKey).call('WAIT', needed, timeoutMs).exec(),
      routingKey,
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
    await Promise.all(
      this.connections.map(async (connection) => {
        try {
          await connection.quit();
        } catch {
          connection.disconnect();
        }
      }),
    );
  }
}
