import { Redis } from 'ioredis';
import { BenchContext, ScenarioResult } from '../support/context';
import { deletePrefix, scanPrefix, withRedis } from '../support/redis';
import { sleep } from '../support/processes';
import { serviceEnv, startService } from '../support/service';
import { SessionSeeder } from '../support/service-internals';
import { LoadResult } from '../support/load';
import { fmt, fmtSpread, percentile, spread } from '../support/stats';
import { archivedLines, sweepRuns, untilExpired } from '../support/sweep-watch';
import { QUESTION } from './query-throughput';

const IDLE_TTL_S = 600;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/;

/** Seeding budget: the backlog becomes due this long after seeding starts (4 sessions per ms, + 3 s). */
const dueDelayMs = (n: number) => 3000 + n / 4;

/**
 * N sessions (two history entries each) that all expire at one moment on a warm instance sweeping every
 * second: the time until every one is archived to the file archive and removed, and the p99 of a steady
 * query load on live sessions during the sweep against the same load before it (and after it).
 */
export async function sweepBacklog(ctx: BenchContext): Promise<ScenarioResult> {
  const { sizes } = ctx;
  const n = sizes.sweepSessions;
  const env = serviceEnv('sweep', ctx.redisUrl, {
    SESSION_IDLE_TTL_SECONDS: String(IDLE_TTL_S),
    CLEANUP_CRON: '* * * * * *',
  });
  const seeder = new SessionSeeder(ctx.redisUrl, env);
  const seedLive = () => seeder.seed(10, { lastActivityAt: Date.now(), turns: 10, textLength: 60 });
  const window = async (url: string, live: string[]) =>
    await ctx.load.run({
      url,
      method: 'POST',
      path: '/v1/query',
      connections: 10,
      overallRate: sizes.sweepLoadRate,
      durationS: sizes.sweepWindowSeconds,
      body: JSON.stringify({ sessionId: '$SESSION', text: QUESTION }),
      perConnection: live,
      keepLatencies: true,
    });
  /** A warm-up window (not counted), then the quiet windows. */
  const quiet = async (url: string, live: string[]) => {
    await window(url, live);
    const windows: LoadResult[] = [];
    for (let i = 0; i < sizes.sweepQuietWindows; i++) windows.push(await window(url, live));
    return windows;
  };
  let service = await startService('sweep', env);
  try {
    const live = await seedLive();
    const without = await quiet(service.url, live);
    const dueAt = Date.now() + dueDelayMs(n);
    await seeder.seed(n, { lastActivityAt: dueAt - IDLE_TTL_S * 1000, turns: 2, textLength: 60 });
    const seedLate = Date.now() > dueAt;
    await sleep(dueAt - Date.now());
    const watch = untilExpired(service, n, sizes.sweepWaitCapSeconds * 1000, dueAt);
    let finished: number | null | undefined;
    void watch.then((result) => (finished = result.doneAt));
    const during: LoadResult[] = [];
    while (finished === undefined) {
      const result = await window(service.url, live);
      if (finished === undefined || (finished !== null && finished >= Date.now())) during.push(result);
    }
    const { doneAt, expired } = await watch;
    const seconds = ((doneAt ?? Date.now()) - dueAt) / 1000;
    const rate = expired / seconds;
    const sweepSeconds = doneAt ? seconds : n / rate;
    const runs = sweepRuns(service);
    if (doneAt) {
      without.push(...(await quiet(service.url, live)));
    } else {
      // A capped sweep leaves its backlog: the "after" windows run on a fresh instance, prefix wiped.
      await service.stop();
      await deletePrefix(ctx.redisUrl, env.REDIS_KEY_PREFIX);
      service = await startService('sweep-after', env);
      without.push(...(await quiet(service.url, await seedLive())));
    }
    const archived = archivedLines(service.archiveDir);
    const leftKeys = doneAt
      ? await withRedis(ctx.redisUrl, (redis: Redis) =>
          countSessionKeys(redis, env.REDIS_KEY_PREFIX, new Set(live)),
        )
      : null;
    const p99s = (windows: LoadResult[]) => spread(windows.map((w) => w.p99));
    const pooledP99 = (windows: LoadResult[]) =>
      percentile(
        windows.flatMap((w) => w.latencies ?? []),
        99,
      );
    const perWindowRatio = p99s(during).median / p99s(without).median;
    const sweepP99Ratio = pooledP99(during) / pooledP99(without);
    const count = (windows: LoadResult[]) =>
      fmt(
        windows.reduce((n, w) => n + (w.latencies?.length ?? 0), 0),
        0,
      );
    return {
      title: 'Sweep of a backlog of expired sessions',
      method: `One instance, \`SESSION_IDLE_TTL_SECONDS=${IDLE_TTL_S}\`, \`CLEANUP_CRON\` every second, the file archive, 10 live sessions with 10 entries. A steady load of ${sizes.sweepLoadRate} queries/s on the live sessions (autocannon, 10 connections) runs in ${sizes.sweepWindowSeconds}-s windows: a warm-up window and ${sizes.sweepQuietWindows} quiet ones, then ${fmt(n, 0)} sessions with 2 entries each are written with the service's adapter, all due to expire at one moment ${fmt(dueDelayMs(n) / 1000, 1)} s after seeding began${seedLate ? ' (**seeding took longer: the sweep began before it ended**)' : ''}; windows run from that moment until \`endedTotal.expired\` of \`GET /v1/admin/stats\` reaches ${fmt(n, 0)} (the sweep's first tick comes within a second of the moment)${doneAt ? '' : `, **not done after ${sizes.sweepWaitCapSeconds} s**: the time is projected from the rate reached`}; then ${sizes.sweepQuietWindows} quiet windows after it (${doneAt ? 'same instance' : 'a fresh instance after a warm-up, the prefix wiped and 10 live sessions seeded again'}). The goal's figure is the p99 of every query answered during the sweep against that of every query of the quiet windows before and after (each 2xx response's time as autocannon reports it, pooled): over three runs on this machine it moved 1.28–1.34, while the ratio of the per-window p99s' medians, the figure before, moved 1.00–1.38 (each window's p99 is its 6th-slowest query).`,
      table: [
        ['figure', 'value'],
        ['archived (expired) / lines in the file archive', `${fmt(expired, 0)} / ${fmt(archived, 0)}`],
        [
          'session keys left in Redis (besides the 10 live)',
          leftKeys === null ? 'not done' : fmt(leftKeys, 0),
        ],
        [
          `time to archive and remove ${fmt(n, 0)}`,
          `${fmt(sweepSeconds, 1)} s${doneAt ? '' : ' (projected)'}`,
        ],
        ['sweep rate', `${fmt(rate, 0)} sessions/s`],
        [
          'sweep runs logged (ended per run; duration)',
          runs.map((r) => `${r.ended} in ${fmt(r.durationMs / 1000, 1)} s`).join(', ') || 'none',
        ],
        ['query p99 during the sweep, ms, per window', fmtSpread(p99s(during))],
        ['query p99 without it (before and after), ms, per window', fmtSpread(p99s(without))],
        ['p99 during ÷ without, medians of the windows', fmt(perWindowRatio, 2)],
        [
          'query p99 during the sweep / without it, ms, every query of the windows pooled',
          `${fmt(pooledP99(during))} (${count(during)} queries) / ${fmt(pooledP99(without))} (${count(without)})`,
        ],
        ['**p99 during ÷ without, pooled**', `**${fmt(sweepP99Ratio, 2)}**`],
      ],
      figures: { sweepSeconds, sweepRate: rate, sweepP99Ratio },
    };
  } finally {
    await service.stop();
    await seeder.close();
  }
}

async function countSessionKeys(redis: Redis, prefix: string, except: Set<string>): Promise<number> {
  let left = 0;
  await scanPrefix(redis, prefix, (keys) => {
    left += keys.filter((key) => {
      const id = UUID.exec(key)?.[0];
      return id !== undefined && !except.has(id) && !key.includes('{bull}');
    }).length;
    return Promise.resolve();
  });
  return left;
}
