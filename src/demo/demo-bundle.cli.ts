import { BUILT_DEMO_ASSETS_DIR } from './demo-assets';
import { bundleDemo } from './demo-bundle';

/** `node dist/demo/demo-bundle.cli.js`, the last step of `npm run build`: the demo page into dist/demo/browser. */
bundleDemo(BUILT_DEMO_ASSETS_DIR).catch((error: unknown) => {
  process.stderr.write(`demo bundle: ${String(error)}\n`);
  process.exit(1);
});
