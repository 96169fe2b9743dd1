// How one test stage's outcome is counted. Kept apart from scripts/test.ts so that the rules can
// be tested on real jest and node:test output, including suites that never ran a test.

/** The parts of jest's `--json` report that decide pass or fail. */
export interface JestReport {
  numPassedTests: number;
  numFailedTests: number;
  numFailedTestSuites?: number;
  numRuntimeErrorTestSuites?: number;
  testResults?: Array<{ name: string; status: string; message?: string; assertionResults?: Array<{ status: string }> }>;
}

export interface StageOutcome {
  passed: number;
  /** Failed tests plus failed suites that no failed test explains, plus one for an unexplained exit. */
  failed: number;
  /** One line for the summary, e.g. "ok: 12 passed, 0 failed". */
  detail: string;
  /** Suites that failed outside any test (import error, throwing hook), by file. */
  brokenSuites: string[];
}

export type StageKind = 'jest' | 'nodeTest' | 'command';

export interface StageRun {
  kind: StageKind;
  /** Exit status, or a signal name when the process was killed. */
  exit: number | string | null;
  /** jest's `--json` report, when the file was written. */
  jest?: JestReport;
  /** node:test's spec reporter output. */
  stdout?: string;
}

/**
 * Counts a stage. A stage fails when any test fails, when any suite fails without a failing test
 * (it did not load, or a hook threw), and when the process exits non-zero for a reason its report
 * does not show (a crash, a missing report, a coverage threshold).
 */
export function stageOutcome(run: StageRun): StageOutcome {
  const ok = run.exit === 0;
  const exitText = ok ? 'ok' : `FAILED (exit ${run.exit ?? 'unknown'})`;
  let passed = 0;
  let failedTests = 0;
  const brokenSuites: string[] = [];
  let reported = false;

  if (run.kind === 'jest' && run.jest) {
    reported = true;
    const r = run.jest;
    passed = r.numPassedTests;
    failedTests = r.numFailedTests;
    for (const suite of r.testResults ?? []) {
      const failingInside = (suite.assertionResults ?? []).some(a => a.status === 'failed');
      if (suite.status === 'failed' && !failingInside) brokenSuites.push(suite.name);
    }
    // A report without per-suite results still says how many suites failed.
    if (!r.testResults) {
      const suites = (r.numFailedTestSuites ?? 0) + (r.numRuntimeErrorTestSuites ?? 0);
      for (let i = 0; i < suites; i++) brokenSuites.push('(unnamed suite)');
    }
  } else if (run.kind === 'nodeTest' && run.stdout !== undefined) {
    const count = (word: string) => Number(new RegExp(`^\\S*\\s*${word} (\\d+)$`, 'm').exec(run.stdout ?? '')?.[1] ?? Number.NaN);
    const pass = count('pass');
    const fail = count('fail');
    if (!Number.isNaN(pass) && !Number.isNaN(fail)) {
      reported = true;
      passed = pass;
      failedTests = fail;
    }
  }

  let failed = failedTests + brokenSuites.length;
  // A non-zero exit that the report does not explain still fails the stage, counted once.
  const unexplainedExit = !ok && failed === 0;
  if (unexplainedExit) failed = 1;
  let detail = exitText;
  if (reported) detail += `: ${passed} passed, ${failedTests} failed`;
  if (brokenSuites.length > 0) detail += `, ${brokenSuites.length} suite(s) failed to run`;
  if (unexplainedExit) detail += reported ? ' (exit not explained by the report)' : ' (no report)';
  if (ok && failed > 0) detail = detail.replace(/^ok/, 'FAILED (exit 0)');
  return { passed, failed, detail, brokenSuites };
}
