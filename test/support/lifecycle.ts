import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ArchiveRepository, ArchivedSession } from '../../src/archive/archive.repository';
import { ArchivePage, ArchivePosition } from '../../src/archive/archive-page';
import { PgArchiveRepository } from '../../src/archive/pg-archive.repository';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A PostgreSQL schema of the test's own; `drop()` removes it with everything in it. */
export function pgTestSchema(): { schema: string; open(): PgArchiveRepository; drop(): Promise<void> } {
  const schema = `archive_test_${randomBytes(6).toString('hex')}`;
  return {
    schema,
    open: () => new PgArchiveRepository({ connectionString: TEST_DATABASE_URL, schema }),
    drop: async () => {
      const client = new Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Wraps a real archive: counts the saves that succeeded per session id (to prove nothing is archived
 * twice), and can be told to fail saves (to prove nothing unarchived is deleted).
 */
export class RecordingArchive implements ArchiveRepository {
  readonly savedBy = new Map<string, number>();
  attempts = 0;
  /** Returns true for the saves that must fail. */
  failWhen: (entry: ArchivedSession, attempt: number) => boolean = () => false;
  readonly failed: string[] = [];

  constructor(private readonly inner: ArchiveRepository) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async save(entry: ArchivedSession): Promise<void> {
    this.attempts += 1;
    if (this.failWhen(entry, this.attempts)) {
      this.failed.push(entry.sessionId);
      throw new Error('archive unavailable (test)');
    }
    await this.inner.save(entry);
    this.savedBy.set(entry.sessionId, (this.savedBy.get(entry.sessionId) ?? 0) + 1);
  }

  /** A batch is all or nothing: one entry that must fail fails it whole, and none of it counts as saved. */
  async appendBatch(entries: readonly ArchivedSession[]): Promise<void> {
    const failing = entries.filter((entry) => this.failWhen(entry, (this.attempts += 1)));
    if (failing.length > 0) {
      this.failed.push(...failing.map((entry) => entry.sessionId));
      throw new Error('archive unavailable (test)');
    }
    await this.inner.appendBatch(entries);
    for (const entry of entries)
      this.savedBy.set(entry.sessionId, (this.savedBy.get(entry.sessionId) ?? 0) + 1);
  }

  latest(sessionId: string): Promise<ArchivedSession | null> {
    return this.inner.latest(sessionId);
  }

  list(sessionId: string): Promise<ArchivedSession[]> {
    return this.inner.list(sessionId);
  }

  recent(limit: number, after: ArchivePosition | null): Promise<ArchivePage> {
    return this.inner.recent(limit, after);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export { waitFor } from './eventually';
