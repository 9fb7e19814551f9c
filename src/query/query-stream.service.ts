import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { classifyError } from '../common/error-classification';
import { CLOCK, Clock } from '../common/clock';
import { GUIDE_MODEL, GuideModel } from '../ai';
import { ClientInfo, Turn } from '../domain';
import { QueryDto } from './query.dto';
import { QueryService } from './query.service';

/**
 * POST /v1/query/stream: the answer as server-sent events while the model writes it. The session is
 * resolved and its Idempotency-Key claimed before the stream opens (their errors are ordinary JSON
 * responses); afterwards failures are `error` events. The turn is stored only at `done`; a client that goes away aborts the model call and
 * nothing is stored.
 */
@Injectable()
export class QueryStreamService {
  private readonly logger = new Logger('QueryStream');

  constructor(
    private readonly queries: QueryService,
    @Inject(GUIDE_MODEL) private readonly model: GuideModel,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async stream(
    query: QueryDto,
    client: ClientInfo,
    response: Response,
    idempotencyKey?: string,
  ): Promise<void> {
    const { record, created } = await this.queries.resolveSession(query.sessionId, client);
    const keyed = await this.queries.claimKey(record.id, query, idempotencyKey);
    const claim = keyed?.status === 'claimed' ? keyed.claim : undefined;
    const askedAt = this.clock.now();
    const abort = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) abort.abort();
    });
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: object) => {
      if (!abort.signal.aborted) response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const done = (answer: Turn) =>
      send('done', {
        seq: answer.seq,
        text: answer.text,
        createdAt: new Date(answer.createdAt).toISOString(),
      });
    send('session', { sessionId: record.id, sessionCreated: created });
    if (keyed?.status === 'answered') {
      // A repeat: the stored answer as one delta, then done (API.md).
      send('delta', { text: keyed.answer.text });
      done(keyed.answer);
      response.end();
      return;
    }
    let text = '';
    let stored = false;
    try {
      const request = await this.queries.buildRequest(record, query, abort.signal);
      for await (const delta of this.model.answerStream(request)) {
        if (abort.signal.aborted) break;
        text += delta;
        send('delta', { text: delta });
      }
      if (abort.signal.aborted) return; // the client left: nothing is stored
      const answer = await this.queries.store(record.id, query, askedAt, text, claim);
      stored = true;
      done(answer);
    } catch (error) {
      if (!abort.signal.aborted) send('error', this.describe(error));
    } finally {
      if (!stored) this.queries.releaseKey(record.id, claim);
      response.end();
    }
  }

  private describe(error: unknown): { code: string; message: string } {
    const { code, message } = classifyError(error);
    if (code === 'INTERNAL') this.logger.error({ msg: 'stream failed', err: error });
    return { code, message };
  }
}
