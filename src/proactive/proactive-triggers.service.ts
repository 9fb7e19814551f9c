import { Inject, Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { distanceM } from '../poi/geo';
import { PoiService } from '../poi/poi.service';
import { GeoPoint, PoiWithDistance } from '../poi/poi.types';
import { redactSessionId } from '../sessions/session-id';
import { SessionEvents, SessionCreatedEvent } from '../sessions/session.events';
import { ClientInfo, SessionService } from '../sessions/session.service';
import { JOB_QUEUE, JobQueue } from './job-queue.port';
import { jobIds, JobName } from './proactive.jobs';

/** Sessions per broadcast job. */
const BROADCAST_BATCH = 200;

export interface Circle extends GeoPoint {
  radiusM: number;
}

/** What starts a proactive message: a new session, a visitor entering a POI, an operator's broadcast. */
@Injectable()
export class ProactiveTriggers {
  private readonly logger = new Logger('Proactive');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly sessions: SessionService,
    private readonly pois: PoiService,
  ) {}

  /** One delayed job per session, deduplicated by its id `greet:<session>`. */
  @OnEvent(SessionEvents.created)
  async onSessionCreated(event: SessionCreatedEvent): Promise<void> {
    const delaySeconds = this.config.proactiveGreetingDelaySeconds;
    if (delaySeconds < 0) return;
    try {
      await this.queue.add(
        JobName.Greeting,
        { sessionId: event.sessionId },
        { jobId: jobIds.greeting(event.sessionId), delayMs: delaySeconds * 1000 },
      );
    } catch (error) {
      this.logger.error({
        msg: 'greeting not queued',
        sessionId: redactSessionId(event.sessionId),
        err: error instanceof Error ? error.message : String(error),
      });
    }
  }

  /**
   * A position report (client activity): the POIs whose radius contains it, and one message queued for
   * each POI entered for the first time. The job is queued before the POI is marked: concurrent reports
   * on any number of instances queue one job (its id dedupes), a failure or crash before the mark lets
   * the next report queue it again (the job delivers once, by its delivery key), and once marked the
   * POI costs one read per report.
   */
  async location(id: string, point: GeoPoint, client: ClientInfo): Promise<PoiWithDistance[]> {
    await this.sessions.touch(id, client);
    await this.sessions.updateLocation(id, point.lat, point.lon);
    const inside = await this.pois.containing(point);
    for (const poi of inside) {
      const marker = `poi:${poi.id}`;
      if (await this.sessions.isMarked(id, marker)) continue;
      await this.queue.add(JobName.Poi, { sessionId: id, poiId: poi.id }, { jobId: jobIds.poi(id, poi.id) });
      await this.sessions.markOnce(id, marker);
    }
    return inside;
  }

  /** Queues `text` for every live session (or those last seen inside `near`) in batches of jobs. */
  async broadcast(text: string, near?: Circle): Promise<number> {
    const broadcastId = randomUUID();
    let cursor: string | null = null;
    let batch = 0;
    let queued = 0;
    do {
      const page = await this.sessions.liveIds(BROADCAST_BATCH, cursor);
      const sessionIds = near ? await this.lastSeenInside(page.ids, near) : page.ids;
      if (sessionIds.length > 0) {
        await this.queue.add(
          JobName.BroadcastBatch,
          { broadcastId, text, sessionIds },
          { jobId: jobIds.broadcast(broadcastId, batch++) },
        );
        queued += sessionIds.length;
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    this.logger.log({ msg: 'broadcast queued', sessions: queued, batches: batch });
    return queued;
  }

  private async lastSeenInside(ids: string[], circle: Circle): Promise<string[]> {
    const records = await Promise.all(ids.map((id) => this.sessions.find(id)));
    const inside: string[] = [];
    for (const record of records) {
      if (!record || record.lastLat === null || record.lastLon === null) continue;
      if (distanceM({ lat: record.lastLat, lon: record.lastLon }, circle) <= circle.radiusM)
        inside.push(record.id);
    }
    return inside;
  }
}
