import { Module } from '@nestjs/common';
import { SessionModule } from '../sessions/session.module';
import { ProactiveModule } from '../proactive/proactive.module';
import { AdminBroadcastController } from './admin-broadcast.controller';
import { AdminPoisController } from './admin-pois.controller';
import { StatsModule } from '../stats/stats.module';
import { AdminStatsController } from './admin-stats.controller';
import { AdminConsoleController } from './admin-console.controller';
import { AdminGuard } from './admin.guard';
import { AdminSessionsController } from './admin-sessions.controller';
import { AdminSessionsService } from './admin-sessions.service';
import { AdminArchiveController } from './admin-archive.controller';

@Module({
  imports: [SessionModule, ProactiveModule, StatsModule],
  controllers: [
    AdminSessionsController,
    AdminBroadcastController,
    AdminPoisController,
    AdminStatsController,
    AdminConsoleController,
    AdminArchiveController,
  ],
  providers: [AdminGuard, AdminSessionsService],
})
export class AdminModule {}
