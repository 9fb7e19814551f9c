import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { redisCli } from './support/redis-server';
import { SENTINEL_MASTER, SentinelGroup, startSentinelGroup } from './support/redis-sentinel';
import { eventually, sleep, SseClient } from './support/sse-client';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';

jest.setTimeout(120_000);

/** 1 by default (every acknowledged turn must survive); FAILOVER_MIN_REPLICAS_ACK=0 measures the loss. */
const MIN_REPLICAS_ACK = Number(process.env.FAILOVER_MIN_REPLICAS_ACK ?? '1');
const PREFIX = 'tgfail:';
const CLIENTS = 4;
/** No request may take this long, failover or not (issue 10). */
const SLOW_MS = 2500;
/** Within this long of the kill, queries succeed on both instances again. */
const RECOVERY_MS = 10_000;

interface Attempt {
  client: number;
  retry: number;
  instance: number;
  status: number;
  code?: string;
  startedAt: number;
  ms: number;
}

interface Acknowledged {
  sessionId: string;
  text: string;
  seq: number;
  answer: string;
}

/** The parts of the answers this test reads (a query's, a create's, an error envelope). */
interface QueryReply {
  sessionId: string;
  answer: { seq: number; text: string };
  error?: { code: string };
}

interface Turn {
  seq: number;
  role: string;
  text: string;
}

/**
 * Sentinel failover with two instances and clients that loop queries with idempotency keys, retrying
 * on 503 (on the other instance): the primary is SIGKILLed mid-load, right after it was cut off from
 * its replicas (each client asks once more meanwhile). Every connection of the service
 * goes through the Sentinels; the Sentinels call the primary down after 1 s and promote a replica.
 */
