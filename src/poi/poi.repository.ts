import { GeoPoint, Poi, PoiWithDistance } from './poi.types';

/**
 * The POI store port: Redis GEO, or an in-process index in embedded mode. Distances are exact
 * great-circle metres (not rounded); rounding is the API layer's business.
 */
export interface PoiRepository {
  /** Replaces the whole set atomically: readers see the old set or the new one, never a mix. */
  replaceAll(pois: Poi[]): Promise<void>;
  count(): Promise<number>;
  get(id: string): Promise<Poi | null>;
  /** Every POI, in no particular order (the set is small: a site, not a country). */
  all(): Promise<Poi[]>;
  /** POIs within `radiusM` of `point`, nearest first, at most `limit` when given. */
  near(point: GeoPoint, radiusM: number, limit?: number): Promise<PoiWithDistance[]>;
  /** POIs whose own radius contains `point`, nearest first. */
  containing(point: GeoPoint): Promise<PoiWithDistance[]>;
  /**
   * Calls `listener` whenever the set may have been replaced by another instance (and when such news may
   * have been missed, e.g. after a reconnect), so that copies kept in memory are loaded again. Returns
   * how to stop listening.
   */
  watch(listener: () => void): Promise<() => Promise<void>>;
}

export const POI_REPOSITORY = Symbol('POI_REPOSITORY');
