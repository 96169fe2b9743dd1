// `npm run bench`: every operator benchmark of issue 8 against one local test cluster, with the
// operator as a child process (the esbuild bundle, as in the image) so that its RSS and its API
// requests (`k0smotron_api_requests_total` on its /metrics) are its own. Prints a table per
// benchmark and writes artifacts/bench/<name>.json. Figures are printed, never asserted.
//
//   npm run bench                               # small N (20 Clusters), about 3 minutes
//   npm run bench -- --clusters 1000            # the full run
//   npm run bench -- --kubeconfig PATH          # reuse a running test cluster (or $K0SMOTRON_TEST_KUBECONFIG)
//   npm run bench -- --only pki,latency,bulk    # a subset: pki, latency, bulk (+ memory, cold start, steady state, baseline), cli
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { API_VERSION, CLUSTER_KIND, type Cluster } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { KubeApi, KubeClient } from '@k0smotron/operator';
import { generatePki, pkiSemaphore, requiredPurposes, signAdminKubeconfig } from '@k0smotron/operator/pki';
import { freePort, createTestNamespace, startTestCluster, type TestCluster } from '@k0smotron/testenv';
import { ChildTracker, expectedChildren, mapLimit, percentile } from './lib/children';
import { ARTIFACTS, buildOperatorBundle, sleep, startOperatorProcess, type MetricsSample, type OperatorProcess } from './lib/operator-process';

const USAGE = `npm run bench [-- --clusters N] [--kubeconfig PATH] [--only pki,latency,bulk,cli] [--idle-window SECONDS] [--resync-period SECONDS]`;

interface Args {
  clusters: number;
  kubeconfig?: string;
  only: Set<string>;
  idleWindowS: number;
  resyncS: number;
}

const mib = (v: number | undefined) => (v === undefined ? '?' : `${v.toFixed(0)} MiB`);

