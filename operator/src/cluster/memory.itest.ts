// Memory hygiene at scale, against the real test cluster: 200 Clusters (kine, a few NodePort)
// and 20 JoinTokenRequests are created, reconciled, probed, then deleted. Every map the
// controllers keep per Cluster or per request must be back at zero once the operator has seen
// the deletions, and the cache must hold only what carries our labels, ConfigMaps without data.
import { CoreV1Api } from '@kubernetes/client-node';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import { defaultControllers, JsonLogger, startOperator, staticChildApi, type RunningOperator } from '../index';
import { KINE_DATASOURCE_SECRET_KEY, type JoinTokenRequest } from '@k0smotron/api';
import { apis, condition, eventually, newCluster } from './testing/helpers';

const { kubeConfig: kc } = sharedTestCluster();
const { kmc } = apis(kc);
const core = kc.makeApiClient(CoreV1Api);

const COUNT = 200;
const JTRS = 20;
const NODEPORTS = 5;
/** Clusters with a control-plane pod (the probe needs a Ready replica); the others sleep. */
const RUNNING = 30;

// Creating and deleting 200 Clusters on 2 shared cores takes minutes; the bounds below are
// upper limits for a loaded machine, not measurements.
jest.setTimeout(900_000);

let op: RunningOperator | undefined;
afterAll(async () => {
  await op?.stop();
});

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
function heap(): string {
  global.gc?.();
  const m = process.memoryUsage();
  return `heap ${mib(m.heapUsed)}, rss ${mib(m.rss)} (test process)`;
}

