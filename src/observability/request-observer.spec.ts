import express from 'express';
import { once } from 'node:events';
import { AddressInfo } from 'node:net';
import { request as httpRequest, Server } from 'node:http';
import { withBodyErrors } from '../common/body-parser-errors';
import { requestEdge } from '../common/http/request-edge';
import { MetricsService } from './metrics.service';
import { HttpRequestObserver } from './request-observer';
import { createRootLogger } from './root-logger';

interface AccessLine {
  level: number;
  msg: string;
  req: { id: string; method: string; url: string; userAgent?: string };
  res: { statusCode: number };
  responseTime: number;
}

describe(HttpRequestObserver.name, () => {
  const lines: AccessLine[] = [];
  const root = createRootLogger({ logLevel: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  let metrics: MetricsService;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    metrics = new MetricsService();
    const observer = new HttpRequestObserver(metrics, root);
    const app = express();
    app.use(requestEdge(observer.watch));
    app.use(withBodyErrors(express.json()));
    app.post('/echo', (req, res) => res.json(req.body));
    app.get('/ok', (_req, res) => res.json({ ok: true }));
    app.get('/items/:id', (_req, res) => res.status(404).json({ found: false }));
    app.get('/fail', (_req, res) => res.status(500).json({ ok: false }));
    app.get('/health/live', (_req, res) => res.json({ status: 'ok' }));
    app.get('/hang', () => undefined);
    server = app.listen(0);
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    lines.splice(0);
    metrics.httpRequests.reset();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}${path}`, { headers }).then((response) => response.text());
  const untilLines = async (count: number) => {
    for (let i = 0; i < 200 && lines.length < count; i++) await new Promise((r) => setTimeout(r, 10));
  };
  /** The histogram's request count per label set, e.g. `GET /items/:id 404`. */
  const counted = async () => {
    const { values } = await metrics.httpRequests.get();
    return Object.fromEntries(
      values
        .filter((value) => value.metricName === 'http_request_duration_seconds_count')
        .map((value) => [`${value.labels.method} ${value.labels.route} ${value.labels.status}`, value.value]),
    );
  };

  it('writes one line per request with the request id, method, URL, agent, status and time; no headers', async () => {
    await get('/ok?x=1', {
      'x-request-id': 'req-42',
      'user-agent': 'tour-app/1.0',
      authorization: 'Bearer s3cret',
    });
    await untilLines(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'req-42', method: 'GET', url: '/ok?x=1', userAgent: 'tour-app/1.0' },
      res: { statusCode: 200 },
    });
    expect(typeof lines[0].responseTime).toBe('number');
    expect(JSON.stringify(lines[0])).not.toContain('s3cret');
  });

  it('times every answered request under its route pattern, never the raw URL', async () => {
    await get('/ok');
    await get('/ok');
    await get('/items/3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d');
    await get('/nowhere');
    await untilLines(4);
    expect(await counted()).toEqual({ 'GET /ok 200': 2, 'GET /items/:id 404': 1, 'GET unmatched 404': 1 });
  });

  it('sees a request its route never reached: a body the parser rejected, labelled as such', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"unfinished',
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toBeTruthy();
    await untilLines(1);
    expect(lines[0]).toMatchObject({ msg: 'request completed', req: { method: 'POST', url: '/echo' } });
    expect(await counted()).toEqual({ 'POST body_rejected 400': 1 });
  });

  it('logs a 5xx at error as request errored', async () => {
    await get('/fail');
    await untilLines(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: 'request errored', res: { statusCode: 500 } });
  });

  it('logs a request the client left before its end as request aborted, once, and does not time it', async () => {
    const request = httpRequest({ port, path: '/hang' });
    request.on('error', () => undefined);
    request.end();
    await new Promise((r) => setTimeout(r, 50));
    request.destroy();
    await untilLines(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'request aborted', req: { url: '/hang' } });
    expect(await counted()).toEqual({});
  });

  it('keeps a session id in the URL to its first 8 characters, and skips the liveness probe', async () => {
    await get('/health/live');
    await get('/ok?session=3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d');
    await untilLines(1);
    await new Promise((r) => setTimeout(r, 30));
    expect(lines.map((line) => line.req.url)).toEqual(['/ok?session=3f1b2c4d…']);
    expect(await counted()).toMatchObject({ 'GET /health/live 200': 1 });
  });
});
