import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';

export class HealthLiveDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
}

const indicators: ApiPropertyOptions = {
  type: 'object',
  description: 'Per dependency (`store`, `archive`): `{status: "up"}`, or `"down"` with a message',
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'] }, message: { type: 'string' } },
  },
};

/** 200 of GET /health/ready (the @nestjs/terminus shape); not ready is a 503 ErrorEnvelope. */
export class HealthReadyDto {
  @ApiProperty({ enum: ['ok'] }) status!: 'ok';
  @ApiProperty(indicators) info!: Record<string, { status: string }>;
  @ApiProperty(indicators) error!: Record<string, { status: string }>;
  @ApiProperty(indicators) details!: Record<string, { status: string }>;
}
