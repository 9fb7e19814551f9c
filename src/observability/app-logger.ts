import { LoggerService } from '@nestjs/common';
import type pino from 'pino';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * Nest's logger (every `new Logger(context)` in the code) written as lines of the root pino logger:
 * `{context, ...fields, msg}`. An object message is merged into the line (an Error becomes `err`); the
 * last optional parameter is the context, as Nest passes it.
 */
export class AppLogger implements LoggerService {
  constructor(private readonly root: pino.Logger) {}

  verbose(message: unknown, ...optional: unknown[]): void {
    this.write('trace', message, optional);
  }
  debug(message: unknown, ...optional: unknown[]): void {
    this.write('debug', message, optional);
  }
  log(message: unknown, ...optional: unknown[]): void {
    this.write('info', message, optional);
  }
  warn(message: unknown, ...optional: unknown[]): void {
    this.write('warn', message, optional);
  }
  error(message: unknown, ...optional: unknown[]): void {
    this.write('error', message, optional);
  }
  fatal(message: unknown, ...optional: unknown[]): void {
    this.write('fatal', message, optional);
  }

  private write(level: Level, message: unknown, optional: unknown[]): void {
    if (!this.root.isLevelEnabled(level)) return;
    const line: Record<string, unknown> = {};
    if (optional.length > 0) line.context = optional[optional.length - 1];
    const extra = optional.slice(0, -1);
    if (message instanceof Error) {
      line.err = message;
      this.root[level](line);
    } else if (typeof message === 'object' && message !== null) {
      this.root[level](Object.assign(line, message));
    } else if (level === 'error' && isStack(extra)) {
      // Nest's own exception handlers call error(message, stack, context).
      const err = new Error(String(message));
      err.stack = extra[0] as string;
      line.err = err;
      this.root[level](line);
    } else {
      this.root[level](line, String(message), ...extra);
    }
  }
}

const isStack = (extra: unknown[]): boolean =>
  extra.length === 1 && typeof extra[0] === 'string' && /\n\s*at /.test(extra[0]);
