import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { DEMO_ASSETS_DIR } from '../src/demo/demo-assets';
import { bundleDemo } from '../src/demo/demo-bundle';
import { ChatCompletionRequestBody, FakeOpenAiServer, lastUserText } from './support/fake-openai.server';
import { launchChromium } from './support/browser';
import { waitFor } from './support/eventually';
import { startTestApp, TestApp } from './support/test-app';

const ARTIFACTS = join(__dirname, 'artifacts');
const ANSWER_ZH =
  '太和殿俗称金銮殿，是中国现存最大的木结构殿宇。明清两代皇帝在这里举行登基、大婚和元旦大典。殿前的铜龟、铜鹤象征长寿，日晷和嘉量象征皇权公正。';
const ANSWER_EN =
  'The Hall of Supreme Harmony is the largest wooden hall in China. Emperors were enthroned and married here, and the bronze cranes and tortoises in front stand for a long reign.';

/**
 * The fake model: streamed answers in the language of the question, a few characters a chunk; the
 * proactive messages (greeting, POI introduction) written from the task the service sends, in the
 * session's locale (named by the system message).
 */
function guide(body: ChatCompletionRequestBody): string {
  const task = lastUserText(body);
  const english = String(body.messages[0]?.content).includes('locale is en-US');
  const arrived = /arrived at (.+?)\. Introduce/.exec(task);
  if (arrived) {
    return english
      ? `Welcome to ${arrived[1]}! It stands on the palace's central axis; look up at the little guardian figures on its roof ridge.`
      : `欢迎来到${arrived[1]}！这里是紫禁城中轴线上的重要建筑，抬头看看屋脊上的脊兽吧。`;
  }
  if (task.includes('The visitor has just opened the app')) {
    return english
      ? "Hello, I'm your guide to the Forbidden City! Tap a sight on the map to walk there, and ask me anything."
      : '您好，我是您的故宫导游！点击地图上的景点走过去，我会为您讲解，有问题随时问我。';
  }
  return /[\u4e00-\u9fff]/.test(task) ? ANSWER_ZH : ANSWER_EN;
}

