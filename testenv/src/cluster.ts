// startTestCluster: etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kubemark
// hollow nodes on this machine, with their own PKI, in a temp dir that stop() removes.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiextensionsV1Api, CoreV1Api, KubeConfig, loadAllYaml, StorageV1Api, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { ensureBinaries } from './binaries';
import { clusterCommands, clusterLayout, SERVICE_CLUSTER_IP, type ClusterLayout } from './components';
import { renderKubeconfig } from './kubeconfig';
import { apiserverSans, createClusterPki, type ClusterPki } from './pki';
import { freePorts } from './ports';
import { ProcessSupervisor, tailFile, type ManagedProcess } from './processes';
import { desiredVolumes, startVolumeRecycler, storageClassManifest, type VolumePool } from './storage';

export interface TestClusterOptions {
  /** Hollow nodes (kubemark) to run; default 1. */
  nodes?: number;
  /** Apply every crds/*.yaml of this repo and wait until Established; default false. */
  installCrds?: boolean;
  /** Where CRD YAMLs are read from when installCrds; default the repo's crds/. */
  crdsDir?: string;
  /** Keep component logs here (kept after stop) instead of inside the temp dir. */
  logDir?: string;
  /** HostPath PersistentVolumes in the pool (refilled and recycled while the cluster runs); default 20. */
  volumes?: number;
  /** Parent of the cluster's temp dir; default $K0SMOTRON_TEST_TMPDIR, /dev/shm, or the OS temp dir. */
  baseDir?: string;
  /** Progress messages; default to stderr with a `[testenv]` prefix. */
  log?: (message: string) => void;
  /** Give up starting after this long; default 180 s. */
  startTimeoutMs?: number;
}

export interface TestCluster {
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** https://127.0.0.1:<port> */
  server: string;
  binDir: string;
  kubectlPath: string;
  /** The cluster's temp dir (PKI, etcd data, kubeconfigs; logs unless logDir was given). */
  dir: string;
  nodeNames: string[];
  /** PIDs of the component processes (each leads its own process group). */
  pids(): number[];
  /**
   * Restarts kube-apiserver on the same port with the same flags and waits until /readyz answers
   * 200 again. Watches and connections of every client are cut, as in a real restart. At SIGTERM
   * it stops listening at once but holds open watches until it is killed 10 s later.
   */
  restartApiServer(options?: RestartOptions): Promise<void>;
  /**
   * Restarts etcd on the same ports with the same data dir (nothing is lost) and waits until etcd
   * and then kube-apiserver (/readyz, which checks etcd) are healthy again.
   */
  restartEtcd(options?: RestartOptions): Promise<void>;
  /** Stops every process of this cluster and removes its temp dir. Safe to call twice. */
  stop(): Promise<void>;
  /** The tail of every component's log, for failure reports. */
  logs(lines?: number): string;
}

export interface RestartOptions {
  /** SIGTERM (default: a graceful shutdown) or SIGKILL (a crash). SIGKILL follows after 10 s anyway. */
  signal?: 'SIGTERM' | 'SIGKILL';
  /** Stay stopped this long before starting again (an outage, not only a restart); default 0. */
  downMs?: number;
  /** Give up waiting for health after this long; default 60 s. */
  timeoutMs?: number;
}

const REPO_CRDS_DIR = path.resolve(__dirname, '../../crds');

function defaultBaseDir(): string {
  if (process.env.K0SMOTRON_TEST_TMPDIR) return process.env.K0SMOTRON_TEST_TMPDIR;
  // etcd fsyncs on every write; on tmpfs that costs nothing.
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

function elapsed(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

class StartError extends Error {
  constructor(
    message: string,
    /** A component could not bind its port: another process took it after we picked it. */
    readonly portTaken = false,
  ) {
    super(message);
  }
}

class PortRaceError extends Error {}

const START_ATTEMPTS = 3;

export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      if (!(err instanceof PortRaceError) || attempt >= START_ATTEMPTS) throw err;
      (options.log ?? ((m: string) => process.stderr.write(`[testenv] ${m}\n`)))(`${err.message}; retrying with new ports`);
    }
  }
}

