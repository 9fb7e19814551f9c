import { Module } from '@nestjs/common';
import { REDIS_STORE, RedisStore, StoreModule } from '../store';
import { MemoryPoiRepository } from './memory-poi.repository';
import { PoiController } from './poi.controller';
import { POI_REPOSITORY, PoiRepository } from './poi.repository';
import { PoiService } from './poi.service';
import { RedisPoiRepository } from './redis-poi.repository';

/** Points of interest: ai, proactive, query and admin import it to ask about them. */
@Module({
  imports: [StoreModule],
  controllers: [PoiController],
  providers: [
    {
      provide: POI_REPOSITORY,
      inject: [REDIS_STORE],
      useFactory: (store: RedisStore | null): PoiRepository =>
        store ? new RedisPoiRepository(store) : new MemoryPoiRepository(),
    },
    PoiService,
  ],
  exports: [PoiService],
})
export class PoiModule {}
