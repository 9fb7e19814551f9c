import { EndReason, SessionRecord } from './session.types';

/** Domain events: how other modules learn about sessions without sessions knowing them. */
export const SessionEvents = {
  created: 'session.created',
  active: 'session.active',
  ended: 'session.ended',
  /** Many ends at once (the sweep's batches): each end is in exactly one `ended` or `endedBatch`. */
  endedBatch: 'sessions.ended',
  /** A location stored as the session's last one, by a location report or a query carrying one. */
  locationUpdated: 'location.updated',
} as const;

export interface SessionCreatedEvent {
  sessionId: string;
  record: SessionRecord;
}

export interface SessionActiveEvent {
  sessionId: string;
  at: number;
}

export interface SessionEndedEvent {
  sessionId: string;
  reason: EndReason;
  createdAt: number;
  endedAt: number;
  turnCount: number;
}

/**
 * The ends of one sweep batch, reported together so listeners do one store write, one publish round
 * and one log line per batch rather than per session. An end reported here is not also in `ended`.
 */
export interface SessionsEndedEvent {
  ends: SessionEndedEvent[];
}

export interface LocationUpdatedEvent {
  sessionId: string;
  lat: number;
  lon: number;
  accuracy?: number;
}
