import request from 'supertest';
import { ProactiveMessage, TourApiError, TourClient, Transport } from '../../clients/typescript/src';
import { eventually } from '../support/sse-client';
import { TcpProxy } from '../support/tcp-proxy';
import { ADMIN_TOKEN, startTestApp, TestApp } from '../support/test-app';

/** The client's subscription to pushes, against the real service (Redis, BullMQ jobs) through a TCP proxy. */
describe('TourClient.messages (e2e, Redis, SSE resume and long-poll fallback)', () => {
  let app: TestApp;
  let proxy: TcpProxy;

  beforeAll(async () => {
    app = await startTestApp();
    proxy = await TcpProxy.start(app.url);
  });
  afterAll(async () => {
    await proxy.close();
    await app.close();
  });
  beforeEach(() => proxy.refuse(false));

  const retry = { attempts: 4, baseDelayMs: 20, maxDelayMs: 200 };
  const broadcast = (text: string) =>
    request(app.server)
      .post('/v1/admin/broadcast')
      .set('authorization', `Bearer ${ADMIN_TOKEN}`)
      .send({ text })
      .expect(202);
  /** Every message of the session in order, read straight from the service (SSE acknowledges nothing). */
  const storedMessages = async (id: string) =>
    (await request(app.server).get(`/v1/sessions/${id}/messages`).expect(200)).body
      .messages as ProactiveMessage[];
  /** The proactive turns of the session's history (the messages stored, acknowledged or not). */
  const proactiveTexts = async (id: string) =>
    (
      (await request(app.server).get(`/v1/sessions/${id}/history`).expect(200)).body.turns as Array<{
        role: string;
        text: string;
      }>
    )
      .filter((turn) => turn.role === 'proactive')
      .map((turn) => turn.text);

  /** Waits, polling, until `check` holds. */
  const until = (check: () => boolean, timeoutMs = 15000) =>
    eventually(() => Promise.resolve(check()), Boolean, timeoutMs);

  /** Collects a subscription's messages in the background until it ends. */
  function collect(messages: AsyncIterable<ProactiveMessage>) {
    const received: ProactiveMessage[] = [];
    const ended = (async () => {
      for await (const message of messages) received.push(message);
    })();
    ended.catch(() => undefined);
    return { received, ended };
  }

  it('resumes a dropped SSE connection with Last-Event-ID: no gap, no repeat', async () => {
    const sut = new TourClient({ baseUrl: proxy.url, retry });
    const id = await sut.ensureSession();
    const subscription = sut.messages();
    const { received } = collect(subscription);
    await until(() => proxy.openConnections > 0);
    await broadcast('first');
    await broadcast('second');
    await until(() => received.length === 2);

    proxy.refuse(true); // the connection drops, and reconnecting fails for a while
    await broadcast('third, while the app is offline');
    await broadcast('fourth, while the app is offline');
    await eventually(
      () => proactiveTexts(id),
      (texts) => texts.length === 4,
      15000,
    );
    expect(received).toHaveLength(2);
    proxy.refuse(false);

    await until(() => received.length >= 4);
    await broadcast('fifth, live again');
    await until(() => received.length >= 5);
    subscription.close();

    const stored = await storedMessages(id);
    expect(received.map((m) => m.id)).toEqual(stored.map((m) => m.id));
    expect(received.map((m) => m.text)).toEqual([
      expect.stringContaining('first'),
      expect.stringContaining('second'),
      expect.stringContaining('third'),
      expect.stringContaining('fourth'),
      expect.stringContaining('fifth'),
    ]);
    expect(received.every((m) => m.kind === 'broadcast')).toBe(true);
    const resumed = proxy.requests.filter((head) => head.startsWith(`GET /v1/sessions/${id}/events`));
    expect(resumed.length).toBeGreaterThanOrEqual(2);
    expect(resumed.at(-1)).toMatch(new RegExp(`^last-event-id: ${stored[1].id}$`, 'im'));
    expect(subscription.lastEventId).toBe(stored[4].id);
  });

  it('falls back to long-poll where the runtime gives no streaming body, and resumes it after a drop', async () => {
    // A fetch without streaming bodies (as in some embedded web views): the event stream is unreadable.
    const noStreaming = async (input: Request): Promise<Response> => {
      const response = await fetch(input);
      if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) return response;
      await response.body?.cancel();
      return { ok: response.ok, status: response.status, headers: response.headers, body: null } as Response;
    };
    const transports: Transport[] = [];
    const sut = new TourClient({ baseUrl: proxy.url, retry, fetch: noStreaming });
    const id = await sut.ensureSession();
    const subscription = sut.messages({ waitSeconds: 5, onTransport: (t) => transports.push(t) });
    const { received } = collect(subscription);
    await until(() => transports.includes('long-poll'));
    await broadcast('one');
    await until(() => received.length === 1);
    proxy.refuse(true); // the held long-poll is cut
    await broadcast('two, while offline');
    await eventually(
      () => proactiveTexts(id),
      (texts) => texts.some((text) => text.includes('two')),
      15000,
    );
    expect(received).toHaveLength(1);
    proxy.refuse(false);
    await broadcast('three');
    await until(() => received.length >= 3);
    const polls = () => proxy.requests.filter((head) => head.startsWith(`GET /v1/sessions/${id}/messages`));
    // The poll after the third message goes out once that message has been handed over: wait for it.
    await until(() => polls().some((head) => head.includes(`after=${encodeURIComponent(received[2].id)}`)));
    subscription.close();
    expect(transports).toEqual(['sse', 'long-poll']);
    expect(received.map((m) => m.text)).toEqual([
      expect.stringContaining('one'),
      expect.stringContaining('two'),
      expect.stringContaining('three'),
    ]);
    expect(polls().at(-1)).toContain(`after=${encodeURIComponent(received[2].id)}`);
  });

  it('ends with SESSION_NOT_FOUND when the session is gone', async () => {
    const sut = new TourClient({ baseUrl: proxy.url, retry });
    const id = await sut.ensureSession();
    const { ended } = collect(sut.messages());
    await until(() => proxy.openConnections > 0);
    await request(app.server).delete(`/v1/sessions/${id}`).expect(204);
    const error = await ended.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TourApiError);
    expect(error).toMatchObject({ status: 404, code: 'SESSION_NOT_FOUND' });
  });
});
