import { isAbort, isNetworkError, TourApiError, TourNetworkError } from './errors';

/** How often and how patiently a call is tried again after a network error or a 503. */
export interface RetryPolicy {
  /** Tries in all, the first included (default 5). */
  attempts: number;
  /** Delay before the first retry; doubled each time, with jitter (default 300 ms). */
  baseDelayMs: number;
  /** Upper bound of one delay, `Retry-After` included (default 5 s). */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 300, maxDelayMs: 5_000 };

/** Told before each retry, e.g. to show "reconnecting…". */
export interface RetryNotice {
  /** The try that failed, 1 for the first. */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export function isRetryable(error: unknown): boolean {
  if (error instanceof TourApiError) return error.retryable;
  return isNetworkError(error);
}

/** Exponential backoff with "equal jitter": between half and all of base·2^(n-1), at most maxDelayMs. */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  const jittered = exponential / 2 + Math.random() * (exponential / 2);
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryOptions {
  signal?: AbortSignal;
  onRetry?: (notice: RetryNotice) => void;
  /** False for a call that must not run twice: a network error is then final (a 503 is still retried). */
  idempotent?: boolean;
}

/**
 * Runs `attempt` until it succeeds, fails with an error not worth retrying, or the policy's tries are
 * used up. A network error that outlives every try becomes a TourNetworkError; an abort is passed on.
 */
export async function withRetry<T>(
  policy: RetryPolicy,
  attempt: (tryNumber: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  for (let tryNumber = 1; ; tryNumber++) {
    try {
      return await attempt(tryNumber);
    } catch (error) {
      if (isAbort(error) || options.signal?.aborted) throw error;
      const worthIt = isRetryable(error) && (options.idempotent !== false || !isNetworkError(error));
      if (!worthIt || tryNumber >= policy.attempts) throw finalError(error);
      const retryAfter = error instanceof TourApiError ? error.retryAfterMs : undefined;
      const delayMs = backoffDelay(policy, tryNumber, retryAfter);
      options.onRetry?.({ attempt: tryNumber, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

function finalError(error: unknown): unknown {
  if (!isNetworkError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new TourNetworkError(`No answer from the service: ${reason}`, { cause: error });
}

/** A fresh `Idempotency-Key`: 32 hex digits (128 random bits); getRandomValues works outside secure contexts too. */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
