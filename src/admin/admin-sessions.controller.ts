import { Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAdminAuth, ApiErrorResponses, UNPARSABLE_BODY } from '../common/api-docs';
import { HistoryQueryDto, HistoryViewDto, SessionViewDto } from '../sessions';
import { AdminListQueryDto, AdminSessionDetailDto, AdminSessionListDto } from './admin.dto';
import { AdminGuard } from './admin.guard';
import { AdminSessionsService } from './admin-sessions.service';

/** Admin calls are never session activity: none of them refreshes a session's expiry. */
@ApiTags('admin')
@ApiAdminAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/sessions')
export class AdminSessionsController {
  constructor(private readonly admin: AdminSessionsService) {}

  @Get()
  @ApiOperation({ summary: 'Live sessions, most recently active first, a page at a time' })
  @ApiOkResponse({ type: AdminSessionListDto })
  @ApiErrorResponses(400, 503)
  list(@Query() query: AdminListQueryDto): Promise<AdminSessionListDto> {
    return this.admin.list(query.limit ?? 50, query.cursor ?? null);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One session with its client address, user agent, flags and store size' })
  @ApiOkResponse({ type: AdminSessionDetailDto })
  @ApiErrorResponses(404, 503)
  get(@Param('id') id: string): Promise<AdminSessionDetailDto> {
    return this.admin.get(id);
  }

  @Post(':id/reset')
  @HttpCode(200)
  @ApiOperation({ summary: 'Archive a session’s conversation (reason `admin_reset`) and clear it' })
  @ApiOkResponse({ type: SessionViewDto })
  @ApiErrorResponses(
    UNPARSABLE_BODY,
    404,
    [409, '`CONFLICT`: the session kept changing during the reset; try again'],
    413,
    503,
  )
  reset(@Param('id') id: string): Promise<SessionViewDto> {
    return this.admin.reset(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'End a session (reason `admin_deleted`)' })
  @ApiNoContentResponse({ description: 'Ended and archived' })
  @ApiErrorResponses(404, 503)
  delete(@Param('id') id: string): Promise<void> {
    return this.admin.delete(id);
  }

  @Get(':id/history')
  @ApiOperation({
    summary: "A live session's history, as the client sees it",
    description:
      'The same page shape, limit and before as GET /v1/sessions/:id/history; not session activity.',
  })
  @ApiOkResponse({ type: HistoryViewDto })
  @ApiErrorResponses(400, 404, 503)
  history(@Param('id') id: string, @Query() query: HistoryQueryDto): Promise<HistoryViewDto> {
    return this.admin.history(id, query.limit ?? 50, query.before ?? null);
  }
}
