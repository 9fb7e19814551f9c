import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ADMIN_DASHBOARD_HTML } from './admin-dashboard.page';

/** GET /admin: the page itself is public; every figure it shows comes from the guarded admin API. */
@ApiTags('pages')
@Controller('admin')
export class AdminDashboardController {
  @Get()
  @ApiOperation({ summary: 'The live dashboard for operators (asks for the admin token in the page)' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } })
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  page(): string {
    return ADMIN_DASHBOARD_HTML;
  }
}
