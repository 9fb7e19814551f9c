import request from 'supertest';
import { RetryNotice, TourApiError, TourClient, TourNetworkError } from '../../clients/typescript/src';
import { FakeOpenAiServer } from '../support/fake-openai.server';
import { TcpProxy } from '../support/tcp-proxy';
import { startTestApp, TestApp } from '../support/test-app';

/** The client package against the real service (Redis, the real openai SDK on the fake server) through a TCP proxy that loses answers. */
describe('TourClient (e2e, Redis + fake OpenAI, through a lossy TCP proxy)', () => {
  let fake: FakeOpenAiServer;
  let app: TestApp;
  let proxy: TcpProxy;
  let retries: RetryNotice[];
  let changes: Array<[string | null, string | null]>;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    app = await startTestApp({
      env: { OPENAI_API_KEY: 'test-key', OPENAI_BASE_URL: fake.baseUrl, AI_TIMEOUT_MS: '5000' },
    });
    proxy = await TcpProxy.start(app.url);
  });
  afterAll(async () => {
    await proxy.close();
    await app.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    proxy.refuse(false);
    retries = [];
    changes = [];
  });

  const newClient = (sessionId: string | null = null, locale?: string) =>
    new TourClient({
      baseUrl: proxy.url,
      sessionId,
      locale,
      retry: { attempts: 4, baseDelayMs: 20, maxDelayMs: 100 },
      onRetry: (notice) => retries.push(notice),
      onSessionChange: (id, previous) => changes.push([id, previous]),
    });
  const historyOf = async (id: string) =>
    (await request(app.server).get(`/v1/sessions/${id}/history`).expect(200)).body.turns as Array<{
      seq: number;
      role: string;
      text: string;
    }>;

  describe('sessions', () => {
    it('starts a session in its locale and adopts it, telling onSessionChange', async () => {
      const sut = newClient(null, 'en-US');
      const view = await sut.startSession();
      expect(view).toMatchObject({ locale: 'en-US', turnCount: 0 });
      expect(sut.sessionId).toBe(view.sessionId);
      expect(changes).toEqual([[view.sessionId, null]]);
      expect((await sut.session()).sessionId).toBe(view.sessionId);
    });

    it('adopts the new session the service starts when the old one is gone', async () => {
      const old = (await request(app.server).post('/v1/sessions').send({}).expect(201)).body.sessionId;
      await request(app.server).delete(`/v1/sessions/${old}`).expect(204);
      const sut = newClient(old);
      const result = await sut.ask('is anyone there?');
      expect(result.sessionCreated).toBe(true);
      expect(result.sessionId).not.toBe(old);
      expect(sut.sessionId).toBe(result.sessionId);
      expect(changes).toEqual([[result.sessionId, old]]);
    });

    it('forgets the session on closeSession', async () => {
      const sut = newClient();
      const id = await sut.ensureSession();
      await sut.closeSession();
      expect(sut.sessionId).toBeNull();
      expect(changes).toEqual([
        [id, null],
        [null, id],
      ]);
      await request(app.server).get(`/v1/sessions/${id}`).expect(404);
    });
  });

  describe('ask', () => {
    it('starts a session first, sends an Idempotency-Key, and the next question names the same session', async () => {
      const sut = newClient();
      const first = await sut.ask('where is the throne?');
      const second = await sut.ask('and the garden?');
      expect(first.sessionCreated).toBe(false); // the session was started before the query
      expect(second.sessionId).toBe(first.sessionId);
      expect(second.answer.text).toBe('echo: and the garden?');
      expect((await historyOf(first.sessionId)).map((turn) => turn.text)).toEqual([
        'where is the throne?',
        'echo: where is the throne?',
        'and the garden?',
        'echo: and the garden?',
      ]);
      const queries = proxy.requests.filter((head) => head.startsWith('POST /v1/query '));
      const keys = queries.slice(-2).map((head) => /^idempotency-key: (.+)$/im.exec(head)?.[1]);
      expect(keys).toEqual([
        expect.stringMatching(/^[0-9a-f]{32}$/),
        expect.stringMatching(/^[0-9a-f]{32}$/),
      ]);
      expect(keys[0]).not.toBe(keys[1]);
    });

    it('recovers an answer lost on the wire by a retry with the same key: one turn pair stored, one model call', async () => {
      const sut = newClient();
      const id = await sut.ensureSession();
      proxy.cutNextResponse(); // the service answers; the app never hears it
      const result = await sut.ask('did you hear me?');
      expect(proxy.cutResponses).toBeGreaterThanOrEqual(1);
      expect(retries).toHaveLength(1);
      expect(retries[0].error).toMatchObject({ name: 'TypeError' }); // fetch failed
      expect(result).toMatchObject({ sessionId: id, answer: { seq: 2, text: 'echo: did you hear me?' } });
      expect(await historyOf(id)).toEqual([
        expect.objectContaining({ seq: 1, role: 'user', text: 'did you hear me?' }),
        expect.objectContaining({ seq: 2, role: 'assistant', text: 'echo: did you hear me?' }),
      ]);
      expect(fake.requests).toHaveLength(1);
    });

    it('retries a 503 AI_UNAVAILABLE with backoff and gets the answer', async () => {
      const sut = newClient();
      const id = await sut.ensureSession();
      fake.fail(true);
      const sutWithRecovery = new TourClient({
        baseUrl: proxy.url,
        sessionId: id,
        retry: { attempts: 4, baseDelayMs: 20, maxDelayMs: 100 },
        onRetry: (notice) => {
          retries.push(notice);
          fake.fail(false); // the provider is back before the retry
        },
      });
      const result = await sutWithRecovery.ask('are you back?');
      expect(retries).toHaveLength(1);
      expect(retries[0].error).toMatchObject({ status: 503, code: 'AI_UNAVAILABLE' });
      expect(result.answer.text).toBe('echo: are you back?');
      expect((await historyOf(id)).map((turn) => turn.role)).toEqual(['user', 'assistant']);
    });

    it('raises a typed error with the envelope code and does not retry bad input', async () => {
      const sut = newClient();
      const error = (await sut.ask('').catch((e: unknown) => e)) as TourApiError;
      expect(error).toBeInstanceOf(TourApiError);
      expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'text' })]));
      expect(error.requestId).toEqual(expect.any(String));
      expect(retries).toHaveLength(0);
    });

    it('raises SESSION_NOT_FOUND for a call on a session that has ended', async () => {
      const sut = newClient();
      const id = await sut.ensureSession();
      await request(app.server).delete(`/v1/sessions/${id}`).expect(204);
      await expect(sut.history()).rejects.toMatchObject({ status: 404, code: 'SESSION_NOT_FOUND' });
    });

    it('gives up with TourNetworkError when the service stays unreachable', async () => {
      const sut = newClient();
      proxy.refuse(true);
      const error = await sut.ensureSession().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TourNetworkError);
      expect(retries).toHaveLength(0); // creating a session is never retried (a retry could start a second)
      const reading = new TourClient({
        baseUrl: proxy.url,
        sessionId: 'x',
        retry: { attempts: 3, baseDelayMs: 5 },
      });
      await expect(reading.pois({ lat: 39.9164, lon: 116.391 })).rejects.toBeInstanceOf(TourNetworkError);
    });
  });

  describe('askStream', () => {
    it('yields the deltas before the answer is done, then resolves the stored answer', async () => {
      const sut = newClient();
      fake.chunkDelayMs = 20;
      fake.respond = () => 'The Hall of Supreme Harmony is the largest wooden hall in China.';
      const stream = sut.askStream('what is the biggest hall?');
      const seen: string[] = [];
      let doneBeforeFirstDelta: boolean | null = null;
      let settled = false;
      void stream.answer.then(() => (settled = true));
      for await (const delta of stream) {
        if (doneBeforeFirstDelta === null) doneBeforeFirstDelta = settled;
        seen.push(delta);
      }
      const answer = await stream.answer;
      expect(doneBeforeFirstDelta).toBe(false);
      expect(seen.length).toBeGreaterThan(3);
      expect(seen.join('')).toBe(answer.text);
      expect(answer).toMatchObject({
        seq: 2,
        text: 'The Hall of Supreme Harmony is the largest wooden hall in China.',
      });
      expect((await historyOf(sut.sessionId!)).map((turn) => turn.seq)).toEqual([1, 2]);
    });

    it('recovers a stream cut before its done event: the retry replays the stored answer, each word shown once, one pair stored', async () => {
      const sut = newClient();
      const id = await sut.ensureSession();
      fake.respond = () => 'one two three four five six';
      proxy.cutNextResponse('event: done'); // the deltas arrive, the end never does
      const stream = sut.askStream('count to six');
      let shown = '';
      for await (const delta of stream) shown += delta;
      const answer = await stream.answer;
      expect(proxy.cutResponses).toBeGreaterThanOrEqual(1);
      expect(retries.length).toBeGreaterThanOrEqual(1);
      expect(shown).toBe('one two three four five six');
      expect(answer).toMatchObject({ seq: 2, text: 'one two three four five six' });
      expect((await historyOf(id)).map((turn) => turn.seq)).toEqual([1, 2]);
      expect(fake.requests).toHaveLength(1);
    });

    it('adopts the session named by the stream when the service started a new one', async () => {
      const old = (await request(app.server).post('/v1/sessions').send({}).expect(201)).body.sessionId;
      await request(app.server).delete(`/v1/sessions/${old}`).expect(204);
      const sut = newClient(old);
      const stream = sut.askStream('hello again');
      for await (const _delta of stream) void _delta;
      expect(sut.sessionId).not.toBe(old);
      expect(changes).toEqual([[sut.sessionId, old]]);
      expect((await historyOf(sut.sessionId!)).map((turn) => turn.text)).toEqual([
        'hello again',
        'echo: hello again',
      ]);
    });
  });
});
