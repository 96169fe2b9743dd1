// The demo environment: the local test cluster as the management cluster, the demo Backstage
// app (packages/app + packages/backend, embedded reconciler on) and a sample control plane.
// Used by `npm run demo` (scripts/demo/main.ts) and by the browser tests (e2e/).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestCluster, type TestCluster } from '@k0smotron/testenv';
import { CoreV1Api } from '@kubernetes/client-node';
import { K0smotronClient } from '@k0smotron/api/client';
import { API_VERSION, CLUSTER_KIND } from '@k0smotron/api';

export const ROOT = join(__dirname, '..', '..');
const APP_DIR = join(ROOT, 'packages', 'app');
const BACKEND_DIR = join(ROOT, 'packages', 'backend');

/**
 * Joins a simulated worker (testenv's hollow kubelet, through the real TLS bootstrap) with the
 * token on stdin, until Ctrl-C. The demo has no machines; this is what stands in for one.
 */
export const SIMULATED_WORKER_COMMAND = `cd ${ROOT} && npm run --silent join-worker -- --token-file -`;

export interface DemoOptions {
  port?: number;
  /** Permissions the demo policy denies, e.g. ['k0smotron.cluster.create']. */
  deniedPermissions?: string[];
  /** Name of the sample control plane created in `default`; null for none. */
  sampleCluster?: string | null;
  nodes?: number;
  /** Where the backend's log goes (default: a file in the cluster's temp dir). */
  logDir?: string;
  progress?: (msg: string) => void;
}

export interface Demo {
  url: string;
  kubeconfigPath: string;
  cluster: TestCluster;
  backendLog: string;
  restartBackend(opts?: Pick<DemoOptions, 'deniedPermissions'>): Promise<void>;
  stop(): Promise<void>;
}

const newestMtime = (dir: string): number => {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
};

/** Builds the frontend bundle the backend serves, unless it is newer than every source. */
export function buildAppIfStale(progress: (msg: string) => void): void {
  const index = join(APP_DIR, 'dist', 'index.html');
  const sources = ['packages/app/src', 'plugins/k0smotron/src', 'plugins/k0smotron-common/src', 'crds/src'].map(d => newestMtime(join(ROOT, d)));
  if (existsSync(index) && statSync(index).mtimeMs > Math.max(...sources)) {
    progress('frontend bundle is up to date');
    return;
  }
  progress('building the frontend bundle (about a minute)…');
  const started = Date.now();
  const r = spawnSync('npx', ['backstage-cli', 'package', 'build'], { cwd: APP_DIR, encoding: 'utf8' });
  if (r.status !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`building packages/app failed (exit ${r.status}):\n${tail}`);
  }
  progress(`frontend built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

async function waitForHttp(url: string, timeoutMs: number, isAlive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (!isAlive()) throw new Error(`the backend exited before ${url} answered`);
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${url}`);
    await new Promise(r => setTimeout(r, 500));
  }
}

function killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>(r => child.once('exit', () => r()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function ensureNamespace(cluster: TestCluster, name: string): Promise<void> {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  try {
    await core.createNamespace({ body: { metadata: { name } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

export async function startDemo(opts: DemoOptions = {}): Promise<Demo> {
  const progress = opts.progress ?? ((msg: string) => process.stderr.write(`==> ${msg}\n`));
  const port = opts.port ?? 7007;
  const url = `http://localhost:${port}`;
  buildAppIfStale(progress);

  progress('starting the local management cluster (etcd, kube-apiserver, controllers, hollow nodes)…');
  const cluster = await startTestCluster({ nodes: opts.nodes ?? 2, installCrds: true });
  const logDir = opts.logDir ?? join(cluster.kubeconfigPath, '..');
  mkdirSync(logDir, { recursive: true });
  const backendLog = join(logDir, 'backstage-backend.log');

  let backend: ChildProcess | undefined;
  const startBackend = async (denied: string[]) => {
    progress(`starting Backstage on ${url} (embedded k0smotron reconciler)…`);
    const out = openSync(backendLog, 'a');
    // Plain tsx, not `backstage-cli package start`: its file watcher would restart the backend
    // whenever a source file changes under the repo.
    backend = spawn('npx', ['tsx', 'src/index.ts'], {
      cwd: BACKEND_DIR,
      detached: true, // own process group: stop() takes its children too
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        KUBECONFIG: cluster.kubeconfigPath,
        APP_CONFIG_app_baseUrl: JSON.stringify(url),
        APP_CONFIG_backend_baseUrl: JSON.stringify(url),
        APP_CONFIG_backend_listen_port: JSON.stringify(port),
        APP_CONFIG_k0smotron_demo_deniedPermissions: JSON.stringify(denied),
        // The join dialog shows this beside the real commands (the token goes to its stdin).
        APP_CONFIG_k0smotron_demo_simulatedWorkerCommand: JSON.stringify(SIMULATED_WORKER_COMMAND),
      },
    });
    const child = backend;
    // If this process dies without stop(), take the backend down with it.
    process.once('exit', () => killGroup(child, 'SIGKILL'));
    for (const sig of ['SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        killGroup(child, 'SIGKILL');
        if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
      });
    }
    const started = Date.now();
    await waitForHttp(`${url}/.backstage/health/v1/readiness`, 180_000, () => backend?.exitCode === null);
    progress(`Backstage ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  };

  // The embedded reconciler elects its leader on the operator's Lease in namespace k0smotron,
  // which operator/deploy/install.yaml creates on a real cluster.
  await ensureNamespace(cluster, 'k0smotron');

  const stop = async () => {
    await stopProcess(backend);
    await cluster.stop();
  };

  try {
    await startBackend(opts.deniedPermissions ?? []);
    const sample = opts.sampleCluster === undefined ? 'demo' : opts.sampleCluster;
    if (sample) {
      const client = new K0smotronClient(cluster.kubeConfig);
      if (!(await client.getCluster('default', sample))) {
        progress(`creating the sample control plane default/${sample}`);
        await client.createCluster({
          apiVersion: API_VERSION,
          kind: CLUSTER_KIND,
          metadata: { name: sample, namespace: 'default', labels: { 'backstage.io/owner': 'platform-team' } },
          // The demo serves this control plane's API (simulated) on 127.0.0.1:30443: its
          // status.endpoint, and so the address in every join token, is then an address this
          // machine answers on, so a simulated worker joins with a token exactly as issued.
          spec: { replicas: 1, externalAddress: '127.0.0.1', service: { type: 'NodePort', apiPort: 30443 } },
        });
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    kubeconfigPath: cluster.kubeconfigPath,
    cluster,
    backendLog,
    async restartBackend(o) {
      await stopProcess(backend);
      await startBackend(o?.deniedPermissions ?? []);
    },
    stop,
  };
}
