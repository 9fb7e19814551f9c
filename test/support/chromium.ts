import { Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium through playwright-core (never a downloaded browser), with the flags a headless
 * run in a container needs. CHROMIUM_PATH points elsewhere when the browser lives elsewhere.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
