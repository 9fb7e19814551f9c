import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsSessionMetadata, LOCALE_PATTERN } from '../common/validators';

export class CreateSessionDto {
  @ApiPropertyOptional({ example: 'zh-CN', maxLength: 35, description: 'BCP-47 language tag' })
  @IsOptional()
  @IsString()
  @MaxLength(35)
  @Matches(LOCALE_PATTERN, { message: 'locale must be a BCP-47 language tag such as zh-CN' })
  locale?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 256 },
    description: 'flat object of strings: ≤16 keys, ≤2 KiB as JSON',
  })
  @IsOptional()
  @IsObject()
  @IsSessionMetadata()
  metadata?: Record<string, string>;
}

export class HistoryQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ minimum: 1, description: 'exclusive: turns with a lower seq' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  before?: number;
}

/** API.md's session view. */
export class SessionViewDto {
  @ApiProperty({ format: 'uuid', description: 'Bearer credential of the session; the app keeps it' })
  sessionId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) lastActivityAt!: string;
  @ApiProperty({ format: 'date-time', description: 'lastActivityAt + SESSION_IDLE_TTL_SECONDS' })
  expiresAt!: string;
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description: 'History entries added since creation or the last reset (a query adds 2)',
  })
  turnCount!: number;
  @ApiProperty({ type: 'integer', minimum: 0, description: 'Proactive messages not yet acknowledged' })
  pendingMessages!: number;
  @ApiProperty({ example: 'zh-CN' }) locale!: string;
}

export class TurnViewDto {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'Increases within a session, never reused' })
  seq!: number;
  @ApiProperty({ enum: ['user', 'assistant', 'proactive'] }) role!: string;
  @ApiProperty() text!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ enum: [true], description: 'Present (true) when the user sent an image' })
  hasImage?: boolean;
}

export class HistoryViewDto {
  @ApiProperty({ format: 'uuid' }) sessionId!: string;
  @ApiProperty({ type: [TurnViewDto], description: 'Oldest first' }) turns!: TurnViewDto[];
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'The lowest seq of this page, to pass as `before`; null when nothing older exists',
  })
  nextBefore!: number | null;
}
