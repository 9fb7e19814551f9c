import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { ClientInfo } from '../domain';
import { clientAddress } from './client-address';

/** The caller's address (as Express derives it under TRUST_PROXY) and user agent. */
export const Client = createParamDecorator((_: unknown, context: ExecutionContext): ClientInfo => {
  const request = context.switchToHttp().getRequest<Request>();
  return { ip: clientAddress(request) ?? null, userAgent: request.get('user-agent')?.slice(0, 512) ?? null };
});
