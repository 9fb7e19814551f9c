import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { SseParser } from '../sse-parser';
import { ApiContract, ObservedResponse } from './contract';
import { recordAbandoned, recordResponse, recordStream } from './tally';

/** Request ids of the responses an in-process app recorded, so the fetch recorder does not count them twice. */
export const recordedRequestIds = new Set<string>();

/** Bodies larger than this are checked for status and content type only. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

type Chunk = string | Buffer | Uint8Array;

const toBuffer = (chunk: Chunk, encoding: unknown): Buffer =>
  typeof chunk === 'string'
    ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
    : Buffer.from(chunk);

/**
 * Express middleware, first in the chain of every app startTestApp boots: it watches each response
 * the app sends (whatever the client: supertest, SseClient, fetch, a browser) and checks it against
 * the app's own document once it is complete; an event stream is checked when its headers go out and
 * then event by event.
 */
export function recordResponses(contractOf: () => ApiContract | undefined): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const base = { method: request.method, url: request.originalUrl };
    const observed = (body: string | undefined): ObservedResponse => {
      const type = response.getHeader('content-type');
      return { ...base, status: response.statusCode, contentType: type ? String(type) : undefined, body };
    };
    const chunks: Buffer[] = [];
    let size = 0;
    let onEvent: ((chunk: Buffer) => void) | null = null;
    let settled = false;

    const collect = (chunk: unknown, encoding: unknown): void => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buffer = toBuffer(chunk as Chunk, encoding);
      if (onEvent) onEvent(buffer);
      else if (size <= MAX_BODY_BYTES) {
        size += buffer.length;
        chunks.push(buffer);
      }
    };

    const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => Response;
    response.writeHead = ((...args: unknown[]) => {
      const result = writeHead(...args);
      const requestId = response.getHeader('x-request-id');
      if (requestId) recordedRequestIds.add(String(requestId));
      if (String(response.getHeader('content-type') ?? '').startsWith('text/event-stream')) {
        const stream = observed(undefined);
        const check = recordStream(contractOf(), stream);
        const parser = new SseParser();
        settled = true;
        onEvent = (chunk) => parser.feed(chunk.toString('utf8')).events.forEach(check);
      }
      return result;
    }) as Response['writeHead'];

    const write = response.write.bind(response) as (...args: unknown[]) => boolean;
    response.write = ((chunk: unknown, ...rest: unknown[]) => {
      collect(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as Response['write'];

    const end = response.end.bind(response) as (...args: unknown[]) => Response;
    response.end = ((chunk?: unknown, ...rest: unknown[]) => {
      collect(chunk, rest[0]);
      return end(chunk, ...rest);
    }) as Response['end'];

    response.on('finish', () => {
      if (settled) return;
      settled = true;
      const body = size <= MAX_BODY_BYTES ? Buffer.concat(chunks).toString('utf8') : undefined;
      recordResponse(contractOf(), observed(body));
    });
    response.on('close', () => {
      if (settled) return;
      settled = true;
      if (response.headersSent) recordResponse(contractOf(), observed(undefined));
      else recordAbandoned();
    });
    next();
  };
}
