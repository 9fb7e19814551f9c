import { Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiAdminAuth, ApiErrorResponses, UNPARSABLE_BODY } from '../common/api-docs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminGuard } from './admin.guard';
import { SessionService, SessionViewDto, SessionView, toSessionView } from '../sessions';
import { SessionRestoreService } from '../cleanup';

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
  @ApiOperation({ summary: 'Bring an ended session back to life from its last archived state' })
  @ApiOkResponse({ type: SessionViewDto, description: 'Its history back, a fresh expiry' })
  @ApiErrorResponses(
    UNPARSABLE_BODY,
    [404, '`SESSION_NOT_FOUND`: nothing of this session was archived'],
    [409, '`CONFLICT`: the session is live'],
    413,
    503,
  )
  async restore(@Param('id') id: string): Promise<SessionView> {
    return toSessionView(await this.restorer.restore(id), this.sessions.idleTtlMs);
  }
}
