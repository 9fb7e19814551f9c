/**
 * Import boundaries of src/ (npm run check:boundaries). Each folder under src/ is a module; these rules
 * keep the arrows between them one-way and the doors to each of them single:
 * - no cycles, neither between files nor between module folders;
 * - common/ and domain/ are kernels: they import no module (config/ only holds the typed config);
 * - a module reaches another only through that module's index.ts (common/, config/ and domain/ are
 *   shared libraries without a private inside, and may be imported file by file);
 * - only adapter files talk to infrastructure packages (ioredis, bullmq, pg, openai), named after it
 *   (redis-*.ts, bullmq-*.ts, pg-*.ts, openai-*.ts) or living in store/; in archive/ only the file
 *   adapter (file-*.ts) touches the file system.
 * Specs and contract suites may reach into another module for fixtures; production code may not.
 */
const SPEC = '\\.(spec|contract)\\.ts$';
const KERNELS = '^src/(common|config|domain)/';

module.exports = {
  forbidden: [
    {
      name: 'no-file-cycles',
      severity: 'error',
      comment: 'A cycle between files: break it by moving the shared piece to where both may import it.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycles',
      severity: 'error',
      comment:
        'Two module folders import each other (through any path): shared types go to src/domain/, ' +
        'and one side owns the behaviour.',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'common-imports-no-module',
      severity: 'error',
      comment: 'common/ is shared by every module, so it may import none (domain/ and config/ excepted).',
      from: { path: '^src/common/' },
      to: { path: '^src/', pathNot: '^src/(common|config|domain)/' },
    },
    {
      name: 'domain-imports-no-module',
      severity: 'error',
      comment: 'domain/ is the shared kernel of types, events and errors: it imports nothing of src/.',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'config-imports-no-module',
      severity: 'error',
      comment: 'config/ is read by every module, so it may import none.',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/config/' },
    },
    {
      name: 'one-way-in',
      severity: 'error',
      comment: "Another module's inside: import its public face from its index.ts instead.",
      from: { path: '^src/([^/]+)/', pathNot: SPEC },
      to: { path: '^src/[^/]+/', pathNot: ['^src/$1/', '^src/[^/]+/index\\.ts$', KERNELS] },
    },
    {
      name: 'root-files-one-way-in',
      severity: 'error',
      comment: 'main.ts, app.module.ts and the CLIs also go through each module index.ts.',
      from: { path: '^src/[^/]+\\.ts$' },
      to: { path: '^src/[^/]+/', pathNot: ['^src/[^/]+/index\\.ts$', KERNELS] },
    },
    {
      name: 'only-adapters-import-infrastructure',
      severity: 'error',
      comment:
        'ioredis, bullmq, pg and openai belong to adapters: name the file after what it adapts ' +
        '(redis-*.ts, bullmq-*.ts, pg-*.ts, openai-*.ts) or keep it in store/.',
      from: {
        path: '^src/',
        pathNot: ['(^|/)(redis|bullmq|pg|openai)-[^/]+\\.ts$', '^src/store/', SPEC],
      },
      to: { path: '^node_modules/(ioredis|bullmq|pg|openai)/' },
    },
    {
      name: 'only-file-adapters-touch-the-archive-disk',
      severity: 'error',
      comment: 'In archive/, only the file adapter (file-*.ts) reads or writes files.',
      from: { path: '^src/archive/', pathNot: ['(^|/)file-[^/]+\\.ts$', SPEC] },
      to: { path: '^(node:)?fs(/promises)?$', dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    includeOnly: ['^src/', '^node_modules/(ioredis|bullmq|pg|openai)/', '^(node:)?fs'],
    exclude: { path: ['^src/demo/browser/', '^src/admin/console/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['main', 'types', 'typings'],
    },
  },
};
