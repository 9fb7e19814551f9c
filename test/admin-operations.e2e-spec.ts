import request from 'supertest';
import { ARCHIVE_REPOSITORY } from '../src/archive/archive.repository';
import { pgTestSchema } from './support/lifecycle';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

interface ArchiveLine {
  sessionId: string;
  generation: number;
  reason: string;
  createdAt: string;
  endedAt: string;
  turnCount: number;
}

/** Resolves once the clock has moved on to the next millisecond. */
async function nextMillisecond(): Promise<void> {
  const now = Date.now();
  while (Date.now() === now) await new Promise((resolve) => setImmediate(resolve));
}

describe.each([
  ['file archive', false],
  ['PostgreSQL archive', true],
])('Admin history, timeseries and archive list (e2e, Redis, %s)', (_, usePg) => {
  let sut: TestApp;
  const pg = pgTestSchema();

  beforeAll(async () => {
    sut = await startTestApp({
      override: usePg
        ? (builder) => builder.overrideProvider(ARCHIVE_REPOSITORY).useValue(pg.open())
        : undefined,
    });
  });
  afterAll(async () => {
    await sut.close();
    if (usePg) await pg.drop();
  });

  const create = async () =>
    (await request(sut.server).post('/v1/sessions').send({}).expect(201)).body.sessionId as string;
  const ask = (sessionId: string, text: string) =>
    request(sut.server).post('/v1/query').send({ sessionId, text }).expect(200);

  describe('GET /v1/admin/sessions/:id/history', () => {
    it('answers the client history page without refreshing the session', async () => {
      const id = await create();
      await ask(id, 'Tell me about the Hall of Supreme Harmony');
      await ask(id, 'And the Meridian Gate?');
      const seen = (await request(sut.server).get(`/v1/admin/sessions/${id}`).set(admin).expect(200)).body;
      const page = (
        await request(sut.server).get(`/v1/admin/sessions/${id}/history?limit=3`).set(admin).expect(200)
      ).body;
      const client = (await request(sut.server).get(`/v1/sessions/${id}/history?limit=3`).expect(200)).body;
      expect(page).toEqual(client);
      expect(page.turns.map((turn: { role: string }) => turn.role)).toEqual([
        'assistant',
        'user',
        'assistant',
      ]);
      expect(page.nextBefore).toBe(page.turns[0].seq);
      const older = (
        await request(sut.server)
          .get(`/v1/admin/sessions/${id}/history?before=${page.nextBefore}`)
          .set(admin)
          .expect(200)
      ).body;
      expect(older).toMatchObject({ sessionId: id, nextBefore: null, turns: [{ role: 'user' }] });
      // The client history call above was activity; the admin ones before it were not.
      const after = (await request(sut.server).get(`/v1/admin/sessions/${id}`).set(admin).expect(200)).body;
      expect(after.lastActivityAt >= seen.lastActivityAt).toBe(true);
      const untouched = (await request(sut.server).get(`/v1/admin/sessions/${id}`).set(admin).expect(200))
        .body;
      await request(sut.server).get(`/v1/admin/sessions/${id}/history`).set(admin).expect(200);
      const still = (await request(sut.server).get(`/v1/admin/sessions/${id}`).set(admin).expect(200)).body;
      expect(still.lastActivityAt).toBe(untouched.lastActivityAt);
      expect(still.expiresAt).toBe(untouched.expiresAt);
    });

    it('answers 404 SESSION_NOT_FOUND for an unknown or malformed id, 400 for a bad limit, 401 without the token', async () => {
      for (const id of ['3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', 'nope']) {
        const response = await request(sut.server)
          .get(`/v1/admin/sessions/${id}/history`)
          .set(admin)
          .expect(404);
        expect(response.body.error.code).toBe('SESSION_NOT_FOUND');
      }
      const id = await create();
      const bad = await request(sut.server)
        .get(`/v1/admin/sessions/${id}/history?limit=0`)
        .set(admin)
        .expect(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
      await request(sut.server).get(`/v1/admin/sessions/${id}/history`).expect(401);
    });
  });

  describe('GET /v1/admin/stats/timeseries', () => {
    it('gives 60 minutes by default, oldest first, zeros included, with the traffic just made', async () => {
      const before = (
        await request(sut.server).get('/v1/admin/stats/timeseries?minutes=3').set(admin).expect(200)
      ).body.minutes as Array<Record<string, number>>;
      const id = await create();
      await ask(id, 'Hello');
      await request(sut.server).delete(`/v1/sessions/${id}`).expect(204);
      const series = (await request(sut.server).get('/v1/admin/stats/timeseries').set(admin).expect(200)).body
        .minutes as Array<{
        at: string;
        created: number;
        ended: number;
        queries: number;
        proactiveSent: number;
      }>;
      expect(series).toHaveLength(60);
      const times = series.map((minute) => Date.parse(minute.at));
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(60_000);
      expect(times[59]).toBe(Math.floor(Date.now() / 60_000) * 60_000);
      expect(series[0]).toEqual({
        at: expect.any(String),
        created: 0,
        ended: 0,
        queries: 0,
        proactiveSent: 0,
      });
      const sum = (list: Array<Record<string, unknown>>, field: string) =>
        list.slice(-3).reduce((total, minute) => total + Number(minute[field]), 0);
      // The traffic may straddle a minute boundary: compare the last three minutes' sums.
      expect(sum(series, 'created') - sum(before, 'created')).toBeGreaterThanOrEqual(1);
      expect(sum(series, 'queries') - sum(before, 'queries')).toBeGreaterThanOrEqual(1);
      expect(sum(series, 'ended') - sum(before, 'ended')).toBeGreaterThanOrEqual(1);
    });

    it.each(['0', '1441', 'x'])('answers 400 VALIDATION_FAILED for minutes=%s', async (minutes) => {
      const response = await request(sut.server)
        .get(`/v1/admin/stats/timeseries?minutes=${minutes}`)
        .set(admin)
        .expect(400);
      expect(response.body.error.details[0].field).toBe('minutes');
    });

    it('answers 1440 minutes at most', async () => {
      const body = (
        await request(sut.server).get('/v1/admin/stats/timeseries?minutes=1440').set(admin).expect(200)
      ).body;
      expect(body.minutes).toHaveLength(1440);
    });
  });

  describe('GET /v1/admin/archive', () => {
    it('lists ended sessions most recently ended first, page by page, each restorable', async () => {
      const ids = [await create(), await create(), await create()];
      await ask(ids[1], 'A question to archive');
      for (const id of ids) {
        await nextMillisecond(); // distinct endedAt values, so the expected order is the deletion order
        await request(sut.server).delete(`/v1/admin/sessions/${id}`).set(admin).expect(204);
      }
      const first = (await request(sut.server).get('/v1/admin/archive?limit=2').set(admin).expect(200)).body;
      expect(first.sessions).toHaveLength(2);
      expect(first.sessions.map((s: ArchiveLine) => s.sessionId)).toEqual([ids[2], ids[1]]);
      expect(first.sessions[1]).toEqual({
        sessionId: ids[1],
        generation: 0,
        reason: 'admin_deleted',
        createdAt: expect.any(String),
        endedAt: expect.any(String),
        turnCount: 2,
      });
      expect(first.nextCursor).toEqual(expect.any(String));
      const second = (
        await request(sut.server)
          .get(`/v1/admin/archive?limit=2&cursor=${first.nextCursor}`)
          .set(admin)
          .expect(200)
      ).body;
      expect(second.sessions[0].sessionId).toBe(ids[0]);
      const all: ArchiveLine[] = [...first.sessions, ...second.sessions];
      for (let i = 1; i < all.length; i++) expect(all[i - 1].endedAt >= all[i].endedAt).toBe(true);
      const restored = await request(sut.server)
        .post(`/v1/admin/sessions/${ids[1]}/restore`)
        .set(admin)
        .expect(200);
      expect(restored.body).toMatchObject({ sessionId: ids[1], turnCount: 2 });
    });

    it('lists a reset as its own entry, with the generation it cleared', async () => {
      const id = await create();
      await ask(id, 'Before the reset');
      await request(sut.server).post(`/v1/admin/sessions/${id}/reset`).set(admin).expect(200);
      const list = (await request(sut.server).get('/v1/admin/archive?limit=1').set(admin).expect(200)).body;
      expect(list.sessions[0]).toMatchObject({
        sessionId: id,
        generation: 0,
        reason: 'admin_reset',
        turnCount: 2,
      });
    });

    it.each([
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['cursor=not*base64', 'cursor'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ])('answers 400 VALIDATION_FAILED for %s', async (query, field) => {
      const response = await request(sut.server).get(`/v1/admin/archive?${query}`).set(admin).expect(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
      expect(response.body.error.details[0].field).toBe(field);
    });

    it('answers 401 without the token', async () => {
      await request(sut.server).get('/v1/admin/archive').expect(401);
    });
  });
});
