import { Inject, Injectable } from '@nestjs/common';
import { MemoryUsage, SESSION_REPOSITORY, SessionRepository } from './session.repository';

/** Read-only figures about the session store, for health, metrics, stats and the admin view. */
@Injectable()
export class SessionStoreStatus {
  constructor(@Inject(SESSION_REPOSITORY) private readonly sessions: SessionRepository) {}

  /** Live sessions. */
  count(): Promise<number> {
    return this.sessions.count();
  }

  /** Bytes the store uses, and its limit (null when it has none). */
  memoryUsage(): Promise<MemoryUsage> {
    return this.sessions.memoryUsage();
  }

  /** Approximate bytes one session occupies. */
  storeBytes(id: string): Promise<number> {
    return this.sessions.storeBytes(id);
  }

  /** Resolves when the store answers. */
  ping(): Promise<void> {
    return this.sessions.ping();
  }
}
