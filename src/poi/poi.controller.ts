import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/api-docs';
import {
  DEFAULT_SEARCH_LIMIT,
  DEFAULT_SEARCH_RADIUS_M,
  NearbyPoisQueryDto,
  NearbyPoisResponseDto,
} from './poi.dto';
import { PoiService } from './poi.service';

@ApiTags('pois')
@Controller('v1/pois')
export class PoiController {
  constructor(private readonly pois: PoiService) {}

  @Get()
  @ApiOperation({ summary: 'Points of interest around a position, nearest first' })
  @ApiOkResponse({ type: NearbyPoisResponseDto })
  @ApiErrorResponses(400, 503)
  async near(@Query() query: NearbyPoisQueryDto): Promise<NearbyPoisResponseDto> {
    const found = await this.pois.near(
      { lat: query.lat, lon: query.lon },
      query.radius ?? DEFAULT_SEARCH_RADIUS_M,
      query.limit ?? DEFAULT_SEARCH_LIMIT,
    );
    return {
      pois: found.map(({ id, name, description, lat, lon, radiusM, distanceM }) => ({
        id,
        name,
        description,
        lat,
        lon,
        radiusM,
        distanceM,
      })),
    };
  }
}
