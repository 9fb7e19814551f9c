import { ExecutionContext, Module } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ThrottlerModule } from '@nestjs/throttler';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { REDIS_STORE, RedisStore, StoreModule } from '../store';
import { AiModule } from '../ai';
import { PoiModule } from '../poi';
import { SessionModule } from '../sessions';
import { QueryController } from './query.controller';
import { QueryService } from './query.service';
import { QueryPipeline } from './query.pipeline';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const MAX_CLEAR_TRACKER = 64;

/**
 * One budget per client address for both query routes: the key names the throttler and the address
 * only (the library's default adds the controller and the handler, which gave each route its own). An
 * address (at most 45 characters) is used in clear, with no hash per request; anything longer (a
 * forwarded-for value a misconfigured `TRUST_PROXY` lets a client choose) is hashed, so no client can
 * make a key of any size it likes.
 */
export function queryBudgetKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
  if (tracker.length <= MAX_CLEAR_TRACKER) return `${throttlerName}:${tracker}`;
  return `${throttlerName}:#${createHash('sha256').update(tracker).digest('hex')}`;
}

@Module({
  imports: [
    SessionModule,
    AiModule,
    PoiModule,
    StoreModule,
    // RATE_LIMIT_PER_MINUTE per client IP on /v1/query*, counted in Redis so all instances share it.
    ThrottlerModule.forRootAsync({
      imports: [StoreModule],
      inject: [APP_CONFIG, REDIS_STORE],
      useFactory: (config: AppConfig, store: RedisStore | null) => ({
        throttlers: [
          { name: 'query', ttl: 60_000, limit: config.rateLimitPerMinute, generateKey: queryBudgetKey },
        ],
        storage: store ? new RedisThrottlerStorage(store) : undefined,
      }),
    }),
  ],
  controllers: [QueryController],
  providers: [QueryService, QueryPipeline],
})
export class QueryModule {}
