import type { Express } from 'express';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { ClientInfo } from '../../domain';
import { prepareResponse } from './request-edge';

/**
 * A route answered by a plain Node handler ahead of express and Nest, for a request that stays open
 * long (an idle SSE stream): none of the pipeline's per-request objects are made for it, so none are
 * left behind once it is established. It answers like the pipeline does: the same hardening headers and
 * X-Request-Id (FrontKit), the error envelope, the access log line and the duration metric
 * (RequestObserver). Any request it does not claim goes to express.
 */
export interface FrontRoute {
  /** Cheap and synchronous: the request is this route's. */
  claims(request: IncomingMessage): boolean;
  serve(request: IncomingMessage, response: ServerResponse, kit: FrontKit): void;
}

/** What express's middleware gives every response and request, for a front route. */
export interface FrontKit {
  /** The hardening headers and X-Request-Id set on `response`; returns the request id. */
  prepare(request: IncomingMessage, response: ServerResponse): string;
  /** The caller's address as express derives it under TRUST_PROXY, and user agent. */
  clientOf(request: IncomingMessage): ClientInfo;
}

/** A request answered by a front route, as its access log line and duration metric need it. */
export interface ObservedRequest {
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly userAgent: string | undefined;
  /** The route template (never an id). */
  readonly route: string;
  /** performance.now() when it arrived. */
  readonly startedAt: number;
}

/** The access log and the HTTP metrics, for a request answered outside express. */
export interface RequestObserver {
  finished(request: ObservedRequest, statusCode: number): void;
}

function frontKit(expressApp: Express): FrontKit {
  // express's own request prototype: `ip` under the app's trust proxy setting.
  const expressRequest = (expressApp as unknown as { request: object }).request;
  return {
    prepare: prepareResponse,
    clientOf(request) {
      const view = Object.create(expressRequest, {
        headers: { value: request.headers },
        socket: { value: request.socket },
        connection: { value: request.socket },
      }) as { ip?: string };
      const userAgent = request.headers['user-agent'];
      return { ip: view.ip ?? null, userAgent: userAgent?.slice(0, 512) ?? null };
    },
  };
}

/**
 * Puts `route` in front of express on `server`. With CORS configured a request carrying an Origin goes
 * to express, whose CORS middleware answers it.
 */
export function putInFront(
  server: Server,
  route: FrontRoute,
  expressApp: Express,
  options: { corsEnabled: boolean },
): void {
  const kit = frontKit(expressApp);
  const behind = server.listeners('request') as RequestListener[];
  if (behind.length !== 1) throw new Error(`expected one request listener (express), found ${behind.length}`);
  const [express] = behind;
  server.removeListener('request', express);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (route.claims(request) && !(options.corsEnabled && request.headers.origin !== undefined)) {
      route.serve(request, response, kit);
    } else {
      void express(request, response);
    }
  });
}
