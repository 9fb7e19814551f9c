import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ADMIN_BEARER, INTERNAL_ERROR_RESPONSE } from './api-docs';

const TAGS: Array<[string, string]> = [
  ['sessions', 'A visitor’s session: create, read, reset, close, history, location, proactive messages'],
  ['query', 'Questions to the guide, answered whole or streamed'],
  ['pois', 'Points of interest'],
  ['admin', 'Operators: sessions, statistics, broadcasts, POIs (`Authorization: Bearer $ADMIN_TOKEN`)'],
  ['operations', 'Health, metrics'],
  ['pages', 'HTML pages served by the service'],
];

/**
 * The OpenAPI document of the app (served at /docs-json, printed by openapi.cli.ts). Needs no listening
 * server and no store: it reads the controllers' decorators only. Every operation may answer 500
 * INTERNAL (the global filter), so that response is added to all of them here.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Tour-guide sessions')
    .setDescription(
      'Sessions, queries and proactive messages of the AI tour-guide app. Every non-2xx response is an `ErrorEnvelope`; every response carries `X-Request-Id`.',
    )
    .setVersion('1')
    .setLicense('UNLICENSED', 'https://en.wikipedia.org/wiki/Proprietary_software')
    .addServer('/', 'this instance')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: undefined,
        description: 'The opaque `ADMIN_TOKEN` of the deployment (not a JWT); unset disables the admin API',
      },
      ADMIN_BEARER,
    )
    .addGlobalResponse(INTERNAL_ERROR_RESPONSE);
  for (const [name, description] of TAGS) builder.addTag(name, description);
  return SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
}