/** GET /demo in Debian's Chromium against the real service (Redis, BullMQ, the real openai SDK on the fake model). */
describe('GET /demo (e2e, Playwright + Chromium, Redis + fake OpenAI)', () => {
  jest.setTimeout(120_000);
  let fake: FakeOpenAiServer;
  let app: TestApp;
  let browser: Browser;
  let assetsDir: string;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    assetsDir = mkdtempSync(join(tmpdir(), 'tg-demo-'));
    await bundleDemo(assetsDir); // what npm run build does, into a folder of this test's own
    fake = await FakeOpenAiServer.start();
    app = await startTestApp({
      env: {
        OPENAI_API_KEY: 'test-key',
        OPENAI_BASE_URL: fake.baseUrl,
        AI_TIMEOUT_MS: '20000',
        PROACTIVE_GREETING_DELAY_SECONDS: '1',
      },
      override: (builder) => builder.overrideProvider(DEMO_ASSETS_DIR).useValue(assetsDir),
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await fake?.close();
    rmSync(assetsDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.reset();
    fake.respond = guide;
    fake.chunkPattern = /.{1,4}/gsu; // answers arrive spaced out, a few characters at a time
    fake.chunkDelayMs = 120;
  });

  async function openDemo(width: number, height: number): Promise<{ page: Page; urls: string[] }> {
    const page = await browser.newPage({ viewport: { width, height } });
    const urls: string[] = [];
    page.on('request', (r) =>
      urls.push(`${r.method()} ${new URL(r.url()).pathname}${new URL(r.url()).search}`),
    );
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    afterEachPage.push(() => expect(problems).toEqual([]));
    await page.goto(`${app.url}/demo`);
    await page.waitForSelector('.poi .dot');
    return { page, urls };
  }
  let afterEachPage: Array<() => void> = [];
  afterEach(() => {
    const checks = afterEachPage;
    afterEachPage = [];
    for (const check of checks) check();
  });

  // Code run in the page is passed as text: this file is typechecked for Node, without the DOM library.
  // page.evaluate runs it through the DevTools protocol; waitForFunction would eval it inside the
  // page, which the page's CSP refuses (no unsafe-eval), so conditions are polled from here.
  const SESSION_ID = "sessionStorage.getItem('tour-guide.sessionId')";
  async function untilInPage<T>(page: Page, expression: string, timeoutMs = 20_000): Promise<T> {
    const value = await waitFor(`the page: ${expression}`, () => page.evaluate<T>(expression), {
      timeoutMs,
      intervalMs: 20,
    });
    return value;
  }
  const sessionIdOf = (page: Page) => page.evaluate<string | null>(SESSION_ID);
  const historyOf = async (id: string) =>
    (await request(app.server).get(`/v1/sessions/${id}/history`).expect(200)).body.turns as Array<{
      role: string;
      text: string;
    }>;
  const noSidewaysScroll = (page: Page) =>
    page.evaluate<boolean>('document.documentElement.scrollWidth <= document.documentElement.clientWidth');

  /** Sends a question and returns the text the answer bubble showed while it was still streaming. */
  async function ask(page: Page, question: string): Promise<string> {
    const before = await page.locator('.bubble.from-guide').count();
    await page.fill('#question', question);
    await page.click('#ask button[type=submit]');
    const bubble = `document.querySelectorAll('.bubble.from-guide')[${before}]`;
    const shown = await untilInPage<string>(
      page,
      `${bubble}?.classList.contains('streaming') && ${bubble}.querySelector('.text').textContent || null`,
    );
    await untilInPage(page, `${bubble} && !${bubble}.classList.contains('streaming')`, 30_000);
    return shown;
  }

  it('on a laptop: the POIs on the map, streamed answers on one adopted session, a POI introduction pushed over SSE', async () => {
    const { pois } = (
      await request(app.server).get('/v1/pois?lat=39.9164&lon=116.391&radius=5000').expect(200)
    ).body;
    const { page, urls } = await openDemo(1366, 768);

    // The POIs, drawn and labelled.
    expect(await page.locator('.poi').count()).toBe(pois.length);
    const labels = await page.locator('.poi .label:not(.crowded)').allTextContents();
    expect(labels).toEqual(expect.arrayContaining(['太和殿', '午门', '神武门', '御花园']));
    expect(labels.length).toBeGreaterThanOrEqual(pois.length - 2);
    await page.locator('.visitor').waitFor();

    // The greeting arrives by push.
    await page.locator('.proactive.kind-greeting').waitFor({ timeout: 20_000 });
    const sessionId = await sessionIdOf(page);
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

    // A question: the answer is seen while it streams, then whole.
    const partial = await ask(page, '太和殿有什么特别？');
    expect(partial.length).toBeLessThan(ANSWER_ZH.length);
    expect(ANSWER_ZH.startsWith(partial)).toBe(true);
    expect(await page.locator('.bubble.from-guide .text').last().textContent()).toBe(ANSWER_ZH);

    // A second question on the same, adopted session: the service holds both.
    await ask(page, '铜鹤有什么寓意？');
    expect(await sessionIdOf(page)).toBe(sessionId);
    const turns = await historyOf(sessionId!);
    expect(turns.filter((t) => t.role === 'user').map((t) => t.text)).toEqual([
      '太和殿有什么特别？',
      '铜鹤有什么寓意？',
    ]);
    expect(turns.filter((t) => t.role === 'assistant')).toHaveLength(2);

    // Walking to a POI: its introduction is pushed over SSE (no long-poll ever ran).
    await page.click('[data-poi-id="hall-of-supreme-harmony"] .dot');
    await page.locator('#where', { hasText: '太和殿' }).waitFor({ timeout: 20_000 });
    const intro = page.locator('.proactive.kind-poi');
    await intro.waitFor({ timeout: 20_000 });
    expect(await intro.textContent()).toContain('欢迎来到太和殿 Hall of Supreme Harmony');
    expect(await page.locator('#status').getAttribute('data-state')).toBe('live');
    expect(urls).toContain(`GET /v1/sessions/${sessionId}/events`);
    expect(urls.some((url) => url.startsWith(`GET /v1/sessions/${sessionId}/messages`))).toBe(false);
    const { messages } = (await request(app.server).get(`/v1/sessions/${sessionId}/messages`).expect(200))
      .body;
    expect(messages.map((m: { kind: string; poiId?: string }) => m.poiId ?? m.kind)).toEqual([
      'greeting',
      'hall-of-supreme-harmony',
    ]);

    expect(await noSidewaysScroll(page)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-1366x768.png') });
    await page.close();
  });

  it('on a phone, in English: a new session in en-US, a walk, a streamed answer, no sideways scrolling', async () => {
    const { page } = await openDemo(390, 844);
    const first = await sessionIdOf(page);
    await page.click('[data-lang=en]');
    await page.locator('h1', { hasText: 'Palace Guide' }).waitFor();
    await untilInPage(page, `${SESSION_ID} !== null && ${SESSION_ID} !== ${JSON.stringify(first)}`);
    const sessionId = await sessionIdOf(page);
    const view = (await request(app.server).get(`/v1/sessions/${sessionId}`).expect(200)).body;
    expect(view.locale).toBe('en-US');
    await request(app.server).get(`/v1/sessions/${first}`).expect(404); // the Chinese tour was closed

    await page.click('[data-poi-id="meridian-gate"] .dot');
    await page.locator('.proactive.kind-poi').waitFor({ timeout: 20_000 });
    const partial = await ask(page, 'What is special about the Hall of Supreme Harmony?');
    expect(ANSWER_EN.startsWith(partial) && partial.length < ANSWER_EN.length).toBe(true);
    expect(await page.locator('#question').getAttribute('placeholder')).toMatch(/^Ask the guide/);
    expect(await noSidewaysScroll(page)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'demo-390x844.png') });
    await page.close();
  });

  it('is served with its headers: HTML, not cached, a request id, and a CSP that runs only its own scripts', async () => {
    const response = await request(app.server).get('/demo').expect(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
    const csp = String(response.headers['content-security-policy']);
    const directives = new Map(
      csp.split(';').map((part) => {
        const [name, ...values] = part.trim().split(/\s+/);
        return [name, values] as const;
      }),
    );
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('script-src-attr')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(csp).not.toMatch(/unsafe-eval|unsafe-inline[^;]*;?\s*script/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(response.text).toMatch(/<script src="\/demo\/demo\.js" defer><\/script>/);
    expect(response.text).not.toMatch(/<script>|<script [^>]*>[^<]+<\/script>|\son[a-z]+=/i);
    const script = await request(app.server).get('/demo/demo.js').expect(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.text).not.toMatch(/\beval\(|new Function\(/);
    await request(app.server).get('/demo/secrets.json').expect(404);
  });
});
