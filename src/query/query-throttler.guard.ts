import { createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { ThrottlerRequest } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { Request } from 'express';
import { isWellFormedSessionId, RateLimitCharge } from '../sessions';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const DEFERRED = Symbol('deferred rate limit');
type DeferringRequest = Request & { [DEFERRED]?: RateLimitCharge };

/**
 * The query routes' rate limit. A query naming a session, with the limit counted in Redis, is charged
 * in the query path's first store step instead (one round trip for both, see SessionQueries.open): the
 * guard hands the charge on to it. Every other request is charged here, as ThrottlerGuard does.
 */
@Injectable()
export class QueryThrottlerGuard extends ThrottlerGuard {
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const req = props.context.switchToHttp().getRequest<DeferringRequest>();
    const body = req.body as { sessionId?: unknown } | undefined;
    if (!(this.storageService instanceof RedisThrottlerStorage) || !isWellFormedSessionId(body?.sessionId)) {
      return super.handleRequest(props);
    }
    const tracker = await props.getTracker(req, props.context);
    const name = props.throttler.name ?? 'default';
    req[DEFERRED] = {
      key: props.generateKey(props.context, tracker, name),
      name,
      ttlMs: props.ttl,
      limit: props.limit,
      blockMs: props.blockDuration,
    };
    return true;
  }
}

/** The charge QueryThrottlerGuard left to the query path, if it did. */
export const DeferredRateLimit = createParamDecorator(
  (_: unknown, context: ExecutionContext): RateLimitCharge | undefined =>
    context.switchToHttp().getRequest<DeferringRequest>()[DEFERRED],
);
