import { NewSession, SessionRepository, SessionStoreSettings } from './session.repository';
import { NewTurn } from '../domain';

/** The settings every contract case runs with: times are explicit `now` values, never sleeps. */
export const CONTRACT_SETTINGS: SessionStoreSettings = {
  idleTtlMs: 10_000,
  keyTtlMs: 60_000,
  historyMaxTurns: 6,
  outboxMaxLength: 100,
};

export interface ContractSubject {
  sut: SessionRepository;
  cleanup(): Promise<void>;
}

let counter = 0;
/** A new session's fields, with an id no other case uses. */
export const newSession = (overrides: Partial<NewSession> = {}): NewSession => ({
  id: `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
  locale: 'zh-CN',
  metadata: { museum: 'palace' },
  clientIp: '10.0.0.1',
  userAgent: 'jest',
  ...overrides,
});
const turn = (role: NewTurn['role'], text: string, createdAt = 1): NewTurn => ({ role, text, createdAt });
const T0 = 1_700_000_000_000;

/** One suite, run against every SessionRepository adapter, so they cannot drift apart. */
export function describeSessionRepositoryContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`SessionRepository contract: ${name}`, () => {
    let subject: ContractSubject;
    let sut: SessionRepository;

    beforeEach(async () => {
      subject = await make();
      sut = subject.sut;
    });
    afterEach(() => subject.cleanup());

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

    describe('outbox', () => {
      it('delivers messages after a cursor, counts pending ones and acknowledges forward only', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        const first = await sut.pushMessage(
          id,
          { kind: 'greeting', text: 'welcome', createdAt: T0 + 1 },
          T0 + 1,
        );
        const second = await sut.pushMessage(
          id,
          { kind: 'poi', text: 'gate', poiId: 'gate', createdAt: T0 + 2 },
          T0 + 2,
        );
        expect(first && second).toBeTruthy();
        const all = await sut.readMessages(id, null, 50);
        expect(all.pending).toBe(2);
        expect(all.messages).toEqual([
          { id: first!.id, kind: 'greeting', text: 'welcome', createdAt: T0 + 1 },
          { id: second!.id, kind: 'poi', text: 'gate', poiId: 'gate', createdAt: T0 + 2 },
        ]);
        await sut.acknowledge(id, first!.id);
        await sut.acknowledge(id, '0');
        expect(await sut.readMessages(id, null, 50)).toMatchObject({
          messages: [{ id: second!.id }],
          pending: 1,
        });
        expect((await sut.readMessages(id, second!.id, 50)).messages).toEqual([]);
        const view = await sut.find(id, T0 + 3);
        expect(view).toMatchObject({ pendingMessages: 1, turnCount: 2, lastActivityAt: T0 });
        expect((await sut.history(id, 50, null)).turns.map((t) => [t.role, t.text])).toEqual([
          ['proactive', 'welcome'],
          ['proactive', 'gate'],
        ]);
      });

      it('delivers a message with a delivery key once per session, even concurrently and across a reset', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        const other = (await sut.create(newSession(), T0, 100)).record.id;
        const greeting = { kind: 'greeting', text: 'welcome', createdAt: T0 + 1 } as const;
        const attempts = await Promise.all(
          [1, 2, 3].map(() => sut.pushMessage(id, greeting, T0 + 1, 'greeting')),
        );
        expect(attempts.filter(Boolean)).toHaveLength(1);
        expect(await sut.pushMessage(other, greeting, T0 + 1, 'greeting')).not.toBeNull();
        expect(await sut.pushMessage(id, greeting, T0 + 1, 'poi:gate')).not.toBeNull();
        expect(await sut.pushMessage(id, greeting, T0 + 1)).not.toBeNull(); // no key: always delivered
        expect((await sut.history(id, 50, null)).turns).toHaveLength(3);

        const { lastSeq } = (await sut.find(id, T0 + 2))!;
        await sut.clearConversation(id, lastSeq, T0 + 2, true);
        expect(await sut.pushMessage(id, greeting, T0 + 3, 'greeting')).toBeNull();
        expect((await sut.readMessages(id, null, 50)).messages).toEqual([]);
        expect((await sut.history(id, 50, null)).turns).toEqual([]);
      });

      it('pushes nothing to an ended or expired session', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        const late = T0 + CONTRACT_SETTINGS.idleTtlMs + 1;
        expect(await sut.pushMessage(id, { kind: 'tip', text: 'x', createdAt: late }, late)).toBeNull();
      });

      it('announces a POI once per session', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        const results = await Promise.all([1, 2, 3].map(() => sut.markOnce(id, 'poi:gate', T0 + 1)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await sut.markOnce(id, 'poi:hall', T0 + 1)).toBe(true);
        expect(await sut.isMarked(id, 'poi:gate')).toBe(true);
        expect(await sut.isMarked(id, 'poi:tower')).toBe(false);
        expect(await sut.isMarked('3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', 'poi:gate')).toBe(false);
      });

      it('remembers the last location', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        await sut.setLocation(id, 39.9163, 116.3972, T0 + 1);
        expect(await sut.find(id, T0 + 2)).toMatchObject({ lastLat: 39.9163, lastLon: 116.3972 });
        expect(await sut.storeBytes(id)).toBeGreaterThan(0);
      });
    });
  });
}
