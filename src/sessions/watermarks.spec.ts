import { estimatedUsage, watermarks } from './watermarks';

describe('watermarks', () => {
  it('uses the configured high watermark and stops at 80 % of it', () => {
    expect(watermarks(1000, 1_000_000)).toEqual({ high: 1000, low: 800 });
  });

  it('defaults to 90 % of the store limit', () => {
    expect(watermarks(null, 1_000_000)).toEqual({ high: 900_000, low: 720_000 });
  });

  it('is off when neither a watermark nor a limit is known (Redis without maxmemory)', () => {
    expect(watermarks(null, null)).toBeNull();
  });

  it('prefers the configured watermark even when the store has no limit', () => {
    expect(watermarks(5000, null)).toEqual({ high: 5000, low: 4000 });
  });
});

describe('estimatedUsage', () => {
  it('trusts a measurement that already shows the eviction', () => {
    expect(estimatedUsage(1000, 100, 700)).toBe(700);
  });

  it('subtracts what was freed when the measurement lags (heap before GC)', () => {
    expect(estimatedUsage(1000, 300, 1000)).toBe(700);
  });

  it('never goes below zero', () => {
    expect(estimatedUsage(100, 300, 100)).toBe(0);
  });
});
