import express from 'express';
import { once } from 'node:events';
import { AddressInfo } from 'node:net';
import { request as httpRequest, Server } from 'node:http';
import { AppConfig } from '../config/app-config';
import { requestIdMiddleware } from '../common/request-id.middleware';
import { accessLog } from './access-log';
import { AppLogger } from './app-logger';
import { createRootLogger } from './root-logger';

interface Line {
  level: number;
  msg: string;
  context?: string;
  sessionId?: string;
  err: { message: string; stack: string };
  req: { url: string };
  responseTime?: number;
}

function capturedRoot(level: AppConfig['logLevel'] = 'info') {
  const lines: Line[] = [];
  const root = createRootLogger(
    { logLevel: level },
    {
      write: (s: string) => lines.push(JSON.parse(s)),
    },
  );
  return { root, lines };
}

describe(AppLogger.name, () => {
  it('writes a message with its context, and an object message merged into the line', () => {
    const { root, lines } = capturedRoot();
    const sut = new AppLogger(root);
    sut.log('started', 'Boot');
    sut.warn(
      { msg: 'session IP changed', sessionId: '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d' },
      'SessionLifecycle',
    );
    expect(lines[0]).toMatchObject({
      level: 30,
      context: 'Boot',
      msg: 'started',
      service: 'tour-guide-sessions',
    });
    expect(lines[1]).toMatchObject({ level: 40, context: 'SessionLifecycle', msg: 'session IP changed' });
    expect(lines[1].sessionId).toBe('3f1b2c4d…');
  });

  it('logs an Error as err with its stack, and Nest’s (message, stack, context) contract the same way', () => {
    const { root, lines } = capturedRoot();
    const sut = new AppLogger(root);
    sut.error(new Error('boom'), 'Jobs');
    sut.error('handler failed', 'Error: handler failed\n    at somewhere (file.js:1:1)', 'ExceptionsHandler');
    expect(lines[0]).toMatchObject({ level: 50, context: 'Jobs', err: { message: 'boom' } });
    expect(lines[0].err.stack).toContain('Error: boom');
    expect(lines[1]).toMatchObject({ context: 'ExceptionsHandler', err: { message: 'handler failed' } });
    expect(lines[1].err.stack).toContain('at somewhere');
  });

  it('writes nothing below the configured level', () => {
    const { root, lines } = capturedRoot('warn');
    const sut = new AppLogger(root);
    sut.log('quiet', 'Boot');
    sut.debug({ msg: 'quieter' }, 'Boot');
    sut.warn('loud', 'Boot');
    expect(lines.map((line) => line.msg)).toEqual(['loud']);
  });
});

describe(accessLog.name, () => {
  const { root, lines } = capturedRoot();
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const app = express();
    app.use(requestIdMiddleware);
    app.use(accessLog(root));
    app.get('/ok', (_req, res) => res.json({ ok: true }));
    app.get('/fail', (_req, res) => res.status(500).json({ ok: false }));
    app.get('/health/live', (_req, res) => res.json({ status: 'ok' }));
    app.get('/hang', () => undefined);
    server = app.listen(0);
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => lines.splice(0));

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}${path}`, { headers }).then((response) => response.text());
  const untilLines = async (count: number) => {
    for (let i = 0; i < 200 && lines.length < count; i++) await new Promise((r) => setTimeout(r, 10));
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

  it('logs a 5xx at error as request errored', async () => {
    await get('/fail');
    await untilLines(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: 'request errored', res: { statusCode: 500 } });
  });

  it('logs a request the client left before its end as request aborted, once', async () => {
    const request = httpRequest({ port, path: '/hang' });
    request.on('error', () => undefined);
    request.end();
    await new Promise((r) => setTimeout(r, 50));
    request.destroy();
    await untilLines(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'request aborted', req: { url: '/hang' } });
  });

  it('keeps a session id in the URL to its first 8 characters, and skips the liveness probe', async () => {
    await get('/health/live');
    await get('/ok?session=3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d');
    await untilLines(1);
    await new Promise((r) => setTimeout(r, 30));
    expect(lines.map((line) => line.req.url)).toEqual(['/ok?session=3f1b2c4d…']);
  });
});
