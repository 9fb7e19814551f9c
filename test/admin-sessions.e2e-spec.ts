import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app';

const ADMIN = { Authorization: 'Bearer test-admin-token' };

describe('/v1/admin/sessions (e2e, Redis)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp();
  });
  afterAll(() => sut.close());

  const create = async (metadata: Record<string, string> = {}) =>
    (
      await request(sut.server)
        .post('/v1/sessions')
        .set('User-Agent', 'tour-app/1.0')
        .send({ metadata })
        .expect(201)
    ).body.sessionId as string;

  describe('the bearer-token guard', () => {
    it.each([
      ['no header', {}],
      ['a wrong token', { Authorization: 'Bearer wrong' }],
      ['another scheme', { Authorization: 'Basic dGVzdC1hZG1pbi10b2tlbg==' }],
    ])('answers 401 UNAUTHORIZED with %s', async (_, headers) => {
      const response = await request(sut.server).get('/v1/admin/sessions').set(headers).expect(401);
      expect(response.body.error.code).toBe('UNAUTHORIZED');
    });

    it('answers 401 for every admin call when ADMIN_TOKEN is unset', async () => {
      const open = await startTestApp({ env: { ADMIN_TOKEN: '' } });
      try {
        await request(open.server).get('/v1/admin/sessions').set(ADMIN).expect(401);
        await request(open.server).delete('/v1/admin/sessions/x').set(ADMIN).expect(401);
      } finally {
        await open.close();
      }
    });
  });

  it('lists sessions most recently active first, page by page, without touching them', async () => {
    const [a, b, c] = [await create(), await create(), await create()];
    await request(sut.server).get(`/v1/sessions/${a}`).expect(200);
    const first = (await request(sut.server).get('/v1/admin/sessions?limit=2').set(ADMIN).expect(200)).body;
    expect(first.sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual([a, c]);
    expect(first.sessions[0]).toMatchObject({
      clientIp: expect.any(String),
      flags: [],
      turnCount: 0,
      locale: 'zh-CN',
    });
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (
      await request(sut.server).get(`/v1/admin/sessions?limit=2&cursor=${first.nextCursor}`).set(ADMIN)
    ).body;
    expect(second.sessions[0].sessionId).toBe(b);
    const before = (await request(sut.server).get(`/v1/admin/sessions/${b}`).set(ADMIN).expect(200)).body;
    const after = (await request(sut.server).get(`/v1/admin/sessions/${b}`).set(ADMIN).expect(200)).body;
    expect(after.lastActivityAt).toBe(before.lastActivityAt);
  });

  it('shows one session with client IP, user agent, flags and store bytes', async () => {
    const id = await create({ ticket: 'T1' });
    const view = (await request(sut.server).get(`/v1/admin/sessions/${id}`).set(ADMIN).expect(200)).body;
    expect(view).toMatchObject({
      sessionId: id,
      clientIp: expect.stringMatching(/127\.0\.0\.1/),
      userAgent: 'tour-app/1.0',
      flags: [],
      storeBytes: expect.any(Number),
    });
    expect(view.storeBytes).toBeGreaterThan(0);
  });

  it('flags an IP change seen through a trusted proxy', async () => {
    const id = await create();
    await request(sut.server).get(`/v1/sessions/${id}`).set('X-Forwarded-For', '203.0.113.9').expect(200);
    const view = (await request(sut.server).get(`/v1/admin/sessions/${id}`).set(ADMIN).expect(200)).body;
    expect(view).toMatchObject({ clientIp: '203.0.113.9', flags: ['ip_changed'] });
  });

  it('refuses a changed client IP under SESSION_IP_POLICY=reject', async () => {
    const strict = await startTestApp({ env: { SESSION_IP_POLICY: 'reject' } });
    try {
      const { sessionId } = (await request(strict.server).post('/v1/sessions').send({}).expect(201)).body;
      const refused = await request(strict.server)
        .get(`/v1/sessions/${sessionId}`)
        .set('X-Forwarded-For', '198.51.100.7')
        .expect(403);
      expect(refused.body.error.code).toBe('SESSION_IP_MISMATCH');
      await request(strict.server).get(`/v1/sessions/${sessionId}`).expect(200);
    } finally {
      await strict.close();
    }
  });

  it('resets a session as the client reset does', async () => {
    const id = await create();
    await request(sut.server).post('/v1/query').send({ sessionId: id, text: 'q' }).expect(200);
    const view = (await request(sut.server).post(`/v1/admin/sessions/${id}/reset`).set(ADMIN).expect(200))
      .body;
    expect(view).toMatchObject({ sessionId: id, turnCount: 0 });
  });

  it('deletes a session, then answers 404 SESSION_NOT_FOUND', async () => {
    const id = await create();
    await request(sut.server).delete(`/v1/admin/sessions/${id}`).set(ADMIN).expect(204);
    for (const call of [
      request(sut.server).delete(`/v1/admin/sessions/${id}`).set(ADMIN),
      request(sut.server).get(`/v1/admin/sessions/${id}`).set(ADMIN),
      request(sut.server).post(`/v1/admin/sessions/${id}/reset`).set(ADMIN),
      request(sut.server).get('/v1/admin/sessions/not-an-id').set(ADMIN),
    ]) {
      const response = await call.expect(404);
      expect(response.body.error.code).toBe('SESSION_NOT_FOUND');
    }
    await request(sut.server).get(`/v1/sessions/${id}`).expect(404);
  });
});
