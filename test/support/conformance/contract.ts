import { get } from 'node:http';
import OpenAPIResponseValidator from 'openapi-response-validator';
import type { OpenAPIV3 } from 'openapi-types';

/** One response as a test received it (or as the app sent it). */
export interface ObservedResponse {
  method: string;
  /** Path and query, as requested. */
  url: string;
  status: number;
  contentType: string | undefined;
  /** The whole body as text; undefined for an event stream or a body cut short. */
  body: string | undefined;
}

/** One event of a text/event-stream response, parsed. */
export interface ObservedEvent {
  event: string;
  id?: string;
  data: string;
}

export type Verdict = { kind: 'validated' } | { kind: 'exempt' } | { kind: 'undescribed'; message: string };

interface Operation {
  template: string;
  operation: OpenAPIV3.OperationObject;
}

/**
 * Paths outside the API: the document itself and its UI. Static files (scripts, styles, images,
 * fonts) served by GET are not API either; a page that serves them needs no entry here.
 */
const EXEMPT_PATHS = /^\/docs(\/.*|-json)?$/;
const STATIC_CONTENT =
  /^(text\/css|text\/javascript|application\/javascript|image\/|font\/|application\/json\+map)/;

const essence = (contentType: string | undefined): string =>
  (contentType ?? '').split(';')[0].trim().toLowerCase();

/** Outside the document's scope, so never checked against it. */
export function isExempt(observed: ObservedResponse): boolean {
  const path = observed.url.split('?')[0];
  return (
    EXEMPT_PATHS.test(path) ||
    (observed.method === 'GET' && STATIC_CONTENT.test(essence(observed.contentType)))
  );
}

/** Formats the document uses; ajv checks no format it is not given. */
const FORMATS = {
  'date-time': (value: string) =>
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value),
  uuid: (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value),
};

/**
 * The document of one app, as a validator of its responses. The status must be listed for the
 * operation, the content type must be one the response lists, and the body must match its schema
 * (openapi-response-validator, the engine of jest-openapi, on ajv). Objects are checked strictly: a
 * property the schema does not name is an error, so the document cannot lag behind a new field.
 */
export class ApiContract {
  private readonly components: OpenAPIV3.ComponentsObject | undefined;
  private readonly operations: Array<{ pattern: RegExp; method: string } & Operation>;
  /** Compiled validators by schema location: compiling is the slow part. */
  private readonly validators = new Map<string, OpenAPIResponseValidator>();

  constructor(document: OpenAPIV3.Document) {
    const strict = noUndeclaredProperties(structuredClone(document));
    this.components = strict.components;
    this.operations = Object.entries(strict.paths)
      .flatMap(([template, item]) =>
        (['get', 'put', 'post', 'delete', 'patch'] as const).flatMap((method) =>
          item?.[method]
            ? [{ template, method, operation: item[method], pattern: pathPattern(template) }]
            : [],
        ),
      )
      // A path without parameters wins over a template that also matches it.
      .sort((a, b) => paramCount(a.template) - paramCount(b.template));
  }

  check(observed: ObservedResponse): Verdict {
    const path = observed.url.split('?')[0];
    const type = essence(observed.contentType);
    if (isExempt(observed)) return { kind: 'exempt' };
    const found = this.find(observed);
    const label = `${observed.method} ${path} → ${observed.status}`;
    if (!found) return this.checkUnrouted(observed, label);
    const where = `${found.method.toUpperCase()} ${found.template}`;
    const response = found.operation.responses[String(observed.status)] as
      OpenAPIV3.ResponseObject | undefined;
    if (!response) return undescribed(`${label}: status ${observed.status} is not listed for ${where}`);
    const listed = Object.keys(response.content ?? {});
    if (listed.length === 0) {
      return observed.body
        ? undescribed(`${label}: a body, where the document lists none`)
        : { kind: 'validated' };
    }
    if (!listed.includes(type)) {
      return undescribed(
        `${label}: content type ${type || '(none)'}, the document lists ${listed.join(', ')}`,
      );
    }
    if (observed.body === undefined || observed.method === 'HEAD') return { kind: 'validated' };
    let body: unknown = observed.body;
    if (type === 'application/json') {
      try {
        body = JSON.parse(observed.body);
      } catch {
        return undescribed(`${label}: the body is not JSON`);
      }
    }
    const problem = this.validate(
      `${where} ${observed.status} ${type}`,
      response.content?.[type]?.schema,
      body,
    );
    return problem
      ? undescribed(`${label}: ${problem} in ${JSON.stringify(body).slice(0, 300)}`)
      : { kind: 'validated' };
  }

