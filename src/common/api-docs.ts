import { applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiHeader,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiSchema,
  getSchemaPath,
} from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ErrorCode, STATUS_OF } from './api-error';

/**
 * OpenAPI building blocks shared by every controller: the one error envelope of API.md, the error
 * statuses a route can answer, event streams, and the request headers of the query routes.
 */

export const ERROR_CODES = Object.keys(STATUS_OF) as ErrorCode[];

@ApiSchema({ name: 'ErrorBody' })
export class ErrorBodyDto {
  @ApiProperty({ enum: ERROR_CODES, example: 'VALIDATION_FAILED' })
  code!: ErrorCode;

  @ApiProperty({ example: 'The request is not valid' })
  message!: string;

  @ApiPropertyOptional({
    description:
      '`{field, message}` per validation problem; `{sessionId}` for AI_UNAVAILABLE (the session the query created or named)',
    type: 'array',
    items: { type: 'object', additionalProperties: { type: 'string' } },
    example: [{ field: 'text', message: 'text must be longer than or equal to 1 characters' }],
  })
  details?: Array<Record<string, string>>;
}

/** API.md "Errors": the body of every non-2xx response. */
@ApiSchema({ name: 'ErrorEnvelope', description: 'The body of every non-2xx response (API.md "Errors")' })
export class ErrorEnvelopeDto {
  @ApiProperty({ type: ErrorBodyDto })
  error!: ErrorBodyDto;

  @ApiProperty({ description: 'The same value as the X-Request-Id response header', example: '3f9c0e1a…' })
  requestId!: string;
}

/** What each error status means on this service, as the response's description. */
const MEANING: Record<number, string> = {
  400: '`VALIDATION_FAILED`: the body, a parameter or a header is not valid (`details`: `{field, message}`)',
  401: '`UNAUTHORIZED`: no valid admin bearer token, or the admin API is disabled (`ADMIN_TOKEN` unset)',
  403: '`SESSION_IP_MISMATCH`: `SESSION_IP_POLICY=reject` and the session was created from another address',
  404: '`SESSION_NOT_FOUND`: no live session with this id (unknown, malformed, ended or expired)',
  409: '`CONFLICT`',
  413: '`PAYLOAD_TOO_LARGE`: the JSON body is over 8 MiB',
  429: '`RATE_LIMITED`: over `RATE_LIMIT_PER_MINUTE` queries per client address (one budget for both query routes)',
  500: '`INTERNAL`: an unexpected failure (logged with the request id); never caused by bad input',
  503: '`STORE_UNAVAILABLE`: the session store does not answer; try again shortly',
};

/**
 * The error responses of a route, each with the shared ErrorEnvelope schema. A status may carry its
 * own description where the generic one does not say enough: `ApiErrorResponses(400, [409, 'CONFLICT: …'])`.
 * 500 is added to every operation by buildOpenApiDocument; list it here only to describe it better.
 */
export function ApiErrorResponses(
  ...statuses: Array<number | [number, string]>
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorEnvelopeDto),
    ...statuses.map((entry) => {
      const [status, description] = Array.isArray(entry) ? entry : [entry, MEANING[entry]];
      if (!description) throw new Error(`ApiErrorResponses: no description for status ${status}`);
      return ApiResponse({ status, description, type: ErrorEnvelopeDto });
    }),
  );
}

/** The security scheme of the admin API in the document (an opaque bearer token, not a JWT). */
export const ADMIN_BEARER = 'adminToken';

/** An admin route or controller: the bearer scheme, and its 401. */
export const ApiAdminAuth = (): MethodDecorator & ClassDecorator =>
  applyDecorators(ApiBearerAuth(ADMIN_BEARER), ApiErrorResponses(401));

/** 400 of a POST that takes no body: the body parser still rejects a JSON body that is not JSON. */
export const UNPARSABLE_BODY: [number, string] = [
  400,
  '`VALIDATION_FAILED`: a body was sent and is not valid JSON (the route takes none)',
];

/** The envelope as a response object, for DocumentBuilder.addGlobalResponse. */
export const INTERNAL_ERROR_RESPONSE = { status: 500, description: MEANING[500], type: ErrorEnvelopeDto };

/** One event of a text/event-stream response: its `event:` name and the schema of its JSON `data:`. */
export interface StreamEvent {
  name: string;
  data: new (...args: never[]) => unknown;
  /** What the event means and when it comes. */
  description: string;
  /** True when the event carries an `id:` line (a resume point for Last-Event-ID). */
  hasId?: boolean;
}

/** One parsed event as a schema: `{event: name, id?, data}`. */
function eventSchema(event: StreamEvent): SchemaObject {
  return {
    type: 'object',
    title: event.name,
    description: event.description,
    required: event.hasId ? ['event', 'id', 'data'] : ['event', 'data'],
    additionalProperties: false,
    properties: {
      event: { type: 'string', enum: [event.name] },
      ...(event.hasId
        ? { id: { type: 'string', description: 'resume point: send it back as Last-Event-ID' } }
        : {}),
      data: { $ref: getSchemaPath(event.data) },
    },
  };
}

/**
 * A 200 `text/event-stream` response. OpenAPI 3.0 has no schema for a stream, so the events are told
 * twice: in the description (a table a person reads), and as the schema of the body parsed into its
 * events: an array whose items are `{event, id?, data}` objects, one `oneOf` branch per event name
 * (the shape OpenAPI 3.2's `itemSchema` gives a stream). The conformance test validates every event a
 * test receives against that item schema.
 */
export function ApiEventStream(options: { description: string; events: StreamEvent[] }): MethodDecorator {
  const rows = options.events.map(
    (event) =>
      `| \`${event.name}\` | ${event.hasId ? 'message id' : '–'} | \`${event.data.name.replace(/Dto$/, '')}\` | ${event.description} |`,
  );
  const description = [
    options.description,
    '',
    '| event | id | data (JSON) | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    'The stream carries `Cache-Control: no-cache` and `X-Accel-Buffering: no`.',
  ].join('\n');
  const items = options.events.map(eventSchema);
  return applyDecorators(
    ApiExtraModels(...options.events.map((event) => event.data)),
    ApiResponse({
      status: 200,
      description,
      headers: {
        'Cache-Control': { description: '`no-cache`: streamed, never stored', schema: { type: 'string' } },
        'X-Accel-Buffering': {
          description: '`no`: proxies pass each event on at once',
          schema: { type: 'string' },
        },
      },
      content: {
        'text/event-stream': {
          schema: {
            type: 'array',
            description:
              'The stream parsed into its events, in order (comments such as `: heartbeat` are not events)',
            items: items.length === 1 ? items[0] : { oneOf: items },
          },
        },
      },
    }),
  );
}

/** API.md "Retries": the Idempotency-Key header of both query routes (a bad key is 400, a reused one 409). */
export const ApiIdempotencyKey = (): MethodDecorator =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'A retry with the same key on the same session returns the stored answer and stores nothing new; the same key with a different `text` is 409 `CONFLICT`',
    schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', minLength: 1, maxLength: 64 },
  });

/** The Last-Event-ID header of an event stream that can resume. */
export const ApiLastEventId = (): MethodDecorator =>
  ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description:
      'Resume after this message id (the `id:` of the last event received); absent: the pending messages',
    schema: { type: 'string', pattern: '^(0|\\d{1,20}-\\d{1,20})$' },
  });
