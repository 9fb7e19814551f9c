import { CleanupService } from '../../src/cleanup/cleanup.service';
import { IdleTipScanner } from '../../src/proactive/idle-tip.scanner';
import { SessionTriggers } from '../../src/sessions/session-triggers.service';
import { TestApp } from './test-app';

/**
 * True once nothing proactive is left to do for `sessionIds`: no trigger of theirs still waiting to be
 * queued, and no BullMQ job waiting, running or delayed (the repeating schedules aside). Positive proof
 * that a duplicate job, had one been queued, would have run: assert its absence after this holds.
 */
export async function proactiveSettled(app: TestApp, sessionIds: string[]): Promise<boolean> {
  const pending = await app.app.get(SessionTriggers).olderThan(-60_000, 1000);
  if (pending.some((trigger) => sessionIds.includes(trigger.sessionId))) return false;
  const client = app.redis().client;
  const queue = `${app.config.redisKeyPrefix}{bull}:proactive`;
  const [waiting, active, prioritized, delayed] = await Promise.all([
    client.llen(`${queue}:wait`),
    client.llen(`${queue}:active`),
    client.zcard(`${queue}:prioritized`),
    client.zrange(`${queue}:delayed`, '0', '-1'),
  ]);
  return waiting + active + prioritized === 0 && delayed.every((id) => id.startsWith('repeat:'));
}

/**
 * Records every idle-tip scan that finishes on `apps`, with the app-clock time it started at. A scan
 * that started at `t` has looked at every session idle since `t - PROACTIVE_IDLE_TIP_SECONDS`: once
 * one such scan has finished, a tip it did not give will not come (the next scans' windows overlap).
 */
export function recordScans(apps: TestApp[]): { startedAt: number[] } {
  const record = { startedAt: [] as number[] };
  for (const app of apps) {
    const scanner = app.app.get(IdleTipScanner);
    const scan = scanner.scan.bind(scanner);
    scanner.scan = async () => {
      const startedAt = Date.now();
      await scan();
      record.startedAt.push(startedAt);
    };
  }
  return record;
}

/**
 * Records every cleanup run (CLEANUP_CRON's tick: the sweep, by whichever instance holds the lease)
 * that finishes on each of `apps`, with the time it started at, by app.
 */
export function recordCleanupRuns(apps: TestApp[]): { startedAt: number[][] } {
  const record = { startedAt: apps.map(() => [] as number[]) };
  apps.forEach((app, i) => {
    const cleanup = app.app.get(CleanupService);
    const run = cleanup.run.bind(cleanup);
    cleanup.run = async () => {
      const startedAt = Date.now();
      await run();
      record.startedAt[i].push(startedAt);
    };
  });
  return record;
}
