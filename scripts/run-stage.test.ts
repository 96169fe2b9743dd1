import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStage } from './run-stage';
import { stageOutcome } from './stage-result';

// The runner is run for real on suites that break in each way a suite can, through the same
// runStage() that `npm test` uses.
const fixtures = join(__dirname, 'testdata', 'runner');
const jestBin = require.resolve('jest/bin/jest');
let resultsDir: string;

beforeAll(() => {
  resultsDir = mkdtempSync(join(tmpdir(), 'runner-test-'));
});
afterAll(() => rmSync(resultsDir, { recursive: true, force: true }));

const jestStage = (name: string, files: string[]) => ({
  name,
  jest: true,
  cmd: [process.execPath, jestBin, '--config', join(fixtures, 'jest.config.js'), ...files.map(f => join(fixtures, f))],
});
const quiet = {
  cwd: fixtures,
  quiet: true,
  get resultsDir() {
    return resultsDir;
  },
};

describe('runStage on real jest suites', () => {
  it('counts a suite that fails to import as a failure, naming the file', () => {
    const outcome = runStage(jestStage('import', ['passes.spec.js', 'imports-missing-module.spec.js']), quiet);
    expect(outcome.passed).toBe(1);
    expect(outcome.failed).toBe(1);
    expect(outcome.brokenSuites).toEqual([join(fixtures, 'imports-missing-module.spec.js')]);
    expect(outcome.detail).toMatch(/^FAILED \(exit 1\): 1 passed, 0 failed, 1 suite\(s\) failed to run$/);
  }, 60_000);

  it('counts a suite whose afterAll throws as a failure although every test passed', () => {
    const outcome = runStage(jestStage('afterall', ['after-all-throws.spec.js']), quiet);
    expect(outcome.failed).toBe(1);
    expect(outcome.brokenSuites).toEqual([join(fixtures, 'after-all-throws.spec.js')]);
  }, 60_000);

  it('counts failed tests once, not again as a broken suite', () => {
    const outcome = runStage(jestStage('fails', ['fails.spec.js', 'passes.spec.js']), quiet);
    expect(outcome).toMatchObject({ passed: 1, failed: 1, brokenSuites: [] });
  }, 60_000);

  it('passes a stage whose suites all pass', () => {
    const outcome = runStage(jestStage('ok', ['passes.spec.js']), quiet);
    expect(outcome).toEqual({ passed: 1, failed: 0, brokenSuites: [], detail: 'ok: 1 passed, 0 failed' });
  }, 60_000);
});

describe('runStage on node:test files and plain commands', () => {
  const nodeStage = (file: string) => ({
    name: 'node',
    nodeTest: true,
    cmd: [process.execPath, '--test', '--test-reporter=spec', join(fixtures, file)],
  });

  it('fails a node:test file that throws before declaring a test', () => {
    const outcome = runStage(nodeStage('throws-on-load.node-test.mjs'), quiet);
    expect(outcome.failed).toBeGreaterThanOrEqual(1);
    expect(outcome.detail).toMatch(/^FAILED/);
  }, 60_000);

  it('passes a node:test file whose tests pass', () => {
    const outcome = runStage(nodeStage('passes.node-test.mjs'), quiet);
    expect(outcome).toMatchObject({ passed: 1, failed: 0 });
  }, 60_000);

  it('fails a plain command that exits non-zero', () => {
    const outcome = runStage({ name: 'cmd', cmd: [process.execPath, '-e', 'process.exit(3)'] }, quiet);
    expect(outcome).toMatchObject({ failed: 1, detail: 'FAILED (exit 3) (no report)' });
  }, 60_000);
});

describe('stageOutcome', () => {
  it('fails a non-zero exit that the jest report does not explain', () => {
    const outcome = stageOutcome({ kind: 'jest', exit: 1, jest: { numPassedTests: 5, numFailedTests: 0, testResults: [] } });
    expect(outcome.failed).toBe(1);
    expect(outcome.detail).toBe('FAILED (exit 1): 5 passed, 0 failed (exit not explained by the report)');
  });

  it('fails a jest stage that wrote no report', () => {
    expect(stageOutcome({ kind: 'jest', exit: 1 })).toMatchObject({ failed: 1, detail: 'FAILED (exit 1) (no report)' });
  });

  it('fails a stage killed by a signal', () => {
    expect(stageOutcome({ kind: 'command', exit: 'SIGKILL' })).toMatchObject({ failed: 1, detail: 'FAILED (exit SIGKILL) (no report)' });
  });

  it('counts failed suites from the totals when a report has no per-suite results', () => {
    const outcome = stageOutcome({
      kind: 'jest',
      exit: 1,
      jest: { numPassedTests: 2, numFailedTests: 0, numFailedTestSuites: 1, numRuntimeErrorTestSuites: 1 },
    });
    expect(outcome.failed).toBe(2);
  });

  it('fails a stage whose report shows failures even when the process exited 0', () => {
    const outcome = stageOutcome({ kind: 'jest', exit: 0, jest: { numPassedTests: 1, numFailedTests: 1, testResults: [] } });
    expect(outcome).toMatchObject({ failed: 1, detail: 'FAILED (exit 0): 1 passed, 1 failed' });
  });
});
