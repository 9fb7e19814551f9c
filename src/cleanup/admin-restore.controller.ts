import { Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiAdminAuth } from '../common/api-docs';
import { ApiTags } from '@nestjs/swagger';
import { AdminGuard } from '../admin/admin.guard';
import { SessionService } from '../sessions/session.service';
import { SessionView, toSessionView } from '../sessions/session.view';
import { SessionRestoreService } from './session-restore.service';

@ApiTags('admin')
@ApiAdminAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/sessions')
export class AdminRestoreController {
  constructor(
    private readonly restorer: SessionRestoreService,
    private readonly sessions: SessionService,
  ) {}

  /** 404 when nothing of the session was archived, 409 when it is live. */
  @Post(':id/restore')
  @HttpCode(200)
  async restore(@Param('id') id: string): Promise<SessionView> {
    return toSessionView(await this.restorer.restore(id), this.sessions.idleTtlMs);
  }
}
