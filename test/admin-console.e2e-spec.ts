import { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { waitFor } from './support/lifecycle';
import { artifact, launchChromium } from './support/browser';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';

const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const SIZES = [
  { width: 1366, height: 768 },
  { width: 390, height: 844 },
];

/**
 * The support console in the machine's Chromium against the real service (Redis, the offline guide):
 * every task of the issue done through the page, at a laptop and a phone size, with screenshots.
 */
describe('The support console at /admin (e2e, Redis, Chromium)', () => {
  let sut: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    sut = await startTestApp({
      // A low creation threshold, evaluated every second, so the overview has a firing alert to show.
      env: { ALERT_CREATE_RATE_PER_MIN: '2', ALERT_EVAL_INTERVAL_SECONDS: '1' },
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sut?.close();
  });

  const api = () => request(sut.server);
  const create = async (headers: Record<string, string> = {}) =>
    (await api().post('/v1/sessions').set(headers).send({ locale: 'en' }).expect(201)).body
      .sessionId as string;

  it.each(SIZES)(
    'does every task through the page at $width×$height',
    async (size) => {
      const tag = `${size.width}x${size.height}`;
      const context: BrowserContext = await browser.newContext({ viewport: size });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: sut.url });
      const page: Page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !/status of 40[149] /.test(message.text()))
          problems.push(message.text());
      });
      const shot = (name: string, fullPage = true) =>
        page.screenshot({ path: artifact(`console-${name}-${tag}.png`), fullPage });
      const noSidewaysScroll = async (view: string) => {
        const [scrollWidth, width] = await page.evaluate<number[]>(
          '[document.documentElement.scrollWidth, innerWidth]',
        );
        expect({ view, scrollWidth }).toEqual({ view, scrollWidth: width });
      };
      const text = (selector: string) => page.locator(selector).first().innerText();
      const go = async (hash: string, ready: string) => {
        await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
        await page.locator(ready).first().waitFor();
      };

      // Known state: 25 sessions, one with a conversation, a changed IP, a user agent and a location.
      for (let i = 0; i < 24; i++) await create();
      const ua = { 'User-Agent': 'TourApp/2.3 (iPhone; iOS 17.4)', 'X-Forwarded-For': '203.0.113.5' };
      const talker = await create(ua);
      await api()
        .post('/v1/query')
        .set(ua)
        .send({ sessionId: talker, text: 'Tell me about the Hall of Supreme Harmony' })
        .expect(200);
      await api()
        .post('/v1/query')
        .set({ ...ua, 'X-Forwarded-For': '198.51.100.7' })
        .send({ sessionId: talker, text: 'And the Meridian Gate?' })
        .expect(200);
      const pois = (await api().get('/v1/admin/pois').set(admin).expect(200)).body.pois as Array<{
        name: string;
        lat: number;
        lon: number;
      }>;
      const [firstPoi] = pois; // the broadcast form lists them by name, this one first
      await api()
        .post(`/v1/sessions/${talker}/location`)
        .send({ lat: firstPoi.lat, lon: firstPoi.lon })
        .expect(202);

      // 1. Token entry.
      const served = await page.goto(`${sut.url}/admin`);
      expect(served?.headers()['content-security-policy']).toContain("script-src 'self'");
      await page.locator('#login:not([hidden])').waitFor();
      await shot('sign-in', false);
      await page.fill('#token', 'wrong-token');
      await page.click('#login-form button[type=submit]');
      await page.locator('#login-error', { hasText: 'not accepted' }).waitFor();
      await page.fill('#token', ADMIN_TOKEN);
      await page.click('#login-form button[type=submit]');

      // 2. Live figures: the count follows creations made through the API, within the 5 s refresh.
      const active = '[data-stat="Active sessions"] .stat-value';
      await page.locator(active).waitFor();
      const before = Number((await text(active)).replace(/\D/g, ''));
      expect(before).toBe((await api().get('/v1/admin/stats').set(admin)).body.activeSessions);
      await create();
      await create();
      await page.locator(active, { hasText: new RegExp(`^${before + 2}$`) }).waitFor({ timeout: 20_000 }); // the page polls every 5 s
      await page
        .locator('#alerts-list li', { hasText: 'Session creation rate high' })
        .waitFor({ timeout: 20_000 });
      await expect(text('#ends-table')).resolves.toContain('Deleted by support');
      expect(await page.locator('#activity-chart').boundingBox()).toMatchObject({
        height: expect.any(Number),
      });
      await noSidewaysScroll('overview');
      await shot('overview');

      // 3. The sessions list: paging, full ids copyable, search by id.
      await go('#/sessions', '#sessions-table tbody tr[data-session]');
      const idsOn = () =>
        page
          .locator('#sessions-table tbody tr[data-session]')
          .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-session')));
      const firstPage = await idsOn();
      expect(firstPage).toHaveLength(20);
      await page
        .locator('#sessions-table tbody tr[data-session] button', { hasText: 'Copy' })
        .first()
        .click();
      expect(await page.evaluate('navigator.clipboard.readText()')).toBe(firstPage[0]);
      await noSidewaysScroll('sessions');
      await shot('sessions', false);
      await page.click('#sessions-next');
      await page.locator('#sessions-page', { hasText: 'Page 2' }).waitFor();
      const secondPage = await idsOn();
      expect(secondPage.length).toBeGreaterThanOrEqual(7);
      expect(secondPage.filter((id) => firstPage.includes(id))).toEqual([]);
      await page.click('#sessions-prev');
      await page.locator('#sessions-page', { hasText: 'Page 1' }).waitFor();
      await page.fill('#session-id', talker);
      await page.click('#session-search button[type=submit]');

      // 4. A session's page: every field, flags, storeBytes, its history.
      await page.waitForURL(`${sut.url}/admin#/sessions/${talker}`);
      await page.locator('#history-list .turn').first().waitFor();
      const fields = await text('#session-fields');
      for (const expected of [
        'Created',
        'Last activity',
        'Expires if idle',
        'Pending messages',
        'Locale',
        'en',
        'TourApp/2.3 (iPhone; iOS 17.4)',
        'IP address changed',
      ]) {
        expect(fields).toContain(expected);
      }
      const view = (await api().get(`/v1/admin/sessions/${talker}`).set(admin)).body;
      expect(fields).toContain(`${(view.storeBytes as number).toLocaleString('en-US')} bytes`);
      expect(fields).toContain(`Client IP\n${view.clientIp}`);
      expect(await text('#session-title')).toContain(talker);
      const turns = await page.locator('#history-list .turn').allInnerTexts();
      expect(turns.length).toBeGreaterThanOrEqual(4); // the POI introduction may have landed too
      expect(turns[0]).toContain('Tell me about the Hall of Supreme Harmony');
      expect(turns[0]).toContain('Visitor');
      expect(turns[1]).toContain('Guide');
      expect(await page.locator('#history-list time').first().getAttribute('title')).toMatch(/UTC$/);
      await noSidewaysScroll('session');
      await shot('session');

      // 5. Broadcast to everyone, then near a point; seen in a session's messages and on its page.
      await go('#/broadcast', '#broadcast-form');
      await page.locator('#broadcast-poi option').nth(1).waitFor({ state: 'attached' });
      const everyone = `Closing at 17:00 today (${tag})`;
      await page.fill('#broadcast-text', everyone);
      await page.click('#broadcast-form button[type=submit]');
      await page.locator('#confirm[open]').waitFor();
      await shot('broadcast-confirm', false);
      await page.click('#confirm-ok');
      await page.locator('#broadcast-result.ok', { hasText: /Queued for \d+ sessions/ }).waitFor();
      const queued = Number((await text('#broadcast-result')).replace(/\D/g, ''));
      expect(queued).toBe((await api().get('/v1/admin/stats').set(admin)).body.activeSessions);
      await page.check('input[name=audience][value=near]');
      await page.selectOption('#broadcast-poi', { label: firstPoi.name });
      expect(Number(await page.inputValue('#broadcast-lat'))).toBeCloseTo(firstPoi.lat, 5);
      const nearby = `The gate tour starts in 10 minutes (${tag})`;
      await page.fill('#broadcast-text', nearby);
      await page.click('#broadcast-form button[type=submit]');
      await page.click('#confirm-ok');
      await page.locator('#broadcast-result.ok', { hasText: 'Queued for 1 session.' }).waitFor();
      await noSidewaysScroll('broadcast');
      await shot('broadcast');
      await waitFor('both broadcasts in the session messages', async () => {
        const messages = (await api().get(`/v1/sessions/${talker}/messages`)).body.messages as Array<{
          kind: string;
          text: string;
        }>;
        const texts = messages.filter((m) => m.kind === 'broadcast').map((m) => m.text);
        return texts.includes(everyone) && texts.includes(nearby);
      });
      await go(`#/sessions/${talker}`, '#history-list .turn');
      await page.click('#session-refresh');
      await page.locator('#history-list .turn.proactive', { hasText: nearby }).waitFor();

      // 6. Reset, delete (cancelled once, then confirmed), restore.
      await page.click('#session-reset');
      await page.click('#confirm-ok');
      await page.locator('#history-list', { hasText: 'No turns since the last reset.' }).waitFor();
      expect((await api().get(`/v1/admin/sessions/${talker}`).set(admin)).body.turnCount).toBe(0);
      await page.click('#session-delete');
      await page.locator('#confirm[open]', { hasText: 'Delete this session?' }).waitFor();
      await shot('delete-confirm', false);
      await page.click('#confirm button[value=cancel]');
      await page.locator('#confirm').waitFor({ state: 'hidden' });
      await api().get(`/v1/admin/sessions/${talker}`).set(admin).expect(200);
      await page.click('#session-delete');
      await page.click('#confirm-ok');
      await page.locator('#session-restore:not([hidden])').waitFor();
      await api().get(`/v1/admin/sessions/${talker}`).set(admin).expect(404);
      await shot('session-ended', false);
      await page.click('#session-restore');
      await page.locator('#session-delete:not([hidden])').waitFor();
      await api().get(`/v1/admin/sessions/${talker}`).set(admin).expect(200);

      // 7. The archive list, each entry restorable.
      const gone = await create();
      await api().delete(`/v1/admin/sessions/${gone}`).set(admin).expect(204);
      await go('#/archive', `#archive-table tr[data-session="${gone}"]`);
      const archived = page.locator(`#archive-table tr[data-session="${gone}"]`);
      await expect(archived.innerText()).resolves.toContain('Deleted by support');
      await archived.locator('button', { hasText: 'Restore' }).click();
      await archived.locator('td', { hasText: 'Restored' }).waitFor();
      await api().get(`/v1/admin/sessions/${gone}`).set(admin).expect(200);
      await noSidewaysScroll('archive');
      await shot('archive', false);

      // 8. The POI list.
      await go('#/pois', '#pois-table tbody tr');
      expect(await page.locator('#pois-table tbody tr').count()).toBe(pois.length);
      await noSidewaysScroll('pois');
      await shot('pois', false);

      expect(problems).toEqual([]);
      await context.close();
    },
    180_000,
  );
});
