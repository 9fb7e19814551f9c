import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { redisCli, startRedisServer } from './redis-server';
import { waitFor } from './eventually';

export const SENTINEL_MASTER = 'mymaster';

export interface SentinelGroup {
  /** `host:port,…` of the Sentinels, as REDIS_SENTINELS takes it. */
  sentinels: string;
  /** The port of the primary at the start. */
  primaryPort: number;
  replicaPorts: number[];
  /** SIGKILLs the current primary (its process is gone for good). */
  killPrimary(): Promise<void>;
  /**
   * Cuts the current primary off from its replicas while its clients keep their connections, as a
   * partition between them would: it starts asking for a password, which connections open already
   * (the service's, the Sentinels') do not need again, and drops its replica links, which can then not
   * come back. From then on, writes exist on the primary alone.
   */
  cutReplication(): Promise<void>;
  /** The port the Sentinels name as primary now. */
  currentPrimaryPort(): Promise<number>;
  stop(): Promise<void>;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await waitFor(what, probe, { timeoutMs, intervalMs: 100 });
}

const info = (port: number, section: string) => redisCli(['-p', String(port), 'info', section]);

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/**
 * A primary with `replicas` replicas and `sentinelCount` `redis-server --sentinel` processes on free
 * ports, all of the test's own and thrown away after. Sentinels call a primary down after 1 s without
 * an answer (quorum 2), so a failover takes a few seconds; replicas sync without the diskless delay.
 */
export async function startSentinelGroup(replicas = 2, sentinelCount = 3): Promise<SentinelGroup> {
  const dir = mkdtempSync(join(tmpdir(), 'tg-sentinel-'));
  const servers = new Map<number, ChildProcess>();
  const sentinelProcesses: ChildProcess[] = [];
  const sentinelPorts: number[] = [];
  const stop = async () => {
    await Promise.all([...servers.values(), ...sentinelProcesses].map(stopProcess));
    rmSync(dir, { recursive: true, force: true });
  };
  // Replicas write the RDB of a full sync to their folder: this group's own, not the working directory.
  const fastSync = ['--repl-diskless-sync-delay', '0', '--dir', dir];
  try {
    const primaryPort = await freePort();
    servers.set(primaryPort, await startRedisServer(primaryPort, fastSync));
    const replicaPorts: number[] = [];
    for (let i = 0; i < replicas; i++) {
      const port = await freePort();
      replicaPorts.push(port);
      servers.set(
        port,
        await startRedisServer(port, [...fastSync, '--replicaof', '127.0.0.1', String(primaryPort)]),
      );
    }
    await until(
      `${replicas} replicas in sync`,
      async () => ((await info(primaryPort, 'replication')).match(/state=online/g)?.length ?? 0) === replicas,
    );
    for (let i = 0; i < sentinelCount; i++) {
      const port = await freePort();
      sentinelPorts.push(port);
      const conf = join(dir, `sentinel-${port}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${primaryPort} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER} ${replicas}`,
          '',
        ].join('\n'),
      );
      sentinelProcesses.push(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
    }
    // Ready when every Sentinel knows the replicas and the other Sentinels (needed to agree on a failover).
    for (const port of sentinelPorts) {
      await until(`Sentinel ${port} to know its peers`, async () => {
        const master = await redisCli(['-p', String(port), 'sentinel', 'master', SENTINEL_MASTER]);
        const field = (name: string) => Number(new RegExp(`${name}\\n(\\d+)`).exec(master)?.[1] ?? -1);
        return field('num-slaves') === replicas && field('num-other-sentinels') === sentinelCount - 1;
      });
    }
    const currentPrimaryPort = async () => {
      const reply = await redisCli([
        '-p',
        String(sentinelPorts[0]),
        'sentinel',
        'get-master-addr-by-name',
        SENTINEL_MASTER,
      ]);
      return Number(reply.trim().split('\n')[1]);
    };
    return {
      sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
      primaryPort,
      replicaPorts,
      currentPrimaryPort,
      killPrimary: async () => {
        const port = await currentPrimaryPort();
        const primary = servers.get(port);
        if (!primary) throw new Error(`no server of this group on ${port}`);
        await stopProcess(primary);
      },
      cutReplication: async () => {
        const port = String(await currentPrimaryPort());
        await redisCli(['-p', port, 'config', 'set', 'requirepass', 'partitioned']);
        await redisCli([
          '-p',
          port,
          '--no-auth-warning',
          '-a',
          'partitioned',
          'client',
          'kill',
          'type',
          'replica',
        ]);
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
