// Backstage's shared ESLint configuration for this package's role (package.json backstage.role),
// plus the house rules every package in the repository follows (eslint-house-rules.js).
const house = require('../../eslint-house-rules').backstage;

module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, {
  ...house,
  overrides: [
    ...(house.overrides ?? []),
    {
      // The tests run the module against the real implementation of the management-cluster
      // service, which lives in the k0smotron backend plugin (a devDependency only). The
      // module's own code reaches it through @k0smotron/plugin-k0smotron-node, which the rule
      // keeps checking.
      files: ['**/*.test.ts', '**/*.itest.ts'],
      rules: { '@backstage/no-mixed-plugin-imports': 'off' },
    },
  ],
});