describe(`Sentinel failover (e2e: a primary, two replicas, three Sentinels, two instances, REDIS_MIN_REPLICAS_ACK=${MIN_REPLICAS_ACK})`, () => {
  let group: SentinelGroup;
  let fake: FakeOpenAiServer;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    group = await startSentinelGroup(2, 3);
    fake = await FakeOpenAiServer.start();
    const env = {
      REDIS_SENTINELS: group.sentinels,
      REDIS_SENTINEL_NAME: SENTINEL_MASTER,
      REDIS_KEY_PREFIX: PREFIX,
      REDIS_MIN_REPLICAS_ACK: String(MIN_REPLICAS_ACK),
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: fake.baseUrl,
      AI_TIMEOUT_MS: '2000',
      HISTORY_MAX_TURNS: '10000',
    };
    // keepKeys: these servers are the test's own and go away whole.
    for (let i = 0; i < 2; i++) apps.push(await startTestApp({ env, keepKeys: true }));
  }, 90_000);
  afterAll(async () => {
    for (const app of apps) await app.close();
    await fake?.close();
    await group?.stop();
  });

  const post = async (instance: number, path: string, body: object, headers: Record<string, string> = {}) => {
    const response = await fetch(`${apps[instance].url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as QueryReply };
  };
  /** The whole history of a session, page by page. */
  const historyOf = async (sessionId: string): Promise<Turn[]> => {
    const turns: Turn[] = [];
    let before: number | null = null;
    do {
      const query: string = before === null ? '' : `&before=${before}`;
      const response = await fetch(`${apps[0].url}/v1/sessions/${sessionId}/history?limit=200${query}`);
      const page = (await response.json()) as { turns: Turn[]; nextBefore: number | null };
      turns.unshift(...page.turns);
      before = page.nextBefore;
    } while (before !== null);
    return turns;
  };
  const storeState = async (instance: number) => {
    const ready = (await fetch(`${apps[instance].url}/health/ready`)).status;
    const metrics = await (await fetch(`${apps[instance].url}/metrics`)).text();
    return { ready, storeUp: Number(/^store_up (\d+)/m.exec(metrics)?.[1] ?? NaN) };
  };

  it('serves through a SIGKILL of the primary: only fast 200s and 503s, both instances back within 10 s, every acknowledged turn once', async () => {
    const sessionIds = await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        const created = await post(client % 2, '/v1/sessions', {});
        expect(created.status).toBe(201);
        return created.body.sessionId;
      }),
    );
    // A waiter on instance 1 held open across the failover, for a session of its own.
    const watched = (await post(0, '/v1/sessions', {})).body.sessionId;
    const sse = await SseClient.open(`${apps[1].url}/v1/sessions/${watched}/events`);
    expect(sse.response.statusCode).toBe(200);

    const attempts: Attempt[] = [];
    const acknowledged: Acknowledged[] = [];
    const replacedSessions: string[] = [];
    let stopping = false;
    const loop = async (client: number) => {
      let sessionId = sessionIds[client];
      for (let n = 0; !stopping; n++) {
        const key = `c${client}-q${n}`;
        const text = `client ${client} question ${n}`;
        for (let retry = 0; ; retry++) {
          const instance = (client + retry) % 2; // a retry goes to the other instance
          const startedAt = Date.now();
          const { status, body } = await post(
            instance,
            '/v1/query',
            { sessionId, text },
            { 'idempotency-key': key },
          );
          attempts.push({
            client,
            retry,
            instance,
            status,
            code: body.error?.code,
            startedAt,
            ms: Date.now() - startedAt,
          });
          if (status === 200) {
            if (body.sessionId !== sessionId) replacedSessions.push(sessionId);
            sessionId = body.sessionId;
            acknowledged.push({ sessionId, text, seq: body.answer.seq, answer: body.answer.text });
            break;
          }
          if (status !== 503 || body.error?.code !== 'STORE_UNAVAILABLE') break;
          await sleep(50); // the client's back-off before its retry
        }
        await sleep(30); // a visitor's pace between questions (load, not synchronisation)
      }
    };
    const attemptsFinishedSince = (time: number) => attempts.filter((a) => a.startedAt >= time);
    const answeredBy = (client: number) =>
      acknowledged.filter((a) => a.text.startsWith(`client ${client} `)).length;
    const loops = Array.from({ length: CLIENTS }, (_, client) => loop(client));
    try {
      await eventually(
        () => Promise.resolve(Array.from({ length: CLIENTS }, (_, client) => answeredBy(client))),
        (counts) => counts.every((count) => count >= 5),
        20_000,
      );

      // The primary is cut off from its replicas while every client asks once more: without WAIT,
      // those turns are acknowledged from the primary alone. Then the primary dies.
      await group.cutReplication();
      const droppedAt = Date.now();
      try {
        await eventually(
          () => Promise.resolve(new Set(attemptsFinishedSince(droppedAt).map((a) => a.client)).size),
          (clients) => clients === CLIENTS,
          5000,
          10,
        );
      } finally {
        await group.killPrimary();
      }
      const killedAt = Date.now();
      // While no primary answers: readiness 503 and store_up 0, on both instances.
      await Promise.all(
        [0, 1].map((instance) =>
          eventually(
            () => storeState(instance),
            (state) => state.ready === 503 && state.storeUp === 0,
            RECOVERY_MS,
            50,
          ),
        ),
      );
      // Within 10 s of the kill, queries succeed on both instances.
      const recoveredAt = await eventually(
        () =>
          Promise.resolve(
            [0, 1].map(
              (instance) =>
                attempts.find((a) => a.instance === instance && a.status === 200 && a.startedAt > killedAt)
                  ?.startedAt,
            ),
          ),
        (times) => times.every((time) => time !== undefined),
        Math.max(0, killedAt + RECOVERY_MS - Date.now()),
        50,
      );
      const recoveredIn = recoveredAt.map((time) => (time ?? Infinity) - killedAt);
      expect(Math.max(...recoveredIn)).toBeLessThan(RECOVERY_MS);
      for (const instance of [0, 1]) {
        expect(await storeState(instance)).toEqual({ ready: 200, storeUp: 1 });
      }
      const beforeRecovery = Array.from({ length: CLIENTS }, (_, client) => answeredBy(client));
      await eventually(
        () => Promise.resolve(Array.from({ length: CLIENTS }, (_, client) => answeredBy(client))),
        (counts) => counts.every((count, client) => count >= beforeRecovery[client] + 5),
        20_000,
      );
      stopping = true;
      await Promise.all(loops);

      const failed = attempts.filter((a) => a.status !== 200);
      const report = {
        minReplicasAck: MIN_REPLICAS_ACK,
        attempts: attempts.length,
        acknowledged: acknowledged.length,
        answered503: failed.length,
        slowest: [...attempts]
          .sort((x, y) => y.ms - x.ms)
          .slice(0, 3)
          .map(
            (a) => `${a.ms} ms (${a.status}, retry ${a.retry}, ${a.startedAt - killedAt} ms after the kill)`,
          ),
        recoveredInMs: recoveredIn,
      };
      // Every text that got a 200 is in history once, followed by its answer.
      const histories = new Map<string, Turn[]>();
      for (const id of new Set(acknowledged.map((a) => a.sessionId))) histories.set(id, await historyOf(id));
      const lost: string[] = [];
      const repeated: string[] = [];
      const misplaced: string[] = [];
      for (const ack of acknowledged) {
        const turns = histories.get(ack.sessionId)!;
        const asked = turns.filter((turn) => turn.role === 'user' && turn.text === ack.text);
        if (asked.length === 0) lost.push(ack.text);
        if (asked.length > 1) repeated.push(ack.text);
        const answer = turns[turns.findIndex((turn) => turn === asked[0]) + 1];
        if (asked.length > 0 && !(answer?.seq === ack.seq && answer.text === ack.answer))
          misplaced.push(ack.text);
      }
      process.stdout.write(
        `failover: ${JSON.stringify({ ...report, lostAcknowledgedTurns: lost.length, replacedSessions: replacedSessions.length })}\n`,
      );
      expect(failed.length).toBeGreaterThan(0); // the failover was felt
      expect(attempts.filter((a) => a.ms >= SLOW_MS)).toEqual([]);
      expect(failed.filter((a) => !(a.status === 503 && a.code === 'STORE_UNAVAILABLE'))).toEqual([]);
      expect(repeated).toEqual([]);
      if (MIN_REPLICAS_ACK > 0) {
        expect(lost).toEqual([]);
        expect(misplaced).toEqual([]);
        expect(replacedSessions).toEqual([]);
      }

      // Afterwards: both subscriptions on the new primary, a waiter from before woken through it by a
      // broadcast that a queue worker delivers, once.
      const primaryNow = await group.currentPrimaryPort();
      expect(primaryNow).not.toBe(group.primaryPort);
      await eventually(
        async () =>
          Number(
            (await redisCli(['-p', String(primaryNow), 'pubsub', 'numsub', `${PREFIX}proactive:messages`]))
              .trim()
              .split('\n')[1],
          ),
        (subscribers) => subscribers >= 2,
        RECOVERY_MS,
        100,
      );
      const broadcast = await post(
        0,
        '/v1/admin/broadcast',
        { text: 'The palace closes in one hour' },
        { authorization: `Bearer ${ADMIN_TOKEN}` },
      );
      expect(broadcast.status).toBe(202);
      const [event] = await sse.waitFor(1, 15_000);
      expect(JSON.parse(event.data)).toMatchObject({
        kind: 'broadcast',
        text: 'The palace closes in one hour',
      });
      const connection = new Redis({ sentinels: sentinelList(group), name: SENTINEL_MASTER });
      const jobs = new Queue('proactive', { connection, prefix: `${PREFIX}{bull}` });
      try {
        await eventually(
          async () =>
            (await jobs.getJobs(['wait', 'active', 'delayed', 'prioritized'])).filter(
              (job) => job?.name === 'broadcast-batch',
            ).length,
          (unfinished) => unfinished === 0,
          15_000,
          100,
        );
      } finally {
        await jobs.close();
        connection.disconnect();
      }
      const messages = await fetch(`${apps[0].url}/v1/sessions/${watched}/messages`);
      expect(((await messages.json()) as { messages: unknown[] }).messages).toHaveLength(1);
      expect(sse.events.filter((e) => e.event === 'message')).toHaveLength(1);
    } finally {
      stopping = true;
      await Promise.allSettled(loops);
      sse.close();
    }
  });

  it('refuses to start with REDIS_SENTINELS and REDIS_CLUSTER_NODES both set, naming both', async () => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: join(__dirname, '..'),
      env: {
        PATH: process.env.PATH,
        REDIS_SENTINELS: group.sentinels,
        REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1:7001',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(output).toMatch(/REDIS_SENTINELS.*REDIS_CLUSTER_NODES/);
    process.stdout.write(`start-up refused: ${output.trim()}\n`);
  });
});

function sentinelList(group: SentinelGroup) {
  return group.sentinels.split(',').map((address) => {
    const [host, port] = address.split(':');
    return { host, port: Number(port) };
  });
}
