import request from 'supertest';
import { END_REASONS } from '../src/domain';
import { FakeOpenAiServer } from './support/fake-openai.server';
import { waitFor } from './support/lifecycle';
import { parsePrometheusText, Sample, valueOf } from './support/prometheus-text';
import { testPrefix } from './support/redis';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('GET /metrics on two instances of one Redis (e2e, Redis + fake OpenAI)', () => {
  let fake: FakeOpenAiServer;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    fake = await FakeOpenAiServer.start();
    const prefix = testPrefix('metrics');
    const env = {
      REDIS_KEY_PREFIX: prefix,
      OPENAI_API_KEY: 'test-key',
      OPENAI_BASE_URL: fake.baseUrl,
      AI_TIMEOUT_MS: '800',
    };
    a = await startTestApp({ env, keepKeys: true });
    b = await startTestApp({ env });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await fake.close();
  });

  const scrape = async (app: TestApp): Promise<Sample[]> => {
    const response = await request(app.server).get('/metrics').expect(200);
    expect(response.headers['content-type']).toContain('text/plain');
    return parsePrometheusText(response.text);
  };
  const create = async (app: TestApp) =>
    (await request(app.server).post('/v1/sessions').send({}).expect(201)).body.sessionId as string;

  it('starts every end reason, AI outcome and proactive kind at 0, and reads store_up 1', async () => {
    const samples = await scrape(b);
    for (const reason of END_REASONS) expect(valueOf(samples, 'sessions_ended_total', { reason })).toBe(0);
    for (const outcome of ['ok', 'error', 'timeout', 'circuit_open']) {
      expect(valueOf(samples, 'ai_request_duration_seconds_count', { outcome })).toBe(0);
    }
    for (const kind of ['greeting', 'poi', 'tip', 'broadcast']) {
      expect(valueOf(samples, 'proactive_messages_total', { kind })).toBe(0);
    }
    expect(valueOf(samples, 'store_up')).toBe(1);
    expect(valueOf(samples, 'store_memory_used_bytes')).toBeGreaterThan(0);
    expect(valueOf(samples, 'store_memory_limit_bytes')).toBe(0); // the test Redis has no maxmemory, no watermark is set
    for (const name of ['session_create_rate', 'session_create_growth', 'store_memory']) {
      expect(valueOf(samples, 'alerts_firing', { name })).toBe(0);
    }
    expect(valueOf(samples, 'model_calls_total')).toBeUndefined(); // folded into ai_request_duration_seconds
  });

  it('counts known traffic per instance by name and label, and reports the same sessions_active on both', async () => {
    const before = { a: await scrape(a), b: await scrape(b) };
    const live = (await request(a.server).get('/v1/admin/stats').set(admin).expect(200)).body.activeSessions;
    const onA = [await create(a), await create(a), await create(a)];
    const onB = [await create(b), await create(b)];
    await request(a.server).get(`/v1/sessions/${onB[0]}`).expect(200);
    await request(b.server).delete(`/v1/admin/sessions/${onA[0]}`).set(admin).expect(204);
    await request(a.server).delete(`/v1/sessions/${onB[1]}`).expect(204);
    await request(b.server).post(`/v1/admin/sessions/${onA[1]}/reset`).set(admin).expect(200);
    await request(a.server)
      .post('/v1/admin/broadcast')
      .set(admin)
      .send({ text: 'Closing at 17:00' })
      .expect(202);

    const after = { a: await scrape(a), b: await scrape(b) };
    const delta = (app: 'a' | 'b', name: string, labels: Record<string, string> = {}) =>
      (valueOf(after[app], name, labels) ?? NaN) - (valueOf(before[app], name, labels) ?? 0);
    expect(delta('a', 'sessions_created_total')).toBe(3);
    expect(delta('b', 'sessions_created_total')).toBe(2);
    expect(delta('b', 'sessions_ended_total', { reason: 'admin_deleted' })).toBe(1);
    expect(delta('b', 'sessions_ended_total', { reason: 'admin_reset' })).toBe(1);
    expect(delta('a', 'sessions_ended_total', { reason: 'client_closed' })).toBe(1);
    expect(delta('a', 'sessions_ended_total', { reason: 'admin_deleted' })).toBe(0);
    // Lifetime and turns are observed for the two sessions that ended for good, not for the reset.
    expect(delta('b', 'session_lifetime_seconds_count') + delta('a', 'session_lifetime_seconds_count')).toBe(
      2,
    );
    expect(delta('b', 'session_turns_count') + delta('a', 'session_turns_count')).toBe(2);

    // The route label is the template: never a session id.
    const routes = after.a
      .filter((sample) => sample.name === 'http_request_duration_seconds_count')
      .map((sample) => sample.labels.route);
    expect(routes).toEqual(expect.arrayContaining(['/v1/sessions', '/v1/sessions/:id']));
    expect(routes.join(' ')).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(
      valueOf(after.b, 'http_request_duration_seconds_count', {
        method: 'DELETE',
        route: '/v1/admin/sessions/:id',
        status: '204',
      }),
    ).toBeGreaterThanOrEqual(1);

    // Broadcast batches run on whichever instance takes the job: the sum over instances counts them.
    const broadcasts = async () =>
      (await Promise.all([scrape(a), scrape(b)]))
        .map((samples) => valueOf(samples, 'proactive_messages_total', { kind: 'broadcast' }) ?? 0)
        .reduce((sum, value) => sum + value, 0);
    const sent = await waitFor('the broadcast to reach the 3 live sessions', async () =>
      (await broadcasts()) >= live + 3 ? broadcasts() : null,
    );
    expect(sent).toBe(live + 3);

    // sessions_active comes from the shared store: the same on both, and what the stats say.
    const [activeA, activeB] = [valueOf(after.a, 'sessions_active'), valueOf(after.b, 'sessions_active')];
    expect(activeA).toBe(live + 3);
    expect(activeB).toBe(activeA);
  });

  it('times model calls by outcome: ok, timeout, error, then circuit_open', async () => {
    const before = await scrape(a);
    const ask = (status: number) =>
      request(a.server).post('/v1/query').send({ text: 'Where is the Meridian Gate?' }).expect(status);
    await ask(200);
    fake.fail('hang');
    await ask(503); // AI_TIMEOUT_MS 800
    fake.fail(true);
    for (let i = 0; i < 4; i++) await ask(503); // 5 consecutive failures open the circuit
    await ask(503); // refused at once by the open circuit
    fake.fail(false);
    const after = await scrape(a);
    const delta = (outcome: string) =>
      (valueOf(after, 'ai_request_duration_seconds_count', { outcome }) ?? NaN) -
      (valueOf(before, 'ai_request_duration_seconds_count', { outcome }) ?? 0);
    expect([delta('ok'), delta('timeout'), delta('error'), delta('circuit_open')]).toEqual([1, 1, 4, 1]);
  });

  it('counts open SSE streams and waiting long-polls on the instance holding them', async () => {
    const id = await create(b);
    const controller = new AbortController();
    const stream = await fetch(`${b.url}/v1/sessions/${id}/events`, { signal: controller.signal });
    expect(stream.status).toBe(200);
    const poll = fetch(`${b.url}/v1/sessions/${id}/messages?wait=20`);
    const gauges = async () => {
      const samples = await scrape(b);
      return [valueOf(samples, 'sse_connections'), valueOf(samples, 'longpoll_waiting')];
    };
    await waitFor('one stream and one long-poll', async () => {
      const [sse, longpoll] = await gauges();
      return sse === 1 && longpoll === 1;
    });
    expect(valueOf(await scrape(a), 'sse_connections')).toBe(0);
    await request(b.server).post('/v1/admin/broadcast').set(admin).send({ text: 'wake up' }).expect(202);
    expect((await poll).status).toBe(200);
    const streamsTimed = async () =>
      valueOf(await scrape(b), 'http_request_duration_seconds_count', {
        method: 'GET',
        route: '/v1/sessions/:id/events',
        status: '200',
      }) ?? 0;
    const timedBefore = await streamsTimed();
    controller.abort();
    await waitFor('both to be released', async () => {
      const [sse, longpoll] = await gauges();
      return sse === 0 && longpoll === 0;
    });
    // A stream's request is timed when it ends, like any other.
    await waitFor('the stream to be timed', async () => (await streamsTimed()) === timedBefore + 1);
  });
});
