import type { HistoryPage } from './session.repository';
import { SessionRecord, Turn } from '../domain';

/** API.md's session view. */
export interface SessionView {
  sessionId: string;
  createdAt: string;
  lastActivityAt: string;
  expiresAt: string;
  turnCount: number;
  pendingMessages: number;
  locale: string;
}

export interface AdminSessionView extends SessionView {
  clientIp: string | null;
  userAgent?: string | null;
  flags: string[];
  storeBytes?: number;
}

export interface TurnView {
  seq: number;
  role: Turn['role'];
  text: string;
  createdAt: string;
  hasImage?: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function toSessionView(record: SessionRecord, idleTtlMs: number): SessionView {
  return {
    sessionId: record.id,
    createdAt: iso(record.createdAt),
    lastActivityAt: iso(record.lastActivityAt),
    expiresAt: iso(record.lastActivityAt + idleTtlMs),
    turnCount: record.turnCount,
    pendingMessages: record.pendingMessages,
    locale: record.locale,
  };
}

export function toAdminSessionView(record: SessionRecord, idleTtlMs: number): AdminSessionView {
  return { ...toSessionView(record, idleTtlMs), clientIp: record.clientIp, flags: record.flags };
}

export function toTurnView(turn: Turn): TurnView {
  const view: TurnView = { seq: turn.seq, role: turn.role, text: turn.text, createdAt: iso(turn.createdAt) };
  if (turn.hasImage) view.hasImage = true;
  return view;
}

/** API.md's history page: oldest first; `nextBefore` is the lowest seq, or null when nothing is older. */
export interface HistoryView {
  sessionId: string;
  turns: TurnView[];
  nextBefore: number | null;
}

export function toHistoryView(sessionId: string, page: HistoryPage): HistoryView {
  return {
    sessionId,
    turns: page.turns.map(toTurnView),
    nextBefore: page.hasOlder && page.turns.length > 0 ? page.turns[0].seq : null,
  };
}
