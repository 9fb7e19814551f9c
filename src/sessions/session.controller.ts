import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrorResponses, UNPARSABLE_BODY } from '../common/api-docs';
import { Client } from '../common/client-info.decorator';
import { toHistoryView, toSessionView, SessionView } from './session.view';
import { CreateSessionDto, HistoryQueryDto, HistoryViewDto, SessionViewDto } from './session.dto';
import { SessionService } from './session.service';
import { ClientInfo } from '../domain';

@ApiTags('sessions')
@Controller('v1/sessions')
export class SessionController {
  constructor(private readonly sessions: SessionService) {}

  @Post()
  @ApiOperation({ summary: 'Start a session (app start)', description: 'The body is optional.' })
  @ApiBody({ type: CreateSessionDto, required: false })
  @ApiCreatedResponse({ type: SessionViewDto })
  @ApiErrorResponses(400, 413, 503)
  async create(@Body() body: CreateSessionDto, @Client() client: ClientInfo): Promise<SessionView> {
    return toSessionView(await this.sessions.create(body, client), this.sessions.idleTtlMs);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a session (refreshes its activity)' })
  @ApiOkResponse({ type: SessionViewDto })
  @ApiErrorResponses(403, 404, 503)
  async get(@Param('id') id: string, @Client() client: ClientInfo): Promise<SessionView> {
    return toSessionView(await this.sessions.touch(id, client), this.sessions.idleTtlMs);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Close a session (app closing); 204 also when it is already gone' })
  @ApiNoContentResponse({ description: 'Closed and archived with reason `client_closed`, or already gone' })
  @ApiErrorResponses(503)
  async close(@Param('id') id: string): Promise<void> {
    await this.sessions.destroy(id, 'client_closed');
  }

  @Post(':id/reset')
  @HttpCode(200)
  @ApiOperation({ summary: 'Archive the conversation and start it afresh under the same id' })
  @ApiOkResponse({ type: SessionViewDto, description: 'Same id, `turnCount` 0, no pending messages' })
  @ApiErrorResponses(
    UNPARSABLE_BODY,
    403,
    404,
    [409, '`CONFLICT`: the session kept changing during the reset; try again'],
    413,
    503,
  )
  async reset(@Param('id') id: string, @Client() client: ClientInfo): Promise<SessionView> {
    await this.sessions.touch(id, client);
    return toSessionView(await this.sessions.reset(id, 'client_reset'), this.sessions.idleTtlMs);
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'A page of the conversation, oldest first inside the page' })
  @ApiOkResponse({ type: HistoryViewDto })
  @ApiErrorResponses(400, 403, 404, 503)
  async history(@Param('id') id: string, @Query() query: HistoryQueryDto, @Client() client: ClientInfo) {
    await this.sessions.touch(id, client);
    return toHistoryView(id, await this.sessions.history(id, query.limit ?? 50, query.before ?? null));
  }
}
