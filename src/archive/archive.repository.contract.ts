import { randomUUID } from 'node:crypto';
import { END_REASONS } from '../domain';
import { ArchiveRepository, ArchivedSession } from './archive.repository';
import { ArchivePosition } from './archive-page';

/** A fresh, isolated archive, a way to open a second instance on the same storage, and its cleanup. */
export interface ArchiveFixture {
  sut: ArchiveRepository;
  /** A new repository over the same storage, as a restarted process would build it (not yet init()ed). */
  reopen(): ArchiveRepository;
  cleanup(): Promise<void>;
}

export function archivedSession(overrides: Partial<ArchivedSession> = {}): ArchivedSession {
  return {
    sessionId: randomUUID(),
    generation: 0,
    reason: 'expired',
    createdAt: '2026-05-01T08:00:00.000Z',
    endedAt: '2026-05-01T12:00:00.123Z',
    turnCount: 3,
    locale: 'zh-CN',
    metadata: { device: 'ios', app: '2.1.0' },
    clientIp: '203.0.113.7',
    turns: [
      { seq: 1, role: 'user', text: '故宫几点关门？', createdAt: '2026-05-01T08:01:00.000Z', hasImage: true },
      {
        seq: 2,
        role: 'assistant',
        text: 'It closes at 17:00 "sharp"\n— plan ahead.',
        createdAt: '2026-05-01T08:01:02.500Z',
      },
      {
        seq: 3,
        role: 'proactive',
        text: 'You are near the Meridian Gate 🏯',
        createdAt: '2026-05-01T08:05:00.000Z',
      },
    ],
    ...overrides,
  };
}

