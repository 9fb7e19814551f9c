import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { eventually, waitFor } from './support/eventually';
import { SseClient } from './support/sse-client';
import { startTestApp, TestApp } from './support/test-app';

describe('POST /v1/query/stream (e2e, Redis + fake OpenAI streaming)', () => {
  let fake: FakeOpenAiServer;
  let sut: TestApp;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    sut = await startTestApp({
      env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: fake.baseUrl, AI_TIMEOUT_MS: '3000' },
    });
  });
  afterAll(async () => {
    await sut.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const stream = (body: object) => SseClient.open(`${sut.url}/v1/query/stream`, {}, { method: 'POST', body });
  const historyOf = async (id: string) =>
    (await request(sut.server).get(`/v1/sessions/${id}/history`).expect(200)).body.turns;

  it('sends session, deltas that concatenate to done.text, then done; the turn is in history', async () => {
    fake.respond = () => 'The Hall of Supreme Harmony is the largest hall.';
    const sse = await stream({ text: 'what is the biggest hall?' });
    expect(sse.response.statusCode).toBe(200);
    expect(sse.response.headers['content-type']).toMatch(/^text\/event-stream/);
    await sse.waitForEnd();
    const names = sse.events.map((e) => e.event);
    expect(names[0]).toBe('session');
    expect(names.at(-1)).toBe('done');
    expect(names.slice(1, -1).every((name) => name === 'delta')).toBe(true);
    expect(names.length).toBeGreaterThan(3); // several deltas
    const session = JSON.parse(sse.events[0].data);
    expect(session).toEqual({ sessionId: expect.any(String), sessionCreated: true });
    const done = JSON.parse(sse.events.at(-1)!.data);
    const deltas = sse.events.slice(1, -1).map((e) => JSON.parse(e.data).text as string);
    expect(deltas.join('')).toBe(done.text);
    expect(done).toEqual({
      seq: 2,
      text: 'The Hall of Supreme Harmony is the largest hall.',
      createdAt: expect.any(String),
    });
    expect(fake.requests[0].stream).toBe(true);
    expect(await historyOf(session.sessionId)).toEqual([
      { seq: 1, role: 'user', text: 'what is the biggest hall?', createdAt: expect.any(String) },
      { seq: 2, role: 'assistant', text: done.text, createdAt: done.createdAt },
    ]);
    // The same session continues.
    const next = await stream({ sessionId: session.sessionId, text: 'and the smallest?' });
    await next.waitForEnd();
    expect(JSON.parse(next.events[0].data)).toEqual({ sessionId: session.sessionId, sessionCreated: false });
    expect(JSON.parse(next.events.at(-1)!.data).seq).toBe(4);
  });

  it('sends an error event and stores no turn when the model fails', async () => {
    const { sessionId } = (await request(sut.server).post('/v1/sessions').send({}).expect(201)).body;
    fake.fail(true);
    const sse = await stream({ sessionId, text: 'during the outage' });
    await sse.waitForEnd();
    expect(sse.events.map((e) => e.event)).toEqual(['session', 'error']);
    expect(JSON.parse(sse.events[1].data)).toEqual({ code: 'AI_UNAVAILABLE', message: expect.any(String) });
    expect(await historyOf(sessionId)).toEqual([]);
  });

  it('answers validation errors as a JSON envelope before the stream opens', async () => {
    const response = await request(sut.server).post('/v1/query/stream').send({ text: '' }).expect(400);
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('aborts the model call and stores nothing when the client goes away mid-stream', async () => {
    const { sessionId } = (await request(sut.server).post('/v1/sessions').send({}).expect(201)).body;
    fake.chunkDelayMs = 100;
    fake.respond = () => 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen';
    const { completed, cut } = fake.streams;
    const sse = await stream({ sessionId, text: 'tell me a long story' });
    await sse.waitFor(2); // session + the first delta
    sse.close();
    await eventually(
      () => Promise.resolve(fake.inFlight),
      (n) => n === 0,
      5000,
    );
    // The model call was aborted, not read to its end (the fake saw its client go before the last word).
    await waitFor('the fake to notice the aborted stream', () => fake.streams.cut > cut);
    expect(fake.streams.completed).toBe(completed);
    // A later exchange on the session, stored after it: the aborted one left nothing before it.
    fake.chunkDelayMs = 0;
    fake.respond = () => 'short';
    await request(sut.server).post('/v1/query').send({ sessionId, text: 'and now?' }).expect(200);
    expect(
      (await historyOf(sessionId)).map((turn: { role: string; text: string }) => [turn.role, turn.text]),
    ).toEqual([
      ['user', 'and now?'],
      ['assistant', 'short'],
    ]);
    const view = (await request(sut.server).get(`/v1/sessions/${sessionId}`).expect(200)).body;
    expect(view.turnCount).toBe(2);
  });
});

describe('POST /v1/query/stream rate limit (e2e)', () => {
  it('charges a query naming its session in the first store step: one budget for both routes', async () => {
    const sut = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const first = await request(sut.server).post('/v1/query').send({ text: 'one' }).expect(200);
      const { sessionId } = first.body as { sessionId: string };
      await request(sut.server).post('/v1/query').send({ sessionId, text: 'two' }).expect(200);
      const limited = await request(sut.server)
        .post('/v1/query/stream')
        .send({ sessionId, text: 'three' })
        .expect(429);
      expect(limited.body.error.code).toBe('RATE_LIMITED');
      await request(sut.server).post('/v1/query').send({ text: 'four' }).expect(429);
      const history = await request(sut.server).get(`/v1/sessions/${sessionId}/history`).expect(200);
      expect(history.body.turns.map((turn: { text: string }) => turn.text)).toEqual([
        'one',
        expect.any(String),
        'two',
        expect.any(String),
      ]);
    } finally {
      await sut.close();
    }
  });

  it('answers 429 RATE_LIMITED as a JSON envelope, before any stream opens', async () => {
    const sut = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '1' } });
    try {
      await request(sut.server).post('/v1/query/stream').send({ text: 'one' }).expect(200);
      const limited = await request(sut.server).post('/v1/query/stream').send({ text: 'two' }).expect(429);
      expect(limited.body.error.code).toBe('RATE_LIMITED');
    } finally {
      await sut.close();
    }
  });
});
