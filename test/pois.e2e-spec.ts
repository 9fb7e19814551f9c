import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app';

const HALL = { lat: 39.9164, lon: 116.391 };

describe('GET /v1/pois (e2e, Redis, offline guide)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ env: { AI_PROVIDER: 'offline' } });
  });
  afterAll(async () => {
    await sut.close();
  });

  it('lists the bundled sample POIs around a position, nearest first, in whole metres', async () => {
    const response = await request(sut.server)
      .get('/v1/pois')
      .query({ ...HALL, radius: 200 })
      .expect(200);
    const pois = response.body.pois as Array<Record<string, unknown>>;
    expect(pois[0]).toEqual({
      id: 'hall-of-supreme-harmony',
      name: '太和殿 Hall of Supreme Harmony',
      description: expect.stringContaining('Golden Throne'),
      lat: 39.9164,
      lon: 116.391,
      radiusM: 80,
      distanceM: 0,
    });
    const distances = pois.map((poi) => poi.distanceM as number);
    expect(distances.every((d) => Number.isInteger(d) && d <= 200)).toBe(true);
    expect([...distances].sort((a, b) => a - b)).toEqual(distances);
  });

  it('defaults the radius to 1000 m', async () => {
    const response = await request(sut.server).get('/v1/pois').query(HALL).expect(200);
    expect(response.body.pois.length).toBeGreaterThanOrEqual(15);
    expect(response.body.pois.every((poi: { distanceM: number }) => poi.distanceM <= 1000)).toBe(true);
  });

  it.each([
    ['lat missing', { lon: 116.391 }],
    ['radius 0', { ...HALL, radius: 0 }],
    ['radius too large', { ...HALL, radius: 50001 }],
    ['lon not a number', { lat: 39.9, lon: 'east' }],
  ])('answers 400 VALIDATION_FAILED when %s', async (_, query) => {
    const response = await request(sut.server).get('/v1/pois').query(query).expect(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('lets the offline guide answer from the POI data', async () => {
    const response = await request(sut.server)
      .post('/v1/query')
      .send({ text: '太和殿有什么故事？' })
      .expect(200);
    expect(response.body.answer.text).toMatch(/^太和殿：/);
  });
});
