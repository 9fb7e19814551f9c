import { RedisStore } from '../store';
import { MARK_TRIGGERS, REPORT_LOCATION } from './redis-location.scripts';
import { RedisSessionIndex } from './redis-session-index';
import { RedisSessionQueries } from './redis-session-queries';
import { LocationReport, LocationReportResult, SessionStoreSettings } from './session.repository';

type ReportReply = [0] | [-1] | [1, number, string[]];

/**
 * A location report in Redis. On one node: REPORT_LOCATION alone, with the activity index and the
 * pending triggers as KEYS[6] and [7] (one round trip). On a Cluster those live in another slot: the
 * script touches and reads the markers, then the index is refreshed and the new triggers recorded (one
 * MULTI in the index slot), then they are marked (MARK_TRIGGERS): the trigger is durable before its mark.
 */
export class RedisSessionLocations {
  constructor(
    private readonly store: RedisStore,
    private readonly settings: SessionStoreSettings,
    private readonly index: RedisSessionIndex,
    private readonly queries: RedisSessionQueries,
  ) {}

  async report(
    keys: string[],
    id: string,
    now: number,
    report: LocationReport,
  ): Promise<LocationReportResult> {
    const cluster = this.store.isCluster;
    const scriptKeys = cluster ? keys : [...keys, this.index.activityKey, this.index.triggersKey];
    const reply = await this.store.script<ReportReply>(REPORT_LOCATION, scriptKeys, [
      ...this.queries.touchArgs(id, now, report.client),
      report.lat,
      report.lon,
      ...report.triggers,
    ]);
    if (reply[0] === -1) return { status: 'ip_mismatch' };
    if (reply[0] !== 1) return { status: 'gone' };
    const [, changed, found] = reply;
    if (cluster) {
      await this.index.refreshRecording(id, now, found);
      if (found.length > 0) {
        await this.store.script(MARK_TRIGGERS, keys, [now, this.settings.idleTtlMs, ...found]);
      }
    }
    return { status: 'ok', ipChanged: changed === 1, recorded: found };
  }
}
