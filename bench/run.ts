/**
 * Benchmarks (npm run bench): throughput and latency of the query path, and the store memory one session
 * costs, on this machine's Redis with the fake OpenAI-compatible server (so the model costs nothing and
 * the figures are the service's own). Results go to BENCHMARKS.md. Bounded in count and time, loopback only.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { FakeOpenAiServer } from '../test/support/fake-openai.server';
import { startTestApp, TestApp } from '../test/support/test-app';
import { MemorySessionRepository } from '../src/sessions/memory-session.repository';
import { RedisSessionRepository } from '../src/sessions/redis-session.repository';
import { SessionRepository, SessionStoreSettings } from '../src/sessions/session.repository';
import { deleteKeysWithPrefix, testPrefix, testStore } from '../test/support/redis';
import { newSessionId } from '../src/sessions/session-id';

const QUERIES = Number(process.env.BENCH_QUERIES ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const SESSIONS_FOR_MEMORY = Number(process.env.BENCH_SESSIONS ?? 5000);
const TURNS_PER_SESSION = 10;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function queryThroughput(app: TestApp): Promise<string[]> {
  const sessions: string[] = [];
  for (let i = 0; i < CONCURRENCY * 4; i++) {
    const response = await fetch(`${app.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    sessions.push(((await response.json()) as { sessionId: string }).sessionId);
  }
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < QUERIES) {
        const i = next++;
        const t0 = performance.now();
        const response = await fetch(`${app.url}/v1/query`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            sessionId: sessions[i % sessions.length],
            text: `question ${i} about the Hall of Supreme Harmony`,
          }),
        });
        await response.arrayBuffer();
        if (response.status !== 200) failures++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return [
    `| queries | ${QUERIES} over ${sessions.length} sessions, ${CONCURRENCY} concurrent, ${failures} failed |`,
    `| throughput | ${(QUERIES / seconds).toFixed(0)} queries/s |`,
    `| latency p50 / p95 / p99 | ${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 95).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} ms |`,
  ];
}

async function fillSessions(repository: SessionRepository, count: number): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < count; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - i) }, async () => {
        const id = newSessionId();
        await repository.create(
          { id, locale: 'zh-CN', metadata: { ticket: 'A-1' }, clientIp: '10.0.0.1', userAgent: 'bench/1.0' },
          now,
          10_000_000,
        );
        for (let t = 0; t < TURNS_PER_SESSION; t += 2) {
          await repository.appendTurns(
            id,
            [
              { role: 'user', text: '太和殿有什么特别？What is special about this hall?', createdAt: now },
              {
                role: 'assistant',
                text: '太和殿是中国现存最大的木结构殿宇。The Hall of Supreme Harmony is the largest wooden hall in China.',
                createdAt: now,
              },
            ],
            now,
            true,
          );
        }
      }),
    );
  }
}

const settings: SessionStoreSettings = {
  idleTtlMs: 3_600_000,
  keyTtlMs: 7_200_000,
  historyMaxTurns: 200,
  outboxMaxLength: 200,
};

async function redisMemoryPerSession(): Promise<string> {
  const prefix = testPrefix('bench');
  const store = testStore(prefix);
  await store.waitUntilReady(2000);
  const repository = new RedisSessionRepository(store, settings);
  const before = (await repository.memoryUsage()).used;
  await fillSessions(repository, SESSIONS_FOR_MEMORY);
  const after = (await repository.memoryUsage()).used;
  await deleteKeysWithPrefix(prefix);
  await store.close();
  return `| Redis memory per session (${TURNS_PER_SESSION} turns) | ${((after - before) / SESSIONS_FOR_MEMORY / 1024).toFixed(2)} KiB (used_memory delta over ${SESSIONS_FOR_MEMORY} sessions) |`;
}

async function heapPerSession(): Promise<string> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const repository = new MemorySessionRepository(settings);
  await fillSessions(repository, SESSIONS_FOR_MEMORY);
  gc?.();
  const after = process.memoryUsage().heapUsed;
  const note = gc ? '' : ' (no --expose-gc: rough)';
  return `| embedded heap per session (${TURNS_PER_SESSION} turns) | ${((after - before) / SESSIONS_FOR_MEMORY / 1024).toFixed(2)} KiB${note} |`;
}

async function main(): Promise<void> {
  const fake = await FakeOpenAiServer.start();
  const app = await startTestApp({ env: { OPENAI_API_KEY: 'bench', OPENAI_BASE_URL: fake.baseUrl } });
  const rows: string[] = [];
  try {
    rows.push(...(await queryThroughput(app)));
  } finally {
    await app.close();
    await fake.close();
  }
  rows.push(await redisMemoryPerSession());
  rows.push(await heapPerSession());
  const report = [
    '# Benchmarks',
    '',
    `Run with \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version},`,
    'local Redis, one instance, the fake OpenAI-compatible server answering at once (so the figures are the',
    "service's own cost: validation, two Lua scripts, the SDK round trip and logging off).",
    '',
    '| what | figure |',
    '| --- | --- |',
    ...rows,
    '',
  ].join('\n');
  writeFileSync('BENCHMARKS.md', report);
  process.stdout.write(report);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
