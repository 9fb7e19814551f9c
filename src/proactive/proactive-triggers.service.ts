import { Inject, Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { distanceM, PoiService, GeoPoint, PoiWithDistance } from '../poi';
import { SessionEvents, SessionCreatedEvent, ClientInfo } from '../domain';
import { CREATED_TRIGGER, SessionLocations, SessionService } from '../sessions';
import { JOB_QUEUE, JobQueue, JobRequest } from './job-queue.port';
import { jobIds, JobName, poiTrigger } from './proactive.jobs';
import { TriggerRelay } from './trigger-relay.service';

/** Sessions per broadcast job. */
const BROADCAST_BATCH = 200;
/** Broadcast jobs queued in one round trip. */
const BROADCAST_JOBS_PER_ADD = 10;

export interface Circle extends GeoPoint {
  radiusM: number;
}

/** What starts a proactive message: a new session, a visitor entering a POI, an operator's broadcast. */
@Injectable()
export class ProactiveTriggers {
  private readonly logger = new Logger('Proactive');

  constructor(
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly sessions: SessionService,
    private readonly locations: SessionLocations,
    private readonly relay: TriggerRelay,
    private readonly pois: PoiService,
  ) {}

  /**
   * The greeting: the create recorded its trigger in the same step as the session (SessionTriggers);
   * this queues the delayed job `greet:<session>` from it. An instance that dies first leaves the
   * trigger to the recovery.
   */
  @OnEvent(SessionEvents.created)
  async onSessionCreated(event: SessionCreatedEvent): Promise<void> {
    await this.relay.relay(event.sessionId, CREATED_TRIGGER, event.record.createdAt);
  }

  /**
   * A position report (client activity): the POIs whose radius contains it, and one message for each
   * POI entered for the first time. Before the 202, the POI's trigger is recorded (durable) and the POI
   * marked, with the touch and the location, in one store step on one Redis node (on a Cluster the
   * trigger is recorded before the mark); the job is queued from the trigger afterwards, or by the
   * recovery if this instance dies first. Concurrent reports on any number of instances record one
   * trigger and queue one job (its id dedupes); a crash between trigger and mark (Cluster) lets the next
   * report record it again (still one job, delivered once by its delivery key).
   */
  async location(id: string, point: GeoPoint, client: ClientInfo): Promise<PoiWithDistance[]> {
    const inside = await this.pois.containing(point);
    const triggers = inside.map((poi) => poiTrigger.of(poi.id));
    const { recorded, at } = await this.locations.report(id, point, triggers, client);
    for (const trigger of recorded) void this.relay.relay(id, trigger, at);
    return inside;
  }

  /**
   * Queues `text` for every live session (or those last seen inside `near`) in batches of jobs: the
   * ids read BROADCAST_JOBS_PER_ADD batches at a time, and their jobs queued in one round trip.
   */
  async broadcast(text: string, near?: Circle): Promise<number> {
    const broadcastId = randomUUID();
    let cursor: string | null = null;
    let batch = 0;
    let queued = 0;
    do {
      const page = await this.sessions.liveIds(BROADCAST_BATCH * BROADCAST_JOBS_PER_ADD, cursor);
      const sessionIds = near ? await this.lastSeenInside(page.ids, near) : page.ids;
      const jobs: JobRequest[] = [];
      for (let i = 0; i < sessionIds.length; i += BROADCAST_BATCH) {
        jobs.push({
          name: JobName.BroadcastBatch,
          data: { broadcastId, text, sessionIds: sessionIds.slice(i, i + BROADCAST_BATCH) },
          options: { jobId: jobIds.broadcast(broadcastId, batch++) },
        });
      }
      await this.queue.addBulk(jobs);
      queued += sessionIds.length;
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
