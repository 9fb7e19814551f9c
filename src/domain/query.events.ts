/**
 * Events the query module emits (the stats module counts `query.asked` into `queriesLastMinute`).
 * `query.asked`: a query was accepted, its session resolved, its rate limit and Idempotency-Key passed,
 * so the guide is asked (or a stored answer replayed); one rejected before that is not a query.
 */
export const QueryEvents = {
  asked: 'query.asked',
} as const;

export interface QueryAskedEvent {
  sessionId: string;
}
