import { createHash } from 'node:crypto';
import { Cluster, Redis, RedisOptions } from 'ioredis';
import { StoreUnavailableError } from '../common/api-error';
import { ConnectionStateLog } from './connection-state-log';

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
  /** What its connections' state lines call them ('store'). */
  name?: string;
}

const COMMAND_TIMEOUT_MS = 1000;
/**
 * Connections for acknowledged writes and their WAIT when REDIS_MIN_REPLICAS_ACK > 0. WAIT holds its
 * connection until the replicas answer (REDIS_REPLICA_ACK_TIMEOUT_MS at worst), and Redis answers a
 * connection's commands in order: on connections of their own (the least busy taken), a slow
 * confirmation holds up no reads or touches, and other acknowledged writes only beyond this many at once.
 */
const ACKED_WRITE_CONNECTIONS = 4;

/** A write that changes nothing: sets a key's TTL again (a WAIT after it covers all written before). */
const REFRESH_TTL = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return ttl
`;

/** A script and what it is called with: written once, by the code that owns the script. */
export interface ScriptCall {
  lua: string;
  keys: string[];
  args: Array<string | number>;
}

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
  private readonly ackedInFlight: number[] = [];
  private readonly stateLogs: ConnectionStateLog[];
  private bulk: RedisStore | null = null;

  constructor(
    private readonly options: RedisConnectionOptions,
    client?: RedisClient,
  ) {
    // Commands issued in the same turn of the event loop (under load, those of many requests) go out
    // in one write: a round trip's system calls are most of what a query costs the process.
    this.client = client ?? this.connect({ enableAutoPipelining: true }, false);
    if ((options.minReplicasAck ?? 0) > 0) {
      for (let i = 0; i < ACKED_WRITE_CONNECTIONS; i++) {
        this.ackedWriteClients.push(this.connect({}, false));
        this.ackedInFlight.push(0);
      }
    }
    this.stateLogs = this.connections.map((connection, i) =>
      ConnectionStateLog.watch(connection, `${options.name ?? 'store'}${i === 0 ? '' : `-acked-write-${i}`}`),
    );
  }

  private get connections(): RedisClient[] {
    return [this.client, ...this.ackedWriteClients];
  }

  /**
   * The connection for the next acknowledged write: of those for acknowledged writes, the one with the
   * fewest in flight (a write goes with its WAIT in one pipeline, so any of them will do).
   */
  private async onAckedWriteConnection<T>(send: (client: RedisClient) => Promise<T>): Promise<T> {
    if (this.ackedWriteClients.length === 0) return send(this.client);
    const index = this.ackedInFlight.indexOf(Math.min(...this.ackedInFlight));
    this.ackedInFlight[index] += 1;
    try {
      return await send(this.ackedWriteClients[index]);
    } finally {
      this.ackedInFlight[index] -= 1;
    }
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
      const { enableAutoPipelining, ...redisOptions } = options;
      return new Cluster([...this.options.clusterNodes], {
        enableOfflineQueue: clusterOfflineQueue,
        enableAutoPipelining,
        redisOptions,
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

  /**
   * The same store over connections of its own, for bulk work (the sweep's batches): their large
   * scripts and replies do not queue ahead of the requests' commands on the auto-pipelined connection.
   * Waited for and closed with this one.
   */
  forBulkWork(): RedisStore {
    this.bulk ??= new RedisStore({ ...this.options, name: 'store-bulk' });
    return this.bulk;
  }

  /** A fresh connection with the same settings (for subscribers and blocking clients such as BullMQ's). */
  duplicate(overrides: RedisOptions = {}): RedisClient {
    return this.connect(overrides);
  }

  /** On a Cluster, one script can only touch keys of one slot. */
  get isCluster(): boolean {
    return this.client instanceof Cluster;
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
    const connections = [...this.connections, ...(this.bulk?.connections ?? [])];
    const ready = () => connections.every((connection) => connection.status === 'ready');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (ready()) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return ready();
  }

  /**
   * Runs store commands, turning connection failures into StoreUnavailableError. Redis reply errors
   * (a script bug, a wrong type) are not outages and pass through unchanged.
   */
  async run<T>(operation: (client: RedisClient) => Promise<T>, client = this.client): Promise<T> {
    try {
      return await operation(client);
    } catch (error) {
      if (error instanceof Error && error.name === 'ReplyError') throw error;
      throw new StoreUnavailableError(error);
    }
  }

  /** Runs a Lua script by its SHA1, loading it on the first NOSCRIPT (e.g. after a Redis restart or a failover). */
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

  /**
   * The same script once per key set, in one pipeline (one write and one read on the connection, not
   * one per call): replies in order. On a Cluster each call goes on its own, since one pipeline only
   * reaches one node. Fails as a whole when any call fails (a connection error, a script error).
   */
  async scriptEach<T>(lua: string, keySets: string[][], args: Array<string | number>): Promise<T[]> {
    if (keySets.length === 0) return [];
    if (this.isCluster) return Promise.all(keySets.map((keys) => this.script<T>(lua, keys, args)));
    const send = (calls: number[], withSource: boolean) =>
      this.run(async (client) => {
        const pipeline = client.pipeline();
        for (const i of calls) {
          if (withSource) pipeline.eval(lua, keySets[i].length, ...keySets[i], ...args);
          else pipeline.evalsha(RedisStore.sha1(lua), keySets[i].length, ...keySets[i], ...args);
        }
        return (await pipeline.exec()) ?? [];
      });
    const replies = await send(
      keySets.map((_, i) => i),
      false,
    );
    // Not loaded (a restart, a failover): those calls again with the source; the others stand.
    const unloaded = replies.flatMap(([error], i) => (error?.message.startsWith('NOSCRIPT') ? [i] : []));
    if (unloaded.length > 0) {
      const again = await send(unloaded, true);
      unloaded.forEach((call, i) => (replies[call] = again[i]));
    }
    return keySets.map((_, i) => {
      const [error, result] = replies[i] ?? [new Error('no reply')];
      if (error) throw error.name === 'ReplyError' ? error : new StoreUnavailableError(error);
      return result as T;
    });
  }

  /**
   * A script whose write a response acknowledges. With REDIS_MIN_REPLICAS_ACK > 0 it goes with WAIT in
   * one pipeline, on a connection for acknowledged writes: StoreUnavailableError
   * when fewer replicas than asked have it within REDIS_REPLICA_ACK_TIMEOUT_MS (the write itself may
   * stand; a retry with the same Idempotency-Key finds it). One round trip, so the time a slow WAIT
   * holds others up on its connection is bounded by one command timeout.
   */
  async scriptConfirmed<T>(lua: string, keys: string[], args: Array<string | number>): Promise<T> {
    const needed = this.options.minReplicasAck ?? 0;
    if (needed === 0) return this.script<T>(lua, keys, args);
    const timeoutMs = this.options.replicaAckTimeoutMs ?? 500;
    const send = (withSource: boolean) =>
      this.onAckedWriteConnection((connection) =>
        this.run(async (client) => {
          const pipeline = client.pipeline();
          if (withSource) pipeline.eval(lua, keys.length, ...keys, ...args);
          else pipeline.evalsha(RedisStore.sha1(lua), keys.length, ...keys, ...args);
          return (await pipeline.call('WAIT', needed, timeoutMs).exec()) ?? [];
        }, connection),
      );
    let replies = await send(false);
    if (replies[0]?.[0]?.message.startsWith('NOSCRIPT')) replies = await send(true);
    const [
      [scriptError, result] = [new Error('no reply')],
      [waitError, confirmed] = [new Error('no reply')],
    ] = replies;
    if (scriptError) {
      throw scriptError.name === 'ReplyError' ? scriptError : new StoreUnavailableError(scriptError);
    }
    if (waitError) throw new StoreUnavailableError(waitError);
    if (Number(confirmed) < needed) {
      throw new StoreUnavailableError(
        new Error(`write confirmed by ${String(confirmed)} of ${needed} replicas within ${timeoutMs} ms`),
      );
    }
    return result as T;
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
   * Confirms what was written to `routingKey` so far, by whichever connection: a write after it (the
   * key's TTL set again, when it has one) goes with WAIT, as for `scriptConfirmed`.
   */
  async confirmReplicated(routingKey: string): Promise<void> {
    await this.scriptConfirmed(REFRESH_TTL, [routingKey], []);
  }

  async close(): Promise<void> {
    await this.bulk?.close();
    for (const log of this.stateLogs) log.closing();
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
