import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Balancer, LocalCluster, startLocalCluster } from '../deploy/local-cluster/local-cluster';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { queriesServed, writeArtifact } from './support/instance-metrics';
import { Repeater, startVisitorLoad, until, within } from './support/load';
import { atDefaultBufferingWithGzip, ignoringXAccelBuffering } from './support/nginx-variants';
import { deleteKeysWithPrefix, TEST_REDIS_URL, testPrefix } from './support/redis';
import { ResumingSse } from './support/resuming-sse';
import { firstDeltaOfSlowAnswer } from './support/stream-probe';
import { eventually, SseClient } from './support/sse-client';
import { Visitor } from './support/visitor';

/**
 * The real Debian nginx running deploy/nginx.conf (rendered for local ports by the local cluster) in
 * front of three instances of the built service (dist/, separate processes) on one Redis. Every request
 * goes through nginx; each visitor connects from a loopback address of its own.
 */
jest.setTimeout(120_000);

const ROOT = join(__dirname, '..');
const ADMIN = { authorization: 'Bearer lb-admin' };
const RATE_LIMIT = 12;
/** Where the event-stream visitors of the failover test stand: broadcasts `near` it reach only them. */
const STREAM_SPOT = { lat: 10, lon: 10 };

let cluster: LocalCluster;
/** deploy/nginx.conf at nginx's default buffering, gzipping every response (support/nginx-variants). */
let compressing: Balancer;
/** The same, ignoring the app's X-Accel-Buffering: the control that buffering does hold streams. */
let ignoringAppHeaders: Balancer;
let fake: FakeOpenAiServer;
let archiveDir: string;
const prefix = testPrefix('lb');

const servedByEach = () => Promise.all(cluster.instances.map((app) => queriesServed(app.url)));

beforeAll(async () => {
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  fake = await FakeOpenAiServer.start();
  archiveDir = mkdtempSync(join(tmpdir(), 'tg-lb-archive-'));
  cluster = await startLocalCluster({
    instances: 3,
    redisUrl: TEST_REDIS_URL,
    baseEnv: { PATH: process.env.PATH, ARCHIVE_DIR: archiveDir },
    env: {
      REDIS_KEY_PREFIX: prefix,
      ADMIN_TOKEN: 'lb-admin',
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: fake.baseUrl,
      PROACTIVE_GREETING_DELAY_SECONDS: '-1',
      PROACTIVE_IDLE_TIP_SECONDS: '-1',
      PROACTIVE_JOB_LOCK_MS: '2000', // a killed instance's proactive jobs are taken over soon
      SESSION_IP_POLICY: 'reject',
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
      LOG_LEVEL: 'warn',
    },
  });
  compressing = await cluster.startBalancer(atDefaultBufferingWithGzip);
  ignoringAppHeaders = await cluster.startBalancer(ignoringXAccelBuffering);
}, 300_000);

afterAll(async () => {
  await cluster?.stop();
  await fake?.close();
  await deleteKeysWithPrefix(prefix);
  if (archiveDir) rmSync(archiveDir, { recursive: true, force: true });
});

beforeEach(() => fake.reset());

