import { EndReason } from '../domain';
import { ActiveAlert } from './alert-rules';

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

/** One end, as the counters take it (see recordEnded). */
export interface EndCount {
  reason: EndReason;
  finished: boolean;
  lifetimeMs: number;
  turns: number;
}

/** Totals of one epoch minute, across every instance. */
export interface MinuteTotals {
  /** Epoch minute (ms / 60 000). */
  minute: number;
  created: number;
  ended: number;
  queries: number;
  proactiveSent: number;
}

/**
 * Atomic counters behind GET /v1/admin/stats: in Redis shared by all instances and kept across
 * restarts, in the embedded store per process.
 */
export interface StatsRepository {
  /** Counts a creation in the total and in the minute of `now`. */
  recordCreated(now: number): Promise<void>;
  /** Creations in the epoch minutes [fromMinute, toMinute] (the alerts' creation rates). */
  createdBetween(fromMinute: number, toMinute: number): Promise<number>;
  /**
   * Counts an end (resets included) in the totals and the minute of `now`. `finished`: the session is
   * gone (not a reset), so its lifetime and turns count in the averages.
   */
  recordEnded(
    reason: EndReason,
    finished: boolean,
    lifetimeMs: number,
    turns: number,
    now: number,
  ): Promise<void>;
  /** Every end of `ends` counted as recordEnded counts one, all at `now`, in one store write. */
  recordEnds(ends: readonly EndCount[], now: number): Promise<void>;
  /** `count` queries answered at `now` (a batch: StatsService counts in memory and flushes them). */
  recordQuery(now: number, count?: number): Promise<void>;
  queriesLastMinute(now: number): Promise<number>;
  /** `count` proactive messages sent at `now`. */
  recordProactiveSent(now: number, count?: number): Promise<void>;
  /**
   * One entry per epoch minute in [fromMinute, toMinute], oldest first, zeros included; the last
   * TIMESERIES_MINUTES minutes are kept.
   */
  minutes(fromMinute: number, toMinute: number): Promise<MinuteTotals[]>;
  totals(): Promise<StatsTotals>;
  /** The alerts firing as of the last evaluation (shared by all instances in Redis). */
  activeAlerts(): Promise<ActiveAlert[]>;
  setActiveAlerts(alerts: ActiveAlert[]): Promise<void>;
}

export const STATS_REPOSITORY = Symbol('STATS_REPOSITORY');
