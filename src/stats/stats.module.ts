import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { LeaseModule } from '../lease';
import { REDIS_STORE, RedisStore, StoreModule } from '../store';
import { SessionModule } from '../sessions';
import { MemoryStatsRepository } from './memory-stats.repository';
import { QueryCounterMiddleware } from './query-counter.middleware';
import { RedisStatsRepository } from './redis-stats.repository';
import { STATS_REPOSITORY } from './stats.repository';
import { StatsService } from './stats.service';
import { AlertService } from './alert.service';

/** The counters behind GET /v1/admin/stats, fed by domain events and the query routes. */
@Module({
  imports: [SessionModule, StoreModule, LeaseModule],
  providers: [
    {
      provide: STATS_REPOSITORY,
      inject: [REDIS_STORE],
      useFactory: (store: RedisStore | null) =>
        store ? new RedisStatsRepository(store) : new MemoryStatsRepository(),
    },
    StatsService,
    AlertService,
  ],
  exports: [StatsService],
})
export class StatsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(QueryCounterMiddleware)
      .forRoutes(
        { path: 'v1/query', method: RequestMethod.POST },
        { path: 'v1/query/stream', method: RequestMethod.POST },
      );
  }
}
