// Runs one test stage as a child process and counts it (see stage-result.ts for the rules).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stageOutcome, type JestReport, type StageOutcome } from './stage-result';

export interface Stage {
  name: string;
  /** Command and args; jest stages get `--json --outputFile` appended to count tests. */
  cmd: string[];
  jest?: boolean;
  /** node:test output: counted from its `ℹ pass N` / `ℹ fail N` summary. */
  nodeTest?: boolean;
}

export interface RunStageOptions {
  cwd: string;
  resultsDir: string;
  env?: NodeJS.ProcessEnv;
  /** Hide the stage's own output (the runner's tests run deliberately failing suites). */
  quiet?: boolean;
}

export function runStage(stage: Stage, opts: RunStageOptions): StageOutcome {
  const out = join(opts.resultsDir, `${stage.name}.json`);
  rmSync(out, { force: true });
  const args = stage.jest ? [...stage.cmd, '--json', `--outputFile=${out}`] : stage.cmd;
  const run = spawnSync(args[0], args.slice(1), {
    cwd: opts.cwd,
    stdio: ['ignore', stage.nodeTest ? 'pipe' : opts.quiet ? 'ignore' : 'inherit', opts.quiet ? 'ignore' : 'inherit'],
    env: { ...process.env, CI: 'true', ...opts.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (stage.nodeTest && !opts.quiet) process.stdout.write(run.stdout ?? '');
  let jest: JestReport | undefined;
  if (stage.jest && existsSync(out)) {
    try {
      jest = JSON.parse(readFileSync(out, 'utf8')) as JestReport;
    } catch {
      jest = undefined; // an unreadable report counts as no report
    }
  }
  return stageOutcome({
    kind: stage.jest ? 'jest' : stage.nodeTest ? 'nodeTest' : 'command',
    exit: run.status ?? run.signal ?? (run.error ? String(run.error.message) : null),
    jest,
    stdout: stage.nodeTest ? (run.stdout ?? '') : undefined,
  });
}
