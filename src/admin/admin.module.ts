import { Module } from '@nestjs/common';
import { SessionModule } from '../sessions/session.module';
import { StatsModule } from '../stats/stats.module';
import { AdminStatsController } from './admin-stats.controller';
import { AdminGuard } from './admin.guard';
import { AdminSessionsController } from './admin-sessions.controller';
import { AdminSessionsService } from './admin-sessions.service';

@Module({
  imports: [SessionModule, StatsModule],
  controllers: [AdminSessionsController, AdminStatsController],
  providers: [AdminGuard, AdminSessionsService],
})
export class AdminModule {}
