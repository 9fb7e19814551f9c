import { ClientRequest, IncomingMessage, request } from 'node:http';
import { constants, createGunzip } from 'node:zlib';
import { waitFor, WaitTimeout } from './eventually';
import { SseEvent, SseParser } from './sse-parser';

export type { SseEvent } from './sse-parser';

/**
 * A minimal server-sent-events client over node:http: collects events (and comments) as they arrive.
 *
 *   const sse = await SseClient.open(`${url}/v1/sessions/${id}/events`, { 'last-event-id': '1-0' });
 *   const [first] = await sse.waitFor(1);
 *   sse.close();
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  ended = false;
  private buffer = '';
  private readonly parser = new SseParser();

  private constructor(
    private readonly req: ClientRequest,
    readonly response: IncomingMessage,
  ) {
    // A gzip-encoded stream (asked for with `acceptGzip`) is decoded as it comes, each flush at once.
    const body =
      response.headers['content-encoding'] === 'gzip'
        ? response.pipe(createGunzip({ flush: constants.Z_SYNC_FLUSH }))
        : response;
    body.setEncoding('utf8');
    body.on('data', (chunk: string) => this.receive(chunk));
    body.on('end', () => (this.ended = true));
    if (body !== response) body.on('error', () => (this.ended = true)); // a cut stream is a torn gzip
    response.on('close', () => (this.ended = true));
  }

  static open(
    url: string,
    headers: Record<string, string> = {},
    options: { method?: string; body?: object; localAddress?: string; acceptGzip?: boolean } = {},
  ): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const body = options.body ? JSON.stringify(options.body) : undefined;
      const req = request(
        url,
        {
          method: options.method ?? 'GET',
          localAddress: options.localAddress,
          headers: {
            accept: 'text/event-stream',
            ...(options.acceptGzip ? { 'accept-encoding': 'gzip' } : {}),
            ...(body
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
              : {}),
            ...headers,
          },
        },
        (response) => resolve(new SseClient(req, response)),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** The raw body, for a response that is not a stream (an error envelope). */
  async text(): Promise<string> {
    await this.until(() => this.ended, 5000, 'the response to end');
    return this.buffer;
  }

  /** Resolves once `count` events have arrived. */
  async waitFor(count: number, timeoutMs = 5000): Promise<SseEvent[]> {
    await this.until(() => this.events.length >= count, timeoutMs, `${count} events`);
    return this.events.slice(0, count);
  }

  async waitForEnd(timeoutMs = 5000): Promise<void> {
    await this.until(() => this.ended, timeoutMs, 'the stream to end');
  }

  close(): void {
    this.req.destroy();
  }

  private async until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    await waitFor(what, done, { timeoutMs, intervalMs: 10 }).catch((error: unknown) => {
      if (!(error instanceof WaitTimeout)) throw error;
      throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events)}`);
    });
  }

  private receive(chunk: string): void {
    if (!String(this.response.headers['content-type']).startsWith('text/event-stream')) {
      this.buffer += chunk;
      return;
    }
    const { events, comments } = this.parser.feed(chunk);
    this.events.push(...events);
    this.comments.push(...comments);
  }
}

export { eventually } from './eventually';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
