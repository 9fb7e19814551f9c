import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, TransformFnParams, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { GEO_MAX_LAT } from './geo';

export const MAX_POIS = 10_000;
export const DEFAULT_SEARCH_RADIUS_M = 1000;
export const DEFAULT_SEARCH_LIMIT = 100;

const finite = { allowNaN: false, allowInfinity: false };

/**
 * Query strings arrive as strings. An empty or repeated parameter is left as it is, so it fails
 * `IsNumber` instead of silently becoming 0 (`Number('')`) or NaN.
 */
const toNumber = ({ value }: TransformFnParams): unknown =>
  typeof value === 'string' && value.trim() !== '' ? Number(value) : value;

/** One POI as PUT /v1/admin/pois receives it (and as POI_FILE holds it). */
export class PoiDto {
  @ApiProperty({ example: 'hall-of-supreme-harmony', description: 'Stable slug: letters, digits, "-_.:"' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, {
    message: 'id must be a slug of letters, digits and -_.: (≤128)',
  })
  id!: string;

  @ApiProperty({ example: '太和殿 Hall of Supreme Harmony' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({ example: '俗称金銮殿… Known as the Hall of the Golden Throne…' })
  @IsString()
  @MaxLength(4000)
  description!: string;

  @ApiProperty({ example: 39.9164, minimum: -GEO_MAX_LAT, maximum: GEO_MAX_LAT })
  @IsNumber(finite)
  @Min(-GEO_MAX_LAT)
  @Max(GEO_MAX_LAT)
  lat!: number;

  @ApiProperty({ example: 116.391, minimum: -180, maximum: 180 })
  @IsNumber(finite)
  @Min(-180)
  @Max(180)
  lon!: number;

  @ApiProperty({
    example: 80,
    minimum: 1,
    maximum: 50000,
    description: 'Metres; inside it the visitor is "at" the POI',
  })
  @IsNumber(finite)
  @Min(1)
  @Max(50000)
  radiusM!: number;
}

/** Body of PUT /v1/admin/pois: the whole new set. */
export class ReplacePoisDto {
  @ApiProperty({ type: [PoiDto], maxItems: MAX_POIS })
  @IsArray()
  @ArrayMaxSize(MAX_POIS)
  @ArrayUnique((poi: PoiDto) => poi.id, { message: 'pois must not repeat an id' })
  @ValidateNested({ each: true })
  @Type(() => PoiDto)
  pois!: PoiDto[];
}

export class ReplacePoisResponseDto {
  @ApiProperty({ example: 19 })
  count!: number;
}

/** Query of GET /v1/pois. */
export class NearbyPoisQueryDto {
  @ApiProperty({ example: 39.9164, minimum: -90, maximum: 90 })
  @Transform(toNumber)
  @IsNumber(finite)
  @Min(-90)
  @Max(90)
  lat!: number;

  @ApiProperty({ example: 116.391, minimum: -180, maximum: 180 })
  @Transform(toNumber)
  @IsNumber(finite)
  @Min(-180)
  @Max(180)
  lon!: number;

  @ApiPropertyOptional({
    default: DEFAULT_SEARCH_RADIUS_M,
    minimum: 1,
    maximum: 50000,
    description: 'Metres',
  })
  @IsOptional()
  @Transform(toNumber)
  @IsNumber(finite)
  @Min(1)
  @Max(50000)
  radius?: number;

  @ApiPropertyOptional({ default: DEFAULT_SEARCH_LIMIT, minimum: 1, maximum: 500 })
  @IsOptional()
  @Transform(toNumber)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class NearbyPoiDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty() lat!: number;
  @ApiProperty() lon!: number;
  @ApiProperty() radiusM!: number;
  @ApiProperty({ description: 'Metres from the query point, rounded' }) distanceM!: number;
}

export class NearbyPoisResponseDto {
  @ApiProperty({ type: [NearbyPoiDto], description: 'Nearest first' })
  pois!: NearbyPoiDto[];
}
