import { Global, Module } from '@nestjs/common';
import { REDIS_STORE } from '../store/store.module';
import { RedisStore } from '../store/redis-store';
import { MemoryPoiRepository } from './memory-poi.repository';
import { PoiController } from './poi.controller';
import { POI_REPOSITORY, PoiRepository } from './poi.repository';
import { PoiService } from './poi.service';
import { RedisPoiRepository } from './redis-poi.repository';

/** Points of interest: global, since sessions, proactive, ai and admin all ask about them. */
@Global()
@Module({
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
  exports: [PoiService, POI_REPOSITORY],
})
export class PoiModule {}
