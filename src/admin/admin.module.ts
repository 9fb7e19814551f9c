import { Module } from '@nestjs/common';
import { ArchiveModule } from '../archive';
import { CleanupModule } from '../cleanup';
import { PoiModule } from '../poi';
import { ProactiveModule } from '../proactive';
import { SessionModule } from '../sessions';
import { StatsModule } from '../stats';
import { AdminArchiveController } from './admin-archive.controller';
import { AdminBroadcastController } from './admin-broadcast.controller';
import { AdminConsoleController } from './admin-console.controller';
import { AdminGuard } from './admin.guard';
import { AdminPoisController } from './admin-pois.controller';
import { AdminRestoreController } from './admin-restore.controller';
import { AdminSessionsController } from './admin-sessions.controller';
import { AdminSessionsService } from './admin-sessions.service';
import { AdminStatsController } from './admin-stats.controller';

/** Every /v1/admin route and the console page, behind the one AdminGuard. */
@Module({
  imports: [SessionModule, ProactiveModule, StatsModule, PoiModule, ArchiveModule, CleanupModule],
  controllers: [
    AdminSessionsController,
    AdminBroadcastController,
    AdminPoisController,
    AdminStatsController,
    AdminConsoleController,
    AdminArchiveController,
    AdminRestoreController, // last: keeps the OpenAPI document's path order
  ],
  providers: [AdminGuard, AdminSessionsService],
})
export class AdminModule {}
