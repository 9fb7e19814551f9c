import { randomBytes } from 'node:crypto';
import { RedisStore } from '../store';
import { distanceM, GEO_MAX_LAT } from './geo';
import { assertUniqueIds, maxRadiusM } from './poi-set';
import { PoiRepository } from './poi.repository';
import { GeoPoint, Poi, PoiWithDistance } from './poi.types';
import { SEARCH_SCRIPT, SWAP_SCRIPT } from './redis-poi.scripts';

/** Long enough for any build to finish; short enough that an interrupted one leaves nothing behind. */
const BUILD_TTL_MS = 120_000;
const BUILD_BATCH = 500;

/**
 * POIs in Redis: a GEO sorted set (`poi:{poi}:geo`) for the search, a hash (`poi:{poi}:data`) of id →
 * JSON details, and the largest radius (`poi:{poi}:maxr`) for `containing`. Shared by every instance.
 */
export class RedisPoiRepository implements PoiRepository {
  private readonly geoKey: string;
  private readonly dataKey: string;
  private readonly maxRadiusKey: string;
  private readonly changedChannel: string;

  constructor(private readonly store: RedisStore) {
    this.geoKey = store.key('poi', '{poi}', 'geo');
    this.dataKey = store.key('poi', '{poi}', 'data');
    this.maxRadiusKey = store.key('poi', '{poi}', 'maxr');
    this.changedChannel = store.key('poi', 'changed');
  }

  /** Builds the new set under fresh keys, then renames them over the live ones in one script. */
  async replaceAll(pois: Poi[]): Promise<void> {
    assertUniqueIds(pois);
    const build = randomBytes(8).toString('hex');
    const nextGeo = this.store.key('poi', '{poi}', 'next', build, 'geo');
    const nextData = this.store.key('poi', '{poi}', 'next', build, 'data');
    await this.store.run(async (client) => {
      for (let first = 0; first < pois.length; first += BUILD_BATCH) {
        const batch = pois.slice(first, first + BUILD_BATCH);
        const results = await client
          .pipeline()
          .geoadd(nextGeo, ...batch.flatMap((poi) => [poi.lon, poi.lat, poi.id]))
          .hset(nextData, ...batch.flatMap((poi) => [poi.id, JSON.stringify(toStored(poi))]))
          .pexpire(nextGeo, BUILD_TTL_MS)
          .pexpire(nextData, BUILD_TTL_MS)
          .exec();
        const failure = results?.find(([error]) => error)?.[0];
        if (failure) throw failure;
      }
      await client.eval(
        SWAP_SCRIPT,
        5,
        nextGeo,
        nextData,
        this.geoKey,
        this.dataKey,
        this.maxRadiusKey,
        pois.length,
        maxRadiusM(pois),
      );
      await client.publish(this.changedChannel, 'replaced');
    });
  }

  /** Other instances hear of a new set on a pub/sub channel; a (re)subscribe may have missed some. */
  async watch(listener: () => void): Promise<() => Promise<void>> {
    const subscriber = this.store.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    subscriber.on('message', (channel: string) => channel === this.changedChannel && listener());
    subscriber.on('ready', listener);
    await subscriber.subscribe(this.changedChannel).catch(() => undefined); // retried on reconnect
    return async () => {
      try {
        await subscriber.quit();
      } catch {
        subscriber.disconnect();
      }
    };
  }

  count(): Promise<number> {
    return this.store.run((client) => client.hlen(this.dataKey));
  }

  async get(id: string): Promise<Poi | null> {
    const json = await this.store.run((client) => client.hget(this.dataKey, id));
    return json === null ? null : parse(json);
  }

  async all(): Promise<Poi[]> {
    const values = await this.store.run((client) => client.hvals(this.dataKey));
    return values.map(parse);
  }

  async near(point: GeoPoint, radiusM: number, limit?: number): Promise<PoiWithDistance[]> {
    const found = await this.search(point, radiusM, limit);
    return found.filter((poi) => poi.distanceM <= radiusM).slice(0, limit);
  }

  async containing(point: GeoPoint): Promise<PoiWithDistance[]> {
    const found = await this.search(point, 'max');
    return found.filter((poi) => poi.distanceM <= poi.radiusM);
  }

  /**
   * Candidates from GEOSEARCH, with exact distances computed here from the stored coordinates rather
   * than taken from WITHDIST: Redis measures from its 52-bit geohash cell, and the two adapters must
   * agree to the metre. A point beyond GEO's latitude limit is searched from the nearest indexable
   * point with the radius widened by the gap, then filtered by the exact distance.
   */
  private async search(point: GeoPoint, radius: number | 'max', limit?: number): Promise<PoiWithDistance[]> {
    const lat = Math.max(-GEO_MAX_LAT, Math.min(GEO_MAX_LAT, point.lat));
    const gap = distanceM(point, { lat, lon: point.lon });
    // With a widened radius Redis' order is not the exact order, so the limit is applied afterwards.
    const count = gap === 0 && limit !== undefined ? limit : 0;
    const values = (await this.store.run((client) =>
      client.eval(
        SEARCH_SCRIPT,
        3,
        this.geoKey,
        this.dataKey,
        this.maxRadiusKey,
        point.lon,
        lat,
        radius,
        count,
        gap + 1, // +1 m: absorb geohash rounding at the edge
      ),
    )) as Array<string | null>;
    return values
      .filter((json): json is string => json !== null)
      .map(parse)
      .map((poi) => ({ ...poi, distanceM: distanceM(point, poi) }))
      .sort((a, b) => a.distanceM - b.distanceM);
  }
}

function toStored(poi: Poi): Poi {
  return {
    id: poi.id,
    name: poi.name,
    description: poi.description,
    lat: poi.lat,
    lon: poi.lon,
    radiusM: poi.radiusM,
  };
}

function parse(json: string): Poi {
  return JSON.parse(json) as Poi;
}
