import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import type { OpenAPIV3 } from 'openapi-types';
import supertest from 'supertest';
import { ARCHIVE_REPOSITORY, ArchiveRepository } from '../src/archive/archive.repository';
import { unstorableTextAt } from '../src/common/well-formed-text';
import { pgTestSchema } from './support/lifecycle';
import { ADMIN_TOKEN, startTestApp, TestApp } from './support/test-app';

jest.setTimeout(300_000);

/** Runs per app; FUZZ_RUNS raises it, FUZZ_SEED replays a failure fast-check reported. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** A request still unanswered after this (a long-poll, a stream) is not a 5xx: it is let go. */
const HOLD_MS = 1500;
/** How long an event stream is read before it is closed. */
const STREAM_READ_MS = 300;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
/** Two visitors' addresses: with SESSION_IP_POLICY=reject, one's session named by the other is 403. */
const VISITORS = ['198.51.100.7', '198.51.100.8'];
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

/** Any UTF-16 code unit (lone surrogates and NUL included) or any code point. */
const codeUnit = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
);
/** Readable text with one lone surrogate or NUL somewhere: what broke the Redis script. */
const unstorable = fc
  .tuple(
    fc.string({ maxLength: 10 }),
    fc.constantFrom('\ud800', '\udfff', '\ud83d', '\u0000'),
    fc.string({ maxLength: 10 }),
  )
  .map((parts) => parts.join(''));
const anyString = fc.oneof(
  fc.string({ unit: codeUnit, maxLength: 40 }),
  unstorable,
  fc.constantFrom(
    '',
    ' ',
    '\ud800 x',
    'a\u0000b',
    'x'.repeat(300),
    '😀',
    '%',
    '../',
    '0',
    '-1',
    '1e309',
    'null',
  ),
);
const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    anyString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(anyString, tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** Values shaped by a schema of the document (so requests get past the first check), or anything. */
function shapedBy(doc: OpenAPIV3.Document, schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  const ref = (schema as OpenAPIV3.ReferenceObject | undefined)?.$ref;
  const resolved = (ref ? doc.components?.schemas?.[ref.split('/').pop()!] : schema) as
    OpenAPIV3.SchemaObject | undefined;
  if (!resolved || depth > 3) return anyValue;
  const near = (): fc.Arbitrary<unknown> => {
    switch (resolved.type) {
      case 'string':
        return resolved.enum ? fc.constantFrom(...(resolved.enum as string[])) : anyString;
      case 'integer':
      case 'number':
        return fc.double({ min: resolved.minimum ?? -1e6, max: resolved.maximum ?? 1e6, noNaN: true });
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(shapedBy(doc, resolved.items, depth + 1), { maxLength: 3 });
      case 'object':
      case undefined: {
        const properties = Object.entries(resolved.properties ?? {});
        if (properties.length === 0) return fc.dictionary(anyString, anyString, { maxKeys: 3 });
        // Required properties mostly present, optional ones sometimes: most bodies get past the DTO.
        const required = new Set(resolved.required ?? []);
        const shape = Object.fromEntries(
          properties.map(([name, p]) => [
            name,
            fc.oneof(
              { weight: required.has(name) ? 1 : 2, arbitrary: fc.constant(undefined) },
              { weight: required.has(name) ? 9 : 1, arbitrary: shapedBy(doc, p, depth + 1) },
            ),
          ]),
        );
        return fc
          .record(shape)
          .map((value) => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)));
      }
    }
  };
  return fc.oneof({ weight: 4, arbitrary: near() }, { weight: 1, arbitrary: anyValue });
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Every byte of the text's UTF-8 as %XX (encodeURIComponent throws on a lone surrogate). */
const percentEncoded = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

