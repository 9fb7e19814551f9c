import { SchedulerRegistry } from '@nestjs/schedule';
import { CLEANUP_JOB, CleanupService } from './cleanup.service';
import { SWEEP_BATCH } from './sweep.service';
import { CLIENT, EmbeddedCleanup, embeddedCleanup, IDLE_TTL_MS } from './embedded-cleanup.kit';

describe(CleanupService.name, () => {
  let kit: EmbeddedCleanup;
  let sut: CleanupService;
  afterEach(() => kit.close());

  describe('run', () => {
    beforeEach(async () => {
      kit = await embeddedCleanup();
      sut = kit.moduleRef.get(CleanupService);
    });

    it('sweeps the expired sessions under the lease, and lets the lease go', async () => {
      const { id } = await kit.sessions.create({}, CLIENT);
      kit.clock.at += IDLE_TTL_MS + 1;
      await sut.run();
      expect(await kit.archive.latest(id)).toMatchObject({ reason: 'expired' });
      expect(await kit.lease.acquire('cleanup', 1_000)).toEqual(expect.any(String));
    });

    it('does nothing while another instance holds the lease', async () => {
      const { id } = await kit.sessions.create({}, CLIENT);
      kit.clock.at += IDLE_TTL_MS + 1;
      const token = await kit.lease.acquire('cleanup', 60_000);
      await sut.run();
      expect(await kit.archive.latest(id)).toBeNull();

      await kit.lease.release('cleanup', token!);
      await sut.run();
      expect(await kit.archive.latest(id)).toMatchObject({ reason: 'expired' });
    });

    it('takes the lease over from a holder whose lease ran out', async () => {
      const { id } = await kit.sessions.create({}, CLIENT);
      await kit.lease.acquire('cleanup', 60_000); // a crashed instance never releases it
      kit.clock.at += Math.max(IDLE_TTL_MS, 60_000) + 1;
      await sut.run();
      expect(await kit.archive.latest(id)).toMatchObject({ reason: 'expired' });
    });

    it('renews its lease between batches, so a sweep longer than the lease keeps it to the end', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 8 * SWEEP_BATCH; i++) ids.push((await kit.sessions.create({}, CLIENT)).id);
      kit.clock.at += IDLE_TTL_MS + 1;
      // Every reading of the clock lets 4 s pass (a batch reads it about five times, its ends being
      // reported together): the run lasts longer than its 60-s lease (a batch, under half of it).
      const start = kit.clock.at;
      const now = kit.clock.now;
      let takenMidway: string | null | undefined;
      kit.clock.now = () => {
        kit.clock.at += 4_000;
        if (takenMidway === undefined && kit.clock.at > start + 65_000) {
          takenMidway = null;
          void kit.lease.acquire('cleanup', 1_000).then((token) => (takenMidway = token));
        }
        return kit.clock.at;
      };
      await sut.run();
      kit.clock.now = now;
      expect(kit.clock.at).toBeGreaterThan(start + 90_000);
      expect(takenMidway).toBeNull();
      const archived = await Promise.all(ids.map((id) => kit.archive.latest(id)));
      expect(archived.filter((entry) => entry?.reason === 'expired')).toHaveLength(ids.length);
    });

    it('joins a tick to the run still going rather than starting a second one', () => {
      expect(sut.run()).toBe(sut.run());
    });

    it('survives an archive that is down: the session waits for the next run', async () => {
      const { id } = await kit.sessions.create({}, CLIENT);
      kit.clock.at += IDLE_TTL_MS + 1;
      await kit.breakArchive(true);
      await expect(sut.run()).resolves.toBeUndefined();
      await kit.breakArchive(false);
      kit.clock.at += 10_000;
      await sut.run();
      expect(await kit.archive.latest(id)).toMatchObject({ reason: 'expired' });
    });
  });

  describe('run above the memory watermark', () => {
    beforeEach(async () => {
      kit = await embeddedCleanup({ MEMORY_HIGH_WATERMARK_BYTES: '1' }); // the heap is always above it
      sut = kit.moduleRef.get(CleanupService);
    });

    it('evicts live sessions after the sweep, archived as memory_pressure', async () => {
      const { id } = await kit.sessions.create({}, CLIENT);
      await sut.run();
      expect(await kit.sessions.find(id)).toBeNull();
      expect(await kit.archive.latest(id)).toMatchObject({ reason: 'memory_pressure' });
    });
  });

  describe('beforeApplicationShutdown', () => {
    beforeEach(async () => {
      kit = await embeddedCleanup();
      sut = kit.moduleRef.get(CleanupService);
    });

    it('stops the schedule registered at start', async () => {
      const scheduler = kit.moduleRef.get(SchedulerRegistry);
      expect(scheduler.doesExist('cron', CLEANUP_JOB)).toBe(true);
      await sut.beforeApplicationShutdown();
      expect(scheduler.doesExist('cron', CLEANUP_JOB)).toBe(false);
    });
  });
});
