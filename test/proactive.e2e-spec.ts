import request from 'supertest';
import { templateMessage } from '../src/ai/template-messages';
import { StoreUnavailableError } from '../src/common/api-error';
import { JOB_QUEUE, JobQueue } from '../src/proactive/job-queue.port';
import { MessageHub } from '../src/proactive/message-hub.service';
import { JobName } from '../src/proactive/proactive.jobs';
import { ProactiveOutbox } from '../src/proactive/proactive-outbox.service';
import { SessionService } from '../src/sessions/session.service';
import { SessionTriggers } from '../src/sessions/session-triggers.service';
import { OutboxMessage } from '../src/domain';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { testPrefix } from './support/redis';
import { eventually, waitFor } from './support/eventually';
import { ManualClock } from './support/manual-clock';
import { proactiveSettled, recordScans } from './support/progress-probes';
import { sleep, SseClient } from './support/sse-client';
import { ADMIN_TOKEN, startTestApp, TestApp, TestAppOptions } from './support/test-app';

/**
 * Two instances on one Redis (one key prefix), both pointed at the fake OpenAI server. `timersOfB`:
 * B's timers (its message hub's tick: long-poll deadlines, fallback re-reads, heartbeats), e.g. a
 * ManualClock nobody advances, so that only a pub/sub notice can wake or end B's waiters.
 */
async function startPair(
  fake: FakeOpenAiServer,
  env: Record<string, string> = {},
  timersOfB?: ManualClock,
): Promise<[TestApp, TestApp]> {
  const shared: TestAppOptions['env'] = {
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: fake.baseUrl,
    AI_TIMEOUT_MS: '2000',
    REDIS_KEY_PREFIX: testPrefix('pro'),
    ...env,
  };
  const a = await startTestApp({ env: shared, keepKeys: true });
  const b = await startTestApp({ env: shared, timers: timersOfB });
  return [a, b];
}

/** Every message of a session's stream, read without counting as client activity. */
const messagesOf = async (app: TestApp, id: string): Promise<OutboxMessage[]> =>
  (await app.app.get(SessionService).messagesAfter(id, '0', 200)).messages;

const proactiveTurns = async (app: TestApp, id: string) =>
  (await app.app.get(SessionService).history(id, 200, null)).turns.filter(
    (turn) => turn.role === 'proactive',
  );

const newSession = async (app: TestApp): Promise<string> =>
  (await request(app.server).post('/v1/sessions').send({}).expect(201)).body.sessionId as string;

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

/** The Meridian Gate area; PUT /v1/admin/pois sets two POIs containing POINT and one far away. */
const POINT = { lat: 39.9149, lon: 116.3905 };
const TEST_POIS = [
  {
    id: 'gate',
    name: 'Meridian Gate',
    description: 'The main gate.',
    lat: 39.9149,
    lon: 116.3905,
    radiusM: 100,
  },
  {
    id: 'square',
    name: 'Gate Square',
    description: 'The square.',
    lat: 39.9152,
    lon: 116.3907,
    radiusM: 200,
  },
  { id: 'far', name: 'Far Hall', description: 'Far away.', lat: 39.93, lon: 116.41, radiusM: 50 },
];

