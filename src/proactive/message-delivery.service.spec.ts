import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { systemClock, systemTimers } from '../common/clock';
import { SessionService } from '../sessions';
import { MetricsService } from '../observability';
import { sendEventStream } from '../common/http/event-stream';
import { MessageDelivery } from './message-delivery.service';
import { messageStreamEvents } from './message-stream.events';
import { MessageHub } from './message-hub.service';
import { LocalMessageNotifier } from './message-notifier.port';

/** Just enough of an express Response for an SSE stream: what was written, and whether it ended. */
class FakeSseResponse extends EventEmitter {
  readonly written: string[] = [];
  ended = false;
  writeHead = jest.fn();
  writableFinished = false;
  write(chunk: string): boolean {
    this.written.push(chunk);
    return true;
  }
  end(): this {
    this.ended = true;
    this.writableFinished = true;
    this.emit('close');
    return this;
  }
}

describe(`${MessageDelivery.name} SSE heartbeat`, () => {
  const find = jest.fn();
  const sessions = {
    find,
    messagesAfter: jest.fn().mockResolvedValue({ messages: [], pending: 0 }),
  } as unknown as SessionService;
  let hub: MessageHub;
  let sut: MessageDelivery;

  beforeEach(async () => {
    jest.useFakeTimers();
    find.mockReset();
    hub = new MessageHub(new LocalMessageNotifier(), systemClock, systemTimers);
    await hub.onModuleInit();
    sut = new MessageDelivery(sessions, hub, new MetricsService(), systemClock);
  });
  afterEach(async () => {
    await hub.onModuleDestroy();
    jest.useRealTimers();
  });

  const open = (): FakeSseResponse => {
    const response = new FakeSseResponse();
    void sendEventStream(response as unknown as Response, (signal) =>
      messageStreamEvents(sut.events('s1', null, signal)),
    );
    return response;
  };

  it('writes a heartbeat every 15 s and ends the stream at the first one that finds the session gone', async () => {
    find.mockResolvedValueOnce({ id: 's1' }).mockResolvedValueOnce(null);
    const response = open();
    await jest.advanceTimersByTimeAsync(15_000);
    expect(response.written.filter((chunk) => chunk === ': heartbeat\n\n')).toHaveLength(1);
    expect(response.ended).toBe(false);
    await jest.advanceTimersByTimeAsync(15_000);
    expect(response.written.filter((chunk) => chunk === ': heartbeat\n\n')).toHaveLength(2);
    expect(response.ended).toBe(true);
    expect(hub.waiterCount).toBe(0);
  });

  it('keeps the stream open when the store cannot say (it checks again at the next heartbeat)', async () => {
    find.mockRejectedValueOnce(new Error('store down')).mockResolvedValueOnce(null);
    const response = open();
    await jest.advanceTimersByTimeAsync(15_000);
    expect(response.ended).toBe(false);
    await jest.advanceTimersByTimeAsync(15_000);
    expect(response.ended).toBe(true);
  });
});
