export { REDIS_STORE, StoreModule } from './store.module';
export { RedisStore } from './redis-store';
export type { RedisClient } from './redis-store';
