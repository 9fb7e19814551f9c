import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { MetricsService } from '../observability';
import { PoiService } from '../poi';
import { DeliveryOptions, SessionService } from '../sessions';
import { SessionRecord } from '../domain';
import { JOB_QUEUE, JobQueue } from './job-queue.port';
import { ProactiveComposer } from './proactive-composer.service';
import { ProactiveOutbox } from './proactive-outbox.service';
import { IdleTipScanner } from './idle-tip.scanner';
import { deliveryKeys, JobName, JobPayloads } from './proactive.jobs';
import { TRIGGER_RECOVERY_EVERY_MS, TriggerRelay } from './trigger-relay.service';

/** Sessions of a broadcast batch served in one store round trip and one notice. */
const BROADCAST_CHUNK = 100;

/** Thrown by a job that started on an instance now shutting down: another instance runs it again. */
class ShuttingDownError extends Error {
  constructor() {
    super('instance shutting down; the job is left to another instance');
  }
}

/** One handler per job name, registered before the queue starts (it refuses to start otherwise). */
@Injectable()
export class ProactiveJobs implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    private readonly sessions: SessionService,
    private readonly pois: PoiService,
    private readonly composer: ProactiveComposer,
    private readonly outbox: ProactiveOutbox,
    private readonly tips: IdleTipScanner,
    private readonly metrics: MetricsService,
    private readonly relay: TriggerRelay,
  ) {
    queue.handle(JobName.Greeting, (data) => this.counted(this.greeting(data)));
    queue.handle(JobName.Poi, (data) => this.counted(this.poi(data)));
    queue.handle(JobName.TipScan, () => this.counted(this.tips.scan()));
    queue.handle(JobName.Tip, (data) => this.counted(this.tip(data)));
    queue.handle(JobName.BroadcastBatch, (data) => this.counted(this.broadcast(data)));
    queue.handle(JobName.TriggerRecovery, () => this.counted(this.relay.recover()));
  }

  /** proactive_jobs_failed_total counts runs that threw; one left to another instance did not fail. */
  private async counted(run: Promise<void>): Promise<void> {
    try {
      await run;
    } catch (error) {
      if (!(error instanceof ShuttingDownError)) this.metrics.proactiveJobsFailed.inc();
      throw error;
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.start();
    await this.queue.every(JobName.TriggerRecovery, TRIGGER_RECOVERY_EVERY_MS, {});
    if (this.tips.enabled) await this.queue.every(JobName.TipScan, this.tips.scanEveryMs, {});
  }

  async onModuleDestroy(): Promise<void> {
    await this.queue.close();
  }

  private async greeting({ sessionId }: JobPayloads[JobName.Greeting]): Promise<void> {
    const record = await this.sessions.find(sessionId);
    if (!record) return;
    const text = await this.composer.compose('greeting', record);
    await this.send(record, 'greeting', text, { deliveryKey: deliveryKeys.greeting() });
  }

  private async poi({ sessionId, poiId }: JobPayloads[JobName.Poi]): Promise<void> {
    const [record, poi] = await Promise.all([this.sessions.find(sessionId), this.pois.get(poiId)]);
    if (!record || !poi) return; // the session ended, or the POI set was replaced meanwhile
    const text = await this.composer.compose('poi', record, poi);
    await this.send(record, 'poi', text, { poiId: poi.id, deliveryKey: deliveryKeys.poi(poi.id) });
  }

  private async tip({ sessionId, tipNumber }: JobPayloads[JobName.Tip]): Promise<void> {
    const record = await this.sessions.find(sessionId);
    if (!record) return;
    const text = await this.composer.compose('tip', record);
    await this.send(record, 'tip', text, { deliveryKey: deliveryKeys.tip(tipNumber) });
  }

  /**
   * The batch's chunks sent at once, each its own round trip and notice: none waits for the one before.
   * A retried batch skips the sessions it already served (the broadcast's delivery key).
   */
  private async broadcast({ broadcastId, text, sessionIds }: JobPayloads[JobName.BroadcastBatch]) {
    if (this.queue.closing) throw new ShuttingDownError();
    const chunks: Array<Promise<unknown>> = [];
    for (let i = 0; i < sessionIds.length; i += BROADCAST_CHUNK) {
      chunks.push(
        this.outbox.sendToEach(sessionIds.slice(i, i + BROADCAST_CHUNK), 'broadcast', text, {
          deliveryKey: deliveryKeys.broadcast(broadcastId),
        }),
      );
    }
    await Promise.all(chunks);
  }

  private async send(
    record: SessionRecord,
    kind: 'greeting' | 'poi' | 'tip',
    text: string,
    options: DeliveryOptions,
  ) {
    // A model call may outlast this instance's shutdown; its job is then run again elsewhere.
    if (this.queue.closing) throw new ShuttingDownError();
    await this.outbox.send(record.id, kind, text, options);
  }
}
