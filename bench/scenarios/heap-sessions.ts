import { BenchContext, ScenarioResult } from '../support/context';
import { adminStats, createSession, inParallel, query } from '../support/http';
import { serviceEnv, startService } from '../support/service';
import { fmt, MiB } from '../support/stats';
import { QUESTION } from './query-throughput';

/**
 * The service process's heap after a forced GC with 10 live sessions, then with N more created through
 * the API (POST /v1/sessions under autocannon): what the instance keeps in memory per live session.
 */
export async function heapSessions(ctx: BenchContext): Promise<ScenarioResult> {
  const n = ctx.sizes.heapSessions;
  const service = await startService('heap', serviceEnv('heap', ctx.redisUrl));
  try {
    // Warm-up: every route of the scenario runs hot before the first reading; its sessions are deleted.
    const warm = await inParallel(Array.from({ length: ctx.quick ? 200 : 1000 }), 20, () =>
      createSession(service.url),
    );
    await inParallel(warm.slice(0, 200), 20, (id) => query(service.url, id, QUESTION));
    await inParallel(warm, 20, (id) => fetch(`${service.url}/v1/sessions/${id}`, { method: 'DELETE' }));
    const ten = await inParallel(Array.from({ length: 10 }), 10, () => createSession(service.url));
    await inParallel(ten, 10, (id) => query(service.url, id, QUESTION));
    const live10 = (await adminStats(service.url)).activeSessions;
    const at10 = await service.memory();
    const created = await ctx.load.run({
      url: service.url,
      method: 'POST',
      path: '/v1/sessions',
      body: '{}',
      connections: ctx.sizes.connections,
      durationS: 600,
      amount: n,
    });
    const liveN = (await adminStats(service.url)).activeSessions;
    const atN = await service.memory();
    const heapGrowth = atN.heapUsed - at10.heapUsed;
    return {
      title: 'Process heap and live sessions',
      method: `One instance. Warm-up: ${ctx.quick ? 200 : '1,000'} sessions created, 200 queried, all deleted. Then 10 sessions created and queried: reading 1 (forced GC in the service process, heap used and RSS). Then ${fmt(n, 0)} sessions created with autocannon (\`POST /v1/sessions\`, ${ctx.sizes.connections} connections; ${fmt(created.okPerSecond, 0)} created/s): reading 2. Live sessions are \`activeSessions\` of \`GET /v1/admin/stats\`.`,
      table: [
        ['live sessions', 'heap used after GC', 'RSS'],
        [fmt(live10, 0), `${fmt(at10.heapUsed / MiB, 2)} MiB`, `${fmt(at10.rss / MiB, 1)} MiB`],
        [fmt(liveN, 0), `${fmt(atN.heapUsed / MiB, 2)} MiB`, `${fmt(atN.rss / MiB, 1)} MiB`],
        [
          '**growth**',
          `**${heapGrowth >= 0 ? '+' : ''}${fmt(heapGrowth / MiB, 2)} MiB**`,
          `${fmt((atN.rss - at10.rss) / MiB, 1)} MiB`,
        ],
      ],
      figures: { heapGrowth, createRate: created.okPerSecond },
      notes:
        created.ok === n
          ? []
          : [
              `only ${created.ok} of ${n} creations answered 2xx (${created.non2xx} non-2xx, ${created.errors} errors)`,
            ],
    };
  } finally {
    await service.stop();
  }
}
