import { createServer, get, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'express';
import { EventStreamWriter } from './event-stream';

/** A real HTTP server and client: the order of 'finish', 'close' and later writes is Node's own. */
describe(EventStreamWriter.name, () => {
  let server: Server;
  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('writes nothing once ended, though a late write comes before the response has closed', async () => {
    const gone = jest.fn();
    let writer!: EventStreamWriter;
    server = createServer((_request, response) => {
      writer = new EventStreamWriter(response as unknown as Response, gone, () => undefined);
      writer.send({ event: 'message', id: '1-0', data: { n: 1 } });
      writer.end();
      writer.send({ event: 'message', id: '2-0', data: { n: 2 } }); // a read that finished late
      writer.send({ comment: 'heartbeat' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/' }, (response: IncomingMessage) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(body).toBe('id: 1-0\nevent: message\ndata: {"n":1}\n\n');
    expect(writer.isOpen).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(gone).toHaveBeenCalledTimes(1);
  });
});
