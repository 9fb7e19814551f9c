import { ManualClock } from '../../test/support/manual-clock';
import { loadConfig } from '../config/load-config';
import { MemoryPoiRepository } from '../poi/memory-poi.repository';
import { PoiService } from '../poi/poi.service';
import { CREATED_TRIGGER } from '../sessions/session.repository';
import { embeddedSessions } from '../sessions/embedded-sessions.kit';
import { SessionService } from '../sessions/session.service';
import { SessionLocations } from '../sessions/session-locations.service';
import { SessionTriggers } from '../sessions/session-triggers.service';
import { JobOptions, JobRequest } from './job-queue.port';
import { MemoryJobQueue } from './memory-job-queue';
import { JobName, JobPayloads } from './proactive.jobs';
import { ProactiveTriggers } from './proactive-triggers.service';
import { TRIGGER_GRACE_MS, TriggerRelay } from './trigger-relay.service';

interface AddedJob {
  name: JobName;
  data: unknown;
  options: JobOptions;
}

/** The embedded queue (not started, so nothing runs), remembering what was queued; or refusing it. */
class RecordingJobQueue extends MemoryJobQueue {
  readonly added: AddedJob[] = [];
  refusing = false;
  override add<N extends JobName>(name: N, data: JobPayloads[N], options: JobOptions = {}): Promise<void> {
    if (this.refusing) return Promise.reject(new Error('queue unavailable'));
    this.added.push({ name, data, options });
    return super.add(name, data, options);
  }
  override addBulk(jobs: JobRequest[]): Promise<void> {
    if (this.refusing) return Promise.reject(new Error('queue unavailable'));
    this.added.push(...jobs.map(({ name, data, options = {} }) => ({ name, data, options })));
    return super.addBulk(jobs);
  }
}

const client = { ip: '203.0.113.7', userAgent: 'spec' };
const MERIDIAN_GATE = { lat: 39.9136, lon: 116.391 };
const FAR_AWAY = { lat: 48.8584, lon: 2.2945 };

