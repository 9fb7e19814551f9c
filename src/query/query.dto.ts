import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsNumber, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { ERROR_CODES } from '../common/api-docs';
import { IsImage } from '../common/validators';

export class LocationDto {
  @ApiProperty({ minimum: -90, maximum: 90, example: 39.9163 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-90)
  @Max(90)
  lat!: number;

  @ApiProperty({ minimum: -180, maximum: 180, example: 116.3972 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-180)
  @Max(180)
  lon!: number;

  @ApiPropertyOptional({ minimum: 0, description: 'metres' })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  accuracy?: number;
}

export class QueryDto {
  @ApiPropertyOptional({ description: 'absent, malformed, unknown or expired: a new session is created' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  sessionId?: string;

  @ApiProperty({ minLength: 1, maxLength: 4000 })
  @IsString()
  @Length(1, 4000)
  text!: string;

  @ApiPropertyOptional({ description: 'data URL (png/jpeg/webp/gif, ≤5 MiB decoded) or https URL' })
  @IsOptional()
  @IsImage()
  image?: string;

  @ApiPropertyOptional({ type: LocationDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => LocationDto)
  location?: LocationDto;
}

/** The stored answer: `answer` of POST /v1/query and the `data` of the stream's `done` event. */
export class AnswerDto {
  @ApiProperty({ type: 'integer', minimum: 1 }) seq!: number;
  @ApiProperty() text!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class QueryAnswerDto {
  @ApiProperty({ format: 'uuid', description: 'Adopt it when sessionCreated is true' }) sessionId!: string;
  @ApiProperty({ description: 'True when the query named no live session and a new one was made' })
  sessionCreated!: boolean;
  @ApiProperty({ type: AnswerDto }) answer!: AnswerDto;
  @ApiProperty({ type: 'integer', minimum: 0 }) pendingMessages!: number;
}

/** `data` of the stream's first event, `session`. */
export class StreamSessionDataDto {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty() sessionCreated!: boolean;
}

/** `data` of a stream's `delta` event: the next piece of the answer. */
export class StreamDeltaDataDto {
  @ApiProperty() text!: string;
}

/** `data` of a stream's `error` event: a failure after the stream opened. */
export class StreamErrorDataDto {
  @ApiProperty({ enum: ERROR_CODES, example: 'AI_UNAVAILABLE' }) code!: string;
  @ApiProperty() message!: string;
}
