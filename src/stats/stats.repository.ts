import { EndReason } from '../sessions/session.types';

/** The store's counters, as read. */
export interface StatsTotals {
  createdTotal: number;
  endedTotal: Record<EndReason, number>;
  /** Sums over sessions that ended for good (resets only start a new generation). */
  finishedCount: number;
  lifetimeMsSum: number;
  turnsSum: number;
  proactiveSentTotal: number;
}

/**
 * Atomic counters behind GET /v1/admin/stats: in Redis shared by all instances and kept across
 * restarts, in the embedded store per process.
 */
export interface StatsRepository {
  recordCreated(): Promise<void>;
  /** `finished`: the session is gone (not a reset), so its lifetime and turns count in the averages. */
  recordEnded(reason: EndReason, finished: boolean, lifetimeMs: number, turns: number): Promise<void>;
  recordQuery(now: number): Promise<void>;
  queriesLastMinute(now: number): Promise<number>;
  recordProactiveSent(): Promise<void>;
  totals(): Promise<StatsTotals>;
}

export const STATS_REPOSITORY = Symbol('STATS_REPOSITORY');
