/** Why a session (or one generation of its conversation) ended; API.md's list, in its order. */
export const END_REASONS = [
  'expired',
  'evicted',
  'memory_pressure',
  'client_closed',
  'client_reset',
  'admin_reset',
  'admin_deleted',
  'shutdown',
] as const;
export type EndReason = (typeof END_REASONS)[number];

/** A reset ends a generation of the conversation, not the session: its id lives on, history cleared. */
export function isReset(reason: EndReason): boolean {
  return reason === 'client_reset' || reason === 'admin_reset';
}

export type TurnRole = 'user' | 'assistant' | 'proactive';

/** One history entry. Times are epoch milliseconds inside the service, ISO strings on the wire. */
export interface Turn {
  seq: number;
  role: TurnRole;
  text: string;
  createdAt: number;
  hasImage?: boolean;
}

export type NewTurn = Omit<Turn, 'seq'>;

export type MessageKind = 'greeting' | 'poi' | 'tip' | 'broadcast';

/** A proactive message in a session's outbox; `id` is its cursor, increasing within the session. */
export interface OutboxMessage {
  id: string;
  kind: MessageKind;
  text: string;
  poiId?: string;
  createdAt: number;
}

export type NewOutboxMessage = Omit<OutboxMessage, 'id'>;

/** Everything the store keeps of a session apart from its history and outbox. */
export interface SessionRecord {
  id: string;
  createdAt: number;
  lastActivityAt: number;
  locale: string;
  metadata: Record<string, string>;
  clientIp: string | null;
  userAgent: string | null;
  flags: string[];
  /** History entries added since creation or the last reset. */
  turnCount: number;
  /** The last `seq` assigned; never reused, not even after a reset. */
  lastSeq: number;
  /** 0 at creation, +1 at every reset; (id, generation) names one archived conversation. */
  generation: number;
  /** Outbox cursor acknowledged by the client ('0' when nothing was). */
  ackCursor: string;
  pendingMessages: number;
  lastLat: number | null;
  lastLon: number | null;
  /** Set once the session is ending: it is gone for every client call from then on. */
  endReason: EndReason | null;
}

/** A session's full content, as archived. */
export interface SessionSnapshot {
  record: SessionRecord;
  turns: Turn[];
}
