/** The typed, validated, frozen configuration. `process.env` is read in src/config/ alone. */
export type AiProvider = 'openai' | 'offline';
export type IpPolicy = 'off' | 'log' | 'reject';

export interface AppConfig {
  readonly port: number;
  readonly redisUrl: string | null;
  readonly redisClusterNodes: ReadonlyArray<{ host: string; port: number }> | null;
  /** REDIS_SENTINELS: Sentinels watching the primary named REDIS_SENTINEL_NAME; wins over REDIS_URL. */
  readonly redisSentinels: ReadonlyArray<{ host: string; port: number }> | null;
  readonly redisSentinelName: string;
  /** REDIS_MIN_REPLICAS_ACK: replicas that confirm (WAIT) every write a response acknowledges; 0: none. */
  readonly redisMinReplicasAck: number;
  readonly redisReplicaAckTimeoutMs: number;
  readonly redisKeyPrefix: string;
  readonly databaseUrl: string | null;
  readonly archiveDir: string;
  readonly sessionIdleTtlSeconds: number;
  readonly cleanupCron: string;
  /** The longest gap between two sweeps of CLEANUP_CRON (derived). */
  readonly sweepIntervalMs: number;
  readonly maxSessions: number;
  readonly historyMaxTurns: number;
  readonly aiProvider: AiProvider;
  readonly openaiApiKey: string | null;
  readonly openaiBaseUrl: string | null;
  readonly openaiModel: string;
  readonly aiTimeoutMs: number;
  readonly adminToken: string | null;
  readonly poiFile: string | null;
  readonly proactiveGreetingDelaySeconds: number;
  readonly proactiveIdleTipSeconds: number;
  readonly proactiveMaxTips: number;
  /** PROACTIVE_JOB_LOCK_MS: how long a job's lock outlives its worker; also the stalled-check period. */
  readonly proactiveJobLockMs: number;
  readonly sessionIpPolicy: IpPolicy;
  readonly rateLimitPerMinute: number;
  readonly trustProxy: string;
  readonly memoryHighWatermarkBytes: number | null;
  readonly corsOrigins: readonly string[];
  readonly alertCreateRatePerMin: number;
  readonly alertGrowthFactor: number;
  /** ALERT_GROWTH_MIN_RATE_PER_MIN: the growth alert stays quiet below this creation rate. */
  readonly alertGrowthMinRatePerMin: number;
  readonly alertMemoryRatio: number;
  readonly alertEvalIntervalSeconds: number;
  readonly alertWebhookUrl: string | null;
  readonly logLevel: string;
}

/**
 * True when every piece of shared state lives in Redis (API.md: `REDIS_URL`, `REDIS_CLUSTER_NODES` or
 * `REDIS_SENTINELS`).
 */
export function usesRedis(config: AppConfig): boolean {
  return config.redisUrl !== null || config.redisClusterNodes !== null || config.redisSentinels !== null;
}

/**
 * Key TTL = idle TTL + a grace at least as long as the sweep interval (DESIGN.md), so the sweep can
 * still read and archive an expired session before Redis drops its keys.
 */
export function sessionKeyTtlMs(config: AppConfig): number {
  const graceMs = Math.max(60_000, 2 * config.sweepIntervalMs);
  return config.sessionIdleTtlSeconds * 1000 + graceMs;
}
