import { Module } from '@nestjs/common';
import { AiModule } from '../ai';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ObservabilityModule } from '../observability';
import { PoiModule } from '../poi';
import { SessionModule } from '../sessions';
import { RedisStore, REDIS_STORE, StoreModule } from '../store';
import { BullMqJobQueue } from './bullmq-job-queue';
import { IdleTipScanner } from './idle-tip.scanner';
import { JOB_QUEUE, JobQueue } from './job-queue.port';
import { MemoryJobQueue } from './memory-job-queue';
import { CLOCK, Clock, TIMERS, Timers } from '../common/clock';
import { MessageDelivery } from './message-delivery.service';
import { MessageHub } from './message-hub.service';
import { LocalMessageNotifier, MESSAGE_NOTIFIER, MessageNotifier } from './message-notifier.port';
import { ProactiveComposer } from './proactive-composer.service';
import { ProactiveController } from './proactive.controller';
import { ProactiveJobs } from './proactive-jobs.service';
import { ProactiveOutbox } from './proactive-outbox.service';
import { ProactiveTriggers } from './proactive-triggers.service';
import { RedisMessageNotifier } from './redis-message-notifier';
import { SessionEventsRoute } from './session-events.route';
import { TriggerRelay } from './trigger-relay.service';

/** Triggers (created, location, idle, broadcast), the job queue, the outbox, long-poll and SSE delivery. */
@Module({
  imports: [SessionModule, AiModule, PoiModule, ObservabilityModule, StoreModule],
  controllers: [ProactiveController],
  providers: [
    {
      provide: JOB_QUEUE,
      inject: [APP_CONFIG, REDIS_STORE, CLOCK, TIMERS],
      useFactory: (config: AppConfig, store: RedisStore | null, clock: Clock, timers: Timers): JobQueue =>
        store
          ? new BullMqJobQueue(store, { lockMs: config.proactiveJobLockMs })
          : new MemoryJobQueue({ clock, timers }),
    },
    {
      provide: MESSAGE_NOTIFIER,
      inject: [REDIS_STORE],
      useFactory: (store: RedisStore | null): MessageNotifier =>
        store ? new RedisMessageNotifier(store) : new LocalMessageNotifier(),
    },
    MessageHub,
    MessageDelivery,
    ProactiveComposer,
    ProactiveOutbox,
    ProactiveTriggers,
    TriggerRelay,
    IdleTipScanner,
    ProactiveJobs,
    SessionEventsRoute,
  ],
  exports: [ProactiveTriggers, SessionEventsRoute],
})
export class ProactiveModule {}
