import { Body, Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses, ApiEventStream, ApiIdempotencyKey } from '../common/api-docs';
import { Client } from '../common/client-info.decorator';
import { ClientInfo } from '../domain';
import {
  AnswerDto,
  QueryAnswerDto,
  QueryDto,
  StreamDeltaDataDto,
  StreamErrorDataDto,
  StreamSessionDataDto,
} from './query.dto';
import { sendEventStream } from '../common/http/event-stream';
import { QueryAnswer, QueryService } from './query.service';
import { queryStreamEvents } from './query-stream.events';
import { IdempotencyKey } from './idempotency-key.decorator';
import { DeferredRateLimit, QueryThrottlerGuard } from './query-throttler.guard';
import type { RateLimitCharge } from '../sessions';

/** The error statuses both query routes share (before a stream opens, the stream's are these too). */
const QUERY_ERRORS = [
  400,
  [403, '`SESSION_IP_MISMATCH`: `SESSION_IP_POLICY=reject` and the named session belongs to another address'],
  [
    404,
    '`SESSION_NOT_FOUND`: the session ended while the model was answering; nothing was stored (a session unknown when the query arrives is replaced by a new one instead)',
  ],
  [409, '`CONFLICT`: this `Idempotency-Key` was used on this session with a different `text`'],
  413,
  429,
  [
    503,
    '`AI_UNAVAILABLE` (the model failed; `details`: `[{sessionId}]`, history unchanged) or `STORE_UNAVAILABLE`',
  ],
] satisfies Array<number | [number, string]>;

@ApiTags('query')
@Controller('v1/query')
@UseGuards(QueryThrottlerGuard)
export class QueryController {
  constructor(private readonly queries: QueryService) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Ask the guide a question',
    description:
      'An absent, malformed, unknown or expired `sessionId` creates a new session, returned with `sessionCreated: true` (adopt it). The question and the answer are stored together once the model answers.',
  })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: QueryAnswerDto })
  @ApiErrorResponses(...QUERY_ERRORS)
  ask(
    @Body() body: QueryDto,
    @Client() client: ClientInfo,
    @IdempotencyKey() idempotencyKey?: string,
    @DeferredRateLimit() rateLimit?: RateLimitCharge,
  ): Promise<QueryAnswer> {
    return this.queries.ask(body, client, idempotencyKey, rateLimit);
  }

  @Post('stream')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Ask the guide, the answer streamed as server-sent events',
    description:
      'The session is resolved as for `POST /v1/query`. Errors found before the stream opens (validation, rate limit) are JSON error responses; after it opens they are an `error` event. The turn is stored only at `done`.',
  })
  @ApiIdempotencyKey()
  @ApiEventStream({
    description: 'Events in order: `session`, then `delta`…, then `done` or `error`.',
    events: [
      { name: 'session', data: StreamSessionDataDto, description: 'first: the session answering (adopt it)' },
      { name: 'delta', data: StreamDeltaDataDto, description: 'the next piece of the answer' },
      { name: 'done', data: AnswerDto, description: 'last: the stored answer, whole' },
      { name: 'error', data: StreamErrorDataDto, description: 'last: a failure; nothing was stored' },
    ],
  })
  @ApiErrorResponses(...QUERY_ERRORS)
  stream(
    @Body() body: QueryDto,
    @Client() client: ClientInfo,
    @Res() response: Response,
    @IdempotencyKey() idempotencyKey?: string,
    @DeferredRateLimit() rateLimit?: RateLimitCharge,
  ): Promise<void> {
    return sendEventStream(response, (signal) =>
      queryStreamEvents(this.queries.stream(body, client, signal, idempotencyKey, rateLimit), signal),
    );
  }
}
