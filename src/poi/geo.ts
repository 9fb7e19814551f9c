import { GeoPoint } from './poi.types';

/**
 * Earth radius used by Redis' GEO commands. Both POI adapters compute distances with it, so a distance
 * does not depend on which adapter answered.
 */
export const EARTH_RADIUS_M = 6372797.560856;

/** Redis GEO cannot index latitudes beyond ±85.05112878° (Web Mercator); POIs must stay inside. */
export const GEO_MAX_LAT = 85.05112878;

const toRadians = (degrees: number): number => (degrees * Math.PI) / 180;

/** Great-circle distance in metres (haversine). */
export function distanceM(a: GeoPoint, b: GeoPoint): number {
  const dLat = toRadians(b.lat - a.lat);
  const dLon = toRadians(b.lon - a.lon);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRadians(a.lat)) * Math.cos(toRadians(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}
