import { Inject, Injectable } from '@nestjs/common';
import { sessionNotFound } from '../common/api-error';
import { CLOCK, Clock } from '../common/clock';
import { ClientInfo } from '../domain';
import { isWellFormedSessionId } from './session-id';
import { SessionService } from './session.service';
import { SESSION_REPOSITORY, SessionLocationStore } from './session.repository';

/** What a location report left to its caller: the triggers it recorded pending, and when. */
export interface ReportedLocation {
  recorded: string[];
  at: number;
}

/**
 * A location report, as client activity: the session touched (404 / 403 as API.md says), its location
 * stored, and the places entered for the first time recorded as durable triggers, all in one store step
 * on one Redis node (see SessionLocationStore.reportLocation).
 */
@Injectable()
export class SessionLocations {
  constructor(
    @Inject(SESSION_REPOSITORY) private readonly store: SessionLocationStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly sessions: SessionService,
  ) {}

  /** `triggers`: those of the places the location is inside; each is also its own once-marker. */
  async report(
    id: string,
    point: { lat: number; lon: number },
    triggers: string[],
    client: ClientInfo,
  ): Promise<ReportedLocation> {
    if (!isWellFormedSessionId(id)) throw sessionNotFound();
    const now = this.clock.now();
    const result = await this.store.reportLocation(id, now, {
      client: this.sessions.clientSeen(client),
      lat: point.lat,
      lon: point.lon,
      triggers,
    });
    if (result.status === 'gone') throw sessionNotFound();
    this.sessions.touched(id, now, client, result);
    this.sessions.located(id, point);
    return { recorded: result.recorded, at: now };
  }
}
