import { Logger } from '@nestjs/common';
import { Clock, systemClock } from '../common/clock';

/** What a Redis connection (ioredis, a Cluster) reports about itself. */
export interface ConnectionEvents {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready' | 'end', listener: () => void): unknown;
}

const logger = new Logger('Redis');

/** Socket-level failures: a connection that is down, as opposed to a command Redis refused. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return error.message || (typeof code === 'string' ? code : '') || error.name;
}

export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
  return /Connection is closed|Stream isn't writeable|connect ETIMEDOUT|All sentinels are unreachable/i.test(
    error.message,
  );
}

/**
 * One log line per change of a connection's state: `redis <name> down: <reason>` at the first error
 * (or the end of reconnecting), `redis <name> back after <ms> ms` when it is ready again; nothing for
 * the errors in between (ioredis reports every failed reconnect and every failed command). Also the
 * listener ioredis needs: without an 'error' listener Node would crash the process. Call `closing()`
 * before a deliberate quit, so that its end is not reported as an outage.
 */
export class ConnectionStateLog {
  private downSince: number | null = null;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly clock: Clock = systemClock,
  ) {}

  static watch(connection: ConnectionEvents, name: string, clock?: Clock): ConnectionStateLog {
    const log = new ConnectionStateLog(name, clock);
    connection.on('error', (error) => log.down(describe(error)));
    connection.on('end', () => log.down('connection ended'));
    connection.on('ready', () => log.back());
    return log;
  }

  get isDown(): boolean {
    return this.downSince !== null;
  }

  down(reason: string): void {
    if (this.closed || this.downSince !== null) return;
    this.downSince = this.clock.now();
    logger.warn(`redis ${this.name} down: ${reason}`);
  }

  back(): void {
    if (this.downSince === null) return;
    const ms = this.clock.now() - this.downSince;
    this.downSince = null;
    if (!this.closed) logger.log(`redis ${this.name} back after ${ms} ms`);
  }

  closing(): void {
    this.closed = true;
  }
}
