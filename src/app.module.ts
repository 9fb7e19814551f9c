import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { CommonModule } from './common/common.module';
import { StoreModule } from './store/store.module';
import { ArchiveModule } from './archive/archive.module';
import { PoiModule } from './poi/poi.module';
import { AiModule } from './ai/ai.module';
import { SessionModule } from './sessions/session.module';
import { QueryModule } from './query/query.module';
import { ProactiveModule } from './proactive/proactive.module';
import { AdminModule } from './admin/admin.module';
import { CleanupModule } from './cleanup/cleanup.module';
import { DemoModule } from './demo/demo.module';
import { ObservabilityModule } from './observability/observability.module';
import { loggerOptions } from './observability/logger.options';

/** The whole service, built from one validated config (main.ts and the e2e tests both call register). */
@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerOptions(config)),
        EventEmitterModule.forRoot(),
        ScheduleModule.forRoot(),
        CommonModule,
        StoreModule,
        ArchiveModule,
        ObservabilityModule,
        PoiModule,
        AiModule,
        SessionModule,
        QueryModule,
        ProactiveModule,
        AdminModule,
        CleanupModule,
        DemoModule,
      ],
    };
  }
}
