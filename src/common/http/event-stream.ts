import { Logger } from '@nestjs/common';
import type { Response } from 'express';
import { HandedOverSocket } from './socket-handover';

/**
 * One server-sent event (`data` is written as JSON; `json`: its data serialized already), or a comment
 * line such as `: heartbeat`.
 */
export type ServerSentItem =
  | { event: string; id?: string; data: unknown }
  | { event: string; id?: string; json: string }
  | { comment: string };

const logger = new Logger('EventStream');

const EVENT_STREAM_HEAD = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

export function frameServerSentItem(item: ServerSentItem): string {
  if ('comment' in item) return `: ${item.comment}\n\n`;
  const id = item.id === undefined ? '' : `id: ${item.id}\n`;
  const data = 'json' in item ? item.json : JSON.stringify(item.data);
  return `${id}event: ${item.event}\ndata: ${data}\n\n`;
}

/**
 * An AbortSignal that fires when the client goes away before its response has been sent whole: what
 * a long-poll or a stream hands to the service that waits or works for it.
 */
export function clientGoneSignal(response: Response): AbortSignal {
  const gone = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) gone.abort();
  });
  return gone.signal;
}

/**
 * A `text/event-stream` written as things happen, for a stream that stays open long and mostly idle
 * (no iterable to pull from, nothing pending between events). The head goes out at once; right after,
 * when the response allows it (allowHandOver), the connection is taken over from the HTTP server
 * (HandedOverSocket), so an idle stream holds neither its request nor its response. `full` is true
 * while the client has not taken what was written (the socket's buffer is past its mark): a writer
 * then holds back, and `onDrained` says when to go on. `onGone` runs once, when the client went away
 * or the stream was ended.
 */
export class EventStreamWriter {
  private open = true;
  private gone = false;
  /** Written through until the connection is taken over, then null. */
  private response: Response | null;
  private socket: HandedOverSocket | null = null;

  constructor(
    response: Response,
    private readonly onGone: () => void,
    private readonly onDrained: () => void,
  ) {
    this.response = response;
    response.writeHead(200, EVENT_STREAM_HEAD);
    response.once('close', this.closed);
    response.on('drain', onDrained);
    // Gone before the head: no 'close' is coming.
    if (response.destroyed) this.closed();
    // Not inside the request's own event, where the server's parser is still at work on it.
    else setImmediate(() => this.takeOver());
  }

  private readonly closed = (): void => {
    this.open = false;
    if (this.gone) return;
    this.gone = true;
    this.onGone();
  };

  private takeOver(): void {
    const response = this.response;
    if (!this.open || !response) return;
    const socket = HandedOverSocket.take(response);
    if (!socket) return;
    response.off('close', this.closed);
    response.off('drain', this.onDrained);
    this.response = null;
    this.socket = socket;
    socket.socket.once('close', this.closed);
    socket.socket.on('drain', this.onDrained);
    if (socket.destroyed) this.closed();
  }

  get isOpen(): boolean {
    return this.open;
  }

  get full(): boolean {
    return this.socket ? this.socket.full : this.response!.writableNeedDrain;
  }

  send(item: ServerSentItem): void {
    if (!this.open) return;
    if (this.socket) this.socket.write(frameServerSentItem(item));
    else this.response!.write(frameServerSentItem(item));
  }

  /**
   * Ends the stream: from here on `send` writes nothing. The 'close' may come a tick or more later, and
   * a read finishing meanwhile must not write after the end (Node reports that as an 'error' on the
   * response, which nothing listens to once it has finished).
   */
  end(): void {
    if (!this.open) return;
    this.open = false;
    if (this.socket) this.socket.end();
    else if (!this.response!.writableEnded) this.response!.end();
  }
}

/**
 * Writes `items` to `response` as a `text/event-stream`. The head goes out with the first item, so an
 * error thrown before it rejects the returned promise and becomes an ordinary JSON error response.
 * Writes wait for the socket to drain (backpressure); a client that goes away aborts the signal given
 * to `source` and nothing more is written. The response ends when the iterable does.
 */
export async function sendEventStream(
  response: Response,
  source: (signal: AbortSignal) => AsyncIterable<ServerSentItem>,
): Promise<void> {
  const signal = clientGoneSignal(response);
  const iterator = source(signal)[Symbol.asyncIterator]();
  let opened = false;
  const open = () => {
    if (!opened) response.writeHead(200, EVENT_STREAM_HEAD);
    opened = true;
  };
  try {
    for (;;) {
      const next = await iterator.next();
      if (signal.aborted) break;
      if (next.done) {
        open(); // an empty stream is still a stream
        break;
      }
      open();
      if (!response.write(frameServerSentItem(next.value))) await drained(response, signal);
    }
  } catch (error) {
    if (!opened) throw error;
    // After the head, a source reports its own failures as events; anything else just ends it.
    logger.error({ msg: 'event stream failed', err: error });
  } finally {
    await iterator.return?.();
  }
  response.end();
}

function drained(response: Response, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    response.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
