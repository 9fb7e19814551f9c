/** A point on the Earth. */
export interface LatLon {
  lat: number;
  lon: number;
}

const METRES_PER_DEGREE_LAT = 110_574;
const METRES_PER_DEGREE_LON_AT_EQUATOR = 111_320;

/** Pixels kept free on each side of the box (for the overlays drawn there). */
export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/**
 * An equirectangular projection of a small area onto a W×H pixel box (north up), fitted to a set of
 * points with a margin: good to a few centimetres over a palace, and needs no tile server.
 */
export class Projection {
  readonly metresPerPixel: number;
  private readonly lonScale: number;
  private readonly origin: { x: number; y: number };
  private readonly reference: LatLon;

  constructor(points: LatLon[], width: number, height: number, margin: Margins) {
    const lats = points.map((p) => p.lat);
    const lons = points.map((p) => p.lon);
    const north = Math.max(...lats);
    const south = Math.min(...lats);
    const west = Math.min(...lons);
    const east = Math.max(...lons);
    this.lonScale = METRES_PER_DEGREE_LON_AT_EQUATOR * Math.cos((((north + south) / 2) * Math.PI) / 180);
    const spanX = Math.max((east - west) * this.lonScale, 1);
    const spanY = Math.max((north - south) * METRES_PER_DEGREE_LAT, 1);
    const innerWidth = width - margin.left - margin.right;
    const innerHeight = height - margin.top - margin.bottom;
    const pixelsPerMetre = Math.min(innerWidth / spanX, innerHeight / spanY);
    this.metresPerPixel = 1 / Math.max(pixelsPerMetre, 1e-6);
    this.reference = { lat: north, lon: west };
    this.origin = {
      x: margin.left + (innerWidth - spanX * pixelsPerMetre) / 2,
      y: margin.top + (innerHeight - spanY * pixelsPerMetre) / 2,
    };
  }

  toPixel(point: LatLon): { x: number; y: number } {
    return {
      x: this.origin.x + ((point.lon - this.reference.lon) * this.lonScale) / this.metresPerPixel,
      y: this.origin.y + ((this.reference.lat - point.lat) * METRES_PER_DEGREE_LAT) / this.metresPerPixel,
    };
  }

  toLatLon(x: number, y: number): LatLon {
    return {
      lat: this.reference.lat - ((y - this.origin.y) * this.metresPerPixel) / METRES_PER_DEGREE_LAT,
      lon: this.reference.lon + ((x - this.origin.x) * this.metresPerPixel) / this.lonScale,
    };
  }

  pixels(metres: number): number {
    return metres / this.metresPerPixel;
  }
}
