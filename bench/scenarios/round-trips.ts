import { beforeRun } from '../support/report';
import { Redis } from 'ioredis';
import { BenchContext, ScenarioResult } from '../support/context';
import { createSession } from '../support/http';
import { sleep } from '../support/processes';
import { withRedis } from '../support/redis';
import { serviceEnv, startService } from '../support/service';
import { fmt } from '../support/stats';
import { QUESTION } from './query-throughput';

const POI_INSIDE = { lat: 39.9, lon: 116.39 }; // bench-gate of bench/support/pois.json

interface Tally {
  /** Commands sent by a client, by name. */
  direct: Map<string, number>;
  /** Round trips: a command, or a whole MULTI…EXEC block (ioredis sends it in one write). */
  trips: number;
  /** Commands run inside Lua scripts (no round trip of their own). */
  inScripts: number;
}

/** Counts every command Redis executes while `work` runs, with MONITOR on the suite's private Redis. */
async function monitored(redisUrl: string, work: () => Promise<void>): Promise<{ tally: Tally; ms: number }> {
  const client = new Redis(redisUrl);
  const monitor = await client.monitor();
  const tally: Tally = { direct: new Map(), trips: 0, inScripts: 0 };
  const inMulti = new Set<string>();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const name = args[0].toUpperCase();
    if (source === 'lua') return void (tally.inScripts += 1);
    if (name === 'MONITOR') return;
    tally.direct.set(name, (tally.direct.get(name) ?? 0) + 1);
    if (name === 'MULTI') inMulti.add(source);
    else if (name === 'EXEC' || name === 'DISCARD') inMulti.delete(source);
    if (!inMulti.has(source) || name === 'MULTI') tally.trips += name === 'EXEC' ? 0 : 1;
  });
  await sleep(200);
  const t0 = Date.now();
  await work();
  const ms = Date.now() - t0;
  await sleep(200);
  monitor.disconnect();
  client.disconnect();
  return { tally, ms };
}

/**
 * Round trips per POST /v1/query on an existing session, and per location report inside a POI, counted
 * with Redis MONITOR over a known number of sequential requests, minus what the idle instance sends
 * (BullMQ, stats, alerts) in a window as long.
 */
export async function roundTrips(ctx: BenchContext): Promise<ScenarioResult> {
  const n = ctx.sizes.roundTripQueries;
  const service = await startService('roundtrips', serviceEnv('roundtrips', ctx.redisUrl));
  try {
    const sessionId = await createSession(service.url);
    const send = async (location: boolean) => {
      for (let i = 0; i < n; i++) {
        const body = {
          sessionId,
          text: QUESTION,
          ...(location ? { location: { lat: 39.9005, lon: 116.3905 } } : {}),
        };
        const response = await fetch(`${service.url}/v1/query`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (!response.ok) throw new Error(`query answered ${response.status}`);
        await response.arrayBuffer();
      }
    };
    await send(false); // warm-up, and history to read
    const plain = await monitored(ctx.redisUrl, () => send(false));
    const located = await monitored(ctx.redisUrl, () => send(true));
    // Location reports inside a POI: each of n fresh sessions entering it (the report, then its relayed
    // job and the delivery, given a second to finish), then the same reports again (already entered).
    const visitors: string[] = [];
    for (let i = 0; i < n; i++) visitors.push(await createSession(service.url));
    await sleep(500); // their created triggers relayed
    const report = async () => {
      for (const id of visitors) {
        const response = await fetch(`${service.url}/v1/sessions/${id}/location`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(POI_INSIDE),
        });
        if (response.status !== 202) throw new Error(`location answered ${response.status}`);
        await response.arrayBuffer();
      }
    };
    const entering = await monitored(ctx.redisUrl, async () => {
      await report();
      await sleep(1000);
    });
    const inside = await monitored(ctx.redisUrl, report);
    const runs = [plain, located, entering, inside];
    const idle = await monitored(
      ctx.redisUrl,
      async () => void (await sleep(Math.max(...runs.map((run) => run.ms)))),
    );
    const idlePerMs = idle.tally.trips / idle.ms;
    // Redis CPU per query, without MONITOR (which costs Redis more than the queries themselves).
    const cpu = () =>
      withRedis(ctx.redisUrl, async (redis) => {
        const info = await redis.info('cpu');
        const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
        return field('used_cpu_user') + field('used_cpu_sys');
      });
    const cpuBefore = await cpu();
    await send(false);
    const redisCpuMsPerQuery = (((await cpu()) - cpuBefore) * 1000) / n;
    const perQuery = (run: { tally: Tally; ms: number }) => (run.tally.trips - idlePerMs * run.ms) / n;
    const before = beforeRun();
    const names = [...new Set(runs.flatMap((run) => [...run.tally.direct.keys()]))].sort();
    const table = [
      [
        'command (sent by the service)',
        'per query',
        'per query with a location',
        'per location report entering a POI (with its job and delivery)',
        'per location report inside a POI already entered',
      ],
      ...names.map((name) => [name, ...runs.map((run) => fmt((run.tally.direct.get(name) ?? 0) / n, 2))]),
      [
        '**round trips per request** (a MULTI…EXEC block counts once; idle background subtracted)',
        ...runs.map((run) => `**${fmt(perQuery(run), 2)}**`),
      ],
      [
        `round trips per request before issue 12 (commit ${before.commit}, the same count)`,
        before.roundTrips.query,
        before.roundTrips.queryWithLocation,
        '–',
        '–',
      ],
      ['commands run inside Lua scripts, per request', ...runs.map((run) => fmt(run.tally.inScripts / n, 1))],
      ['idle instance, round trips per second (subtracted)', fmt(idlePerMs * 1000, 1), '', '', ''],
      ['Redis CPU per query (used_cpu_user + sys, no MONITOR), ms', fmt(redisCpuMsPerQuery, 3), '', '', ''],
    ];
    return {
      title: 'Redis round trips per query',
      method: `${n} sequential \`POST /v1/query\` on one existing session (after ${n} warm-up queries), then ${n} more with a \`location\`; then ${n} fresh sessions each report a location inside a POI (\`POST /v1/sessions/:id/location\`, sequentially; the window includes 1 s after the last report, for the POI jobs and their delivery), and the same ${n} reports again (the POI already entered: the report alone); every command Redis executed meanwhile was seen with \`MONITOR\` on the suite's private Redis. Each command a client sent is a round trip (an EVALSHA is one, whatever it runs), except that a MULTI…EXEC block, which ioredis writes at once, counts once; commands run by scripts are counted apart. The idle instance's own traffic in a window as long (BullMQ worker, stats, alerts) is subtracted from the total; the per-command rows are raw. Redis CPU: \`INFO cpu\` (user + sys) over ${n} more sequential queries without MONITOR, divided by ${n}; most of it is the server's per-round-trip network work, not the commands (\`INFO commandstats\` puts an EVALSHA of the query path at tens of microseconds).`,
      table,
      figures: {
        roundTripsPerQuery: perQuery(plain),
        roundTripsPerLocatedQuery: perQuery(located),
        roundTripsPerPoiEntered: perQuery(entering),
        roundTripsPerLocationInside: perQuery(inside),
        redisCpuMsPerQuery,
      },
    };
  } finally {
    await service.stop();
  }
}
