// Suites for the runner's own test (scripts/run-stage.test.ts): one that passes and several that
// break in the ways a real suite can. Named *.spec.js so the project's jest never collects them.
module.exports = { testEnvironment: 'node', testMatch: ['<rootDir>/*.spec.js'], transform: {} };
