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

export class SessionViewDto {
  @ApiProperty() sessionId!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() lastActivityAt!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty() turnCount!: number;
  @ApiProperty() pendingMessages!: number;
  @ApiProperty({ example: 'zh-CN' }) locale!: string;
}

export class TurnViewDto {
  @ApiProperty() seq!: number;
  @ApiProperty({ enum: ['user', 'assistant', 'proactive'] }) role!: string;
  @ApiProperty() text!: string;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional() hasImage?: boolean;
}

export class HistoryViewDto {
  @ApiProperty() sessionId!: string;
  @ApiProperty({ type: [TurnViewDto] }) turns!: TurnViewDto[];
  @ApiProperty({ type: Number, nullable: true }) nextBefore!: number | null;
}