describe('nginx (deploy/nginx.conf) in front of three instances', () => {
  it('spreads mixed queries over the instances, and every history is exact with adjacent pairs', async () => {
    fake.setDelay(50); // the queries of a session overlap
    const before = await servedByEach();
    const sessions = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const visitor = new Visitor(cluster.url);
        return { visitor, id: await visitor.createSession() };
      }),
    );
    const asked = sessions.flatMap(({ visitor, id }, s) =>
      Array.from({ length: 6 }, (_, q) => ({
        visitor,
        id,
        text: `session ${s} question ${q}`,
        stream: q % 2 === 1,
      })),
    );
    const answers = await Promise.all(
      asked.map(({ visitor, id, text, stream }) => visitor.ask(id, text, stream)),
    );
    const spread = (await servedByEach()).map((count, i) => count - before[i]);
    writeArtifact('load-balancer-spread.json', { queries: asked.length, queriesPerInstance: spread });
    expect(spread.reduce((a, b) => a + b)).toBe(asked.length);
    expect(spread.every((count) => count > 0)).toBe(true);

    for (const { visitor, id } of sessions) {
      const turns: Array<{ seq: number; role: string; text: string }> = (
        await visitor.get(`/v1/sessions/${id}/history?limit=200`)
      ).body.turns;
      const mine = asked.filter((query) => query.id === id).map((query) => query.text);
      expect(turns).toHaveLength(2 * mine.length);
      for (let i = 0; i < turns.length; i += 2) {
        const [question, answer] = [turns[i], turns[i + 1]];
        expect([question.role, answer.role, answer.text]).toEqual([
          'user',
          'assistant',
          `echo: ${question.text}`,
        ]);
        expect(answer.seq).toBe(question.seq + 1);
        const answered = answers[asked.findIndex((query) => query.text === question.text)];
        expect(answered).toMatchObject({ seq: answer.seq, text: answer.text });
      }
      expect(
        turns
          .filter((turn) => turn.role === 'user')
          .map((turn) => turn.text)
          .sort(),
      ).toEqual(mine.sort());
    }
  });

  describe.each([
    ['deploy/nginx.conf', () => cluster.balancer, false],
    ['an nginx at default buffering that gzips every response', () => compressing, true],
  ])('event streams through %s', (name, balancer, acceptGzip) => {
    it('deliver a broadcast made through nginx within 2 s', async () => {
      const visitor = new Visitor(balancer().url);
      const id = await visitor.createSession();
      const url = `${balancer().url}/v1/sessions/${id}/events`;
      const opened = SseClient.open(url, {}, { localAddress: visitor.address, acceptGzip });
      const sse = await within('response headers', opened, 10_000);
      expect(sse.response.statusCode).toBe(200);
      expect(sse.response.headers['cache-control']).toContain('no-cache');
      expect(sse.response.headers['content-encoding']).toBe(acceptGzip ? 'gzip' : undefined);
      const sentAt = Date.now();
      const sent = await visitor.post('/v1/admin/broadcast', { text: `to everyone via ${name}` }, ADMIN);
      expect(sent.status).toBe(202);
      // The bound, as the condition polled: the event is there within 2 s of sending.
      const [event] = await sse.waitFor(1, Math.max(0, 2_000 - (Date.now() - sentAt)));
      expect(JSON.parse(event.data)).toMatchObject({ kind: 'broadcast', text: `to everyone via ${name}` });
      sse.close();
    });

    it('deliver /v1/query/stream deltas as the model writes them', async () => {
      const { sse, atFirstDelta } = await firstDeltaOfSlowAnswer(balancer().url, fake, acceptGzip);
      expect(sse.response.headers['content-encoding']).toBe(acceptGzip ? 'gzip' : undefined);
      // The first delta reached the client while the model was still writing the rest (~3 s of it).
      expect(atFirstDelta).toEqual({ modelStillWriting: true, done: false });
      await until('done', () => sse.events.some((e) => e.event === 'done'), 20_000);
      const done = sse.events.find((e) => e.event === 'done');
      const deltas = sse.events
        .filter((event) => event.event === 'delta')
        .map((e) => JSON.parse(e.data).text);
      expect(deltas).toHaveLength(8);
      expect(deltas.join('')).toBe(JSON.parse(done!.data).text);
    });
  });

  it('(control) the same nginx, told to ignore X-Accel-Buffering, holds a stream until its end', async () => {
    const { sse, atFirstDelta } = await firstDeltaOfSlowAnswer(ignoringAppHeaders.url, fake, true);
    expect(sse.response.headers['content-encoding']).toBe('gzip');
    expect(atFirstDelta).toEqual({ modelStillWriting: false, done: true });
  });

  it('(the service’s part) both stream routes send Cache-Control: no-cache and X-Accel-Buffering: no', async () => {
    const [app] = cluster.instances; // asked directly: nginx consumes X-Accel-Buffering
    const id = await new Visitor(app.url, '127.0.0.1').createSession();
    const events = await SseClient.open(`${app.url}/v1/sessions/${id}/events`);
    const answer = await SseClient.open(
      `${app.url}/v1/query/stream`,
      {},
      { method: 'POST', body: { text: 'hi' } },
    );
    for (const stream of [events, answer]) {
      expect(stream.response.headers).toMatchObject({
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': expect.stringContaining('no-cache'),
        'x-accel-buffering': 'no',
      });
      stream.close();
    }
  });

  it('answers a 25 s long-poll with nothing to deliver with 200, not 504', async () => {
    const visitor = new Visitor(cluster.url);
    const id = await visitor.createSession();
    const startedAt = Date.now();
    const reply = await visitor.get(`/v1/sessions/${id}/messages?wait=25`);
    expect([reply.status, reply.body.messages]).toEqual([200, []]);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(24_900); // it was held, not answered at once
  });

  it('lets the rate limit and the IP policy see each visitor’s address, not nginx’s', async () => {
    const [alice, bob] = [new Visitor(cluster.url), new Visitor(cluster.url)];
    const id = await alice.createSession();
    expect((await alice.get(`/v1/admin/sessions/${id}`, ADMIN)).body.clientIp).toBe(alice.address);
    // IP policy `reject`: Bob's address is not the session's; a forged X-Forwarded-For changes nothing.
    expect((await bob.get(`/v1/sessions/${id}`)).body.error.code).toBe('SESSION_IP_MISMATCH');
    expect((await bob.get(`/v1/sessions/${id}`, { 'x-forwarded-for': alice.address })).status).toBe(403);
    expect((await alice.get(`/v1/sessions/${id}`, { 'x-forwarded-for': bob.address })).status).toBe(200);

    // One budget per visitor, shared by the instances the queries are spread over.
    const before = await servedByEach();
    for (let i = 0; i < RATE_LIMIT; i++) {
      expect((await alice.post('/v1/query', { sessionId: id, text: `q${i}` })).status).toBe(200);
    }
    const spread = (await servedByEach()).map((count, i) => count - before[i]);
    expect(spread.filter((count) => count > 0).length).toBeGreaterThan(1);
    const limited = await alice.post('/v1/query', { sessionId: id, text: 'one more' });
    expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMITED']);
    const forged = { 'x-forwarded-for': '203.0.113.7' };
    expect((await alice.post('/v1/query', { sessionId: id, text: 'x' }, forged)).status).toBe(429);
    expect((await bob.post('/v1/query', { text: 'my first question' })).status).toBe(200);
  });
});

