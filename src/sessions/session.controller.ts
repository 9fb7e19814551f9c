import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Client } from '../common/client-info.decorator';
import { toHistoryView, toSessionView, SessionView } from './session.view';
import { CreateSessionDto, HistoryQueryDto, HistoryViewDto, SessionViewDto } from './session.dto';
import { ClientInfo, SessionService } from './session.service';

@ApiTags('sessions')
@Controller('v1/sessions')
export class SessionController {
  constructor(private readonly sessions: SessionService) {}

  @Post()
  @ApiCreatedResponse({ type: SessionViewDto })
  async create(@Body() body: CreateSessionDto, @Client() client: ClientInfo): Promise<SessionView> {
    return toSessionView(await this.sessions.create(body, client), this.sessions.idleTtlMs);
  }

  @Get(':id')
  @ApiOkResponse({ type: SessionViewDto })
  async get(@Param('id') id: string, @Client() client: ClientInfo): Promise<SessionView> {
    return toSessionView(await this.sessions.touch(id, client), this.sessions.idleTtlMs);
  }

  @Delete(':id')
  @HttpCode(204)
  async close(@Param('id') id: string): Promise<void> {
    await this.sessions.destroy(id, 'client_closed');
  }

  @Post(':id/reset')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionViewDto })
  async reset(@Param('id') id: string, @Client() client: ClientInfo): Promise<SessionView> {
    await this.sessions.touch(id, client);
    return toSessionView(await this.sessions.reset(id, 'client_reset'), this.sessions.idleTtlMs);
  }

  @Get(':id/history')
  @ApiOkResponse({ type: HistoryViewDto })
  async history(@Param('id') id: string, @Query() query: HistoryQueryDto, @Client() client: ClientInfo) {
    await this.sessions.touch(id, client);
    return toHistoryView(id, await this.sessions.history(id, query.limit ?? 50, query.before ?? null));
  }
}
