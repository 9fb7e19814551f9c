import { ManualClock } from '../../test/support/manual-clock';
import { loadConfig } from '../config/load-config';
import { LocationUpdatedEvent, SessionEvents } from '../domain';
import { embeddedSessions } from './embedded-sessions.kit';

const client = { ip: '203.0.113.7', userAgent: 'spec' };
const MERIDIAN_GATE = { lat: 39.9136, lon: 116.391 };

describe('SessionLocations', () => {
  const clock = new ManualClock();
  const kit = embeddedSessions(loadConfig({}), clock);
  const located: LocationUpdatedEvent[] = [];
  kit.events.on(SessionEvents.locationUpdated, (event: LocationUpdatedEvent) => located.push(event));
  afterAll(() => kit.remove());

  it('stores a report as the last location and tells location.updated', async () => {
    const { id } = await kit.sessions.create({}, client);
    const reported = await kit.locations.report(id, MERIDIAN_GATE, ['poi:meridian-gate'], client);
    expect(reported).toEqual({ recorded: ['poi:meridian-gate'], at: clock.now() });
    expect((await kit.sessions.find(id))?.lastLat).toBe(MERIDIAN_GATE.lat);
    expect(located).toEqual([{ sessionId: id, ...MERIDIAN_GATE }]);
  });

  it('tells nothing for a session that is gone (404)', async () => {
    located.length = 0;
    const { id } = await kit.sessions.create({}, client);
    await kit.sessions.destroy(id, 'client_closed');
    await expect(kit.locations.report(id, MERIDIAN_GATE, [], client)).rejects.toMatchObject({
      code: 'SESSION_NOT_FOUND',
    });
    expect(located).toEqual([]);
  });
});
