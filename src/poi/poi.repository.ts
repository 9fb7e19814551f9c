import { GeoPoint, Poi, PoiWithDistance } from './poi.types';

/** The POI store port: Redis GEO, or an in-process index in embedded mode. */
export interface PoiRepository {
  /** Replaces the whole set atomically. */
  replaceAll(pois: Poi[]): Promise<void>;
  count(): Promise<number>;
  get(id: string): Promise<Poi | null>;
  /** POIs within `radiusM` of `point`, nearest first. */
  near(point: GeoPoint, radiusM: number, limit?: number): Promise<PoiWithDistance[]>;
  /** POIs whose own radius contains `point`, nearest first. */
  containing(point: GeoPoint): Promise<PoiWithDistance[]>;
}

export const POI_REPOSITORY = Symbol('POI_REPOSITORY');
