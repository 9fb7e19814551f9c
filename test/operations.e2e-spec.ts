import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app';

describe('Health, docs, metrics and rate limiting (e2e, Redis)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ env: { RATE_LIMIT_PER_MINUTE: '3' } });
  });
  afterAll(() => sut.close());

  it('answers /health/live and /health/ready', async () => {
    await request(sut.server).get('/health/live').expect(200);
    const ready = await request(sut.server).get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({
      status: 'ok',
      info: { store: { status: 'up' }, archive: { status: 'up' } },
    });
  });

  it('serves the OpenAPI document generated from the DTOs, and its UI', async () => {
    const doc = (await request(sut.server).get('/docs-json').expect(200)).body;
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/query',
        '/v1/sessions',
        '/v1/sessions/{id}/history',
        '/v1/admin/sessions',
        '/v1/pois',
      ]),
    );
    expect(doc.components.schemas.Query.properties).toHaveProperty('text');
    expect((await request(sut.server).get('/docs').expect(200)).text).toContain('swagger');
  });

  it('serves the support console page, which asks for the token, and its scripts', async () => {
    const page = await request(sut.server).get('/admin').expect(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('Admin token');
    expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // no inline script
    const script = await request(sut.server).get('/admin/assets/main.js').expect(200);
    expect(script.headers['content-type']).toContain('text/javascript');
    expect((await request(sut.server).get('/admin/assets/overview.js')).text).toContain('/v1/admin/stats');
    const chart = await request(sut.server).get('/admin/vendor/chart.umd.min.js').expect(200);
    expect(chart.text.length).toBeGreaterThan(100_000);
    await request(sut.server).get('/admin/assets/..%2Fadmin.module.ts').expect(404);
    await request(sut.server).get('/admin/assets/index.html').expect(404);
  });

  it('serves Prometheus metrics', async () => {
    await request(sut.server).get('/health/live');
    const metrics = (await request(sut.server).get('/metrics').expect(200)).text;
    expect(metrics).toContain('http_request_duration_seconds');
    expect(metrics).toContain('process_cpu_user_seconds_total');
  });

  it('limits /v1/query per client IP, counting in Redis under the key prefix', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push(
        (
          await request(sut.server)
            .post('/v1/query')
            .send({ text: `q${i}` })
        ).status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const limited = await request(sut.server).post('/v1/query').send({ text: 'again' }).expect(429);
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    await request(sut.server).post('/v1/sessions').send({}).expect(201); // other routes are not limited
    const keys = await sut.redis().client.keys(`${sut.config.redisKeyPrefix}rl:*`);
    expect(keys.length).toBeGreaterThan(0);
  });
});