function parseArgs(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new Error(`--${name} needs a value\n${USAGE}`);
    return v;
  };
  for (const a of argv) {
    if (a.startsWith('--') && !['--clusters', '--kubeconfig', '--only', '--idle-window', '--resync-period'].includes(a))
      throw new Error(`unknown flag ${a}\n${USAGE}`);
  }
  const whole = (name: string, fallback: number, min: number) => {
    const text = get(name);
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got ${text}`);
    return n;
  };
  const clusters = whole('clusters', 20, 1);
  const only = new Set(
    (get('only') ?? 'pki,latency,bulk')
      .split(',')
      .map(s => s.trim())
      .filter(Boolean),
  );
  for (const o of only) if (!['pki', 'latency', 'bulk', 'cli'].includes(o)) throw new Error(`--only: unknown benchmark "${o}" (pki, latency, bulk, cli)`);
  // The resync must come after the cold start has checked every Cluster, and the idle window
  // must end before the next one: both scale with N.
  const idleWindowS = whole('idle-window', clusters >= 200 ? 60 : 10, 5);
  const resyncS = whole('resync-period', Math.max(20, Math.ceil(clusters / 10) + idleWindowS + 10), 10);
  return { clusters, kubeconfig: get('kubeconfig') ?? process.env.K0SMOTRON_TEST_KUBECONFIG, only, idleWindowS, resyncS };
}

function machine() {
  const memGiB = os.totalmem() / 2 ** 30;
  return { nproc: os.cpus().length, memoryGiB: Number(memGiB.toFixed(1)), load: os.loadavg().map(l => Number(l.toFixed(1))), node: process.version };
}

interface Row {
  measure: string;
  value: string;
  goal?: string;
  met?: boolean;
}

function report(name: string, title: string, rows: Row[], data: Record<string, unknown>): void {
  const w0 = Math.max(...rows.map(r => r.measure.length), 7);
  const w1 = Math.max(...rows.map(r => r.value.length), 5);
  const lines = [`\n## ${title}`, `${'measure'.padEnd(w0)}  ${'value'.padEnd(w1)}  goal`];
  for (const r of rows) {
    const verdict = r.met === undefined ? '' : r.met ? '  met' : '  NOT MET';
    lines.push(`${r.measure.padEnd(w0)}  ${r.value.padEnd(w1)}  ${r.goal ?? ''}${verdict}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify({ bench: name, date: new Date().toISOString(), machine: machine(), rows, ...data }, null, 2));
  process.stdout.write(`(${path.relative(process.cwd(), file)})\n`);
}

const ms = (n: number) => `${Math.round(n)} ms`;
const sec = (n: number) => `${(n / 1000).toFixed(1)} s`;

function clusterBody(ns: string, name: string): Cluster {
  return {
    apiVersion: API_VERSION,
    kind: CLUSTER_KIND,
    metadata: { name, namespace: ns, labels: { bench: 'k0smotron' } },
    spec: { service: { type: 'ClusterIP' } },
  };
}

// ---------------------------------------------------------------------------------------------
// Certificates: CPU of one full PKI, and that a burst goes through the 2-slot semaphore without
// stalling the event loop (what other reconciles need).

async function benchPki(): Promise<void> {
  const full = async (i: number) => {
    const pki = await generatePki({ missing: requiredPurposes('etcd'), etcdServiceName: `kmc-b${i}-etcd`, namespace: 'bench', now: new Date() });
    await signAdminKubeconfig({ clusterName: `b${i}`, server: 'https://kmc-b.bench.svc:30443', ca: pki.ca!, now: new Date() });
  };
  await full(-1); // warm-up: module loading and first WebCrypto calls
  const runs = 10;
  const perRun: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    await full(i);
    const c = process.cpuUsage(c0);
    perRun.push((c.user + c.system) / 1000);
  }
  // A burst of 20 through the operator's semaphore, as 20 new Clusters would: the most in flight
  // at once, and the event loop's delay meanwhile (a stalled loop would delay every reconcile).
  const burst = 20;
  let maxInUse = 0;
  const sampler = setInterval(() => (maxInUse = Math.max(maxInUse, pkiSemaphore.inUse)), 1);
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = Date.now();
  await Promise.all(Array.from({ length: burst }, (_, i) => pkiSemaphore.run(() => full(100 + i))));
  const burstMs = Date.now() - t0;
  h.disable();
  clearInterval(sampler);
  const p50 = percentile(perRun, 50);
  report(
    'pki',
    "Certificates: one Cluster's full PKI (4 CAs incl. SA key, 3 etcd leaves) + admin kubeconfig",
    [
      { measure: 'CPU per Cluster, p50 of 10', value: ms(p50), goal: '≤ 100 ms', met: p50 <= 100 },
      { measure: 'CPU per Cluster, max of 10', value: ms(Math.max(...perRun)) },
      { measure: `burst of ${burst}: most generating at once`, value: String(maxInUse), goal: '≤ 2 (pkiSemaphore)', met: maxInUse <= 2 },
      { measure: `burst of ${burst}: wall time`, value: ms(burstMs) },
      {
        measure: 'burst: event-loop delay p99 / max',
        value: `${(h.percentile(99) / 1e6).toFixed(0)} / ${(h.max / 1e6).toFixed(0)} ms`,
        goal: 'small: other reconciles keep running',
      },
    ],
    { cpuMsPerRun: perRun, burst, maxInUse, burstMs, eventLoopDelayMs: { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 } },
  );
}

// ---------------------------------------------------------------------------------------------

interface Ctx {
  kc: KubeConfig;
  kubeconfigPath: string;
  args: Args;
  namespaces: string[];
}

async function operatorFor(ctx: Ctx, ns: string, label: string, resyncPeriod?: string): Promise<OperatorProcess> {
  const op = startOperatorProcess({
    kubeconfigPath: ctx.kubeconfigPath,
    namespaces: [ns],
    metricsPort: await freePort(),
    resyncPeriod,
    logFile: path.join(ARTIFACTS, `operator-${label}.log`),
  });
  return op;
}

/**
 * Waits until the Cluster queue has been empty, no write was made and no Cluster changed for
 * `quietMs` (pods becoming Ready on the hollow node change status for a while after the
 * children exist). Reads may go on: Clusters with Ready pods are re-probed periodically.
 */
async function waitQuiet(op: OperatorProcess, quietMs: number, timeoutMs: number, clusters?: { kmc: K0smotronClient; ns: string }): Promise<MetricsSample> {
  const deadline = Date.now() + timeoutMs;
  let since = Date.now();
  let last = await op.metrics();
  let lastVersions = '';
  let lastNote = Date.now();
  for (;;) {
    await sleep(clusters ? 1000 : 250);
    const m = await op.metrics();
    const versions = clusters ? (await clusters.kmc.listClusters(clusters.ns)).map(c => c.metadata.resourceVersion).join(',') : '';
    if (m.clusterQueueDepth > 0 || m.writes - last.writes > 0 || versions !== lastVersions) since = Date.now();
    last = m;
    lastVersions = versions;
    if (Date.now() - since >= quietMs) return m;
    if (Date.now() > deadline) throw new Error(`the operator did not go quiet within ${timeoutMs / 1000} s (queue ${m.clusterQueueDepth})`);
    if (Date.now() - lastNote > 15_000) {
      lastNote = Date.now();
      process.stderr.write(`  waiting for Cluster statuses to settle (${m.writes} writes so far, queue ${m.clusterQueueDepth})…\n`);
    }
  }
}

async function benchLatency(ctx: Ctx): Promise<void> {
  const ns = await createTestNamespace(ctx.kc, 'bench-latency');
  ctx.namespaces.push(ns);
  const op = await operatorFor(ctx, ns, 'latency');
  const tracker = await ChildTracker.start(ctx.kc, ns);
  try {
    await op.ready();
    const kmc = new K0smotronClient(ctx.kc);
    const count = 10;
    const names = Array.from({ length: count }, (_, i) => `l${i}`);
    const created = new Map<string, number>();
    await Promise.all(
      names.map(async n => {
        created.set(n, Date.now());
        await kmc.createCluster(clusterBody(ns, n));
      }),
    );
    const done = await tracker.waitAll(names, 300_000, 'create latency');
    const lat = names.map(n => done.get(n)! - created.get(n)!);
    const m = await waitQuiet(op, 1000, 60_000);
    const cpu = op.cpuMs();
    await op.stop();
    const raw = await rawBaseline(ctx, ns, names, names.length); // all at once, as the creates
    const p95 = percentile(lat, 95);
    report(
      'create-latency',
      `Create latency: ${count} Clusters created concurrently → all 14 children present`,
      [
        { measure: 'p50', value: ms(percentile(lat, 50)) },
        { measure: 'p95', value: ms(p95), goal: '≤ 1000 ms', met: p95 <= 1000 },
        { measure: 'max', value: ms(Math.max(...lat)) },
        { measure: `raw baseline: the same ${count} × 15 objects by SSA at once, p50 / p95`, value: `${ms(percentile(raw, 50))} / ${ms(percentile(raw, 95))}` },
        { measure: 'operator writes (incl. status, events)', value: String(m.writes) },
        { measure: 'operator CPU', value: ms(cpu) },
      ],
      { count, latenciesMs: lat, rawLatenciesMs: raw, operatorRequests: m.requestsByVerb },
    );
  } finally {
    tracker.stop();
    await op.stop();
  }
}

/**
 * The raw baseline: the children the operator made for `names` in namespace `from` (read back,
 * PKI included) and the Clusters themselves, server-side-applied into a new namespace with
 * `workers` Clusters in flight, each Cluster's 15 objects in parallel. Through the operator's own
 * request layer (keep-alive sockets), so it differs from the operator only by the reconcile logic
 * (client-node's object API opens a TLS connection per request and was slower than the operator
 * itself). Returns, per Cluster, ms from the start until all its children exist.
 */
async function rawBaseline(ctx: Ctx, from: string, names: string[], workers: number): Promise<number[]> {
  const nsRaw = await createTestNamespace(ctx.kc, 'bench-raw');
  ctx.namespaces.push(nsRaw);
  const objects = await childrenForBaseline(ctx.kc, from, nsRaw, names);
  const rawApi = new KubeApi(ctx.kc);
  const raw = new KubeClient(rawApi, 'bench-raw');
  const tracker = await ChildTracker.start(ctx.kc, nsRaw);
  try {
    process.stderr.write(`raw baseline: applying ${objects.size * 15} objects into ${nsRaw}…\n`);
    const t0 = Date.now();
    await mapLimit(names, workers, async n => {
      // Cluster's TypeBox metadata type is narrower than client-node's; the body is the same JSON.
      await raw.apply(clusterBody(nsRaw, n) as unknown as KubernetesObject);
      await Promise.all(objects.get(n)!.map(o => raw.apply(o)));
    });
    const done = await tracker.waitAll(names, Math.max(300_000, names.length * 1000), 'raw baseline');
    return names.map(n => done.get(n)! - t0);
  } finally {
    tracker.stop();
    rawApi.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Bulk N with the operator, then (same run) memory, cold start, steady state, and the raw
// baseline that writes the same objects straight to the API server.

async function benchBulk(ctx: Ctx): Promise<void> {
  const N = ctx.args.clusters;
  const ns = await createTestNamespace(ctx.kc, 'bench-bulk');
  ctx.namespaces.push(ns);
  const kmc = new K0smotronClient(ctx.kc);
  const names = Array.from({ length: N }, (_, i) => `c${String(i).padStart(4, '0')}`);

  // 1. bulk with the operator
  const op1 = await operatorFor(ctx, ns, 'bulk');
  const tracker = await ChildTracker.start(ctx.kc, ns);
  let bulkMs: number;
  let converged: MetricsSample;
  let rssConverged: number;
  let heapConverged: number | undefined;
  let cpuBulk: number;
  try {
    await op1.ready();
    process.stderr.write(`bulk: creating ${N} Clusters in ${ns}…\n`);
    const t0 = Date.now();
    // "At once": as fast as one client can send them (50 requests in flight).
    await mapLimit(names, 50, n => kmc.createCluster(clusterBody(ns, n)));
    const createdMs = Date.now() - t0;
    const done = await tracker.waitAll(names, Math.max(300_000, N * 1000), 'bulk');
    bulkMs = Math.max(...done.values()) - t0;
    process.stderr.write(
      `bulk: all children of ${N} Clusters after ${sec(bulkMs)} (creates sent in ${sec(createdMs)}); waiting for the operator to go quiet…\n`,
    );
    converged = await waitQuiet(op1, 5000, Math.max(300_000, N * 1000), { kmc, ns });
    rssConverged = op1.rssMiB();
    heapConverged = (await op1.metrics()).heapUsedMiB;
    cpuBulk = op1.cpuMs();
  } finally {
    tracker.stop();
    await op1.stop();
  }

  // 2. cold start: a new process over N converged Clusters; then a resync, then an idle window.
  const resync = ctx.args.resyncS;
  const op2 = await operatorFor(ctx, ns, 'coldstart', `${resync}s`);
  let cold: { readyMs: number; checkedMs: number; writes: number; requests: number; rss: number };
  let steady: {
    changedClusters: number;
    resyncWrites: number;
    resyncReconciles: number;
    idleRequests: number;
    idleByVerb: Record<string, number>;
    idleWindowS: number;
    rss: number;
    heap?: number;
  };
  try {
    const readyMs = await op2.ready(180_000);
    let m = await op2.metrics();
    while (m.clusterReconciles < N || m.clusterQueueDepth > 0) {
      if (Date.now() - op2.startedAt > 300_000) throw new Error(`cold start: only ${m.clusterReconciles}/${N} Cluster reconciles after 300 s`);
      await sleep(100);
      m = await op2.metrics();
    }
    const checkedMs = m.at - op2.startedAt;
    cold = { readyMs, checkedMs, writes: m.writes, requests: m.requests, rss: op2.rssMiB() };
    process.stderr.write(`cold start: every Cluster checked after ${sec(checkedMs)}; waiting for the resync (period ${resync} s)…\n`);
    const before = m;
    const versionsBefore = new Map((await kmc.listClusters(ns)).map(c => [c.metadata.name, c.metadata.resourceVersion]));
    // Periodic re-probes add reconciles too: count only after the resync has fired.
    await sleep(Math.max(0, op2.startedAt + resync * 1000 - Date.now()));
    while (m.clusterReconciles < before.clusterReconciles + N || m.clusterQueueDepth > 0) {
      if (Date.now() - op2.startedAt > resync * 1000 + 300_000)
        throw new Error(`resync: only ${m.clusterReconciles - before.clusterReconciles}/${N} reconciles`);
      await sleep(200);
      m = await op2.metrics();
    }
    const afterResync = await waitQuiet(op2, 1000, 60_000);
    // Writes are only waste for Clusters that did not change: pods still starting on the hollow
    // node change a Cluster's status legitimately.
    const changed = (await kmc.listClusters(ns)).filter(c => versionsBefore.get(c.metadata.name) !== c.metadata.resourceVersion).length;
    const sinceStart = (Date.now() - op2.startedAt) / 1000;
    const window = Math.min(ctx.args.idleWindowS, Math.max(5, 2 * resync - sinceStart - 2));
    process.stderr.write(`steady state: resync done; measuring idle requests for ${window.toFixed(0)} s…\n`);
    await sleep(window * 1000);
    const idle = await op2.metrics();
    const idleByVerb = Object.fromEntries(
      Object.entries(idle.requestsByVerb)
        .map(([k, v]) => [k, v - (afterResync.requestsByVerb[k] ?? 0)])
        .filter(([, v]) => (v as number) > 0),
    );
    steady = {
      changedClusters: changed,
      resyncWrites: afterResync.writes - before.writes,
      resyncReconciles: afterResync.clusterReconciles - before.clusterReconciles,
      idleRequests: idle.requests - afterResync.requests,
      idleByVerb,
      idleWindowS: window,
      rss: op2.rssMiB(),
      heap: idle.heapUsedMiB,
    };
  } finally {
    await op2.stop();
  }

  // 3. raw baseline: what the API server can take, with the Cluster controller's 8 workers.
  const rawMs = Math.max(...(await rawBaseline(ctx, ns, names, 8)));

  const ratio = bulkMs / rawMs;
  report(
    'bulk',
    `Bulk: ${N} Clusters applied at once → all children present, vs. the raw baseline`,
    [
      { measure: `operator: ${N} Clusters → all children`, value: sec(bulkMs) },
      { measure: `raw baseline: same ${N * 15} objects by SSA, 8 workers, keep-alive`, value: sec(rawMs) },
      { measure: 'ratio operator / baseline', value: `${ratio.toFixed(2)}×`, goal: '≤ 1.3× at N = 1000', met: ratio <= 1.3 },
      { measure: 'operator writes until quiet (incl. status, events)', value: `${converged.writes} (${(converged.writes / N).toFixed(1)} per Cluster)` },
      { measure: 'operator CPU until quiet', value: `${sec(cpuBulk)} (${ms(cpuBulk / N)} per Cluster)` },
    ],
    { clusters: N, bulkMs, rawMs, ratio, operatorRequests: converged.requestsByVerb },
  );
  report(
    'memory',
    `Memory: operator RSS with ${N} converged Clusters`,
    [
      { measure: 'RSS after the bulk create converged', value: `${rssConverged.toFixed(0)} MiB`, goal: '≤ 150 MiB at N = 1000', met: rssConverged <= 150 },
      { measure: 'RSS after a cold start + resync + idle', value: `${steady.rss.toFixed(0)} MiB`, goal: '≤ 150 MiB at N = 1000', met: steady.rss <= 150 },
      { measure: 'V8 heap in use: converged / after idle', value: `${mib(heapConverged)} / ${mib(steady.heap)}` },
    ],
    {
      clusters: N,
      rssMiB: { converged: rssConverged, coldStart: cold.rss, afterIdle: steady.rss },
      heapUsedMiB: { converged: heapConverged, afterIdle: steady.heap },
    },
  );
  report(
    'cold-start',
    `Cold start: operator restarted over ${N} converged Clusters`,
    [
      { measure: 'process start → caches synced (/readyz)', value: sec(cold.readyMs) },
      { measure: 'process start → every Cluster checked', value: sec(cold.checkedMs), goal: '≤ 30 s at N = 1000', met: cold.checkedMs <= 30_000 },
      { measure: 'writes', value: String(cold.writes), goal: '0', met: cold.writes === 0 },
      { measure: 'API requests (lists, watches, reads)', value: String(cold.requests) },
    ],
    { clusters: N, ...cold },
  );
  report(
    'steady-state',
    `Steady state: ${N} unchanged Clusters`,
    [
      {
        measure: `full resync (${steady.resyncReconciles} reconciles): writes`,
        value: String(steady.resyncWrites),
        goal: '0 for unchanged Clusters',
        met: steady.resyncWrites === 0 ? true : steady.changedClusters > 0 ? undefined : false,
      },
      { measure: 'Clusters whose status changed meanwhile (pods starting)', value: String(steady.changedClusters) },
      {
        measure: `idle API request rate over ${steady.idleWindowS.toFixed(0)} s`,
        value: `${(steady.idleRequests / steady.idleWindowS).toFixed(2)} req/s (${JSON.stringify(steady.idleByVerb)})`,
        goal: '≤ 1 req/s',
        met: steady.idleRequests / steady.idleWindowS <= 1,
      },
    ],
    { clusters: N, resyncPeriodS: resync, ...steady },
  );
}

/** The operator's children of each Cluster, as apply bodies for namespace `to`. */
async function childrenForBaseline(kc: KubeConfig, from: string, to: string, names: string[]): Promise<Map<string, KubernetesObject[]>> {
  const objApi = KubernetesObjectApi.makeApiClient(kc);
  const byKind = new Map<string, Map<string, KubernetesObject>>();
  for (const [apiVersion, kind] of [
    ['v1', 'Service'],
    ['v1', 'ConfigMap'],
    ['v1', 'Secret'],
    ['apps/v1', 'StatefulSet'],
  ]) {
    const list = await objApi.list(apiVersion, kind, from);
    // List items come without apiVersion and kind; an apply body needs them.
    byKind.set(`${kind.toLowerCase()}s`, new Map(list.items.map(o => [o.metadata!.name!, { ...o, apiVersion, kind }])));
  }
  const out = new Map<string, KubernetesObject[]>();
  for (const n of names) {
    out.set(
      n,
      expectedChildren(n).map(c => {
        const o = byKind.get(c.kind)!.get(c.name);
        if (!o) throw new Error(`baseline: ${c.kind}/${c.name} is missing in ${from}`);
        // Same object, minus what the server owns (ids, status, allocated IPs) and the owner (a
        // Cluster uid of the other namespace would make the garbage collector delete it).
        const { metadata, status: _status, ...rest } = o as KubernetesObject & { status?: unknown; spec?: Record<string, unknown> };
        const body = JSON.parse(
          JSON.stringify({ ...rest, metadata: { name: metadata!.name, namespace: to, labels: metadata!.labels, annotations: metadata!.annotations } })
            .split(from)
            .join(to),
        );
        if (c.kind === 'services') {
          delete body.spec.clusterIP;
          delete body.spec.clusterIPs;
        }
        return body as KubernetesObject;
      }),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

function benchCli(ctx: Ctx): void {
  // bench/src/cli.ts (the kubectl plugin's own benchmark) on the same cluster, at small size.
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'cli.ts')], {
    env: { ...process.env, K0SMOTRON_TEST_KUBECONFIG: ctx.kubeconfigPath, BENCH_CLUSTERS: String(Math.min(ctx.args.clusters, 100)), BENCH_RUNS: '5' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(`\n## kubectl plugin (bench/src/cli.ts)\n${r.stdout}`);
  fs.writeFileSync(
    path.join(ARTIFACTS, 'cli.json'),
    JSON.stringify({ bench: 'cli', date: new Date().toISOString(), machine: machine(), exitCode: r.status, output: r.stdout.trim().split('\n') }, null, 2),
  );
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const started = Date.now();
  const m = machine();
  process.stdout.write(`# k0smotron benchmarks: N = ${args.clusters}; ${m.nproc} CPUs, ${m.memoryGiB} GiB, load ${m.load.join(' ')}, node ${m.node}\n`);
  if (args.only.has('pki')) await benchPki();
  if (!['latency', 'bulk', 'cli'].some(b => args.only.has(b))) return;

  let cluster: TestCluster | undefined;
  let kubeconfigPath = args.kubeconfig;
  const namespaces: string[] = [];
  const kc = new KubeConfig();
  try {
    process.stderr.write('building the operator bundle…\n');
    await buildOperatorBundle();
    if (!kubeconfigPath) {
      process.stderr.write('starting a local test cluster (1 hollow node)…\n');
      cluster = await startTestCluster({ nodes: 1, installCrds: true });
      kubeconfigPath = cluster.kubeconfigPath;
    }
    kc.loadFromFile(kubeconfigPath);
    const ctx: Ctx = { kc, kubeconfigPath, args, namespaces };
    if (args.only.has('latency')) await benchLatency(ctx);
    if (args.only.has('bulk')) await benchBulk(ctx);
    if (args.only.has('cli')) benchCli(ctx);
  } finally {
    if (!cluster && namespaces.length) {
      const core = kc.makeApiClient(CoreV1Api);
      for (const ns of namespaces) await core.deleteNamespace({ name: ns }).catch(() => undefined);
    }
    await cluster?.stop();
  }
  process.stdout.write(
    `\nall benchmarks: ${sec(Date.now() - started)}; load now ${os
      .loadavg()
      .map(l => l.toFixed(1))
      .join(' ')}\n`,
  );
}

main().catch(err => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
