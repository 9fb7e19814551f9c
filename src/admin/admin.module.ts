import { Module } from '@nestjs/common';
import { SessionModule } from '../sessions/session.module';
import { AdminGuard } from './admin.guard';
import { AdminSessionsController } from './admin-sessions.controller';
import { AdminSessionsService } from './admin-sessions.service';

@Module({
  imports: [SessionModule],
  controllers: [AdminSessionsController],
  providers: [AdminGuard, AdminSessionsService],
})
export class AdminModule {}
