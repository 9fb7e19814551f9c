import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { STATS_REPOSITORY, StatsRepository } from '../src/stats/stats.repository';
import { waitFor } from './support/eventually';
import { ShiftedClock } from './support/manual-clock';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** A webhook receiver that keeps every JSON body it was sent. */
async function startWebhook(): Promise<{
  server: Server;
  url: string;
  received: Array<Record<string, unknown>>;
}> {
  const received: Array<Record<string, unknown>> = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/hook`, received };
}

describe('Alerts (e2e, Redis)', () => {
  let sut: TestApp;
  let webhook: Awaited<ReturnType<typeof startWebhook>>;
  const clock = new ShiftedClock();
  /** Evaluations stored so far: the sign that the rules were looked at again. */
  let evaluations = 0;

  beforeAll(async () => {
    webhook = await startWebhook();
    sut = await startTestApp({
      env: {
        ALERT_CREATE_RATE_PER_MIN: '0',
        ALERT_GROWTH_MIN_RATE_PER_MIN: '2',
        ALERT_EVAL_INTERVAL_SECONDS: '1',
        ALERT_WEBHOOK_URL: webhook.url,
        CLEANUP_CRON: '0 0 0 1 1 *',
      },
      clock,
    });
    const stats = sut.app.get<StatsRepository>(STATS_REPOSITORY);
    const setActiveAlerts = stats.setActiveAlerts.bind(stats);
    stats.setActiveAlerts = async (active) => {
      await setActiveAlerts(active);
      evaluations += 1;
    };
  });
  afterAll(async () => {
    await sut.close();
    await new Promise((resolve) => webhook.server.close(resolve));
  });

  const alerts = async () =>
    (await request(sut.server).get('/v1/admin/stats').set(admin).expect(200)).body.alerts as Array<{
      name: string;
      since: string;
      message: string;
    }>;

  it('fires on a creation rate above ALERT_CREATE_RATE_PER_MIN, shows it in the stats, POSTs the webhook, then resolves', async () => {
    await request(sut.server).post('/v1/sessions').send({}).expect(201);

    const firing = await waitFor('the alert to fire', async () => {
      const active = await alerts();
      return active.find((alert) => alert.name === 'session_create_rate');
    });
    expect(firing).toEqual({
      name: 'session_create_rate',
      since: expect.any(String),
      message: expect.any(String),
    });
    await waitFor('the firing webhook', () =>
      Promise.resolve(
        webhook.received.some((b) => b.status === 'firing' && b.name === 'session_create_rate'),
      ),
    );
    // Still firing at the next two evaluations: posted once, since unchanged.
    const seenSoFar = evaluations;
    await waitFor('two more evaluations', () => evaluations >= seenSoFar + 2);
    expect(webhook.received.filter((b) => b.status === 'firing')).toHaveLength(1);
    expect((await alerts())[0].since).toBe(firing.since);

    clock.skip(6 * 60_000); // the creation falls out of the 5-minute window
    await waitFor('the alert to resolve', async () => (await alerts()).length === 0);
    await waitFor('the resolved webhook', () =>
      Promise.resolve(
        webhook.received.some((b) => b.status === 'resolved' && b.name === 'session_create_rate'),
      ),
    );
  });

  it('keeps the growth alert quiet below ALERT_GROWTH_MIN_RATE_PER_MIN, and fires it above', async () => {
    // After the first test the clock is 6 minutes on: its one creation is in the previous hour now.
    const created = async (n: number) => {
      for (let i = 0; i < n; i++) await request(sut.server).post('/v1/sessions').send({}).expect(201);
    };
    await created(3); // 0.6/min: over 5x the previous hour's 1/60 per minute, but under the floor of 2
    // session_create_rate (threshold 0) fires at the first evaluation that saw them: that one was quiet.
    const seen = await waitFor('an evaluation after the creations', async () => {
      const active = await alerts();
      return active.some((alert) => alert.name === 'session_create_rate') ? active : null;
    });
    expect(seen.map((alert) => alert.name)).toEqual(['session_create_rate']);

    await created(10); // 13 in 5 minutes: 2.6/min, at or above the floor and over 5x
    const growth = await waitFor('the growth alert', async () =>
      (await alerts()).find((alert) => alert.name === 'session_create_growth'),
    );
    expect(growth.message).toMatch(
      /^creation rate 2\.6\/min is over 5x the previous hour's 0\.02\/min\. Look at: /,
    );
    await waitFor('the growth webhook', () =>
      Promise.resolve(
        webhook.received.some((b) => b.status === 'firing' && b.name === 'session_create_growth'),
      ),
    );
  });
});
