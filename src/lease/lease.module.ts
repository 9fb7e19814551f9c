import { Module } from '@nestjs/common';
import { CLOCK, Clock } from '../common/clock';
import { RedisStore, REDIS_STORE, StoreModule } from '../store';
import { LEASE } from './lease';
import { MemoryLease } from './memory-lease';
import { RedisLease } from './redis-lease';

/** The named lease (one holder at a time across instances): Redis when there is one, else in-process. */
@Module({
  imports: [StoreModule],
  providers: [
    {
      provide: LEASE,
      inject: [REDIS_STORE, CLOCK],
      useFactory: (store: RedisStore | null, clock: Clock) =>
        store ? new RedisLease(store) : new MemoryLease(clock),
    },
  ],
  exports: [LEASE],
})
export class LeaseModule {}
