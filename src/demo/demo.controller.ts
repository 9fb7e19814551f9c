import { Controller, Get, Header, Inject, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../common/api-error';
import { ApiErrorResponses } from '../common/api-docs';
import { DEMO_ASSETS, DEMO_ASSETS_DIR } from './demo-assets';

/** GET /demo: the tour app in a browser, on the public API and the client package; no token. */
@ApiTags('pages')
@Controller('demo')
export class DemoController {
  constructor(@Inject(DEMO_ASSETS_DIR) private readonly assetsDir: string) {}

  @Get()
  @ApiOperation({ summary: 'The tour app in a browser: map of the POIs, chat with streamed answers, pushes' })
  @ApiOkResponse({ description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiErrorResponses([404, '`NOT_FOUND`: the page was not built (`npm run build` bundles it)'])
  @Header('Cache-Control', 'no-store')
  page(@Res() response: Response): void {
    this.send(response, 'index.html', 'text/html; charset=utf-8');
  }

  @Get(':asset')
  @ApiOperation({ summary: "The demo page's script and style sheet (bundled at npm run build)" })
  @ApiParam({ name: 'asset', enum: Object.keys(DEMO_ASSETS) })
  @ApiOkResponse({
    description: 'The file',
    content: {
      'text/javascript': { schema: { type: 'string' } },
      'text/css': { schema: { type: 'string' } },
    },
  })
  @ApiErrorResponses([404, '`NOT_FOUND`: no such file of the demo page'])
  @Header('Cache-Control', 'no-cache')
  asset(@Param('asset') asset: string, @Res() response: Response): void {
    const type = Object.hasOwn(DEMO_ASSETS, asset) ? DEMO_ASSETS[asset] : undefined;
    if (!type) throw new ApiError('NOT_FOUND', 'No such file of the demo page');
    this.send(response, asset, type);
  }

  private send(response: Response, file: string, type: string): void {
    const path = join(this.assetsDir, file);
    if (!existsSync(path)) throw new ApiError('NOT_FOUND', 'The demo page is not built: run npm run build');
    response.type(type).sendFile(path);
  }
}
