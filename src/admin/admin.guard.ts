import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/app-config';
import { ApiError } from '../common/api-error';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** `Authorization: Bearer $ADMIN_TOKEN`, compared in constant time; ADMIN_TOKEN unset disables the API. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const expected = this.config.adminToken;
    if (!expected) throw new ApiError('UNAUTHORIZED', 'The admin API is disabled (ADMIN_TOKEN is unset)');
    const header = context.switchToHttp().getRequest<Request>().get('authorization') ?? '';
    const match = /^Bearer (.+)$/i.exec(header);
    // Comparing fixed-length digests keeps the time independent of where the strings differ and of length.
    if (!match || !timingSafeEqual(digest(match[1]), digest(expected))) {
      throw new ApiError('UNAUTHORIZED', 'A valid admin bearer token is required');
    }
    return true;
  }
}
