export { REDIS_STORE, StoreModule } from './store.module';
export { RedisStore } from './redis-store';
export { ConnectionStateLog, isConnectionError } from './connection-state-log';
export type { RedisClient, ScriptCall } from './redis-store';
export { RATE_LIMIT, RATE_LIMIT_HELPER, rateLimitKeys } from './redis-rate-limit.script';
