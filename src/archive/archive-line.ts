import { END_REASONS } from '../domain';
import { ArchivedSession } from './archive.repository';

type ArchivedTurn = ArchivedSession['turns'][number];

/**
 * One archive line (API.md): exactly these fields, in this order. Keys are written in a fixed order
 * (metadata sorted) so that the same entry always gives the same bytes, which makes re-saves detectable.
 */
export function toArchiveLine(entry: ArchivedSession): string {
  const line: ArchivedSession = {
    sessionId: entry.sessionId,
    generation: entry.generation,
    reason: entry.reason,
    createdAt: entry.createdAt,
    endedAt: entry.endedAt,
    turnCount: entry.turnCount,
    locale: entry.locale,
    metadata: Object.fromEntries(
      Object.entries(entry.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
    clientIp: entry.clientIp,
    turns: entry.turns.map(toArchivedTurn),
  };
  return JSON.stringify(line);
}

function toArchivedTurn(turn: ArchivedTurn): ArchivedTurn {
  const { seq, role, text, createdAt, hasImage } = turn;
  return hasImage === undefined ? { seq, role, text, createdAt } : { seq, role, text, createdAt, hasImage };
}

/** Parses one line; null when it is not an archive entry (a torn write, a stray edit). */
export function parseArchiveLine(text: string): ArchivedSession | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const entry = value as Partial<ArchivedSession>;
  const valid =
    typeof entry.sessionId === 'string' &&
    Number.isInteger(entry.generation) &&
    (END_REASONS as readonly unknown[]).includes(entry.reason) &&
    typeof entry.createdAt === 'string' &&
    typeof entry.endedAt === 'string' &&
    typeof entry.turnCount === 'number' &&
    typeof entry.locale === 'string' &&
    typeof entry.metadata === 'object' &&
    entry.metadata !== null &&
    (entry.clientIp === null || typeof entry.clientIp === 'string') &&
    Array.isArray(entry.turns);
  return valid ? (entry as ArchivedSession) : null;
}
