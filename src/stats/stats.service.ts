import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { CLOCK, Clock, TIMERS, TimerHandle, Timers } from '../common/clock';
import { SessionStoreStatus } from '../sessions';
import {
  SessionEndedEvent,
  SessionEvents,
  SessionsEndedEvent,
  EndReason,
  isReset,
  QueryEvents,
} from '../domain';
import { ActiveAlert } from './alert-rules';
import { StatsEvents } from './stats.events';
import { EndCount, STATS_REPOSITORY, StatsRepository } from './stats.repository';

export interface Stats {
  activeSessions: number;
  createdTotal: number;
  endedTotal: Record<EndReason, number>;
  avgLifetimeSeconds: number;
  avgTurnsPerSession: number;
  queriesLastMinute: number;
  proactiveSentTotal: number;
  alerts: ActiveAlert[];
}

/** One minute of GET /v1/admin/stats/timeseries: `at` is the minute's start (ISO, UTC). */
export interface TimeseriesMinute {
  at: string;
  created: number;
  ended: number;
  queries: number;
  proactiveSent: number;
}

/** An end as the counters take it; a reset's session lives on, so it has no lifetime to average. */
function endCountOf(event: SessionEndedEvent): EndCount {
  return {
    reason: event.reason,
    finished: !isReset(event.reason),
    lifetimeMs: event.endedAt - event.createdAt,
    turns: event.turnCount,
  };
}

/** How long answered queries are counted in memory before they are written. */
const QUERY_FLUSH_MS = 1000;

/**
 * Counts from domain events into the store's counters. Each end is reported once, in `session.ended` or
 * in a `sessions.ended` batch (by the caller whose purge removed the session), so each end is counted
 * exactly once across instances.
 */
@Injectable()
export class StatsService implements OnModuleDestroy {
  private readonly logger = new Logger('Stats');
  /** Queries answered and not yet written to the store: epoch second → count. */
  private unflushed = new Map<number, number>();
  private flushTimer: TimerHandle | null = null;
  /** Proactive messages sent and not yet written: written together once the current task is done. */
  private proactiveUnflushed = 0;
  private proactiveFlush: Promise<void> | null = null;

  constructor(
    @Inject(STATS_REPOSITORY) private readonly counters: StatsRepository,
    private readonly sessions: SessionStoreStatus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TIMERS) private readonly timers: Timers,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await this.flushQueries();
    await this.proactiveFlush;
  }

  @OnEvent(SessionEvents.created)
  async onCreated(): Promise<void> {
    await this.quietly('created', () => this.counters.recordCreated(this.clock.now()));
  }

  @OnEvent(SessionEvents.ended)
  async onEnded(event: SessionEndedEvent): Promise<void> {
    const { reason, finished, lifetimeMs, turns } = endCountOf(event);
    await this.quietly('ended', () =>
      this.counters.recordEnded(reason, finished, lifetimeMs, turns, this.clock.now()),
    );
  }

  /** A sweep batch's ends: one store write for all of them. */
  @OnEvent(SessionEvents.endedBatch)
  async onEndedBatch({ ends }: SessionsEndedEvent): Promise<void> {
    await this.quietly('ended', () => this.counters.recordEnds(ends.map(endCountOf), this.clock.now()));
  }

  /**
   * Counted in memory and written after the current task (a broadcast batch sends a hundred messages
   * in one: one store write for all of them, not one each).
   */
  @OnEvent(StatsEvents.proactiveSent)
  recordProactiveSent(): Promise<void> {
    this.proactiveUnflushed += 1;
    this.proactiveFlush ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.flushProactive(),
    );
    return this.proactiveFlush;
  }

  private async flushProactive(): Promise<void> {
    const count = this.proactiveUnflushed;
    this.proactiveUnflushed = 0;
    this.proactiveFlush = null;
    await this.quietly('proactive', () => this.counters.recordProactiveSent(this.clock.now(), count));
  }

  /**
   * A query accepted (`query.asked`): counted in memory and written about once a second (one store
   * write per second, not one per query); this instance's own reads flush first.
   */
  @OnEvent(QueryEvents.asked)
  recordQuery(): void {
    const second = Math.floor(this.clock.now() / 1000);
    this.unflushed.set(second, (this.unflushed.get(second) ?? 0) + 1);
    this.flushTimer ??= this.timers.setTimeout(() => void this.flushQueries(), QUERY_FLUSH_MS);
  }

  private async flushQueries(): Promise<void> {
    this.timers.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batch = this.unflushed;
    this.unflushed = new Map();
    for (const [second, count] of batch) {
      await this.quietly('query', () => this.counters.recordQuery(second * 1000, count));
    }
  }

  /** The last `count` minutes, the current one last (it is still counting), zeros included. */
  async timeseries(count: number): Promise<TimeseriesMinute[]> {
    await this.flushQueries();
    await this.proactiveFlush;
    const current = Math.floor(this.clock.now() / 60_000);
    const minutes = await this.counters.minutes(current - count + 1, current);
    return minutes.map(({ minute, ...totals }) => ({
      at: new Date(minute * 60_000).toISOString(),
      ...totals,
    }));
  }

  /** The alerts firing as of the last evaluation (any instance's). */
  activeAlerts(): Promise<ActiveAlert[]> {
    return this.counters.activeAlerts();
  }

  async read(): Promise<Stats> {
    await this.flushQueries();
    await this.proactiveFlush;
    const [totals, activeSessions, queriesLastMinute, alerts] = await Promise.all([
      this.counters.totals(),
      this.sessions.count(),
      this.counters.queriesLastMinute(this.clock.now()),
      this.counters.activeAlerts(),
    ]);
    const per = (sum: number) => (totals.finishedCount === 0 ? 0 : sum / totals.finishedCount);
    return {
      activeSessions,
      createdTotal: totals.createdTotal,
      endedTotal: totals.endedTotal,
      avgLifetimeSeconds: Math.round(per(totals.lifetimeMsSum) / 10) / 100,
      avgTurnsPerSession: Math.round(per(totals.turnsSum) * 100) / 100,
      queriesLastMinute,
      proactiveSentTotal: totals.proactiveSentTotal,
      alerts: alerts.map(({ name, since, message }) => ({ name, since, message })),
    };
  }

  /** A counter the store could not bump is logged, never fails the request or job that caused it. */
  private async quietly(counter: string, bump: () => Promise<void>): Promise<void> {
    try {
      await bump();
    } catch (error) {
      this.logger.warn({ msg: 'stats counter not updated', counter, err: error });
    }
  }
}
