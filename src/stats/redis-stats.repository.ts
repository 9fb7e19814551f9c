import { RedisStore } from '../store/redis-store';
import { END_REASONS, EndReason } from '../sessions/session.types';
import { ActiveAlert } from './alert-rules';
import { CREATION_MINUTES, WINDOW_SECONDS, windowSeconds } from './sliding-window';
import { StatsRepository, StatsTotals } from './stats.repository';

/** ARGV: reason field, finished (1|0), lifetimeMs, turns. One step, so the sums never disagree. */
const RECORD_ENDED = `
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
if ARGV[2] == '1' then
  redis.call('HINCRBY', KEYS[1], 'finished', 1)
  redis.call('HINCRBY', KEYS[1], 'lifetimeMsSum', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'turnsSum', ARGV[4])
end
return 1
`;

/**
 * Counters in the hash `{prefix}{stats}:totals` (HINCRBY: atomic, shared by all instances, kept across
 * restarts); queries in per-second counters `{prefix}{stats}:q:<epoch second>` that expire after two
 * windows. All under one hash tag, so the 60-key MGET stays in one Cluster slot.
 */
export class RedisStatsRepository implements StatsRepository {
  constructor(private readonly store: RedisStore) {}

  private get totalsKey(): string {
    return this.store.key('{stats}', 'totals');
  }

  private queryKey(second: number): string {
    return this.store.key('{stats}', 'q', String(second));
  }

  private creationKey(minute: number): string {
    return this.store.key('{stats}', 'c', String(minute));
  }

  private get alertsKey(): string {
    return this.store.key('{stats}', 'alerts');
  }

  async recordCreated(now: number): Promise<void> {
    const minuteKey = this.creationKey(Math.floor(now / 60_000));
    await this.store.run((client) =>
      client
        .multi()
        .hincrby(this.totalsKey, 'created', 1)
        .incr(minuteKey)
        .expire(minuteKey, CREATION_MINUTES * 60)
        .exec(),
    );
  }

  async createdBetween(fromMinute: number, toMinute: number): Promise<number> {
    const keys: string[] = [];
    for (let minute = fromMinute; minute <= toMinute; minute++) keys.push(this.creationKey(minute));
    if (keys.length === 0) return 0;
    const counts = await this.store.run((client) => client.mget(...keys));
    return counts.reduce((sum, count) => sum + Number(count ?? 0), 0);
  }

  async activeAlerts(): Promise<ActiveAlert[]> {
    const raw = await this.store.run((client) => client.get(this.alertsKey));
    return raw ? (JSON.parse(raw) as ActiveAlert[]) : [];
  }

  async setActiveAlerts(alerts: ActiveAlert[]): Promise<void> {
    await this.store.run((client) => client.set(this.alertsKey, JSON.stringify(alerts)));
  }

  async recordEnded(reason: EndReason, finished: boolean, lifetimeMs: number, turns: number): Promise<void> {
    await this.store.script(
      RECORD_ENDED,
      [this.totalsKey],
      [`ended:${reason}`, finished ? 1 : 0, Math.max(0, Math.round(lifetimeMs)), turns],
    );
  }

  async recordQuery(now: number): Promise<void> {
    const key = this.queryKey(windowSeconds(now, 1)[0]);
    await this.store.run((client) =>
      client
        .multi()
        .incr(key)
        .expire(key, 2 * WINDOW_SECONDS)
        .exec(),
    );
  }

  async queriesLastMinute(now: number): Promise<number> {
    const keys = windowSeconds(now).map((second) => this.queryKey(second));
    const counts = await this.store.run((client) => client.mget(...keys));
    return counts.reduce((sum, count) => sum + Number(count ?? 0), 0);
  }

  async recordProactiveSent(): Promise<void> {
    await this.store.run((client) => client.hincrby(this.totalsKey, 'proactiveSent', 1));
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
