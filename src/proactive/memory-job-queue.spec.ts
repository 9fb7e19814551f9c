import { ManualClock } from '../../test/support/manual-clock';
import { MemoryJobQueue } from './memory-job-queue';
import { JOB_ATTEMPTS, JobName } from './proactive.jobs';

describe(MemoryJobQueue.name, () => {
  let sut: MemoryJobQueue;
  const ran: string[] = [];
  let time: ManualClock;

  beforeEach(() => {
    time = new ManualClock();
    ran.length = 0;
    sut = new MemoryJobQueue({ clock: time, timers: time });
  });
  afterEach(async () => {
    await sut.close();
  });

  const handleAll = (greeting = (id: string) => Promise.resolve(void ran.push(id))) => {
    sut.handle(JobName.Greeting, ({ sessionId }) => greeting(sessionId));
    sut.handle(JobName.Poi, ({ poiId }) => Promise.resolve(void ran.push(poiId)));
    sut.handle(JobName.TipScan, () => Promise.resolve(void ran.push('scan')));
    sut.handle(JobName.Tip, () => Promise.resolve());
    sut.handle(JobName.BroadcastBatch, () => Promise.resolve());
    sut.handle(JobName.TriggerRecovery, () => Promise.resolve());
  };

  describe('start', () => {
    it('refuses to start while a job name has no handler', async () => {
      sut.handle(JobName.Greeting, () => Promise.resolve());
      await expect(sut.start()).rejects.toThrow(/without a handler: poi, tip-scan, tip, broadcast-batch/);
    });
  });

  describe('add', () => {
    it('runs delayed jobs when due, in due order, with one timer for all of them', async () => {
      handleAll();
      await sut.start();
      for (let i = 0; i < 1000; i++) {
        await sut.add(JobName.Greeting, { sessionId: `s${i}` }, { delayMs: 10_000 + (i % 7) * 1000 });
      }
      expect(time.pending).toBe(1);
      await time.advance(9_999);
      expect(ran).toEqual([]);
      await time.advance(20_000);
      expect(ran).toHaveLength(1000);
      expect(ran.slice(0, 3)).toEqual(['s0', 's7', 's14']);
      expect(time.pending).toBe(0);
    });

    it('adds a job id only once', async () => {
      handleAll();
      await sut.start();
      await sut.add(JobName.Poi, { sessionId: 's', poiId: 'gate' }, { jobId: 'poi:s:gate' });
      await sut.add(JobName.Poi, { sessionId: 's', poiId: 'gate' }, { jobId: 'poi:s:gate' });
      await time.advance(10);
      await sut.add(JobName.Poi, { sessionId: 's', poiId: 'gate' }, { jobId: 'poi:s:gate' });
      await time.advance(10);
      expect(ran).toEqual(['gate']);
    });

    it('retries a failing job with backoff, up to the configured attempts', async () => {
      let calls = 0;
      handleAll(() => {
        calls += 1;
        return Promise.reject(new Error('down'));
      });
      await sut.start();
      await sut.add(JobName.Greeting, { sessionId: 's' });
      await time.advance(120_000);
      expect(calls).toBe(JOB_ATTEMPTS);
    });
  });

  describe('every', () => {
    it('runs one schedule however often it is declared', async () => {
      handleAll();
      await sut.start();
      await sut.every(JobName.TipScan, 1000, {});
      await sut.every(JobName.TipScan, 1000, {});
      await time.advance(3500);
      expect(ran).toEqual(['scan', 'scan', 'scan']);
    });
  });
});
