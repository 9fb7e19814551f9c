import {
  CONTRACT_SETTINGS,
  ContractSubject,
  eachCaseOn,
  newSession,
  turn,
  T0,
} from './session-contract.fixtures';
import { SessionRepository } from './session.repository';

/** Ending, reset, restore, the cap and the activity index, run against every SessionRepository adapter. */
export function describeLifecycleContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`SessionRepository contract (end, reset, restore, activity index): ${name}`, () => {
    let sut: SessionRepository;
    eachCaseOn(make, (made) => (sut = made));

    describe('markEnded / snapshot / purge', () => {
      it('ends a live session: gone for reads, still there to archive, then purged', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        await sut.appendTurns(id, [turn('user', 'q'), turn('assistant', 'a')], T0 + 1, true);
        expect(await sut.markEnded(id, 'client_closed', T0 + 2, 'live')).toEqual({
          status: 'ended',
          reason: 'client_closed',
        });
        expect(await sut.find(id, T0 + 2)).toBeNull();
        expect(await sut.count()).toBe(0);
        const snapshot = await sut.snapshot(id);
        expect(snapshot?.record.endReason).toBe('client_closed');
        expect(snapshot?.turns.map((t) => t.text)).toEqual(['q', 'a']);
        const purges = await Promise.all([sut.purge(id), sut.purge(id)]);
        expect(purges.sort()).toEqual([false, true]);
        expect(await sut.snapshot(id)).toBeNull();
      });

      it('keeps the first end reason when a second end races it', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        await sut.markEnded(id, 'admin_deleted', T0 + 1, 'live');
        expect(await sut.markEnded(id, 'expired', T0 + 2, 'any')).toEqual({
          status: 'ended',
          reason: 'admin_deleted',
        });
      });

      it('ends by expiry only what has expired', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        expect(await sut.markEnded(id, 'expired', T0 + 1, 'expired')).toEqual({ status: 'not_ended' });
        const late = T0 + CONTRACT_SETTINGS.idleTtlMs + 1;
        expect(await sut.markEnded(id, 'client_closed', late, 'live')).toEqual({ status: 'not_ended' });
        expect(await sut.markEnded(id, 'expired', late, 'expired')).toEqual({
          status: 'ended',
          reason: 'expired',
        });
      });
    });

    describe('clearConversation', () => {
      it('clears history and outbox, starts a new generation and never reuses a seq', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        await sut.appendTurns(id, [turn('user', 'q'), turn('assistant', 'a')], T0 + 1, true);
        await sut.pushMessage(id, { kind: 'tip', text: 'tip', createdAt: T0 + 2 }, T0 + 2);
        expect(await sut.clearConversation(id, 2, T0 + 3, true)).toBe('changed');
        const cleared = await sut.clearConversation(id, 3, T0 + 3, true);
        expect(cleared).toMatchObject({
          id,
          turnCount: 0,
          generation: 1,
          pendingMessages: 0,
          lastSeq: 3,
          lastActivityAt: T0 + 3,
        });
        expect((await sut.history(id, 50, null)).turns).toEqual([]);
        expect((await sut.readMessages(id, null, 50)).messages).toEqual([]);
        const next = await sut.appendTurns(id, [turn('user', 'again')], T0 + 4, true);
        expect(next?.[0].seq).toBe(4);
        await sut.clearConversation(id, 4, T0 + 5, false);
        expect(await sut.find(id, T0 + 6)).toMatchObject({ generation: 2, lastActivityAt: T0 + 4 });
      });
    });

    describe('restore', () => {
      it('brings a purged snapshot back with its history, and refuses a live id', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        await sut.appendTurns(id, [turn('user', 'q'), turn('assistant', 'a')], T0 + 1, true);
        await sut.markEnded(id, 'expired', T0 + 1 + CONTRACT_SETTINGS.idleTtlMs + 1, 'expired');
        const snapshot = await sut.snapshot(id);
        await sut.purge(id);
        const later = T0 + 100_000;
        expect(await sut.restore(snapshot!, later, 100)).toEqual([]);
        expect(await sut.restore(snapshot!, later, 100)).toBeNull();
        expect(await sut.find(id, later + 1)).toMatchObject({
          lastActivityAt: later,
          turnCount: 2,
          endReason: null,
        });
        expect((await sut.history(id, 50, null)).turns.map((t) => t.text)).toEqual(['q', 'a']);
        expect(await sut.appendTurns(id, [turn('user', 'q2')], later + 2, true)).toMatchObject([{ seq: 3 }]);
      });
      it('restores under the same cap as create', async () => {
        const gone = (await sut.create(newSession(), T0, 100)).record.id;
        await sut.markEnded(gone, 'client_closed', T0 + 1, 'live');
        const snapshot = await sut.snapshot(gone);
        await sut.purge(gone);
        const oldest = (await sut.create(newSession(), T0 + 2, 2)).record.id;
        await sut.create(newSession(), T0 + 3, 2);
        expect(await sut.restore(snapshot!, T0 + 4, 2)).toEqual([oldest]);
        expect(await sut.count()).toBe(2);
      });
    });

    describe('cap and activity index', () => {
      it('evicts the least recently active sessions beyond the cap', async () => {
        const a = (await sut.create(newSession(), T0, 2)).record.id;
        const b = (await sut.create(newSession(), T0 + 1, 2)).record.id;
        await sut.touch(a, T0 + 2, null);
        const { evicted } = await sut.create(newSession(), T0 + 3, 2);
        expect(evicted).toEqual([b]);
        expect(await sut.count()).toBe(2);
        expect(await sut.sweepCandidates(0, T0 + 4, 10)).toEqual([b]);
      });

      it('never exceeds the cap under concurrent creation', async () => {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => sut.create(newSession(), T0 + i, 5)),
        );
        expect(await sut.count()).toBe(5);
        expect(results.flatMap((r) => r.evicted)).toHaveLength(15);
      });

      it('lists sessions most recently active first, page by page', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) ids.push((await sut.create(newSession(), T0 + i, 100)).record.id);
        const first = await sut.listByActivity(2, null);
        expect(first.ids).toEqual([ids[2], ids[1]]);
        const second = await sut.listByActivity(2, first.nextCursor);
        expect(second).toEqual({ ids: [ids[0]], nextCursor: null });
        expect(await sut.leastRecentlyActive(1)).toEqual([ids[0]]);
        expect(await sut.activeBetween(T0 + 1, T0 + 2, 10)).toEqual([ids[1]]);
        expect(await sut.sweepCandidates(T0 + 1, 0, 10)).toEqual([ids[0]]);
      });
    });
  });
}
