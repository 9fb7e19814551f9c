import { alertTransitions, AlertInputs, firingAlerts } from './alert-rules';

const settings = { createRatePerMin: 1000, growthFactor: 5, growthMinRatePerMin: 10, memoryRatio: 0.85 };
const quiet: AlertInputs = { createdLast5Min: 0, createdPrevHour: 0, memoryUsed: 10, memoryLimit: 100 };
const names = (inputs: Partial<AlertInputs>) =>
  firingAlerts({ ...quiet, ...inputs }, settings).map((alert) => alert.name);

describe('firingAlerts', () => {
  it('is quiet when nothing is above its threshold', () => {
    expect(names({})).toEqual([]);
  });

  it('fires on a 5-minute creation average above the rate', () => {
    // growth fires too here: 1000/min after a silent hour is above the floor and over 5x of 0
    expect(names({ createdLast5Min: 5001, createdPrevHour: 60_000 })).toEqual(['session_create_rate']);
    expect(names({ createdLast5Min: 5000, createdPrevHour: 60_000 })).toEqual([]);
  });

  it('fires when the rate is over the growth factor times the previous hour, at or above the floor', () => {
    // previous hour: 600/60 = 10 per minute; now 255/5 = 51 per minute > 5 x 10
    expect(names({ createdPrevHour: 600, createdLast5Min: 255 })).toEqual(['session_create_growth']);
    expect(names({ createdPrevHour: 600, createdLast5Min: 250 })).toEqual([]);
  });

  it('stays quiet at tiny volumes however steep the growth (the issue: 6/min after 0.05/min)', () => {
    expect(names({ createdPrevHour: 3, createdLast5Min: 30 })).toEqual([]);
    expect(names({ createdPrevHour: 0, createdLast5Min: 49 })).toEqual([]); // 9.8/min, under the floor
  });

  it('fires above the floor, also after a silent hour', () => {
    expect(names({ createdPrevHour: 3, createdLast5Min: 50 })).toEqual(['session_create_growth']);
    expect(names({ createdPrevHour: 0, createdLast5Min: 50 })).toEqual(['session_create_growth']);
  });

  it('says in each message what to look at', () => {
    const all = firingAlerts(
      { createdLast5Min: 10_000, createdPrevHour: 0, memoryUsed: 99, memoryLimit: 100 },
      settings,
    );
    expect(all.map((alert) => alert.name)).toEqual([
      'session_create_rate',
      'session_create_growth',
      'store_memory',
    ]);
    for (const alert of all) expect(alert.message).toMatch(/Look at: .+/);
  });

  it('fires when memory exceeds its share of the limit, and not without a limit', () => {
    expect(names({ memoryUsed: 86 })).toEqual(['store_memory']);
    expect(names({ memoryUsed: 85 })).toEqual([]);
    expect(names({ memoryUsed: 10_000, memoryLimit: null })).toEqual([]);
  });
});

describe('alertTransitions', () => {
  const T1 = '2026-01-01T00:00:00.000Z';
  const T2 = '2026-01-01T00:00:30.000Z';

  it('reports a new alert as fired, since now', () => {
    const result = alertTransitions([], [{ name: 'store_memory', message: 'm' }], T1);
    expect(result.fired).toEqual([{ name: 'store_memory', message: 'm', since: T1 }]);
    expect(result.active).toEqual(result.fired);
    expect(result.resolved).toEqual([]);
  });

  it('keeps the original since of an alert still firing, without firing it again', () => {
    const previous = [{ name: 'store_memory', message: 'old', since: T1 }];
    const result = alertTransitions(previous, [{ name: 'store_memory', message: 'new' }], T2);
    expect(result.active).toEqual([{ name: 'store_memory', message: 'new', since: T1 }]);
    expect(result.fired).toEqual([]);
  });

  it('reports an alert no longer firing as resolved', () => {
    const previous = [{ name: 'session_create_rate', message: 'm', since: T1 }];
    const result = alertTransitions(previous, [], T2);
    expect(result).toEqual({ active: [], fired: [], resolved: previous });
  });
});
