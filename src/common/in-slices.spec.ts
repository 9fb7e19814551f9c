import { mapInSlices, SLICE } from './in-slices';

describe('mapInSlices', () => {
  it('maps every item in order', async () => {
    const items = Array.from({ length: 3 * SLICE + 1 }, (_, i) => i);
    expect(await mapInSlices(items, (i) => i * 2)).toEqual(items.map((i) => i * 2));
    expect(await mapInSlices([], (i: number) => i)).toEqual([]);
  });

  it('lets queued callbacks run between slices, not inside one', async () => {
    const seen: string[] = [];
    setImmediate(() => seen.push('callback'));
    await mapInSlices(
      Array.from({ length: 2 * SLICE }, (_, i) => i),
      (i) => seen.push(String(i)),
    );
    expect(seen.indexOf('callback')).toBe(SLICE);
  });
});
