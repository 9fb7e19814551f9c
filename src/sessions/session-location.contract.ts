import { CONTRACT_SETTINGS, ContractSubject, eachCaseOn, newSession, T0 } from './session-contract.fixtures';
import { CREATED_TRIGGER, LocationReport, SessionRepository } from './session.repository';

const report = (overrides: Partial<LocationReport> = {}): LocationReport => ({
  client: { ip: '10.0.0.1', userAgent: 'jest', policy: 'reject' },
  lat: 39.9,
  lon: 116.4,
  triggers: [],
  ...overrides,
});

/** A location report's store step (reportLocation), run against every adapter. */
export function describeLocationContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`SessionRepository contract (location report): ${name}`, () => {
    let sut: SessionRepository;
    let id: string;
    const pending = async () =>
      (await sut.pendingTriggers(T0 + 1_000_000, 100)).filter((entry) => entry.trigger !== CREATED_TRIGGER);

    eachCaseOn(make, async (made) => {
      sut = made;
      id = (await sut.create(newSession(), T0, 100)).record.id;
    });

    describe('reportLocation', () => {
      it('touches the session, stores the location, and records and marks each place entered', async () => {
        const result = await sut.reportLocation(id, T0 + 5, report({ triggers: ['poi:gate', 'poi:hall'] }));
        expect(result).toEqual({ status: 'ok', ipChanged: false, recorded: ['poi:gate', 'poi:hall'] });
        expect(await sut.find(id, T0 + 5 + CONTRACT_SETTINGS.idleTtlMs)).toMatchObject({
          lastActivityAt: T0 + 5,
          lastLat: 39.9,
          lastLon: 116.4,
        });
        expect(await sut.activeBetween(T0 + 5, T0 + 6, 10)).toEqual([id]);
        expect(await pending()).toEqual([
          { sessionId: id, trigger: 'poi:gate', at: T0 + 5 },
          { sessionId: id, trigger: 'poi:hall', at: T0 + 5 },
        ]);
        expect(await sut.isMarked(id, 'poi:gate')).toBe(true);
        expect(await sut.isMarked(id, 'poi:hall')).toBe(true);
      });

      it('records a place once per session, ever: not again after its trigger was cleared, nor after a reset', async () => {
        await sut.reportLocation(id, T0 + 1, report({ triggers: ['poi:gate'] }));
        await sut.clearTrigger(id, 'poi:gate');
        const again = await sut.reportLocation(id, T0 + 2, report({ triggers: ['poi:gate', 'poi:hall'] }));
        expect(again).toMatchObject({ status: 'ok', recorded: ['poi:hall'] });
        const { lastSeq } = (await sut.find(id, T0 + 3))!;
        await sut.clearConversation(id, lastSeq, T0 + 3, true);
        const afterReset = await sut.reportLocation(
          id,
          T0 + 4,
          report({ triggers: ['poi:gate', 'poi:hall'] }),
        );
        expect(afterReset).toMatchObject({ status: 'ok', recorded: [] });
        expect(await pending()).toEqual([{ sessionId: id, trigger: 'poi:hall', at: T0 + 2 }]);
      });

      it('records nothing for a place marked by markOnce, and keeps the first time of a trigger already pending', async () => {
        await sut.markOnce(id, 'poi:gate', T0 + 1);
        await sut.recordTrigger(id, 'poi:hall', T0 + 2);
        const result = await sut.reportLocation(id, T0 + 3, report({ triggers: ['poi:gate', 'poi:hall'] }));
        expect(result).toMatchObject({ status: 'ok', recorded: ['poi:hall'] });
        expect(await pending()).toEqual([{ sessionId: id, trigger: 'poi:hall', at: T0 + 2 }]);
      });

      it('gives each place to one of concurrent reports, with one pending trigger', async () => {
        const results = await Promise.all(
          [1, 2, 3, 4].map((i) => sut.reportLocation(id, T0 + i, report({ triggers: ['poi:gate'] }))),
        );
        const recorded = results.flatMap((result) => (result.status === 'ok' ? result.recorded : []));
        expect(recorded).toEqual(['poi:gate']);
        expect(await pending()).toHaveLength(1);
      });

      it('answers gone for an unknown or expired session, and writes nothing', async () => {
        const unknown = newSession().id;
        expect(await sut.reportLocation(unknown, T0, report({ triggers: ['poi:gate'] }))).toEqual({
          status: 'gone',
        });
        const late = T0 + CONTRACT_SETTINGS.idleTtlMs + 1;
        expect(await sut.reportLocation(id, late, report({ triggers: ['poi:gate'] }))).toEqual({
          status: 'gone',
        });
        expect(await pending()).toEqual([]);
        expect(await sut.isMarked(id, 'poi:gate')).toBe(false);
        expect(await sut.sweepCandidates(T0 + 1, T0, 10)).toEqual([id]);
        expect((await sut.snapshot(id))?.record).toMatchObject({ lastActivityAt: T0, lastLat: null });
        expect(await sut.snapshot(unknown)).toBeNull();
      });

      it('applies the IP policy as touch does, writing nothing on a rejection', async () => {
        const other = { ip: '10.0.0.2', userAgent: 'jest', policy: 'reject' as const };
        const rejected = await sut.reportLocation(
          id,
          T0 + 1,
          report({ client: other, triggers: ['poi:gate'] }),
        );
        expect(rejected).toEqual({ status: 'ip_mismatch' });
        expect(await sut.find(id, T0 + 2)).toMatchObject({ lastActivityAt: T0, lastLat: null });
        expect(await pending()).toEqual([]);
        expect(await sut.isMarked(id, 'poi:gate')).toBe(false);
        const flagged = await sut.reportLocation(id, T0 + 2, report({ client: { ...other, policy: 'log' } }));
        expect(flagged).toEqual({ status: 'ok', ipChanged: true, recorded: [] });
        expect(await sut.find(id, T0 + 3)).toMatchObject({ flags: ['ip_changed'], clientIp: '10.0.0.2' });
      });
    });
  });
}