it(`${COUNT} Clusters and ${JTRS} JoinTokenRequests created and deleted: every per-Cluster and per-request map is back at zero`, async () => {
  const ns = await createTestNamespace(kc, 'kmc-memory');
  const started = Date.now();
  const log = (msg: string) => process.stderr.write(`[memory] ${((Date.now() - started) / 1000).toFixed(0)} s: ${msg}\n`);
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'db' }, stringData: { [KINE_DATASOURCE_SECRET_KEY]: 'mysql://k0s:pw@db:3306/k0s' } },
  });
  // Not ours: must not be cached (no label), however big.
  await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'tenant-data' }, data: { big: 'x'.repeat(100_000) } } });

  // The real controllers and their real wiring (one credential cache shared by the probe and the
  // JoinTokenRequest controller); the child API address refuses connections at once, so every
  // probe and every token request fails fast and leaves its failure count behind.
  const controllers = defaultControllers({ childApi: staticChildApi(() => 'https://127.0.0.1:1'), log: new JsonLogger({ level: 'error' }) });
  const [clusterCtl, jtrCtl] = controllers;
  op = await startOperator({ kubeConfig: kc, namespaces: [ns], controllers, metricsPort: 0, logger: new JsonLogger({ level: 'error' }) });
  log(`operator started; ${heap()}`);

  const names = Array.from({ length: COUNT }, (_, i) => `c${String(i).padStart(3, '0')}`);
  await mapLimit(names, 25, n => {
    const i = names.indexOf(n);
    const service = i < NODEPORTS ? { type: 'NodePort' as const, apiPort: 31000 + i, konnectivityPort: 31100 + i } : { type: 'ClusterIP' as const };
    // Only the first RUNNING Clusters get a pod: the shared test cluster's hollow nodes hold about
    // 220 pods for every suite of the run, and the rest of the maps fill without pods. Asleep
    // (replicas 0), a Cluster is still reconciled: Service, config, certificates, kubeconfig.
    const replicas = i < RUNNING ? 1 : 0;
    return kmc.createCluster(newCluster(ns, n, { replicas, service, storage: { type: 'kine', kine: { dataSourceSecretName: 'db' } } }));
  });
  const jtrNames = names.slice(0, JTRS);
  await mapLimit(jtrNames, 10, n =>
    kmc.createJoinTokenRequest({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'JoinTokenRequest',
      metadata: { name: `${n}-join`, namespace: ns },
      spec: { clusterName: n },
    } as JoinTokenRequest),
  );
  log(`created ${COUNT} Clusters and ${JTRS} JoinTokenRequests`);

  // Reconciled: every Cluster's admin kubeconfig is signed (the last step before its StatefulSet).
  let lastReport = 0;
  await eventually(
    `all ${COUNT} Clusters reconciled`,
    async () => {
      const list = await kmc.listClusters(ns);
      const done = list.filter(c => condition(c, 'KubeconfigSecretAvailable')?.status === 'True').length;
      if (Date.now() - lastReport > 15_000) {
        lastReport = Date.now();
        log(`${done}/${COUNT} reconciled`);
      }
      return done === COUNT;
    },
    600_000,
    1000,
  );
  // Probed: a control-plane pod is Ready (hollow nodes) and the probe found the child unreachable.
  // At least 20 of them, so the probe's maps are filled; all 200 may take long on a busy machine.
  const probed = await eventually(
    'at least 20 Clusters probed',
    async () => {
      const list = await kmc.listClusters(ns);
      const n = list.filter(c => condition(c, 'ControlPlaneFunctional')?.reason === 'Unreachable').length;
      return n >= 20 ? n : undefined;
    },
    300_000,
    1000,
  );
  // The requests recorded their token id and failed to reach the child.
  await eventually(
    `all ${JTRS} JoinTokenRequests tried the child`,
    async () => {
      const list = await kmc.listJoinTokenRequests(ns);
      return list.filter(j => j.status?.tokenID && j.status.conditions?.some(c => c.reason === 'ControlPlaneUnreachable')).length === JTRS;
    },
    300_000,
    1000,
  );

  const full = { ...clusterCtl.sizes!(), ...jtrCtl.sizes!() };
  log(`reconciled, ${probed} probed; maps ${JSON.stringify(full)}; ${heap()}`);
  expect(full).toMatchObject({
    nodePortClusters: NODEPORTS,
    referencedSecrets: 1,
    referencesOf: COUNT,
    kineChecked: 1,
    failures: JTRS,
    recorded: JTRS,
    recordedKeys: JTRS,
  });
  expect(full.probeMemo).toBeGreaterThanOrEqual(20);
  expect(full.probeFailures).toBeGreaterThanOrEqual(20);
  expect(full.childApiCredentials).toBeGreaterThanOrEqual(20);
  // Which requests name a Cluster is the cache's index, not a map of the controller's.
  const JTR = { apiVersion: 'k0smotron.io/v1beta2', kind: 'JoinTokenRequest' };
  const cache = op.manager.cache;
  expect(jtrNames.map(n => cache.byIndex(JTR, 'cluster', `${ns}/${n}`).map(j => j.metadata?.name))).toEqual(jtrNames.map(n => [`${n}-join`]));

  // The cache: our children (ConfigMaps without data), not the tenant's own ConfigMap.
  const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
  expect(op.manager.cache.get(CM, ns, 'tenant-data')).toBeUndefined();
  const cached = op.manager.cache.get<{ data?: unknown; metadata?: { annotations?: Record<string, string> } }>(CM, ns, 'kmc-c000-config');
  expect(cached?.metadata?.annotations?.['k0smotron.io/applied-hash']).toBeTruthy();
  expect(cached?.data).toBeUndefined();
  expect(op.manager.cache.list(CM, { namespace: ns }).every(c => c.metadata?.labels?.app === 'k0smotron')).toBe(true);

  // Delete every Cluster; the garbage collector deletes their JoinTokenRequests (owner references).
  await mapLimit(names, 25, n => kmc.deleteCluster(ns, n));
  log('deleted every Cluster');
  await eventually(
    'Clusters and JoinTokenRequests gone from the API',
    async () => (await kmc.listClusters(ns)).length === 0 && (await kmc.listJoinTokenRequests(ns)).length === 0,
    300_000,
    1000,
  );
  // The operator has processed the deletions when its maps are empty; nodeSignatures is per Node.
  const perObject = () => {
    const { nodeSignatures: _perNode, ...rest } = { ...clusterCtl.sizes!(), ...jtrCtl.sizes!() };
    return rest;
  };
  await eventually('every per-Cluster and per-request map back at zero', () => Object.values(perObject()).every(v => v === 0), 120_000, 500);
  await op.manager.waitForIdle({ timeoutMs: 120_000 });
  const empty = { ...clusterCtl.sizes!(), ...jtrCtl.sizes!() };
  log(`after deleting: maps ${JSON.stringify(empty)}; ${heap()}`);
  expect(Object.values(perObject()).every(v => v === 0)).toBe(true);
  const nodes = (await core.listNode()).items.length;
  expect(empty.nodeSignatures).toBeLessThanOrEqual(nodes);

  // The same numbers on /metrics, for operators.
  const text = await op.metrics.text();
  const lines = text.split('\n').filter(l => l.startsWith('k0smotron_controller_memory_entries{'));
  expect(lines).toEqual(
    expect.arrayContaining([
      'k0smotron_controller_memory_entries{controller="cluster",map="childApiCredentials"} 0',
      'k0smotron_controller_memory_entries{controller="jointokenrequest",map="recorded"} 0',
    ]),
  );
  for (const l of lines.filter(x => !x.includes('nodeSignatures'))) expect(l).toMatch(/ 0$/);
});
