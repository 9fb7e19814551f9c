import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderNginxConfig } from './nginx-config';
import { answersOk, answersPing, freePort, ManagedProcess, Output, waitUntil } from './processes';

const ROOT = join(__dirname, '..', '..');
const ENTRY = join(ROOT, 'dist', 'main.js');

export interface LocalClusterOptions {
  /** App instances (default 3). */
  instances?: number;
  /** The Redis every instance shares; absent: a redis-server of the cluster's own on a free port. */
  redisUrl?: string;
  /** The environment every instance starts from (default: this process's). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Set on every instance, over `baseEnv` and the cluster's own settings. */
  env?: Record<string, string | undefined>;
  /** The balancer's port on 127.0.0.1 (default: a free one). */
  port?: number;
  output?: Output;
}

export interface AppInstance {
  /** 1-based, as printed. */
  index: number;
  port: number;
  /** http://127.0.0.1:PORT, bypassing the balancer. */
  url: string;
  process: ManagedProcess;
}

export interface Balancer {
  url: string;
  port: number;
  process: ManagedProcess;
  /** The nginx configuration it runs (deploy/nginx.conf rendered, then `transform`ed). */
  config: string;
  /** Its access log (deploy/nginx.conf's `balanced` format: upstream address, request id). */
  accessLog: string;
  stop(): Promise<void>;
}

export interface LocalCluster {
  /** The balancer's URL: where clients go. */
  url: string;
  balancer: Balancer;
  instances: AppInstance[];
  redisUrl: string;
  /** Another nginx in front of the same instances, its rendered configuration changed by `transform`. */
  startBalancer(transform?: (config: string) => string): Promise<Balancer>;
  /** Stops the balancers, the instances (SIGTERM: they drain) and the own Redis; removes the temp folder. */
  stop(): Promise<void>;
}

/**
 * N instances of the built service (`dist/main.js`, separate processes) on one Redis, behind the
 * machine's nginx running deploy/nginx.conf rendered for local ports. No root needed: nginx and Redis
 * keep their pid, temp and data files in a temp folder removed at stop.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` first`);
  const output = options.output ?? 'capture';
  const dir = mkdtempSync(join(tmpdir(), 'tg-cluster-'));
  // Run as root, nginx's workers are `nobody`: they must reach their temp folders inside.
  chmodSync(dir, 0o755);
  const balancers: Balancer[] = [];
  const instances: AppInstance[] = [];
  let redis: ManagedProcess | null = null;

  const stop = async () => {
    await Promise.all([...balancers.map((lb) => lb.stop()), ...instances.map((app) => app.process.stop())]);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let redisUrl = options.redisUrl;
    if (!redisUrl) {
      const port = await freePort();
      redis = ManagedProcess.start(
        'redis-server',
        'redis-server',
        [
          ...`--port ${port} --bind 127.0.0.1 --appendonly no --loglevel warning`.split(' '),
          '--save',
          '',
          '--dir',
          dir,
        ],
        { output },
      );
      await waitUntil(`redis-server on port ${port}`, () => answersPing(port), { process: redis });
      redisUrl = `redis://127.0.0.1:${port}/0`;
    }
    const count = options.instances ?? 3;
    for (let index = 1; index <= count; index++) {
      instances.push(await spawnInstance(index, redisUrl, options, output));
    }
    await Promise.all(
      instances.map((app) =>
        waitUntil(`instance ${app.index} to be ready`, () => answersOk(`${app.url}/health/ready`), {
          process: app.process,
        }),
      ),
    );
    const startBalancer = async (transform: (config: string) => string = (config) => config) => {
      const port = balancers.length === 0 && options.port ? options.port : await freePort();
      const balancer = await spawnNginx(port, instances, join(dir, `nginx-${port}`), transform, output);
      balancers.push(balancer);
      return balancer;
    };
    const balancer = await startBalancer();
    return { url: balancer.url, balancer, instances, redisUrl, startBalancer, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function spawnInstance(
  index: number,
  redisUrl: string,
  options: LocalClusterOptions,
  output: Output,
): Promise<AppInstance> {
  const port = await freePort();
  const base = options.baseEnv ?? process.env;
  // The file archive is meant for one process per folder; a cluster should set DATABASE_URL.
  const archiveDir = join(base.ARCHIVE_DIR || join(ROOT, 'data', 'archive'), `instance-${index}`);
  const env: NodeJS.ProcessEnv = {
    ...base,
    PORT: String(port),
    REDIS_URL: redisUrl,
    ARCHIVE_DIR: archiveDir,
    // nginx is the one hop in front: its X-Forwarded-For entry (the visitor's address) is believed.
    TRUST_PROXY: base.TRUST_PROXY || '1',
    ...options.env,
  };
  const child = ManagedProcess.start(`instance ${index}`, process.execPath, [ENTRY], {
    cwd: ROOT,
    env,
    output,
  });
  return { index, port, url: `http://127.0.0.1:${port}`, process: child };
}

async function spawnNginx(
  port: number,
  instances: AppInstance[],
  dir: string,
  transform: (config: string) => string,
  output: Output,
): Promise<Balancer> {
  mkdirSync(dir, { recursive: true });
  const config = transform(
    renderNginxConfig({ listenPort: port, upstreamPorts: instances.map((app) => app.port), tempDir: dir }),
  );
  const confFile = join(dir, 'nginx.conf');
  writeFileSync(confFile, config);
  const child = ManagedProcess.start(
    `nginx on port ${port}`,
    'nginx',
    ['-p', dir, '-c', confFile, '-e', 'stderr', '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`],
    { output },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(`nginx on port ${port}`, () => answersOk(`${url}/health/live`), { process: child });
  // SIGQUIT: stop accepting at once, let what is in flight finish (the instances end their streams).
  const accessLog = join(dir, 'access.log');
  return {
    url,
    port,
    process: child,
    config,
    accessLog,
    stop: async () => void (await child.stop('SIGQUIT')),
  };
}
