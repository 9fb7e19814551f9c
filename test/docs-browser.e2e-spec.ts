import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from 'playwright-core';
import { launchChromium } from './support/browser';
import { startTestApp, TestApp } from './support/test-app';

jest.setTimeout(90_000);

const ARTIFACTS = join(__dirname, 'artifacts');

describe('/docs under the Content-Security-Policy (e2e, Chromium)', () => {
  let sut: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    sut = await startTestApp();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sut?.close();
  });

  it('renders every operation of the document in Swagger UI, with no CSP violation; an inline script is refused', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    // Init scripts run outside the page's CSP: this one records every violation the browser reports.
    await page.addInitScript({
      content: `window.cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) =>
          window.cspViolations.push(e.effectiveDirective + ' ' + e.blockedURI));`,
    });
    const violations = () => page.evaluate<string[]>('window.cspViolations');
    await page.goto(`${sut.url}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
    const operations = await page.locator('.opblock').count();
    await page.locator('.opblock-summary-path', { hasText: '/v1/query/stream' }).first().click();
    await page.getByText('ErrorEnvelope').first().waitFor({ timeout: 10_000 });
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'docs-under-csp.png'), fullPage: false });
    expect(operations).toBeGreaterThanOrEqual(20);
    expect(await violations()).toEqual([]);

    // The policy is in force: a script written into the page does not run.
    await page.addScriptTag({ content: 'window.inlineRan = true;' }).catch(() => undefined);
    expect(await page.evaluate('window.inlineRan')).toBeUndefined();
    expect(await violations()).toEqual([expect.stringMatching(/^script-src-elem inline/)]);
    await page.close();
  });
});
