import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ADMIN_DASHBOARD_HTML } from './admin-dashboard.page';

/** GET /admin: the page itself is public; every figure it shows comes from the guarded admin API. */
@ApiExcludeController()
@Controller('admin')
export class AdminDashboardController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  page(): string {
    return ADMIN_DASHBOARD_HTML;
  }
}
