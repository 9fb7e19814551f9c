import { ChildProcess } from 'node:child_process';
import request from 'supertest';
import { freePort } from './support/ports';
import { startRedisServer } from './support/redis-server';
import { startTestApp, TestApp } from './support/test-app';
import { eventually } from './support/eventually';

describe('Redis outage (e2e)', () => {
  let port: number;
  let redis: ChildProcess;
  let sut: TestApp;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedisServer(port);
    sut = await startTestApp({ env: { REDIS_URL: `redis://127.0.0.1:${port}/0` }, keepKeys: true });
  });
  afterAll(async () => {
    await sut.close();
    redis.kill('SIGKILL');
  });

  it('answers 503 STORE_UNAVAILABLE within about a second when Redis hangs, and when it is stopped', async () => {
    const { sessionId } = (await request(sut.server).post('/v1/sessions').send({}).expect(201)).body;
    await request(sut.server).get('/health/ready').expect(200);

    redis.kill('SIGSTOP'); // hanging: the command timeout answers
    let started = Date.now();
    const hung = await request(sut.server).get(`/v1/sessions/${sessionId}`);
    expect({ status: hung.status, code: hung.body.error?.code }).toEqual({
      status: 503,
      code: 'STORE_UNAVAILABLE',
    });
    // The command timeout is the behaviour under test (a hung Redis is a real process, SIGSTOPped):
    // 2.5 times the configured second, so a busy machine does not make it fail.
    expect(Date.now() - started).toBeLessThan(2500);
    redis.kill('SIGCONT');

    redis.kill('SIGKILL'); // gone: connection refused answers at once
    await new Promise((resolve) => redis.once('exit', resolve));
    for (const call of [
      () => request(sut.server).post('/v1/query').send({ text: 'hello' }),
      () => request(sut.server).post('/v1/sessions').send({}),
      () => request(sut.server).get(`/v1/sessions/${sessionId}/history`),
    ]) {
      started = Date.now();
      const response = await call();
      expect({ status: response.status, code: response.body.error?.code }).toEqual({
        status: 503,
        code: 'STORE_UNAVAILABLE',
      });
      expect(response.body.requestId).toBe(response.headers['x-request-id']);
      expect(Date.now() - started).toBeLessThan(2500);
    }
    const ready = await request(sut.server).get('/health/ready');
    expect(ready.status).toBe(503);
    await request(sut.server).get('/health/live').expect(200);

    redis = await startRedisServer(port); // back: the service recovers by itself
    const status = await eventually(
      async () => (await request(sut.server).post('/v1/sessions').send({})).status,
      (answered) => answered === 201,
      10_000,
      100,
    );
    expect(status).toBe(201);
  });
});
