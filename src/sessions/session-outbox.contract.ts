import {
  CONTRACT_SETTINGS,
  ContractSubject,
  eachCaseOn,
  newSession,
  T0,
  turn,
} from './session-contract.fixtures';
import { SessionRepository } from './session.repository';

/** The outbox, once-markers and location cases, run against every SessionRepository adapter. */
export function describeOutboxContract(name: string, make: () => Promise<ContractSubject>): void {
  describe(`SessionRepository contract (outbox, markers, location): ${name}`, () => {
    let sut: SessionRepository;
    eachCaseOn(make, (made) => (sut = made));

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

      it('pushes one message to many sessions at once, as to each alone', async () => {
        const [fresh, served] = [
          (await sut.create(newSession(), T0, 100)).record.id,
          (await sut.create(newSession(), T0, 100)).record.id,
        ];
        const unknown = '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
        const note = { kind: 'broadcast', text: 'closing at six', createdAt: T0 + 1 } as const;
        expect(await sut.pushMessage(served, note, T0 + 1, 'broadcast:b1')).not.toBeNull();
        const sent = await sut.pushMessages([fresh, unknown, served], note, T0 + 1, 'broadcast:b1');
        expect(sent).toEqual([{ ...note, id: expect.any(String), after: '0' }, null, null]);
        const { after, ...stored } = sent[0]!;
        expect(await sut.readMessages(fresh, null, 50)).toEqual({
          messages: [stored],
          pending: 1,
          from: after,
        });
        const next = await sut.pushMessages([fresh], note, T0 + 2);
        expect(next).toEqual([{ ...note, id: expect.any(String), after: stored.id }]);
        expect((await sut.readMessages(fresh, stored.id, 50)).messages).toEqual([
          { ...next[0], after: undefined },
        ]);
        expect((await sut.readMessages(served, null, 50)).messages).toHaveLength(1);
        expect(await sut.pushMessages([], note, T0 + 1)).toEqual([]);
      });

      it('tells each pushed message the id it follows: none in an empty outbox, none after a clear', async () => {
        const { id } = (await sut.create(newSession(), T0, 100)).record;
        const note = (text: string, at: number) => ({ kind: 'broadcast', text, createdAt: at }) as const;
        const [first] = await sut.pushMessages([id], note('first', T0 + 1), T0 + 1);
        const [second] = await sut.pushMessages([id], note('second', T0 + 2), T0 + 2);
        expect([first?.after, second?.after]).toEqual(['0', first?.id]);
        const { lastSeq } = (await sut.find(id, T0 + 3))!;
        await sut.clearConversation(id, lastSeq, T0 + 3, true);
        const [afterClear] = await sut.pushMessages([id], note('third', T0 + 4), T0 + 4);
        expect(afterClear?.after).toBe('0');
      });

      it('makes a message pushed to many sessions a proactive turn of each, trimmed to the history cap', async () => {
        const created = async () => (await sut.create(newSession(), T0, 100)).record.id;
        const [full, fresh, messaged] = [await created(), await created(), await created()];
        const max = CONTRACT_SETTINGS.historyMaxTurns;
        await sut.appendTurns(
          full,
          Array.from({ length: max }, (_, i) => turn(i % 2 ? 'assistant' : 'user', `t${i}`, T0)),
          T0,
          false,
        );
        await sut.pushMessage(messaged, { kind: 'tip', text: 'earlier', createdAt: T0 + 1 }, T0 + 1);
        const note = { kind: 'broadcast', text: 'closing at six', createdAt: T0 + 2 } as const;
        const sent = await sut.pushMessages([full, fresh, messaged], note, T0 + 2, 'broadcast:b2');
        expect(sent.every(Boolean)).toBe(true);
        const turns = async (id: string) =>
          (await sut.history(id, 50, null)).turns.map((t) => [t.seq, t.role, t.text, t.createdAt]);
        expect(await turns(full)).toEqual([
          ...Array.from({ length: max - 1 }, (_, i) => [
            i + 2,
            i % 2 ? 'user' : 'assistant',
            `t${i + 1}`,
            T0,
          ]),
          [max + 1, 'proactive', 'closing at six', T0 + 2],
        ]);
        expect(await turns(fresh)).toEqual([[1, 'proactive', 'closing at six', T0 + 2]]);
        expect(await turns(messaged)).toEqual([
          [1, 'proactive', 'earlier', T0 + 1],
          [2, 'proactive', 'closing at six', T0 + 2],
        ]);
        const counts = async (id: string) => {
          const record = (await sut.find(id, T0 + 3))!;
          return [record.turnCount, record.lastSeq];
        };
        expect(await counts(full)).toEqual([max + 1, max + 1]);
        expect(await counts(fresh)).toEqual([1, 1]);
        expect(await counts(messaged)).toEqual([2, 2]);
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
    });
  });
}
