import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { Logger } from 'nestjs-pino';
import { AppConfig } from './config/app-config';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { bodyParserErrorHandler } from './common/body-parser-errors';
import { buildOpenApiDocument } from './common/openapi-document';
import { requestIdMiddleware } from './common/request-id.middleware';
import { createValidationPipe } from './common/validation.pipe';

/** JSON bodies fit a 5 MiB image (base64: ~6.7 MiB) and no more. */
export const JSON_BODY_LIMIT = '8mb';

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
  expressApp.useLogger(app.get(Logger));
  expressApp.set('trust proxy', trustProxyValue(config.trustProxy));
  expressApp.disable('x-powered-by');
  expressApp.use(requestIdMiddleware);
  expressApp.use(express.json({ limit: JSON_BODY_LIMIT }));
  expressApp.use(bodyParserErrorHandler);
  if (config.corsOrigins.length > 0) expressApp.enableCors({ origin: [...config.corsOrigins] });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
