import type { Request } from 'express';

const ADDRESS = Symbol('clientAddress');
type WithAddress = Request & { [ADDRESS]?: string | undefined };

/**
 * The caller's address as Express derives it under TRUST_PROXY (`request.ip`), worked out once per
 * request: Express's getter walks the forwarding chain on every read, and a query reads it twice (the
 * rate limit, the client info).
 */
export function clientAddress(request: Request): string | undefined {
  const remembered = request as WithAddress;
  if (!(ADDRESS in remembered)) remembered[ADDRESS] = request.ip;
  return remembered[ADDRESS];
}
