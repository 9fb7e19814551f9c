import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { ARCHIVE_REPOSITORY } from '../src/archive/archive.repository';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { pgTestSchema } from './support/lifecycle';
import { testPrefix } from './support/redis';
import { SseClient } from './support/sse-client';
import { ADMIN_TOKEN, startTestApp, TestApp, TestAppOptions } from './support/test-app';

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const LONE_SURROGATE_BODY = '{"text": "\\ud800 x"}'; // valid JSON, not Unicode text
const WELL_FORMED = '太和殿 😀 Hall'; // a CJK name and a surrogate pair
const isWellFormed = (text: string) => !/[\uD800-\uDFFF]/u.test(text);

const stream = (app: TestApp, body: object, headers: Record<string, string> = {}) =>
  SseClient.open(`${app.url}/v1/query/stream`, headers, { method: 'POST', body });

describe('The edges of the contract (e2e)', () => {
  const apps: TestApp[] = [];
  const start = async (options: TestAppOptions = {}) => {
    const app = await startTestApp(options);
    apps.push(app);
    return app;
  };
  afterEach(async () => {
    while (apps.length > 0) await apps.pop()!.close();
  });

  describe('a malformed sessionId of any length', () => {
    const long = 'x'.repeat(300);

    it('gets a new session from POST /v1/query, never 400', async () => {
      const sut = await start();
      const answer = await request(sut.server)
        .post('/v1/query')
        .send({ sessionId: long, text: 'hello' })
        .expect(200);
      expect(answer.body).toMatchObject({
        sessionCreated: true,
        sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      });
      await request(sut.server).get(`/v1/sessions/${answer.body.sessionId}`).expect(200);
    });

    it('gets a new session from POST /v1/query/stream, never 400', async () => {
      const sut = await start();
      const sse = await stream(sut, { sessionId: long, text: 'hello' });
      expect(sse.response.statusCode).toBe(200);
      const [session] = await sse.waitFor(1);
      expect(session.event).toBe('session');
      expect(JSON.parse(session.data)).toMatchObject({ sessionCreated: true });
      await sse.waitForEnd();
    });
  });

  describe('one rate budget for both query routes, across instances', () => {
    it.each([
      ['/v1/query', '203.0.113.10'],
      ['/v1/query/stream', '203.0.113.11'],
    ])(
      'with RATE_LIMIT_PER_MINUTE=4, the fifth query alternating routes and instances is 429 on %s',
      async (fifth, ip) => {
        const env = { RATE_LIMIT_PER_MINUTE: '4', REDIS_KEY_PREFIX: testPrefix('rl') };
        const a = await start({ env, keepKeys: true });
        const b = await start({ env });
        const other = fifth === '/v1/query' ? '/v1/query/stream' : '/v1/query';
        const routes = [fifth, other, fifth, other, fifth];
        const statuses: number[] = [];
        for (const [i, route] of routes.entries()) {
          const app = i % 2 === 0 ? a : b;
          const response = await request(app.server)
            .post(route)
            .set('X-Forwarded-For', ip)
            .send({ text: `question ${i}` });
          statuses.push(response.status);
          if (response.status === 429) expect(response.body.error.code).toBe('RATE_LIMITED');
        }
        expect(statuses).toEqual([200, 200, 200, 200, 429]);
      },
    );
  });

  describe('text that is not well-formed Unicode', () => {
    it.each([
      ['Redis', {}],
      ['embedded', { REDIS_URL: '' }],
    ])(
      'is 400 VALIDATION_FAILED on every route that stores a string (%s), and creates nothing',
      async (_, env) => {
        const sut = await start({ env });
        const { sessionId } = (await request(sut.server).post('/v1/sessions').send({}).expect(201)).body;
        const refused = async (method: 'post' | 'put', path: string, body: string, field: string) => {
          const agent = request(sut.server);
          const response = await (method === 'put' ? agent.put(path) : agent.post(path))
            .set(admin)
            .type('json')
            .send(body)
            .expect(400);
          expect(response.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field }] });
        };
        await refused('post', '/v1/query', LONE_SURROGATE_BODY, 'text');
        await refused('post', '/v1/query', `{"sessionId":"${sessionId}","text":"a\\udc00"}`, 'text');
        await refused('post', '/v1/query', '{"text":"nul \\u0000 inside"}', 'text');
        await refused('post', '/v1/query/stream', LONE_SURROGATE_BODY, 'text');
        await refused('post', '/v1/sessions', '{"metadata":{"guide":"\\ud83d"}}', 'metadata.guide');
        await refused('post', '/v1/sessions', '{"metadata":{"\\ud800":"key"}}', 'metadata');
        await refused('post', '/v1/sessions', '{"locale":"zh-\\ud800"}', 'locale');
        await refused('post', '/v1/admin/broadcast', '{"text":"\\ud800"}', 'text');
        await refused(
          'put',
          '/v1/admin/pois',
          '{"pois":[{"id":"a","name":"\\udfff","description":"","lat":1,"lon":1,"radiusM":10}]}',
          'pois.0.name',
        );
        const stats = (await request(sut.server).get('/v1/admin/stats').set(admin).expect(200)).body;
        expect(stats.createdTotal).toBe(1); // the refused queries created no session
        const view = (await request(sut.server).get(`/v1/sessions/${sessionId}`).expect(200)).body;
        expect(view.turnCount).toBe(0);
      },
    );

    it('from the model is stored as U+FFFD, never a 500 (Redis)', async () => {
      const fake = await FakeOpenAiServer.start();
      try {
        const sut = await start({ env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: fake.baseUrl } });
        fake.respond = () => 'broken \ud800 answer';
        const answer = await request(sut.server).post('/v1/query').send({ text: 'hi' }).expect(200);
        expect(answer.body.answer.text).toBe('broken \ufffd answer');
        const sse = await stream(sut, { sessionId: answer.body.sessionId, text: 'again' });
        await sse.waitForEnd();
        expect(sse.events.at(-1)).toMatchObject({ event: 'done' });
        expect(JSON.parse(sse.events.at(-1)!.data)).toMatchObject({ text: 'broken \ufffd answer' });
        const turns = (
          await request(sut.server).get(`/v1/sessions/${answer.body.sessionId}/history`).expect(200)
        ).body.turns;
        expect(turns.map((t: { text: string }) => t.text).every(isWellFormed)).toBe(true);
      } finally {
        await fake.close();
      }
    });

    it('well-formed text (CJK, a surrogate pair) is stored and archived intact, in files and in PostgreSQL', async () => {
      const pg = pgTestSchema();
      try {
        const inFiles = await start();
        const inPg = await start({
          override: (b) => b.overrideProvider(ARCHIVE_REPOSITORY).useValue(pg.open()),
        });
        for (const app of [inFiles, inPg]) {
          const created = await request(app.server)
            .post('/v1/sessions')
            .send({ metadata: { guide: WELL_FORMED } })
            .expect(201);
          const { sessionId } = created.body;
          await request(app.server).post('/v1/query').send({ sessionId, text: WELL_FORMED }).expect(200);
          await request(app.server).delete(`/v1/sessions/${sessionId}`).expect(204);
          const archived =
            app === inPg
              ? await pg.open().latest(sessionId)
              : readdirSync(app.config.archiveDir, { recursive: true, withFileTypes: true })
                  .filter((entry) => entry.isFile())
                  .flatMap((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8').split('\n'))
                  .filter((line) => line.includes(sessionId))
                  .map((line) => JSON.parse(line))[0];
          expect(archived.metadata).toEqual({ guide: WELL_FORMED });
          expect(archived.turns[0].text).toBe(WELL_FORMED);
        }
      } finally {
        await pg.drop();
      }
    });
  });

  describe('hardening headers', () => {
    const HELMET = {
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'x-dns-prefetch-control': 'off',
      'strict-transport-security': expect.stringContaining('max-age='),
    };

    it.each(['/', '/admin', '/v1/sessions/x', '/docs', '/health/live'])('are on %s', async (path) => {
      const sut = await start();
      const response = await request(sut.server).get(path);
      expect(response.headers).toMatchObject(HELMET);
      expect(response.headers['x-powered-by']).toBeUndefined();
    });

    it('give /admin (and every page) a CSP that runs only its own script files: no inline, no eval, no other origin', async () => {
      const sut = await start();
      const csp = (await request(sut.server).get('/admin').expect(200)).headers['content-security-policy'];
      const directives = Object.fromEntries(
        csp.split(';').map((d: string) => {
          const [name, ...values] = d.trim().split(/\s+/);
          return [name, values];
        }),
      );
      expect(directives['script-src']).toEqual(["'self'"]);
      expect(directives['script-src-attr']).toEqual(["'none'"]);
      expect(directives['default-src']).toEqual(["'self'"]);
      expect(directives['object-src']).toEqual(["'none'"]);
      expect(directives['frame-ancestors']).toEqual(["'none'"]);
    });
  });
});
