/**
 * Called before a session is created, so the store can make room first (memory-pressure eviction).
 * Sessions own the port and know nothing of who implements it; without a provider nothing happens.
 */
export interface SessionAdmission {
  beforeCreate(): Promise<void>;
}

export const SESSION_ADMISSION = Symbol('SESSION_ADMISSION');
