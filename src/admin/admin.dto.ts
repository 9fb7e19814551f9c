import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SessionViewDto } from '../sessions';
import { END_REASONS, EndReason } from '../domain';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** `limit` of the admin lists: 1..100, 50 when absent. */
export class AdminPageLimitDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;
}

export class AdminListQueryDto extends AdminPageLimitDto {
  @ApiPropertyOptional({ description: 'opaque; nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,9}$/, { message: 'cursor must be a nextCursor value' })
  cursor?: string;
}

/** A session as operators see it in the list. */
export class AdminSessionViewDto extends SessionViewDto {
  @ApiProperty({ type: 'string', nullable: true, description: 'The address it was created from' })
  clientIp!: string | null;
  @ApiProperty({ type: [String], example: ['ip_changed'] }) flags!: string[];
}

/** GET /v1/admin/sessions/:id. */
export class AdminSessionDetailDto extends AdminSessionViewDto {
  @ApiProperty({ type: 'string', nullable: true }) userAgent!: string | null;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Bytes the session takes in the store' })
  storeBytes!: number;
}

export class AdminSessionListDto {
  @ApiProperty({ type: [AdminSessionViewDto], description: 'Most recently active first' })
  sessions!: AdminSessionViewDto[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Opaque; null on the last page' })
  nextCursor!: string | null;
}

export class ActiveAlertDto {
  @ApiProperty({ example: 'session_create_rate' }) name!: string;
  @ApiProperty({ format: 'date-time', description: 'When it started firing' }) since!: string;
  @ApiProperty() message!: string;
}

/** GET /v1/admin/stats. */
export class StatsDto {
  @ApiProperty({ type: 'integer' }) activeSessions!: number;
  @ApiProperty({ type: 'integer' }) createdTotal!: number;
  @ApiProperty({
    type: 'object',
    description: 'Ends by reason: every reason listed, 0 included',
    properties: Object.fromEntries(END_REASONS.map((reason) => [reason, { type: 'integer', minimum: 0 }])),
    required: [...END_REASONS],
    additionalProperties: false,
  })
  endedTotal!: Record<EndReason, number>;
  @ApiProperty({ description: 'Over ended sessions (resets excluded)' }) avgLifetimeSeconds!: number;
  @ApiProperty() avgTurnsPerSession!: number;
  @ApiProperty({ type: 'integer' }) queriesLastMinute!: number;
  @ApiProperty({ type: 'integer' }) proactiveSentTotal!: number;
  @ApiProperty({ type: [ActiveAlertDto] }) alerts!: ActiveAlertDto[];
}
