/** The sessions module's public face: SessionService for the conversation, small faces for the rest. */
export { SessionModule } from './session.module';
export { SessionService } from './session.service';
export type { DeliveryOptions, NewSessionInput } from './session.service';
export { SessionMaintenance } from './session-maintenance.service';
export type { BatchEndResult, MarkedBatch } from './session-batch-ending.service';
export { SessionStoreStatus } from './session-store-status.service';
export { IdempotencyKeys } from './idempotency-keys.service';
export { SessionQueries } from './session-queries.service';
export type { OpenedQuery, QueryOpening } from './session-queries.service';
export type { KeyedQuery } from './idempotency-keys.service';
export { SessionTriggers } from './session-triggers.service';
export { SessionLocations } from './session-locations.service';
export type { ReportedLocation } from './session-locations.service';
export { isWellFormedSessionId, redactSessionId } from './session-id';
export { CREATED_TRIGGER } from './session.repository';
export type {
  HistoryPage,
  IdempotencyClaim,
  MessagePage,
  PendingTrigger,
  PushedMessage,
  RateLimitCharge,
} from './session.repository';
export { HistoryQueryDto, HistoryViewDto, SessionViewDto } from './session.dto';
export { toAdminSessionView, toHistoryView, toSessionView } from './session.view';
export type { AdminSessionView, HistoryView, SessionView } from './session.view';