describe('one instance SIGKILLed under load, through nginx', () => {
  it('serves every request from 2 s after the kill, and resumed event streams miss and repeat nothing', async () => {
    // Event-stream visitors where only this test's broadcasts go; the streams are opened one after the
    // other, so nginx's round robin puts two on each instance.
    const watchers = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const visitor = new Visitor(cluster.url);
        return { visitor, id: await visitor.createSession(STREAM_SPOT) };
      }),
    );
    const streams: ResumingSse[] = [];
    for (const { visitor, id } of watchers) {
      streams.push(await ResumingSse.open(`${cluster.url}/v1/sessions/${id}/events`, visitor.address));
    }
    const load = await startVisitorLoad(cluster.url, 6, RATE_LIMIT - 1);
    const admin = new Visitor(cluster.url, '127.0.0.1');
    const announcer = new Repeater(async (k) => {
      const body = { text: `announcement ${k}`, near: { ...STREAM_SPOT, radiusM: 1000 } };
      const reply = await admin.send('POST', '/v1/admin/broadcast', body, ADMIN, 10_000);
      return reply.status === 202 ? body.text : null;
    }, 100);

    await until(
      'load before the kill',
      () => load.requests.length >= 30 && announcer.accepted.length >= 3,
      30_000,
    );
    const killedAt = Date.now();
    cluster.instances[1].process.signal('SIGKILL');
    await cluster.instances[1].process.exited;
    const settledAt = killedAt + 2_000; // the bound
    const announcedLate = () => announcer.accepted.filter(({ at }) => at > settledAt).length;
    await until(
      'load after the kill',
      () => load.startedFrom(settledAt).length >= 150 && announcedLate() >= 5,
      60_000,
    );
    await Promise.all([load.stop(), announcer.stop()]);

    // The store's own list of each session's messages, once every accepted announcement is in it and
    // its stream has had as many events.
    const announced = announcer.accepted.map(({ value }) => value);
    const stored = await eventually(
      () => Promise.all(watchers.map(({ visitor, id }) => visitor.allMessages(id))),
      (lists) =>
        lists.every(
          (messages, i) =>
            announced.every((text) => messages.some((m) => m.text === text)) &&
            streams[i].events.length >= messages.length,
        ),
      30_000,
      500,
    );
    await Promise.all(streams.map((stream) => stream.close()));

    const failedLate = load.startedFrom(settledAt).filter((request) => !request.ok);
    const failedEarly = load.startedFrom(killedAt).filter((r) => !r.ok && r.startedAt < settledAt);
    const reconnects = streams.map((stream) => stream.reconnects);
    writeArtifact('load-balancer-failover.json', {
      requests: load.requests.length,
      startedAfterKill: load.startedFrom(killedAt).length,
      startedFrom2sAfterKill: load.startedFrom(settledAt).length,
      failedInFirst2s: failedEarly.map(({ what, detail }) => ({ what, detail })),
      failedFrom2s: failedLate.length,
      announcementsAccepted: announced.length,
      messagesPerStream: stored.map((messages) => messages.length),
      reconnects,
    });
    expect(failedLate).toEqual([]);
    expect(reconnects.reduce((a, b) => a + b)).toBeGreaterThanOrEqual(1); // streams were on the victim
    stored.forEach((messages, i) => {
      const received = streams[i].events.map((event) => event.id);
      expect(received).toEqual(messages.map((m) => m.id)); // nothing missed, nothing twice, in order
      for (const text of announced) expect(messages.filter((m) => m.text === text)).toHaveLength(1);
    });
  });
});
