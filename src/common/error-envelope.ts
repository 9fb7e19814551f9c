import { ErrorCode, ErrorDetail } from './api-error';

/** API.md: every non-2xx response body. */
export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
  requestId: string;
}

export function errorEnvelope(
  code: ErrorCode,
  message: string,
  requestId: string,
  details?: ErrorDetail[],
): ErrorEnvelope {
  return { error: details && details.length > 0 ? { code, message, details } : { code, message }, requestId };
}
