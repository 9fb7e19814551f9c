import { Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAdminAuth } from '../common/api-docs';
import { ApiTags } from '@nestjs/swagger';
import { AdminListQueryDto } from './admin.dto';
import { AdminGuard } from './admin.guard';
import { AdminSessionsService } from './admin-sessions.service';

@ApiTags('admin')
@ApiAdminAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/sessions')
export class AdminSessionsController {
  constructor(private readonly admin: AdminSessionsService) {}

  @Get()
  list(@Query() query: AdminListQueryDto) {
    return this.admin.list(query.limit ?? 50, query.cursor ?? null);
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.admin.get(id);
  }

  @Post(':id/reset')
  @HttpCode(200)
  reset(@Param('id') id: string) {
    return this.admin.reset(id);
  }

  @Delete(':id')
  @HttpCode(204)
  delete(@Param('id') id: string): Promise<void> {
    return this.admin.delete(id);
  }
}
