import { BenchContext, ScenarioResult } from '../support/context';
import { until } from '../support/processes';
import { Service, serviceEnv, startService } from '../support/service';
import { SessionSeeder, tipScans } from '../support/service-internals';
import { fmt, fmtSpread, spread } from '../support/stats';
import { sweepRuns } from '../support/sweep-watch';

const IDLE_TTL_S = 3600;
/** Idle tips after 8 s: the scan runs every 2 s over the sessions that crossed 8 s in the last 6 s. */
const TIP_S = 8;
const DUE_IN_MS = 1500;

interface Instance {
  name: string;
  label: string;
  env: Record<string, string>;
  service: Service;
  seeder: SessionSeeder;
  sweepMs: number[];
  scanMs: number[];
}

/**
 * Does a tick cost what is due, or what is live? Two instances, one with 10,000 live sessions and one
 * with 1,000,000 (both idle for a minute: due for nothing), take turns: 1,000 sessions that become due
 * for the sweep and 1,000 that cross the idle-tip threshold at one moment are seeded; the sweep run
 * that archives the first (its log line) and the idle scan that queues tips for the second (its BullMQ
 * job's processed → finished) are timed.
 */
export async function tickScaling(ctx: BenchContext): Promise<ScenarioResult> {
  const { sizes } = ctx;
  const instances: Instance[] = [];
  try {
    for (const [label, live] of [
      ['small', sizes.tickSmallLive],
      ['large', sizes.tickLargeLive],
    ] as const) {
      const env = serviceEnv(`ticks-${label}`, ctx.redisUrl, {
        SESSION_IDLE_TTL_SECONDS: String(IDLE_TTL_S),
        CLEANUP_CRON: '* * * * * *',
        PROACTIVE_IDLE_TIP_SECONDS: String(TIP_S),
      });
      const seeder = new SessionSeeder(ctx.redisUrl, env);
      const t0 = Date.now();
      const idleSince = Date.now() - 60_000;
      await seeder.seed(
        live,
        { lastActivityAt: (i) => idleSince - (i % 10_000), turns: 0, textLength: 0 },
        512,
      );
      ctx.log(`${fmt(live, 0)} live sessions seeded in ${fmt((Date.now() - t0) / 1000, 1)} s`);
      instances.push({
        name: `ticks-${label}`,
        label: `${fmt(live, 0)} live`,
        env,
        seeder,
        service: null!,
        sweepMs: [],
        scanMs: [],
      });
    }
    // Both instances boot at once, after both populations are written.
    await Promise.all(instances.map(async (i) => (i.service = await startService(i.name, i.env))));
    // Round 0 warms each process up (its first sweep and scan of real work) and is not counted.
    for (let round = 0; round <= sizes.tickRounds; round++) {
      for (const instance of instances) {
        const { sweepMs, scanMs } = await tick(instance, sizes.tickDue, ctx.redisUrl);
        ctx.log(
          `ticks ${instance.label}${round === 0 ? ' (warm-up)' : ''}: sweep ${sweepMs} ms, idle scan ${scanMs} ms`,
        );
        if (round === 0) continue;
        instance.sweepMs.push(sweepMs);
        instance.scanMs.push(scanMs);
      }
    }
    const [small, large] = instances;
    const ratio = (a: number[], b: number[]) => spread(a).median / spread(b).median;
    const sweepTickRatio = ratio(large.sweepMs, small.sweepMs);
    const scanTickRatio = ratio(large.scanMs, small.scanMs);
    return {
      title: 'Sweep and idle-scan time per tick against live sessions',
      method: `Two instances (\`CLEANUP_CRON\` every second, \`PROACTIVE_IDLE_TIP_SECONDS=${TIP_S}\`, so the idle scan runs every 2 s), one over ${fmt(sizes.tickSmallLive, 0)} and one over ${fmt(sizes.tickLargeLive, 0)} live sessions seeded with the service's adapter, idle for a minute (due for nothing). A warm-up round and ${sizes.tickRounds} counted rounds, the instances in turn: ${fmt(sizes.tickDue, 0)} sessions seeded to become expired together ${DUE_IN_MS / 1000} s later, and as many to cross the idle-tip threshold within 200 ms of the same moment; timed: the sweep run that archives the first (its 'sweep done' log line), and the first idle scan after the moment, which queues the tips of the second (its BullMQ job's processed → finished).`,
      table: [
        ['instance', 'sweep run, ms', 'idle scan, ms'],
        ...instances.map((i) => [i.label, fmtSpread(spread(i.sweepMs), 0), fmtSpread(spread(i.scanMs), 0)]),
        [`${large.label} ÷ ${small.label}`, fmt(sweepTickRatio, 2), fmt(scanTickRatio, 2)],
      ],
      figures: { sweepTickRatio, scanTickRatio },
    };
  } finally {
    for (const instance of instances) {
      await instance.service?.stop();
      await instance.seeder.close();
    }
  }
}

/** One round on one instance: 1,000 due for the sweep and 1,000 due for a tip at the same moment. */
async function tick(instance: Instance, due: number, redisUrl: string) {
  const prefix = instance.service.env.REDIS_KEY_PREFIX;
  const known = sweepRuns(instance.service).length;
  const dueAt = Date.now() + DUE_IN_MS;
  await instance.seeder.seed(due, { lastActivityAt: dueAt - IDLE_TTL_S * 1000, turns: 2, textLength: 60 });
  // Spread over 200 ms: the scan pages by last activity, and a page must not end inside one score.
  await instance.seeder.seed(due, {
    lastActivityAt: (i) => dueAt - TIP_S * 1000 + (i % 200),
    turns: 2,
    textLength: 60,
  });
  let runs: Array<{ ended: number; durationMs: number }> = [];
  let scan: { startedAt: number; ms: number } | undefined;
  await until(
    'the sweep of the due sessions and the idle scan after they crossed the threshold',
    async () => {
      runs = sweepRuns(instance.service).slice(known);
      scan ??= (await tipScans(redisUrl, prefix)).find((s) => s.startedAt >= dueAt + 200);
      return scan !== undefined && runs.reduce((n, r) => n + r.ended, 0) >= due;
    },
    60_000,
    100,
  );
  return { sweepMs: runs.reduce((ms, r) => ms + r.durationMs, 0), scanMs: scan!.ms };
}