  /** A stream's event against the item schema of its text/event-stream response. */
  checkEvent(observed: ObservedResponse, event: ObservedEvent): string | null {
    const found = this.find(observed);
    const label = `${observed.method} ${observed.url.split('?')[0]}`;
    const response = found?.operation.responses[String(observed.status)] as
      OpenAPIV3.ResponseObject | undefined;
    const schema = response?.content?.['text/event-stream']?.schema as
      OpenAPIV3.ArraySchemaObject | undefined;
    if (!found || !schema?.items) return `${label}: no event schema`;
    let data: unknown;
    try {
      data = JSON.parse(event.data);
    } catch {
      return `${label}: event ${event.event} carries data that is not JSON: ${event.data}`;
    }
    const parsed = { event: event.event, ...(event.id !== undefined ? { id: event.id } : {}), data };
    const problem = this.validate(`${found.method} ${found.template} event`, schema.items, parsed);
    return problem ? `${label}: event ${JSON.stringify(parsed)}: ${problem}` : null;
  }

  private find(observed: ObservedResponse) {
    const path = observed.url.split('?')[0];
    const method = observed.method === 'HEAD' ? 'get' : observed.method.toLowerCase();
    return this.operations.find((op) => op.method === method && op.pattern.test(path));
  }

  /** No operation has this method and path: only the router's 404 NOT_FOUND envelope is described. */
  private checkUnrouted(observed: ObservedResponse, label: string): Verdict {
    if (observed.status === 404 && observed.body && essence(observed.contentType) === 'application/json') {
      const body = JSON.parse(observed.body) as { error?: { code?: string } };
      const envelope = { $ref: '#/components/schemas/ErrorEnvelope' };
      if (body.error?.code === 'NOT_FOUND' && !this.validate('ErrorEnvelope', envelope, body)) {
        return { kind: 'validated' };
      }
    }
    return undescribed(`${label}: no operation in the document for this method and path`);
  }

  /** The problems of `value` against `schema` (resolving the document's components), or null. */
  private validate(key: string, schema: unknown, value: unknown): string | null {
    let validator = this.validators.get(key);
    if (!validator) {
      validator = new OpenAPIResponseValidator({
        responses: { '200': { schema: schema as OpenAPIV3.SchemaObject } },
        components: this.components,
        customFormats: FORMATS,
      });
      this.validators.set(key, validator);
    }
    const error = validator.validateResponse('200', value);
    if (!error) return null;
    return (error.errors as Array<{ path: string; message: string }>)
      .map(({ path, message }) => `${path} ${message}`)
      .join(', ');
  }
}

/**
 * The contract of the app listening at `baseUrl`, from its /docs-json. Over a connection of its own
 * that closes after the answer, so no keep-alive socket outlives it (a resource test counts them).
 */
export function readContract(baseUrl: string): Promise<ApiContract> {
  return new Promise((resolve, reject) => {
    get(`${baseUrl}/docs-json`, { agent: false, headers: { connection: 'close' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        try {
          resolve(new ApiContract(JSON.parse(text) as OpenAPIV3.Document));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    }).on('error', reject);
  });
}

const undescribed = (message: string): Verdict => ({ kind: 'undescribed', message });

const paramCount = (template: string): number => (template.match(/\{/g) ?? []).length;

/** `/v1/sessions/{id}` → /^\/v1\/sessions\/[^/]+\/?$/ (Express also routes a trailing slash). */
function pathPattern(template: string): RegExp {
  const segments = template
    .split('/')
    .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}/?$`);
}

/** Sets `additionalProperties: false` on every object schema that names its properties and no more. */
function noUndeclaredProperties(document: OpenAPIV3.Document): OpenAPIV3.Document {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const schema = node as Record<string, unknown>;
      if (schema.properties && typeof schema.properties === 'object' && !('additionalProperties' in schema)) {
        schema.additionalProperties = false;
      }
      Object.values(schema).forEach(visit);
    }
  };
  visit(document.components?.schemas);
  visit(document.paths);
  return document;
}
