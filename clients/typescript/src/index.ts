export { TourClient, type QueryOptions, type TourClientOptions } from './tour-client';
export { AnswerStream } from './answer-stream';
export { MessageSubscription, type SubscribeOptions, type Transport } from './message-subscription';
export { TourApiError, TourNetworkError, type ErrorCode, type ErrorDetail } from './errors';
export { DEFAULT_RETRY, type RetryNotice, type RetryPolicy } from './retry';
export type * from './api-types';
export type { components, paths } from './schema';
