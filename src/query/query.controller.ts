import { Body, Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { Client } from '../common/client-info.decorator';
import { ClientInfo } from '../sessions/session.service';
import { QueryAnswerDto, QueryDto } from './query.dto';
import { QueryAnswer, QueryService } from './query.service';
import { QueryStreamService } from './query-stream.service';

@ApiTags('query')
@Controller('v1/query')
@UseGuards(ThrottlerGuard)
export class QueryController {
  constructor(
    private readonly queries: QueryService,
    private readonly streams: QueryStreamService,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOkResponse({ type: QueryAnswerDto })
  ask(@Body() body: QueryDto, @Client() client: ClientInfo): Promise<QueryAnswer> {
    return this.queries.ask(body, client);
  }

  /** SSE: `session`, then `delta`…, then `done` or `error` (API.md). */
  @Post('stream')
  @ApiOkResponse({ description: 'text/event-stream' })
  stream(@Body() body: QueryDto, @Client() client: ClientInfo, @Res() response: Response): Promise<void> {
    return this.streams.stream(body, client, response);
  }
}