describe('Proactive messages and delivery (e2e, two instances on one Redis, fake OpenAI)', () => {
  let fake: FakeOpenAiServer;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  describe('greetings', () => {
    let a: TestApp;
    let b: TestApp;

    beforeAll(async () => {
      [a, b] = await startPair(fake, { PROACTIVE_GREETING_DELAY_SECONDS: '1' });
    });
    afterAll(async () => {
      await a.close();
      await b.close();
    });

    it('sends exactly one greeting per session, about the configured delay after creation', async () => {
      fake.respond = () => 'Welcome to the Forbidden City!';
      const ids = await Promise.all([a, b, a, b, a, b].map((app) => newSession(app)));
      for (const id of ids)
        await eventually(
          () => messagesOf(a, id),
          (messages) => messages.length > 0,
          15_000,
        );
      // Every trigger queued and every job run: a duplicate, had one been queued, has run by now.
      await waitFor('the greeting jobs to finish', () => proactiveSettled(a, ids), 15_000);
      for (const id of ids) {
        const messages = await messagesOf(b, id);
        expect(messages).toEqual([
          {
            id: expect.any(String),
            kind: 'greeting',
            text: 'Welcome to the Forbidden City!',
            createdAt: expect.any(Number),
          },
        ]);
        expect(await proactiveTurns(a, id)).toHaveLength(1);
        const view = (await request(b.server).get(`/v1/sessions/${id}`).expect(200)).body;
        expect(view).toMatchObject({ turnCount: 1, pendingMessages: 1 });
        // The delay, from the app's own times (how busy the machine is cannot shorten it).
        expect(messages[0].createdAt - Date.parse(view.createdAt)).toBeGreaterThanOrEqual(900);
      }
      expect(fake.requests).toHaveLength(ids.length);
    });

    it('sends the template greeting when the model is down', async () => {
      fake.fail(true);
      const id = await newSession(a);
      const [greeting] = await eventually(
        () => messagesOf(b, id),
        (messages) => messages.length > 0,
        8000,
      );
      expect(greeting).toMatchObject({ kind: 'greeting', text: templateMessage('greeting', 'zh-CN') });
      expect(fake.requests.length).toBeGreaterThan(0);
    });
  });

  describe('POIs, broadcast, long-poll and SSE', () => {
    let a: TestApp;
    let b: TestApp;
    /** B's timers, never advanced: what wakes or ends a waiter on B can only be a pub/sub notice. */
    const standingTimersOfB = new ManualClock();
    const parkedOnB = async (count: number) =>
      waitFor(`${count} waiters parked on B`, () => b.app.get(MessageHub).waiterCount >= count);

    beforeAll(async () => {
      [a, b] = await startPair(fake, {}, standingTimersOfB);
      await request(a.server)
        .put('/v1/admin/pois')
        .set(admin)
        .send({ pois: TEST_POIS })
        .expect(200, { count: 3 });
    });
    afterAll(async () => {
      await a.close();
      await b.close();
    });

    it('replaces the POI set through PUT /v1/admin/pois (admin only, validated), seen by every instance', async () => {
      await request(a.server).put('/v1/admin/pois').send({ pois: TEST_POIS }).expect(401);
      const invalid = await request(a.server)
        .put('/v1/admin/pois')
        .set(admin)
        .send({ pois: [{ ...TEST_POIS[0], radiusM: 0 }] })
        .expect(400);
      expect(invalid.body.error.code).toBe('VALIDATION_FAILED');
      const near = await request(b.server)
        .get('/v1/pois')
        .query({ ...POINT, radius: 5000 })
        .expect(200);
      expect(near.body.pois.map((poi: { id: string }) => poi.id)).toEqual(['gate', 'square', 'far']);
    });

    it('queues exactly one message per POI despite repeated and concurrent location posts on both instances', async () => {
      fake.respond = async () => {
        await sleep(50); // model latency, so the concurrent posts overlap a running job
        return 'Look at this!';
      };
      const id = await newSession(a);
      const posts = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          request((i % 2 === 0 ? a : b).server)
            .post(`/v1/sessions/${id}/location`)
            .send(POINT),
        ),
      );
      for (const response of posts) {
        expect(response.status).toBe(202);
        expect(response.body).toEqual({
          sessionId: id,
          nearby: [
            { poiId: 'gate', name: 'Meridian Gate', distanceM: 0 },
            { poiId: 'square', name: 'Gate Square', distanceM: expect.any(Number) },
          ],
        });
      }
      await eventually(
        () => messagesOf(a, id),
        (messages) => messages.length >= 2,
        8000,
      );
      await request(b.server).post(`/v1/sessions/${id}/location`).send(POINT).expect(202);
      await waitFor('the POI jobs to finish', () => proactiveSettled(b, [id]), 15_000);
      const messages = await messagesOf(b, id);
      expect(messages.map((m) => [m.kind, m.poiId]).sort()).toEqual([
        ['poi', 'gate'],
        ['poi', 'square'],
      ]);
      expect(messages.every((m) => m.text === 'Look at this!')).toBe(true);
      expect(fake.requests).toHaveLength(2);
      // The model was given the POI as context.
      expect(JSON.stringify(fake.requests.map((r) => r.messages))).toMatch(/Meridian Gate/);
      expect(await proactiveTurns(a, id)).toHaveLength(2);
    });

    it('answers 202 when queueing fails after the POI trigger is recorded: the recovery queues it, one message per POI', async () => {
      fake.respond = () => 'Look at this!';
      const id = await newSession(a);
      const queue = a.app.get<JobQueue>(JOB_QUEUE);
      const add = queue.add.bind(queue);
      let refused = 0;
      queue.add = (name, data, options) => {
        if (name !== JobName.Poi) return add(name, data, options);
        refused += 1;
        return Promise.reject(new StoreUnavailableError(new Error('Redis went away')));
      };
      try {
        await request(a.server).post(`/v1/sessions/${id}/location`).send(POINT).expect(202);
        await eventually(
          () => Promise.resolve(refused),
          (count) => count >= 2,
        );
      } finally {
        queue.add = add;
      }
      const messages = await eventually(
        () => messagesOf(a, id),
        (found) => found.length >= 2,
        15_000,
      );
      expect(messages.map((m) => m.poiId).sort()).toEqual(['gate', 'square']);
      await request(a.server).post(`/v1/sessions/${id}/location`).send(POINT).expect(202);
      await eventually(
        () => a.app.get(SessionTriggers).olderThan(-60_000, 10),
        (pending) => !pending.some((trigger) => trigger.sessionId === id),
        15_000,
      );
      expect(await messagesOf(a, id)).toHaveLength(2);
    }, 30_000);

    it('answers 404 for a location post on an unknown session and 400 for a bad position', async () => {
      await request(a.server).post('/v1/sessions/not-a-session/location').send(POINT).expect(404);
      const id = await newSession(a);
      await request(a.server).post(`/v1/sessions/${id}/location`).send({ lat: 91, lon: 0 }).expect(400);
    });

    it('wakes a long-poll on B with a message pushed on A (its notice, not a re-read: the timers of B stand still)', async () => {
      const id = await newSession(a);
      const poll = request(b.server)
        .get(`/v1/sessions/${id}/messages?wait=10`)
        .then((r) => r);
      await parkedOnB(1);
      await a.app.get(ProactiveOutbox).send(id, 'broadcast', 'hello from A');
      const response = await poll;
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        messages: [
          { id: expect.any(String), kind: 'broadcast', text: 'hello from A', createdAt: expect.any(String) },
        ],
        cursor: response.body.messages[0].id,
      });
      // Fetching after the cursor acknowledges it: nothing pending any more.
      await request(b.server).get(`/v1/sessions/${id}/messages?after=${response.body.cursor}`).expect(200, {
        messages: [],
        cursor: response.body.cursor,
      });
      expect((await request(a.server).get(`/v1/sessions/${id}`).expect(200)).body.pendingMessages).toBe(0);
    });

    it('pages with after= and acknowledgement', async () => {
      const id = await newSession(a);
      const outbox = a.app.get(ProactiveOutbox);
      const first = await outbox.send(id, 'broadcast', 'one');
      await outbox.send(id, 'broadcast', 'two');
      const pending = (await request(a.server).get(`/v1/sessions/${id}/messages`).expect(200)).body;
      expect(pending.messages.map((m: { text: string }) => m.text)).toEqual(['one', 'two']);
      const after = (
        await request(a.server).get(`/v1/sessions/${id}/messages?after=${first!.id}`).expect(200)
      ).body;
      expect(after.messages.map((m: { text: string }) => m.text)).toEqual(['two']);
      expect((await request(a.server).get(`/v1/sessions/${id}`).expect(200)).body.pendingMessages).toBe(1);
      await request(a.server).get(`/v1/sessions/${id}/messages?after=bogus`).expect(400);
      await request(a.server).get(`/v1/sessions/${id}/messages?wait=31`).expect(400);
    });

    it('pushes messages from A to an SSE stream on B, and resumes after Last-Event-ID with no gap and no repeat', async () => {
      const id = await newSession(a);
      const outbox = a.app.get(ProactiveOutbox);
      const first = await SseClient.open(`${b.url}/v1/sessions/${id}/events`);
      expect(first.response.statusCode).toBe(200);
      expect(first.response.headers['content-type']).toMatch(/^text\/event-stream/);
      await parkedOnB(1);
      await outbox.send(id, 'broadcast', 'm1');
      await outbox.send(id, 'broadcast', 'm2');
      const received = await first.waitFor(2);
      first.close();
      await outbox.send(id, 'broadcast', 'm3');
      await outbox.send(id, 'broadcast', 'm4');
      const resumed = await SseClient.open(`${b.url}/v1/sessions/${id}/events`, {
        'last-event-id': received[1].id!,
      });
      await resumed.waitFor(2);
      await outbox.send(id, 'broadcast', 'm5');
      const after = await resumed.waitFor(3);
      // A last message: a repeat of an earlier one would have come before it.
      await outbox.send(id, 'broadcast', 'last');
      await resumed.waitFor(4);
      resumed.close();
      expect(JSON.parse(resumed.events[3].data).text).toBe('last');
      const all = [...received, ...resumed.events.slice(0, 3)];
      expect(all.map((e) => e.event)).toEqual(Array(5).fill('message'));
      expect(all.map((e) => JSON.parse(e.data).text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(all.map((e) => e.id)).toEqual(all.map((e) => JSON.parse(e.data).id));
      expect(new Set(all.map((e) => e.id)).size).toBe(5);
      expect(after).toHaveLength(3);
    });

    it('starts an SSE stream with the pending messages when no Last-Event-ID is sent', async () => {
      const id = await newSession(a);
      await a.app.get(ProactiveOutbox).send(id, 'broadcast', 'waiting for you');
      const sse = await SseClient.open(`${a.url}/v1/sessions/${id}/events`);
      const [event] = await sse.waitFor(1);
      sse.close();
      expect(JSON.parse(event.data)).toMatchObject({ kind: 'broadcast', text: 'waiting for you' });
      const gone = await SseClient.open(`${a.url}/v1/sessions/3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d/events`);
      expect(gone.response.statusCode).toBe(404);
      expect(JSON.parse(await gone.text()).error.code).toBe('SESSION_NOT_FOUND');
    });

    it('ends SSE streams and long-polls on B by its notice when the session is deleted on A, but not on a reset', async () => {
      const [id, probe] = [await newSession(a), await newSession(a)];
      const sse = await SseClient.open(`${b.url}/v1/sessions/${id}/events`);
      const probeStream = await SseClient.open(`${b.url}/v1/sessions/${probe}/events`);
      const poll = request(b.server)
        .get(`/v1/sessions/${id}/messages?wait=20`)
        .then((r) => r);
      await parkedOnB(3);
      await request(a.server).post(`/v1/sessions/${id}/reset`).expect(200);
      // Notices reach B in the order A sent them: once one sent after the reset has arrived, an end
      // notice for the reset (had A sent one, from within the reset) would have arrived too.
      await a.app.get(ProactiveOutbox).send(probe, 'broadcast', 'after the reset');
      await probeStream.waitFor(1);
      probeStream.close();
      expect(sse.ended).toBe(false);

      // B's timers stand still (no heartbeat, no re-read, no deadline): only the end notice can end these.
      await request(a.server).delete(`/v1/sessions/${id}`).expect(204);
      await sse.waitForEnd(5000);
      const response = await poll;
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('SESSION_NOT_FOUND');
      // The client's reconnect is refused, so it starts a new session.
      const again = await SseClient.open(`${b.url}/v1/sessions/${id}/events`);
      expect(again.response.statusCode).toBe(404);
      await waitFor('the closed probe stream to detach', () => b.app.get(MessageHub).waiterCount === 0);
    });

    it('broadcasts to every live session, or to those last seen inside a circle', async () => {
      const [inside, outside, unknown] = await Promise.all([newSession(a), newSession(b), newSession(a)]);
      await request(a.server)
        .post(`/v1/sessions/${inside}/location`)
        .send({ lat: 10.001, lon: 10.001 })
        .expect(202);
      await request(b.server).post(`/v1/sessions/${outside}/location`).send({ lat: 11, lon: 11 }).expect(202);
      await request(b.server).post('/v1/admin/broadcast').send({ text: 'x' }).expect(401);
      await request(b.server).post('/v1/admin/broadcast').set(admin).send({ text: '' }).expect(400);
      const near = await request(b.server)
        .post('/v1/admin/broadcast')
        .set(admin)
        .send({ text: 'Closing soon nearby', near: { lat: 10, lon: 10, radiusM: 1000 } })
        .expect(202);
      expect(near.body).toEqual({ queued: 1 });
      await eventually(
        () => messagesOf(a, inside),
        (messages) => messages.length === 1,
      );
      const everyone = await request(a.server)
        .post('/v1/admin/broadcast')
        .set(admin)
        .send({ text: 'Closing soon' })
        .expect(202);
      expect(everyone.body.queued).toBeGreaterThanOrEqual(3);
      for (const id of [inside, outside, unknown]) {
        await eventually(
          () => messagesOf(b, id),
          (messages) => messages.some((m) => m.text === 'Closing soon'),
        );
      }
      await waitFor('the broadcast jobs to finish', () => proactiveSettled(a, [inside, outside, unknown]));
      expect((await messagesOf(a, inside)).map((m) => m.text)).toEqual([
        'Closing soon nearby',
        'Closing soon',
      ]);
      expect((await messagesOf(a, outside)).map((m) => m.text)).toEqual(['Closing soon']);
      expect((await messagesOf(a, unknown)).map((m) => [m.kind, m.text])).toEqual([
        ['broadcast', 'Closing soon'],
      ]);
    });
  });

  describe('a job whose instance dies', () => {
    /** Two instances on a fresh prefix, greeting at once, job locks that expire 1 s after their holder goes. */
    const jobEnv = () => ({
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: fake.baseUrl,
      AI_TIMEOUT_MS: '5000',
      REDIS_KEY_PREFIX: testPrefix('pro'),
      PROACTIVE_GREETING_DELAY_SECONDS: '0',
      PROACTIVE_JOB_LOCK_MS: '1000',
    });

    it('is completed by the other instance once its lock expires, and the message appears once', async () => {
      const env = jobEnv();
      let calls = 0;
      // A's model call is held until B has delivered: still running when A goes away.
      let answerA = (): void => undefined;
      const heldForA = new Promise<void>((resolve) => (answerA = resolve));
      let answeredA = false;
      fake.respond = async () => {
        calls += 1;
        if (calls === 1) {
          await heldForA;
          answeredA = true;
          return 'greeting from A';
        }
        return 'greeting from B';
      };
      const a = await startTestApp({ env, keepKeys: true });
      let b: TestApp | null = null;
      try {
        const id = await newSession(a);
        await fake.waitForRequests(1); // the job is running on A
        b = await startTestApp({ env });
        await a.close(); // does not wait for the running job
        const messages = await eventually(
          () => messagesOf(b!, id),
          (found) => found.length > 0,
          10_000,
        );
        expect(messages).toEqual([expect.objectContaining({ kind: 'greeting', text: 'greeting from B' })]);
        answerA(); // A's model answer comes back now, after A has gone
        await waitFor("A's model answer", () => answeredA);
        await waitFor('the greeting job to finish', () => proactiveSettled(b!, [id]), 15_000);
        expect(await messagesOf(b, id)).toHaveLength(1);
        expect(await proactiveTurns(b, id)).toHaveLength(1);
        expect(calls).toBe(2);
      } finally {
        await b?.close();
      }
    });

    it('after delivering, before completing: runs again on the other instance, and the message still appears once', async () => {
      const env = jobEnv();
      fake.respond = () => `greeting ${fake.requests.length}`;
      const a = await startTestApp({ env, keepKeys: true });
      // A freezes right after the message is stored: its job is never marked complete.
      const outboxOnA = a.app.get(ProactiveOutbox);
      const send = outboxOnA.send.bind(outboxOnA);
      let deliveredOnA = false;
      outboxOnA.send = async (...args) => {
        await send(...args);
        deliveredOnA = true;
        return new Promise(() => undefined);
      };
      let b: TestApp | null = null;
      try {
        const id = await newSession(a);
        await eventually(
          () => Promise.resolve(deliveredOnA),
          (done) => done,
        );
        b = await startTestApp({ env });
        await a.close(); // does not wait for the frozen job
        // B runs the job again (a second model call) and completes it.
        const completed = `${env.REDIS_KEY_PREFIX}{bull}:proactive:completed`;
        await eventually(
          () => b!.redis().client.zscore(completed, `greet%3A${id}`),
          (score) => score !== null,
          10_000,
        );
        expect(fake.requests).toHaveLength(2);
        expect(await messagesOf(b, id)).toEqual([
          expect.objectContaining({ kind: 'greeting', text: 'greeting 1' }),
        ]);
        expect(await proactiveTurns(b, id)).toHaveLength(1);
      } finally {
        await b?.close();
      }
    });
  });

  describe('idle tips', () => {
    it('sends a tip after the configured idle time, once per idle period, at most PROACTIVE_MAX_TIPS', async () => {
      fake.respond = () => 'Take a break!';
      const [a, b] = await startPair(fake, { PROACTIVE_IDLE_TIP_SECONDS: '1', PROACTIVE_MAX_TIPS: '2' });
      const scans = recordScans([a, b]);
      /** Once a scan started this long after `t` has finished, a tip for idleness since `t` was given or never comes. */
      const scannedPast = (t: number) =>
        waitFor('a scan past the idle time', () => scans.startedAt.some((at) => at > t + 1000), 15_000);
      try {
        const id = await newSession(a);
        const tips = () => messagesOf(a, id).then((messages) => messages.filter((m) => m.kind === 'tip'));
        await eventually(tips, (found) => found.length === 1, 15_000);
        // Still idle: the scans after the tip (two of them, windows overlapping) give no second one.
        const firstTipSeen = Date.now();
        await waitFor(
          'two scans after the tip',
          () => scans.startedAt.filter((at) => at > firstTipSeen).length >= 2,
          15_000,
        );
        await waitFor('the tip jobs to finish', () => proactiveSettled(a, [id]), 15_000);
        expect(await tips()).toHaveLength(1);
        await request(b.server).get(`/v1/sessions/${id}`).expect(200); // activity: a new idle period
        await eventually(tips, (found) => found.length === 2, 15_000);
        await request(a.server).get(`/v1/sessions/${id}`).expect(200);
        await scannedPast(Date.now()); // would be a third tip
        await waitFor('the tip jobs to finish', () => proactiveSettled(a, [id]), 15_000);
        expect(await tips()).toHaveLength(2);
        expect((await tips()).every((tip) => tip.text === 'Take a break!')).toBe(true);
        expect(fake.requests).toHaveLength(2);
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('queues the tip again at the next scan when queueing it failed', async () => {
      fake.respond = () => 'Take a break!';
      const app = await startTestApp({
        env: {
          OPENAI_API_KEY: 'test-key',
          OPENAI_BASE_URL: fake.baseUrl,
          PROACTIVE_IDLE_TIP_SECONDS: '1',
        },
      });
      try {
        const queue = app.app.get<JobQueue>(JOB_QUEUE);
        const add = queue.add.bind(queue);
        let refused = 0;
        queue.add = (name, data, options) => {
          if (name !== JobName.Tip || refused > 0) return add(name, data, options);
          refused += 1;
          return Promise.reject(new StoreUnavailableError(new Error('Redis went away')));
        };
        const scans = recordScans([app]);
        const id = await newSession(app);
        const tips = () => messagesOf(app, id).then((messages) => messages.filter((m) => m.kind === 'tip'));
        await eventually(tips, (found) => found.length === 1, 15_000);
        expect(refused).toBe(1);
        // Later scans of the same idle period (two of them) add nothing.
        const firstTipSeen = Date.now();
        await waitFor(
          'two scans after the tip',
          () => scans.startedAt.filter((at) => at > firstTipSeen).length >= 2,
          15_000,
        );
        await waitFor('the tip jobs to finish', () => proactiveSettled(app, [id]), 15_000);
        expect(await tips()).toHaveLength(1);
      } finally {
        await app.close();
      }
    });

    it('never sends a tip to an expired session', async () => {
      const app = await startTestApp({
        env: {
          OPENAI_API_KEY: 'test-key',
          OPENAI_BASE_URL: fake.baseUrl,
          PROACTIVE_IDLE_TIP_SECONDS: '2',
          SESSION_IDLE_TTL_SECONDS: '1',
        },
      });
      try {
        const scans = recordScans([app]);
        const queue = app.app.get<JobQueue>(JOB_QUEUE);
        const add = queue.add.bind(queue);
        const tipsQueued: unknown[] = [];
        queue.add = (name, data, options) => {
          if (name === JobName.Tip) tipsQueued.push(data);
          return add(name, data, options);
        };
        const createdAt = Date.now();
        const id = await newSession(app);
        // A scan that began 2 s (the idle time) after the session's last activity has looked at it.
        await waitFor(
          'a scan past the idle time',
          () => scans.startedAt.some((at) => at > createdAt + 2000),
          15_000,
        );
        await request(app.server).get(`/v1/sessions/${id}`).expect(404);
        expect(tipsQueued).toEqual([]);
        expect(await messagesOf(app, id)).toEqual([]);
        expect(fake.requests).toHaveLength(0);
      } finally {
        await app.close();
      }
    });
  });
});

describe('Long-poll deadlines and SSE heartbeats (e2e, Redis, on a ManualClock)', () => {
  it('ends a long-poll with no message when its wait has passed, not before', async () => {
    const time = new ManualClock(Date.now());
    const app = await startTestApp({ clock: time, timers: time });
    try {
      const id = await newSession(app);
      let answered = false;
      const poll = request(app.server)
        .get(`/v1/sessions/${id}/messages?wait=1`)
        .then((response) => ((answered = true), response));
      await waitFor('the long-poll to park', () => app.app.get(MessageHub).waiterCount === 1);
      await time.advance(999);
      // Whatever a busy machine does, on this clock the wait has not passed: the hub's tick has not come.
      expect(answered).toBe(false);
      await time.advance(1);
      const response = await poll;
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ messages: [], cursor: '0' });
      expect(app.app.get(MessageHub).waiterCount).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('writes a heartbeat comment every 15 s, and ends a stream whose session expired at that heartbeat', async () => {
    // No sweep: nothing announces the expiry, only the heartbeat's check can notice it. The app's clock
    // and timers are a ManualClock: 15 s pass as the test moves them, a second at a time.
    const time = new ManualClock(Date.now());
    const app = await startTestApp({
      clock: time,
      timers: time,
      env: { SESSION_IDLE_TTL_SECONDS: '8', CLEANUP_CRON: '0 0 0 1 1 *' },
    });
    try {
      const [kept, expiring] = [await newSession(app), await newSession(app)];
      const keptStream = await SseClient.open(`${app.url}/v1/sessions/${kept}/events`);
      const expiringStream = await SseClient.open(`${app.url}/v1/sessions/${expiring}/events`);
      await waitFor('both streams to park', () => app.app.get(MessageHub).waiterCount === 2);
      const fifteenSeconds = async () => {
        for (let second = 0; second < 15; second++) {
          await request(app.server).get(`/v1/sessions/${kept}`).expect(200); // activity keeps it live
          await time.advance(1000);
        }
      };
      await fifteenSeconds();
      await waitFor('the first heartbeat', () => keptStream.comments.includes('heartbeat'));
      await expiringStream.waitForEnd(5000);
      expect(expiringStream.comments).toContain('heartbeat');
      expect(keptStream.ended).toBe(false);
      // A second heartbeat on the kept stream: its first check found the session live.
      await fifteenSeconds();
      await waitFor(
        'the second heartbeat',
        () => keptStream.comments.filter((c) => c === 'heartbeat').length === 2,
      );
      expect(keptStream.ended).toBe(false);
      keptStream.close();
    } finally {
      await app.close();
    }
  });
});

describe('Proactive messages in embedded mode (no Redis, offline guide)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ env: { REDIS_URL: undefined, PROACTIVE_GREETING_DELAY_SECONDS: '1' } });
  });
  afterAll(async () => {
    await sut.close();
  });

  it('delivers the greeting through the in-process queue to a waiting long-poll and an SSE stream', async () => {
    const id = await newSession(sut);
    const sse = await SseClient.open(`${sut.url}/v1/sessions/${id}/events`);
    const poll = await request(sut.server).get(`/v1/sessions/${id}/messages?wait=5`).expect(200);
    expect(poll.body.messages).toEqual([expect.objectContaining({ kind: 'greeting' })]);
    const [event] = await sse.waitFor(1);
    sse.close();
    expect(event.id).toBe(poll.body.messages[0].id);
    const meridianGate = { lat: 39.9136, lon: 116.391 }; // in the bundled sample
    const pois = await request(sut.server).post(`/v1/sessions/${id}/location`).send(meridianGate).expect(202);
    expect(pois.body.nearby.length).toBeGreaterThan(0);
    await eventually(
      () => messagesOf(sut, id),
      (messages) => messages.filter((m) => m.kind === 'poi').length === pois.body.nearby.length,
    );
  });
});
