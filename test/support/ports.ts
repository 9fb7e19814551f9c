import { createServer } from 'node:net';

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port nobody listens on, for a server a test starts itself (redis-server, the built service); with
 * `withBusPort`, port + 10000 too (a Cluster node's bus).
 */
export async function freePort(withBusPort = false): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await isFree(port)) && (!withBusPort || (await isFree(port + 10_000)))) return port;
  }
  throw new Error('no free port found');
}
