import { randomBytes } from 'node:crypto';
import { RedisStore } from '../store';
import { Lease } from './lease';

/** Compare-and-delete: only the token that set the key may remove it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Compare-and-extend: only the token that holds the key may extend it. ARGV: token, ttlMs. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** `{prefix}lease:{name}` set with NX and a PX expiry, so a crashed holder frees it after its TTL. */
export class RedisLease implements Lease {
  constructor(private readonly store: RedisStore) {}

  private key(name: string): string {
    return this.store.key('lease', name);
  }

  async acquire(name: string, ttlMs: number): Promise<string | null> {
    const token = randomBytes(16).toString('hex');
    const reply = await this.store.run((client) => client.set(this.key(name), token, 'PX', ttlMs, 'NX'));
    return reply === 'OK' ? token : null;
  }

  async renew(name: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.store.script<number>(RENEW, [this.key(name)], [token, ttlMs])) === 1;
  }

  async release(name: string, token: string): Promise<void> {
    await this.store.script(RELEASE, [this.key(name)], [token]);
  }
}
