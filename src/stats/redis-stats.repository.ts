import { RedisStore } from '../store';
import { END_REASONS, EndReason } from '../domain';
import { ActiveAlert } from './alert-rules';
import { emptyMinute, epochMinute, MINUTE_FIELDS, MinuteField } from './minute-series';
import { TIMESERIES_MINUTES, WINDOW_SECONDS, windowSeconds } from './sliding-window';
import { EndCount, MinuteTotals, StatsRepository, StatsTotals } from './stats.repository';

/** A minute's hash outlives the timeseries' longest range by a little. */
const MINUTE_TTL_SECONDS = (TIMESERIES_MINUTES + 5) * 60;

/**
 * KEYS: totals, the minute's hash. ARGV: reason field, finished (1|0), lifetimeMs, turns, minute TTL.
 * One step, so the sums and the minute never disagree.
 */
const RECORD_ENDED = `
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('HINCRBY', KEYS[2], 'ended', 1)
redis.call('EXPIRE', KEYS[2], ARGV[5])
if ARGV[2] == '1' then
  redis.call('HINCRBY', KEYS[1], 'finished', 1)
  redis.call('HINCRBY', KEYS[1], 'lifetimeMsSum', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'turnsSum', ARGV[4])
end
return 1
`;

/**
 * RECORD_ENDED for many ends in one step. KEYS: totals, the minute's hash. ARGV: minute TTL, ends,
 * finished, lifetimeMs sum, turns sum, then (reason field, count) pairs.
 */
const RECORD_ENDS = `
for i = 6, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('HINCRBY', KEYS[2], 'ended', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[1])
if ARGV[3] ~= '0' then
  redis.call('HINCRBY', KEYS[1], 'finished', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'lifetimeMsSum', ARGV[4])
  redis.call('HINCRBY', KEYS[1], 'turnsSum', ARGV[5])
end
return 1
`;

/**
 * Counters in the hash `{prefix}{stats}:totals` (HINCRBY: atomic, shared by all instances, kept across
 * restarts); queries in per-second counters `{prefix}{stats}:q:<epoch second>` that expire after two
 * windows; per-minute totals (created, ended, queries, proactiveSent) in hashes
 * `{prefix}{stats}:m:<epoch minute>` that expire after a day. All under one hash tag, so the multi-key
 * reads stay in one Cluster slot.
 */
export class RedisStatsRepository implements StatsRepository {
  constructor(private readonly store: RedisStore) {}

  private get totalsKey(): string {
    return this.store.key('{stats}', 'totals');
  }

  private queryKey(second: number): string {
    return this.store.key('{stats}', 'q', String(second));
  }

  private minuteKey(minute: number): string {
    return this.store.key('{stats}', 'm', String(minute));
  }

  private get alertsKey(): string {
    return this.store.key('{stats}', 'alerts');
  }

  async recordCreated(now: number): Promise<void> {
    await this.bumpMinute(now, 'created', 'created');
  }

  async createdBetween(fromMinute: number, toMinute: number): Promise<number> {
    const minutes = await this.minutes(fromMinute, toMinute);
    return minutes.reduce((sum, minute) => sum + minute.created, 0);
  }

  async minutes(fromMinute: number, toMinute: number): Promise<MinuteTotals[]> {
    if (toMinute < fromMinute) return [];
    const replies = await this.store.run((client) => {
      const pipeline = client.pipeline();
      for (let minute = fromMinute; minute <= toMinute; minute++) {
        pipeline.hmget(this.minuteKey(minute), ...MINUTE_FIELDS);
      }
      return pipeline.exec();
    });
    return (replies ?? []).map(([error, values], i) => {
      if (error) throw error;
      const totals = emptyMinute(fromMinute + i);
      (values as Array<string | null>).forEach((value, field) => {
        totals[MINUTE_FIELDS[field]] = Number(value ?? 0);
      });
      return totals;
    });
  }

  /** +1 in the minute's `field`, and in the totals' `totalsField`, as one transaction. */
  private async bumpMinute(now: number, field: MinuteField, totalsField: string, by = 1): Promise<void> {
    const minuteKey = this.minuteKey(epochMinute(now));
    await this.store.run((client) => {
      return client
        .multi()
        .hincrby(this.totalsKey, totalsField, by)
        .hincrby(minuteKey, field, by)
        .expire(minuteKey, MINUTE_TTL_SECONDS)
        .exec();
    });
  }

  async activeAlerts(): Promise<ActiveAlert[]> {
    const raw = await this.store.run((client) => client.get(this.alertsKey));
    return raw ? (JSON.parse(raw) as ActiveAlert[]) : [];
  }

  async setActiveAlerts(alerts: ActiveAlert[]): Promise<void> {
    await this.store.run((client) => client.set(this.alertsKey, JSON.stringify(alerts)));
  }

  async recordEnded(
    reason: EndReason,
    finished: boolean,
    lifetimeMs: number,
    turns: number,
    now: number,
  ): Promise<void> {
    await this.store.script(
      RECORD_ENDED,
      [this.totalsKey, this.minuteKey(epochMinute(now))],
      [`ended:${reason}`, finished ? 1 : 0, Math.max(0, Math.round(lifetimeMs)), turns, MINUTE_TTL_SECONDS],
    );
  }

  async recordEnds(ends: readonly EndCount[], now: number): Promise<void> {
    if (ends.length === 0) return;
    const perReason = new Map<EndReason, number>();
    let finished = 0;
    let lifetimeMs = 0;
    let turns = 0;
    for (const end of ends) {
      perReason.set(end.reason, (perReason.get(end.reason) ?? 0) + 1);
      if (!end.finished) continue;
      finished += 1;
      lifetimeMs += Math.max(0, Math.round(end.lifetimeMs));
      turns += end.turns;
    }
    await this.store.script(
      RECORD_ENDS,
      [this.totalsKey, this.minuteKey(epochMinute(now))],
      [
        MINUTE_TTL_SECONDS,
        ends.length,
        finished,
        lifetimeMs,
        turns,
        ...[...perReason].flatMap(([reason, count]) => [`ended:${reason}`, count]),
      ],
    );
  }

  async recordQuery(now: number, count = 1): Promise<void> {
    const key = this.queryKey(windowSeconds(now, 1)[0]);
    const minuteKey = this.minuteKey(epochMinute(now));
    await this.store.run((client) =>
      client
        .multi()
        .incrby(key, count)
        .expire(key, 2 * WINDOW_SECONDS)
        .hincrby(minuteKey, 'queries', count)
        .expire(minuteKey, MINUTE_TTL_SECONDS)
        .exec(),
    );
  }

  async queriesLastMinute(now: number): Promise<number> {
    const keys = windowSeconds(now).map((second) => this.queryKey(second));
    const counts = await this.store.run((client) => client.mget(...keys));
    return counts.reduce((sum, count) => sum + Number(count ?? 0), 0);
  }

  async recordProactiveSent(now: number, count = 1): Promise<void> {
    await this.bumpMinute(now, 'proactiveSent', 'proactiveSent', count);
  }

  async totals(): Promise<StatsTotals> {
    const hash = await this.store.run((client) => client.hgetall(this.totalsKey));
    const n = (field: string) => Number(hash[field] ?? 0);
    return {
      createdTotal: n('created'),
      endedTotal: Object.fromEntries(END_REASONS.map((reason) => [reason, n(`ended:${reason}`)])) as Record<
        EndReason,
        number
      >,
      finishedCount: n('finished'),
      lifetimeMsSum: n('lifetimeMsSum'),
      turnsSum: n('turnsSum'),
      proactiveSentTotal: n('proactiveSent'),
    };
  }
}
