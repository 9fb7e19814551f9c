import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser, chromium } from 'playwright-core';

/** Screenshots and other outputs of the browser tests (git-ignored). */
export const ARTIFACTS = resolve(__dirname, '..', 'artifacts');

/** The machine's Debian Chromium through playwright-core: no browser is ever downloaded. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
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

export const artifact = (name: string): string => join(ARTIFACTS, name);
