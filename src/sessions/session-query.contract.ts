import {
  claimBy,
  CONTRACT_SETTINGS,
  ContractSubject,
  eachCaseOn,
  newSession,
  turn,
  T0,
} from './session-contract.fixtures';
import { QueryStart, SessionRepository } from './session.repository';

const start = (overrides: Partial<QueryStart> = {}): QueryStart => ({
  client: { ip: '10.0.0.1', userAgent: 'jest', policy: 'reject' },
  location: null,
  contextTurns: 2,
  claim: null,
  ...overrides,
});

/** The query path's two store steps (beginQuery, completeQuery), run against every adapter. */
export function describeQueryContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`SessionRepository contract (query path): ${name}`, () => {
    let sut: SessionRepository;
    let id: string;

    eachCaseOn(make, async (made) => {
      sut = made;
      id = (await sut.create(newSession(), T0, 100)).record.id;
      await sut.appendTurns(
        id,
        [turn('user', 'q1', T0), turn('assistant', 'a1', T0), turn('user', 'q2', T0)],
        T0,
        false,
      );
    });

    describe('beginQuery', () => {
      it('touches the session, stores the location and reads the newest context turns, oldest first', async () => {
        const result = await sut.beginQuery(id, T0 + 5, start({ location: { lat: 39.9, lon: 116.4 } }));
        expect(result).toMatchObject({
          status: 'ok',
          ipChanged: false,
          claim: null,
          record: { id, lastActivityAt: T0 + 5, lastLat: 39.9, lastLon: 116.4, turnCount: 3 },
        });
        expect(result.status === 'ok' && result.turns.map((t) => [t.seq, t.role, t.text])).toEqual([
          [2, 'assistant', 'a1'],
          [3, 'user', 'q2'],
        ]);
        expect(await sut.find(id, T0 + 5 + CONTRACT_SETTINGS.idleTtlMs)).toMatchObject({
          lastActivityAt: T0 + 5,
        });
        expect(await sut.listByActivity(10, null)).toEqual({ ids: [id], nextCursor: null });
        expect(await sut.activeBetween(T0 + 5, T0 + 6, 10)).toEqual([id]);
      });

      it('reads back awkward texts, metadata and user agents exactly, as written', async () => {
        const awkward = 'say "hi" \\ / \n\t\u0001 ]],[0 中文 🚀 ';
        const other = (await sut.create(newSession({ metadata: { z: awkward, a: '[2,"x"]' } }), T0, 100))
          .record.id;
        await sut.appendTurns(
          other,
          [{ ...turn('user', awkward, T0), hasImage: true }, turn('assistant', '', T0)],
          T0,
          false,
        );
        const client = { ip: '10.0.0.1', userAgent: awkward, policy: 'reject' as const };
        const result = await sut.beginQuery(other, T0 + 5, start({ client }));
        expect(result.status === 'ok' && result.record).toMatchObject({
          metadata: { z: awkward, a: '[2,"x"]' },
          userAgent: awkward,
        });
        expect(
          result.status === 'ok' && result.turns.map((t) => [t.role, t.text, t.hasImage ?? false]),
        ).toEqual([
          ['user', awkward, true],
          ['assistant', '', false],
        ]);
      });

      it('answers gone for an unknown or expired session and never brings it back', async () => {
        expect(await sut.beginQuery(newSession().id, T0, start())).toEqual({ status: 'gone' });
        const late = T0 + CONTRACT_SETTINGS.idleTtlMs + 1;
        expect(await sut.beginQuery(id, late, start({ location: { lat: 1, lon: 2 } }))).toEqual({
          status: 'gone',
        });
        expect(await sut.sweepCandidates(T0 + 1, T0, 10)).toEqual([id]);
        expect((await sut.snapshot(id))?.record).toMatchObject({ lastActivityAt: T0, lastLat: null });
      });

      it('applies the IP policy as touch does, changing nothing on a rejection', async () => {
        const other = { ip: '10.0.0.2', userAgent: 'jest', policy: 'reject' as const };
        expect(
          await sut.beginQuery(id, T0 + 1, start({ client: other, location: { lat: 1, lon: 2 } })),
        ).toEqual({
          status: 'ip_mismatch',
        });
        expect(await sut.find(id, T0 + 2)).toMatchObject({ lastActivityAt: T0, lastLat: null });
        const flagged = await sut.beginQuery(id, T0 + 2, start({ client: { ...other, policy: 'log' } }));
        expect(flagged).toMatchObject({ status: 'ok', ipChanged: true, record: { flags: ['ip_changed'] } });
      });

      it('claims the key in the same step; a repeat finds it held, and reads nothing nor stores a location', async () => {
        const first = await sut.beginQuery(
          id,
          T0 + 1,
          start({ claim: { claim: claimBy('a'), until: T0 + 5000 } }),
        );
        expect(first).toMatchObject({ status: 'ok', claim: { status: 'claimed' } });
        const repeat = await sut.beginQuery(
          id,
          T0 + 2,
          start({ claim: { claim: claimBy('b'), until: T0 + 6000 }, location: { lat: 1, lon: 2 } }),
        );
        expect(repeat).toMatchObject({
          status: 'ok',
          claim: { status: 'held', until: T0 + 5000 },
          turns: [],
        });
        expect(await sut.find(id, T0 + 3)).toMatchObject({ lastLat: null, lastActivityAt: T0 + 2 });
        const conflict = await sut.beginQuery(
          id,
          T0 + 3,
          start({ claim: { claim: claimBy('c', 'key-1', 'fp-2'), until: 1 } }),
        );
        expect(conflict).toMatchObject({ status: 'ok', claim: { status: 'conflict' }, turns: [] });
      });
    });

    describe('beginQuery with a rate-limit charge', () => {
      it('charges the budget first, whatever it finds; over the limit it does nothing else', async () => {
        const rateLimit = { key: `budget-${id}`, name: 'query', ttlMs: 60_000, limit: 2, blockMs: 60_000 };
        expect(await sut.beginQuery(id, T0 + 1, start({ rateLimit }))).toMatchObject({ status: 'ok' });
        expect(await sut.beginQuery(newSession().id, T0 + 2, start({ rateLimit }))).toEqual({
          status: 'gone',
        });
        const limited = await sut.beginQuery(
          id,
          T0 + 3,
          start({ rateLimit, location: { lat: 1, lon: 2 }, claim: { claim: claimBy('a'), until: T0 + 9 } }),
        );
        expect(limited).toEqual({ status: 'rate_limited', retryAfterMs: 60_000 });
        expect(await sut.find(id, T0 + 4)).toMatchObject({ lastActivityAt: T0 + 1, lastLat: null });
        expect(await sut.claimIdempotencyKey(id, claimBy('b'), T0 + 4, T0 + 5)).toEqual({
          status: 'claimed',
        });
        const other = { ...rateLimit, key: `other-${id}` };
        expect(await sut.beginQuery(id, T0 + 5, start({ rateLimit: other }))).toMatchObject({ status: 'ok' });
      });
    });

    describe('completeQuery', () => {
      it('appends the pair as activity and refreshes the index', async () => {
        const stored = await sut.completeQuery(
          id,
          [turn('user', 'q3', T0 + 7), turn('assistant', 'a3', T0 + 8)],
          T0 + 9,
          null,
        );
        expect(stored).toEqual({
          status: 'stored',
          turns: [
            { seq: 4, role: 'user', text: 'q3', createdAt: T0 + 7 },
            { seq: 5, role: 'assistant', text: 'a3', createdAt: T0 + 8 },
          ],
        });
        expect(await sut.find(id, T0 + 10)).toMatchObject({
          lastActivityAt: T0 + 9,
          turnCount: 5,
          lastSeq: 5,
        });
        expect(await sut.activeBetween(T0 + 9, T0 + 10, 10)).toEqual([id]);
      });

      it('stores one pair per key: the repeat gets the stored answer, and the next begin finds it answered', async () => {
        await sut.beginQuery(id, T0 + 1, start({ claim: { claim: claimBy('a'), until: T0 + 5000 } }));
        const pair = [turn('user', 'q3', T0 + 2), turn('assistant', 'a3', T0 + 3)];
        expect(await sut.completeQuery(id, pair, T0 + 4, claimBy('a'))).toMatchObject({ status: 'stored' });
        const answer = { seq: 5, role: 'assistant', text: 'a3', createdAt: T0 + 3 };
        expect(await sut.completeQuery(id, pair, T0 + 5, claimBy('b'))).toEqual({
          status: 'answered',
          answer,
        });
        const again = await sut.beginQuery(
          id,
          T0 + 6,
          start({ claim: { claim: claimBy('c'), until: T0 + 9000 } }),
        );
        expect(again).toMatchObject({ status: 'ok', claim: { status: 'answered', answer }, turns: [] });
        expect((await sut.history(id, 10, null)).turns).toHaveLength(5);
      });

      it('stores nothing once the session is gone', async () => {
        const late = T0 + CONTRACT_SETTINGS.idleTtlMs + 1;
        expect(await sut.completeQuery(id, [turn('user', 'q', late)], late, null)).toBeNull();
        expect(await sut.sweepCandidates(T0 + 1, T0, 10)).toEqual([id]);
      });
    });
  });
}
