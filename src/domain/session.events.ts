import { EndReason, SessionRecord } from './session.types';

/** Domain events: how other modules learn about sessions without sessions knowing them. */
export const SessionEvents = {
  created: 'session.created',
  active: 'session.active',
  ended: 'session.ended',
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

export interface LocationUpdatedEvent {
  sessionId: string;
  lat: number;
  lon: number;
  accuracy?: number;
}
