// Node-side tests of every package. Unit tests (`*.test.ts`) need nothing running; integration
// tests (`*.itest.ts`) share one real local test cluster per run (testenv/src/jest) and isolate
// themselves by namespace. The frontend plugin runs under backstage-cli (jsdom) instead.
const nodePackages = [
  'crds',
  'testenv',
  'operator',
  'kubectl-k0smotron',
  'bench',
  'plugins/k0smotron-common',
  'plugins/k0smotron-node',
  'plugins/k0smotron-backend',
  'plugins/catalog-backend-module-k0smotron',
  'plugins/scaffolder-backend-module-k0smotron',
];
const roots = [...nodePackages, 'scripts'].map(p => `<rootDir>/${p}`);
// @kubernetes/client-node 1.x and some of its dependencies are ESM-only: compile them to CJS too.
const transform = {
  '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript', tsx: true } }, module: { type: 'commonjs' } }],
};
const transformIgnorePatterns = ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|@sinclair/typebox)/)'];
const common = { roots, transform, transformIgnorePatterns, testEnvironment: 'node', moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'] };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/src/**/*.test.ts', '**/scripts/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['**/src/**/*.itest.ts'],
      globalSetup: '<rootDir>/testenv/src/jest/globalSetup.ts',
      globalTeardown: '<rootDir>/testenv/src/jest/globalTeardown.ts',
      setupFilesAfterEnv: ['<rootDir>/testenv/src/jest/setupIntegration.ts'],
      testEnvironment: '<rootDir>/testenv/src/jest/environment.ts',
      slowTestThreshold: 30,
    },
  ],
};
