import { SecondBuckets, TimeBuckets, windowSeconds } from './sliding-window';

const T0 = 1_700_000_000_000;

describe(SecondBuckets.name, () => {
  describe('total', () => {
    it('counts the events of the last 60 seconds, the current one included', () => {
      const sut = new SecondBuckets();
      sut.add(T0);
      sut.add(T0 + 30_000, 2);
      sut.add(T0 + 59_999);
      expect(sut.total(T0 + 59_999)).toBe(4);
    });

    it('drops an event once its second left the window', () => {
      const sut = new SecondBuckets();
      sut.add(T0);
      sut.add(T0 + 10_000);
      expect(sut.total(T0 + 60_000)).toBe(1);
      expect(sut.total(T0 + 70_000)).toBe(0);
    });

    it('resets a bucket reused by a later second instead of adding to it', () => {
      const sut = new SecondBuckets();
      sut.add(T0, 5);
      sut.add(T0 + 60_000, 1); // same slot, a minute later
      expect(sut.total(T0 + 60_000)).toBe(1);
    });

    it('is zero after a long silence', () => {
      const sut = new SecondBuckets();
      sut.add(T0, 3);
      expect(sut.total(T0 + 3_600_000)).toBe(0);
    });
  });
});

describe('windowSeconds', () => {
  it('lists the current second and the 59 before it', () => {
    const seconds = windowSeconds(T0 + 999);
    expect(seconds).toHaveLength(60);
    expect(seconds[0]).toBe(T0 / 1000);
    expect(seconds[59]).toBe(T0 / 1000 - 59);
  });
});

describe(TimeBuckets.name, () => {
  describe('sum', () => {
    it('sums a range of minute buckets by bucket number', () => {
      const sut = new TimeBuckets(60_000, 70);
      const minute = Math.floor(T0 / 60_000);
      sut.add(T0, 2); // minute m
      sut.add(T0 + 60_000, 3); // m + 1
      sut.add(T0 + 10 * 60_000, 5); // m + 10
      expect(sut.sum(minute, minute + 1)).toBe(5);
      expect(sut.sum(minute + 2, minute + 10)).toBe(5);
      expect(sut.sum(minute - 5, minute - 1)).toBe(0);
    });
  });
});
