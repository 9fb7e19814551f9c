import { join } from 'node:path';

/** The folder the demo page and its bundle are served from (a provider, so tests can bundle elsewhere). */
export const DEMO_ASSETS_DIR = Symbol('DEMO_ASSETS_DIR');

/**
 * Where `npm run build` puts the page: nest copies browser/index.html to dist/demo/browser/, and
 * demo-bundle.cli.js writes demo.js and demo.css beside it.
 */
export const BUILT_DEMO_ASSETS_DIR = join(__dirname, 'browser');

/** The files of the page besides index.html, with their content types. */
export const DEMO_ASSETS: Readonly<Record<string, string>> = {
  'demo.js': 'text/javascript; charset=utf-8',
  'demo.css': 'text/css; charset=utf-8',
};
