import { Module } from '@nestjs/common';
import { ArchiveModule } from '../archive';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig, sessionKeyTtlMs } from '../config/app-config';
import { LeaseModule } from '../lease';
import { RedisStore, REDIS_STORE, StoreModule } from '../store';
import { IdempotencyKeys } from './idempotency-keys.service';
import { SessionQueries } from './session-queries.service';
import { SessionLocations } from './session-locations.service';
import { MemoryPressureService } from './memory-pressure.service';
import { MemorySessionRepository } from './memory-session.repository';
import { MemorySessionBatchEnding } from './memory-session-batch-ending';
import { RedisSessionBatchEnding } from './redis-session-batch-ending';
import { SESSION_BATCH_ENDING } from './session-batch-ending.port';
import { SessionBatchEndingService } from './session-batch-ending.service';
import { RedisSessionRepository } from './redis-session.repository';
import { SessionController } from './session.controller';
import { SessionEndingService } from './session-ending.service';
import { SessionMaintenance } from './session-maintenance.service';
import { SESSION_REPOSITORY, SessionRepository, SessionStoreSettings } from './session.repository';
import { SessionService } from './session.service';
import { SessionStoreStatus } from './session-store-status.service';
import { SessionTriggers } from './session-triggers.service';

const OUTBOX_MAX_LENGTH = 200;

/**
 * Sessions own their store (SESSION_REPOSITORY stays inside), their ending and archiving, and the
 * memory-pressure admission check before each create. Outsiders use the exported faces only.
 */
@Module({
  imports: [StoreModule, ArchiveModule, LeaseModule],
  controllers: [SessionController],
  providers: [
    {
      provide: SESSION_REPOSITORY,
      inject: [APP_CONFIG, REDIS_STORE],
      useFactory: (config: AppConfig, store: RedisStore | null) => {
        const settings: SessionStoreSettings = {
          idleTtlMs: config.sessionIdleTtlSeconds * 1000,
          keyTtlMs: sessionKeyTtlMs(config),
          historyMaxTurns: config.historyMaxTurns,
          outboxMaxLength: OUTBOX_MAX_LENGTH,
        };
        return store ? new RedisSessionRepository(store, settings) : new MemorySessionRepository(settings);
      },
    },
    {
      // The sweep's batches, over the same store as SESSION_REPOSITORY (on connections of their own).
      provide: SESSION_BATCH_ENDING,
      inject: [APP_CONFIG, REDIS_STORE, SESSION_REPOSITORY],
      useFactory: (config: AppConfig, store: RedisStore | null, sessions: SessionRepository) =>
        store
          ? new RedisSessionBatchEnding(store.forBulkWork(), {
              idleTtlMs: config.sessionIdleTtlSeconds * 1000,
            })
          : new MemorySessionBatchEnding(sessions),
    },
    SessionService,
    SessionEndingService,
    SessionBatchEndingService,
    MemoryPressureService,
    SessionMaintenance,
    SessionStoreStatus,
    IdempotencyKeys,
    SessionQueries,
    SessionLocations,
    SessionTriggers,
  ],
  exports: [
    SessionService,
    SessionMaintenance,
    SessionStoreStatus,
    IdempotencyKeys,
    SessionQueries,
    SessionLocations,
    SessionTriggers,
  ],
})
export class SessionModule {}
