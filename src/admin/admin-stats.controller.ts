import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiAdminAuth } from '../common/api-docs';
import { ApiTags } from '@nestjs/swagger';
import { Stats, StatsService } from '../stats/stats.service';
import { AdminGuard } from './admin.guard';

@ApiTags('admin')
@ApiAdminAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/stats')
export class AdminStatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  get(): Promise<Stats> {
    return this.stats.read();
  }
}
