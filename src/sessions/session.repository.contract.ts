import {
  CONTRACT_SETTINGS,
  ContractSubject,
  eachCaseOn,
  newSession,
  turn,
  T0,
} from './session-contract.fixtures';
import { SessionRepository } from './session.repository';

/** Create, find, touch and history cases, run against every SessionRepository adapter. */
export function describeSessionRepositoryContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`SessionRepository contract (create, touch, history): ${name}`, () => {
    let sut: SessionRepository;
    eachCaseOn(make, (made) => (sut = made));

    describe('create / find', () => {
      it('creates a session that can be found with its fields', async () => {
        const session = newSession();
        const { record, evicted } = await sut.create(session, T0, 100);
        expect(evicted).toEqual([]);
        expect(record).toMatchObject({ id: session.id, createdAt: T0, lastActivityAt: T0, turnCount: 0 });
        expect(await sut.find(session.id, T0 + 1)).toMatchObject({
          locale: 'zh-CN',
          metadata: { museum: 'palace' },
          clientIp: '10.0.0.1',
          generation: 0,
          pendingMessages: 0,
          endReason: null,
        });
      });

      it('finds nothing for an unknown id', async () => {
        expect(await sut.find(newSession().id, T0)).toBeNull();
      });

      it('treats a session past its idle TTL as gone at once', async () => {
        const { id } = newSession();
        await sut.create({ ...newSession(), id }, T0, 100);
        expect(await sut.find(id, T0 + CONTRACT_SETTINGS.idleTtlMs)).not.toBeNull();
        expect(await sut.find(id, T0 + CONTRACT_SETTINGS.idleTtlMs + 1)).toBeNull();
      });
    });

    describe('touch', () => {
      it('keeps a session alive past its first expiry', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        const later = T0 + CONTRACT_SETTINGS.idleTtlMs - 1;
        expect((await sut.touch(id, later, null)).status).toBe('ok');
        expect(await sut.find(id, later + CONTRACT_SETTINGS.idleTtlMs)).toMatchObject({
          lastActivityAt: later,
        });
      });

      it('never brings an expired session back', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        const late = T0 + CONTRACT_SETTINGS.idleTtlMs + 1;
        expect((await sut.touch(id, late, null)).status).toBe('gone');
        expect(await sut.find(id, T0 + 1)).toMatchObject({ lastActivityAt: T0 });
      });

      it('flags an IP change under the log policy and refuses it under reject', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        expect(await sut.touch(id, T0 + 1, { ip: '10.0.0.9', userAgent: null, policy: 'reject' })).toEqual({
          status: 'ip_mismatch',
        });
        const logged = await sut.touch(id, T0 + 2, { ip: '10.0.0.9', userAgent: 'ua2', policy: 'log' });
        expect(logged).toMatchObject({
          status: 'ok',
          ipChanged: true,
          record: { clientIp: '10.0.0.9', flags: ['ip_changed'] },
        });
        const again = await sut.touch(id, T0 + 3, { ip: '10.0.0.9', userAgent: null, policy: 'log' });
        expect(again).toMatchObject({
          ipChanged: false,
          record: { flags: ['ip_changed'], userAgent: 'ua2' },
        });
      });
    });

    describe('appendTurns / history', () => {
      it('assigns consecutive seqs and pages history oldest first', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        await sut.appendTurns(id, [turn('user', 'q1'), turn('assistant', 'a1')], T0 + 1, true);
        const saved = await sut.appendTurns(id, [turn('user', 'q2'), turn('assistant', 'a2')], T0 + 2, true);
        expect(saved?.map((t) => t.seq)).toEqual([3, 4]);
        expect(await sut.history(id, 3, null)).toEqual({
          turns: [
            { seq: 2, role: 'assistant', text: 'a1', createdAt: 1 },
            { seq: 3, role: 'user', text: 'q2', createdAt: 1 },
            { seq: 4, role: 'assistant', text: 'a2', createdAt: 1 },
          ],
          hasOlder: true,
        });
        const older = await sut.history(id, 3, 2);
        expect(older).toEqual({
          turns: [{ seq: 1, role: 'user', text: 'q1', createdAt: 1 }],
          hasOlder: false,
        });
        expect(await sut.find(id, T0 + 3)).toMatchObject({
          turnCount: 4,
          lastSeq: 4,
          lastActivityAt: T0 + 2,
        });
      });

      it('keeps only the newest turns while turnCount counts them all', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        for (let i = 0; i < 5; i++) {
          await sut.appendTurns(id, [turn('user', `q${i}`), turn('assistant', `a${i}`)], T0 + i, true);
        }
        const page = await sut.history(id, 50, null);
        expect(page.turns.map((t) => t.seq)).toEqual([5, 6, 7, 8, 9, 10]);
        expect(page.hasOlder).toBe(false);
        expect((await sut.find(id, T0 + 10))?.turnCount).toBe(10);
      });

      it('refuses to append to an expired, ended or unknown session', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        expect(
          await sut.appendTurns(id, [turn('user', 'late')], T0 + CONTRACT_SETTINGS.idleTtlMs + 1, true),
        ).toBeNull();
        await sut.markEnded(id, 'client_closed', T0 + 1, 'live');
        expect(await sut.appendTurns(id, [turn('user', 'after end')], T0 + 2, true)).toBeNull();
        expect(await sut.appendTurns(newSession().id, [turn('user', 'x')], T0, true)).toBeNull();
        expect(await sut.snapshot(newSession().id)).toBeNull();
      });

      it('does not count a non-touching append as activity', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        await sut.appendTurns(id, [turn('proactive', 'hello')], T0 + 5, false);
        expect(await sut.find(id, T0 + 6)).toMatchObject({ lastActivityAt: T0, turnCount: 1 });
      });
    });
  });
}
