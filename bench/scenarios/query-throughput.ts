import { seedCookies, startNestBaseline } from '../support/baselines';
import { runPrefix } from '../support/redis';
import { BenchContext, ScenarioResult } from '../support/context';
import { LoadRequest, LoadResult } from '../support/load';
import { serviceEnv, startService } from '../support/service';
import { SessionSeeder } from '../support/service-internals';
import { cpuMicros } from '../support/process-cpu';
import { fmt, fmtSpread, spread } from '../support/stats';

export const QUESTION = 'What is special about this hall, and who built it? Tell me more.';

/**
 * POST /v1/query on existing sessions (one per connection) with 10 and with 500 history entries, against
 * a bare NestJS hello, the same hello after two raw Redis round trips (the floor of a two-trip route), and express-session + connect-redis appending to a history array, all on the same
 * express stack, 50 connections, alternating target by target in every round.
 */
export async function queryThroughput(ctx: BenchContext): Promise<ScenarioResult> {
  const { sizes } = ctx;
  const targets: Array<{ name: string; pid: number; request: LoadRequest; stop(): Promise<void> }> = [];
  const base = {
    method: 'POST' as const,
    connections: sizes.connections,
    durationS: sizes.throughputSeconds,
  };
  try {
    // Every target boots at once (each its own process), then they take turns.
    const query = async (turns: number) => {
      const env = serviceEnv(`query${turns}`, ctx.redisUrl, { HISTORY_MAX_TURNS: String(turns) });
      const seeder = new SessionSeeder(ctx.redisUrl, env);
      const sessions = await seeder.seed(sizes.connections, {
        lastActivityAt: Date.now(),
        turns,
        textLength: 60,
      });
      await seeder.close();
      const service = await startService(`query${turns}`, env);
      const body = JSON.stringify({ sessionId: '$SESSION', text: QUESTION });
      return {
        name: `query, ${turns} turns`,
        pid: service.pid,
        request: { ...base, url: service.url, path: '/v1/query', body, perConnection: sessions },
        stop: service.stop,
      };
    };
    const connectRedis = async (turns: number) => {
      const baseline = await startNestBaseline('session', {
        REDIS_URL: ctx.redisUrl,
        KEY_PREFIX: runPrefix(`cr${turns}`),
        MAX_TURNS: String(turns),
      });
      const cookies = await seedCookies(baseline.url, sizes.connections, turns);
      const request = {
        ...base,
        url: baseline.url,
        path: '/history',
        body: JSON.stringify({ text: QUESTION }),
        perConnection: cookies,
        perConnectionHeader: 'cookie',
      };
      return { name: `connect-redis, ${turns} turns`, pid: baseline.pid, request, stop: baseline.stop };
    };
    const hello = async () => {
      const baseline = await startNestBaseline('hello');
      return {
        name: 'NestJS hello',
        pid: baseline.pid,
        request: { ...base, url: baseline.url, path: '/hello', body: JSON.stringify({ text: QUESTION }) },
        stop: baseline.stop,
      };
    };
    const twoTrips = async () => {
      const baseline = await startNestBaseline('two-trips', {
        REDIS_URL: ctx.redisUrl,
        KEY_PREFIX: runPrefix('two-trips'),
      });
      return {
        name: 'hello + 2 Redis round trips',
        pid: baseline.pid,
        request: { ...base, url: baseline.url, path: '/hello', body: JSON.stringify({ text: QUESTION }) },
        stop: baseline.stop,
      };
    };
    // In the order they run: each goal's two targets next to each other (hello and query 10, query 10
    // and 500), so the machine has the least time to change speed between them.
    const booting = [
      twoTrips(),
      hello(),
      query(sizes.historyShort),
      query(sizes.historyLong),
      connectRedis(sizes.historyShort),
      connectRedis(sizes.historyLong),
    ];
    const settled = await Promise.allSettled(booting);
    for (const boot of settled) if (boot.status === 'fulfilled') targets.push(boot.value);
    for (const boot of settled) if (boot.status === 'rejected') throw boot.reason;
    for (const target of targets) await ctx.load.run({ ...target.request, durationS: ctx.quick ? 0.5 : 1 }); // warm-up
    const results = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
    /** The target's CPU time (user + system) per 2xx response over each run, µs. */
    const cpuPerRequest = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < sizes.throughputRounds; round++) {
      // Every other round in reverse, so that no target always runs right after the same other one;
      // each run after a short one of its own, as every target has been idle through the others' runs.
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        await ctx.load.run({ ...target.request, durationS: sizes.throughputRunWarmUpSeconds });
        const cpuBefore = cpuMicros(target.pid);
        const result = await ctx.load.run(target.request);
        const answered = result.okPerSecond * target.request.durationS;
        cpuPerRequest.get(target.name)!.push((cpuMicros(target.pid) - cpuBefore) / answered);
        results.get(target.name)!.push(result);
      }
      ctx.log(
        `throughput round ${round + 1}: ${targets.map((t) => `${t.name} ${fmt(results.get(t.name)!.at(-1)!.okPerSecond)}/s`).join(', ')}`,
      );
    }
    const rps = (name: string) => results.get(name)!.map((r) => r.okPerSecond);
    const perRound = (a: string, b: string) => rps(a).map((value, i) => value / rps(b)[i]);
    const [short, long] = [`query, ${sizes.historyShort} turns`, `query, ${sizes.historyLong} turns`];
    const queryVsHello = spread(perRound(short, 'NestJS hello'));
    const longVsShort = spread(perRound(long, short));
    const floorVsHello = spread(perRound('hello + 2 Redis round trips', 'NestJS hello'));
    const queryVsFloor = spread(perRound(short, 'hello + 2 Redis round trips'));
    const cpu = (name: string) => cpuPerRequest.get(name)!;
    const helloCpuVsQuery = spread(cpu('NestJS hello').map((value, i) => value / cpu(short)[i]));
    const table = [
      [
        'target',
        'req/s median (min–max)',
        'p99 ms median',
        'CPU µs per request, median (min–max)',
        'non-2xx + errors',
      ],
      ...targets.map((t) => {
        const runs = results.get(t.name)!;
        return [
          t.name,
          fmtSpread(spread(rps(t.name))),
          fmt(spread(runs.map((r) => r.p99)).median),
          fmtSpread(spread(cpu(t.name))),
          String(runs.reduce((n, r) => n + r.non2xx + r.errors, 0)),
        ];
      }),
      [`query (${sizes.historyShort}) ÷ hello, per round`, fmtSpread(queryVsHello), '', '', ''],
      [
        'hello + 2 Redis round trips ÷ hello, per round (the floor of a two-trip route)',
        fmtSpread(floorVsHello),
        '',
        '',
        '',
      ],
      [
        `query (${sizes.historyShort}) ÷ hello + 2 Redis round trips, per round`,
        fmtSpread(queryVsFloor),
        '',
        '',
        '',
      ],
      [
        `hello's CPU per request ÷ query (${sizes.historyShort})'s, per round (the same goal, in CPU)`,
        fmtSpread(helloCpuVsQuery),
        '',
        '',
        '',
      ],
      [
        `query (${sizes.historyLong}) ÷ query (${sizes.historyShort}), per round`,
        fmtSpread(longVsShort),
        '',
        '',
        '',
      ],
      [
        `connect-redis (${sizes.historyShort}) ÷ hello, per round`,
        fmtSpread(spread(perRound(`connect-redis, ${sizes.historyShort} turns`, 'NestJS hello'))),
        '',
        '',
        '',
      ],
      [
        `connect-redis (${sizes.historyLong}) ÷ connect-redis (${sizes.historyShort})`,
        fmtSpread(
          spread(
            perRound(
              `connect-redis, ${sizes.historyLong} turns`,
              `connect-redis, ${sizes.historyShort} turns`,
            ),
          ),
        ),
        '',
        '',
        '',
      ],
    ];
    return {
      title: 'Query throughput',
      method: `autocannon (own process), ${sizes.connections} connections, ${sizes.throughputSeconds} s per run, ${sizes.throughputRounds} rounds, the six targets one after another in each round, in reverse order every other round (after a ${ctx.quick ? 0.5 : 1} s warm-up each at the start, and ${sizes.throughputRunWarmUpSeconds} s of load not counted right before each measured run). Each connection keeps one session (seeded with the service's own adapter, ${sizes.historyShort} or ${sizes.historyLong} entries of 60 characters; HISTORY_MAX_TURNS equal to it, so the length stays put). The service: one instance, \`AI_PROVIDER=offline\`, rate limiter on (limit out of reach), request logging at info to a file. CPU per request: the target process's user + system time over the run (\`/proc/<pid>/stat\`, every thread) ÷ its 2xx responses; it moves less than req/s with what else the machine's two cores are running. Ratios are taken within a round, then the median over rounds.`,
      table,
      figures: {
        queryVsHello,
        longVsShort,
        floorVsHello,
        queryVsFloor,
        helloCpuVsQuery,
        helloRps: spread(rps('NestJS hello')),
        queryRps: spread(rps(short)),
      },
    };
  } finally {
    for (const target of targets) await target.stop();
  }
}
