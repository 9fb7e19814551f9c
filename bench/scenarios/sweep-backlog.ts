import { Redis } from 'ioredis';
import { BenchContext, ScenarioResult } from '../support/context';
import { deletePrefix, scanPrefix, withRedis } from '../support/redis';
import { sleep } from '../support/processes';
import { serviceEnv, startService } from '../support/service';
import { SessionSeeder } from '../support/service-internals';
import { fmt, fmtSpread, spread } from '../support/stats';
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
    (
      await ctx.load.run({
        url,
        method: 'POST',
        path: '/v1/query',
        connections: 10,
        overallRate: sizes.sweepLoadRate,
        durationS: sizes.sweepWindowSeconds,
        body: JSON.stringify({ sessionId: '$SESSION', text: QUESTION }),
        perConnection: live,
      })
    ).p99;
  /** A warm-up window (not counted), then the quiet windows. */
  const quiet = async (url: string, live: string[]) => {
    await window(url, live);
    const p99s: number[] = [];
    for (let i = 0; i < sizes.sweepQuietWindows; i++) p99s.push(await window(url, live));
    return p99s;
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
    const during: number[] = [];
    while (finished === undefined) {
      const p99 = await window(service.url, live);
      if (finished === undefined || (finished !== null && finished >= Date.now())) during.push(p99);
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
    const sweepP99Ratio = spread(during).median / spread(without).median;
    return {
      title: 'Sweep of a backlog of expired sessions',
      method: `One instance, \`SESSION_IDLE_TTL_SECONDS=${IDLE_TTL_S}\`, \`CLEANUP_CRON\` every second, the file archive, 10 live sessions with 10 entries. A steady load of ${sizes.sweepLoadRate} queries/s on the live sessions (autocannon, 10 connections) runs in ${sizes.sweepWindowSeconds}-s windows: a warm-up window and ${sizes.sweepQuietWindows} quiet ones, then ${fmt(n, 0)} sessions with 2 entries each are written with the service's adapter, all due to expire at one moment ${fmt(dueDelayMs(n) / 1000, 1)} s after seeding began${seedLate ? ' (**seeding took longer: the sweep began before it ended**)' : ''}; windows run from that moment until \`endedTotal.expired\` of \`GET /v1/admin/stats\` reaches ${fmt(n, 0)} (the sweep's first tick comes within a second of the moment)${doneAt ? '' : `, **not done after ${sizes.sweepWaitCapSeconds} s**: the time is projected from the rate reached`}; then ${sizes.sweepQuietWindows} quiet windows after it (${doneAt ? 'same instance' : 'a fresh instance after a warm-up, the prefix wiped and 10 live sessions seeded again'}). p99 per window during against the quiet ones before and after.`,
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
        ['query p99 during the sweep, ms, per window', fmtSpread(spread(during))],
        ['query p99 without it (before and after), ms, per window', fmtSpread(spread(without))],
        ['**p99 during ÷ without (medians)**', `**${fmt(sweepP99Ratio, 2)}**`],
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
