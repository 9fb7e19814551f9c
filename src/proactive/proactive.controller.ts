import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiError } from '../common/api-error';
import { Client } from '../common/client-info.decorator';
import { ClientInfo, SessionService } from '../sessions/session.service';
import { MessageDelivery, MessagesAnswer } from './message-delivery.service';
import { ProactiveTriggers } from './proactive-triggers.service';
import { LocationReportDto, MESSAGE_ID_PATTERN, MessagesQueryDto } from './proactive.dto';

@ApiTags('sessions')
@Controller('v1/sessions')
export class ProactiveController {
  constructor(
    private readonly sessions: SessionService,
    private readonly triggers: ProactiveTriggers,
    private readonly delivery: MessageDelivery,
  ) {}

  @Post(':id/location')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: '{sessionId, nearby: [{poiId, name, distanceM}]}' })
  async location(@Param('id') id: string, @Body() body: LocationReportDto, @Client() client: ClientInfo) {
    const inside = await this.triggers.location(id, { lat: body.lat, lon: body.lon }, client);
    return {
      sessionId: id,
      nearby: inside.map((poi) => ({ poiId: poi.id, name: poi.name, distanceM: poi.distanceM })),
    };
  }

  @Get(':id/messages')
  @ApiOkResponse({ description: '{messages: [{id, kind, text, poiId?, createdAt}], cursor}' })
  async messages(
    @Param('id') id: string,
    @Query() query: MessagesQueryDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MessagesAnswer> {
    const record = await this.sessions.touch(id, client);
    const gone = new AbortController();
    response.on('close', () => gone.abort());
    return this.delivery.poll(
      id,
      query.after ?? null,
      record.ackCursor,
      (query.wait ?? 0) * 1000,
      gone.signal,
    );
  }

  @Get(':id/events')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this message id' })
  @ApiOkResponse({ description: 'text/event-stream: `event: message`, `id:` = message id' })
  async events(
    @Param('id') id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Client() client: ClientInfo,
    @Res() response: Response,
  ): Promise<void> {
    const resumeAfter = lastEventId?.trim() || null;
    if (resumeAfter !== null && !MESSAGE_ID_PATTERN.test(resumeAfter)) {
      throw new ApiError('VALIDATION_FAILED', 'Last-Event-ID must be a message id', [
        { field: 'Last-Event-ID', message: 'must be a message id' },
      ]);
    }
    await this.sessions.touch(id, client);
    this.delivery.stream(id, resumeAfter, response);
  }
}
