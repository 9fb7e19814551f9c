import { Poi } from './poi.types';

/** Both adapters refuse a set with a repeated id: which of the two should win would be a guess. */
export function assertUniqueIds(pois: readonly Poi[]): void {
  const error = duplicateIdError(pois);
  if (error) throw error;
}

export function duplicateIdError(pois: readonly Poi[]): Error | null {
  const seen = new Set<string>();
  for (const poi of pois) {
    if (seen.has(poi.id)) return new Error(`Duplicate POI id "${poi.id}"`);
    seen.add(poi.id);
  }
  return null;
}

/** The largest radius of the set: `containing` searches that far, then filters by each POI's own radius. */
export function maxRadiusM(pois: readonly Poi[]): number {
  return pois.reduce((max, poi) => Math.max(max, poi.radiusM), 0);
}
