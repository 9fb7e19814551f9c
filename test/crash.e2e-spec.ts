import { Queue } from 'bullmq';
import request from 'supertest';
import { Redis } from 'ioredis';
import { StoreUnavailableError } from '../src/common/api-error';
import { bullJobId } from '../src/proactive/bullmq-job-queue';
import { JOB_QUEUE, JobQueue } from '../src/proactive/job-queue.port';
import { jobIds, JobName } from '../src/proactive/proactive.jobs';
import { SessionTriggers } from '../src/sessions/session-triggers.service';
import { testPrefix, TEST_REDIS_URL } from './support/redis';
import { startServiceProcess } from './support/service-process';
import { eventually } from './support/sse-client';
import { startTestApp, TestApp } from './support/test-app';

jest.setTimeout(180_000);

const SESSIONS = 30;
/** The sample POI 午门 (Meridian Gate); no other POI's radius contains this point. */
const MERIDIAN_GATE = { lat: 39.9136, lon: 116.391 };

interface Message {
  kind: string;
  poiId?: string;
}

/**
 * Durable triggers (DESIGN.md "The edges"): an instance that answered 201 or 202 and is SIGKILLed at
 * once, before or while it queues the job, costs nothing. A is a process of its own (killed for real),
 * B the surviving instance in this process; both on one Redis prefix, proactive job locks of 1 s.
 */
