// Where the test cluster's binaries live, and building them once when they are missing.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const KUBERNETES_VERSION = '1.20.2';
/** Binaries expected in binDir(); etcd comes from Debian's etcd-server instead. */
export const CLUSTER_BINARIES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubemark', 'kubectl'] as const;
export type ClusterBinary = (typeof CLUSTER_BINARIES)[number];

/**
 * How install-binaries.sh builds each cached component (its RECIPE / KUBEMARK_RECIPE; keep in
 * sync): Kubernetes 1.20 with its vendored reflect2 replaced by 1.0.2 (without it kube-apiserver
 * built by Go >= 1.18 crashes), and for kubemark a fake host util that lets subPath mounts work.
 */
export const BUILD_RECIPE = `kubernetes-${KUBERNETES_VERSION}+reflect2-1.0.2`;
export const KUBEMARK_BUILD_RECIPE = `${BUILD_RECIPE}+fake-hostutil-getmode`;
/** kube-apiserver: OpenAPI type validators that do not take "" for null under Go >= 1.18. */
export const APISERVER_BUILD_RECIPE = `${BUILD_RECIPE}+openapi-empty-string`;
const BUILT_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubemark'] as const;

export function buildRecipe(component: string): string {
  if (component === 'kubemark') return KUBEMARK_BUILD_RECIPE;
  return component === 'kube-apiserver' ? APISERVER_BUILD_RECIPE : BUILD_RECIPE;
}

const INSTALL_SCRIPT = path.resolve(__dirname, '../scripts/install-binaries.sh');

/** Cached components built by an older recipe (not checked for K0SMOTRON_TEST_BIN_DIR). */
export function staleComponents(dir: string): string[] {
  const read = (f: string) => {
    try {
      return fs.readFileSync(path.join(dir, f), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  return BUILT_COMPONENTS.filter(c => (read(`.recipe-${c}`) ?? read('.recipe')) !== buildRecipe(c));
}

/** $K0SMOTRON_TEST_BIN_DIR, or the cache the install script builds into. */
export function binDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.K0SMOTRON_TEST_BIN_DIR) return path.resolve(env.K0SMOTRON_TEST_BIN_DIR);
  const cacheRoot = env.K0SMOTRON_CACHE_DIR || path.join(os.homedir(), '.cache', 'k0smotron');
  return path.join(cacheRoot, `kubernetes-${KUBERNETES_VERSION}`, 'bin');
}

/** The kubectl matching the cluster (Debian's 1.20 build), not whatever is on PATH. */
export function kubectlPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(binDir(env), 'kubectl');
}

/** etcd: $K0SMOTRON_TEST_ETCD, else etcd in binDir() if present, else Debian's /usr/bin/etcd. */
export function etcdPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.K0SMOTRON_TEST_ETCD) return path.resolve(env.K0SMOTRON_TEST_ETCD);
  const bundled = path.join(binDir(env), 'etcd');
  return isExecutable(bundled) ? bundled : '/usr/bin/etcd';
}

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size === 0) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Names of the binaries that are missing or unusable in `dir` (etcd checked at its own path). */
export function missingBinaries(dir: string, etcd: string): string[] {
  const missing: string[] = CLUSTER_BINARIES.filter(b => !isExecutable(path.join(dir, b)));
  if (!isExecutable(etcd)) missing.push(`etcd (${etcd})`);
  return missing;
}

/**
 * Makes sure every binary exists, running the install script (which builds them from Debian's
 * Kubernetes source, ~5 minutes, once) when something is missing. Its progress goes to stderr.
 */
export function ensureBinaries(env: NodeJS.ProcessEnv = process.env): { binDir: string; etcd: string; installed: boolean } {
  const dir = binDir(env);
  let missing = missingBinaries(dir, etcdPath(env));
  const stale = env.K0SMOTRON_TEST_BIN_DIR ? [] : staleComponents(dir);
  if (missing.length === 0 && stale.length === 0) return { binDir: dir, etcd: etcdPath(env), installed: false };
  if (env.K0SMOTRON_TEST_BIN_DIR) {
    throw new Error(
      `K0SMOTRON_TEST_BIN_DIR=${dir} lacks ${missing.join(', ')}. ` + 'Put those binaries there, or unset K0SMOTRON_TEST_BIN_DIR to build them into the cache.',
    );
  }
  const why = missing.length > 0 ? `missing ${missing.join(', ')}` : `${stale.join(', ')} predate the current build recipe`;
  process.stderr.write(`[testenv] ${why}: running ${INSTALL_SCRIPT} (once; builds take minutes)\n`);
  const res = spawnSync('bash', [INSTALL_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (res.status !== 0) {
    throw new Error(`${INSTALL_SCRIPT} failed (exit ${res.status ?? res.signal}); see its output above`);
  }
  missing = missingBinaries(dir, etcdPath(env));
  missing.push(...staleComponents(dir).map(c => `${c} built by ${buildRecipe(c)}`));
  if (missing.length > 0) throw new Error(`after ${INSTALL_SCRIPT}, still missing: ${missing.join(', ')}`);
  return { binDir: dir, etcd: etcdPath(env), installed: true };
}

export function installScriptPath(): string {
  return INSTALL_SCRIPT;
}
