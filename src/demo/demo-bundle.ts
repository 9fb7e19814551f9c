import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** The page's sources (src/demo/browser), also when run from dist/demo. */
const SOURCE_DIR = join(__dirname, '..', '..', 'src', 'demo', 'browser');

/**
 * Bundles the tour app page (browser/main.ts, the client package and its two libraries, the CSS it
 * imports) into `outDir` as demo.js and demo.css, beside a copy of index.html. No CDN, no network:
 * everything the page runs comes from this service.
 */
export async function bundleDemo(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: { demo: join(SOURCE_DIR, 'main.ts') },
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020', 'chrome100', 'safari15', 'firefox100'],
    tsconfig: join(SOURCE_DIR, 'tsconfig.json'),
    logLevel: 'warning',
  });
  copyFileSync(join(SOURCE_DIR, 'index.html'), join(outDir, 'index.html'));
}
