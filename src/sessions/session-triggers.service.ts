import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, Clock } from '../common/clock';
import { PendingTrigger, SESSION_REPOSITORY, SessionTriggerStore } from './session.repository';

/**
 * Durable triggers: what a 201 or 202 promised for a session (its greeting, a POI's introduction) is
 * recorded in the store before the response, and stays pending until whoever acts on it clears it.
 * Every create records CREATED_TRIGGER in the same atomic step as the session's admission.
 */
@Injectable()
export class SessionTriggers {
  constructor(
    @Inject(SESSION_REPOSITORY) private readonly sessions: SessionTriggerStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async record(sessionId: string, trigger: string): Promise<void> {
    await this.sessions.recordTrigger(sessionId, trigger, this.clock.now());
  }

  /** Triggers pending for longer than `ageMs`, oldest first. */
  async olderThan(ageMs: number, limit: number): Promise<PendingTrigger[]> {
    return this.sessions.pendingTriggers(this.clock.now() - ageMs, limit);
  }

  async clear(sessionId: string, trigger: string): Promise<void> {
    await this.sessions.clearTrigger(sessionId, trigger);
  }
}
