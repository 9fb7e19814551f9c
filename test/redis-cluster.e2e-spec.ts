import request from 'supertest';
import { ARCHIVE_REPOSITORY } from '../src/archive/archive.repository';
import { SESSION_REPOSITORY, SessionRepository } from '../src/sessions/session.repository';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { pgTestSchema, RecordingArchive } from './support/lifecycle';
import { redisCli, RedisCluster, startRedisCluster } from './support/redis-server';
import { MessageHub } from '../src/proactive/message-hub.service';
import { eventually, waitFor } from './support/eventually';
import { proactiveSettled, recordCleanupRuns } from './support/progress-probes';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const PREFIX = 'tgcluster:';
/** The sample POI 午门 (Meridian Gate), loaded from POI_FILE's default at start. */
const MERIDIAN_GATE = { lat: 39.9136, lon: 116.391 };

/**
 * The whole service on a Redis Cluster of three masters (REDIS_CLUSTER_NODES), two instances: every
 * Lua script, index, lease, BullMQ queue and the pub/sub channel must work when keys live in different
 * slots on different nodes.
 */
describe('On a Redis Cluster (e2e, three masters, two instances, fake OpenAI)', () => {
  let cluster: RedisCluster;
  let fake: FakeOpenAiServer;
  let a: TestApp;
  let b: TestApp;
  /** Every instance archives to one PostgreSQL schema, each through a recorder of its saves. */
  const pg = pgTestSchema();
  const archives: RecordingArchive[] = [];
  const instances: TestApp[] = [];

  /** One more instance on the cluster; the cluster is this suite's own and thrown away, keys and all. */
  async function startInstance(env: Record<string, string> = {}): Promise<TestApp> {
    const archive = new RecordingArchive(pg.open());
    archives.push(archive);
    const instance = await startTestApp({
      env: {
        REDIS_CLUSTER_NODES: cluster.nodes,
        REDIS_KEY_PREFIX: PREFIX,
        OPENAI_API_KEY: 'test-key',
        OPENAI_BASE_URL: fake.baseUrl,
        PROACTIVE_GREETING_DELAY_SECONDS: '0',
        SESSION_IDLE_TTL_SECONDS: '4',
        CLEANUP_CRON: '*/1 * * * * *',
        ...env,
      },
      keepKeys: true,
      override: (builder) => builder.overrideProvider(ARCHIVE_REPOSITORY).useValue(archive),
    });
    instances.push(instance);
    return instance;
  }

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    fake = await FakeOpenAiServer.start();
    a = await startInstance();
    b = await startInstance();
  }, 60_000);
  afterAll(async () => {
    for (const instance of instances.reverse()) await instance.close();
    await fake?.close();
    await cluster?.stop();
    await pg.drop();
  });

  const newSession = async (app: TestApp): Promise<string> =>
    (await request(app.server).post('/v1/sessions').send({}).expect(201)).body.sessionId as string;
  const messages = async (app: TestApp, id: string) =>
    (await request(app.server).get(`/v1/sessions/${id}/messages`).expect(200)).body.messages as Array<{
      id: string;
      kind: string;
      poiId?: string;
    }>;
  /** How many keys under PREFIX each master holds. */
  const keysPerNode = () =>
    Promise.all(
      cluster.ports.map(
        async (port) =>
          (await redisCli(['-p', String(port), '--scan', '--pattern', `${PREFIX}*`]))
            .split('\n')
            .filter(Boolean).length,
      ),
    );

  it('serves sessions spread over every master: queries with history on both instances, reset, delete', async () => {
    // Random ids over three masters: with 12, one master got none about once in 40 runs; with 24,
    // about once in 5,000.
    const ids = await Promise.all(Array.from({ length: 24 }, () => newSession(a)));
    expect((await keysPerNode()).every((count) => count > 0)).toBe(true);

    const [id] = ids;
    await request(a.server).post('/v1/query').send({ sessionId: id, text: 'first' }).expect(200);
    const second = await request(b.server)
      .post('/v1/query')
      .send({ sessionId: id, text: 'second' })
      .expect(200);
    expect(second.body).toMatchObject({ sessionId: id, sessionCreated: false });
    const history = await request(b.server).get(`/v1/sessions/${id}/history`).expect(200);
    const conversation = history.body.turns.filter((turn: { role: string }) => turn.role !== 'proactive');
    expect(conversation.map((turn: { role: string; text: string }) => [turn.role, turn.text])).toEqual([
      ['user', 'first'],
      ['assistant', 'echo: first'],
      ['user', 'second'],
      ['assistant', 'echo: second'],
    ]);
    expect(second.body.answer.seq).toBe(conversation[3].seq);

    await request(b.server).post(`/v1/sessions/${id}/reset`).expect(200);
    expect((await request(a.server).get(`/v1/sessions/${id}`).expect(200)).body.turnCount).toBe(0);
    await request(a.server).delete(`/v1/sessions/${id}`).expect(204);
    await request(b.server).get(`/v1/sessions/${id}`).expect(404);
  });

  it('runs proactive jobs on BullMQ and wakes waiters through pub/sub: greeting, one POI message, a long-poll on B', async () => {
    const id = await newSession(a);
    const [greeting] = await eventually(
      () => messages(a, id),
      (found) => found.length > 0,
    );
    expect(greeting.kind).toBe('greeting');

    const poll = request(b.server)
      .get(`/v1/sessions/${id}/messages?after=${greeting.id}&wait=10`)
      .then((response) => response);
    await waitFor('the long-poll to park on B', () => b.app.get(MessageHub).waiterCount >= 1);
    const posts = await Promise.all(
      [a, b, a, b].map((app) =>
        request(app.server).post(`/v1/sessions/${id}/location`).send(MERIDIAN_GATE).expect(202),
      ),
    );
    for (const post of posts) {
      expect(post.body.nearby.map((poi: { poiId: string }) => poi.poiId)).toContain('meridian-gate');
    }
    const woken = await poll;
    expect(woken.body.messages.map((message: { kind: string }) => message.kind)).toEqual(['poi']);
    // Every trigger queued and every job run: a second POI job, had one been queued, has run.
    await waitFor('the POI jobs to finish', () => proactiveSettled(b, [id]), 15_000);
    const all = await messages(b, id);
    expect(all.filter((message) => message.kind === 'poi')).toHaveLength(1);
  });

  it('broadcasts to sessions spread over the masters: one message each, in the stream and as a proactive turn', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => newSession(i % 2 ? a : b)));
    await waitFor('the greetings', () => proactiveSettled(a, ids), 15_000);
    const sent = await request(a.server)
      .post('/v1/admin/broadcast')
      .set(admin)
      .send({ text: 'The gate closes at six' })
      .expect(202);
    expect(sent.body.queued).toBeGreaterThanOrEqual(ids.length);
    await waitFor('the broadcast jobs to finish', () => proactiveSettled(a, ids), 15_000);
    for (const id of ids) {
      const kinds = (await messages(b, id)).map((message) => message.kind);
      expect(kinds).toEqual(['greeting', 'broadcast']);
      const history = await request(a.server).get(`/v1/sessions/${id}/history`).expect(200);
      expect(
        history.body.turns.map((turn: { role: string; text: string }) => [turn.role, turn.text]),
      ).toEqual([
        ['proactive', expect.any(String)],
        ['proactive', 'The gate closes at six'],
      ]);
    }
  });

  it('sweeps expired sessions (one lease for both instances) into the archive once, restores them, and counts it', async () => {
    const runs = recordCleanupRuns([a, b]);
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => newSession(i % 2 ? a : b)));
    const timesArchived = (id: string) =>
      archives.reduce((sum, archive) => sum + (archive.savedBy.get(id) ?? 0), 0);
    await eventually(
      () => Promise.resolve(ids.map(timesArchived)),
      (counts) => counts.every((count) => count >= 1),
      15_000,
      200,
    );
    const archivedBy = Date.now();
    await waitFor('another cleanup run on each instance', () =>
      runs.startedAt.every((started) => started.some((at) => at > archivedBy)),
    );
    // Still archived once.
    expect(ids.map(timesArchived)).toEqual(ids.map(() => 1));
    for (const id of ids) await request(a.server).get(`/v1/sessions/${id}`).expect(404);
    expect(await archives[0].latest(ids[0])).toMatchObject({ reason: 'expired' });

    const restored = await request(b.server)
      .post(`/v1/admin/sessions/${ids[0]}/restore`)
      .set(admin)
      .expect(200);
    expect(restored.body.sessionId).toBe(ids[0]);
    await request(a.server).get(`/v1/sessions/${ids[0]}`).expect(200);
    const stats = (await request(b.server).get('/v1/admin/stats').set(admin).expect(200)).body;
    expect(stats.endedTotal.expired).toBeGreaterThanOrEqual(6);
  }, 30_000);

  it('measures a session on its own master, and evicts when any one master nears its maxmemory', async () => {
    const id = await newSession(a);
    const view = await request(b.server).get(`/v1/admin/sessions/${id}`).set(admin).expect(200);
    expect(view.body.storeBytes).toBeGreaterThan(0);

    // One master (of three) at 93 % of its maxmemory, above the default 90 % watermark; the others have
    // none. Every reading must see it, whichever node a single INFO would have gone to.
    const [full] = cluster.ports;
    const info = await redisCli(['-p', String(full), 'info', 'memory']);
    const used = Number(/^used_memory:(\d+)/m.exec(info)![1]);
    const maxmemory = Math.ceil(used / 0.93);
    await redisCli(['-p', String(full), 'config', 'set', 'maxmemory', String(maxmemory)]);
    try {
      const repository = a.app.get<SessionRepository>(SESSION_REPOSITORY);
      for (let i = 0; i < 6; i++) expect((await repository.memoryUsage()).limit).toBe(maxmemory);

      // The scheduled check (on whichever instance holds the lease) evicts, least recently active first.
      await eventually(
        async () => (await request(a.server).get(`/v1/sessions/${id}`)).status,
        (status) => status === 404,
        5000,
        100,
      );
      // Ended (404) comes first, the archive write right after it.
      const archived = await eventually(
        () => archives[0].latest(id),
        (entry) => entry !== null,
        5000,
        100,
      );
      expect(archived).toMatchObject({ reason: 'memory_pressure' });
    } finally {
      await redisCli(['-p', String(full), 'config', 'set', 'maxmemory', '0']);
    }
  });
});
