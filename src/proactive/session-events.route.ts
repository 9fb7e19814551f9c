import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { errorAnswer } from '../common/http/error-answer';
import { allowHandOver, keptOnHandOver } from '../common/http/socket-handover';
import type { FrontKit, FrontRoute, ObservedRequest, RequestObserver } from '../common/http/front-route';
import { HttpRequestObserver } from '../observability';
import { SessionService } from '../sessions';
import { resumeCursorOf } from './last-event-id';
import { MessageDelivery } from './message-delivery.service';

/** `GET /v1/sessions/:id/events` as clients send it (a query string is ignored, as by the controller). */
const EVENTS_PATH = /^\/v1\/sessions\/([^/?#%]+)\/events(?:\?.*)?$/;
const ROUTE = '/v1/sessions/:id/events';

/**
 * The events route (ProactiveController.events, whose contract and documentation it keeps) answered
 * ahead of express: an open stream is the one request held for long, by the ten thousand, and through
 * express and Nest each one would leave behind what their pipeline made for it. Errors before the head
 * are the usual envelope; the access log line and the metric come when the stream ends. Requests of
 * other shapes (HEAD, a trailing slash, an escaped id) still reach the controller.
 */
@Injectable()
export class SessionEventsRoute implements FrontRoute {
  constructor(
    private readonly sessions: SessionService,
    private readonly delivery: MessageDelivery,
    private readonly observer: HttpRequestObserver,
  ) {}

  claims(request: IncomingMessage): boolean {
    return request.method === 'GET' && EVENTS_PATH.test(request.url ?? '');
  }

  serve(request: IncomingMessage, response: ServerResponse, kit: FrontKit): void {
    const id = kit.prepare(request, response);
    const observation = new Observation(this.observer, request.socket, {
      id,
      method: 'GET',
      url: request.url ?? '',
      userAgent: request.headers['user-agent'],
      route: ROUTE,
      startedAt: performance.now(),
    });
    response.once('close', observation.finished);
    this.open(request, response, kit).then(
      () => observation.untilConnectionCloses(),
      (error: unknown) => {
        const { status, body } = errorAnswer(error, id);
        const json = JSON.stringify(body);
        observation.status = status;
        response.writeHead(status, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(json),
        });
        response.end(json);
      },
    );
  }

  private async open(request: IncomingMessage, response: ServerResponse, kit: FrontKit): Promise<void> {
    const sessionId = EVENTS_PATH.exec(request.url ?? '')![1];
    const header = request.headers['last-event-id'];
    const resumeAfter = resumeCursorOf(typeof header === 'string' ? header : undefined);
    await this.sessions.touch(sessionId, kit.clientOf(request));
    allowHandOver(response); // the Observation follows the connection
    this.delivery.openStream(sessionId, resumeAfter, response as Response);
  }
}

/**
 * One request's access log line and metric, when it is over: at its response's 'close', or for a stream
 * whose connection was taken over (its response then never closes), at the connection's. What a stream
 * keeps of its request until then is this and the ObservedRequest.
 */
class Observation {
  status = 200;
  private done = false;

  constructor(
    private readonly observer: RequestObserver,
    private readonly socket: Socket,
    private readonly request: ObservedRequest,
  ) {}

  readonly finished = keptOnHandOver((): void => {
    if (this.done) return;
    this.done = true;
    this.socket.off('close', this.finished);
    this.observer.finished(this.request, this.status);
  });

  untilConnectionCloses(): void {
    if (this.done) return;
    if (this.socket.destroyed) this.finished();
    else this.socket.once('close', this.finished);
  }
}
