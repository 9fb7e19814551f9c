import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiAdminAuth, ApiErrorResponses } from '../common/api-docs';
import { StatsDto } from './admin.dto';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Stats, StatsService } from '../stats/stats.service';
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
}
