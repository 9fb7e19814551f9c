import { Controller, Get, Header, Param, Res, StreamableFile } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { createReadStream, readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { ApiError } from '../common/api-error';

/** The page's own files: plain HTML, CSS and ES modules, copied to dist/ by nest-cli's assets. */
const CONSOLE_DIR = join(__dirname, 'console');
/** Chart.js's self-contained browser build (no dependencies), straight from node_modules. */
const CHART_JS = join(dirname(require.resolve('chart.js')), 'chart.umd.min.js');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** Only files that exist at start and have a known type can be served: no path ever comes from the URL. */
const ASSETS = new Map(
  readdirSync(CONSOLE_DIR)
    .filter((name) => name !== 'index.html' && TYPES[extname(name)])
    .map((name) => [name, join(CONSOLE_DIR, name)]),
);

/**
 * The page's own policy: its scripts, styles and API calls come from this origin only; no inline
 * script, style or handler can run (the global hardening headers may set a broader one for other pages).
 */
const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function serve(path: string, response: Response): StreamableFile {
  response.set({
    'Content-Type': TYPES[extname(path)],
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': CONSOLE_CSP,
    'X-Content-Type-Options': 'nosniff',
  });
  return new StreamableFile(createReadStream(path));
}

/**
 * GET /admin: the support console. The page and its scripts are public; everything they show comes
 * from the guarded admin API with the token the person enters (kept in the tab's sessionStorage).
 */
@ApiTags('pages')
@Controller('admin')
export class AdminConsoleController {
  @Get()
  @Header('Cache-Control', 'no-cache')
  @ApiOperation({ summary: 'The support console (HTML); asks for the admin token in the page' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The page', content: { 'text/html': { schema: { type: 'string' } } } })
  page(@Res({ passthrough: true }) response: Response): StreamableFile {
    return serve(join(CONSOLE_DIR, 'index.html'), response);
  }

  @Get('assets/:name')
  @ApiExcludeEndpoint()
  asset(@Param('name') name: string, @Res({ passthrough: true }) response: Response): StreamableFile {
    const path = ASSETS.get(name);
    if (!path) throw new ApiError('NOT_FOUND', 'No such file');
    return serve(path, response);
  }

  @Get('vendor/chart.umd.min.js')
  @ApiExcludeEndpoint()
  chart(@Res({ passthrough: true }) response: Response): StreamableFile {
    return serve(CHART_JS, response);
  }
}
