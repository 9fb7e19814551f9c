import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A Redis of this test's own, so stopping it disturbs nobody else. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const up = await new Promise<boolean>((resolve) => {
      const probe = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' });
      let out = '';
      probe.stdout.on('data', (data: Buffer) => (out += data.toString()));
      probe.on('close', () => resolve(out.includes('PONG')));
    });
    if (up) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('redis-server did not start');
}

describe('Redis outage (e2e)', () => {
  let port: number;
  let redis: ChildProcess;
  let sut: TestApp;

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
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

    redis = await startRedis(port); // back: the service recovers by itself
    const deadline = Date.now() + 10_000;
    let status = 0;
    while (Date.now() < deadline && status !== 201) {
      status = (await request(sut.server).post('/v1/sessions').send({})).status;
      if (status !== 201) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(201);
  });
});