async function startOnce(options: TestClusterOptions): Promise<TestCluster> {
  const nodes = options.nodes ?? 1;
  if (!Number.isInteger(nodes) || nodes < 0 || nodes > 20) {
    throw new Error(`startTestCluster: nodes must be an integer from 0 to 20, got ${String(options.nodes)}`);
  }
  const volumeCount = options.volumes ?? 20;
  const log = options.log ?? ((m: string) => process.stderr.write(`[testenv] ${m}\n`));
  // A (re)build of the binaries takes minutes and shows its own progress: not part of the timeout.
  const bins = ensureBinaries();
  const t0 = Date.now();
  const deadline = t0 + (options.startTimeoutMs ?? 180_000);

  const baseDir = options.baseDir ?? defaultBaseDir();
  fs.mkdirSync(baseDir, { recursive: true });
  const dir = fs.mkdtempSync(path.join(baseDir, 'k0smotron-testenv-'));
  const layout = clusterLayout(dir, nodes, options.logDir ? path.resolve(options.logDir) : undefined);
  const supervisor = new ProcessSupervisor(dir, true);
  let recycler: VolumePool | undefined;

  const logs = (lines = 40) => formatLogs(supervisor.processes, lines);
  const stop = async () => {
    recycler?.stop();
    await supervisor.stop();
  };

  try {
    for (const d of [layout.logDir, layout.pkiDir, layout.etcdDataDir, layout.volumesDir]) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
    for (const n of layout.nodeNames) fs.mkdirSync(layout.nodeTmpDir(n), { recursive: true });

    const [etcdClient, etcdPeer, apiserverPort, ...nodePorts] = await freePorts(3 + 2 * nodes);
    const ports = {
      etcdClient,
      etcdPeer,
      apiserver: apiserverPort,
      nodes: layout.nodeNames.map((_, i) => ({ kubelet: nodePorts[2 * i], kubeletReadOnly: nodePorts[2 * i + 1] })),
    };
    const server = `https://127.0.0.1:${ports.apiserver}`;

    const sans = apiserverSans(SERVICE_CLUSTER_IP);
    const pki = await createClusterPki({
      apiserverDnsNames: [...sans.dnsNames, os.hostname()],
      apiserverIps: sans.ips,
      clients: {
        admin: { commonName: 'admin', organizations: ['system:masters'] },
        controllerManager: { commonName: 'system:kube-controller-manager' },
        scheduler: { commonName: 'system:kube-scheduler' },
        ...Object.fromEntries(layout.nodeNames.map(n => [`node:${n}`, { commonName: `system:node:${n}`, organizations: ['system:nodes'] }])),
      },
    });
    writeClusterFiles(layout, pki, server);

    const isolateNodes = nodes > 0 && canIsolateNodes();
    if (nodes > 1 && !isolateNodes) {
      throw new Error(`${nodes} hollow nodes need a private /tmp each ('unshare --mount' as root), which failed here; ` + 'run as root or start with nodes: 1');
    }
    if (nodes === 1 && !isolateNodes) {
      log("warning: 'unshare --mount' failed; the hollow node uses the shared /tmp/kubelet_remote.sock");
    }
    const cmds = clusterCommands({ layout, ports, binDir: bins.binDir, etcd: bins.etcd, isolateNodes });
    const waitCtx = { supervisor, deadline };

    let t = Date.now();
    supervisor.start(cmds.etcd, layout.log('etcd'));
    await waitUntil(waitCtx, 'etcd to answer /health', () => etcdHealthy(ports.etcdClient));
    log(`etcd up (${elapsed(t)})`);

    t = Date.now();
    supervisor.start(cmds.apiserver, layout.log('kube-apiserver'));
    const tls = { ca: pki.ca.certPem, cert: pki.clients.admin.certPem, key: pki.clients.admin.keyPem };
    await waitUntil(waitCtx, 'kube-apiserver /readyz', () => httpsOk(`${server}/readyz`, tls));
    log(`apiserver ready at ${server} (${elapsed(t)})`);

    supervisor.start(cmds.controllerManager, layout.log('kube-controller-manager'));
    supervisor.start(cmds.scheduler, layout.log('kube-scheduler'));
    for (const n of cmds.nodes) supervisor.start(n, layout.log(n.name));

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(layout.files.adminKubeconfig);
    const core = kubeConfig.makeApiClient(CoreV1Api);

    t = Date.now();
    await installStorage(kubeConfig, layout, volumeCount);
    recycler = startVolumeRecycler(kubeConfig, layout.volumesDir, volumeCount);
    log(`storage: default StorageClass "standard" + ${volumeCount} hostPath PersistentVolumes`);

    if (options.installCrds) {
      t = Date.now();
      const installed = await installCrds(kubeConfig, options.crdsDir ?? REPO_CRDS_DIR, waitCtx, log);
      if (installed > 0) log(`${installed} CRDs Established (${elapsed(t)})`);
    }

    t = Date.now();
    let lastReady = -1;
    await waitUntil(waitCtx, `${nodes} node(s) Ready`, async () => {
      const list = await core.listNode();
      const ready = list.items.filter(n => n.status?.conditions?.some(c => c.type === 'Ready' && c.status === 'True')).length;
      if (ready !== lastReady) {
        lastReady = ready;
        if (nodes > 0) log(`${ready}/${nodes} nodes Ready (${elapsed(t)})`);
      }
      return ready >= nodes;
    });
    await waitUntil(waitCtx, 'the default ServiceAccount', async () => {
      try {
        await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
        return true;
      } catch {
        return false;
      }
    });
    log(`cluster ready in ${elapsed(t0)}: export KUBECONFIG=${layout.files.adminKubeconfig}`);

    const apiserverReady = () => httpsOk(`${server}/readyz`, tls);
    // One restart at a time: two at once would wait on each other's outage.
    let restarting: Promise<void> = Promise.resolve();
    const restart = (component: 'etcd' | 'kube-apiserver', options: RestartOptions, healthy: Array<[string, () => Promise<boolean>]>): Promise<void> => {
      const run = async () => {
        const current = supervisor.processes.find(p => p.name === component);
        if (!current) throw new Error(`restart ${component}: it is not running (the cluster is stopped)`);
        const signal = options.signal ?? 'SIGTERM';
        const t = Date.now();
        log(`restarting ${component} (${signal}${options.downMs ? `, down for ${options.downMs} ms` : ''})`);
        const fresh = await supervisor.restart(current, { signal, downMs: options.downMs });
        log(`${component} pid ${current.pid} stopped; started again as pid ${fresh.pid} ${elapsed(t)} after the ${signal}`);
        const ctx = { supervisor, deadline: Date.now() + (options.timeoutMs ?? 60_000) };
        for (const [what, check] of healthy) await waitUntil(ctx, what, check);
        log(`${component} restarted: healthy again after ${elapsed(t)}`);
      };
      const result = restarting.then(run);
      restarting = result.catch(() => undefined);
      return result;
    };
    const restartApiServer = (options: RestartOptions = {}) => restart('kube-apiserver', options, [['kube-apiserver /readyz', apiserverReady]]);
    const restartEtcd = (options: RestartOptions = {}) =>
      restart('etcd', options, [
        ['etcd to answer /health', () => etcdHealthy(ports.etcdClient)],
        ['kube-apiserver /readyz', apiserverReady],
      ]);

    return {
      kubeconfigPath: layout.files.adminKubeconfig,
      kubeConfig,
      server,
      binDir: bins.binDir,
      kubectlPath: path.join(bins.binDir, 'kubectl'),
      dir,
      nodeNames: layout.nodeNames,
      pids: () => supervisor.processes.map(p => p.pid),
      restartApiServer,
      restartEtcd,
      stop,
      logs,
    };
  } catch (err) {
    if (err instanceof StartError && err.portTaken) {
      await stop();
      throw new PortRaceError(err.message);
    }
    // Component logs explain a component that died or hung, not a bad CRD or a bad option.
    const report = err instanceof StartError ? `\n--- component logs ---\n${logs(25)}` : '';
    await stop();
    throw new Error(`startTestCluster failed: ${apiErrorMessage(err)}${report}`);
  }
}

