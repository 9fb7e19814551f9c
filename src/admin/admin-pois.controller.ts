import { Body, Controller, Get, HttpCode, Put, UseGuards } from '@nestjs/common';
import { ApiAdminAuth, ApiErrorResponses } from '../common/api-docs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PoiListDto } from './admin-ops.dto';
import { ReplacePoisDto, ReplacePoisResponseDto, PoiService } from '../poi';
import { AdminGuard } from './admin.guard';

@ApiTags('admin')
@ApiAdminAuth()
@UseGuards(AdminGuard)
@Controller('v1/admin/pois')
export class AdminPoisController {
  constructor(private readonly pois: PoiService) {}

  @Get()
  @ApiOperation({ summary: 'Every point of interest (an addition to API.md, for the support console)' })
  @ApiOkResponse({ type: PoiListDto })
  @ApiErrorResponses(503)
  async list(): Promise<PoiListDto> {
    const pois = await this.pois.all();
    return { pois: [...pois].sort((a, b) => a.name.localeCompare(b.name)) };
  }

  @Put()
  @HttpCode(200)
  @ApiOperation({ summary: 'Replace the whole set of points of interest' })
  @ApiOkResponse({ type: ReplacePoisResponseDto })
  @ApiErrorResponses(400, 413, 503)
  async replace(@Body() body: ReplacePoisDto): Promise<ReplacePoisResponseDto> {
    return { count: await this.pois.replaceAll(body.pois) };
  }
}
