import { distanceM } from './geo';
import { duplicateIdError } from './poi-set';
import { PoiRepository } from './poi.repository';
import { GeoPoint, Poi, PoiWithDistance } from './poi.types';

/**
 * Embedded-mode POI index. A linear haversine scan: a tour site has tens to a few thousand POIs, for
 * which a scan costs microseconds and a spatial index would only add code.
 */
export class MemoryPoiRepository implements PoiRepository {
  private pois: readonly Poi[] = [];
  private byId = new Map<string, Poi>();

  replaceAll(pois: Poi[]): Promise<void> {
    const duplicate = duplicateIdError(pois);
    if (duplicate) return Promise.reject(duplicate);
    // Swapping two references is atomic for every reader on the event loop.
    const copies = pois.map((poi) => ({ ...poi }));
    this.pois = copies;
    this.byId = new Map(copies.map((poi) => [poi.id, poi]));
    return Promise.resolve();
  }

  count(): Promise<number> {
    return Promise.resolve(this.pois.length);
  }

  get(id: string): Promise<Poi | null> {
    const poi = this.byId.get(id);
    return Promise.resolve(poi ? { ...poi } : null);
  }

  all(): Promise<Poi[]> {
    return Promise.resolve(this.pois.map((poi) => ({ ...poi })));
  }

  near(point: GeoPoint, radiusM: number, limit?: number): Promise<PoiWithDistance[]> {
    const found = this.withDistances(point).filter((poi) => poi.distanceM <= radiusM);
    return Promise.resolve(limit === undefined ? found : found.slice(0, limit));
  }

  containing(point: GeoPoint): Promise<PoiWithDistance[]> {
    return Promise.resolve(this.withDistances(point).filter((poi) => poi.distanceM <= poi.radiusM));
  }

  /** One process: no other instance replaces the set. */
  watch(): Promise<() => Promise<void>> {
    return Promise.resolve(() => Promise.resolve());
  }

  private withDistances(point: GeoPoint): PoiWithDistance[] {
    return this.pois
      .map((poi) => ({ ...poi, distanceM: distanceM(point, poi) }))
      .sort((a, b) => a.distanceM - b.distanceM);
  }
}
