/**
 * Events the stats listen for besides the session lifecycle ones. The proactive module emits
 * `proactive.sent` (payload: ProactiveSentEvent) once per message delivered to a session's outbox.
 */
export const StatsEvents = {
  proactiveSent: 'proactive.sent',
} as const;

export interface ProactiveSentEvent {
  sessionId: string;
  kind: string;
}
