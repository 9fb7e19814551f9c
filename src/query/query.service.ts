import { Injectable } from '@nestjs/common';
import { ClientInfo } from '../domain';
import type { RateLimitCharge } from '../sessions';
import { QueryDto } from './query.dto';
import { QueryAnswer, QueryEvent, QueryPipeline } from './query.pipeline';

export type { QueryAnswer, QueryEvent } from './query.pipeline';

/** The query module's face: both query routes run the one pipeline, whole or streamed. */
@Injectable()
export class QueryService {
  constructor(private readonly pipeline: QueryPipeline) {}

  /** POST /v1/query: the pipeline run to its end, its answer returned. */
  ask(
    query: QueryDto,
    client: ClientInfo,
    idempotencyKey?: string,
    rateLimit?: RateLimitCharge,
  ): Promise<QueryAnswer> {
    return this.pipeline.answer({ query, client, idempotencyKey, rateLimit });
  }

  /**
   * POST /v1/query/stream: the pipeline's events as the model writes the answer. Errors before the
   * `session` event (resolving the session, claiming the key) are thrown by the first `next()`.
   */
  stream(
    query: QueryDto,
    client: ClientInfo,
    signal: AbortSignal,
    idempotencyKey?: string,
    rateLimit?: RateLimitCharge,
  ): AsyncIterable<QueryEvent> {
    return this.pipeline.stream({ query, client, idempotencyKey, rateLimit, signal });
  }
}
