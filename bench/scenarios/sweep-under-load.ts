import { BenchContext, ScenarioResult } from '../support/context';
import { adminStats } from '../support/http';
import { serviceEnv, startService } from '../support/service';
import { SessionSeeder } from '../support/service-internals';
import { fmt, fmtSpread, spread } from '../support/stats';
import { QUESTION } from './query-throughput';

const IDLE_TTL_S = 600;

/**
 * Can the sweep keep up at peak? A backlog of expired sessions, then a saturating load of queries that
 * each create a session (no sessionId, 50 connections): sessions archived per second against sessions
 * created per second, window by window, both on the same instance at the same time.
 */
export async function sweepUnderLoad(ctx: BenchContext): Promise<ScenarioResult> {
  const { sizes } = ctx;
  const env = serviceEnv('backlog', ctx.redisUrl, {
    SESSION_IDLE_TTL_SECONDS: String(IDLE_TTL_S),
    CLEANUP_CRON: '* * * * * *',
  });
  const seeder = new SessionSeeder(ctx.redisUrl, env);
  await seeder.seed(sizes.backlogSessions, {
    lastActivityAt: Date.now() - (IDLE_TTL_S + 60) * 1000,
    turns: 2,
    textLength: 60,
  });
  await seeder.close();
  const service = await startService('backlog', env);
  try {
    const rows: string[][] = [];
    const ratios: number[] = [];
    const sweepRates: number[] = [];
    const createRates: number[] = [];
    let drained = false;
    for (let window = 1; window <= sizes.backlogWindows && !drained; window++) {
      const before = (await adminStats(service.url)).endedTotal.expired ?? 0;
      const t0 = Date.now();
      const load = await ctx.load.run({
        url: service.url,
        method: 'POST',
        path: '/v1/query',
        connections: sizes.connections,
        durationS: sizes.backlogWindowSeconds,
        body: JSON.stringify({ text: QUESTION }),
      });
      const seconds = (Date.now() - t0) / 1000;
      const after = (await adminStats(service.url)).endedTotal.expired ?? 0;
      drained = after >= sizes.backlogSessions;
      const sweepRate = (after - before) / seconds;
      sweepRates.push(sweepRate);
      createRates.push(load.okPerSecond);
      ratios.push(sweepRate / load.okPerSecond);
      rows.push([
        String(window),
        fmt(load.okPerSecond, 0),
        fmt(sweepRate, 0),
        fmt(ratios.at(-1)!, 2),
        drained ? 'yes (rate is a floor)' : 'no',
      ]);
    }
    return {
      title: 'Sweep under a saturating load of new sessions',
      method: `${fmt(sizes.backlogSessions, 0)} expired sessions seeded (2 entries each), one instance sweeping every second (\`SESSION_IDLE_TTL_SECONDS=${IDLE_TTL_S}\`). Then ${sizes.backlogWindows} windows of ${sizes.backlogWindowSeconds} s of \`POST /v1/query\` without a \`sessionId\` (each creates a session) at full speed, ${sizes.connections} connections. Created/s: the load's 2xx per second; archived/s: the growth of \`endedTotal.expired\` (\`GET /v1/admin/stats\`) over the window.`,
      table: [
        ['window', 'sessions created/s', 'sessions archived/s', 'archived ÷ created', 'backlog drained'],
        ...rows,
        [
          'median',
          fmtSpread(spread(createRates), 0),
          fmtSpread(spread(sweepRates), 0),
          fmtSpread(spread(ratios)),
          '',
        ],
      ],
      figures: { backlogRatio: spread(ratios) },
    };
  } finally {
    await service.stop();
  }
}
