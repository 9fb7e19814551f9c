import { Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig, sessionKeyTtlMs } from '../config/app-config';
import { REDIS_STORE } from '../store/store.module';
import { RedisStore } from '../store/redis-store';
import { MemorySessionRepository } from './memory-session.repository';
import { RedisSessionRepository } from './redis-session.repository';
import { SessionController } from './session.controller';
import { SessionEndingService } from './session-ending.service';
import { SESSION_REPOSITORY, SessionStoreSettings } from './session.repository';
import { SessionService } from './session.service';
import { IdempotencyKeys } from './idempotency-keys.service';
import { SessionTriggers } from './session-triggers.service';

const OUTBOX_MAX_LENGTH = 200;

@Module({
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
    SessionService,
    SessionEndingService,
    IdempotencyKeys,
    SessionTriggers,
  ],
  exports: [SessionService, SessionEndingService, IdempotencyKeys, SessionTriggers, SESSION_REPOSITORY],
})
export class SessionModule {}
