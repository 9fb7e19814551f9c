import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { PoiDto } from '../poi';
import { END_REASONS } from '../domain';
import { AdminPageLimitDto } from './admin.dto';

export class TimeseriesQueryDto {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1440,
    default: 60,
    description: 'minutes back, the current one included',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1440)
  minutes?: number;
}

@ApiSchema({ name: 'TimeseriesMinute' })
export class TimeseriesMinuteDto {
  @ApiProperty({ description: "the minute's start (ISO-8601 UTC)", example: '2026-05-01T12:34:00.000Z' })
  at!: string;
  @ApiProperty({ minimum: 0, description: 'sessions created in that minute, all instances' })
  created!: number;
  @ApiProperty({ minimum: 0, description: 'session ends in that minute (resets included)' }) ended!: number;
  @ApiProperty({ minimum: 0, description: 'answered /v1/query and /v1/query/stream requests' })
  queries!: number;
  @ApiProperty({ minimum: 0, description: 'proactive messages delivered' }) proactiveSent!: number;
}

@ApiSchema({ name: 'Timeseries' })
export class TimeseriesDto {
  @ApiProperty({
    type: [TimeseriesMinuteDto],
    description: 'one entry per minute, oldest first, zeros included; the last is the current minute',
  })
  minutes!: TimeseriesMinuteDto[];
}

export class ArchiveListQueryDto extends AdminPageLimitDto {
  @ApiPropertyOptional({ description: 'opaque; nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,512}$/, { message: 'cursor must be a nextCursor value' })
  cursor?: string;
}

@ApiSchema({ name: 'ArchivedSessionSummary' })
export class ArchiveSummaryDto {
  @ApiProperty() sessionId!: string;
  @ApiProperty({
    minimum: 0,
    description: '0 at creation, +1 at every reset: (sessionId, generation) is one conversation',
  })
  generation!: number;
  @ApiProperty({ enum: END_REASONS }) reason!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() endedAt!: string;
  @ApiProperty({ minimum: 0 }) turnCount!: number;
}

@ApiSchema({ name: 'ArchiveList' })
export class ArchiveListDto {
  @ApiProperty({ type: [ArchiveSummaryDto], description: 'most recently ended first' })
  sessions!: ArchiveSummaryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'null on the last page' })
  nextCursor!: string | null;
}

@ApiSchema({ name: 'PoiList' })
export class PoiListDto {
  @ApiProperty({ type: [PoiDto], description: 'by name' })
  pois!: PoiDto[];
}
