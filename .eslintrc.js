// ESLint for the whole repository (`npm run lint`). Two kinds of package:
// - plugins/* and packages/* are Backstage packages: each has its own .eslintrc.js with
//   Backstage's shared configuration for its role (@backstage/cli/config/eslint-factory), as
//   Backstage's own repository does, plus the house rules (eslint-house-rules.js);
// - everything else (crds, operator, kubectl-k0smotron, testenv, bench, scripts, e2e) uses
//   typescript-eslint's recommended rules without type information (linting takes seconds; the
//   type checker runs as its own stage) plus the same house rules.
// eslint-config-prettier comes last in both, so no rule argues with the formatter.
const house = require('./eslint-house-rules');

const backstagePackages = ['plugins/**', 'packages/**'];

module.exports = {
  root: true,
  ignorePatterns: ['**/node_modules/**', '**/dist/**', '**/dist-types/**', '**/dist-bundle/**', 'artifacts/**', 'coverage/**', '!/.eslintrc.js'],
  reportUnusedDisableDirectives: true,
  overrides: [
    {
      files: ['*.ts', '*.tsx', '*.js', '*.mjs', '*.cjs'],
      excludedFiles: backstagePackages,
      parser: '@typescript-eslint/parser',
      parserOptions: { ecmaVersion: 2022, sourceType: 'module' },
      env: { node: true, es2022: true },
      plugins: ['@typescript-eslint', 'import'],
      extends: ['eslint:recommended', 'plugin:@typescript-eslint/recommended', 'prettier'],
      rules: house.rules,
    },
    {
      files: ['*.ts', '*.tsx'],
      excludedFiles: backstagePackages,
      rules: house.tsRules,
    },
    {
      // CommonJS: configuration files (Jest, ESLint) and the test runner's fixtures.
      files: ['*.js', '*.cjs'],
      excludedFiles: backstagePackages,
      parserOptions: { sourceType: 'script' },
      rules: { '@typescript-eslint/no-require-imports': 'off' },
    },
    {
      // Suites that the test runner's own tests run: Jest globals, no imports.
      files: ['scripts/testdata/**'],
      env: { jest: true },
    },
  ],
};
