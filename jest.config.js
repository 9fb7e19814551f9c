/** Three tiers (CONVENTIONS.md): unit specs beside the code, adapter contract specs, e2e specs in test/. */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
const common = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': tsJest },
};
module.exports = {
  // A global option: Jest ignores it inside `projects`.
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/test/support/conformance/reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      // Every response an e2e test receives is checked against the app's OpenAPI document.
      setupFilesAfterEnv: ['<rootDir>/test/support/conformance/setup.ts'],
    },
  ],
};