/** One arbitrary request to one of the document's operations. */
function requestTo(doc: OpenAPIV3.Document, sessionIds: () => string[]): fc.Arbitrary<FuzzRequest> {
  const operations = Object.entries(doc.paths).flatMap(([template, item]) =>
    METHODS.flatMap((method) => (item?.[method] ? [{ template, method, operation: item[method] }] : [])),
  );
  const segment = fc.oneof(
    fc.nat().map((i) => ({ real: i })),
    anyString.map((text) => ({ text: percentEncoded(text) || 'x' })),
    fc.constantFrom('%ED%A0%80', '%', '%zz', '..', 'not-an-id').map((text) => ({ text })),
  );
  const headerValue = fc
    .string({ unit: 'binary-ascii', maxLength: 70 })
    .map((v) => v.replace(/[^\x20-\x7e]/g, ''));
  // Where strings enter the store, twice as often: the operations that take a body.
  const weighted = operations.flatMap((op) => (op.operation.requestBody ? [op, op] : [op]));
  return fc.constantFrom(...weighted).chain(({ template, method, operation }) => {
    const parameters = (operation.parameters ?? []) as OpenAPIV3.ParameterObject[];
    const query = fc.oneof(
      fc.constant({}),
      fc.dictionary(
        fc.oneof(
          {
            weight: 3,
            arbitrary: fc.constantFrom(
              ...parameters.filter((p) => p.in === 'query').map((p) => p.name),
              'extra',
            ),
          },
          { weight: 1, arbitrary: anyString },
        ),
        fc.oneof(anyString, fc.integer({ min: -5, max: 300 }).map(String)),
        { maxKeys: 3 },
      ),
    );
    const bodySchema = (operation.requestBody as OpenAPIV3.RequestBodyObject | undefined)?.content?.[
      'application/json'
    ]?.schema;
    const body = fc.oneof(
      shapedBy(doc, bodySchema).map((value) => JSON.stringify(value)),
      anyString, // not JSON at all
      fc.constant(undefined),
    );
    const headers = fc.record(
      {
        authorization: fc.oneof(fc.constant(`Bearer ${ADMIN_TOKEN}`), headerValue),
        'idempotency-key': headerValue,
        'last-event-id': fc.oneof(headerValue, fc.constantFrom('0', '1-0', '99999999999999-0')),
        'if-none-match': fc.constantFrom('*', '"x"', 'W/"1"'),
        'content-type': fc.oneof(
          { weight: 6, arbitrary: fc.constant('application/json') },
          { weight: 1, arbitrary: headerValue },
        ),
      },
      { requiredKeys: [] },
    );
    const visitor = fc.constantFrom(...VISITORS);
    return fc
      .record({ segment, query, body, headers, visitor })
      .map(({ segment: s, query: q, body: b, headers: h, visitor: ip }) => {
        const ids = sessionIds();
        const id = 'real' in s && ids.length > 0 ? ids[s.real % ids.length] : 'text' in s ? s.text : 'x';
        const search = new URLSearchParams(q).toString();
        return {
          method: method.toUpperCase(),
          path: template.replace(/\{[^}]+\}/g, id) + (search ? `?${search}` : ''),
          headers: { ...h, 'x-forwarded-for': ip },
          body: b,
        };
      });
  });
}

interface Answer {
  status: number | 'held';
  /** The session a 2xx JSON answer names (a new one from POST /v1/sessions or /v1/query). */
  sessionId?: string;
}