/** The cases every ArchiveRepository adapter must pass; run by each adapter's spec. */
export function describeArchiveContract(name: string, factory: () => Promise<ArchiveFixture>): void {
  describe(`${name} (ArchiveRepository contract)`, () => {
    let fixture: ArchiveFixture;
    let sut: ArchiveRepository;
    const opened: ArchiveRepository[] = [];

    beforeEach(async () => {
      fixture = await factory();
      sut = fixture.sut;
      await sut.init();
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((repository) => repository.close()));
      await sut.close();
      await fixture.cleanup();
    });

    async function reopen(): Promise<ArchiveRepository> {
      const repository = fixture.reopen();
      opened.push(repository);
      await repository.init();
      return repository;
    }

    describe('save / latest', () => {
      it('round-trips every field and the turns', async () => {
        const entry = archivedSession({ clientIp: null });
        await sut.save(entry);
        expect(await sut.latest(entry.sessionId)).toEqual(entry);
      });

      it('round-trips empty metadata and history', async () => {
        const entry = archivedSession({ metadata: {}, turns: [], turnCount: 0, locale: 'en' });
        await sut.save(entry);
        expect(await sut.latest(entry.sessionId)).toEqual(entry);
      });

      it('returns the newest generation, and lists them oldest first', async () => {
        const sessionId = randomUUID();
        const entries = [0, 1, 2].map((generation) =>
          archivedSession({ sessionId, generation, reason: 'client_reset', turnCount: generation }),
        );
        for (const entry of [entries[1], entries[2], entries[0]]) await sut.save(entry);
        expect(await sut.latest(sessionId)).toEqual(entries[2]);
        expect(await sut.list(sessionId)).toEqual(entries);
      });

      it('keeps one entry per generation; saving again replaces it', async () => {
        const entry = archivedSession();
        await sut.save(entry);
        await sut.save(entry);
        const replaced = { ...entry, reason: 'admin_deleted' as const, turnCount: 9 };
        await sut.save(replaced);
        expect(await sut.list(entry.sessionId)).toEqual([replaced]);
        expect(await sut.latest(entry.sessionId)).toEqual(replaced);
      });

      it('answers null / [] for an unknown session', async () => {
        expect(await sut.latest(randomUUID())).toBeNull();
        expect(await sut.list(randomUUID())).toEqual([]);
      });

      it('stores every end reason', async () => {
        const sessionId = randomUUID();
        const entries = END_REASONS.map((reason, generation) =>
          archivedSession({ sessionId, generation, reason }),
        );
        for (const entry of entries) await sut.save(entry);
        expect((await sut.list(sessionId)).map((entry) => entry.reason)).toEqual([...END_REASONS]);
      });

      it('keeps all of 50 concurrent saves of different sessions', async () => {
        const entries = Array.from({ length: 50 }, (_, i) => archivedSession({ turnCount: i }));
        await Promise.all(entries.map((entry) => sut.save(entry)));
        const read = await Promise.all(entries.map((entry) => sut.latest(entry.sessionId)));
        expect(read).toEqual(entries);
      });
    });

    describe('appendBatch', () => {
      it('stores every entry of a batch, each as save would', async () => {
        const entries = Array.from({ length: 250 }, (_, i) => archivedSession({ turnCount: i }));
        await sut.appendBatch(entries);
        expect(await Promise.all(entries.map((entry) => sut.latest(entry.sessionId)))).toEqual(entries);
        expect((await sut.recent(300, null)).entries).toHaveLength(250);
      });

      it('is idempotent on (sessionId, generation): a batch again, or with changes, replaces entries', async () => {
        const [a, b] = [archivedSession(), archivedSession({ clientIp: null })];
        await sut.save(a);
        await sut.appendBatch([a, b]);
        await sut.appendBatch([a, b]);
        const changed = { ...b, reason: 'evicted' as const, turnCount: 9 };
        await sut.appendBatch([changed]);
        expect(await sut.list(a.sessionId)).toEqual([a]);
        expect(await sut.list(b.sessionId)).toEqual([changed]);
        expect((await sut.recent(10, null)).entries).toHaveLength(2);
      });

      it('keeps the later of two entries of one generation in a batch, and other generations apart', async () => {
        const first = archivedSession();
        const later = { ...first, reason: 'admin_deleted' as const };
        const next = archivedSession({ sessionId: first.sessionId, generation: 1 });
        await sut.appendBatch([first, next, later]);
        expect(await sut.list(first.sessionId)).toEqual([later, next]);
      });

      it('does nothing for an empty batch', async () => {
        await sut.appendBatch([]);
        expect(await sut.recent(10, null)).toEqual({ entries: [], next: null });
      });

      it('is seen by a second instance', async () => {
        const entries = [archivedSession(), archivedSession({ generation: 3 })];
        await sut.appendBatch(entries);
        const other = await reopen();
        expect(await Promise.all(entries.map((entry) => other.latest(entry.sessionId)))).toEqual(entries);
      });

      it('keeps all of concurrent batches and saves', async () => {
        const batches = Array.from({ length: 5 }, () => Array.from({ length: 20 }, () => archivedSession()));
        const singles = Array.from({ length: 10 }, () => archivedSession());
        await Promise.all([
          ...batches.map((batch) => sut.appendBatch(batch)),
          ...singles.map((entry) => sut.save(entry)),
        ]);
        const all = [...batches.flat(), ...singles];
        expect(await Promise.all(all.map((entry) => sut.latest(entry.sessionId)))).toEqual(all);
      });
    });

    describe('init', () => {
      it('is idempotent', async () => {
        const entry = archivedSession();
        await sut.save(entry);
        await sut.init();
        await sut.init();
        expect(await sut.latest(entry.sessionId)).toEqual(entry);
      });
    });

    describe('a second instance', () => {
      it('sees what the first one saved, replacements included', async () => {
        const first = archivedSession();
        const second = archivedSession({ sessionId: first.sessionId, generation: 1, reason: 'shutdown' });
        await sut.save(first);
        await sut.save(second);
        await sut.save({ ...second, turnCount: 42 });

        const other = await reopen();
        expect(await other.list(first.sessionId)).toEqual([first, { ...second, turnCount: 42 }]);
        expect(await other.latest(first.sessionId)).toEqual({ ...second, turnCount: 42 });
      });
    });

    describe('recent', () => {
      const endedAt = (minute: number) => new Date(Date.UTC(2026, 4, 1, 12, minute)).toISOString();
      const summaryOf = (entry: ArchivedSession) => {
        const { sessionId, generation, reason, createdAt, turnCount } = entry;
        return { sessionId, generation, reason, createdAt, endedAt: entry.endedAt, turnCount };
      };

      it('is empty for an empty archive', async () => {
        expect(await sut.recent(10, null)).toEqual({ entries: [], next: null });
      });

      it('lists every generation of every session, most recently ended first, without the turns', async () => {
        const a = archivedSession({ endedAt: endedAt(1) });
        const b0 = archivedSession({ endedAt: endedAt(3), reason: 'client_reset' });
        const b1 = archivedSession({ sessionId: b0.sessionId, generation: 1, endedAt: endedAt(5) });
        const c = archivedSession({ endedAt: endedAt(4), reason: 'admin_deleted', turnCount: 7 });
        for (const entry of [b1, a, c, b0]) await sut.save(entry);
        const page = await sut.recent(10, null);
        expect(page).toEqual({ entries: [b1, c, b0, a].map(summaryOf), next: null });
      });

      it('pages with the position of the last entry, entries of the same millisecond included', async () => {
        const same = endedAt(9);
        const entries = Array.from({ length: 7 }, (_, i) =>
          archivedSession({ endedAt: i < 4 ? same : endedAt(i) }),
        );
        await Promise.all(entries.map((entry) => sut.save(entry)));
        const seen: string[] = [];
        let after: ArchivePosition | null = null;
        for (let pages = 0; pages < 10; pages++) {
          const page = await sut.recent(3, after);
          seen.push(...page.entries.map((entry) => entry.sessionId));
          if (!page.next) break;
          expect(page.entries).toHaveLength(3);
          after = page.next;
        }
        expect(seen).toHaveLength(7);
        expect(new Set(seen)).toEqual(new Set(entries.map((entry) => entry.sessionId)));
        // the four of the same millisecond come first (minute 9 is the latest), then minutes 6, 5, 4
        expect(seen.slice(4)).toEqual([entries[6], entries[5], entries[4]].map((e) => e.sessionId));
      });

      it('shows a replaced generation once, as saved last', async () => {
        const entry = archivedSession({ endedAt: endedAt(2) });
        await sut.save(entry);
        await sut.save({ ...entry, reason: 'admin_deleted', turnCount: 9 });
        const page = await sut.recent(10, null);
        expect(page.entries).toEqual([summaryOf({ ...entry, reason: 'admin_deleted', turnCount: 9 })]);
      });

      it('is seen by a second instance', async () => {
        const entry = archivedSession({ endedAt: endedAt(2) });
        await sut.save(entry);
        expect((await (await reopen()).recent(10, null)).entries).toEqual([summaryOf(entry)]);
      });
    });

    describe('ping', () => {
      it('resolves while the storage answers', async () => {
        await expect(sut.ping()).resolves.toBeUndefined();
      });
    });
  });
}
