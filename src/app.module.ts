import { DynamicModule, Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { CommonModule } from './common/common.module';
import { StoreModule } from './store';
import { ArchiveModule } from './archive';
import { PoiModule } from './poi';
import { AiModule } from './ai';
import { SessionModule } from './sessions';
import { QueryModule } from './query';
import { ProactiveModule } from './proactive';
import { AdminModule } from './admin';
import { CleanupModule } from './cleanup';
import { DemoModule } from './demo';
import { LoggingModule, ObservabilityModule } from './observability';

/** The whole service, built from one validated config (main.ts and the e2e tests both call register). */
@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        EventEmitterModule.forRoot(),
        ScheduleModule.forRoot(),
        CommonModule,
        // The first module with controllers: express tries routes in the order the modules are met,
        // so the busiest route is matched first rather than behind every other (see AfterApiRoutes).
        QueryModule,
        StoreModule,
        ArchiveModule,
        ObservabilityModule,
        PoiModule,
        AiModule,
        SessionModule,
        ProactiveModule,
        AdminModule,
        CleanupModule,
        DemoModule,
      ],
    };
  }
}
