import { existsSync, readFileSync } from 'node:fs';
import { CronTime } from 'cron';
import { AiProvider, AppConfig, IpPolicy } from './app-config';
import { ConfigError } from './config.error';

type Env = Readonly<Record<string, string | undefined>>;

/** Reads `KEY=value` lines of a `.env` file; variables already set in the environment win. */
export function readDotEnv(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    values[match[1]] = match[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

/** The process configuration: `.env` (when present) under the real environment. */
export function loadConfigFromProcess(): AppConfig {
  return loadConfig({ ...readDotEnv('.env'), ...process.env });
}

/** Validates the environment into the frozen config; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env): AppConfig {
  const read = new EnvReader(env);
  const openaiApiKey = read.optionalString('OPENAI_API_KEY');
  const cleanupCron = read.cron('CLEANUP_CRON', '0 0 * * * *');
  const config: AppConfig = {
    port: read.integer('PORT', 3000, 0, 65535),
    redisUrl: read.optionalUrl('REDIS_URL', ['redis:', 'rediss:']),
    redisClusterNodes: read.hostPorts('REDIS_CLUSTER_NODES'),
    redisSentinels: read.hostPorts('REDIS_SENTINELS'),
    redisSentinelName: read.pattern(
      'REDIS_SENTINEL_NAME',
      'mymaster',
      /^[A-Za-z0-9._-]{1,64}$/,
      'a master name of letters, digits, "._-"',
    ),
    redisMinReplicasAck: read.integer('REDIS_MIN_REPLICAS_ACK', 0, 0, 100),
    redisReplicaAckTimeoutMs: read.integer('REDIS_REPLICA_ACK_TIMEOUT_MS', 500, 1, 5000),
    redisKeyPrefix: read.pattern(
      'REDIS_KEY_PREFIX',
      'tg:',
      /^[A-Za-z0-9:_.-]{1,64}$/,
      'letters, digits, ":_.-"',
    ),
    databaseUrl: read.optionalUrl('DATABASE_URL', ['postgres:', 'postgresql:']),
    archiveDir: read.string('ARCHIVE_DIR', './data/archive'),
    sessionIdleTtlSeconds: read.integer('SESSION_IDLE_TTL_SECONDS', 14400, 1, 30 * 24 * 3600),
    cleanupCron,
    sweepIntervalMs: longestGapMs(cleanupCron),
    maxSessions: read.integer('MAX_SESSIONS', 100000, 1, 100_000_000),
    historyMaxTurns: read.integer('HISTORY_MAX_TURNS', 200, 2, 100_000),
    aiProvider: read.oneOf<AiProvider>('AI_PROVIDER', openaiApiKey ? 'openai' : 'offline', [
      'openai',
      'offline',
    ]),
    openaiApiKey,
    openaiBaseUrl: read.optionalUrl('OPENAI_BASE_URL', ['http:', 'https:']),
    openaiModel: read.string('OPENAI_MODEL', 'gpt-4o-mini'),
    aiTimeoutMs: read.integer('AI_TIMEOUT_MS', 30000, 100, 600_000),
    adminToken: read.optionalString('ADMIN_TOKEN'),
    poiFile: read.optionalString('POI_FILE'),
    proactiveGreetingDelaySeconds: read.integer('PROACTIVE_GREETING_DELAY_SECONDS', 3, -1, 86400),
    proactiveIdleTipSeconds: read.integer('PROACTIVE_IDLE_TIP_SECONDS', 600, -1, 7 * 86400),
    proactiveMaxTips: read.integer('PROACTIVE_MAX_TIPS', 3, 0, 1000),
    proactiveJobLockMs: read.integer('PROACTIVE_JOB_LOCK_MS', 30000, 500, 600_000),
    sessionIpPolicy: read.oneOf<IpPolicy>('SESSION_IP_POLICY', 'log', ['off', 'log', 'reject']),
    rateLimitPerMinute: read.integer('RATE_LIMIT_PER_MINUTE', 120, 1, 1_000_000),
    trustProxy: read.string('TRUST_PROXY', 'loopback'),
    memoryHighWatermarkBytes: read.optionalInteger('MEMORY_HIGH_WATERMARK_BYTES', 1, Number.MAX_SAFE_INTEGER),
    corsOrigins: read.list('CORS_ORIGINS'),
    alertCreateRatePerMin: read.number('ALERT_CREATE_RATE_PER_MIN', 1000, 0, 1e9),
    alertGrowthFactor: read.number('ALERT_GROWTH_FACTOR', 5, 1, 1e6),
    alertGrowthMinRatePerMin: read.number('ALERT_GROWTH_MIN_RATE_PER_MIN', 10, 0, 1e9),
    alertMemoryRatio: read.number('ALERT_MEMORY_RATIO', 0.85, 0.01, 1),
    alertEvalIntervalSeconds: read.integer('ALERT_EVAL_INTERVAL_SECONDS', 30, 1, 86400),
    alertWebhookUrl: read.optionalUrl('ALERT_WEBHOOK_URL', ['http:', 'https:']),
    logLevel: read.oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  };
  if (config.redisSentinels && config.redisClusterNodes) {
    throw new ConfigError(
      'REDIS_SENTINELS',
      'to be unset when REDIS_CLUSTER_NODES is set (a Sentinel primary and a Cluster exclude each other: set one of REDIS_SENTINELS and REDIS_CLUSTER_NODES)',
      env.REDIS_SENTINELS ?? '',
    );
  }
  if (config.aiProvider === 'openai' && !config.openaiApiKey) {
    throw new ConfigError('OPENAI_API_KEY', 'a key when AI_PROVIDER=openai', '');
  }
  return Object.freeze(config);
}

/** The longest gap between the next few runs of a cron expression. */
function longestGapMs(expression: string): number {
  const runs = new CronTime(expression).sendAt(6).map((run) => run.toMillis());
  return Math.max(...runs.slice(1).map((run, i) => run - runs[i]));
}

class EnvReader {
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | null {
    return this.raw(name) ?? null;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    return this.optionalInteger(name, min, max) ?? fallback;
  }

  optionalInteger(name: string, min: number, max: number): number | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
      throw new ConfigError(name, `an integer from ${min} to ${max}`, value);
    }
    return parsed;
  }

  number(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
      throw new ConfigError(name, `a number from ${min} to ${max}`, value);
    }
    return parsed;
  }

  oneOf<T extends string>(name: string, fallback: T, accepted: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(accepted as readonly string[]).includes(value)) {
      throw new ConfigError(name, `one of ${accepted.join(', ')}`, value);
    }
    return value as T;
  }

  pattern(name: string, fallback: string, pattern: RegExp, describe: string): string {
    const value = this.env[name] ?? fallback;
    if (!pattern.test(value)) throw new ConfigError(name, describe, value);
    return value;
  }

  optionalUrl(name: string, protocols: string[]): string | null {
    const value = this.raw(name);
    if (value === undefined) return null;
    let protocol: string;
    try {
      protocol = new URL(value).protocol;
    } catch {
      protocol = '';
    }
    if (!protocols.includes(protocol)) {
      throw new ConfigError(
        name,
        `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
        value,
      );
    }
    return value;
  }

  cron(name: string, fallback: string): string {
    const value = this.raw(name) ?? fallback;
    const fields = value.split(/\s+/).length;
    try {
      if (fields !== 6) throw new Error('not 6 fields');
      new CronTime(value);
    } catch {
      throw new ConfigError(name, 'a 6-field cron expression, seconds first (e.g. "0 0 * * * *")', value);
    }
    return value;
  }

  list(name: string): string[] {
    const value = this.raw(name);
    return value === undefined
      ? []
      : value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean);
  }

  hostPorts(name: string): Array<{ host: string; port: number }> | null {
    const items = this.list(name);
    if (items.length === 0) return null;
    return items.map((item) => {
      const match = /^([^:\s]+):(\d{1,5})$/.exec(item);
      if (!match) throw new ConfigError(name, 'comma-separated host:port pairs', this.raw(name) ?? '');
      return { host: match[1], port: Number(match[2]) };
    });
  }
}
