import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { frameServerSentItem, sendEventStream, ServerSentItem } from './event-stream';

/** Just enough of an express Response: the head, what was written, a socket that can fill up. */
class FakeResponse extends EventEmitter {
  head: { status: number; headers: Record<string, string> } | null = null;
  readonly written: string[] = [];
  writableFinished = false;
  full = false;
  writeHead(status: number, headers: Record<string, string>): this {
    this.head = { status, headers };
    return this;
  }
  write(chunk: string): boolean {
    this.written.push(chunk);
    return !this.full;
  }
  end(): this {
    this.writableFinished = true;
    this.emit('close');
    return this;
  }
  /** The client goes away. */
  hangUp(): void {
    this.emit('close');
  }
}

const asResponse = (fake: FakeResponse) => fake as unknown as Response;
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function* streamOf(...items: ServerSentItem[]): AsyncGenerator<ServerSentItem> {
  for (const item of items) {
    await Promise.resolve();
    yield item;
  }
}

describe(sendEventStream.name, () => {
  it('frames events, ids and comments as API.md shows them', () => {
    expect(frameServerSentItem({ event: 'delta', data: { text: 'a' } })).toBe(
      'event: delta\ndata: {"text":"a"}\n\n',
    );
    expect(frameServerSentItem({ event: 'message', id: '1-0', data: { id: '1-0' } })).toBe(
      'id: 1-0\nevent: message\ndata: {"id":"1-0"}\n\n',
    );
    expect(frameServerSentItem({ comment: 'heartbeat' })).toBe(': heartbeat\n\n');
  });

  it('writes the event-stream head with the first item and ends with the iterable', async () => {
    const response = new FakeResponse();
    await sendEventStream(asResponse(response), () =>
      streamOf({ comment: 'connected' }, { event: 'done', data: { ok: true } }),
    );
    expect(response.head).toEqual({
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      },
    });
    expect(response.written).toEqual([': connected\n\n', 'event: done\ndata: {"ok":true}\n\n']);
    expect(response.writableFinished).toBe(true);
  });

  it('rejects with an error thrown before the first item, having written nothing', async () => {
    const response = new FakeResponse();
    const failing = (): AsyncIterable<ServerSentItem> => ({
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(new Error('session store down')) }),
    });
    await expect(sendEventStream(asResponse(response), failing)).rejects.toThrow('session store down');
    expect(response.head).toBeNull();
    expect(response.written).toEqual([]);
  });

  it('aborts the source when the client goes away and writes nothing more', async () => {
    const response = new FakeResponse();
    let aborted = false;
    let release: () => void = () => undefined;
    async function* items(signal: AbortSignal): AsyncGenerator<ServerSentItem> {
      signal.addEventListener('abort', () => (aborted = true));
      yield { event: 'session', data: {} };
      await new Promise<void>((resolve) => (release = resolve));
      yield { event: 'delta', data: { text: 'late' } };
    }
    const sent = sendEventStream(asResponse(response), (signal) => items(signal));
    await tick();
    response.hangUp();
    expect(aborted).toBe(true);
    release();
    await sent;
    expect(response.written).toEqual(['event: session\ndata: {}\n\n']);
  });

  it('waits for the socket to drain before the next write', async () => {
    const response = new FakeResponse();
    response.full = true;
    const sent = sendEventStream(asResponse(response), () => streamOf({ comment: 'a' }, { comment: 'b' }));
    await tick();
    expect(response.written).toEqual([': a\n\n']);
    response.full = false;
    response.emit('drain');
    await sent;
    expect(response.written).toEqual([': a\n\n', ': b\n\n']);
  });
});
