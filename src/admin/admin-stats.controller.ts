import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiAdminAuth, ApiErrorResponses } from '../common/api-docs';
import { StatsDto } from './admin.dto';
import { Stats, StatsService } from '../stats';
import { TimeseriesDto, TimeseriesQueryDto } from './admin-ops.dto';
import { AdminGuard } from './admin.guard';

@ApiTags('admin')
@ApiAdminAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/stats')
export class AdminStatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @ApiOperation({ summary: 'Session statistics and firing alerts (totals survive restarts in Redis mode)' })
  @ApiOkResponse({ type: StatsDto })
  @ApiErrorResponses(503)
  get(): Promise<Stats> {
    return this.stats.read();
  }

  @Get('timeseries')
  @ApiOperation({
    summary: 'Per-minute totals across all instances (kept in the store for a day)',
    description:
      'One entry per minute, oldest first, zeros included; the last entry is the current minute, still counting.',
  })
  @ApiOkResponse({ type: TimeseriesDto })
  @ApiErrorResponses(400, 503)
  async timeseries(@Query() query: TimeseriesQueryDto): Promise<TimeseriesDto> {
    return { minutes: await this.stats.timeseries(query.minutes ?? 60) };
  }
}
