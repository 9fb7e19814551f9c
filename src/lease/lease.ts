/**
 * A named lease: at most one holder at a time, across every instance sharing the store. Acquiring
 * returns a random token; only the holder of that token can release it, so a holder whose lease
 * expired (a sweep that overran) can never release someone else's.
 */
export interface Lease {
  /** The token when this caller now holds the lease, null when someone else does. */
  acquire(name: string, ttlMs: number): Promise<string | null>;
  /**
   * Extends the lease to `ttlMs` from now if `token` still holds it (a long sweep, between batches);
   * false when it no longer does (it expired, and may be someone else's): the holder stops then.
   */
  renew(name: string, token: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease if `token` still holds it; a no-op otherwise. */
  release(name: string, token: string): Promise<void>;
}

export const LEASE = Symbol('LEASE');
