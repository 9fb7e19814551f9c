import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import type { IncomingMessage, Server } from 'node:http';
import { AppConfig } from './config/app-config';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { withBodyErrors } from './common/body-parser-errors';
import { buildOpenApiDocument } from './common/openapi-document';
import { createValidationPipe } from './common/validation.pipe';
import { AfterApiRoutes } from './common/http/after-api-routes';
import { putInFront } from './common/http/front-route';
import { requestEdge } from './common/http/request-edge';
import { AppLogger, HttpRequestObserver } from './observability';
import { SessionEventsRoute } from './proactive';

/** JSON bodies fit a 5 MiB image (base64: ~6.7 MiB) and no more. */
export const JSON_BODY_LIMIT = '8mb';

/**
 * Only the methods whose routes take a body have it parsed: a body sent with GET or DELETE is ignored,
 * as those routes would ignore it anyway, rather than answered 400 or 413.
 */
const hasJsonBody = (request: IncomingMessage): boolean =>
  ['POST', 'PUT', 'PATCH'].includes(request.method ?? '') &&
  /^application\/json\s*(;|$)/i.test(request.headers['content-type'] ?? '');

/** Express's `trust proxy` from TRUST_PROXY: true/false, a hop count, or names/subnets. */
function trustProxyValue(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * Everything between NestFactory.create and listen: one function that main.ts and the e2e tests both
 * call, so tests run the real pipeline. The app must be created with `bodyParser: false`.
 */
export function configureApp(app: INestApplication, config: AppConfig): void {
  const expressApp = app as NestExpressApplication;
  expressApp.useLogger(app.get(AppLogger));
  expressApp.set('trust proxy', trustProxyValue(config.trustProxy));
  expressApp.disable('x-powered-by');
  // No ETag and no conditional GET, so never a 304: answers are live state (a read even refreshes a
  // session's activity), and 304 is a status the document does not list.
  expressApp.set('etag', false);
  // Ahead of every other middleware: each response, a body parser's rejection too, gets the hardening
  // headers, a request id, its duration metric and its access line.
  expressApp.use(requestEdge(app.get(HttpRequestObserver).watch));
  expressApp.use(withBodyErrors(express.json({ limit: JSON_BODY_LIMIT, type: hasJsonBody })));
  if (config.corsOrigins.length > 0) expressApp.enableCors({ origin: [...config.corsOrigins] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app
    .get(AfterApiRoutes)
    .add(() => SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' }));
  // The SSE stream route ahead of express: an idle stream keeps nothing of the pipeline.
  putInFront(
    app.getHttpServer() as Server,
    app.get(SessionEventsRoute),
    expressApp.getHttpAdapter().getInstance(),
    {
      corsEnabled: config.corsOrigins.length > 0,
    },
  );
}
