import { randomBytes } from 'node:crypto';
import { Clock } from '../common/clock';
import { Lease } from './lease';

/** The embedded store has one instance, so the lease only keeps this process's own runs apart. */
export class MemoryLease implements Lease {
  private readonly held = new Map<string, { token: string; until: number }>();

  constructor(private readonly clock: Clock) {}

  acquire(name: string, ttlMs: number): Promise<string | null> {
    const now = this.clock.now();
    const current = this.held.get(name);
    if (current && current.until > now) return Promise.resolve(null);
    const token = randomBytes(16).toString('hex');
    this.held.set(name, { token, until: now + ttlMs });
    return Promise.resolve(token);
  }

  renew(name: string, token: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now();
    const current = this.held.get(name);
    if (current?.token !== token || current.until <= now) return Promise.resolve(false);
    current.until = now + ttlMs;
    return Promise.resolve(true);
  }

  release(name: string, token: string): Promise<void> {
    if (this.held.get(name)?.token === token) this.held.delete(name);
    return Promise.resolve();
  }
}
