import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { ManualClock } from '../../test/support/manual-clock';
import { loadConfig } from '../config/load-config';
import { embeddedSessions } from '../sessions/embedded-sessions.kit';
import { MetricsService } from '../observability';
import { MessageDelivery } from './message-delivery.service';
import { MessageHub } from './message-hub.service';
import { LocalMessageNotifier } from './message-notifier.port';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ProactiveOutbox } from './proactive-outbox.service';

/**
 * Just enough of an express Response for an SSE stream: what was written, whether it ended, and a
 * socket buffer that fills up when a client does not read (`takes` says how many frames it holds).
 */
class FakeSseResponse extends EventEmitter {
  readonly written: string[] = [];
  ended = false;
  destroyed = false;
  writeHead = jest.fn();
  writableFinished = false;
  writableEnded = false;
  writableNeedDrain = false;
  private buffered = 0;
  constructor(private readonly holds = Infinity) {
    super();
  }
  write(chunk: string): boolean {
    this.written.push(chunk);
    this.buffered += 1;
    this.writableNeedDrain = this.buffered >= this.holds;
    return !this.writableNeedDrain;
  }
  end(): this {
    this.ended = true;
    this.writableFinished = true;
    this.writableEnded = true;
    this.emit('close');
    return this;
  }
  /** The client reads all that was written. */
  drain(): void {
    this.buffered = 0;
    this.writableNeedDrain = false;
    this.emit('drain');
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
    sut.openStream(sessionId, null, response as unknown as Response);
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

  it('writes nothing more to a client that does not read, then sends everything once, in order', async () => {
    const ids = await Promise.all(
      [1, 2].map(async () => (await embedded.sessions.create({}, { ip: null, userAgent: null })).id),
    );
    // Its socket takes 10 frames and then is full until the client reads.
    const [slow, other] = ids.map((id) => {
      const response = new FakeSseResponse(10);
      sut.openStream(id, null, response as unknown as Response);
      return response;
    });
    await settle(); // the first reads (nothing pending)
    const sent: string[] = [];
    // 180 messages: within the outbox's length (200), so the store still has all of them.
    for (let i = 0; i < 90; i++) {
      // Broadcast batches (carried messages) and single messages (a read from the store) alike.
      const batch = await outbox.sendToEach(ids, 'broadcast', `note ${i}`);
      const single = await outbox.send(ids[0], 'tip', `tip ${i}`);
      sent.push(batch[0]!.id, single!.id);
      await settle();
      await clock.advance(1000); // heartbeats and fallback re-reads keep coming
    }
    // Nobody read: nothing was written past the full socket, the rest waits in the store.
    expect(slow.written).toHaveLength(10);
    expect(other.written).toHaveLength(10);
    // The client reads now: what was held back comes from the store, never more than the socket takes.
    for (let reads = 0; reads < 100 && slow.writableNeedDrain; reads++) {
      const before = slow.written.length;
      slow.drain();
      await settle();
      expect(slow.written.length - before).toBeLessThanOrEqual(10);
    }
    const received = slow.written.flatMap((frame) => /^id: (\S+)/.exec(frame)?.[1] ?? []);
    expect(received).toEqual(sent);
    expect(slow.written[0]).toBe(': connected\n\n');
  });
});
