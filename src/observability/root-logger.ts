import { hostname } from 'node:os';
import pino from 'pino';
import { AppConfig } from '../config/app-config';

const SESSION_ID_IN_TEXT = /([0-9a-f]{8})-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/gi;

/** A session id is a bearer credential: only its first 8 characters ever reach a log line. */
export function redactSessionIds(text: string): string {
  // A session id holds `-4` (its version digit): a line without one is left without running the pattern.
  return text.includes('-4') ? text.replace(SESSION_ID_IN_TEXT, '$1…') : text;
}

/**
 * stdout, written asynchronously: a line is handed to the kernel soon after it is logged, lines logged
 * while a write is in flight go out together in the next, and pino flushes what is left synchronously
 * when the process exits (also on a signal or an uncaught exception). A synchronous write per line costs
 * a system call in every request's path. One destination per process, whatever the number of apps.
 */
let stdout: pino.DestinationStream | null = null;
function asyncStdout(): pino.DestinationStream {
  stdout ??= pino.destination({ dest: 1, sync: false });
  return stdout;
}

/**
 * The process's one pino logger: JSON lines on stdout, every line through the session-id redaction.
 * Nothing is bound per request (no child logger, no AsyncLocalStorage): the access line and the error
 * lines name the request id themselves. `destination` is for tests.
 */
export function createRootLogger(
  config: Pick<AppConfig, 'logLevel'>,
  destination: pino.DestinationStream = asyncStdout(),
): pino.Logger {
  return pino(
    {
      level: config.logLevel,
      // The last word on every line, whatever logged it (an error message quoting a key, a job id…).
      hooks: { streamWrite: redactSessionIds },
      base: { pid: process.pid, hostname: hostname(), service: 'tour-guide-sessions' },
    },
    destination,
  );
}
