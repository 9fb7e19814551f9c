import { IncomingHttpHeaders, request } from 'node:http';
import { SseClient } from './sse-client';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (null when empty): tests read it field by field, as supertest's `body`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

let visitors = 0;

/** A loopback address of its own for each visitor (127.0.1.1, 127.0.1.2, …): Linux routes all of 127/8. */
export function nextVisitorAddress(): string {
  const n = visitors++;
  return `127.0.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`;
}

/**
 * An HTTP client whose connections leave from one address, so a balancer in front of the service sees
 * each visitor as a different client.
 *
 *   const visitor = new Visitor(lbUrl);            // a fresh loopback address
 *   const id = await visitor.createSession();
 */
export class Visitor {
  constructor(
    readonly baseUrl: string,
    readonly address = nextVisitorAddress(),
  ) {}

  get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send('GET', path, undefined, headers);
  }

  post(path: string, body: object = {}, headers: Record<string, string> = {}): Promise<Reply> {
    return this.send('POST', path, body, headers);
  }

  /** A new session (201 expected), standing at `location` when given (202 expected). */
  async createSession(location?: { lat: number; lon: number }): Promise<string> {
    const created = await this.post('/v1/sessions', {});
    if (created.status !== 201) throw new Error(`POST /v1/sessions answered ${created.status}`);
    const id = created.body.sessionId as string;
    if (location) {
      const reported = await this.post(`/v1/sessions/${id}/location`, location);
      if (reported.status !== 202) throw new Error(`POST …/location answered ${reported.status}`);
    }
    return id;
  }

  /** A query's stored answer, asked with /v1/query or, with `stream`, /v1/query/stream (its `done`). */
  async ask(sessionId: string, text: string, stream = false): Promise<{ seq: number; text: string }> {
    if (!stream) {
      const reply = await this.post('/v1/query', { sessionId, text });
      if (reply.status !== 200) throw new Error(`POST /v1/query answered ${reply.status}`);
      return reply.body.answer;
    }
    const body = { sessionId, text };
    const sse = await SseClient.open(
      `${this.baseUrl}/v1/query/stream`,
      {},
      { method: 'POST', body, localAddress: this.address },
    );
    await sse.waitForEnd(20_000);
    const done = sse.events.find((event) => event.event === 'done');
    if (!done) throw new Error(`the stream ended without done: ${JSON.stringify(sse.events)}`);
    return JSON.parse(done.data);
  }

  /** Every message a session has, oldest first, read page by page from the first (acknowledging them). */
  async allMessages(sessionId: string): Promise<Array<{ id: string; text: string }>> {
    const messages: Array<{ id: string; text: string }> = [];
    for (let cursor = '0'; ;) {
      const page = (await this.get(`/v1/sessions/${sessionId}/messages?after=${cursor}`)).body;
      if (page.messages.length === 0) return messages;
      messages.push(...page.messages);
      cursor = page.cursor;
    }
  }

  send(
    method: string,
    path: string,
    body?: object,
    headers: Record<string, string> = {},
    timeoutMs = 60_000,
  ) {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<Reply>((resolve, reject) => {
      const req = request(
        `${this.baseUrl}${path}`,
        {
          method,
          localAddress: this.address,
          timeout: timeoutMs,
          headers: {
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
              : {}),
            ...headers,
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: parseJson(text) }),
          );
          response.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text; // not JSON (an nginx error page): kept for the failure message
  }
}
