import { ArchivedSession } from '../domain';

/** One line of GET /v1/admin/archive: an archived generation without its history. */
export type ArchiveSummary = Pick<
  ArchivedSession,
  'sessionId' | 'generation' | 'reason' | 'createdAt' | 'endedAt' | 'turnCount'
>;

/** Where a page of the archive list stopped: the last entry's sort key. */
export interface ArchivePosition {
  endedAt: string;
  sessionId: string;
  generation: number;
}

export interface ArchivePage {
  entries: ArchiveSummary[];
  /** Null on the last page. */
  next: ArchivePosition | null;
}

export function toArchiveSummary(entry: ArchiveSummary): ArchiveSummary {
  const { sessionId, generation, reason, createdAt, endedAt, turnCount } = entry;
  return { sessionId, generation, reason, createdAt, endedAt, turnCount };
}

/**
 * The list order, most recently ended first: endedAt, then sessionId and generation (descending), so
 * that entries ended in the same millisecond still have one order and a page boundary never skips one.
 */
export function compareRecentFirst(a: ArchivePosition, b: ArchivePosition): number {
  const byTime = Date.parse(b.endedAt) - Date.parse(a.endedAt);
  if (byTime !== 0) return byTime;
  if (a.sessionId !== b.sessionId) return a.sessionId < b.sessionId ? 1 : -1;
  return b.generation - a.generation;
}

/** The opaque cursor of the API: the position as base64url JSON. */
export function encodeArchiveCursor(position: ArchivePosition): string {
  const { endedAt, sessionId, generation } = position;
  return Buffer.from(JSON.stringify([endedAt, sessionId, generation])).toString('base64url');
}

/** Null when `cursor` is not one this service handed out. */
export function decodeArchiveCursor(cursor: string): ArchivePosition | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 3) return null;
    const [endedAt, sessionId, generation] = value as unknown[];
    const valid =
      typeof endedAt === 'string' &&
      !Number.isNaN(Date.parse(endedAt)) &&
      typeof sessionId === 'string' &&
      Number.isInteger(generation);
    return valid ? { endedAt, sessionId, generation: generation as number } : null;
  } catch {
    return null;
  }
}