function writeClusterFiles(layout: ClusterLayout, pki: ClusterPki, server: string): void {
  const f = layout.files;
  const secret = (file: string, text: string) => fs.writeFileSync(file, text, { mode: 0o600 });
  secret(f.caCert, pki.ca.certPem);
  secret(f.caKey, pki.ca.keyPem);
  secret(f.apiserverCert, pki.apiserver.certPem);
  secret(f.apiserverKey, pki.apiserver.keyPem);
  secret(f.frontProxyCaCert, pki.frontProxyCa.certPem);
  secret(f.frontProxyClientCert, pki.frontProxyClient.certPem);
  secret(f.frontProxyClientKey, pki.frontProxyClient.keyPem);
  secret(f.saPublicKey, pki.serviceAccount.publicKeyPem);
  secret(f.saPrivateKey, pki.serviceAccount.privateKeyPem);
  const kubeconfig = (file: string, client: string, userName: string) => {
    const c = pki.clients[client];
    secret(file, renderKubeconfig({ server, caPem: pki.ca.certPem, clientCertPem: c.certPem, clientKeyPem: c.keyPem, userName }));
  };
  kubeconfig(f.adminKubeconfig, 'admin', 'admin');
  kubeconfig(f.controllerManagerKubeconfig, 'controllerManager', 'kube-controller-manager');
  kubeconfig(f.schedulerKubeconfig, 'scheduler', 'kube-scheduler');
  for (const n of layout.nodeNames) kubeconfig(layout.nodeKubeconfig(n), `node:${n}`, n);
}

