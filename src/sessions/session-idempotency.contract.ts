import { randomUUID } from 'node:crypto';
import {
  claimBy,
  CONTRACT_SETTINGS,
  ContractSubject,
  eachCaseOn,
  newSession,
  T0,
} from './session-contract.fixtures';
import { SessionRepository } from './session.repository';
import { NewTurn } from '../domain';

const pair = (text: string): NewTurn[] => [
  { role: 'user', text, createdAt: T0 + 1 },
  { role: 'assistant', text: `answer to ${text}`, createdAt: T0 + 2 },
];

/** The idempotency-key cases of the SessionRepository contract, run against every adapter. */
export function describeIdempotencyContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`SessionRepository contract (idempotency keys): ${name}`, () => {
    let sut: SessionRepository;
    let id: string;

    eachCaseOn(make, async (made) => {
      sut = made;
      id = (await sut.create(newSession(), T0, 100)).record.id;
    });

    describe('claimIdempotencyKey', () => {
      it('claims a new key; another request finds it held until then, its holder may claim it again', async () => {
        expect(await sut.claimIdempotencyKey(id, claimBy('a'), T0, T0 + 5000)).toEqual({ status: 'claimed' });
        expect(await sut.claimIdempotencyKey(id, claimBy('b'), T0 + 1, T0 + 6000)).toEqual({
          status: 'held',
          until: T0 + 5000,
        });
        expect(await sut.claimIdempotencyKey(id, claimBy('a'), T0 + 2, T0 + 7000)).toEqual({
          status: 'claimed',
        });
        expect(await sut.claimIdempotencyKey(id, claimBy('b', 'key-2'), T0 + 2, T0 + 7000)).toEqual({
          status: 'claimed',
        });
      });

      it('lets another request take a key over once its holder ran out of time', async () => {
        await sut.claimIdempotencyKey(id, claimBy('a'), T0, T0 + 5000);
        expect(await sut.claimIdempotencyKey(id, claimBy('b'), T0 + 5000, T0 + 9000)).toEqual({
          status: 'claimed',
        });
        expect(await sut.claimIdempotencyKey(id, claimBy('a'), T0 + 5001, T0 + 9000)).toEqual({
          status: 'held',
          until: T0 + 9000,
        });
      });

      it('answers conflict for the same key with another text, held or answered', async () => {
        await sut.claimIdempotencyKey(id, claimBy('a'), T0, T0 + 5000);
        expect(await sut.claimIdempotencyKey(id, claimBy('b', 'key-1', 'fp-2'), T0, T0 + 5000)).toEqual({
          status: 'conflict',
        });
        await sut.appendTurnsOnce(id, pair('q'), T0 + 3, claimBy('a'));
        expect(await sut.claimIdempotencyKey(id, claimBy('c', 'key-1', 'fp-2'), T0 + 4, T0 + 5000)).toEqual({
          status: 'conflict',
        });
      });

      it('answers gone for an ended, expired or unknown session', async () => {
        const late = T0 + CONTRACT_SETTINGS.idleTtlMs + 1;
        expect(await sut.claimIdempotencyKey(id, claimBy('a'), late, late + 5000)).toEqual({
          status: 'gone',
        });
        await sut.markEnded(id, 'client_closed', T0 + 1, 'live');
        expect(await sut.claimIdempotencyKey(id, claimBy('a'), T0 + 2, T0 + 5000)).toEqual({
          status: 'gone',
        });
        expect(await sut.claimIdempotencyKey(randomUUID(), claimBy('a'), T0, T0 + 5000)).toEqual({
          status: 'gone',
        });
      });
    });

    describe('appendTurnsOnce', () => {
      it('stores the pair with the key; afterwards the key answers it and nothing more is stored', async () => {
        await sut.claimIdempotencyKey(id, claimBy('a'), T0, T0 + 5000);
        const stored = await sut.appendTurnsOnce(id, pair('q'), T0 + 3, claimBy('a'));
        expect(stored).toEqual({
          status: 'stored',
          turns: [
            { seq: 1, role: 'user', text: 'q', createdAt: T0 + 1 },
            { seq: 2, role: 'assistant', text: 'answer to q', createdAt: T0 + 2 },
          ],
        });
        const answer = { seq: 2, role: 'assistant', text: 'answer to q', createdAt: T0 + 2 };
        expect(await sut.claimIdempotencyKey(id, claimBy('b'), T0 + 4, T0 + 5000)).toEqual({
          status: 'answered',
          answer,
        });
        expect(await sut.appendTurnsOnce(id, pair('q'), T0 + 5, claimBy('b'))).toEqual({
          status: 'answered',
          answer,
        });
        expect((await sut.history(id, 50, null)).turns).toHaveLength(2);
        expect(await sut.find(id, T0 + 6)).toMatchObject({ turnCount: 2, lastActivityAt: T0 + 3 });
      });

      it('stores one pair per key when holders race, whoever holds the key', async () => {
        await sut.claimIdempotencyKey(id, claimBy('a'), T0, T0 + 5000);
        const results = await Promise.all(
          ['a', 'b', 'c'].map((token) => sut.appendTurnsOnce(id, pair('q'), T0 + 3, claimBy(token))),
        );
        expect(results.filter((result) => result?.status === 'stored')).toHaveLength(1);
        expect(results.filter((result) => result?.status === 'answered')).toHaveLength(2);
        expect((await sut.history(id, 50, null)).turns.map((turn) => turn.seq)).toEqual([1, 2]);
      });

      it('keeps the key across a reset, and stores nothing for a session that is gone', async () => {
        await sut.appendTurnsOnce(id, pair('q'), T0 + 3, claimBy('a'));
        await sut.clearConversation(id, 2, T0 + 4, true);
        expect(await sut.claimIdempotencyKey(id, claimBy('b'), T0 + 5, T0 + 5000)).toMatchObject({
          status: 'answered',
          answer: { seq: 2 },
        });
        await sut.markEnded(id, 'client_closed', T0 + 6, 'live');
        expect(await sut.appendTurnsOnce(id, pair('r'), T0 + 7, claimBy('a', 'key-2'))).toBeNull();
      });
    });

    describe('releaseIdempotencyKey', () => {
      it('lets the holder give a key up so the next request claims it; nobody else can, nor after the answer', async () => {
        await sut.claimIdempotencyKey(id, claimBy('a'), T0, T0 + 5000);
        await sut.releaseIdempotencyKey(id, claimBy('b'));
        expect(await sut.claimIdempotencyKey(id, claimBy('b'), T0 + 1, T0 + 5000)).toMatchObject({
          status: 'held',
        });
        await sut.releaseIdempotencyKey(id, claimBy('a'));
        expect(await sut.claimIdempotencyKey(id, claimBy('b'), T0 + 2, T0 + 5000)).toEqual({
          status: 'claimed',
        });
        await sut.appendTurnsOnce(id, pair('q'), T0 + 3, claimBy('b'));
        await sut.releaseIdempotencyKey(id, claimBy('b'));
        expect(await sut.claimIdempotencyKey(id, claimBy('c'), T0 + 4, T0 + 5000)).toMatchObject({
          status: 'answered',
        });
      });
    });
  });
}
