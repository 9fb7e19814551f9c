import { createServer, IncomingMessage, request as httpRequest, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { allowHandOver, HandedOverSocket, keptOnHandOver } from './socket-handover';

/** A real HTTP server and client: what a taken-over connection sends is read by Node's own client. */
describe(HandedOverSocket.name, () => {
  let server: Server;
  let port: number;
  let handle: (request: IncomingMessage, response: ServerResponse) => void;

  beforeEach(async () => {
    server = createServer((request, response) => handle(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function get(method = 'GET') {
    return new Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>(
      (resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method, path: '/', agent: false }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode!, headers: response.headers, body }),
          );
        });
        req.on('error', reject);
        req.end();
      },
    );
  }

  /** Takes the connection over a turn after the 'request' event, as a stream does. */
  function takeLater(response: ServerResponse, allowed = true): Promise<HandedOverSocket | null> {
    if (allowed) allowHandOver(response);
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    return new Promise((resolve) => setImmediate(() => resolve(HandedOverSocket.take(response))));
  }

  it('sends the head as set, then the body in chunks, and ends both body and connection', async () => {
    const closed = jest.fn();
    handle = (request, response) => {
      response.setHeader('x-request-id', 'r-1');
      void takeLater(response).then((socket) => {
        expect(socket).not.toBeNull();
        expect((socket!.socket as Socket & { parser?: unknown }).parser).toBeNull();
        socket!.socket.once('close', closed);
        socket!.write('data: é\n\n');
        socket!.write(': heartbeat\n\n');
        socket!.end();
      });
    };
    const answer = await get();
    expect(answer).toMatchObject({
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'x-request-id': 'r-1', 'transfer-encoding': 'chunked' },
      body: 'data: é\n\n: heartbeat\n\n',
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toHaveBeenCalledTimes(1);
  });

  it('keeps the listeners marked to be kept and drops the others', async () => {
    const kept = jest.fn();
    const dropped = jest.fn();
    let socket: HandedOverSocket | null = null;
    handle = (request, response) => {
      request.socket.once('close', keptOnHandOver(kept));
      request.socket.once('close', dropped);
      void takeLater(response).then((taken) => {
        socket = taken;
        taken!.end();
      });
    };
    await get();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(socket).not.toBeNull();
    expect([kept.mock.calls.length, dropped.mock.calls.length]).toEqual([1, 0]);
  });

  it('notices a client that goes away', async () => {
    let closed!: () => void;
    const gone = new Promise<void>((resolve) => (closed = resolve));
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    handle = (_request, response) => {
      void takeLater(response).then((socket) => {
        socket!.socket.once('close', closed);
        socket!.write(': connected\n\n');
        opened();
      });
    };
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', agent: false });
    req.on('error', () => undefined);
    req.end();
    await open;
    req.destroy();
    await gone;
  });

  it('leaves a response not allowed to its own connection (its observers wait for its close)', async () => {
    let taken: HandedOverSocket | null | undefined;
    handle = (_request, response) => {
      void takeLater(response, false).then((socket) => {
        taken = socket;
        response.end('through the response');
      });
    };
    expect((await get()).body).toBe('through the response');
    expect(taken).toBeNull();
  });

  it('leaves a HEAD request to its response', async () => {
    let taken: HandedOverSocket | null | undefined;
    handle = (_request, response) => {
      void takeLater(response).then((socket) => {
        taken = socket;
        response.end();
      });
    };
    expect((await get('HEAD')).status).toBe(200);
    expect(taken).toBeNull();
  });
});
