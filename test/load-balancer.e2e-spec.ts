import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
/** Where the failover test's stream visitors stand: broadcasts `near` it reach only them. */
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

    // Each history holds exactly its session's pairs, each user turn right before its answer.
    expect(answers.map((answer) => answer.text)).toEqual(asked.map(({ text }) => `echo: ${text}`));
    for (const { visitor, id } of sessions) {
      const { turns } = (await visitor.get(`/v1/sessions/${id}/history?limit=200`)).body;
      const expected = asked
        .map((query, i) => ({ ...query, answer: answers[i] }))
        .filter((query) => query.id === id)
        .sort((a, b) => a.answer.seq - b.answer.seq)
        .flatMap(({ text, answer }) => [
          { seq: answer.seq - 1, role: 'user', text },
          { seq: answer.seq, role: 'assistant', text: answer.text },
        ]);
      expect(turns.map(({ seq, role, text }: Record<string, unknown>) => ({ seq, role, text }))).toEqual(
        expected,
      );
    }
  });

  it('passes X-Request-Id on (the visitor’s, else its own) and keeps the error envelope for bodies over 8 MiB', async () => {
    const visitor = new Visitor(cluster.url);
    const own = await visitor.get('/v1/pois?lat=0&lon=0', { 'x-request-id': 'visitor-id-1' });
    expect(own.headers['x-request-id']).toBe('visitor-id-1');
    const generated = (await visitor.get('/v1/pois?lat=0&lon=0')).headers['x-request-id'] as string;
    expect(generated).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id, echoed by the app
    const logged = () => readFileSync(cluster.balancer.accessLog, 'utf8').includes(`id=${generated}`);
    await until('the access log line', logged, 5_000);
    const text = 'x'.repeat(8.5 * 1024 * 1024); // over the app's 8 MiB, under nginx's 9 MiB
    const bigger = 'x'.repeat(9.5 * 1024 * 1024); // over both
    for (const body of [{ text }, { text: bigger }]) {
      const reply = await visitor.post('/v1/query', body);
      expect([reply.status, reply.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      expect(reply.body.requestId).toBe(reply.headers['x-request-id']);
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
      const sse = await within(
        'headers',
        SseClient.open(url, {}, { localAddress: visitor.address, acceptGzip }),
        10_000,
      );
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
      const { sse, atFirstDelta, rest } = await firstDeltaOfSlowAnswer(balancer().url, fake, acceptGzip);
      expect(sse.response.headers['content-encoding']).toBe(acceptGzip ? 'gzip' : undefined);
      // The first delta reached the client while the model was still writing the rest (~3 s of it).
      expect(atFirstDelta).toEqual({ modelStillWriting: true, done: false });
      const { deltas, done } = await rest();
      expect([deltas.length, deltas.join('')]).toEqual([8, done]);
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
    const enoughLate = () =>
      load.startedFrom(settledAt).length >= 150 &&
      announcer.accepted.filter(({ at }) => at > settledAt).length >= 5;
    await until('load after the kill', enoughLate, 60_000);
    await Promise.all([load.stop(), announcer.stop()]);

    // Each session's messages as the store lists them, once all accepted announcements are in.
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
      startedFrom2sAfterKill: load.startedFrom(settledAt).length,
      failedInFirst2s: failedEarly.map(({ what, detail }) => ({ what, detail })),
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
