import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrorResponses, ApiEventStream, ApiLastEventId } from '../common/api-docs';
import { Client } from '../common/client-info.decorator';
import { clientGoneSignal } from '../common/http/event-stream';
import { SessionService } from '../sessions';
import { ClientInfo } from '../domain';
import { MessageDelivery, MessagesAnswer } from './message-delivery.service';
import { ProactiveTriggers } from './proactive-triggers.service';
import { resumeCursorOf } from './last-event-id';
import {
  LocationAnswerDto,
  LocationReportDto,
  MessagesAnswerDto,
  MessagesQueryDto,
  MessageViewDto,
} from './proactive.dto';

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
  @ApiOperation({
    summary: 'Report where the visitor is',
    description: 'Entering a POI’s radius queues one proactive message for that POI, once per session ever.',
  })
  @ApiAcceptedResponse({ type: LocationAnswerDto })
  @ApiErrorResponses(400, 403, 404, 413, 503)
  async location(
    @Param('id') id: string,
    @Body() body: LocationReportDto,
    @Client() client: ClientInfo,
  ): Promise<LocationAnswerDto> {
    const inside = await this.triggers.location(id, { lat: body.lat, lon: body.lon }, client);
    return {
      sessionId: id,
      nearby: inside.map((poi) => ({ poiId: poi.id, name: poi.name, distanceM: poi.distanceM })),
    };
  }

  @Get(':id/messages')
  @ApiOperation({
    summary: 'Proactive messages by long-poll',
    description:
      'The messages after `after` (absent: the pending ones), oldest first, at most 50. `after=X` acknowledges everything up to X. With `wait>0` and nothing to return, the request is held until a message arrives or the wait ends.',
  })
  @ApiOkResponse({ type: MessagesAnswerDto })
  @ApiErrorResponses(400, 403, 404, 503)
  async messages(
    @Param('id') id: string,
    @Query() query: MessagesQueryDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MessagesAnswer> {
    const record = await this.sessions.touch(id, client);
    return this.delivery.poll(
      id,
      query.after ?? null,
      record.ackCursor,
      (query.wait ?? 0) * 1000,
      clientGoneSignal(response),
    );
  }

  @Get(':id/events')
  @ApiOperation({ summary: 'Proactive messages pushed as server-sent events, from any instance' })
  @ApiLastEventId()
  @ApiEventStream({
    description:
      'First the messages after `Last-Event-ID` (absent: the pending ones), then live ones as they arrive; a `: heartbeat` comment every 15 s. The stream ends when the session ends.',
    events: [{ name: 'message', data: MessageViewDto, hasId: true, description: 'one proactive message' }],
  })
  @ApiErrorResponses([400, '`VALIDATION_FAILED`: `Last-Event-ID` is not a message id'], 403, 404, 503)
  async events(
    @Param('id') id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Client() client: ClientInfo,
    @Res() response: Response,
  ): Promise<void> {
    // Answered by SessionEventsRoute ahead of express, but for requests of another shape (HEAD…).
    const resumeAfter = resumeCursorOf(lastEventId);
    await this.sessions.touch(id, client);
    this.delivery.openStream(id, resumeAfter, response);
  }
}
