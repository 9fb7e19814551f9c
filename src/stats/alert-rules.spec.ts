import { alertTransitions, AlertInputs, firingAlerts } from './alert-rules';

const settings = { createRatePerMin: 100, growthFactor: 5, memoryRatio: 0.85 };
const quiet: AlertInputs = { createdLast5Min: 0, createdPrevHour: 0, memoryUsed: 10, memoryLimit: 100 };
const names = (inputs: Partial<AlertInputs>) =>
  firingAlerts({ ...quiet, ...inputs }, settings).map((alert) => alert.name);

describe('firingAlerts', () => {
  it('is quiet when nothing is above its threshold', () => {
    expect(names({})).toEqual([]);
  });

  it('fires on a 5-minute creation average above the rate', () => {
    expect(names({ createdLast5Min: 501 })).toEqual(['session_create_rate']);
    expect(names({ createdLast5Min: 500 })).toEqual([]);
  });

  it('fires when the rate is over the growth factor times the previous hour', () => {
    // previous hour: 60/60 = 1 per minute; now 30/5 = 6 per minute > 5 x 1
    expect(names({ createdPrevHour: 60, createdLast5Min: 30 })).toEqual(['session_create_growth']);
    expect(names({ createdPrevHour: 60, createdLast5Min: 25 })).toEqual([]);
  });

  it('needs some activity in the previous hour to speak of growth', () => {
    expect(names({ createdPrevHour: 0, createdLast5Min: 30 })).toEqual([]);
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
