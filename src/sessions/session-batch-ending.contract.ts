import { CONTRACT_SETTINGS, newSession, turn, T0 } from './session-contract.fixtures';
import { BatchMark, SessionBatchEnding } from './session-batch-ending.port';
import { SessionRepository } from './session.repository';

export interface BatchEndingSubject {
  /** The batch port under test, over the same store as `sessions`. */
  sut: SessionBatchEnding;
  sessions: SessionRepository;
  /** The ids some key of the store still names (every key, not only the hash). */
  idsWithKeys(ids: readonly string[]): Promise<string[]>;
  cleanup(): Promise<void>;
}

const EXPIRED_AT = T0 + CONTRACT_SETTINGS.idleTtlMs + 1;
const statuses = (marks: BatchMark[]) => marks.map((mark) => [mark.id, mark.status]);

/** The cases every SessionBatchEnding adapter passes, against its real store. */
export function describeBatchEndingContract(name: string, make: () => Promise<BatchEndingSubject>): void {
  describe(`SessionBatchEnding contract: ${name}`, () => {
    let subject: BatchEndingSubject;
    let sut: SessionBatchEnding;
    let sessions: SessionRepository;
    beforeEach(async () => {
      subject = await make();
      ({ sut, sessions } = subject);
    });
    afterEach(() => subject.cleanup());

    /** A session created at `at` with one question and its answer. */
    async function conversation(at = T0): Promise<string> {
      const { id } = (await sessions.create(newSession(), at, 1000)).record;
      await sessions.appendTurns(id, [turn('user', `q of ${id}`, at), turn('assistant', 'a', at)], at, true);
      return id;
    }

    describe('markAndRead', () => {
      it('marks the expired with their content, keeps the live, and finds the unknown gone', async () => {
        const expired = [await conversation(), await conversation()];
        const live = await conversation(T0 + 5_000);
        const unknown = newSession().id;
        const marks = await sut.markAndRead(
          [expired[0], live, unknown, expired[1]],
          'expired',
          EXPIRED_AT,
          'expired',
        );
        expect(statuses(marks)).toEqual([
          [expired[0], 'ended'],
          [live, 'kept'],
          [unknown, 'gone'],
          [expired[1], 'ended'],
        ]);
        const first = marks[0];
        expect(first).toMatchObject({
          reason: 'expired',
          snapshot: { record: { id: expired[0], endReason: 'expired', turnCount: 2 } },
        });
        if (first.status !== 'ended') throw new Error('not ended');
        expect(first.snapshot.turns.map((t) => [t.seq, t.role, t.text])).toEqual([
          [1, 'user', `q of ${expired[0]}`],
          [2, 'assistant', 'a'],
        ]);
        expect(await sessions.find(live, EXPIRED_AT)).not.toBeNull();
      });

      it('takes the ended out of the activity index into the ending set, gone for every call', async () => {
        const id = await conversation();
        const live = await conversation(T0 + 5_000);
        await sut.markAndRead([id, live], 'expired', EXPIRED_AT, 'expired');
        expect((await sessions.listByActivity(10, null)).ids).toEqual([live]);
        expect(await sessions.sweepCandidates(0, EXPIRED_AT + 1, 10)).toEqual([id]);
        expect((await sessions.touch(id, T0 + 1, null)).status).toBe('gone');
        expect(await sessions.appendTurns(id, [turn('user', 'late')], T0 + 1, true)).toBeNull();
        expect((await sessions.snapshot(id))?.record.endReason).toBe('expired');
      });

      it('keeps the reason of an end already in force, with the first time it began ending', async () => {
        const id = await conversation();
        await sessions.markEnded(id, 'admin_deleted', T0 + 1, 'live');
        const [mark] = await sut.markAndRead([id], 'expired', EXPIRED_AT, 'expired');
        expect(mark).toMatchObject({ status: 'ended', reason: 'admin_deleted' });
        expect(await sessions.sweepCandidates(0, T0 + 2, 10)).toEqual([id]);
      });

      it('honours the mode as markEnded does', async () => {
        const live = await conversation(T0 + 5_000);
        const expired = await conversation();
        const onlyLive = await sut.markAndRead([live, expired], 'shutdown', EXPIRED_AT, 'live');
        expect(statuses(onlyLive)).toEqual([
          [live, 'ended'],
          [expired, 'kept'],
        ]);
        const any = await sut.markAndRead([expired], 'expired', EXPIRED_AT, 'any');
        expect(any).toMatchObject([{ status: 'ended', reason: 'expired' }]);
      });

      it('marks again what a crash left marked but not purged, with the same content', async () => {
        const id = await conversation();
        const [first] = await sut.markAndRead([id], 'expired', EXPIRED_AT, 'expired');
        const [again] = await sut.markAndRead([id], 'expired', EXPIRED_AT + 60_000, 'expired');
        expect(again).toEqual(first);
      });

      it('reads exactly what a single snapshot reads, whatever the texts and metadata hold', async () => {
        const awkward = 'say "hi" \\ / \n\t\u0001 ]],[0 中文 🚀 '.repeat(3);
        const ids: string[] = [];
        const metadatas: Array<Record<string, string>> = [{ z: awkward, a: '[2,"x"]' }, {}];
        for (const metadata of metadatas) {
          const { id } = (await sessions.create(newSession({ metadata, clientIp: null }), T0, 1000)).record;
          await sessions.appendTurns(
            id,
            [{ ...turn('user', awkward, T0), hasImage: true }, turn('assistant', '', T0 + 1)],
            T0 + 1,
            true,
          );
          ids.push(id);
        }
        const marks = await sut.markAndRead(ids, 'expired', EXPIRED_AT + 1, 'expired');
        for (const [i, id] of ids.entries()) {
          expect(marks[i]).toEqual({
            id,
            status: 'ended',
            reason: 'expired',
            snapshot: await sessions.snapshot(id),
          });
        }
        const [first] = marks;
        if (first.status !== 'ended') throw new Error('not ended');
        expect(first.snapshot.record.metadata).toEqual({ z: awkward, a: '[2,"x"]' });
        expect(first.snapshot.turns.map(({ text, hasImage }) => [text, hasImage])).toEqual([
          [awkward, true],
          ['', undefined],
        ]);
      });

      it('handles a batch of 300', async () => {
        const ids = await Promise.all(Array.from({ length: 300 }, () => conversation()));
        const marks = await sut.markAndRead(ids, 'expired', EXPIRED_AT, 'expired');
        expect(marks.map((mark) => mark.id)).toEqual(ids);
        expect(marks.every((mark) => mark.status === 'ended')).toBe(true);
        expect(await sessions.count()).toBe(0);
      });
    });

    describe('purge', () => {
      it('deletes every key and index entry of the sessions, reporting each removal once', async () => {
        const ids = [await conversation(), await conversation()];
        await sessions.pushMessage(ids[0], { kind: 'tip', text: 't', createdAt: T0 }, T0 + 1);
        await sessions.markOnce(ids[0], 'poi:gate', T0 + 1);
        await sessions.claimIdempotencyKey(
          ids[1],
          { key: 'k', fingerprint: 'f', token: 't' },
          T0 + 1,
          T0 + 9,
        );
        await sut.markAndRead(ids, 'expired', EXPIRED_AT, 'expired');
        const [first, second] = await Promise.all([sut.purge(ids), sut.purge(ids)]);
        expect(new Set([...first, ...second])).toEqual(new Set(ids));
        expect([...first].filter((id) => second.has(id))).toEqual([]);
        expect(await subject.idsWithKeys(ids)).toEqual([]);
        expect(await sessions.sweepCandidates(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 10)).toEqual(
          [],
        );
        expect(await sut.purge(ids)).toEqual(new Set());
      });

      it('removes index leftovers whose keys are gone, reporting no removal', async () => {
        const id = await conversation();
        await sessions.markEnded(id, 'admin_deleted', T0 + 1, 'live');
        await sessions.purge(id);
        const leftover = await conversation();
        await sut.markAndRead([leftover], 'expired', EXPIRED_AT, 'expired');
        await sessions.purge(leftover); // another path removed it meanwhile
        expect(await sut.purge([leftover])).toEqual(new Set());
        expect(await sessions.sweepCandidates(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 10)).toEqual(
          [],
        );
      });

      it('leaves the sessions not named alone', async () => {
        const [gone, kept] = [await conversation(), await conversation()];
        await sut.markAndRead([gone, kept], 'expired', EXPIRED_AT, 'expired');
        expect(await sut.purge([gone])).toEqual(new Set([gone]));
        expect(await subject.idsWithKeys([gone, kept])).toEqual([kept]);
        expect(await sessions.sweepCandidates(0, EXPIRED_AT + 1, 10)).toEqual([kept]);
      });
    });
  });
}