/** The Status message of a client-node ApiException (its own message dumps headers and body). */
export function apiErrorMessage(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string };
  if (typeof e?.code === 'number' && e.body !== undefined) {
    try {
      const status = (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as { message?: string };
      if (status?.message) return `HTTP ${e.code}: ${status.message}`;
    } catch {
      // not JSON: fall through
    }
    return `HTTP ${e.code}`;
  }
  return e instanceof Error ? e.message : String(err);
}

let isolationSupported: boolean | undefined;
/** Whether this process may create private mount namespaces (root with CAP_SYS_ADMIN). */
export function canIsolateNodes(): boolean {
  if (isolationSupported === undefined) {
    const res = spawnSync('unshare', ['--mount', '--propagation', 'private', '--', 'true'], { stdio: 'ignore' });
    isolationSupported = res.status === 0;
  }
  return isolationSupported;
}

function formatLogs(processes: ManagedProcess[], lines: number): string {
  return processes
    .map(p => {
      const state = p.exit ? `exited ${p.exit.code ?? p.exit.signal}` : 'running';
      return `==> ${p.name} (pid ${p.pid}, ${state}) ${p.logFile}\n${tailFile(p.logFile, lines)}`;
    })
    .join('\n');
}

interface WaitContext {
  supervisor: ProcessSupervisor;
  deadline: number;
}

/** Polls `check` until true; fails early when a component died, and at the start deadline. */
async function waitUntil(ctx: WaitContext, what: string, check: () => Promise<boolean>, intervalMs = 200): Promise<void> {
  let lastError: unknown;
  for (;;) {
    const dead = ctx.supervisor.firstExited();
    if (dead) {
      throw new StartError(
        `${dead.name} exited (${dead.exit?.code ?? dead.exit?.signal}) while waiting for ${what}; log: ${dead.logFile}`,
        /address already in use/.test(tailFile(dead.logFile, 20)),
      );
    }
    try {
      if (await check()) return;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > ctx.deadline) {
      const why = lastError !== undefined ? ` (last error: ${apiErrorMessage(lastError)})` : '';
      throw new StartError(`timed out waiting for ${what}${why}`);
    }
    await new Promise(r => setTimeout(r, intervalMs));
  }
}

function etcdHealthy(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', timeout: 2000 }, res => {
      let body = '';
      res.on('data', c => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('true')));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

function httpsOk(url: string, tls: { ca: string; cert: string; key: string }): Promise<boolean> {
  return new Promise(resolve => {
    const req = https.get(url, { ...tls, timeout: 2000 }, res => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

async function installStorage(kc: KubeConfig, layout: ClusterLayout, count: number): Promise<void> {
  const storage = kc.makeApiClient(StorageV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  await storage.createStorageClass({ body: storageClassManifest() });
  await Promise.all(desiredVolumes(layout.volumesDir, 0, count).map(body => core.createPersistentVolume({ body })));
}

/** Applies every CustomResourceDefinition in `dir`/*.yaml; returns how many. */
async function installCrds(kc: KubeConfig, dir: string, ctx: WaitContext, log: (m: string) => void): Promise<number> {
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter(f => /\.ya?ml$/.test(f))
        .sort()
    : [];
  if (files.length === 0) {
    log(`no CRD YAMLs in ${dir}; skipping CRD install`);
    return 0;
  }
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const crds: V1CustomResourceDefinition[] = [];
  for (const file of files) {
    // loadAllYaml maps wire names to client-node's model names (x-kubernetes-int-or-string →
    // xKubernetesIntOrString…); a plain YAML object would lose those keys when serialized.
    let docs: (V1CustomResourceDefinition | null)[];
    try {
      docs = loadAllYaml(fs.readFileSync(path.join(dir, file), 'utf8')) as (V1CustomResourceDefinition | null)[];
    } catch (err) {
      throw new Error(`${path.join(dir, file)}: ${(err as Error).message}`);
    }
    for (const obj of docs) {
      if (!obj) continue;
      if (obj.kind !== 'CustomResourceDefinition') {
        log(`${file}: skipping ${obj.kind ?? 'a document without kind'} (only CRDs are installed)`);
        continue;
      }
      crds.push(obj);
    }
  }
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    try {
      await api.createCustomResourceDefinition({ body: crd });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) {
        throw new Error(`installing CRD ${name} (from ${dir}): ${apiErrorMessage(err)}`);
      }
      const current = await api.readCustomResourceDefinition({ name });
      await api.replaceCustomResourceDefinition({
        name,
        body: { ...crd, metadata: { ...crd.metadata, resourceVersion: current.metadata?.resourceVersion } },
      });
    }
  }
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    await waitUntil(ctx, `CRD ${name} Established`, async () => {
      const c = await api.readCustomResourceDefinition({ name });
      return c.status?.conditions?.some(x => x.type === 'Established' && x.status === 'True') ?? false;
    });
  }
  return crds.length;
}
