import { Body, Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import { Client } from '../common/client-info.decorator';
import { ClientInfo } from '../sessions/session.service';
import { QueryAnswerDto, QueryDto } from './query.dto';
import { QueryAnswer, QueryService } from './query.service';
import { QueryStreamService } from './query-stream.service';
import { IdempotencyKey } from './idempotency-key.decorator';

const IDEMPOTENCY_KEY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description:
    '1–64 characters of A-Z a-z 0-9 _ -. A repeat on the same session returns the stored answer; another text with the same key is 409',
};

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
  @ApiHeader(IDEMPOTENCY_KEY_HEADER)
  @ApiOkResponse({ type: QueryAnswerDto })
  ask(
    @Body() body: QueryDto,
    @Client() client: ClientInfo,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<QueryAnswer> {
    return this.queries.ask(body, client, idempotencyKey);
  }

  /** SSE: `session`, then `delta`…, then `done` or `error` (API.md). */
  @Post('stream')
  @ApiHeader(IDEMPOTENCY_KEY_HEADER)
  @ApiOkResponse({ description: 'text/event-stream' })
  stream(
    @Body() body: QueryDto,
    @Client() client: ClientInfo,
    @Res() response: Response,
    @IdempotencyKey() idempotencyKey?: string,
  ): Promise<void> {
    return this.streams.stream(body, client, response, idempotencyKey);
  }
}
