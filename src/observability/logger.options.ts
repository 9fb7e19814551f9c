import type { Params } from 'nestjs-pino';
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config';
import { requestIdOf } from '../common/request-id.middleware';

const SESSION_ID_IN_TEXT = /([0-9a-f]{8})-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/gi;

/** A session id is a bearer credential: only its first 8 characters ever reach a log line. */
export function redactSessionIds(text: string): string {
  return text.replace(SESSION_ID_IN_TEXT, '$1…');
}

/** JSON lines on stdout with the request id; no session id in full, no token, key or image data. */
export function loggerOptions(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      // The last word on every line, whatever logged it (an error message quoting a key, a job id…).
      hooks: { streamWrite: redactSessionIds },
      genReqId: (request: IncomingMessage) => requestIdOf(request as Request),
      customProps: () => ({ service: 'tour-guide-sessions' }),
      redact: {
        paths: ['req.headers.authorization', 'req.headers.cookie', 'req.body', 'res.headers["set-cookie"]'],
        remove: true,
      },
      serializers: {
        req: (request: { id: string; method: string; url: string; headers: Record<string, unknown> }) => ({
          id: request.id,
          method: request.method,
          url: request.url,
          userAgent: request.headers['user-agent'],
        }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
      autoLogging: { ignore: (request: IncomingMessage) => request.url === '/health/live' },
    },
  };
}
