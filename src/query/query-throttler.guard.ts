import { createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerOptions } from '@nestjs/throttler';
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_KEY_GENERATOR,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TRACKER,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants';
import type { ThrottlerRequest } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { Request } from 'express';
import { clientAddress } from '../common/client-address';
import { isWellFormedSessionId, RateLimitCharge } from '../sessions';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const DEFERRED = Symbol('deferred rate limit');
type DeferringRequest = Request & { [DEFERRED]?: RateLimitCharge };

/** What a route or its controller can set for a throttler (decorators), read by ThrottlerGuard. */
const ROUTE_SETTINGS = [
  THROTTLER_SKIP,
  THROTTLER_LIMIT,
  THROTTLER_TTL,
  THROTTLER_BLOCK_DURATION,
  THROTTLER_TRACKER,
  THROTTLER_KEY_GENERATOR,
];

/** Addresses whose tracker is remembered at once; past it the memory starts over. */
const MAX_REMEMBERED_TRACKERS = 10_000;

/**
 * The query routes' rate limit. A query naming a session, with the limit counted in Redis, is charged
 * in the query path's first store step instead (one round trip for both, see SessionQueries.open): the
 * guard hands the charge on to it. Every other request is charged here, as ThrottlerGuard does.
 *
 * When the one throttler has fixed numbers and the route sets none of its own (the case of the query
 * routes), the charge is made straight from the throttler's options: ThrottlerGuard would look up six
 * route settings and await three option values on every request, for the same answer each time
 * (measured: about 8 % of a query's CPU). Anything else goes the library's way.
 */
@Injectable()
export class QueryThrottlerGuard extends ThrottlerGuard {
  /** Per route handler: whether it, or its controller, sets nothing for the throttler. */
  private readonly unsetRoutes = new WeakMap<object, boolean>();
  /** The library's tracker (the address, IPv6 cut to its subnet) per address seen lately. */
  private readonly trackers = new Map<string, string>();
  /** Per route handler, the charge handed on per address seen lately: the same each time (fixed numbers). */
  private readonly charges = new WeakMap<object, Map<string, RateLimitCharge>>();

  /**
   * ThrottlerGuard's tracker, remembered per address: a visitor's app asks from the same address again
   * and again, and normalizing one (IPv4-mapped and IPv6 forms) costs more than the rest of the charge.
   */
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const ip = clientAddress(req as unknown as Request);
    if (typeof ip !== 'string') return super.getTracker(req);
    let tracker = this.trackers.get(ip);
    if (tracker === undefined) {
      tracker = await super.getTracker(req);
      if (this.trackers.size >= MAX_REMEMBERED_TRACKERS) this.trackers.clear();
      this.trackers.set(ip, tracker);
    }
    return tracker;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<DeferringRequest>();
    const throttler = this.defers(req) ? this.fixedThrottler(context) : null;
    if (!throttler) return super.canActivate(context);
    const byAddress = this.tracksByAddress(throttler);
    const known = byAddress
      ? this.charges.get(context.getHandler())?.get(clientAddress(req) ?? '')
      : undefined;
    if (known) {
      req[DEFERRED] = known;
      return true;
    }
    const ttl = throttler.ttl as number;
    const props = {
      context,
      limit: throttler.limit as number,
      ttl,
      throttler,
      blockDuration: (throttler.blockDuration as number | undefined) ?? ttl,
      getTracker: throttler.getTracker ?? this.commonOptions.getTracker!,
      generateKey: throttler.generateKey ?? this.commonOptions.generateKey!,
    };
    await this.deferCharge(req, props, byAddress);
    return true;
  }

  /**
   * Whether the tracker is the library's, the client's address: with fixed numbers, a route's charge
   * is then the same for every request from one address (the key generator is given the route, the
   * tracker and the name, as ThrottlerGuard's own and queryBudgetKey use them).
   */
  private tracksByAddress(throttler: ThrottlerOptions): boolean {
    const moduleTracker = Array.isArray(this.options) ? undefined : this.options.getTracker;
    return !throttler.getTracker && !moduleTracker;
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const req = props.context.switchToHttp().getRequest<DeferringRequest>();
    if (!this.defers(req)) return super.handleRequest(props);
    await this.deferCharge(req, props);
    return true;
  }

  /**
   * Leaves the charge for the query path (DeferredRateLimit), keyed as ThrottlerGuard keys it;
   * `remember`: for the route and the address (`canActivate` hands it on next time).
   */
  private async deferCharge(req: DeferringRequest, props: ThrottlerRequest, remember = false): Promise<void> {
    const tracker = await props.getTracker(req, props.context);
    const name = props.throttler.name ?? 'default';
    const charge: RateLimitCharge = {
      key: props.generateKey(props.context, tracker, name),
      name,
      ttlMs: props.ttl,
      limit: props.limit,
      blockMs: props.blockDuration,
    };
    req[DEFERRED] = charge;
    const ip = clientAddress(req);
    if (remember && ip !== undefined) this.remember(props.context.getHandler(), ip, charge);
  }

  private remember(handler: object, ip: string, charge: RateLimitCharge): void {
    let charges = this.charges.get(handler);
    if (!charges) this.charges.set(handler, (charges = new Map<string, RateLimitCharge>()));
    if (charges.size >= MAX_REMEMBERED_TRACKERS) charges.clear();
    charges.set(ip, charge);
  }

  /** A query naming a session, with the limit counted in Redis: charged in the first store step. */
  private defers(req: DeferringRequest): boolean {
    const body = req.body as { sessionId?: unknown } | undefined;
    return this.storageService instanceof RedisThrottlerStorage && isWellFormedSessionId(body?.sessionId);
  }

  /** The one throttler, when its numbers are fixed and nothing on the route or beside it varies them. */
  private fixedThrottler(context: ExecutionContext): ThrottlerOptions | null {
    if (this.throttlers.length !== 1) return null;
    const [throttler] = this.throttlers;
    const fixed =
      typeof throttler.limit === 'number' &&
      typeof throttler.ttl === 'number' &&
      typeof throttler.blockDuration !== 'function' &&
      !(throttler.skipIf ?? this.commonOptions.skipIf) &&
      !(throttler.ignoreUserAgents ?? this.commonOptions.ignoreUserAgents);
    if (!fixed) return null;
    const handler = context.getHandler();
    let unset = this.unsetRoutes.get(handler);
    if (unset === undefined) {
      const targets = [handler, context.getClass()];
      const name = throttler.name ?? 'default';
      unset = ROUTE_SETTINGS.every(
        (setting) => this.reflector.getAllAndOverride(setting + name, targets) === undefined,
      );
      this.unsetRoutes.set(handler, unset);
    }
    return unset ? throttler : null;
  }
}

/** The charge QueryThrottlerGuard left to the query path, if it did. */
export const DeferredRateLimit = createParamDecorator(
  (_: unknown, context: ExecutionContext): RateLimitCharge | undefined =>
    context.switchToHttp().getRequest<DeferringRequest>()[DEFERRED],
);
