import type { Params } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import { hostname } from 'node:os';
import type { Request } from 'express';
import pino from 'pino';
import { AppConfig } from '../config/app-config';
import { requestIdOf } from '../common/request-id.middleware';

const SESSION_ID_IN_TEXT = /([0-9a-f]{8})-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/gi;

/** A session id is a bearer credential: only its first 8 characters ever reach a log line. */
export function redactSessionIds(text: string): string {
  return text.replace(SESSION_ID_IN_TEXT, '$1…');
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

type LoggedRequest = IncomingMessage & { id: string; originalUrl?: string };

/** JSON lines on stdout with the request id; no session id in full, no token, key or image data. */
export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: [
      {
        level: config.logLevel,
        // The last word on every line, whatever logged it (an error message quoting a key, a job id…).
        hooks: { streamWrite: redactSessionIds },
        genReqId: (request: IncomingMessage) => requestIdOf(request as Request),
        // On every line, set once rather than bound to each request's logger.
        base: { pid: process.pid, hostname: hostname(), service: 'tour-guide-sessions' },
        redact: {
          paths: ['req.headers.authorization', 'req.headers.cookie', 'req.body', 'res.headers["set-cookie"]'],
          remove: true,
        },
        // Ours see the raw request and response: the library's wrapping would first copy every header.
        wrapSerializers: false,
        serializers: {
          req: (request: LoggedRequest) => ({
            id: request.id,
            method: request.method,
            url: request.originalUrl ?? request.url,
            userAgent: request.headers['user-agent'],
          }),
          res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
        },
        autoLogging: { ignore: (request: IncomingMessage) => request.url === '/health/live' },
      },
      asyncStdout(),
    ],
  };
}
