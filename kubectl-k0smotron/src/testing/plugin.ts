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
  // The bundle also inlines the operator's PKI code (per-user kubeconfigs).
  const sources = [join(pkgDir, 'src'), join(pkgDir, '..', 'crds', 'src'), join(pkgDir, '..', 'operator', 'src', 'pki')];
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

/** Polls `fn` every 500 ms until it returns something truthy (errors count as not yet). */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 500));
  }
}

/** A kubeconfig for `server` with a placeholder token (replace `token: x` for a real user). */
export function deadKubeconfig(server: string, extra = ''): string {
  return `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: x\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n${extra}current-context: c\n`;
}

export interface PluginTarget {
  kubectl: string;
  pathDir: string;
  kubeconfig: string;
  namespace: string;
}

export interface PluginCallOptions {
  env?: NodeJS.ProcessEnv;
  /** -n NAMESPACE (default: the target's); null for none. */
  namespace?: string | null;
  input?: string;
  /** --kubeconfig FILE (default: the target's); null for none (then $KUBECONFIG applies). */
  kubeconfig?: string | null;
  onStderr?: (chunk: string) => void;
}

/** The global flags `--kubeconfig K -n NS`, placed before a `--` so a command after it stays untouched. */
function withGlobalFlags(args: string[], target: PluginTarget, opts: PluginCallOptions): string[] {
  const extra: string[] = [];
  if (opts.kubeconfig !== null) extra.push('--kubeconfig', opts.kubeconfig ?? target.kubeconfig);
  if (opts.namespace !== null) extra.push('-n', opts.namespace ?? target.namespace);
  const dd = args.indexOf('--');
  return dd >= 0 ? [...args.slice(0, dd), ...extra, ...args.slice(dd)] : [...args, ...extra];
}

/**
 * `kubectl k0smotron ARGS --kubeconfig K -n NS` through the real kubectl (global flags after the
 * plugin name, as kubectl requires). `target` is read at each call (it is set in beforeAll).
 */
export function pluginCli(target: () => PluginTarget): (args: string[], opts?: PluginCallOptions) => Promise<RunResult> {
  return (args, opts = {}) => {
    const t = target();
    return runWithPath(t.kubectl, ['k0smotron', ...withGlobalFlags(args, t, opts)], t.pathDir, {
      env: { NO_COLOR: undefined, ...opts.env },
      input: opts.input,
      onStderr: opts.onStderr,
    });
  };
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The same, with stdout and stderr on a terminal (util-linux `script` gives the command a pty).
 * Both streams arrive together on `stdout`, with \r\n turned back into \n.
 */
export async function pluginCliInTty(target: PluginTarget, args: string[], opts: PluginCallOptions = {}): Promise<RunResult> {
  const line = ['exec', target.kubectl, 'k0smotron', ...withGlobalFlags(args, target, opts)].map((w, i) => (i === 0 ? w : shellQuote(w))).join(' ');
  const r = await runWithPath('script', ['-qec', line, '/dev/null'], target.pathDir, { env: { NO_COLOR: undefined, TERM: 'xterm', ...opts.env } });
  return { ...r, stdout: r.stdout.replace(/\r\n/g, '\n') };
}
