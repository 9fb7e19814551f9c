import request from 'supertest';
import { FakeOpenAiServer, lastUserText } from './support/fake-openai.server';
import { startTestApp, TestApp } from './support/test-app';
import { ShiftedClock } from './support/manual-clock';

const PNG_1PX =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('POST /v1/query (e2e, Redis + fake OpenAI)', () => {
  let fake: FakeOpenAiServer;
  let sut: TestApp;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    sut = await startTestApp({
      env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: fake.baseUrl, AI_TIMEOUT_MS: '2000' },
    });
  });
  afterAll(async () => {
    await sut.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const ask = (body: object) => request(sut.server).post('/v1/query').send(body);
  const historyOf = async (id: string) =>
    (await request(sut.server).get(`/v1/sessions/${id}/history?limit=200`).expect(200)).body.turns;

  describe('the unknown-id rule', () => {
    it.each([
      ['absent', {}],
      ['malformed', { sessionId: 'not-a-session-id' }],
      ['unknown', { sessionId: '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d' }],
    ])('creates a new session when the id is %s', async (_, extra) => {
      const response = await ask({ text: 'hello', ...extra }).expect(200);
      expect(response.body).toMatchObject({ sessionCreated: true, answer: { seq: 2, text: 'echo: hello' } });
      expect(response.body.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.body.sessionId).not.toBe((extra as { sessionId?: string }).sessionId);
    });

    it('creates a new session when the id has expired', async () => {
      const clock = new ShiftedClock();
      const short = await startTestApp({
        clock,
        env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: fake.baseUrl, SESSION_IDLE_TTL_SECONDS: '1' },
      });
      try {
        const first = await request(short.server).post('/v1/query').send({ text: 'one' }).expect(200);
        clock.skip(1100); // past the 1 s TTL
        const second = await request(short.server)
          .post('/v1/query')
          .send({ text: 'two', sessionId: first.body.sessionId })
          .expect(200);
        expect(second.body.sessionCreated).toBe(true);
        expect(second.body.sessionId).not.toBe(first.body.sessionId);
      } finally {
        await short.close();
      }
    });

    it('continues a live session', async () => {
      const first = await ask({ text: 'one' }).expect(200);
      const second = await ask({ text: 'two', sessionId: first.body.sessionId }).expect(200);
      expect(second.body).toMatchObject({
        sessionId: first.body.sessionId,
        sessionCreated: false,
        answer: { seq: 4 },
      });
    });
  });

  it('stores history in order as user/answer pairs with increasing seq', async () => {
    const { sessionId } = (await ask({ text: 'q1' }).expect(200)).body;
    await ask({ sessionId, text: 'q2' }).expect(200);
    expect(await historyOf(sessionId)).toEqual([
      { seq: 1, role: 'user', text: 'q1', createdAt: expect.any(String) },
      { seq: 2, role: 'assistant', text: 'echo: q1', createdAt: expect.any(String) },
      { seq: 3, role: 'user', text: 'q2', createdAt: expect.any(String) },
      { seq: 4, role: 'assistant', text: 'echo: q2', createdAt: expect.any(String) },
    ]);
  });

  it('sends the first two exchanges as context of the third model request', async () => {
    const { sessionId } = (await ask({ text: 'first question' }).expect(200)).body;
    await ask({ sessionId, text: 'second question' }).expect(200);
    await ask({ sessionId, text: 'third question' }).expect(200);
    expect(fake.requests).toHaveLength(3);
    const messages = fake.requests[2].messages;
    expect(messages[0].role).toBe('system');
    expect(messages.slice(1)).toEqual([
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'echo: first question' },
      { role: 'user', content: 'second question' },
      { role: 'assistant', content: 'echo: second question' },
      { role: 'user', content: 'third question' },
    ]);
    expect(fake.requests[2].model).toBe('gpt-4o-mini');
  });

  it('sends an image as an image_url part and marks the turn', async () => {
    const { sessionId } = (await ask({ text: 'what is this?', image: PNG_1PX }).expect(200)).body;
    expect(fake.requests[0].messages.at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'what is this?' },
        { type: 'image_url', image_url: { url: PNG_1PX } },
      ],
    });
    expect((await historyOf(sessionId))[0]).toMatchObject({ role: 'user', hasImage: true });
  });

  it('puts the locale and the nearby POIs in the system message when a location is known', async () => {
    await ask({ text: 'where am I?', location: { lat: 39.9149, lon: 116.3905 } }).expect(200);
    const system = String(fake.requests[0].messages[0].content);
    expect(system).toContain('zh-CN');
    expect(system).toMatch(/午门|Meridian Gate/);
  });

  it('answers 50 concurrent queries on one session with exactly 100 turns, each question followed by its answer', async () => {
    const { sessionId } = (await request(sut.server).post('/v1/sessions').send({}).expect(201)).body;
    fake.respond = async (body) => {
      // Model latency of up to 30 ms, so the answers come back out of order (not a wait of the test's).
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
      return `answer to ${lastUserText(body)}`;
    };
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => ask({ sessionId, text: `question ${i}` }).expect(200)),
    );
    expect(answers.every((a) => a.body.sessionId === sessionId && !a.body.sessionCreated)).toBe(true);
    const turns = await historyOf(sessionId);
    expect(turns).toHaveLength(100);
    expect(turns.map((t: { seq: number }) => t.seq)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    for (let i = 0; i < 100; i += 2) {
      expect(turns[i].role).toBe('user');
      expect(turns[i + 1]).toMatchObject({ role: 'assistant', text: `answer to ${turns[i].text}` });
    }
    expect(
      new Set(turns.filter((t: { role: string }) => t.role === 'user').map((t: { text: string }) => t.text))
        .size,
    ).toBe(50);
  });

  it('answers 503 AI_UNAVAILABLE with the session id and leaves history unchanged when the model fails', async () => {
    const { sessionId } = (await ask({ text: 'before' }).expect(200)).body;
    fake.fail(true);
    const response = await ask({ sessionId, text: 'during outage' }).expect(503);
    expect(response.body).toEqual({
      error: { code: 'AI_UNAVAILABLE', message: expect.any(String), details: [{ sessionId }] },
      requestId: response.headers['x-request-id'],
    });
    fake.fail(false);
    expect((await historyOf(sessionId)).map((t: { text: string }) => t.text)).toEqual([
      'before',
      'echo: before',
    ]);
  });

  it('does not recreate a session deleted while its model call is in flight', async () => {
    const { sessionId } = (await ask({ text: 'hello' }).expect(200)).body;
    fake.setDelay(300);
    const inFlight = ask({ sessionId, text: 'slow question' });
    const done = inFlight.then((response) => response);
    await fake.waitForRequests(2);
    await request(sut.server).delete(`/v1/sessions/${sessionId}`).expect(204);
    const response = await done;
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('SESSION_NOT_FOUND');
    await request(sut.server).get(`/v1/sessions/${sessionId}`).expect(404);
    expect(await sut.sessionKeys(sessionId)).toEqual([]);
  });
});
