import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { waitFor } from './eventually';

/** Redis servers of a test's own (so stopping one disturbs nobody else), from the machine's redis-server. */

/** Runs redis-cli with `args`; resolves with what it printed. */
export function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const cli = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    cli.stdout.on('data', (data: Buffer) => (out += data.toString()));
    cli.stderr.on('data', (data: Buffer) => (out += data.toString()));
    cli.on('error', reject);
    cli.on('close', () => resolve(out));
  });
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  await waitFor(what, probe, { timeoutMs, intervalMs: 50 });
}

/** Starts redis-server on `port` (nothing kept on disk) and waits until it answers PING. */
export async function startRedisServer(port: number, extraArgs: string[] = []): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: 'ignore' },
  );
  await until(`redis-server on port ${port}`, async () =>
    (await redisCli(['-p', String(port), 'ping'])).includes('PONG'),
  );
  return child;
}

export interface RedisCluster {
  /** `host:port,…` as REDIS_CLUSTER_NODES takes it. */
  nodes: string;
  ports: number[];
  stop(): Promise<void>;
}

/** A Redis Cluster of `size` masters (no replicas) on free ports, every slot assigned. */
export async function startRedisCluster(size = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-redis-cluster-'));
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve(null);
            child.once('exit', resolve);
            child.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < size; i++) {
      const port = await freePort(true);
      ports.push(port);
      children.push(
        await startRedisServer(port, [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--dir',
          dir,
        ]),
      );
    }
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    const created = await redisCli([
      '--cluster',
      'create',
      ...addresses,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    if (!created.includes('All 16384 slots covered')) throw new Error(`cluster not created:\n${created}`);
    for (const port of ports) {
      await until(`cluster state ok on ${port}`, async () =>
        (await redisCli(['-p', String(port), 'cluster', 'info'])).includes('cluster_state:ok'),
      );
    }
    return { nodes: addresses.join(','), ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
