// Makes a Backstage app the way someone outside this repository would: a fresh directory (not
// under the checkout) from scripts/adopter/template, dependencies from the registry through the
// npm cache, the k0smotron packages from tarballs packed here, and each package's README section
// "Install into your Backstage" followed step by step (readme-steps.ts).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { publishedPackages } from '../packaging/published';
import { applyCodeBlock, mergeYaml, parseNpmInstall, readInstallSteps, type InstallStep } from './readme-steps';

export const ROOT = join(__dirname, '..', '..');
const TEMPLATE = join(__dirname, 'template');

/** The published packages a Backstage app installs: all but the kubectl plugin, a command with a `bin`. */
export const PUBLISHED = publishedPackages().filter(p => !JSON.parse(readFileSync(join(ROOT, p.dir, 'package.json'), 'utf8')).bin);

export type Progress = (msg: string) => void;

/** Runs a command, printing its elapsed seconds; returns its stdout, throws with the output's tail when it fails. */
export async function run(progress: Progress, what: string, cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  const started = Date.now();
  progress(`${what}…`);
  const ticker = setInterval(() => progress(`  … ${what}: ${((Date.now() - started) / 1000).toFixed(0)} s`), 30_000);
  try {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) {
      const tail = out.trim().split('\n').slice(-40).join('\n');
      throw new Error(`${what} failed (${cmd} ${args.join(' ')}, exit ${code}):\n${tail}`);
    }
    progress(`${what}: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return stdout;
  } finally {
    clearInterval(ticker);
  }
}

/** Builds the published packages and packs each into `dest`; returns package name → tarball path. */
export async function packPackages(progress: Progress, dest: string): Promise<Map<string, string>> {
  await run(progress, 'building the packages (npm run build:packages)', 'npm', ['run', 'build:packages'], { cwd: ROOT });
  // One npm for every package: each pack runs its prepack/postpack, npm starts once.
  const workspaces = PUBLISHED.flatMap(p => ['-w', p.name]);
  const out = await run(progress, `packing ${PUBLISHED.length} packages`, 'npm', ['pack', '--json', ...workspaces, '--pack-destination', dest], { cwd: ROOT });
  // The JSON list is the last thing npm prints; the lifecycle scripts may print before it.
  const packed = JSON.parse(out.slice(out.search(/^\[/m))) as Array<{ name: string; filename: string }>;
  const tarballs = new Map(packed.map(p => [p.name, join(dest, p.filename)]));
  const missing = PUBLISHED.filter(p => !tarballs.has(p.name));
  if (missing.length > 0) throw new Error(`npm pack made no tarball for ${missing.map(p => p.name).join(', ')}`);
  return tarballs;
}

/**
 * Copies the template to a new directory outside the checkout and installs it. The k0smotron
 * packages are not on the registry, so the root's `overrides` point each of them at its tarball:
 * a package that depends on another k0smotron package gets the packed one, never the workspace.
 */
export async function createApp(progress: Progress, tarballs: Map<string, string>): Promise<string> {
  const base = process.env.K0SMOTRON_ADOPTER_TMPDIR ?? tmpdir();
  const dir = mkdtempSync(join(base, 'k0smotron-adopter-'));
  if (dir.startsWith(ROOT)) throw new Error(`the adopter app must be outside the checkout, got ${dir}`);
  cpSync(TEMPLATE, dir, { recursive: true });
  const pkgFile = join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { overrides: Record<string, string> };
  for (const [name, file] of tarballs) pkg.overrides[name] = `file:${file}`;
  writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  await run(progress, `npm install of a new Backstage app in ${dir}`, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir });
  return dir;
}

export interface StepContext {
  appDir: string;
  tarballs: Map<string, string>;
  kubectlPath: string;
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** Variables the README steps export (e.g. a service-account token), for the backend's env. */
  env: Record<string, string>;
  /** An app made by an earlier run: only the steps for the (new) cluster are followed. */
  reuse?: boolean;
}

/** The app's workspace for a README path: the new-frontend-system steps go to packages/app-next. */
const appPath = (path: string, step: InstallStep) => (step.system === 'new' ? path.replace(/^packages\/app(?=\/|$)/, 'packages/app-next') : path);

/** Follows one README's install section in the adopter app. */
export async function followReadme(progress: Progress, readmeFile: string, ctx: StepContext): Promise<void> {
  const rel = readmeFile.startsWith(ROOT) ? readmeFile.slice(ROOT.length + 1) : readmeFile;
  const steps = readInstallSteps(readFileSync(readmeFile, 'utf8'), rel);
  for (const step of steps) {
    if (ctx.reuse && (step.kind === 'edit' || parseNpmInstall(step.command))) continue;
    if (step.kind === 'edit') {
      const file = join(ctx.appDir, appPath(step.file, step));
      if (!existsSync(file)) throw new Error(`${rel}: the app has no ${appPath(step.file, step)}`);
      const before = readFileSync(file, 'utf8');
      let after: string;
      try {
        after = step.lang === 'yaml' ? mergeYaml(before, step.code) : applyCodeBlock(before, step.code);
      } catch (err) {
        throw new Error(`${rel}: the step for ${step.file} does not apply: ${(err as Error).message}`);
      }
      writeFileSync(file, after);
      progress(`${rel}: changed ${appPath(step.file, step)}`);
      continue;
    }
    await runCommand(progress, rel, step.command, step, ctx);
  }
}

async function runCommand(progress: Progress, rel: string, command: string, step: InstallStep, ctx: StepContext): Promise<void> {
  const npm = parseNpmInstall(command);
  if (npm) {
    // The packages come from their tarballs (they are not published yet); the workspace is the README's.
    const args = npm.packages.map(p => {
      const tarball = ctx.tarballs.get(p);
      if (!tarball) throw new Error(`${rel}: "${command}" installs ${p}, which is not a package packed here`);
      return tarball;
    });
    const ws = npm.workspace ? ['-w', appPath(npm.workspace, step)] : [];
    await run(progress, `${rel}: ${command}`, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...ws, ...args], { cwd: ctx.appDir });
    return;
  }
  // `export NAME=$(kubectl create token SA -n NS …)`: Kubernetes ≥ 1.24's kubectl; the test
  // cluster's kubectl is older, so the same TokenRequest is made through the API.
  const token = /^export\s+(\w+)=\$\(kubectl create token (\S+) -n (\S+)(?: --duration (\d+)h)?\)$/.exec(command);
  if (token) {
    const [, name, sa, ns, hours] = token;
    const core = ctx.kubeConfig.makeApiClient(CoreV1Api);
    const res = await core.createNamespacedServiceAccountToken({
      name: sa,
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: Number(hours ?? 1) * 3600 } },
    });
    if (!res.status?.token) throw new Error(`${rel}: no token for service account ${ns}/${sa}`);
    ctx.env[name] = res.status.token;
    progress(`${rel}: ${name} = token of ${ns}/${sa}`);
    return;
  }
  const words = command.replace(/\s+#.*$/, '').split(/\s+/);
  if (words[0] === 'kubectl') {
    // File arguments name files of this repository's source (e.g. the RBAC manifests).
    const args = words.slice(1).map((w, i, all) => (all[i - 1] === '-f' && !isAbsolute(w) ? join(ROOT, w) : w));
    const r = spawnSync(ctx.kubectlPath, args, { env: { ...process.env, KUBECONFIG: ctx.kubeconfigPath }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${rel}: "${command}" failed: ${r.stderr || r.stdout}`);
    progress(`${rel}: ${command}`);
    return;
  }
  throw new Error(`${rel}: the install step "${command}" is not one this check knows how to follow`);
}

/** The READMEs to follow, backend first (the frontend's README says to install it first). */
export function readmesInOrder(): string[] {
  const order = [
    'plugins/k0smotron-backend',
    'plugins/catalog-backend-module-k0smotron',
    'plugins/scaffolder-backend-module-k0smotron',
    'plugins/k0smotron-common',
    'plugins/k0smotron-node',
    'plugins/k0smotron',
  ];
  const all = readdirSync(join(ROOT, 'plugins')).map(d => `plugins/${d}`);
  const missing = all.filter(d => !order.includes(d) && existsSync(join(ROOT, d, 'package.json')));
  if (missing.length > 0) throw new Error(`no install order for ${missing.join(', ')}: add it to readmesInOrder()`);
  return order.map(d => join(ROOT, d, 'README.md'));
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
