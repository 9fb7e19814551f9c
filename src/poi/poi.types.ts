/** A point of interest as loaded from POI_FILE or PUT /v1/admin/pois. */
export interface Poi {
  id: string;
  name: string;
  description: string;
  lat: number;
  lon: number;
  /** The radius inside which a visitor counts as "at" the POI, in metres. */
  radiusM: number;
}

export interface PoiWithDistance extends Poi {
  distanceM: number;
}

export interface GeoPoint {
  lat: number;
  lon: number;
}
