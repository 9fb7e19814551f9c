import { ArchivedSession } from '../domain';
import type { ArchivePage, ArchivePosition } from './archive-page';

export type { ArchivedSession };

/** Where ended sessions go: PostgreSQL, or JSON-lines files. */
export interface ArchiveRepository {
  /** Creates what the adapter needs (schema migrations, folders). Idempotent. */
  init(): Promise<void>;
  /**
   * Stores one generation. Idempotent on (sessionId, generation): saving the same generation again
   * replaces it and never yields a second entry.
   */
  save(entry: ArchivedSession): Promise<void>;
  /**
   * Stores many generations in one write (the sweep's batches): PostgreSQL in one transaction, all or
   * nothing; the file archive in one append. Idempotent per entry exactly as `save`; when a batch holds
   * the same generation twice, the later one wins.
   */
  appendBatch(entries: readonly ArchivedSession[]): Promise<void>;
  /** The newest archived generation of a session, or null. */
  latest(sessionId: string): Promise<ArchivedSession | null>;
  /** Every archived generation of a session, oldest first (for tests and operators). */
  list(sessionId: string): Promise<ArchivedSession[]>;
  /** Archived generations of every session, most recently ended first, `limit` after `after`. */
  recent(limit: number, after: ArchivePosition | null): Promise<ArchivePage>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const ARCHIVE_REPOSITORY = Symbol('ARCHIVE_REPOSITORY');
