import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app';

const ADMIN = { Authorization: 'Bearer test-admin-token' };
const pngDataUrl = (decodedBytes: number) =>
  `data:image/png;base64,${Buffer.alloc(decodedBytes, 7).toString('base64')}`;

describe('Input validation and the error envelope (e2e)', () => {
  let sut: TestApp;
  let sessionId: string;

  beforeAll(async () => {
    sut = await startTestApp();
    sessionId = (await request(sut.server).post('/v1/sessions').send({}).expect(201)).body.sessionId;
  });
  afterAll(() => sut.close());

  /** Every 400 is a VALIDATION_FAILED envelope naming the field, with the response's request id. */
  async function expectValidationError(test: request.Test, field: string): Promise<void> {
    const response = await test.expect(400);
    expect(response.body).toEqual({
      error: { code: 'VALIDATION_FAILED', message: expect.any(String), details: expect.any(Array) },
      requestId: response.headers['x-request-id'],
    });
    expect(response.body.error.details).toContainEqual({ field, message: expect.any(String) });
  }

  describe('POST /v1/sessions', () => {
    it.each([
      ['locale', { locale: 'x'.repeat(36) }],
      ['locale', { locale: 'not a locale!' }],
      ['locale', { locale: 42 }],
      ['metadata', { metadata: { nested: { a: 'b' } } }],
      ['metadata', { metadata: { n: 1 } }],
      ['metadata', { metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }],
      ['metadata', { metadata: { long: 'x'.repeat(257) } }],
      [
        'metadata',
        { metadata: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'x'.repeat(250)])) },
      ],
      ['metadata', { metadata: ['a'] }],
      ['sessionId', { sessionId: 'chosen-by-client' }],
    ])('rejects a bad %s: %j', (field, body) =>
      expectValidationError(request(sut.server).post('/v1/sessions').send(body), field),
    );
  });

  describe('POST /v1/query', () => {
    it.each([
      ['text', {}],
      ['text', { text: '' }],
      ['text', { text: 'x'.repeat(4001) }],
      ['text', { text: 12 }],
      ['image', { text: 'q', image: 'data:image/bmp;base64,AAAA' }],
      ['image', { text: 'q', image: 'http://example.com/a.png' }],
      ['image', { text: 'q', image: 'data:image/png;base64,***' }],
      ['image', { text: 'q', image: pngDataUrl(5 * 1024 * 1024 + 3) }],
      ['location.lat', { text: 'q', location: { lat: 91, lon: 0 } }],
      ['location.lon', { text: 'q', location: { lat: 0, lon: -181 } }],
      ['location.accuracy', { text: 'q', location: { lat: 0, lon: 0, accuracy: -1 } }],
      ['location.lat', { text: 'q', location: { lon: 0 } }],
      ['extra', { text: 'q', extra: true }],
    ])('rejects a bad %s', (field, body) =>
      expectValidationError(request(sut.server).post('/v1/query').send(body), field),
    );

    it('drops a __proto__ key: the DTO inherits nothing the client sent (its bad image is never seen)', async () => {
      const response = await request(sut.server)
        .post('/v1/query')
        .set('content-type', 'application/json')
        .send('{"text":"hello","__proto__":{"image":"data:image/bmp;base64,AAAA","extra":true}}');
      expect(response.status).toBe(200);
      expect(response.body.sessionCreated).toBe(true);
    });

    it('accepts an image of exactly 5 MiB', async () => {
      const response = await request(sut.server)
        .post('/v1/query')
        .send({ text: 'what is this', image: pngDataUrl(5 * 1024 * 1024) });
      expect(response.status).toBe(200);
    });
  });

  describe('GET /v1/sessions/:id/history', () => {
    it.each([
      ['limit', 'limit=0'],
      ['limit', 'limit=201'],
      ['limit', 'limit=abc'],
      ['before', 'before=0'],
    ])('rejects a bad %s (%s)', (field, query) =>
      expectValidationError(request(sut.server).get(`/v1/sessions/${sessionId}/history?${query}`), field),
    );
  });

  describe('GET /v1/pois', () => {
    it.each([
      ['lat', 'lon=116.39'],
      ['lon', 'lat=39.91'],
      ['radius', 'lat=39.91&lon=116.39&radius=0'],
      ['radius', 'lat=39.91&lon=116.39&radius=50001'],
    ])('rejects a bad %s (%s)', (field, query) =>
      expectValidationError(request(sut.server).get(`/v1/pois?${query}`), field),
    );
  });

  describe('GET /v1/admin/sessions', () => {
    it.each([
      ['limit', 'limit=101'],
      ['cursor', 'cursor=zz'],
    ])('rejects a bad %s', (field, query) =>
      expectValidationError(request(sut.server).get(`/v1/admin/sessions?${query}`).set(ADMIN), field),
    );
  });

  it('answers invalid JSON with 400 VALIDATION_FAILED', async () => {
    const response = await request(sut.server)
      .post('/v1/query')
      .set('Content-Type', 'application/json')
      .send('{"text": "unterminated')
      .expect(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.requestId).toBe(response.headers['x-request-id']);
  });

  it('answers a JSON body over 8 MiB with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await request(sut.server)
      .post('/v1/query')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ text: 'q', image: 'x'.repeat(8 * 1024 * 1024 + 10) }))
      .expect(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers an unknown route with 404 NOT_FOUND', async () => {
    const response = await request(sut.server).get('/v1/nothing-here').expect(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
  });

  it('echoes the client request id, or generates one', async () => {
    const own = await request(sut.server)
      .get('/v1/sessions/nope')
      .set('X-Request-Id', 'client-abc-123')
      .expect(404);
    expect(own.headers['x-request-id']).toBe('client-abc-123');
    expect(own.body.requestId).toBe('client-abc-123');
    const generated = await request(sut.server).get('/health/live').expect(200);
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f]{24}$/);
  });
});