describe('proactive triggers', () => {
  const config = loadConfig({ PROACTIVE_GREETING_DELAY_SECONDS: '10', SESSION_IDLE_TTL_SECONDS: '3600' });
  let removeArchive: () => void;
  let clock: ManualClock;
  let queue: RecordingJobQueue;
  let sessions: SessionService;
  let triggers: SessionTriggers;
  let locations: SessionLocations;
  let relay: TriggerRelay;
  let sut: ProactiveTriggers;

  beforeEach(async () => {
    clock = new ManualClock();
    const embedded = embeddedSessions(config, clock);
    ({ sessions, triggers, locations } = embedded);
    removeArchive = embedded.remove;
    queue = new RecordingJobQueue({ clock, timers: clock });
    relay = new TriggerRelay(config, queue, clock, sessions, triggers);
    const pois = new PoiService(new MemoryPoiRepository(), config);
    await pois.onModuleInit();
    sut = new ProactiveTriggers(queue, sessions, locations, relay, pois);
  });
  afterEach(async () => {
    await queue.close();
    removeArchive();
  });

  const pending = async () => (await triggers.olderThan(-1, 100)).map((t) => `${t.sessionId}:${t.trigger}`);

  describe(ProactiveTriggers.name, () => {
    describe('onSessionCreated', () => {
      it('queues the greeting after the configured delay, from its creation, and clears the trigger', async () => {
        const record = await sessions.create({}, client);
        await clock.advance(4000); // the event is handled a little later: the delay still counts from the creation
        await sut.onSessionCreated({ sessionId: record.id, record });
        expect(queue.added).toEqual([
          {
            name: JobName.Greeting,
            data: { sessionId: record.id },
            options: { jobId: `greet:${record.id}`, delayMs: 6000 },
          },
        ]);
        expect(await pending()).toEqual([]);
      });
    });

    describe('location', () => {
      it('records and queues one message per POI entered, once per session however often it is reported', async () => {
        const { id } = await sessions.create({}, client);
        const inside = await sut.location(id, MERIDIAN_GATE, client);
        expect(inside.map((poi) => poi.id)).toContain('meridian-gate');
        await sut.location(id, MERIDIAN_GATE, client);
        await new Promise((resolve) => setImmediate(resolve)); // the relay runs after the answer
        const poiJobs = queue.added.filter((job) => job.name === JobName.Poi);
        expect(poiJobs.map((job) => job.data)).toEqual(
          inside.map((poi) => ({ sessionId: id, poiId: poi.id })),
        );
        expect((await sessions.find(id))?.lastLat).toBe(MERIDIAN_GATE.lat);
        expect(await pending()).toEqual([`${id}:${CREATED_TRIGGER}`]);
      });

      it('queues one job per POI for concurrent reports', async () => {
        const { id } = await sessions.create({}, client);
        const answers = await Promise.all([1, 2, 3].map(() => sut.location(id, MERIDIAN_GATE, client)));
        await new Promise((resolve) => setImmediate(resolve));
        const poiJobs = queue.added.filter((job) => job.name === JobName.Poi);
        expect(poiJobs.map((job) => job.options.jobId)).toEqual(
          answers[0].map((poi) => `poi:${id}:${poi.id}`),
        );
      });

      it('queues nothing outside every POI', async () => {
        const { id } = await sessions.create({}, client);
        expect(await sut.location(id, FAR_AWAY, client)).toEqual([]);
        expect(queue.added).toEqual([]);
      });

      it('answers SESSION_NOT_FOUND for an unknown session', async () => {
        await expect(
          sut.location('00000000-0000-4000-8000-000000000000', MERIDIAN_GATE, client),
        ).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND' });
      });
    });

    describe('broadcast', () => {
      it('queues one batch job for the live sessions, or for those last seen inside the circle', async () => {
        const near = await sessions.create({}, client);
        const far = await sessions.create({}, client);
        await locations.report(near.id, MERIDIAN_GATE, [], client);
        await locations.report(far.id, FAR_AWAY, [], client);
        expect(await sut.broadcast('Closing soon')).toBe(2);
        expect(await sut.broadcast('Gate', { ...MERIDIAN_GATE, radiusM: 500 })).toBe(1);
        const batches = queue.added.map((job) => job.data as JobPayloads[JobName.BroadcastBatch]);
        expect(new Set(batches[0].sessionIds)).toEqual(new Set([near.id, far.id]));
        expect(batches[1]).toMatchObject({ text: 'Gate', sessionIds: [near.id] });
        expect(batches[0].broadcastId).not.toBe(batches[1].broadcastId);
      });
    });
  });

  describe(TriggerRelay.name, () => {
    describe('relay', () => {
      it('leaves the trigger pending for the recovery when the queue refuses the job', async () => {
        const { id } = await sessions.create({}, client);
        queue.refusing = true;
        await relay.relay(id, CREATED_TRIGGER, clock.now());
        expect(await pending()).toEqual([`${id}:${CREATED_TRIGGER}`]);
      });

      it('queues a greeting at once when its delay has already passed', async () => {
        const { id } = await sessions.create({}, client);
        await clock.advance(60_000);
        await relay.relay(id, CREATED_TRIGGER, clock.now() - 60_000);
        expect(queue.added[0].options.delayMs).toBe(0);
      });

      it('drops an unknown trigger (cleared, no job)', async () => {
        const { id } = await sessions.create({}, client);
        await triggers.record(id, 'mystery');
        await relay.relay(id, 'mystery', clock.now());
        expect(queue.added).toEqual([]);
        expect(await pending()).toEqual([`${id}:${CREATED_TRIGGER}`]);
      });
    });

    describe('recover', () => {
      it('queues the jobs of triggers past the grace period, leaves younger ones, and clears those of ended sessions', async () => {
        const old = await sessions.create({}, client);
        const ended = await sessions.create({}, client);
        await sessions.destroy(ended.id, 'client_closed');
        await clock.advance(TRIGGER_GRACE_MS + 1);
        const young = await sessions.create({}, client);
        await relay.recover();
        expect(queue.added.map((job) => job.options.jobId)).toEqual([`greet:${old.id}`]);
        expect(await pending()).toEqual([`${young.id}:${CREATED_TRIGGER}`]);
        await clock.advance(TRIGGER_GRACE_MS + 1);
        await relay.recover();
        expect(queue.added.map((job) => job.options.jobId)).toEqual([`greet:${old.id}`, `greet:${young.id}`]);
        expect(await pending()).toEqual([]);
      });
    });
  });
});
