import { Inject, Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { CLOCK, Clock } from '../common/clock';
import { SessionStoreStatus } from '../sessions';
import { SessionEndedEvent, SessionEvents, EndReason, isReset } from '../domain';
import { ActiveAlert } from './alert-rules';
import { StatsEvents } from './stats.events';
import { STATS_REPOSITORY, StatsRepository } from './stats.repository';

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

/**
 * Counts from domain events into the store's counters. `session.ended` is emitted once per end (by the
 * caller whose purge removed the session), so each end is counted exactly once across instances.
 */
@Injectable()
export class StatsService {
  private readonly logger = new Logger('Stats');

  constructor(
    @Inject(STATS_REPOSITORY) private readonly counters: StatsRepository,
    private readonly sessions: SessionStoreStatus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @OnEvent(SessionEvents.created)
  async onCreated(): Promise<void> {
    await this.quietly('created', () => this.counters.recordCreated(this.clock.now()));
  }

  @OnEvent(SessionEvents.ended)
  async onEnded(event: SessionEndedEvent): Promise<void> {
    const finished = !isReset(event.reason); // a reset's session lives on: no lifetime to average
    await this.quietly('ended', () =>
      this.counters.recordEnded(
        event.reason,
        finished,
        event.endedAt - event.createdAt,
        event.turnCount,
        this.clock.now(),
      ),
    );
  }

  @OnEvent(StatsEvents.proactiveSent)
  async recordProactiveSent(): Promise<void> {
    await this.quietly('proactive', () => this.counters.recordProactiveSent(this.clock.now()));
  }

  async recordQuery(): Promise<void> {
    await this.quietly('query', () => this.counters.recordQuery(this.clock.now()));
  }

  /** The last `count` minutes, the current one last (it is still counting), zeros included. */
  async timeseries(count: number): Promise<TimeseriesMinute[]> {
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
