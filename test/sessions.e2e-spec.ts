import request from 'supertest';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { ShiftedClock } from './support/manual-clock';
import { startTestApp, TestApp } from './support/test-app';

describe('/v1/sessions (e2e, Redis)', () => {
  let fake: FakeOpenAiServer;
  let sut: TestApp;
  /** Moved on by hand past the 2 s TTL: no test here waits for it to run out. */
  const clock = new ShiftedClock();

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    sut = await startTestApp({
      clock,
      env: {
        OPENAI_API_KEY: 'k',
        OPENAI_BASE_URL: fake.baseUrl,
        SESSION_IDLE_TTL_SECONDS: '2',
        HISTORY_MAX_TURNS: '4',
      },
    });
  });
  afterAll(async () => {
    await sut.close();
    await fake.close();
  });

  const create = (body: object = {}) => request(sut.server).post('/v1/sessions').send(body).expect(201);

  describe('POST /v1/sessions', () => {
    it('creates a session view with defaults', async () => {
      const { body } = await create();
      expect(body).toEqual({
        sessionId: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        ),
        createdAt: expect.any(String),
        lastActivityAt: body.createdAt,
        expiresAt: new Date(Date.parse(body.createdAt) + 2000).toISOString(),
        turnCount: 0,
        pendingMessages: 0,
        locale: 'zh-CN',
      });
    });

    it('accepts an empty body, a locale and metadata', async () => {
      await request(sut.server).post('/v1/sessions').expect(201);
      const { body } = await create({ locale: 'en-GB', metadata: { ticket: 'A-17' } });
      expect(body.locale).toBe('en-GB');
    });
  });

  describe('GET /v1/sessions/:id', () => {
    it('answers 404 SESSION_NOT_FOUND for unknown and malformed ids', async () => {
      for (const id of [
        '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
        'nope',
        '3F1B2C4D-5E6F-4A7B-8C9D-0E1F2A3B4C5D',
        'x'.repeat(300),
      ]) {
        const response = await request(sut.server).get(`/v1/sessions/${id}`).expect(404);
        expect(response.body.error.code).toBe('SESSION_NOT_FOUND');
      }
    });
  });

  describe('expiry', () => {
    it('expires a session idle past its 2 s TTL, for every call at once', async () => {
      const { sessionId } = (await create()).body;
      clock.skip(2100);
      await request(sut.server).get(`/v1/sessions/${sessionId}`).expect(404);
      await request(sut.server).get(`/v1/sessions/${sessionId}/history`).expect(404);
      await request(sut.server).post(`/v1/sessions/${sessionId}/reset`).expect(404);
      const query = await request(sut.server).post('/v1/query').send({ sessionId, text: 'hi' }).expect(200);
      expect(query.body.sessionCreated).toBe(true);
    });

    it('keeps a session alive past its TTL through activity', async () => {
      const { sessionId } = (await create()).body;
      for (let i = 0; i < 4; i++) {
        clock.skip(800);
        await request(sut.server).get(`/v1/sessions/${sessionId}`).expect(200);
      }
      const view = (await request(sut.server).get(`/v1/sessions/${sessionId}`).expect(200)).body;
      expect(Date.parse(view.lastActivityAt) - Date.parse(view.createdAt)).toBeGreaterThan(3000);
      expect(Date.parse(view.expiresAt)).toBe(Date.parse(view.lastActivityAt) + 2000);
    });
  });

  it('sets a TTL on every key of the session after every kind of write', async () => {
    const expectEveryKeyExpires = async (sessionId: string, minimumKeys: number) => {
      const keys = await sut.sessionKeys(sessionId);
      expect(keys.length).toBeGreaterThanOrEqual(minimumKeys);
      const ttls = await Promise.all(keys.map((key) => sut.redis().client.pttl(key)));
      expect(keys.filter((_, i) => !(ttls[i] > 0))).toEqual([]);
      return keys;
    };
    const { sessionId } = (await create({ metadata: { a: 'b' } })).body;
    await expectEveryKeyExpires(sessionId, 1); // create
    await request(sut.server).post('/v1/query').send({ sessionId, text: 'q' }).expect(200);
    await expectEveryKeyExpires(sessionId, 2); // append
    await request(sut.server).get(`/v1/sessions/${sessionId}`).expect(200);
    await expectEveryKeyExpires(sessionId, 2); // touch
    await request(sut.server)
      .post('/v1/query')
      .send({ sessionId, text: 'q', location: { lat: 39.9163, lon: 116.3972 } })
      .expect(200);
    await expectEveryKeyExpires(sessionId, 2); // location + append
    await request(sut.server).post(`/v1/sessions/${sessionId}/reset`).expect(200);
    await expectEveryKeyExpires(sessionId, 1); // reset
  });

  describe('history', () => {
    it('pages history with limit and before, and keeps only HISTORY_MAX_TURNS entries', async () => {
      const { sessionId } = (await create()).body;
      for (const text of ['q1', 'q2', 'q3']) {
        await request(sut.server).post('/v1/query').send({ sessionId, text }).expect(200);
      }
      const page = (await request(sut.server).get(`/v1/sessions/${sessionId}/history?limit=2`).expect(200))
        .body;
      expect(page).toEqual({
        sessionId,
        turns: [
          expect.objectContaining({ seq: 5, role: 'user', text: 'q3' }),
          expect.objectContaining({ seq: 6, role: 'assistant', text: 'echo: q3' }),
        ],
        nextBefore: 5,
      });
      const older = (
        await request(sut.server).get(`/v1/sessions/${sessionId}/history?limit=2&before=5`).expect(200)
      ).body;
      expect(older.turns.map((t: { seq: number }) => t.seq)).toEqual([3, 4]);
      expect(older.nextBefore).toBeNull();
      const view = (await request(sut.server).get(`/v1/sessions/${sessionId}`).expect(200)).body;
      expect(view.turnCount).toBe(6);
    });
  });

  describe('DELETE /v1/sessions/:id', () => {
    it('deletes every key, and answers 204 again when already gone', async () => {
      const { sessionId } = (await create()).body;
      await request(sut.server).post('/v1/query').send({ sessionId, text: 'q' }).expect(200);
      await request(sut.server).delete(`/v1/sessions/${sessionId}`).expect(204);
      await request(sut.server).delete(`/v1/sessions/${sessionId}`).expect(204);
      await request(sut.server).delete('/v1/sessions/not-an-id').expect(204);
      await request(sut.server).get(`/v1/sessions/${sessionId}`).expect(404);
      expect(await sut.sessionKeys(sessionId)).toEqual([]);
    });
  });

  describe('POST /v1/sessions/:id/reset', () => {
    it('keeps the id, clears the history and never reuses a seq', async () => {
      const { sessionId } = (await create()).body;
      await request(sut.server).post('/v1/query').send({ sessionId, text: 'before reset' }).expect(200);
      const reset = (await request(sut.server).post(`/v1/sessions/${sessionId}/reset`).expect(200)).body;
      expect(reset).toMatchObject({ sessionId, turnCount: 0, pendingMessages: 0 });
      expect(
        (await request(sut.server).get(`/v1/sessions/${sessionId}/history`).expect(200)).body.turns,
      ).toEqual([]);
      const next = await request(sut.server).post('/v1/query').send({ sessionId, text: 'after' }).expect(200);
      expect(next.body).toMatchObject({ sessionCreated: false, answer: { seq: 4 } });
    });
  });
});
