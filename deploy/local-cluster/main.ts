/**
 * `npm run start:cluster [-- --instances 3 --port 8080]`: the built service as N processes on one Redis
 * behind the machine's nginx running deploy/nginx.conf, without Docker or root. REDIS_URL set: that
 * Redis; unset: a redis-server of its own on a free port, thrown away at exit. Every other variable
 * (and `.env`) reaches the instances as usual. Ctrl-C or SIGTERM stops everything it started.
 */
import { parseArgs } from 'node:util';
import { startLocalCluster } from './local-cluster';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { instances: { type: 'string', default: '3' }, port: { type: 'string' } },
  });
  const instances = Number(values.instances);
  if (!Number.isInteger(instances) || instances < 1) throw new Error('--instances: a whole number ≥ 1');
  const port = values.port === undefined ? undefined : Number(values.port);
  const redisUrl = process.env.REDIS_URL || undefined;

  const cluster = await startLocalCluster({ instances, redisUrl, port, output: 'inherit' });
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      process.stdout.write('\nstopping the balancer, the instances (drain) and the own Redis…\n');
      cluster.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`stop failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
    });
  }
  const lines = [
    `tour-guide sessions: ${instances} instance(s) behind nginx`,
    `  ${cluster.url}   <- the balancer (deploy/nginx.conf)`,
    ...cluster.instances.map((app) => `  ${app.url}   instance ${app.index}, pid ${app.process.pid}`),
    `  redis: ${cluster.redisUrl}${redisUrl ? '' : ' (its own, discarded at exit)'}`,
    process.env.DATABASE_URL
      ? ''
      : '  archive: files, one folder per instance (set DATABASE_URL to share one)',
    'Ctrl-C stops everything.',
  ];
  process.stdout.write(`${lines.filter(Boolean).join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
