import { Visitor } from './visitor';
import { waitFor } from './eventually';

/** One request of a load run: when it started and ended, and whether it got the answer it expected. */
export interface LoadRequest {
  what: string;
  startedAt: number;
  endedAt: number;
  ok: boolean;
  /** The status, or the error, for a failure's message. */
  detail: string;
}

export type LoadStep = (
  worker: number,
  iteration: number,
) => Promise<{ what: string; ok: boolean; detail: string }>;

/** `workers` loops, each repeating `step` until `stop()`, every request recorded. */
export class LoadRun {
  readonly requests: LoadRequest[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(workers: number, step: LoadStep) {
    this.loops = Array.from({ length: workers }, (_, worker) => this.loop(worker, step));
  }

  /** The requests that started at or after `time`. */
  startedFrom(time: number): LoadRequest[] {
    return this.requests.filter((request) => request.startedAt >= time);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(worker: number, step: LoadStep): Promise<void> {
    for (let iteration = 0; this.running; iteration++) {
      const startedAt = Date.now();
      const result = await step(worker, iteration).catch((error: unknown) => ({
        what: 'request',
        ok: false,
        detail: String(error),
      }));
      this.requests.push({ ...result, startedAt, endedAt: Date.now() });
    }
  }
}

/** Polls a synchronous condition every `intervalMs` until it holds; fails after `timeoutMs`. */
export async function until(what: string, condition: () => boolean, timeoutMs: number, intervalMs = 10) {
  await waitFor(what, condition, { timeoutMs, intervalMs });
}

/** Sends `send(k)` for k = 0, 1, … one after the other, `pauseMs` apart, until stopped; keeps the accepted. */
export class Repeater<T> {
  readonly accepted: Array<{ value: T; at: number }> = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(send: (k: number) => Promise<T | null>, pauseMs: number) {
    this.loop = (async () => {
      for (let k = 0; this.running; k++) {
        const value = await send(k).catch(() => null);
        if (value !== null) this.accepted.push({ value, at: Date.now() });
        await new Promise((resolve) => setTimeout(resolve, pauseMs)); // pacing, not synchronisation
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/**
 * `count` visitors, each from an address and on a session of its own, cycling through reads and
 * writes of the client API (at most `queryBudget` queries each, to stay under the rate limit).
 */
export async function startVisitorLoad(
  baseUrl: string,
  count: number,
  queryBudget: number,
): Promise<LoadRun> {
  const visitors = await Promise.all(
    Array.from({ length: count }, async () => {
      const visitor = new Visitor(baseUrl);
      return { visitor, id: await visitor.createSession(), queries: 0 };
    }),
  );
  return new LoadRun(count, async (worker, iteration) => {
    const { visitor, id } = visitors[worker];
    const send = async (what: string, expected: number, method: string, path: string, body?: object) => {
      const reply = await visitor.send(method, path, body, {}, 10_000);
      return { what, ok: reply.status === expected, detail: `${reply.status} ${JSON.stringify(reply.body)}` };
    };
    const session = `/v1/sessions/${id}`;
    switch (iteration % 5) {
      case 0:
        return send('GET session', 200, 'GET', session);
      case 1:
        return send('GET history', 200, 'GET', `${session}/history`);
      case 2:
        return send('POST location', 202, 'POST', `${session}/location`, { lat: 0, lon: 0 });
      case 3:
        if (visitors[worker].queries++ >= queryBudget)
          return send('GET pois', 200, 'GET', '/v1/pois?lat=0&lon=0');
        return send('POST query', 200, 'POST', '/v1/query', { sessionId: id, text: `load ${iteration}` });
      default:
        return send('POST session', 201, 'POST', '/v1/sessions', {});
    }
  });
}

/** `promise`, or a failure naming `what` when it has not settled within `timeoutMs`. */
export async function within<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
