/**
 * `npm run bench [-- --quick] [-- --only name,name]`: the benchmark suite of issue 12. Starts a private
 * Redis, builds the service when src/ changed, runs every scenario against spawned service instances and
 * baselines with load from a separate autocannon process, and writes BENCHMARKS.md (a partial run with
 * --only writes test/artifacts/bench/BENCHMARKS.partial.md instead). Every process it starts is ended on exit and on Ctrl-C.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchContext, ScenarioResult, sizesFor } from './support/context';
import { LoadGenerator } from './support/load';
import { machineFacts } from './support/machine';
import { renderReport } from './support/report';
import { startRedis } from './support/redis';
import { BENCH_TMP } from './support/processes';
import { ensureBuilt } from './support/service';
import { queryThroughput } from './scenarios/query-throughput';
import { roundTrips } from './scenarios/round-trips';
import { redisBytes } from './scenarios/redis-bytes';
import { heapSessions } from './scenarios/heap-sessions';
import { streams } from './scenarios/streams';
import { sweepBacklog } from './scenarios/sweep-backlog';
import { sweepUnderLoad } from './scenarios/sweep-under-load';
import { tickScaling } from './scenarios/tick-scaling';

const SCENARIOS: Record<string, (ctx: BenchContext) => Promise<ScenarioResult>> = {
  query: queryThroughput,
  roundtrips: roundTrips,
  bytes: redisBytes,
  heap: heapSessions,
  streams,
  sweep: sweepBacklog,
  backlog: sweepUnderLoad,
  ticks: tickScaling,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? args[onlyIndex + 1].split(',') : Object.keys(SCENARIOS);
  const started = Date.now();
  const log = (message: string) =>
    process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
  rmSync(BENCH_TMP, { recursive: true, force: true }); // the previous run's logs and archives
  mkdirSync(BENCH_TMP, { recursive: true });
  const built = ensureBuilt();
  const machine = await machineFacts();
  const redis = await startRedis();
  const load = new LoadGenerator();
  const ctx: BenchContext = {
    quick,
    sizes: sizesFor(quick),
    redisUrl: redis.url,
    redisPid: redis.pid,
    load,
    log,
  };
  const results: ScenarioResult[] = [];
  try {
    for (const name of only) {
      const scenario = SCENARIOS[name];
      if (!scenario) throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
      const t0 = Date.now();
      log(`== ${name}`);
      const result = await scenario(ctx);
      results.push(result);
      // The next scenario starts on an empty store: what one leaves (100,000 sessions of the heap
      // scenario, 1,000,000 of the ticks one) would slow the Redis work of the next and make its figures
      // depend on the order of the run.
      await redis.clear();
      log(`   ${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
  } finally {
    await load.stop();
    // A private server goes with its keys; on BENCH_REDIS_URL the run's own prefix is deleted.
    if (process.env.BENCH_REDIS_URL) await redis.clear();
    await redis.stop();
  }
  const git = (command: string) => execSync(`git ${command}`).toString().trim();
  // What was measured is src/: the last commit that changed it, and the suite's own commit.
  const commit = `${git('log -1 --format=%h -- src')} (src/; suite at ${git('rev-parse --short HEAD')})`;
  const dirty = git('status --porcelain -- src') !== '';
  const report = renderReport({
    quick,
    machine: { ...machine, redisVersion: redis.version },
    commit: dirty ? `${commit} (src/ with uncommitted changes)` : commit,
    built,
    durationS: (Date.now() - started) / 1000,
    results,
    complete: only.length === Object.keys(SCENARIOS).length,
  });
  const file =
    only.length === Object.keys(SCENARIOS).length
      ? 'BENCHMARKS.md'
      : join(BENCH_TMP, 'BENCHMARKS.partial.md');
  writeFileSync(file, report);
  log(`wrote ${file} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.exit(0);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
