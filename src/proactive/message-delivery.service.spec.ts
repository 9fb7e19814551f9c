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
