import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { ManualClock } from '../../test/support/manual-clock';
import { loadConfig } from '../config/load-config';
import { embeddedSessions } from '../sessions/embedded-sessions.kit';
import { MetricsService } from '../observability';
import { sendEventStream } from '../common/http/event-stream';
import { MessageDelivery } from './message-delivery.service';
import { messageStreamEvents } from './message-stream.events';
import { MessageHub } from './message-hub.service';
import { LocalMessageNotifier } from './message-notifier.port';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AsyncChannel } from '../common/async-channel';
import { ProactiveOutbox } from './proactive-outbox.service';
import { MessageStreamItem } from './message-views';
import { STREAM_BUFFER_LIMIT } from './session-message-stream';

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
  let clock: ManualClock;
  let embedded: ReturnType<typeof embeddedSessions>;
  let hub: MessageHub;
  let sut: MessageDelivery;
  let sessionId: string;

  beforeEach(async () => {
    clock = new ManualClock();
    embedded = embeddedSessions(loadConfig({}), clock);
    sessionId = (await embedded.sessions.create({}, { ip: null, userAgent: null })).id;
    hub = new MessageHub(new LocalMessageNotifier(), clock, clock);
    await hub.onModuleInit();
    sut = new MessageDelivery(embedded.sessions, hub, new MetricsService(), clock);
  });
  afterEach(async () => {
    await hub.onModuleDestroy();
    embedded.remove();
  });

  const open = (): FakeSseResponse => {
    const response = new FakeSseResponse();
    void sendEventStream(response as unknown as Response, (signal) =>
      messageStreamEvents(sut.events(sessionId, null, signal)),
    );
    return response;
  };
  const heartbeats = (response: FakeSseResponse) =>
    response.written.filter((chunk) => chunk === ': heartbeat\n\n').length;

  it('writes a heartbeat every 15 s and ends the stream at the first one that finds the session gone', async () => {
    const response = open();
    await clock.advance(15_000);
    expect(heartbeats(response)).toBe(1);
    expect(response.ended).toBe(false);
    await embedded.sessions.destroy(sessionId, 'client_closed');
    await clock.advance(15_000);
    expect(heartbeats(response)).toBe(2);
    expect(response.ended).toBe(true);
    expect(hub.waiterCount).toBe(0);
  });

  it('keeps the stream open when the store cannot say (it checks again at the next heartbeat)', async () => {
    const response = open();
    await embedded.sessions.destroy(sessionId, 'client_closed');
    // The store fails the first heartbeat's check: the in-process twin with one fault injected.
    jest.spyOn(embedded.repository, 'find').mockRejectedValueOnce(new Error('store down'));
    await clock.advance(15_000);
    expect(response.ended).toBe(false);
    await clock.advance(15_000);
    expect(response.ended).toBe(true);
  });
});

describe(`${MessageDelivery.name} SSE backpressure`, () => {
  let clock: ManualClock;
  let embedded: ReturnType<typeof embeddedSessions>;
  let hub: MessageHub;
  let outbox: ProactiveOutbox;
  let sut: MessageDelivery;

  beforeEach(async () => {
    clock = new ManualClock();
    embedded = embeddedSessions(loadConfig({}), clock);
    hub = new MessageHub(new LocalMessageNotifier(), clock, clock);
    await hub.onModuleInit();
    outbox = new ProactiveOutbox(embedded.sessions, hub, new EventEmitter2());
    sut = new MessageDelivery(embedded.sessions, hub, new MetricsService(), clock);
  });
  afterEach(async () => {
    await hub.onModuleDestroy();
    embedded.remove();
  });

  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('holds at most its limit for a client that does not read, then sends everything once, in order', async () => {
    const ids = await Promise.all(
      [1, 2].map(async () => (await embedded.sessions.create({}, { ip: null, userAgent: null })).id),
    );
    const [slow, other] = ids.map(
      (id) => sut.events(id, null, new AbortController().signal) as AsyncChannel<MessageStreamItem>,
    );
    await settle(); // the first reads (nothing pending)
    const sent: string[] = [];
    for (let i = 0; i < 90; i++) {
      // 180 messages: within the outbox's length (200), so the store still has all of them.
      // Broadcast batches (carried messages) and single messages (a read from the store) alike.
      const batch = await outbox.sendToEach(ids, 'broadcast', `note ${i}`);
      const single = await outbox.send(ids[0], 'tip', `tip ${i}`);
      sent.push(batch[0]!.id, single!.id);
      await settle();
      await clock.advance(1000); // heartbeats and fallback re-reads keep coming
    }
    // Nobody has taken an item: the stream held back, and the rest waits in the store.
    expect(slow.size).toBeLessThanOrEqual(STREAM_BUFFER_LIMIT);
    expect(other.size).toBeLessThanOrEqual(STREAM_BUFFER_LIMIT);
    // The client reads now: what was held back comes from the store, at most the limit ahead of it.
    const received: string[] = [];
    const reader = slow[Symbol.asyncIterator]();
    for (;;) {
      if (slow.size === 0) await settle(); // the stream reads on once all pushed was taken
      if (slow.size === 0) break;
      const item = (await reader.next()).value as MessageStreamItem;
      if (item.kind === 'message') received.push(item.message.id);
      expect(slow.size).toBeLessThanOrEqual(STREAM_BUFFER_LIMIT);
    }
    expect(received).toEqual(sent);
  });
});
