import { Inject, Logger, Module, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig, usesRedis } from '../config/app-config';
import { RedisStore } from './redis-store';

/** The RedisStore, or null in embedded mode (no REDIS_URL / REDIS_CLUSTER_NODES / REDIS_SENTINELS). */
export const REDIS_STORE = Symbol('REDIS_STORE');

/** Infrastructure for adapters only: modules whose adapters need Redis import it. */
@Module({
  providers: [
    {
      provide: REDIS_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): RedisStore | null =>
        usesRedis(config)
          ? new RedisStore({
              url: config.redisUrl,
              clusterNodes: config.redisClusterNodes,
              sentinels: config.redisSentinels,
              sentinelName: config.redisSentinelName,
              keyPrefix: config.redisKeyPrefix,
              minReplicasAck: config.redisMinReplicasAck,
              replicaAckTimeoutMs: config.redisReplicaAckTimeoutMs,
            })
          : null,
    },
  ],
  exports: [REDIS_STORE],
})
export class StoreModule implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Store');

  constructor(@Optional() @Inject(REDIS_STORE) private readonly store: RedisStore | null) {}

  async onModuleInit(): Promise<void> {
    if (!this.store) {
      this.logger.warn(
        'REDIS_URL is unset: embedded in-process store, single instance only, state lost at exit',
      );
      return;
    }
    if (!(await this.store.waitUntilReady(3000))) {
      this.logger.error('Redis does not answer yet; requests get 503 STORE_UNAVAILABLE until it does');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store?.close();
  }
}
