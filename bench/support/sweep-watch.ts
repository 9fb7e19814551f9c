import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminStats } from './http';
import { sleep } from './processes';
import { Service } from './service';
import { sweepRunFromLogLine } from './service-internals';

/** Lines in the instance's file archive (one per archived session generation). */
export function archivedLines(dir: string): number {
  let lines = 0;
  for (const file of readdirSync(dir)) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  }
  return lines;
}

/** The sweep runs the instance logged so far ('sweep done' lines): sessions ended and duration. */
export function sweepRuns(service: Service): Array<{ ended: number; durationMs: number }> {
  return readFileSync(service.logFile, 'utf8')
    .split('\n')
    .flatMap((line) => sweepRunFromLogLine(line) ?? []);
}

/**
 * Polls GET /v1/admin/stats until `target` sessions ended as expired (or `capMs` passes); returns the
 * moment it got there (or null) and the count reached.
 */
export async function untilExpired(service: Service, target: number, capMs: number, since = Date.now()) {
  for (;;) {
    const expired = (await adminStats(service.url)).endedTotal.expired ?? 0;
    if (expired >= target) return { doneAt: Date.now(), expired };
    if (Date.now() - since > capMs) return { doneAt: null, expired };
    await sleep(200);
  }
}
