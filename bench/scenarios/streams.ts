import { ChildRpc } from '../support/child-rpc';
import { runPrefix } from '../support/redis';
import { BenchContext, ScenarioResult } from '../support/context';
import { broadcast } from '../support/http';
import { sleep } from '../support/processes';
import { serviceEnv, startService } from '../support/service';
import { SERVICE_JOB_CONCURRENCY, SessionSeeder } from '../support/service-internals';
import { sourceAddress } from '../support/addresses';
import { cpuMicros } from '../support/process-cpu';
import { fmt, fmtSpread, KiB, MiB, percentile, spread } from '../support/stats';

const clock = () => performance.timeOrigin + performance.now();
const POI_INSIDE = { lat: 39.9, lon: 116.39 }; // bench-gate of bench/support/pois.json

/**
 * Open SSE streams on one instance, memory per idle stream, broadcast send → received (a warm-up round,
 * then rounds alternating with raw BullMQ ones), and POI → long-poll latency with every stream still
 * open. The streams are opened by bench/clients/streams.ts, a process of its own, from eight loopback
 * source addresses.
 */
export async function streams(ctx: BenchContext): Promise<ScenarioResult> {
  const n = ctx.sizes.streams;
  const env = serviceEnv('streams', ctx.redisUrl);
  const service = await startService('streams', env);
  const swarm = new ChildRpc('clients/streams', { fdLimit: 65536 });
  const bull = new ChildRpc('baselines/bullmq-jobs');
  try {
    // Seeded as if created over HTTP from the address each stream then comes from (same IP: no flag).
    const seeder = new SessionSeeder(ctx.redisUrl, env);
    const ids = await seeder.seed(n, {
      lastActivityAt: Date.now(),
      turns: 2,
      textLength: 60,
      clientIp: (i) => `::ffff:${sourceAddress(i)}`,
    });
    await seeder.close();
    const created = await swarm.call<number>({ op: 'adopt', url: service.url, ids });
    const before = await service.memory();
    const { opened, failed } = await swarm.call<{ opened: number; failed: number }>({
      op: 'open',
      url: service.url,
    });
    // A stream's waiter is attached when its headers are sent, so an opened stream is a registered one.
    await sleep(3000); // idle: every stream's first read done, nothing in flight
    const after = await service.memory();
    ctx.log(`${opened} streams open (${failed} failed); RSS +${fmt((after.rss - before.rss) / MiB, 1)} MiB`);
    const p99s: number[] = [];
    /** The first copy's and the median copy's send → received: how the copies are spread over the p99. */
    const firsts: number[] = [];
    const p50s: number[] = [];
    const rates: number[] = [];
    const jobRates: number[] = [];
    const ratios: number[] = [];
    /** CPU time per message delivered, µs, per round: the service, Redis, the stream process. */
    const cpu = { service: [] as number[], redis: [] as number[], streams: [] as number[] };
    const cpuNow = () => ({
      service: cpuMicros(service.pid),
      redis: ctx.redisPid === null ? NaN : cpuMicros(ctx.redisPid),
      streams: cpuMicros(swarm.child.pid!),
    });
    let lost = 0;
    let warmUp = '';
    // Round 0 warms up (the fan-out's first run compiles its code, BullMQ's too), as every other
    // scenario does; it is reported, not counted.
    for (let round = 0; round <= ctx.sizes.broadcastRounds; round++) {
      const cpu0 = cpuNow();
      const t0 = clock();
      const { queued } = await broadcast(service.url, `bench-broadcast ${round}: the gate closes at six.`);
      const receipts = await swarm.call<number[]>({ op: 'broadcast', round, timeoutMs: 120_000 });
      const cpu1 = cpuNow();
      const latencies = receipts.map((t) => t - t0);
      lost += opened - receipts.length;
      const p99 = percentile(latencies, 99);
      const rate = queued / ((Math.max(...receipts) - t0) / 1000);
      const jobRate = await bull.call<number>({
        redisUrl: ctx.redisUrl,
        prefix: runPrefix('bull').slice(0, -1),
        count: queued,
        concurrency: SERVICE_JOB_CONCURRENCY,
      });
      const first = Math.min(...latencies);
      const p50 = percentile(latencies, 50);
      const line = `first ${fmt(first)}, p50 ${fmt(p50)}, p99 ${fmt(p99)} ms, ${fmt(rate)} msg/s; raw BullMQ ${fmt(jobRate)} jobs/s`;
      ctx.log(`broadcast ${round}${round === 0 ? ' (warm-up)' : ''}: ${line}`);
      if (round === 0) {
        warmUp = line;
        continue;
      }
      p99s.push(p99);
      firsts.push(first);
      p50s.push(p50);
      rates.push(rate);
      for (const part of ['service', 'redis', 'streams'] as const) {
        cpu[part].push((cpu1[part] - cpu0[part]) / receipts.length);
      }
      jobRates.push(jobRate);
      ratios.push(rate / jobRate);
    }
    const poi = await swarm.call<number[]>({
      op: 'poi',
      url: service.url,
      probes: ctx.sizes.poiProbes,
      at: POI_INSIDE,
      batch: 10,
    });
    const poiP99 = percentile(poi, 99);
    const rssPerStream = (after.rss - before.rss) / opened;
    const heapPerStream = (after.heapUsed - before.heapUsed) / opened;
    return {
      title: 'Open streams, broadcast and POI delivery',
      method: `One instance. ${fmt(n, 0)} sessions seeded with the service's adapter (2 history entries, the client address of their stream), then the stream process opens one \`GET /v1/sessions/:id/events\` per session (8 loopback source addresses, fd limit raised). Memory: service heap and RSS after a forced GC before and after the streams opened and idled 3 s, divided by the streams. Broadcast: \`POST /v1/admin/broadcast\` timestamped before sending, each stream timestamps its copy on arrival (one machine, one clock); messages/s = sessions queued ÷ time to the last copy; CPU per message: each process's user + system time (\`/proc/<pid>/stat\`) from the send to the last copy, ÷ the copies received (the service's includes its heartbeats meanwhile; Redis's, BullMQ's work for the batches). Raw BullMQ: a Queue and a Worker (concurrency ${SERVICE_JOB_CONCURRENCY}, the service's) running as many trivial jobs, added in bulk, first add → last completion; one BullMQ round after each broadcast round; a first round of each warms up and is not counted. POI: ${ctx.sizes.poiProbes} fresh sessions, 10 at a time: a long-poll (\`wait=30\`) waiting (by the \`longpoll_waiting\` gauge when the build exports it, else 500 ms after sending), then a location inside a POI; report sent → long-poll answered with the POI message, while every stream stays open.`,
      table: [
        ['figure', 'value'],
        [
          'sessions created / streams open / failed',
          `${fmt(created, 0)} / ${fmt(opened, 0)} / ${fmt(failed, 0)}`,
        ],
        [
          'memory per idle stream: RSS / heap',
          `${fmt(rssPerStream / KiB, 1)} KiB / ${fmt(heapPerStream / KiB, 1)} KiB`,
        ],
        ['broadcast warm-up round (not counted)', warmUp],
        ['broadcast send → received p99, ms', fmtSpread(spread(p99s))],
        [
          'broadcast send → received, first copy / p50, ms',
          `${fmtSpread(spread(firsts))} / ${fmtSpread(spread(p50s))}`,
        ],
        ['broadcast messages/s', fmtSpread(spread(rates))],
        [
          'CPU per message delivered, µs: the service / Redis / the stream process',
          `${fmtSpread(spread(cpu.service))} / ${ctx.redisPid === null ? 'not measured (BENCH_REDIS_URL)' : fmtSpread(spread(cpu.redis))} / ${fmtSpread(spread(cpu.streams))}`,
        ],
        ['raw BullMQ trivial jobs/s', fmtSpread(spread(jobRates))],
        ['broadcast ÷ BullMQ, per round', fmtSpread(spread(ratios))],
        ['copies not received within 120 s (all rounds)', fmt(lost, 0)],
        [
          'POI → long-poll p50 / p99, ms',
          `${fmt(percentile(poi, 50))} / ${fmt(poiP99)} (${poi.length} of ${ctx.sizes.poiProbes} answered with the POI message)`,
        ],
      ],
      figures: {
        streamsOpen: opened,
        rssPerStream,
        heapPerStream,
        broadcastP99: spread(p99s),
        broadcastVsBullmq: spread(ratios),
        poiP99,
      },
    };
  } finally {
    await swarm.call({ op: 'close', url: service.url }).catch(() => undefined);
    await swarm.stop();
    await bull.stop();
    await service.stop();
  }
}
