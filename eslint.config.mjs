// Lint rules of CONVENTIONS.md: promise safety, exhaustive switches, strict equality, and
// infrastructure libraries imported by adapter files only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const infrastructure = ['ioredis', 'bullmq', 'pg', 'openai'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '*.js', '*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/unbound-method': 'off',
      'no-restricted-imports': [
        'error',
        {
          paths: infrastructure.map((name) => ({
            name,
            message: `Only adapter files (redis-*, pg-*, openai-*, bullmq-*, src/store/*) may import ${name}.`,
          })),
        },
      ],
    },
  },
  {
    // The adapters, and tests/benchmarks that drive real infrastructure directly.
    files: [
      'src/store/**/*.ts',
      'src/**/redis-*.ts',
      'src/**/bullmq-*.ts',
      'src/**/pg-*.ts',
      'src/**/openai-*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'src/**/*.spec.ts',
      'src/**/*.contract.ts',
    ],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.spec.ts', 'src/**/*.contract.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The support console's browser modules: plain ES modules, type-checked by tsconfig.console.json
    // (which also catches undefined names, so no-undef, which knows no browser globals, is off).
    files: ['src/admin/console/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, sourceType: 'module' },
    rules: { ...tseslint.configs.disableTypeChecked.rules, 'no-undef': 'off', eqeqeq: ['error', 'always'] },
  },
);
