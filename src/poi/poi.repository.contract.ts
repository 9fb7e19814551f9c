import { distanceM } from './geo';
import { PoiRepository } from './poi.repository';
import { Poi } from './poi.types';

export interface PoiRepositoryFixture {
  repository: PoiRepository;
  /** Removes whatever the fixture created (its own Redis keys, connections). */
  cleanup(): Promise<void>;
}

/** Metres of latitude per degree, close enough to place test POIs at known distances. */
const DEG_PER_M = 1 / 111_226;
const ORIGIN = { lat: 39.9, lon: 116.4 };

function poiNorthOf(id: string, metres: number, radiusM: number): Poi {
  return {
    id,
    name: `名字 ${id}`,
    description: `描述 description of ${id}`,
    lat: ORIGIN.lat + metres * DEG_PER_M,
    lon: ORIGIN.lon,
    radiusM,
  };
}

const FAR = poiNorthOf('far', 900, 50);
const MID = poiNorthOf('mid', 300, 400);
const NEAR = poiNorthOf('near', 100, 30);
const SET = [FAR, NEAR, MID];

/**
 * The behaviour every PoiRepository adapter must share (DESIGN.md: one contract suite, run against
 * Redis and the in-process index, so they cannot drift).
 */
export function describePoiRepositoryContract(
  name: string,
  create: () => Promise<PoiRepositoryFixture>,
): void {
  describe(`${name} (PoiRepository contract)`, () => {
    let fixture: PoiRepositoryFixture;
    let sut: PoiRepository;

    beforeEach(async () => {
      fixture = await create();
      sut = fixture.repository;
    });

    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('empty set', () => {
      it('counts, finds and lists nothing', async () => {
        expect(await sut.count()).toBe(0);
        expect(await sut.get('near')).toBeNull();
        expect(await sut.all()).toEqual([]);
        expect(await sut.near(ORIGIN, 50_000)).toEqual([]);
        expect(await sut.containing(ORIGIN)).toEqual([]);
      });
    });

    describe('replaceAll', () => {
      it('stores every POI with its exact fields', async () => {
        await sut.replaceAll(SET);
        expect(await sut.count()).toBe(3);
        expect(await sut.get('mid')).toEqual(MID);
        expect((await sut.all()).sort((a, b) => a.id.localeCompare(b.id))).toEqual([FAR, MID, NEAR]);
      });

      it('drops the POIs of the previous set', async () => {
        await sut.replaceAll(SET);
        const other = { ...poiNorthOf('other', 10, 20), name: 'Other' };
        await sut.replaceAll([other]);
        expect(await sut.count()).toBe(1);
        expect(await sut.get('near')).toBeNull();
        expect((await sut.near(ORIGIN, 5000)).map((poi) => poi.id)).toEqual(['other']);
      });

      it('empties the set when given no POIs', async () => {
        await sut.replaceAll(SET);
        await sut.replaceAll([]);
        expect(await sut.count()).toBe(0);
        expect(await sut.near(ORIGIN, 5000)).toEqual([]);
        expect(await sut.containing(NEAR)).toEqual([]);
      });

      it('refuses repeated ids and keeps the previous set', async () => {
        await sut.replaceAll(SET);
        await expect(sut.replaceAll([NEAR, { ...NEAR, name: 'again' }])).rejects.toThrow(/near/);
        expect(await sut.count()).toBe(3);
      });

      it('lets concurrent readers see the old set or the new one, never a mix', async () => {
        const old = Array.from({ length: 300 }, (_, i) => poiNorthOf(`old-${i}`, i, 10));
        const next = Array.from({ length: 300 }, (_, i) => poiNorthOf(`new-${i}`, i, 10));
        await sut.replaceAll(old);
        const reads = Array.from({ length: 10 }, () => sut.near(ORIGIN, 1000));
        await sut.replaceAll(next);
        for (const result of await Promise.all(reads)) {
          const prefixes = new Set(result.map((poi) => poi.id.split('-')[0]));
          expect(result).toHaveLength(300);
          expect(prefixes.size).toBe(1);
        }
        expect((await sut.near(ORIGIN, 1000))[0].id).toBe('new-0');
      });
    });

    describe('near', () => {
      beforeEach(() => sut.replaceAll(SET));

      it('returns the POIs within the radius, nearest first, with distances in metres', async () => {
        const found = await sut.near(ORIGIN, 500);
        expect(found.map((poi) => poi.id)).toEqual(['near', 'mid']);
        expect(found[0]).toMatchObject({ ...NEAR });
        expect(Math.abs(found[0].distanceM - distanceM(ORIGIN, NEAR))).toBeLessThan(0.5);
        expect(Math.abs(found[1].distanceM - 300)).toBeLessThan(2);
      });

      it('honours the limit', async () => {
        expect((await sut.near(ORIGIN, 5000, 2)).map((poi) => poi.id)).toEqual(['near', 'mid']);
      });

      it('finds nothing when the radius reaches no POI', async () => {
        expect(await sut.near(ORIGIN, 50)).toEqual([]);
      });

      it('answers for points beyond the latitudes a geo index can hold', async () => {
        await expect(sut.near({ lat: 89.9, lon: 0 }, 50_000)).resolves.toEqual([]);
        await expect(sut.containing({ lat: -90, lon: 180 })).resolves.toEqual([]);
      });
    });

    describe('containing', () => {
      beforeEach(() => sut.replaceAll(SET));

      it('returns the POIs whose own radius contains the point, nearest first', async () => {
        // 120 m north of ORIGIN: 20 m from NEAR (radius 30), 180 m from MID (radius 400), 780 m from FAR.
        const point = { lat: ORIGIN.lat + 120 * DEG_PER_M, lon: ORIGIN.lon };
        expect((await sut.containing(point)).map((poi) => poi.id)).toEqual(['near', 'mid']);
      });

      it('leaves out a POI whose radius ends before the point', async () => {
        const point = { lat: ORIGIN.lat + 140 * DEG_PER_M, lon: ORIGIN.lon };
        expect((await sut.containing(point)).map((poi) => poi.id)).toEqual(['mid']);
      });

      it('finds the POI with the largest radius from far away', async () => {
        const point = { lat: ORIGIN.lat + 650 * DEG_PER_M, lon: ORIGIN.lon };
        expect((await sut.containing(point)).map((poi) => poi.id)).toEqual(['mid']);
      });
    });
  });
}
