import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

type FreeParser = (parser: unknown, request: IncomingMessage, socket: Socket) => void;

/**
 * `freeParser` of Node's `_http_common` (a loadable module of every Node release, undocumented): what
 * the HTTP server itself calls when it hands a connection over on `upgrade`. Without it nothing is
 * handed over and streams are written through their response, as before.
 */
const freeParser = ((): FreeParser | null => {
  try {
    const common = createRequire(__filename)('_http_common') as { freeParser?: unknown };
    return typeof common.freeParser === 'function' ? (common.freeParser as FreeParser) : null;
  } catch {
    return null;
  }
})();

/**
 * The responses whose connection may be taken over: those of a request whose access log line and metric
 * do not wait for the response's own 'close' (a front route's). Through express, pino-http and the
 * metrics middleware listen to the response, which never closes once its connection is taken over.
 */
const mayBeTakenOver = new WeakSet<ServerResponse>();

export function allowHandOver(response: ServerResponse): void {
  mayBeTakenOver.add(response);
}

/** The events of a connection Node's HTTP server listens to for the requests on it. */
const SERVER_SOCKET_EVENTS = ['data', 'end', 'close', 'drain', 'error', 'timeout'] as const;

const KEPT = Symbol('keptOnHandOver');
type Listener = ((...args: unknown[]) => void) & { [KEPT]?: true };

/**
 * Marks a listener of a connection as one the hand-over keeps; every other listener of the events the
 * HTTP server listens to is removed with the server's own (they hold the request and response).
 */
export function keptOnHandOver<T extends () => void>(listener: T): T {
  (listener as unknown as Listener)[KEPT] = true;
  return listener;
}

/**
 * The connection of a response whose head is out, taken over from Node's HTTP server the way the server
 * itself hands a connection over on `upgrade`: its parser freed, the request and the response let go,
 * the rest of the body written here (in chunks when the head said so). An idle stream then holds its
 * socket and this object, instead of the request, the response, their headers and the parser.
 * The connection serves no other request: it closes when the body ends.
 */
export class HandedOverSocket {
  private constructor(
    readonly socket: Socket,
    private readonly chunked: boolean,
  ) {}

  /**
   * Sends the head of `response` if not yet sent and takes its connection over. Null, the response
   * untouched but for its head, when it cannot be: a response not allowed (allowHandOver), a HEAD
   * request (no body), a response not writing to its own connection (a pipelined request waiting its
   * turn), a connection already gone, a Node without the hand-over. Must not run inside the request's
   * own 'request' event (the parser is at work then).
   */
  static take(response: ServerResponse): HandedOverSocket | null {
    const request = response.req;
    const socket: (Socket & { parser?: unknown; _httpMessage?: unknown }) | null = response.socket;
    if (!freeParser || !mayBeTakenOver.has(response)) return null;
    if (!socket || !socket.parser || socket._httpMessage !== response) return null;
    if (request.method === 'HEAD' || socket.destroyed || response.writableEnded) return null;
    response.flushHeaders();
    const chunked = response.chunkedEncoding;
    for (const event of SERVER_SOCKET_EVENTS) {
      for (const listener of socket.listeners(event) as Listener[]) {
        if (!listener[KEPT]) socket.removeListener(event, listener);
      }
    }
    response.detachSocket(socket);
    freeParser(socket.parser, request, socket);
    socket.on('error', () => socket.destroy());
    // The client's end is the stream's; anything it sends meanwhile is read and dropped.
    socket.on('end', () => socket.destroy());
    socket.setTimeout(0);
    socket.resume();
    return new HandedOverSocket(socket, chunked);
  }

  get destroyed(): boolean {
    return this.socket.destroyed;
  }

  /** True while the client has not taken what was written (the socket's buffer is past its mark). */
  get full(): boolean {
    return this.socket.writableNeedDrain;
  }

  write(text: string): void {
    if (this.chunked) this.socket.write(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
    else this.socket.write(text);
  }

  /** The body's end (its last chunk), then the connection's once that is written. */
  end(): void {
    if (this.chunked) this.socket.write('0\r\n\r\n');
    this.socket.destroySoon();
  }
}