describe('Durable triggers: an instance SIGKILLed right after answering (e2e, a real process and a survivor)', () => {
  const prefix = testPrefix('crash');
  const env = {
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    AI_PROVIDER: 'offline',
    PROACTIVE_GREETING_DELAY_SECONDS: '0',
    PROACTIVE_IDLE_TIP_SECONDS: '-1',
    PROACTIVE_JOB_LOCK_MS: '1000',
    RATE_LIMIT_PER_MINUTE: '100000',
  };
  let b: TestApp;
  let jobs: Queue;
  let redis: Redis;

  beforeAll(async () => {
    b = await startTestApp({ env });
    redis = new Redis(TEST_REDIS_URL);
    jobs = new Queue('proactive', { connection: redis, prefix: `${prefix}{bull}` });
  });
  afterAll(async () => {
    await jobs.close();
    redis.disconnect();
    await b.close();
  });

  const messagesOf = async (id: string): Promise<Message[]> =>
    (await request(b.server).get(`/v1/sessions/${id}/messages`).expect(200)).body.messages as Message[];
  const proactiveTurns = async (id: string): Promise<number> =>
    (await request(b.server).get(`/v1/sessions/${id}/history`).expect(200)).body.turns.filter(
      (turn: { role: string }) => turn.role === 'proactive',
    ).length;
  const pendingTriggersOf = async (ids: string[]) =>
    (await b.app.get(SessionTriggers).olderThan(-3_600_000, 10_000)).filter((trigger) =>
      ids.includes(trigger.sessionId),
    );
  /** Jobs of `name` for these sessions not finished yet (waiting, delayed, or active on a dead worker). */
  const unfinishedJobs = async (name: string, ids: string[]) =>
    (await jobs.getJobs(['wait', 'active', 'delayed', 'prioritized'])).filter(
      (job) => job?.name === name && ids.includes((job.data as { sessionId: string }).sessionId),
    ).length;
  /** Of the sessions whose trigger is still pending, those whose job A never queued. */
  const withoutJob = async (pending: string[], jobIdOf: (id: string) => string) =>
    (await Promise.all(pending.map(async (id) => !(await jobs.getJob(bullJobId(jobIdOf(id))))))).filter(
      Boolean,
    ).length;
  /** Nothing left that could still deliver: no trigger pending, no job unfinished. */
  const settle = (name: string, ids: string[]) =>
    eventually(
      async () => (await pendingTriggersOf(ids)).length + (await unfinishedJobs(name, ids)),
      (left) => left === 0,
      60_000,
      250,
    );

  it(`gives each of ${SESSIONS} sessions created on an instance SIGKILLed right after the last 201 exactly one greeting`, async () => {
    const a = await startServiceProcess(env);
    const created = await Promise.all(
      Array.from({ length: SESSIONS }, () => fetch(`${a.url}/v1/sessions`, { method: 'POST' })),
    );
    await a.kill();
    expect(created.map((response) => response.status)).toEqual(created.map(() => 201));
    const ids = await Promise.all(
      created.map(async (response) => ((await response.json()) as { sessionId: string }).sessionId),
    );
    const leftToRecovery = (await pendingTriggersOf(ids)).map((trigger) => trigger.sessionId);
    const neverQueued = await withoutJob(leftToRecovery, jobIds.greeting);

    await eventually(
      () => Promise.all(ids.map(messagesOf)),
      (all) => all.every((messages) => messages.some((message) => message.kind === 'greeting')),
      60_000,
      250,
    );
    await settle('greeting', ids);
    const greetings = await Promise.all(
      ids.map(async (id) => (await messagesOf(id)).filter((message) => message.kind === 'greeting').length),
    );
    const turns = await Promise.all(ids.map(proactiveTurns));
    process.stdout.write(
      `crash/greeting: ${greetings.filter((n) => n === 1).length}/${SESSIONS} sessions with exactly one greeting; ` +
        `${leftToRecovery.length} greeting triggers were still pending when A died, ${neverQueued} of them with no job queued\n`,
    );
    expect(greetings).toEqual(ids.map(() => 1));
    expect(turns).toEqual(ids.map(() => 1));
  });

  it(`gives each of ${SESSIONS} sessions that entered a POI on an instance SIGKILLed right after the last 202 exactly one POI message`, async () => {
    const ids = await Promise.all(
      Array.from(
        { length: SESSIONS },
        async () =>
          (await request(b.server).post('/v1/sessions').send({}).expect(201)).body.sessionId as string,
      ),
    );
    const a = await startServiceProcess(env);
    const reports = await Promise.all(
      ids.map((id) =>
        fetch(`${a.url}/v1/sessions/${id}/location`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(MERIDIAN_GATE),
        }),
      ),
    );
    await a.kill();
    expect(reports.map((response) => response.status)).toEqual(reports.map(() => 202));
    for (const report of reports) {
      const { nearby } = (await report.json()) as { nearby: Array<{ poiId: string }> };
      expect(nearby.map((poi) => poi.poiId)).toEqual(['meridian-gate']);
    }
    const leftToRecovery = (await pendingTriggersOf(ids))
      .filter((trigger) => trigger.trigger.startsWith('poi:'))
      .map((trigger) => trigger.sessionId);
    const neverQueued = await withoutJob(leftToRecovery, (id) => jobIds.poi(id, 'meridian-gate'));

    const poiMessages = async (id: string) =>
      (await messagesOf(id)).filter((message) => message.kind === 'poi' && message.poiId === 'meridian-gate')
        .length;
    await eventually(
      () => Promise.all(ids.map(poiMessages)),
      (counts) => counts.every((count) => count >= 1),
      60_000,
      250,
    );
    await settle('poi', ids);
    const counts = await Promise.all(ids.map(poiMessages));
    const others = await Promise.all(
      ids.map(async (id) => (await messagesOf(id)).filter((message) => message.kind === 'poi').length),
    );
    process.stdout.write(
      `crash/poi: ${counts.filter((n) => n === 1).length}/${SESSIONS} sessions with exactly one POI message; ` +
        `${leftToRecovery.length} POI triggers were still pending when A died, ${neverQueued} of them with no job queued\n`,
    );
    expect(counts).toEqual(ids.map(() => 1));
    expect(others).toEqual(ids.map(() => 1));
  });

  it('queues the greeting from its trigger when the instance that answered 201 never queued it', async () => {
    const queue = b.app.get<JobQueue>(JOB_QUEUE);
    const add = queue.add.bind(queue);
    let refused = 0;
    queue.add = (name, data, options) => {
      if (name !== JobName.Greeting || refused > 0) return add(name, data, options);
      refused += 1;
      return Promise.reject(new StoreUnavailableError(new Error('the queue went away')));
    };
    try {
      const { sessionId } = (await request(b.server).post('/v1/sessions').send({}).expect(201)).body;
      expect(refused).toBe(1);
      expect(await unfinishedJobs('greeting', [sessionId])).toBe(0);
      expect((await pendingTriggersOf([sessionId])).map((trigger) => trigger.trigger)).toEqual(['created']);
      await eventually(
        () => messagesOf(sessionId),
        (messages) => messages.some((message) => message.kind === 'greeting'),
        30_000,
        250,
      );
      await settle('greeting', [sessionId]);
      expect((await messagesOf(sessionId)).filter((message) => message.kind === 'greeting')).toHaveLength(1);
    } finally {
      queue.add = add;
    }
  });
});
