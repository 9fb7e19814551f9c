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

export class NearbyPoiRefDto {
  @ApiProperty() poiId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Metres from the reported position, rounded' }) distanceM!: number;
}

/** 202 of POST /v1/sessions/:id/location. */
export class LocationAnswerDto {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ type: [NearbyPoiRefDto], description: 'The POIs whose radius contains the position' })
  nearby!: NearbyPoiRefDto[];
}

/** One proactive message: the long-poll's items and the `data` of an SSE `message` event. */
export class MessageViewDto {
  @ApiProperty({ example: '1718000000000-0', description: 'Message id, also a cursor' }) id!: string;
  @ApiProperty({ enum: ['greeting', 'poi', 'tip', 'broadcast'] }) kind!: string;
  @ApiProperty() text!: string;
  @ApiPropertyOptional({ description: 'The POI a `poi` message introduces' }) poiId?: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** 200 of GET /v1/sessions/:id/messages. */
export class MessagesAnswerDto {
  @ApiProperty({ type: [MessageViewDto], description: 'Oldest first, at most 50' })
  messages!: MessageViewDto[];
  @ApiProperty({ description: 'Id of the last message returned, or the starting cursor when none' })
  cursor!: string;
}

/** 202 of POST /v1/admin/broadcast. */
export class BroadcastAnswerDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Sessions the message was queued for' })
  queued!: number;
}
