import { Module } from '@nestjs/common';
import { LeaseModule } from '../lease';
import { REDIS_STORE, RedisStore, StoreModule } from '../store';
import { SessionModule } from '../sessions';
import { MemoryStatsRepository } from './memory-stats.repository';
import { RedisStatsRepository } from './redis-stats.repository';
import { STATS_REPOSITORY } from './stats.repository';
import { StatsService } from './stats.service';
import { AlertService } from './alert.service';

/** The counters behind GET /v1/admin/stats, fed by domain events. */
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
export class StatsModule {}
