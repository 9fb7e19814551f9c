import { EndReason, Turn } from './session.types';

/** One ended generation of a session, exactly the fields of API.md's archive line. */
export interface ArchivedSession {
  sessionId: string;
  generation: number;
  reason: EndReason;
  createdAt: string;
  endedAt: string;
  turnCount: number;
  locale: string;
  metadata: Record<string, string>;
  clientIp: string | null;
  /** History entries with ISO `createdAt`, oldest first. */
  turns: Array<Omit<Turn, 'createdAt'> & { createdAt: string }>;
}
