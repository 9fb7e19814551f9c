export { PoiModule } from './poi.module';
export { PoiService } from './poi.service';
export type { GeoPoint, Poi, PoiWithDistance } from './poi.types';
export { distanceM } from './geo';
export { PoiDto, ReplacePoisDto, ReplacePoisResponseDto } from './poi.dto';
