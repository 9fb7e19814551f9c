import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A tiny TCP proxy in front of a test server, to lose things on the wire as a mobile network does:
 * `cutNextResponse()` forwards the next request whole and closes the client's connection as soon as
 * the server starts answering, so the server did the work but the client never hears of it (with a
 * marker: the response is forwarded up to the marker's first byte, e.g. `event: done`);
 * `cutAll()` drops every open connection; `refuse(true)` closes new connections at once.
 * `requests` holds the head of every request seen (request line and headers), in arrival order.
 */
export class TcpProxy {
  readonly requests: string[] = [];
  /** Responses cut by cutNextResponse so far. */
  cutResponses = 0;
  private readonly pairs = new Set<[Socket, Socket]>();
  /** Markers of the responses to cut, in order; '' cuts at the first byte. */
  private readonly cuts: string[] = [];
  private refusing = false;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<TcpProxy> {
    const { hostname, port } = new URL(target);
    let proxy: TcpProxy | null = null;
    const server = createServer((client) => proxy?.accept(client, hostname, Number(port)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return proxy;
  }

  /** The next response (of any request) is cut before its first byte, or before `marker`, reaches the client. */
  cutNextResponse(marker = ''): void {
    this.cuts.push(marker);
  }

  cutAll(): void {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
  }

  refuse(on: boolean): void {
    this.refusing = on;
    if (on) this.cutAll();
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host, port });
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (/^[A-Z]+ \S+ HTTP\/1\.1\r\n/.test(text)) this.requests.push(text.split('\r\n\r\n')[0]);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      const at = this.cuts.length > 0 ? chunk.indexOf(this.cuts[0]) : -1;
      if (at < 0) {
        client.write(chunk);
        return;
      }
      this.cuts.shift();
      this.cutResponses += 1;
      if (at === 0) drop();
      else client.write(chunk.subarray(0, at), drop);
    });
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('error', drop);
    upstream.on('error', drop);
  }
}
