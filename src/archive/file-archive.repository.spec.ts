import { Logger } from '@nestjs/common';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clock } from '../common/clock';
import { archivedSession, describeArchiveContract } from './archive.repository.contract';
import { FileArchiveRepository } from './file-archive.repository';

const ARCHIVE_LINE_FIELDS = [
  'sessionId',
  'generation',
  'reason',
  'createdAt',
  'endedAt',
  'turnCount',
  'locale',
  'metadata',
  'clientIp',
  'turns',
];

async function tempDir(): Promise<string> {
  return fs.mkdtemp(join(tmpdir(), 'archive-test-'));
}

// Migration and skipped-line notices are expected here; they would only bury the test output.
beforeAll(() => Logger.overrideLogger(false));

describeArchiveContract(FileArchiveRepository.name, async () => {
  const dir = join(await tempDir(), 'nested', 'archive');
  return {
    sut: new FileArchiveRepository({ dir }),
    reopen: () => new FileArchiveRepository({ dir }),
    cleanup: () => fs.rm(join(dir, '..', '..'), { recursive: true, force: true }),
  };
});

describe(FileArchiveRepository.name, () => {
  let dir: string;
  let now: number;
  const clock: Clock = { now: () => now };
  let sut: FileArchiveRepository;

  beforeEach(async () => {
    dir = await tempDir();
    now = Date.parse('2026-05-01T23:59:59.000Z');
    sut = new FileArchiveRepository({ dir, clock });
    await sut.init();
  });

  afterEach(async () => {
    await sut.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function lines(file: string): Promise<string[]> {
    const text = await fs.readFile(join(dir, file), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    return text.slice(0, -1).split('\n');
  }

  describe('save', () => {
    it('writes one JSON line with exactly the archive fields to the UTC day file', async () => {
      const entry = archivedSession();
      await sut.save(entry);
      const [line] = await lines('sessions-2026-05-01.jsonl');
      expect(Object.keys(JSON.parse(line))).toEqual(ARCHIVE_LINE_FIELDS);
      expect(JSON.parse(line)).toEqual(entry);
    });

    it('writes nothing when the identical entry is saved again, even after a restart', async () => {
      const entry = archivedSession();
      await sut.save(entry);
      await sut.save({ ...entry, metadata: { app: '2.1.0', device: 'ios' } });
      const restarted = new FileArchiveRepository({ dir, clock });
      await restarted.save(entry);
      expect(await lines('sessions-2026-05-01.jsonl')).toHaveLength(1);
    });

    it('appends a newer line for a changed entry, and the last line wins, across days', async () => {
      const entry = archivedSession();
      await sut.save(entry);
      now += 1000;
      await sut.save({ ...entry, reason: 'admin_reset' });
      expect(await lines('sessions-2026-05-01.jsonl')).toHaveLength(1);
      expect(await lines('sessions-2026-05-02.jsonl')).toHaveLength(1);
      const restarted = new FileArchiveRepository({ dir, clock });
      expect(await restarted.list(entry.sessionId)).toEqual([{ ...entry, reason: 'admin_reset' }]);
    });

    it('keeps lines whole under 50 concurrent saves', async () => {
      const entries = Array.from({ length: 50 }, (_, i) =>
        archivedSession({
          turns: [
            { seq: 1, role: 'user', text: 'x'.repeat(20_000 + i), createdAt: '2026-05-01T08:00:00.000Z' },
          ],
        }),
      );
      await Promise.all(entries.map((entry) => sut.save(entry)));
      const parsed = (await lines('sessions-2026-05-01.jsonl')).map((line) => JSON.parse(line));
      expect(parsed).toHaveLength(50);
      expect(new Set(parsed.map((entry) => entry.sessionId))).toEqual(
        new Set(entries.map((e) => e.sessionId)),
      );
    });
  });

  describe('appendBatch', () => {
    it('writes the batch as lines of the UTC day file, and nothing for entries stored identically', async () => {
      const entries = Array.from({ length: 40 }, () => archivedSession());
      await sut.appendBatch(entries.slice(0, 10));
      await sut.appendBatch(entries);
      const parsed = (await lines('sessions-2026-05-01.jsonl')).map((line) => JSON.parse(line));
      expect(parsed).toEqual(entries);
      const restarted = new FileArchiveRepository({ dir, clock });
      await restarted.appendBatch(entries);
      expect(await lines('sessions-2026-05-01.jsonl')).toHaveLength(40);
      expect(await restarted.latest(entries[39].sessionId)).toEqual(entries[39]);
    });
  });

  describe('reading existing files', () => {
    it('skips a torn last line and does not glue the next line onto it', async () => {
      const kept = archivedSession();
      const file = join(dir, 'sessions-2026-05-01.jsonl');
      await fs.writeFile(file, `${JSON.stringify(kept)}\n{"sessionId":"torn","gen`);
      const next = archivedSession();
      await sut.save(next);
      const restarted = new FileArchiveRepository({ dir, clock });
      expect(await restarted.latest(kept.sessionId)).toEqual(kept);
      expect(await restarted.latest(next.sessionId)).toEqual(next);
      expect(await restarted.latest('torn')).toBeNull();
    });

    it('notices a file removed under it (pruning) instead of returning stale entries', async () => {
      const entry = archivedSession();
      await sut.save(entry);
      expect(await sut.latest(entry.sessionId)).toEqual(entry);
      await fs.rm(join(dir, 'sessions-2026-05-01.jsonl'));
      expect(await sut.latest(entry.sessionId)).toBeNull();
    });

    it('writes the next batch to a new day file when the current one was removed between batches', async () => {
      const [first, second] = [archivedSession(), archivedSession()];
      await sut.appendBatch([first]);
      await fs.rm(join(dir, 'sessions-2026-05-01.jsonl'));
      await sut.appendBatch([second]);
      expect((await lines('sessions-2026-05-01.jsonl')).map((line) => JSON.parse(line))).toEqual([second]);
      expect(await sut.latest(second.sessionId)).toEqual(second);
    });

    it('ignores files that are not day files', async () => {
      await fs.writeFile(join(dir, 'notes.txt'), 'not json\n');
      await fs.writeFile(join(dir, 'sessions-2026-04-30.jsonl'), 'not json\n\n');
      expect(await sut.list('anything')).toEqual([]);
    });
  });

  describe('ping', () => {
    it('rejects when the directory is gone', async () => {
      await fs.rm(dir, { recursive: true, force: true });
      await expect(sut.ping()).rejects.toThrow();
    });
  });
});
