// Runs every test stage in order and closes with one summary line ("N passed, N failed").
// Usage: npm test [-- --only typecheck,lint,unit,frontend,build,integration,e2e,adopter,bench]
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runStage, type Stage } from './run-stage';

const root = join(__dirname, '..');
const results = join(root, 'artifacts', 'test-results');
const pkgHasScript = (dir: string, script: string) =>
  existsSync(join(root, dir, 'package.json')) && Boolean(JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')).scripts?.[script]);
const hasFiles = (dir: string, re: RegExp): boolean => {
  const walk = (d: string): boolean =>
    existsSync(d) &&
    readdirSync(d, { withFileTypes: true }).some(e => (e.isDirectory() ? e.name !== 'node_modules' && walk(join(d, e.name)) : re.test(e.name)));
  return walk(join(root, dir));
};

const stages: Array<Stage & { when?: () => boolean }> = [
  { name: 'typecheck', cmd: ['npx', 'tsc', '-p', 'tsconfig.json'] },
  {
    // Formatting (Prettier) and lint (ESLint): both run, so one pass shows every finding; the
    // stage fails if either finds anything, warnings included.
    name: 'lint',
    cmd: ['bash', '-c', 'npm run -s format:check; format=$?; npm run -s lint; lint=$?; exit $((format || lint))'],
  },
  {
    // The public API of every published package, as API Extractor sees its type declarations,
    // must match the committed report*.api.md files (`npm run build:api-reports` updates them).
    name: 'api-reports',
    cmd: ['npm', 'run', '-s', 'check:api-reports'],
  },
  { name: 'unit', cmd: ['npx', 'jest', '--selectProjects', 'unit'], jest: true },
  {
    name: 'frontend',
    cmd: ['npm', 'test', '-w', '@k0smotron/plugin-k0smotron', '--', '--watchAll=false'],
    jest: true,
    when: () => hasFiles('plugins/k0smotron/src', /\.test\.tsx?$/),
  },
  {
    // The published packages' dist/ builds (type declarations included) and the kubectl plugin's bundle.
    name: 'build',
    cmd: ['bash', '-c', 'npm run -s build:packages && npm run build -w kubectl-k0smotron'],
    when: () => pkgHasScript('kubectl-k0smotron', 'build'),
  },
  { name: 'integration', cmd: ['npx', 'jest', '--selectProjects', 'integration'], jest: true },
  { name: 'e2e', cmd: ['npx', 'tsx', '--test', '--test-reporter=spec', 'e2e/demo.e2e.ts'], nodeTest: true },
  {
    // The packed packages in a new Backstage app outside the checkout, installed by following
    // their READMEs (scripts/adopter/README.md). Run in-process (no --test) so its progress
    // reaches stderr as it happens: node --test would hold it until the file ends.
    name: 'adopter',
    cmd: ['npx', 'tsx', '--test-reporter=spec', 'scripts/adopter/adopter.e2e.ts'],
    nodeTest: true,
  },
  { name: 'bench', cmd: ['npm', 'run', 'bench'], when: () => pkgHasScript('.', 'bench') },
];

const onlyArg = process.argv.indexOf('--only');
const only = onlyArg >= 0 ? new Set(process.argv[onlyArg + 1]?.split(',')) : undefined;

mkdirSync(results, { recursive: true });
let passed = 0;
let failed = 0;
const lines: string[] = [];
const broken: string[] = [];
for (const stage of stages) {
  if (only && !only.has(stage.name)) continue;
  if (stage.when && !stage.when()) {
    lines.push(`${stage.name.padEnd(12)} skipped (nothing to run yet)`);
    continue;
  }
  process.stderr.write(`\n\u001b[1m==> ${stage.name}: ${stage.cmd.join(' ')}\u001b[0m\n`);
  const started = Date.now();
  const outcome = runStage(stage, { cwd: root, resultsDir: results });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  passed += outcome.passed;
  failed += outcome.failed;
  const detail = outcome.detail;
  for (const suite of outcome.brokenSuites) broken.push(`${stage.name}: ${suite}`);
  lines.push(`${stage.name.padEnd(12)} ${detail} in ${seconds} s`);
}
const brokenText = broken.length > 0 ? `\nSuites that failed outside any test:\n${broken.map(b => `  ${b}`).join('\n')}\n` : '';
process.stdout.write(`\n${lines.join('\n')}\n${brokenText}\n${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
