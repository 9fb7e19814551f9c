import { ArchivedSession, EndReason, SessionSnapshot } from '../domain';

/** The archive entry of one ended generation, exactly API.md's archive line. */
export function toArchivedSession(
  snapshot: SessionSnapshot,
  reason: EndReason,
  endedAt: number,
): ArchivedSession {
  const { record, turns } = snapshot;
  return {
    sessionId: record.id,
    generation: record.generation,
    reason,
    createdAt: new Date(record.createdAt).toISOString(),
    endedAt: new Date(endedAt).toISOString(),
    turnCount: record.turnCount,
    locale: record.locale,
    metadata: record.metadata,
    clientIp: record.clientIp,
    turns: turns.map((turn) => ({ ...turn, createdAt: new Date(turn.createdAt).toISOString() })),
  };
}

/** The snapshot an archive entry brings back (restore). */
export function fromArchivedSession(entry: ArchivedSession): SessionSnapshot {
  const turns = entry.turns.map((turn) => ({ ...turn, createdAt: Date.parse(turn.createdAt) }));
  return {
    record: {
      id: entry.sessionId,
      createdAt: Date.parse(entry.createdAt),
      lastActivityAt: Date.parse(entry.endedAt),
      locale: entry.locale,
      metadata: entry.metadata,
      clientIp: entry.clientIp,
      userAgent: null,
      flags: [],
      turnCount: entry.turnCount,
      lastSeq: turns.reduce((max, turn) => Math.max(max, turn.seq), 0),
      generation: entry.generation + 1,
      ackCursor: '0',
      pendingMessages: 0,
      lastLat: null,
      lastLon: null,
      endReason: null,
    },
    turns,
  };
}
