import { loadConfig } from './load-config';
import { ConfigError } from './config.error';
import { sessionKeyTtlMs } from './app-config';

describe('loadConfig', () => {
  it('gives every variable a default that works on a fresh machine', () => {
    const sut = loadConfig({});
    expect(sut).toMatchObject({
      port: 3000,
      redisUrl: null,
      databaseUrl: null,
      archiveDir: './data/archive',
      sessionIdleTtlSeconds: 14400,
      cleanupCron: '0 0 * * * *',
      sweepIntervalMs: 3_600_000,
      maxSessions: 100000,
      historyMaxTurns: 200,
      aiProvider: 'offline',
      openaiModel: 'gpt-4o-mini',
      aiTimeoutMs: 30000,
      adminToken: null,
      proactiveGreetingDelaySeconds: 3,
      proactiveIdleTipSeconds: 600,
      proactiveMaxTips: 3,
      proactiveJobLockMs: 30000,
      sessionIpPolicy: 'log',
      rateLimitPerMinute: 120,
      trustProxy: 'loopback',
      redisKeyPrefix: 'tg:',
      alertMemoryRatio: 0.85,
      redisSentinels: null,
      redisSentinelName: 'mymaster',
      redisMinReplicasAck: 0,
      redisReplicaAckTimeoutMs: 500,
      alertGrowthMinRatePerMin: 10,
    });
    expect(Object.isFrozen(sut)).toBe(true);
  });

  it('picks the openai provider when a key is set', () => {
    expect(loadConfig({ OPENAI_API_KEY: 'sk-test' }).aiProvider).toBe('openai');
  });

  it.each([
    ['PORT', 'abc', /PORT.*integer from 0 to 65535/],
    ['SESSION_IDLE_TTL_SECONDS', '0', /SESSION_IDLE_TTL_SECONDS/],
    ['CLEANUP_CRON', '* * * * *', /CLEANUP_CRON.*6-field cron/],
    ['CLEANUP_CRON', 'every minute please', /CLEANUP_CRON/],
    ['REDIS_URL', 'http://localhost', /REDIS_URL.*redis:\/\//],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL.*postgres/],
    ['SESSION_IP_POLICY', 'maybe', /SESSION_IP_POLICY.*off, log, reject/],
    ['AI_PROVIDER', 'openai', /OPENAI_API_KEY/],
    ['ALERT_MEMORY_RATIO', '2', /ALERT_MEMORY_RATIO/],
    ['ALERT_GROWTH_MIN_RATE_PER_MIN', '-1', /ALERT_GROWTH_MIN_RATE_PER_MIN.*number from 0/],
    ['REDIS_CLUSTER_NODES', 'a:1,b', /REDIS_CLUSTER_NODES.*host:port/],
    ['REDIS_KEY_PREFIX', 'bad prefix', /REDIS_KEY_PREFIX/],
    ['REDIS_SENTINELS', 'sentinel-1', /REDIS_SENTINELS.*host:port/],
    ['REDIS_SENTINEL_NAME', 'my master', /REDIS_SENTINEL_NAME/],
    ['REDIS_MIN_REPLICAS_ACK', '-1', /REDIS_MIN_REPLICAS_ACK.*integer from 0/],
    ['REDIS_REPLICA_ACK_TIMEOUT_MS', '0', /REDIS_REPLICA_ACK_TIMEOUT_MS.*integer from 1 to 5000/],
  ])('rejects %s=%s with a message naming the variable', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('reads Sentinels and replica acknowledgements', () => {
    expect(
      loadConfig({
        REDIS_URL: 'redis://ignored:6379',
        REDIS_SENTINELS: 's1:26379, s2:26380',
        REDIS_SENTINEL_NAME: 'tour-primary',
        REDIS_MIN_REPLICAS_ACK: '1',
        REDIS_REPLICA_ACK_TIMEOUT_MS: '250',
      }),
    ).toMatchObject({
      redisSentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      redisSentinelName: 'tour-primary',
      redisMinReplicasAck: 1,
      redisReplicaAckTimeoutMs: 250,
    });
  });

  it('stops start-up with a message naming both when REDIS_SENTINELS and REDIS_CLUSTER_NODES are set', () => {
    const both = { REDIS_SENTINELS: 's1:26379', REDIS_CLUSTER_NODES: 'c1:7000,c2:7001' };
    expect(() => loadConfig(both)).toThrow(ConfigError);
    expect(() => loadConfig(both)).toThrow(/REDIS_SENTINELS.*REDIS_CLUSTER_NODES/);
  });

  it('derives a key TTL of idle TTL plus a grace of at least two sweep intervals', () => {
    expect(
      sessionKeyTtlMs(loadConfig({ SESSION_IDLE_TTL_SECONDS: '2', CLEANUP_CRON: '*/1 * * * * *' })),
    ).toBe(62_000);
    expect(sessionKeyTtlMs(loadConfig({}))).toBe(14_400_000 + 7_200_000);
  });
});
