import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Stats, StatsService } from '../stats/stats.service';
import { AdminGuard } from './admin.guard';

export interface StatsView extends Stats {
  alerts: Array<{ name: string; since: string; message: string }>;
}

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/stats')
export class AdminStatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  async get(): Promise<StatsView> {
    return { ...(await this.stats.read()), alerts: [] };
  }
}
