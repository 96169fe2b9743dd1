// Runs every test stage in order and closes with one summary line ("N passed, N failed").
// Usage: npm test [-- --only typecheck,unit,frontend,integration,e2e,bench]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

interface Stage {
  name: string;
  /** Command and args; jest stages get `--json --outputFile` appended to count tests. */
  cmd: string[];
  jest?: boolean;
  /** node:test output: counted from its `ℹ pass N` / `ℹ fail N` summary. */
  nodeTest?: boolean;
  when?: () => boolean;
}

const root = join(__dirname, '..');
const results = join(root, 'artifacts', 'test-results');
const pkgHasScript = (dir: string, script: string) =>
  existsSync(join(root, dir, 'package.json')) &&
  Boolean(JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).scripts?.[script]);
const hasFiles = (dir: string, re: RegExp): boolean => {
  const walk = (d: string): boolean =>
    existsSync(d) &&
    readdirSync(d, { withFileTypes: true }).some(e =>
      e.isDirectory() ? e.name !== 'node_modules' && walk(join(d, e.name)) : re.test(e.name),
    );
  return walk(join(root, dir));
};

const stages: Stage[] = [
  { name: 'typecheck', cmd: ['npx', 'tsc', '-p', 'tsconfig.json'] },
  { name: 'unit', cmd: ['npx', 'jest', '--selectProjects', 'unit'], jest: true },
  {
    name: 'frontend',
    cmd: ['npm', 'test', '-w', '@k0smotron/plugin-k0smotron', '--', '--watchAll=false'],
    jest: true,
    when: () => hasFiles('plugins/k0smotron/src', /\.test\.tsx?$/),
  },
  {
    name: 'build',
    cmd: ['npm', 'run', 'build', '-w', 'kubectl-k0smotron'],
    when: () => pkgHasScript('kubectl-k0smotron', 'build'),
  },
  { name: 'integration', cmd: ['npx', 'jest', '--selectProjects', 'integration'], jest: true },
  { name: 'e2e', cmd: ['npx', 'tsx', '--test', '--test-reporter=spec', 'e2e/demo.e2e.ts'], nodeTest: true },
  { name: 'bench', cmd: ['npm', 'run', 'bench'], when: () => pkgHasScript('.', 'bench') },
];

const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set(process.argv[onlyArg + 1]?.split(',')) : undefined;

mkdirSync(results, { recursive: true });
let passed = 0;
let failed = 0;
const lines: string[] = [];
for (const stage of stages) {
  if (only && !only.has(stage.name)) continue;
  if (stage.when && !stage.when()) {
    lines.push(`${stage.name.padEnd(12)} skipped (nothing to run yet)`);
    continue;
  }
  const out = join(results, `${stage.name}.json`);
  rmSync(out, { force: true });
  const args = stage.jest ? [...stage.cmd, '--json', `--outputFile=${out}`] : stage.cmd;
  process.stderr.write(`\n\u001b[1m==> ${stage.name}: ${args.join(' ')}\u001b[0m\n`);
  const started = Date.now();
  const run = spawnSync(args[0], args.slice(1), {
    cwd: root,
    stdio: stage.nodeTest ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    env: { ...process.env, CI: 'true' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (stage.nodeTest) process.stdout.write(run.stdout ?? '');
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const ok = run.status === 0;
  let detail = ok ? 'ok' : `FAILED (exit ${run.status ?? run.signal})`;
  if (stage.jest && existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8')) as { numPassedTests: number; numFailedTests: number };
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    detail += `: ${r.numPassedTests} passed, ${r.numFailedTests} failed`;
  } else if (stage.nodeTest) {
    const count = (word: string) => Number(new RegExp(`^\\S*\\s*${word} (\\d+)$`, 'm').exec(run.stdout ?? '')?.[1] ?? 0);
    passed += count('pass');
    failed += Math.max(count('fail'), ok ? 0 : 1);
    detail += `: ${count('pass')} passed, ${count('fail')} failed`;
  } else if (!ok) {
    failed += 1;
  }
  lines.push(`${stage.name.padEnd(12)} ${detail} in ${seconds} s`);
}
process.stdout.write(`\n${lines.join('\n')}\n\n${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