/** Sends one request and gives its status, or 'held' when no status came within HOLD_MS. */
function send(base: string, fuzz: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Node sends a GET or DELETE body unframed unless told its length; one connection per request.
    const length = fuzz.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(fuzz.body)) };
    const options = { method: fuzz.method, headers: { ...fuzz.headers, ...length }, agent: false };
    const req = httpRequest(`${base}${fuzz.path}`, options, (response) => {
      clearTimeout(timer);
      const status = response.statusCode ?? 0;
      let text = '';
      // A stream is read for a moment, then closed: an `error` event with a 5xx's code counts as one.
      if (String(response.headers['content-type']).startsWith('text/event-stream')) {
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        const settle = () => {
          req.destroy();
          const failed = /event: error\ndata: \{"code":"(INTERNAL|STORE_UNAVAILABLE|AI_UNAVAILABLE)"/.test(
            text,
          );
          resolve({ status: failed ? 500 : status });
        };
        response.on('end', settle);
        setTimeout(settle, STREAM_READ_MS); // a cap on reading a stream, not a wait: `end` settles first
        return;
      }
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        const named = /"sessionId":"([0-9a-f-]{36})"/.exec(text);
        resolve({ status, ...(status < 300 && named ? { sessionId: named[1] } : {}) });
      });
    });
    // The fuzz's own verdict, not a wait: a request with no status within HOLD_MS counts as held.
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ status: 'held' });
    }, HOLD_MS);
    req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    req.end(fuzz.body);
  });
}

/** Every archived entry of the sessions, read back from the archive the app wrote to. */
async function archivedEntries(sut: TestApp, ids: string[]): Promise<unknown[]> {
  const archive = sut.app.get<ArchiveRepository>(ARCHIVE_REPOSITORY);
  return (await Promise.all(ids.map((id) => archive.list(id)))).flat();
}

describe('Arbitrary requests to every route of the document find no 5xx (e2e, fast-check)', () => {
  const pg = pgTestSchema();
  const tally = { requests: 0, byClass: {} as Record<string, number>, archived: 0 };
  afterAll(async () => {
    await pg.drop();
    console.log(
      `fuzz: ${tally.requests} generated requests, by status class ${JSON.stringify(tally.byClass)}; ` +
        `${tally.archived} archived generations read back, all well-formed`,
    );
  });

  it.each([
    ['Redis store, PostgreSQL archive', { env: {}, pg: true }],
    ['embedded store, file archive', { env: { REDIS_URL: '' }, pg: false }],
  ])('on the %s', async (_, setup) => {
    const sut: TestApp = await startTestApp({
      env: { ...setup.env, TRUST_PROXY: 'loopback', SESSION_IP_POLICY: 'reject' },
      override: setup.pg ? (b) => b.overrideProvider(ARCHIVE_REPOSITORY).useValue(pg.open()) : undefined,
    });
    try {
      const doc = (await supertest(sut.server).get('/docs-json').expect(200)).body as OpenAPIV3.Document;
      // The sessions requests may name: two to start with, then every one an answer names.
      const ids: string[] = [];
      for (const ip of VISITORS) {
        const created = await supertest(sut.server)
          .post('/v1/sessions')
          .set('X-Forwarded-For', ip)
          .expect(201);
        ids.push(created.body.sessionId);
      }
      const failures: string[] = [];
      await fc.assert(
        fc.asyncProperty(
          requestTo(doc, () => ids),
          async (fuzz) => {
            const { status, sessionId } = await send(sut.url, fuzz);
            tally.requests++;
            const statusClass = status === 'held' ? 'held' : `${String(status)[0]}xx`;
            tally.byClass[statusClass] = (tally.byClass[statusClass] ?? 0) + 1;
            if (sessionId && !ids.includes(sessionId)) ids.push(sessionId);
            if (typeof status === 'number' && status >= 500)
              failures.push(`${status} ${fuzz.method} ${fuzz.path}`);
            return status === 'held' || status < 500;
          },
        ),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      expect(failures).toEqual([]);
      await supertest(sut.server).get('/health/ready').expect(200); // still standing

      // Whatever was stored is archived as well-formed text: end every session, read the archive back.
      for (const id of ids) await supertest(sut.server).delete(`/v1/admin/sessions/${id}`).set(admin);
      const entries = await archivedEntries(sut, ids);
      tally.archived += entries.length;
      expect(entries.length).toBeGreaterThanOrEqual(ids.length);
      expect(entries.filter((entry) => unstorableTextAt(entry) !== null)).toEqual([]);
    } finally {
      await sut.close();
    }
  });
});
