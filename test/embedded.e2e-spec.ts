import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app';

describe('Embedded mode: no Redis, no key (e2e)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ env: { REDIS_URL: '', OPENAI_API_KEY: '', AI_PROVIDER: '' } });
  });
  afterAll(() => sut.close());

  it('answers a query offline from the point-of-interest data', async () => {
    const response = await request(sut.server)
      .post('/v1/query')
      .send({ text: '太和殿是什么？', location: { lat: 39.9155, lon: 116.3908 } })
      .expect(200);
    expect(response.body).toMatchObject({ sessionCreated: true, answer: { seq: 2 } });
    expect(response.body.answer.text).toContain('太和殿');
    const history = (
      await request(sut.server).get(`/v1/sessions/${response.body.sessionId}/history`).expect(200)
    ).body;
    expect(history.turns.map((t: { role: string }) => t.role)).toEqual(['user', 'assistant']);
  });

  it('keeps sessions, resets and deletes them in process', async () => {
    const { sessionId } = (await request(sut.server).post('/v1/sessions').send({ locale: 'en' }).expect(201))
      .body;
    await request(sut.server).post('/v1/query').send({ sessionId, text: 'What is near me?' }).expect(200);
    expect((await request(sut.server).get(`/v1/sessions/${sessionId}`).expect(200)).body.turnCount).toBe(2);
    await request(sut.server).post(`/v1/sessions/${sessionId}/reset`).expect(200);
    await request(sut.server).delete(`/v1/sessions/${sessionId}`).expect(204);
    await request(sut.server).get(`/v1/sessions/${sessionId}`).expect(404);
    await request(sut.server).get('/health/ready').expect(200);
  });
});
