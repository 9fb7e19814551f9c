import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

const finite = { allowNaN: false, allowInfinity: false };

/** A message id (a Redis stream id, mimicked by the embedded store), or '0' for "before the first". */
export const MESSAGE_ID_PATTERN = /^(0|\d{1,20}-\d{1,20})$/;

export class LocationReportDto {
  @ApiProperty({ minimum: -90, maximum: 90, example: 39.9149 })
  @IsNumber(finite)
  @Min(-90)
  @Max(90)
  lat!: number;

  @ApiProperty({ minimum: -180, maximum: 180, example: 116.3905 })
  @IsNumber(finite)
  @Min(-180)
  @Max(180)
  lon!: number;

  @ApiPropertyOptional({ minimum: 0, description: 'metres' })
  @IsOptional()
  @IsNumber(finite)
  @Min(0)
  accuracy?: number;
}

export class MessagesQueryDto {
  @ApiPropertyOptional({ description: 'a message id (cursor); acknowledges everything up to it' })
  @IsOptional()
  @IsString()
  @Matches(MESSAGE_ID_PATTERN, { message: 'after must be a message id' })
  after?: string;

  @ApiPropertyOptional({ minimum: 0, maximum: 30, default: 0, description: 'seconds to wait for a message' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(30)
  wait?: number;
}

export class BroadcastCircleDto {
  @ApiProperty({ minimum: -90, maximum: 90 })
  @IsNumber(finite)
  @Min(-90)
  @Max(90)
  lat!: number;

  @ApiProperty({ minimum: -180, maximum: 180 })
  @IsNumber(finite)
  @Min(-180)
  @Max(180)
  lon!: number;

  @ApiProperty({ minimum: 1, maximum: 20_000_000, description: 'metres' })
  @IsNumber(finite)
  @Min(1)
  @Max(20_000_000)
  radiusM!: number;
}

export class BroadcastDto {
  @ApiProperty({ minLength: 1, maxLength: 4000 })
  @IsString()
  @Length(1, 4000)
  text!: string;

  @ApiPropertyOptional({ type: BroadcastCircleDto, description: 'only sessions last seen inside it' })
  @IsOptional()
  @ValidateNested()
  @Type(() => BroadcastCircleDto)
  near?: BroadcastCircleDto;
}
