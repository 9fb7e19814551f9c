import { StatsRepository } from './stats.repository';

export interface StatsContractSubject {
  sut: StatsRepository;
  cleanup(): Promise<void>;
}

const T0 = 1_700_000_000_000;

/** One suite, run against every StatsRepository adapter. */
export function describeStatsRepositoryContract(
  name: string,
  make: () => Promise<StatsContractSubject>,
): void {
  describe(`${name} (StatsRepository contract)`, () => {
    let subject: StatsContractSubject;
    let sut: StatsRepository;
    beforeEach(async () => {
      subject = await make();
      sut = subject.sut;
    });
    afterEach(() => subject.cleanup());

    describe('totals', () => {
      it('starts at zero with every end reason listed', async () => {
        expect(await sut.totals()).toEqual({
          createdTotal: 0,
          endedTotal: {
            expired: 0,
            evicted: 0,
            memory_pressure: 0,
            client_closed: 0,
            client_reset: 0,
            admin_reset: 0,
            admin_deleted: 0,
            shutdown: 0,
          },
          finishedCount: 0,
          lifetimeMsSum: 0,
          turnsSum: 0,
          proactiveSentTotal: 0,
        });
      });

      it('counts creations, ends per reason, proactive messages, and sums finished sessions only', async () => {
        await Promise.all([sut.recordCreated(T0), sut.recordCreated(T0), sut.recordCreated(T0)]);
        await sut.recordEnded('expired', true, 10_000, 4, T0);
        await sut.recordEnded('evicted', true, 2_000, 0, T0);
        await sut.recordEnded('client_reset', false, 99_000, 9, T0);
        await sut.recordProactiveSent(T0);
        const totals = await sut.totals();
        expect(totals).toMatchObject({
          createdTotal: 3,
          finishedCount: 2,
          lifetimeMsSum: 12_000,
          turnsSum: 4,
        });
        expect(totals.endedTotal).toMatchObject({ expired: 1, evicted: 1, client_reset: 1, shutdown: 0 });
        expect(totals.proactiveSentTotal).toBe(1);
      });

      it('loses no increment under concurrency', async () => {
        await Promise.all(Array.from({ length: 50 }, () => sut.recordEnded('admin_deleted', true, 1, 1, T0)));
        expect((await sut.totals()).endedTotal.admin_deleted).toBe(50);
        expect((await sut.totals()).turnsSum).toBe(50);
      });
    });

    describe('recordEnds', () => {
      const minute = Math.floor(T0 / 60_000);
      const ends = [
        { reason: 'expired', finished: true, lifetimeMs: 10_000, turns: 4 },
        { reason: 'expired', finished: true, lifetimeMs: 2_000, turns: 0 },
        { reason: 'client_reset', finished: false, lifetimeMs: 99_000, turns: 9 },
        { reason: 'evicted', finished: true, lifetimeMs: 0, turns: 1 },
      ] as const;

      it('counts a batch of ends as the same ends recorded one by one', async () => {
        await sut.recordEnds(ends, T0);
        const batched = { totals: await sut.totals(), minutes: await sut.minutes(minute, minute) };
        await subject.cleanup();
        subject = await make();
        sut = subject.sut;
        for (const end of ends)
          await sut.recordEnded(end.reason, end.finished, end.lifetimeMs, end.turns, T0);
        expect(batched).toEqual({ totals: await sut.totals(), minutes: await sut.minutes(minute, minute) });
        expect(batched.totals).toMatchObject({ finishedCount: 3, lifetimeMsSum: 12_000, turnsSum: 5 });
        expect(batched.totals.endedTotal).toMatchObject({ expired: 2, client_reset: 1, evicted: 1 });
        expect(batched.minutes).toEqual([{ minute, created: 0, ended: 4, queries: 0, proactiveSent: 0 }]);
      });

      it('counts an empty batch as nothing, and a batch of resets outside the averages', async () => {
        await sut.recordEnds([], T0);
        await sut.recordEnds([{ reason: 'admin_reset', finished: false, lifetimeMs: 1, turns: 1 }], T0);
        const totals = await sut.totals();
        expect(totals).toMatchObject({ finishedCount: 0, lifetimeMsSum: 0, turnsSum: 0 });
        expect(totals.endedTotal).toMatchObject({ admin_reset: 1, expired: 0 });
        expect((await sut.minutes(minute, minute))[0].ended).toBe(1);
      });

      it('loses no increment when batches and single ends run concurrently', async () => {
        await Promise.all([
          ...Array.from({ length: 10 }, () => sut.recordEnds(ends, T0)),
          ...Array.from({ length: 10 }, () => sut.recordEnded('expired', true, 1, 1, T0)),
        ]);
        const totals = await sut.totals();
        expect(totals.endedTotal).toMatchObject({ expired: 30, client_reset: 10, evicted: 10 });
        expect(totals).toMatchObject({ finishedCount: 40, turnsSum: 60 });
        expect((await sut.minutes(minute, minute))[0].ended).toBe(50);
      });
    });

    describe('createdBetween', () => {
      it('counts creations per minute over a range of minutes', async () => {
        const minute = Math.floor(T0 / 60_000);
        await sut.recordCreated(T0);
        await sut.recordCreated(T0 + 60_000);
        await sut.recordCreated(T0 + 60_000);
        await sut.recordCreated(T0 + 30 * 60_000);
        expect(await sut.createdBetween(minute, minute)).toBe(1);
        expect(await sut.createdBetween(minute, minute + 1)).toBe(3);
        expect(await sut.createdBetween(minute + 2, minute + 30)).toBe(1);
        expect(await sut.createdBetween(minute - 10, minute - 1)).toBe(0);
      });
    });

    describe('minutes', () => {
      const minute = Math.floor(T0 / 60_000);

      it('gives one entry per minute, oldest first, zeros included', async () => {
        await sut.recordCreated(T0);
        await sut.recordCreated(T0 + 1_000);
        await sut.recordQuery(T0 + 2_000);
        await sut.recordEnded('client_closed', true, 5_000, 2, T0 + 60_000);
        await sut.recordEnded('admin_reset', false, 5_000, 2, T0 + 60_000);
        await sut.recordProactiveSent(T0 + 3 * 60_000);
        expect(await sut.minutes(minute - 1, minute + 3)).toEqual([
          { minute: minute - 1, created: 0, ended: 0, queries: 0, proactiveSent: 0 },
          { minute, created: 2, ended: 0, queries: 1, proactiveSent: 0 },
          { minute: minute + 1, created: 0, ended: 2, queries: 0, proactiveSent: 0 },
          { minute: minute + 2, created: 0, ended: 0, queries: 0, proactiveSent: 0 },
          { minute: minute + 3, created: 0, ended: 0, queries: 0, proactiveSent: 1 },
        ]);
      });

      it('keeps a whole day: the minute 1,439 minutes back is still there', async () => {
        await sut.recordCreated(T0);
        await sut.recordQuery(T0 + 1439 * 60_000);
        const day = await sut.minutes(minute, minute + 1439);
        expect(day).toHaveLength(1440);
        expect(day[0]).toMatchObject({ minute, created: 1 });
        expect(day[1439]).toMatchObject({ minute: minute + 1439, queries: 1 });
        expect(day.slice(1, 1439).every((m) => m.created + m.ended + m.queries === 0)).toBe(true);
      });

      it('loses no increment of one minute under concurrency', async () => {
        await Promise.all(Array.from({ length: 40 }, (_, i) => sut.recordQuery(T0 + i)));
        expect((await sut.minutes(minute, minute))[0].queries).toBe(40);
      });
    });

    describe('activeAlerts', () => {
      it('keeps what was set last, empty at first', async () => {
        expect(await sut.activeAlerts()).toEqual([]);
        const alert = { name: 'store_memory', message: 'm', since: '2026-01-01T00:00:00.000Z' };
        await sut.setActiveAlerts([alert]);
        expect(await sut.activeAlerts()).toEqual([alert]);
        await sut.setActiveAlerts([]);
        expect(await sut.activeAlerts()).toEqual([]);
      });
    });

    describe('queriesLastMinute', () => {
      it('counts the queries of the last 60 seconds only', async () => {
        await sut.recordQuery(T0);
        await sut.recordQuery(T0 + 20_000);
        await sut.recordQuery(T0 + 59_000);
        expect(await sut.queriesLastMinute(T0 + 59_500)).toBe(3);
        expect(await sut.queriesLastMinute(T0 + 60_000)).toBe(2);
        expect(await sut.queriesLastMinute(T0 + 200_000)).toBe(0);
      });

      it('takes a batch of queries counted in memory as one write', async () => {
        await sut.recordQuery(T0, 5);
        await sut.recordQuery(T0 + 30_000, 2);
        expect(await sut.queriesLastMinute(T0 + 30_500)).toBe(7);
        expect(await sut.queriesLastMinute(T0 + 60_000)).toBe(2);
        const minutes = await sut.minutes(Math.floor(T0 / 60_000), Math.floor((T0 + 30_000) / 60_000));
        expect(minutes.reduce((sum, minute) => sum + minute.queries, 0)).toBe(7);
      });
    });
  });
}
