import { v4 as uuidv4 } from 'uuid';

/** UUID v4: 122 bits from the platform's cryptographic random source. */
export function newSessionId(): string {
  return uuidv4();
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A string that is not a well-formed id is treated as unknown without a store round trip. */
export function isWellFormedSessionId(value: unknown): value is string {
  return typeof value === 'string' && UUID_V4.test(value);
}

/** A session id is a bearer credential: logs only ever show its first characters. */
export function redactSessionId(id: string): string {
  return `${id.slice(0, 8)}…`;
}
