import { EventEmitter2 } from '@nestjs/event-emitter';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileArchiveRepository } from '../archive/file-archive.repository';
import { Clock, Timers } from '../common/clock';
import { AppConfig } from '../config/app-config';
import { MemoryLease } from '../lease/memory-lease';
import { IdempotencyKeys } from './idempotency-keys.service';
import { MemoryPressureService } from './memory-pressure.service';
import { MemorySessionRepository } from './memory-session.repository';
import { SessionEndingService } from './session-ending.service';
import { SessionTriggers } from './session-triggers.service';
import { SessionService } from './session.service';
import { SessionQueries } from './session-queries.service';
import { SessionLocations } from './session-locations.service';

/**
 * For specs of the modules that use sessions: the sessions module's services built by hand on its
 * in-process twins (the memory store, the memory lease, the file archive in a folder of its own), on
 * the clock the spec moves, with the emitter they tell their events on. `remove()` deletes the archive
 * folder.
 */
export function embeddedSessions(config: AppConfig, clock: Clock & Timers) {
  const archiveDir = mkdtempSync(join(tmpdir(), 'tg-embedded-sessions-'));
  const repository = new MemorySessionRepository({
    idleTtlMs: config.sessionIdleTtlSeconds * 1000,
    keyTtlMs: config.sessionIdleTtlSeconds * 2000,
    historyMaxTurns: config.historyMaxTurns,
    outboxMaxLength: 200,
  });
  const events = new EventEmitter2();
  const ending = new SessionEndingService(
    repository,
    new FileArchiveRepository({ dir: archiveDir }),
    clock,
    events,
  );
  const admission = new MemoryPressureService(repository, config, clock, new MemoryLease(clock), ending);
  const sessions = new SessionService(repository, config, clock, ending, events, admission);
  const idempotencyKeys = new IdempotencyKeys(repository, config, clock, clock);
  return {
    repository,
    events,
    sessions,
    triggers: new SessionTriggers(repository, clock),
    idempotencyKeys,
    queries: new SessionQueries(repository, clock, sessions, idempotencyKeys),
    locations: new SessionLocations(repository, clock, sessions),
    remove: () => rmSync(archiveDir, { recursive: true, force: true }),
  };
}
