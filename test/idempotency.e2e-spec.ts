import request from 'supertest';
import { SESSION_REPOSITORY, SessionRepository } from '../src/sessions/session.repository';
import { StoreUnavailableError } from '../src/common/api-error';
import { textFingerprint } from '../src/sessions/idempotency-keys.service';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { SseClient } from './support/sse-client';
import { startTestApp, TestApp } from './support/test-app';
import { testPrefix } from './support/redis';

interface Answer {
  sessionId: string;
  sessionCreated: boolean;
  answer: { seq: number; text: string; createdAt: string };
}

/** API.md "Retries: Idempotency-Key": two instances on one Redis, the real SDK against the fake model. */
describe('Idempotency-Key on /v1/query and /v1/query/stream (e2e, two instances, fake OpenAI)', () => {
  let fake: FakeOpenAiServer;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    const env = {
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: fake.baseUrl,
      AI_TIMEOUT_MS: '3000',
      REDIS_KEY_PREFIX: testPrefix('idem'),
    };
    a = await startTestApp({ env, keepKeys: true });
    b = await startTestApp({ env });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const newSession = async (app: TestApp = a): Promise<string> =>
    (await request(app.server).post('/v1/sessions').send({}).expect(201)).body.sessionId as string;
  const ask = (app: TestApp, body: object, key?: string) => {
    const call = request(app.server).post('/v1/query');
    return (key === undefined ? call : call.set('Idempotency-Key', key)).send(body);
  };
  const historyOf = async (id: string) =>
    (await request(a.server).get(`/v1/sessions/${id}/history?limit=200`).expect(200)).body.turns as Array<{
      seq: number;
      role: string;
      text: string;
    }>;
  const stream = (app: TestApp, body: object, key: string) =>
    SseClient.open(`${app.url}/v1/query/stream`, { 'idempotency-key': key }, { method: 'POST', body });

  it('answers a repeat with the stored answer: same seq, text and createdAt, one model call, one pair', async () => {
    const sessionId = await newSession();
    const first = await ask(a, { sessionId, text: 'Where is the gate?' }, 'retry-1').expect(200);
    const repeat = await ask(b, { sessionId, text: 'Where is the gate?' }, 'retry-1').expect(200);
    expect((repeat.body as Answer).answer).toEqual((first.body as Answer).answer);
    expect(repeat.body).toMatchObject({ sessionId, sessionCreated: false });
    expect(fake.requests).toHaveLength(1);
    expect((await historyOf(sessionId)).map((turn) => [turn.seq, turn.role, turn.text])).toEqual([
      [1, 'user', 'Where is the gate?'],
      [2, 'assistant', 'echo: Where is the gate?'],
    ]);
    // Another key is another question, asked again.
    const other = await ask(a, { sessionId, text: 'Where is the gate?' }, 'retry-2').expect(200);
    expect(other.body.answer.seq).toBe(4);
    expect(fake.requests).toHaveLength(2);
  });

  it('stores one pair for two concurrent requests with one new key, on two instances, and both get that answer', async () => {
    const sessionId = await newSession();
    fake.setDelay(800);
    const [onA, onB] = await Promise.all([
      ask(a, { sessionId, text: 'Tell me about the hall' }, 'concurrent-1'),
      ask(b, { sessionId, text: 'Tell me about the hall' }, 'concurrent-1'),
    ]);
    expect([onA.status, onB.status]).toEqual([200, 200]);
    expect((onB.body as Answer).answer).toEqual((onA.body as Answer).answer);
    expect(fake.requests).toHaveLength(1);
    const history = await historyOf(sessionId);
    expect(history.map((turn) => turn.role)).toEqual(['user', 'assistant']);
    expect(history[1].seq).toBe(onA.body.answer.seq);
  });

  it('answers 409 CONFLICT for the same key with another text, and stores nothing', async () => {
    const sessionId = await newSession();
    await ask(a, { sessionId, text: 'first question' }, 'conflict-1').expect(200);
    const conflict = await ask(b, { sessionId, text: 'another question' }, 'conflict-1').expect(409);
    expect(conflict.body.error.code).toBe('CONFLICT');
    expect(conflict.body.requestId).toBe(conflict.headers['x-request-id']);
    const streamed = await stream(a, { sessionId, text: 'another question' }, 'conflict-1');
    expect(streamed.response.statusCode).toBe(409);
    expect(JSON.parse(await streamed.text()).error.code).toBe('CONFLICT');
    expect(await historyOf(sessionId)).toHaveLength(2);
    expect(fake.requests).toHaveLength(1);
  });

  it('replays on the stream: session, one delta with the whole text, done; the first may have been either endpoint', async () => {
    fake.respond = () => 'The Meridian Gate is the southern entrance.';
    const sessionId = await newSession();
    const first = await stream(a, { sessionId, text: 'Which gate?' }, 'stream-1');
    await first.waitForEnd();
    const firstDone = JSON.parse(first.events.at(-1)!.data);
    expect(first.events.length).toBeGreaterThan(3); // several deltas the first time

    const replay = await stream(b, { sessionId, text: 'Which gate?' }, 'stream-1');
    await replay.waitForEnd();
    expect(replay.events.map((event) => [event.event, JSON.parse(event.data)])).toEqual([
      ['session', { sessionId, sessionCreated: false }],
      ['delta', { text: 'The Meridian Gate is the southern entrance.' }],
      ['done', firstDone],
    ]);
    const json = await ask(a, { sessionId, text: 'Which gate?' }, 'stream-1').expect(200);
    expect(json.body.answer).toEqual(firstDone);

    await ask(a, { sessionId, text: 'And the north?' }, 'json-first').expect(200);
    const fromJson = await stream(b, { sessionId, text: 'And the north?' }, 'json-first');
    await fromJson.waitForEnd();
    expect(fromJson.events.map((event) => event.event)).toEqual(['session', 'delta', 'done']);
    expect(JSON.parse(fromJson.events[2].data).seq).toBe(4);
    expect(fake.requests).toHaveLength(2);
    expect(await historyOf(sessionId)).toHaveLength(4);
  });

  it.each([
    ['empty', ''],
    ['65 characters', 'k'.repeat(65)],
    ['a space', 'a b'],
    ['a dot', 'a.b'],
    ['a non-ASCII letter', 'schlüssel'],
  ])(
    'answers 400 VALIDATION_FAILED for a key with %s, on both endpoints, without calling the model',
    async (_, key) => {
      const sessionId = await newSession();
      const response = await ask(a, { sessionId, text: 'hello' }, key).expect(400);
      expect(response.body.error).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ field: 'Idempotency-Key', message: expect.any(String) }],
      });
      const streamed = await request(a.server)
        .post('/v1/query/stream')
        .set('Idempotency-Key', key)
        .send({ sessionId, text: 'hello' })
        .expect(400);
      expect(streamed.body.error.code).toBe('VALIDATION_FAILED');
      expect(fake.requests).toHaveLength(0);
    },
  );

  it('answers 400 for two Idempotency-Key headers, and accepts 64 characters of every allowed kind', async () => {
    const sessionId = await newSession();
    // Two header lines: Node joins them into one value, "one, two".
    const twoHeaders = await fetch(`${a.url}/v1/query`, {
      method: 'POST',
      headers: [
        ['content-type', 'application/json'],
        ['idempotency-key', 'one'],
        ['idempotency-key', 'two'],
      ],
      body: JSON.stringify({ sessionId, text: 'hello' }),
    });
    expect(twoHeaders.status).toBe(400);
    const longest = `${'Az09_-'.repeat(10)}abcd`;
    expect(longest).toHaveLength(64);
    await ask(a, { sessionId, text: 'hello' }, longest).expect(200);
  });

  it('gives the key up when the model fails, so the retry asks again and stores one pair', async () => {
    const sessionId = await newSession();
    fake.fail(true);
    const failed = await ask(a, { sessionId, text: 'is it open?' }, 'model-down').expect(503);
    expect(failed.body.error.code).toBe('AI_UNAVAILABLE');
    fake.fail(false);
    const retried = await ask(b, { sessionId, text: 'is it open?' }, 'model-down').expect(200);
    expect(retried.body.answer.text).toBe('echo: is it open?');
    expect((await historyOf(sessionId)).map((turn) => turn.text)).toEqual([
      'is it open?',
      'echo: is it open?',
    ]);
  });

  it('takes a key over when its holder ran out of time (its instance died while the model was answering)', async () => {
    const sessionId = await newSession();
    const repository = a.app.get<SessionRepository>(SESSION_REPOSITORY);
    const now = Date.now();
    const dead = { key: 'orphan', fingerprint: textFingerprint('hello?'), token: 'a-dead-instance' };
    expect(await repository.claimIdempotencyKey(sessionId, dead, now, now + 500)).toEqual({
      status: 'claimed',
    });
    const response = await ask(b, { sessionId, text: 'hello?' }, 'orphan').expect(200);
    expect(response.body.answer).toMatchObject({ seq: 2, text: 'echo: hello?' });
    expect(fake.requests).toHaveLength(1);
  });

  it('lets a claim go whose answer the store did not deliver (it may have been applied), so a retry does not wait for it', async () => {
    const sessionId = await newSession();
    const repository = a.app.get<SessionRepository>(SESSION_REPOSITORY);
    // The query path claims the key in its first store step (beginQuery).
    const beginOnce = repository.beginQuery.bind(repository);
    repository.beginQuery = async (...args) => {
      await beginOnce(...args);
      throw new StoreUnavailableError(new Error('connection closed before the reply'));
    };
    try {
      const lost = await ask(a, { sessionId, text: 'lost reply' }, 'lost-claim').expect(503);
      expect(lost.body.error.code).toBe('STORE_UNAVAILABLE');
    } finally {
      repository.beginQuery = beginOnce;
    }
    const now = Date.now();
    const probe = { key: 'lost-claim', fingerprint: textFingerprint('lost reply'), token: 'probe' };
    expect(await repository.claimIdempotencyKey(sessionId, probe, now, now + 1)).toEqual({
      status: 'claimed',
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('keeps the key with a session the query created, so a retry that names it gets the answer', async () => {
    const first = await ask(a, { text: 'first words' }, 'new-session').expect(200);
    expect(first.body.sessionCreated).toBe(true);
    const retry = await ask(
      b,
      { sessionId: first.body.sessionId, text: 'first words' },
      'new-session',
    ).expect(200);
    expect(retry.body).toMatchObject({ sessionCreated: false, answer: first.body.answer });
    // Naming no live session, a retry has nothing to find the key in: a new session, a new pair.
    const unnamed = await ask(a, { text: 'first words' }, 'new-session').expect(200);
    expect(unnamed.body.sessionId).not.toBe(first.body.sessionId);
    expect(fake.requests).toHaveLength(2);
  });
});

describe('Idempotency-Key in embedded mode (e2e)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ env: { REDIS_URL: '', OPENAI_API_KEY: '', AI_PROVIDER: '' } });
  });
  afterAll(() => sut.close());

  it('answers a repeat with the stored answer, concurrent repeats included, and 409 for another text', async () => {
    const { sessionId } = (await request(sut.server).post('/v1/sessions').send({}).expect(201)).body;
    const ask = (text: string) =>
      request(sut.server).post('/v1/query').set('Idempotency-Key', 'offline-1').send({ sessionId, text });
    const answers = await Promise.all([ask('太和殿是什么？'), ask('太和殿是什么？'), ask('太和殿是什么？')]);
    expect(answers.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(new Set(answers.map((response) => JSON.stringify(response.body.answer))).size).toBe(1);
    await ask('另一个问题').expect(409);
    const history = (await request(sut.server).get(`/v1/sessions/${sessionId}/history`).expect(200)).body;
    expect(history.turns.map((turn: { role: string }) => turn.role)).toEqual(['user', 'assistant']);
  });
});
