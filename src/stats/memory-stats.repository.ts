import { END_REASONS, EndReason } from '../domain';
import { ActiveAlert } from './alert-rules';
import { MinuteSeries } from './minute-series';
import { SecondBuckets, TIMESERIES_MINUTES } from './sliding-window';
import { EndCount, MinuteTotals, StatsRepository, StatsTotals } from './stats.repository';

/** The embedded store's counters: one process, so plain numbers are atomic enough. */
export class MemoryStatsRepository implements StatsRepository {
  private readonly totalsNow: StatsTotals = {
    createdTotal: 0,
    endedTotal: Object.fromEntries(END_REASONS.map((reason) => [reason, 0])) as Record<EndReason, number>,
    finishedCount: 0,
    lifetimeMsSum: 0,
    turnsSum: 0,
    proactiveSentTotal: 0,
  };
  private readonly queries = new SecondBuckets();
  private readonly series = new MinuteSeries(TIMESERIES_MINUTES);
  private alerts: ActiveAlert[] = [];

  recordCreated(now: number): Promise<void> {
    this.totalsNow.createdTotal += 1;
    this.series.add(now, 'created');
    return Promise.resolve();
  }

  recordEnded(
    reason: EndReason,
    finished: boolean,
    lifetimeMs: number,
    turns: number,
    now: number,
  ): Promise<void> {
    this.totalsNow.endedTotal[reason] += 1;
    this.series.add(now, 'ended');
    if (finished) {
      this.totalsNow.finishedCount += 1;
      this.totalsNow.lifetimeMsSum += lifetimeMs;
      this.totalsNow.turnsSum += turns;
    }
    return Promise.resolve();
  }

  async recordEnds(ends: readonly EndCount[], now: number): Promise<void> {
    for (const { reason, finished, lifetimeMs, turns } of ends) {
      await this.recordEnded(reason, finished, lifetimeMs, turns, now);
    }
  }

  createdBetween(fromMinute: number, toMinute: number): Promise<number> {
    const minutes = this.series.range(fromMinute, toMinute);
    return Promise.resolve(minutes.reduce((sum, minute) => sum + minute.created, 0));
  }

  minutes(fromMinute: number, toMinute: number): Promise<MinuteTotals[]> {
    return Promise.resolve(this.series.range(fromMinute, toMinute));
  }

  activeAlerts(): Promise<ActiveAlert[]> {
    return Promise.resolve(structuredClone(this.alerts));
  }

  setActiveAlerts(alerts: ActiveAlert[]): Promise<void> {
    this.alerts = structuredClone(alerts);
    return Promise.resolve();
  }

  recordQuery(now: number, count = 1): Promise<void> {
    this.queries.add(now, count);
    this.series.add(now, 'queries', count);
    return Promise.resolve();
  }

  queriesLastMinute(now: number): Promise<number> {
    return Promise.resolve(this.queries.total(now));
  }

  recordProactiveSent(now: number, count = 1): Promise<void> {
    this.totalsNow.proactiveSentTotal += count;
    this.series.add(now, 'proactiveSent', count);
    return Promise.resolve();
  }

  totals(): Promise<StatsTotals> {
    return Promise.resolve(structuredClone(this.totalsNow));
  }
}
