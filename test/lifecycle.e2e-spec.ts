import request from 'supertest';
import { ARCHIVE_REPOSITORY } from '../src/archive/archive.repository';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';
import { pgTestSchema, RecordingArchive, waitFor } from './support/lifecycle';
import { testPrefix } from './support/redis';
import { CleanupService } from '../src/cleanup/cleanup.service';
import { LEASE, Lease } from '../src/lease/lease';

jest.setTimeout(30_000);

const EVERY_SECOND = '*/1 * * * * *';
/** A schedule that never fires during a test: only the code under test ends sessions. */
const NEVER = '0 0 0 1 1 *';
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('Session lifecycle (e2e, Redis + PostgreSQL)', () => {
  const pg = pgTestSchema();
  const apps: TestApp[] = [];
  afterAll(() => pg.drop());
  afterEach(async () => {
    // Last started first: a second instance sharing keys closes before the one that deletes them.
    while (apps.length > 0) await apps.pop()!.close();
  });

  async function start(env: Record<string, string>, keepKeys = false) {
    const archive = new RecordingArchive(pg.open());
    const app = await startTestApp({
      env,
      keepKeys,
      override: (builder) => builder.overrideProvider(ARCHIVE_REPOSITORY).useValue(archive),
    });
    apps.push(app);
    return { app, archive };
  }

  const createSession = async (app: TestApp): Promise<string> =>
    (await request(app.server).post('/v1/sessions').send({}).expect(201)).body.sessionId;
  const ask = (app: TestApp, sessionId: string, text: string) =>
    request(app.server).post('/v1/query').send({ sessionId, text }).expect(200);
  const stats = async (app: TestApp) =>
    (await request(app.server).get('/v1/admin/stats').set(admin).expect(200)).body;
  const restore = (app: TestApp, id: string) =>
    request(app.server).post(`/v1/admin/sessions/${id}/restore`).set(admin);

  describe('expiry, archive and restore', () => {
    it('archives an expired session with its full history; restore brings the same turns back', async () => {
      const { app, archive } = await start({ SESSION_IDLE_TTL_SECONDS: '2', CLEANUP_CRON: EVERY_SECOND });
      const id = await createSession(app);
      await ask(app, id, 'Where is the Hall of Supreme Harmony?');
      await ask(app, id, 'And the Meridian Gate?');
      const before = (await request(app.server).get(`/v1/sessions/${id}/history`).expect(200)).body.turns;
      expect(before).toHaveLength(4);

      const entry = await waitFor('the sweep to archive the session', () => archive.latest(id));
      expect(entry).toMatchObject({ sessionId: id, generation: 0, reason: 'expired', turnCount: 4 });
      expect(entry?.turns).toEqual(before);
      expect(await app.sessionKeys(id)).toEqual([]);
      await request(app.server).get(`/v1/sessions/${id}`).expect(404);

      const restored = (await restore(app, id).expect(200)).body;
      expect(restored).toMatchObject({ sessionId: id, turnCount: 4 });
      expect(Date.parse(restored.expiresAt)).toBeGreaterThan(Date.now());
      const after = (await request(app.server).get(`/v1/sessions/${id}/history`).expect(200)).body.turns;
      expect(after).toEqual(before);
      // It lives on: the next exchange continues the sequence.
      expect((await ask(app, id, 'Thanks').expect(200)).body.answer.seq).toBe(6);

      await restore(app, id).expect(409);
      expect((await restore(app, id)).body.error.code).toBe('CONFLICT');
      expect((await stats(app)).endedTotal.expired).toBe(1);
    });

    it('answers 404 for a session that was never archived, and for a malformed id', async () => {
      const { app } = await start({ CLEANUP_CRON: NEVER });
      const unknown = (await restore(app, '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d').expect(404)).body;
      expect(unknown.error.code).toBe('SESSION_NOT_FOUND');
      await restore(app, 'nope').expect(404);
    });

    it('archives on the spot an expired session the sweep has not reached, then restores it', async () => {
      const { app, archive } = await start({ SESSION_IDLE_TTL_SECONDS: '1', CLEANUP_CRON: NEVER });
      const id = await createSession(app);
      await ask(app, id, 'hello');
      await waitFor(
        'the session to expire',
        async () => (await request(app.server).get(`/v1/admin/sessions/${id}`).set(admin)).status === 404,
      );
      expect(await archive.latest(id)).toBeNull();

      expect((await restore(app, id).expect(200)).body).toMatchObject({ sessionId: id, turnCount: 2 });
      expect((await archive.list(id)).map((e) => [e.generation, e.reason])).toEqual([[0, 'expired']]);
      const turns = (await request(app.server).get(`/v1/sessions/${id}/history`).expect(200)).body.turns;
      expect(turns.map((t: { text: string }) => t.text)[0]).toBe('hello');
    });
  });

  describe('the sweep', () => {
    it('deletes nothing unarchived when the archive fails mid-batch; the next sweep finishes, nothing twice', async () => {
      const { app, archive } = await start({ SESSION_IDLE_TTL_SECONDS: '1', CLEANUP_CRON: EVERY_SECOND });
      // The third save fails, and saves of that session keep failing until the archive is healed.
      let victim: string | null = null;
      archive.failWhen = (entry, attempt) => {
        if (attempt === 3) victim = entry.sessionId;
        return entry.sessionId === victim;
      };
      const ids = await Promise.all(Array.from({ length: 6 }, () => createSession(app)));
      for (const id of ids) await ask(app, id, `question of ${id.slice(0, 4)}`);

      await waitFor('the others to be archived', async () => {
        if (!victim) return false;
        const entries = await Promise.all(ids.filter((id) => id !== victim).map((id) => archive.latest(id)));
        return entries.every(Boolean);
      });
      const failed = victim!;
      for (const id of ids.filter((id) => id !== failed)) expect(await app.sessionKeys(id)).toEqual([]);
      // Not archived, so not deleted: still in Redis with its history, marked as ending, gone for clients.
      const stillThere = async () => {
        expect(await archive.latest(failed)).toBeNull();
        expect(await app.sessionKeys(failed)).toContain(`${app.config.redisKeyPrefix}s:{${failed}}:h`);
        const ending = await app.redis().client.zscore(`${app.config.redisKeyPrefix}{idx}:ending`, failed);
        expect(ending).not.toBeNull();
      };
      await stillThere();
      await request(app.server).get(`/v1/sessions/${failed}`).expect(404);
      // Later sweeps retry while the archive still fails, and still delete nothing.
      await waitFor('a retry', () =>
        Promise.resolve(archive.failed.filter((id) => id === failed).length >= 2),
      );
      await stillThere();

      archive.failWhen = () => false;
      const entry = await waitFor('the next sweep to archive it', () => archive.latest(failed));
      expect(entry).toMatchObject({ reason: 'expired', turnCount: 2 });
      await waitFor('its keys to go', async () => (await app.sessionKeys(failed)).length === 0);
      for (const id of ids) expect({ id, saves: archive.savedBy.get(id) }).toEqual({ id, saves: 1 });
      for (const id of ids) expect(await archive.list(id)).toHaveLength(1);
      expect((await stats(app)).endedTotal.expired).toBe(6);
    });

    it('removes leftovers: index entries whose keys are already gone', async () => {
      const { app } = await start({ CLEANUP_CRON: NEVER });
      const prefix = app.config.redisKeyPrefix;
      const ghost = '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
      const stuck = '4f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
      await app.redis().client.zadd(`${prefix}{idx}:activity`, 1, ghost);
      await app.redis().client.zadd(`${prefix}{idx}:ending`, 1, stuck);
      const live = await createSession(app);
      await app.app.get(CleanupService).run();
      expect(await app.redis().client.zscore(`${prefix}{idx}:activity`, ghost)).toBeNull();
      expect(await app.redis().client.zscore(`${prefix}{idx}:ending`, stuck)).toBeNull();
      expect(await app.redis().client.zscore(`${prefix}{idx}:activity`, live)).not.toBeNull();
      expect((await stats(app)).endedTotal.expired).toBe(0);
    });

    it('two instances sweeping every second archive each expired session exactly once', async () => {
      const env = {
        SESSION_IDLE_TTL_SECONDS: '1',
        CLEANUP_CRON: EVERY_SECOND,
        REDIS_KEY_PREFIX: testPrefix('two'),
      };
      const first = await start(env); // closed last: deletes the shared keys
      const second = await start(env, true);
      const ids = await Promise.all(
        Array.from({ length: 40 }, (_, i) => createSession(i % 2 === 0 ? first.app : second.app)),
      );
      await waitFor(
        'every session to be archived',
        async () => (await Promise.all(ids.map((id) => first.archive.latest(id)))).every(Boolean),
        15_000,
      );
      await waitFor('the index to empty', async () => (await stats(first.app)).activeSessions === 0);
      for (const id of ids) {
        const saves = (first.archive.savedBy.get(id) ?? 0) + (second.archive.savedBy.get(id) ?? 0);
        expect({ id, saves }).toEqual({ id, saves: 1 });
        expect(await first.archive.list(id)).toHaveLength(1);
      }
      expect((await stats(second.app)).endedTotal.expired).toBe(40);
      expect((await stats(first.app)).createdTotal).toBe(40);
    });
  });

  describe('the cap', () => {
    it('never has more than MAX_SESSIONS live under 20 concurrent creates; the evicted are archived', async () => {
      const { app, archive } = await start({ MAX_SESSIONS: '5', CLEANUP_CRON: NEVER });
      const activityKey = `${app.config.redisKeyPrefix}{idx}:activity`;
      const samples: number[] = [];
      let creating = true;
      const sampler = (async () => {
        while (creating) {
          samples.push(await app.redis().client.zcard(activityKey));
          samples.push((await stats(app)).activeSessions);
        }
      })();
      const ids = await Promise.all(Array.from({ length: 20 }, () => createSession(app)));
      creating = false;
      await sampler;

      expect(samples.length).toBeGreaterThan(2);
      expect(Math.max(...samples)).toBeLessThanOrEqual(5);
      const live = (
        await Promise.all(ids.map(async (id) => ((await app.sessionKeys(id)).length > 0 ? id : null)))
      ).filter(Boolean);
      expect(live).toHaveLength(5);
      const evicted = ids.filter((id) => !live.includes(id));
      for (const id of evicted) {
        expect({ id, reasons: (await archive.list(id)).map((e) => e.reason) }).toEqual({
          id,
          reasons: ['evicted'],
        });
      }
      const body = await stats(app);
      expect(body).toMatchObject({ activeSessions: 5, createdTotal: 20 });
      expect(body.endedTotal.evicted).toBe(15);
    });
  });

  describe('memory pressure', () => {
    it('evicts idle sessions before a create when the store is above a tiny watermark', async () => {
      const { app, archive } = await start({ MEMORY_HIGH_WATERMARK_BYTES: '1', CLEANUP_CRON: NEVER });
      const a = await createSession(app);
      await ask(app, a, 'hello');
      const b = await createSession(app);

      expect(await archive.latest(a)).toMatchObject({ reason: 'memory_pressure', turnCount: 2 });
      expect(await app.sessionKeys(a)).toEqual([]);
      await request(app.server).get(`/v1/sessions/${b}`).expect(200);
      expect((await stats(app)).endedTotal.memory_pressure).toBe(1);
    });

    it('evicts on one instance at a time: while another holds the memory-pressure lease, creates evict nothing', async () => {
      const env = {
        MEMORY_HIGH_WATERMARK_BYTES: '1',
        CLEANUP_CRON: NEVER,
        REDIS_KEY_PREFIX: testPrefix('mem'),
      };
      const { app: other } = await start(env, true);
      const { app, archive } = await start(env);
      const lease = other.app.get<Lease>(LEASE);
      const token = await lease.acquire('memory-pressure', 60_000);
      expect(token).not.toBeNull();

      const a = await createSession(app);
      await createSession(app);
      await request(app.server).get(`/v1/sessions/${a}`).expect(200);
      expect(await archive.list(a)).toEqual([]);

      await lease.release('memory-pressure', token!);
      await createSession(app);
      expect(await archive.latest(a)).toMatchObject({ reason: 'memory_pressure' });
    });

    it('evicts on the cleanup schedule', async () => {
      const { app, archive } = await start({ MEMORY_HIGH_WATERMARK_BYTES: '1', CLEANUP_CRON: EVERY_SECOND });
      const id = await createSession(app);
      expect(await waitFor('the scheduled eviction', () => archive.latest(id))).toMatchObject({
        reason: 'memory_pressure',
      });
      expect((await stats(app)).activeSessions).toBe(0);
    });

    it('leaves sessions alone below the watermark', async () => {
      const { app } = await start({
        MEMORY_HIGH_WATERMARK_BYTES: String(Number.MAX_SAFE_INTEGER),
        CLEANUP_CRON: EVERY_SECOND,
      });
      const a = await createSession(app);
      await createSession(app);
      await app.app.get(CleanupService).run();
      await request(app.server).get(`/v1/sessions/${a}`).expect(200);
      expect((await stats(app)).endedTotal.memory_pressure).toBe(0);
    });
  });

  describe('end reasons', () => {
    it('archives every client and admin end with its reason, and counts each in the stats', async () => {
      const { app, archive } = await start({ CLEANUP_CRON: NEVER });
      const closed = await createSession(app);
      const reset = await createSession(app);
      const adminReset = await createSession(app);
      const deleted = await createSession(app);
      for (const id of [closed, reset, adminReset, deleted]) await ask(app, id, 'hi');

      await request(app.server).delete(`/v1/sessions/${closed}`).expect(204);
      await request(app.server).post(`/v1/sessions/${reset}/reset`).expect(200);
      await request(app.server).post(`/v1/admin/sessions/${adminReset}/reset`).set(admin).expect(200);
      await request(app.server).delete(`/v1/admin/sessions/${deleted}`).set(admin).expect(204);

      const reasons = async (id: string) =>
        (await archive.list(id)).map((e) => [e.generation, e.reason, e.turnCount]);
      expect(await reasons(closed)).toEqual([[0, 'client_closed', 2]]);
      expect(await reasons(reset)).toEqual([[0, 'client_reset', 2]]);
      expect(await reasons(adminReset)).toEqual([[0, 'admin_reset', 2]]);
      expect(await reasons(deleted)).toEqual([[0, 'admin_deleted', 2]]);

      const body = await stats(app);
      expect(body).toEqual({
        activeSessions: 2,
        createdTotal: 4,
        endedTotal: {
          expired: 0,
          evicted: 0,
          memory_pressure: 0,
          client_closed: 1,
          client_reset: 1,
          admin_reset: 1,
          admin_deleted: 1,
          shutdown: 0,
        },
        avgLifetimeSeconds: expect.any(Number),
        avgTurnsPerSession: 2,
        queriesLastMinute: 4,
        proactiveSentTotal: 0,
        alerts: [],
      });
    });

    it('counts proactive messages sent and streamed queries', async () => {
      const { app } = await start({ CLEANUP_CRON: NEVER, PROACTIVE_GREETING_DELAY_SECONDS: '0' });
      const id = await createSession(app);
      await waitFor('the greeting to be counted', async () => (await stats(app)).proactiveSentTotal === 1);
      await request(app.server).post('/v1/query').send({ text: '' }).expect(400); // rejected: not counted
      await request(app.server).post('/v1/query/stream').send({ sessionId: id, text: 'hi' }).expect(200);
      await waitFor('the stream to be counted', async () => (await stats(app)).queriesLastMinute === 1);
    });

    it('keeps the totals across a restart (they live in Redis)', async () => {
      const env = { CLEANUP_CRON: NEVER, REDIS_KEY_PREFIX: testPrefix('restart') };
      const first = await start(env, true);
      const id = await createSession(first.app);
      await request(first.app.server).delete(`/v1/sessions/${id}`).expect(204);
      await first.app.close();
      apps.splice(apps.indexOf(first.app), 1);
      const second = await start(env);
      expect(await stats(second.app)).toMatchObject({ createdTotal: 1, endedTotal: { client_closed: 1 } });
    });
  });
});
