// Integration-test helpers: build the bundle once, put it on a PATH as `kubectl-k0smotron`
// (the way a user installs it), and run it through the real kubectl.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pkgDir = join(__dirname, '..', '..');
export const BUNDLE = join(pkgDir, 'dist', 'kubectl-k0smotron.js');
export const COMPLETE_SHIM = join(pkgDir, 'bin', 'kubectl_complete-k0smotron');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (!entry.name.endsWith('.test.ts') && !entry.name.endsWith('.itest.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/kubectl-k0smotron.js unless it is newer than every source it is made from. */
export function ensureBundle(): string {
  const sources = [join(pkgDir, 'src'), join(pkgDir, '..', 'crds', 'src')];
  const manifest = join(pkgDir, '..', 'operator', 'deploy', 'install.yaml');
  const newest = Math.max(...sources.map(newestMtime), existsSync(manifest) ? statSync(manifest).mtimeMs : 0);
  if (!existsSync(BUNDLE) || statSync(BUNDLE).mtimeMs < newest) {
    // Two test files may start at once: the lock makes the second wait for the first build.
    execFileSync('flock', ['/tmp/kubectl-k0smotron-build.lock', 'npx', 'tsx', join(pkgDir, 'scripts', 'build.ts')], {
      cwd: pkgDir,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 120_000,
    });
  }
  return BUNDLE;
}

/** A directory holding only `kubectl-k0smotron` and `kubectl_complete-k0smotron`, for PATH. */
export function pluginPathDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'k0smotron-plugin-'));
  symlinkSync(ensureBundle(), join(dir, 'kubectl-k0smotron'));
  symlinkSync(COMPLETE_SHIM, join(dir, 'kubectl_complete-k0smotron'));
  return dir;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** Called with each chunk of stderr as it arrives (to act on progress output). */
  onStderr?: (chunk: string) => void;
}

/** Runs an executable with `pathDir` first on PATH; never throws on a non-zero exit. */
export function runWithPath(bin: string, args: string[], pathDir: string, opts: RunOptions = {}): Promise<RunResult> {
  return new Promise(resolve => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, PATH: `${pathDir}:${process.env.PATH}` };
    for (const [k, v] of Object.entries(opts.env ?? {})) if (v === undefined) delete env[k];
    const child = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', d => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      opts.onStderr?.(d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', err => {
      clearTimeout(timer);
      resolve({ stdout, stderr: `${stderr}${err.message}`, code: -1 });
    });
    child.on('close', code => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code: code ?? -1 });
    });
    child.stdin.end(opts.input ?? '');
  });
}
