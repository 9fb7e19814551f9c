import { Global, Module } from '@nestjs/common';
import { REDIS_STORE } from '../store/store.module';
import { RedisStore } from '../store/redis-store';
import { SessionModule } from '../sessions/session.module';
import { SESSION_ADMISSION } from '../sessions/session-admission';
import { AdminGuard } from '../admin/admin.guard';
import { AdminRestoreController } from './admin-restore.controller';
import { CleanupService } from './cleanup.service';
import { LEASE } from './lease';
import { MemoryLease } from './memory-lease';
import { MemoryPressureService } from './memory-pressure.service';
import { RedisLease } from './redis-lease';
import { SessionRestoreService } from './session-restore.service';
import { ShutdownArchiverService } from './shutdown-archiver.service';
import { SweepService } from './sweep.service';

/**
 * The sweep, cap and memory-pressure eviction, shutdown archival (embedded store) and restore.
 * Global only so that SessionService can find SESSION_ADMISSION without sessions importing cleanup.
 */
@Global()
@Module({
  imports: [SessionModule],
  controllers: [AdminRestoreController],
  providers: [
    {
      provide: LEASE,
      inject: [REDIS_STORE],
      useFactory: (store: RedisStore | null) => (store ? new RedisLease(store) : new MemoryLease()),
    },
    SweepService,
    MemoryPressureService,
    { provide: SESSION_ADMISSION, useExisting: MemoryPressureService },
    CleanupService,
    ShutdownArchiverService,
    SessionRestoreService,
    AdminGuard,
  ],
  exports: [SESSION_ADMISSION, LEASE, CleanupService, SweepService, MemoryPressureService],
})
export class CleanupModule {}
