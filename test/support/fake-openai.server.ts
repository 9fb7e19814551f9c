import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { waitFor, WaitTimeout } from './eventually';

/** The part of a chat completion request body the tests look at. */
export interface ChatCompletionRequestBody {
  model: string;
  messages: Array<{ role: string; content: unknown }>;
  stream?: boolean;
  [field: string]: unknown;
}

/** Turns a request into the answer text; may be async. */
export type RespondHook = (body: ChatCompletionRequestBody) => string | Promise<string>;

/** `true`/'error': HTTP 500 with an OpenAI-style error body; 'hang': never answer (until the client gives up). */
export type FailureMode = false | true | 'error' | 'hang';

/** The text of the last user message (text parts joined when the content is an array). */
export function lastUserText(body: ChatCompletionRequestBody): string {
  const last = [...body.messages].reverse().find((message) => message.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  if (Array.isArray(last.content)) {
    return (last.content as Array<{ type?: string; text?: string }>)
      .filter((part) => part.type === 'text')
      .map((part) => part.text ?? '')
      .join(' ');
  }
  return '';
}

const WORDS = /\S+\s*|\s+/g;

const defaultRespond: RespondHook = (body) => `echo: ${lastUserText(body)}`;

/**
 * A small OpenAI-compatible server for tests: POST /v1/chat/completions (or /chat/completions), plain
 * JSON or SSE streaming, in the real wire format, so the real `openai` SDK can be pointed at it.
 *
 *   const fake = await FakeOpenAiServer.start();
 *   new OpenAI({ apiKey: 'test', baseURL: fake.baseUrl });
 *   fake.requests  // every request body, in arrival order
 *   fake.fail(true); fake.setDelay(200); fake.respond = (body) => 'hi';
 *   fake.chunkPattern = /.{1,3}/gsu;  // chunks for text without spaces (Chinese)
 *   await fake.close();
 */
export class FakeOpenAiServer {
  /** Every chat completion request body received, in arrival order. */
  readonly requests: ChatCompletionRequestBody[] = [];
  /** The request headers, parallel to `requests` (e.g. to check the Authorization header). */
  readonly headers: IncomingMessage['headers'][] = [];
  respond: RespondHook = defaultRespond;
  /** Milliseconds between two streamed chunks. */
  chunkDelayMs = 0;
  /** How a streamed answer is cut into chunks: by default a word (with its trailing space) each. */
  chunkPattern: RegExp = WORDS;
  /** Sent as `retry-after-ms` with failures, so the SDK's retries do not slow tests down. */
  retryAfterMs = 1;
  private failure: FailureMode = false;
  private delayMs = 0;
  private active = 0;
  /** Streamed answers sent to their end, and those the client went away from before the end. */
  readonly streams = { completed: 0, cut: 0 };
  private completionCount = 0;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<FakeOpenAiServer> {
    let fake: FakeOpenAiServer | null = null;
    const server = createServer((request, response) => {
      void fake?.handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new FakeOpenAiServer(server, `http://127.0.0.1:${port}/v1`);
    return fake;
  }

  /** Requests being handled right now (a hung or delayed request counts until its client goes away). */
  get inFlight(): number {
    return this.active;
  }

  fail(mode: FailureMode = true): void {
    this.failure = mode;
  }

  /** Delay before each response starts. */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  /** Forgets recorded requests and restores the default behaviour. */
  reset(): void {
    this.requests.length = 0;
    this.headers.length = 0;
    this.respond = defaultRespond;
    this.failure = false;
    this.delayMs = 0;
    this.chunkDelayMs = 0;
    this.chunkPattern = WORDS;
  }

  /** Resolves once `count` requests have arrived (or rejects after `timeoutMs`). */
  async waitForRequests(count: number, timeoutMs = 5000): Promise<void> {
    await waitFor(`${count} requests`, () => this.requests.length >= count, {
      timeoutMs,
      intervalMs: 10,
    }).catch((error: unknown) => {
      if (!(error instanceof WaitTimeout)) throw error;
      throw new Error(`expected ${count} requests, got ${this.requests.length}`);
    });
  }

  async close(): Promise<void> {
    // Hung requests would keep close() waiting for ever.
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'POST' || !['/v1/chat/completions', '/chat/completions'].includes(path)) {
      sendJson(response, 404, {
        error: { message: `Unknown route ${request.method} ${path}`, type: 'invalid_request_error' },
      });
      return;
    }
    this.active += 1;
    let gone = false;
    response.on('close', () => {
      gone = true;
      this.active -= 1;
    });
    try {
      const body = JSON.parse(await readBody(request)) as ChatCompletionRequestBody;
      this.requests.push(body);
      this.headers.push(request.headers);
      if (this.delayMs > 0) await sleep(this.delayMs);
      if (gone || this.failure === 'hang') return; // a hung request is ended by the client or close()
      if (this.failure) {
        response.setHeader('retry-after-ms', String(this.retryAfterMs));
        sendJson(response, 500, {
          error: { message: 'The fake server is failing on purpose', type: 'server_error', code: null },
        });
        return;
      }
      const text = await this.respond(body);
      if (body.stream) await this.stream(response, body.model, text, () => gone);
      else sendJson(response, 200, this.completion(body.model, text));
    } catch (error) {
      if (!response.headersSent)
        sendJson(response, 400, { error: { message: String(error), type: 'invalid_request_error' } });
    }
  }

  private completion(model: string, content: string) {
    return {
      id: this.nextId(),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: content.length, total_tokens: 10 + content.length },
    };
  }

  /** SSE: a role chunk, one chunk per word, a finish chunk, then `[DONE]`, as OpenAI sends them. */
  private async stream(
    response: ServerResponse,
    model: string,
    text: string,
    gone: () => boolean,
  ): Promise<void> {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const id = this.nextId();
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: object, finishReason: string | null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });
    const send = (payload: object | string) =>
      response.write(`data: ${typeof payload === 'string' ? payload : JSON.stringify(payload)}\n\n`);
    send(chunk({ role: 'assistant', content: '' }, null));
    for (const piece of text.match(this.chunkPattern) ?? []) {
      if (this.chunkDelayMs > 0) await sleep(this.chunkDelayMs);
      if (gone()) {
        this.streams.cut += 1;
        return;
      }
      send(chunk({ content: piece }, null));
    }
    send(chunk({}, 'stop'));
    send('[DONE]');
    response.end();
    this.streams.completed += 1;
  }

  private nextId(): string {
    this.completionCount += 1;
    return `chatcmpl-fake${this.completionCount}`;
  }
}

function sendJson(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
