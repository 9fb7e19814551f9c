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
 * INTERNAL (the global filter), so that response is added to all of them here;
 * schema names lose their `Dto` suffix; operations without the admin scheme are marked public.
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
  const document = SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (controllerKey, methodKey) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  return withoutDtoSuffix(publicUnlessSecured(document));
}

/** An operation without the admin scheme is public: it says so (`security: []`) rather than by omission. */
function publicUnlessSecured(document: OpenAPIObject): OpenAPIObject {
  for (const path of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = path[method];
      if (operation && !operation.security) operation.security = [];
    }
  }
  return document;
}

/**
 * Schema names as a client reads them: `SessionViewDto` is `SessionView` in the document (and in the
 * types generated from it). Two classes that differ only by the suffix are an error.
 */
function withoutDtoSuffix(document: OpenAPIObject): OpenAPIObject {
  const schemas = document.components?.schemas ?? {};
  const renamed: typeof schemas = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const plain = name.replace(/Dto$/, '');
    if (plain in renamed) throw new Error(`Two OpenAPI schemas are named ${plain}`);
    renamed[plain] = schema;
  }
  const json = JSON.stringify({ ...document, components: { ...document.components, schemas: renamed } });
  return JSON.parse(
    json.replace(/"#\/components\/schemas\/(\w+?)Dto"/g, '"#/components/schemas/$1"'),
  ) as OpenAPIObject;
}
