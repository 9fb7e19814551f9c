import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { OpenAPIV3 } from 'openapi-types';
import request from 'supertest';
import { ApiContract } from './support/conformance/contract';
import { startTestApp, TestApp } from './support/test-app';

const ROOT = join(__dirname, '..');
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

function operations(doc: OpenAPIV3.Document) {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item?.[method] ? [{ path, method, operation: item[method] }] : [])),
  );
}

describe('The OpenAPI document (e2e)', () => {
  let sut: TestApp;
  let doc: OpenAPIV3.Document;

  beforeAll(async () => {
    sut = await startTestApp();
    doc = (await request(sut.server).get('/docs-json').expect(200)).body;
  });
  afterAll(() => sut.close());

  it('is what openapi.cli.ts prints with no server, no Redis and no network', () => {
    const env = {
      PATH: process.env.PATH,
      REDIS_URL: 'redis://127.0.0.1:1/0',
      DATABASE_URL: 'postgres://x@127.0.0.1:1/x',
    };
    const printed = execFileSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/openapi.cli.ts'],
      {
        cwd: ROOT,
        env,
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(printed)).toEqual(doc);
  });

  it('gives every operation a summary, a tag, a security statement and the envelope on every error status', () => {
    const problems = operations(doc).flatMap(({ path, method, operation }) => {
      const where = `${method.toUpperCase()} ${path}`;
      const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
      return [
        ...(operation.summary ? [] : [`${where}: no summary`]),
        ...(operation.tags?.length ? [] : [`${where}: no tag`]),
        ...(operation.security ? [] : [`${where}: no security`]),
        ...(errors.some(([status]) => status === '500') ? [] : [`${where}: no 500`]),
        ...errors
          .filter(
            ([, response]) =>
              (response as OpenAPIV3.ResponseObject).content?.['application/json']?.schema?.[
                '$ref' as never
              ] !== '#/components/schemas/ErrorEnvelope',
          )
          .map(([status]) => `${where}: ${status} without the ErrorEnvelope`),
      ];
    });
    expect(problems).toEqual([]);
  });

  it('describes the admin scheme as an opaque bearer token and the create body as optional', () => {
    expect(doc.components?.securitySchemes?.adminToken).toEqual({
      type: 'http',
      scheme: 'bearer',
      description: expect.stringContaining('not a JWT'),
    });
    expect(doc.paths['/v1/sessions']?.post?.requestBody).toMatchObject({ required: false });
    const adminOps = operations(doc).filter(({ path }) => path.startsWith('/v1/admin/'));
    expect(adminOps.length).toBeGreaterThanOrEqual(8);
    for (const { operation } of adminOps) {
      expect(operation.security).toEqual([{ adminToken: [] }]);
      expect(operation.responses).toHaveProperty('401');
    }
  });

  it('documents both event streams with each event, and the Idempotency-Key and Last-Event-ID headers', () => {
    const headers = (operation?: OpenAPIV3.OperationObject) =>
      (operation?.parameters as OpenAPIV3.ParameterObject[])
        .filter((p) => p.in === 'header')
        .map((p) => p.name);
    const eventNames = (operation?: OpenAPIV3.OperationObject) => {
      const ok = operation?.responses['200'] as OpenAPIV3.ResponseObject;
      const items = (ok.content?.['text/event-stream']?.schema as OpenAPIV3.ArraySchemaObject)
        .items as OpenAPIV3.SchemaObject;
      return (items.oneOf ?? [items]).map(
        (branch) => (branch as OpenAPIV3.SchemaObject).properties?.event?.['enum' as never],
      );
    };
    const stream = doc.paths['/v1/query/stream']?.post;
    const events = doc.paths['/v1/sessions/{id}/events']?.get;
    expect(eventNames(stream)).toEqual([['session'], ['delta'], ['done'], ['error']]);
    expect(eventNames(events)).toEqual([['message']]);
    expect(headers(stream)).toContain('Idempotency-Key');
    expect(headers(doc.paths['/v1/query']?.post)).toContain('Idempotency-Key');
    expect(headers(events)).toContain('Last-Event-ID');
    expect(
      Object.keys((doc.paths['/metrics']?.get?.responses['200'] as OpenAPIV3.ResponseObject).content ?? {}),
    ).toEqual(['text/plain']);
  });

  describe('as the conformance test applies it', () => {
    let contract: ApiContract;
    const id = '2b1d6f4e-8c1a-4f7e-9d2b-0c3e5a7b9d11';
    const view = {
      sessionId: id,
      createdAt: '2026-01-01T00:00:00.000Z',
      lastActivityAt: '2026-01-01T00:00:00.000Z',
      expiresAt: '2026-01-01T04:00:00.000Z',
      turnCount: 0,
      pendingMessages: 0,
      locale: 'zh-CN',
    };
    const json = 'application/json; charset=utf-8';
    const envelope = (code: string) => JSON.stringify({ error: { code, message: 'm' }, requestId: 'r' });

    beforeAll(() => {
      contract = new ApiContract(doc);
    });

    it('accepts what the document describes', () => {
      const ok = {
        method: 'GET',
        url: `/v1/sessions/${id}`,
        status: 200,
        contentType: json,
        body: JSON.stringify(view),
      };
      expect(contract.check(ok)).toEqual({ kind: 'validated' });
      expect(
        contract.check({
          method: 'GET',
          url: '/nowhere',
          status: 404,
          contentType: json,
          body: envelope('NOT_FOUND'),
        }),
      ).toEqual({ kind: 'validated' });
    });

    it.each([
      ['an unlisted status', { status: 418, body: envelope('INTERNAL') }, /status 418 is not listed/],
      [
        'a property the schema does not name',
        { body: JSON.stringify({ ...view, extra: 1 }) },
        /additional properties/,
      ],
      [
        'a missing property',
        { body: JSON.stringify({ ...view, locale: undefined }) },
        /required property 'locale'/,
      ],
      ['a wrong type', { body: JSON.stringify({ ...view, turnCount: '0' }) }, /must be integer/],
      [
        'a time that is not ISO-8601',
        { body: JSON.stringify({ ...view, createdAt: 'yesterday' }) },
        /date-time/,
      ],
      ['another content type', { contentType: 'text/html' }, /content type text\/html/],
      [
        'an error without the envelope',
        { status: 404, body: JSON.stringify({ message: 'gone' }) },
        /required property/,
      ],
      ['an unknown route answering 200', { url: '/v1/elsewhere' }, /no operation in the document/],
    ])('rejects %s', (_, change, message) => {
      const observed = {
        method: 'GET',
        url: `/v1/sessions/${id}`,
        status: 200,
        contentType: json,
        body: JSON.stringify(view),
        ...change,
      };
      const verdict = contract.check(observed);
      expect(verdict).toMatchObject({ kind: 'undescribed', message: expect.stringMatching(message) });
    });

    it('checks each event of a stream against its schema', () => {
      const stream = {
        method: 'POST',
        url: '/v1/query/stream',
        status: 200,
        contentType: 'text/event-stream',
        body: undefined,
      };
      expect(contract.checkEvent(stream, { event: 'delta', data: '{"text":"Hi"}' })).toBeNull();
      expect(contract.checkEvent(stream, { event: 'delta', data: '{"text":1}' })).toMatch(
        /must be string|must match/,
      );
      expect(contract.checkEvent(stream, { event: 'surprise', data: '{}' })).not.toBeNull();
    });
  });
});
