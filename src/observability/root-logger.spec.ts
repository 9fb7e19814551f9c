import { redactSessionIds } from './root-logger';

describe(redactSessionIds.name, () => {
  it('keeps only the first 8 characters of every session id in a line', () => {
    const line = JSON.stringify({
      url: '/v1/sessions/3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d/history',
      err: 'Key (session_id)=(3F1B2C4D-5E6F-4A7B-8C9D-0E1F2A3B4C5D) already exists; job greet%3A0a1b2c3d-1111-4222-8333-444455556666',
    });
    const sut = redactSessionIds(line);
    expect(sut).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}/i);
    expect(sut).toContain('/v1/sessions/3f1b2c4d…/history');
    expect(sut).toContain('(3F1B2C4D…)');
    expect(sut).toContain('greet%3A0a1b2c3d…');
  });
});
