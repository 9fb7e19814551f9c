import { Redis } from 'ioredis';
import { BenchContext, ScenarioResult } from '../support/context';
import { LoadRequest } from '../support/load';
import { scanPrefix, withRedis } from '../support/redis';
import { serviceEnv, startService } from '../support/service';
import { SessionSeeder } from '../support/service-internals';
import { fmt, fmtSpread, spread } from '../support/stats';
import { archivedLines, sweepRuns, untilExpired } from '../support/sweep-watch';
import { QUESTION } from './query-throughput';

const IDLE_TTL_S = 600;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/;

/**
 * N expired sessions (two history entries each) waiting for an instance that sweeps every second: the
 * time until every one is archived to the file archive and removed, and the p99 of a steady query load
 * on live sessions during the sweep against the same load once it is over.
 */
export async function sweepBacklog(ctx: BenchContext): Promise<ScenarioResult> {
  const { sizes } = ctx;
  const n = sizes.sweepSessions;
  const env = serviceEnv('sweep', ctx.redisUrl, {
    SESSION_IDLE_TTL_SECONDS: String(IDLE_TTL_S),
    CLEANUP_CRON: '* * * * * *',
  });
  const seeder = new SessionSeeder(ctx.redisUrl, env);
  const live = await seeder.seed(10, { lastActivityAt: Date.now(), turns: 10, textLength: 60 });
  const load = (url: string): LoadRequest => ({
    url,
    method: 'POST',
    path: '/v1/query',
    connections: 10,
    overallRate: sizes.sweepLoadRate,
    durationS: sizes.sweepWindowSeconds,
    body: JSON.stringify({ sessionId: '$SESSION', text: QUESTION }),
    perConnection: live,
  });
  // Without a sweep: the instance over the live sessions alone (it ticks every second, nothing is due).
  // The first window of each phase warms the process up and is not counted.
  const quiet = await startService('sweep-quiet', env);
  const without: number[] = [];
  try {
    for (let i = 0; i <= sizes.sweepQuietWindows; i++) {
      const p99 = (await ctx.load.run(load(quiet.url))).p99;
      if (i > 0) without.push(p99);
    }
  } finally {
    await quiet.stop();
  }
  const seedStart = Date.now();
  await seeder.seed(n, { lastActivityAt: Date.now() - (IDLE_TTL_S + 60) * 1000, turns: 2, textLength: 60 });
  const seedSeconds = (Date.now() - seedStart) / 1000;
  await seeder.close();
  const service = await startService('sweep', env);
  try {
    const startedAt = Date.now();
    const watch = untilExpired(service, n, sizes.sweepWaitCapSeconds * 1000, startedAt);
    let finished: number | null | undefined;
    void watch.then((result) => (finished = result.doneAt));
    const during: number[] = [];
    for (let i = 0; finished === undefined; i++) {
      const result = await ctx.load.run(load(service.url));
      if (i > 0 && (finished === undefined || (finished !== null && finished >= Date.now())))
        during.push(result.p99);
    }
    const { doneAt, expired } = await watch;
    const seconds = ((doneAt ?? Date.now()) - startedAt) / 1000;
    const rate = expired / seconds;
    const sweepSeconds = doneAt ? seconds : n / rate;
    await service.stop(); // at the cap, what is left stays unswept
    const archived = archivedLines(service.archiveDir);
    const leftKeys = await withRedis(ctx.redisUrl, (redis: Redis) =>
      countSessionKeys(redis, env.REDIS_KEY_PREFIX, new Set(live)),
    );
    const sweepP99Ratio = spread(during).median / spread(without).median;
    const runs = sweepRuns(service);
    return {
      title: 'Sweep of a backlog of expired sessions',
      method: `${fmt(n, 0)} sessions with 2 history entries each, written with the service's adapter ${IDLE_TTL_S + 60} s in the past (${fmt(seedSeconds, 1)} s to seed), plus 10 live sessions with 10 entries; then one instance starts with \`SESSION_IDLE_TTL_SECONDS=${IDLE_TTL_S}\`, \`CLEANUP_CRON\` every second and the file archive (stopped at the end, or at the cap). Time: from the instance answering /health/ready to \`endedTotal.expired\` of \`GET /v1/admin/stats\` reaching ${fmt(n, 0)} (its first tick comes within a second)${doneAt ? '' : `; **not done after ${sizes.sweepWaitCapSeconds} s**, so the time is projected from the rate reached`}. Meanwhile a steady load of ${sizes.sweepLoadRate} queries/s (autocannon, 10 connections, the 10 live sessions) runs in ${sizes.sweepWindowSeconds}-s windows; p99 per window during the sweep against ${sizes.sweepQuietWindows} windows of the same load on an instance of the same configuration started before the backlog was written (ticking every second with nothing to do); the first window of each phase is a warm-up and not counted.`,
      table: [
        ['figure', 'value'],
        ['archived (expired) / lines in the file archive', `${fmt(expired, 0)} / ${fmt(archived, 0)}`],
        [`session keys left in Redis (besides the 10 live)${doneAt ? '' : ', at the cap'}`, fmt(leftKeys, 0)],
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
        ['query p99 without it, ms, per window', fmtSpread(spread(without))],
        ['**p99 during ÷ without (medians)**', `**${fmt(sweepP99Ratio, 2)}**`],
      ],
      figures: { sweepSeconds, sweepRate: rate, sweepP99Ratio },
    };
  } finally {
    await service.stop();
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
