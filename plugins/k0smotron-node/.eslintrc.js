// Backstage's shared ESLint configuration for this package's role (package.json backstage.role),
// plus the house rules every package in the repository follows (eslint-house-rules.js).
module.exports = require('@backstage/cli/config/eslint-factory')(__dirname, require('../../eslint-house-rules').backstage);
