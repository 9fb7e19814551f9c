import { randomUUID } from 'node:crypto';
import { ContractSubject, eachCaseOn, newSession, T0 } from './session-contract.fixtures';
import { CREATED_TRIGGER, SessionRepository } from './session.repository';

/** The durability cases of the SessionRepository contract (triggers, confirmed writes), run against every adapter. */
export function describeDurabilityContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`SessionRepository contract (durable triggers, confirmed writes): ${name}`, () => {
    let sut: SessionRepository;
    eachCaseOn(make, (made) => (sut = made));

    it('records the created trigger with every create, pending until cleared', async () => {
      const first = (await sut.create(newSession(), T0, 100)).record.id;
      const second = (await sut.create(newSession(), T0 + 10, 100)).record.id;
      expect(await sut.pendingTriggers(T0 + 11, 10)).toEqual([
        { sessionId: first, trigger: CREATED_TRIGGER, at: T0 },
        { sessionId: second, trigger: CREATED_TRIGGER, at: T0 + 10 },
      ]);
      expect(await sut.pendingTriggers(T0 + 10, 10)).toEqual([
        { sessionId: first, trigger: CREATED_TRIGGER, at: T0 },
      ]);
      expect(await sut.pendingTriggers(T0 + 11, 1)).toHaveLength(1);
      await sut.clearTrigger(first, CREATED_TRIGGER);
      await sut.clearTrigger(first, CREATED_TRIGGER);
      expect(await sut.pendingTriggers(T0 + 11, 10)).toEqual([
        { sessionId: second, trigger: CREATED_TRIGGER, at: T0 + 10 },
      ]);
    });

    it('keeps the first time of a trigger recorded twice, and one entry per session and trigger', async () => {
      const id = (await sut.create(newSession(), T0, 100)).record.id;
      await sut.clearTrigger(id, CREATED_TRIGGER);
      await Promise.all([
        sut.recordTrigger(id, 'poi:gate', T0 + 5),
        sut.recordTrigger(id, 'poi:gate', T0 + 5),
        sut.recordTrigger(id, 'poi:hall', T0 + 6),
      ]);
      await sut.recordTrigger(id, 'poi:gate', T0 + 7);
      expect(await sut.pendingTriggers(T0 + 100, 10)).toEqual([
        { sessionId: id, trigger: 'poi:gate', at: T0 + 5 },
        { sessionId: id, trigger: 'poi:hall', at: T0 + 6 },
      ]);
      await sut.clearTrigger(id, 'poi:gate');
      expect(await sut.pendingTriggers(T0 + 100, 10)).toEqual([
        { sessionId: id, trigger: 'poi:hall', at: T0 + 6 },
      ]);
    });

    it('records no created trigger when an archived session is restored', async () => {
      const id = (await sut.create(newSession(), T0, 100)).record.id;
      await sut.clearTrigger(id, CREATED_TRIGGER);
      await sut.markEnded(id, 'client_closed', T0 + 1, 'live');
      const snapshot = await sut.snapshot(id);
      await sut.purge(id);
      await sut.restore(snapshot!, T0 + 2, 100);
      expect(await sut.pendingTriggers(T0 + 100, 10)).toEqual([]);
    });

    it('confirms the writes of a session (no replica acknowledgement asked for: at once)', async () => {
      const id = (await sut.create(newSession(), T0, 100)).record.id;
      await sut.appendTurns(id, [{ role: 'user', text: 'q', createdAt: T0 }], T0 + 1, true);
      await expect(sut.confirmWrites(id)).resolves.toBeUndefined();
      await expect(sut.confirmWrites(randomUUID())).resolves.toBeUndefined();
    });
  });
}
