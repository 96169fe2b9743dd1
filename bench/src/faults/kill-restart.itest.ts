// Fault: the operator process is SIGKILLed in the middle of a bulk create and started again.
// Every Cluster must converge with exactly its children (no duplicate, no orphan), and the
// certificates that existed at the kill must be the same objects afterwards (no second PKI);
// every etcd leaf must be signed by its Cluster's etcd CA even when the kill split the two.
// Issue 8 asks for 200 Clusters; CI on this 2-core machine runs 50 (FAULT_CLUSTERS overrides).
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { CoreV1Api, AppsV1Api, type V1Secret } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import { API_VERSION, CLUSTER_KIND, clusterObjectNames } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { freePort, createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import { ChildTracker, expectedChildren, mapLimit } from '../lib/children';
import { startFaultProxy, type FaultProxy } from '../lib/fault-proxy';
import { buildOperatorBundle, sleep, startOperatorProcess, type OperatorProcess } from '../lib/operator-process';

const COUNT = Number(process.env.FAULT_CLUSTERS ?? 50);
const { kubeConfig: kc, kubeconfigPath } = sharedTestCluster();
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const kmc = new K0smotronClient(kc);

jest.setTimeout(120_000);

let op: OperatorProcess | undefined;
let tracker: ChildTracker | undefined;
let proxy: FaultProxy | undefined;
afterAll(async () => {
  tracker?.stop();
  await op?.stop();
  await proxy?.close();
});

const PKI_KEYS = ['caSecret', 'saSecret', 'proxySecret', 'etcdCaSecret', 'apiserverEtcdClientSecret', 'etcdServerSecret', 'etcdPeerSecret'] as const;

it(`SIGKILL during a create of ${COUNT} Clusters, restart: all converge, no duplicate or orphan, no second PKI`, async () => {
  await buildOperatorBundle();
  const ns = await createTestNamespace(kc, 'fault-kill');
  const names = Array.from({ length: COUNT }, (_, i) => `k${String(i).padStart(3, '0')}`);
  tracker = await ChildTracker.start(kc, ns);
  // The first operator talks through the fault proxy, which refuses (503) every write of the
  // StatefulSet of the second half of the Clusters: those cannot complete before the kill however
  // fast the operator is, so the kill always interrupts work. Their Secrets are still written,
  // which the no-second-PKI check below needs. The second operator talks to the API directly.
  const held = new Set(names.slice(Math.ceil(COUNT / 2)));
  const heldPaths = new Set([...held].map(n => `/apis/apps/v1/namespaces/${ns}/statefulsets/${clusterObjectNames(n).statefulSet}`));
  proxy = await startFaultProxy(kc);
  proxy.setPolicy(r => (r.method !== 'GET' && heldPaths.has(r.url.split('?')[0]) ? { status: 503 } : undefined));
  const proxiedKubeconfig = `${process.env.TMPDIR ?? '/tmp'}/fault-kill-${ns}-proxy.kubeconfig`;
  writeFileSync(proxiedKubeconfig, proxy.kubeConfig.exportConfig(), { mode: 0o600 });
  const start = async (label: string, through: string) => {
    const p = startOperatorProcess({
      kubeconfigPath: through,
      namespaces: [ns],
      metricsPort: await freePort(),
      logFile: `${process.env.TMPDIR ?? '/tmp'}/fault-kill-${ns}-${label}.log`,
    });
    await p.ready(90_000);
    return p;
  };
  op = await start('first', proxiedKubeconfig);
  await mapLimit(names, 25, n =>
    kmc.createCluster({ apiVersion: API_VERSION, kind: CLUSTER_KIND, metadata: { name: n, namespace: ns }, spec: { service: { type: 'ClusterIP' } } }),
  );
  // Kill once some Clusters are complete and some are not: mid-way through the work.
  const killDeadline = Date.now() + 40_000;
  for (;;) {
    const complete = names.filter(n => tracker!.completeAt(n) !== undefined).length;
    if (complete >= Math.max(1, Math.floor(COUNT / 5))) break;
    if (Date.now() > killDeadline) throw new Error(`only ${complete}/${COUNT} complete before the kill deadline`);
    await sleep(50);
  }
  await op.kill('SIGKILL');
  const completeAtKill = names.filter(n => tracker!.completeAt(n) !== undefined).length;
  // The kill interrupted work: none of the held half was complete (nor could be).
  expect([...held].filter(n => tracker!.completeAt(n) !== undefined)).toEqual([]);
  await proxy.close();
  proxy = undefined;
  const secretsAtKill = new Map(
    (await core.listNamespacedSecret({ namespace: ns })).items.map(s => [s.metadata!.name!, { uid: s.metadata!.uid, rv: s.metadata!.resourceVersion }]),
  );
  process.stderr.write(`[fault-kill] killed with ${completeAtKill}/${COUNT} complete, ${secretsAtKill.size} Secrets present\n`);

  op = await start('second', kubeconfigPath);
  await tracker.waitAll(names, 70_000, 'after restart');

  // Settle: nothing in the queue and no more writes.
  let last = await op.metrics();
  for (let quietSince = Date.now(); Date.now() - quietSince < 2000;) {
    await sleep(250);
    const m = await op.metrics();
    if (m.writes !== last.writes || m.clusterQueueDepth > 0) quietSince = Date.now();
    last = m;
  }

  const clusters = new Map((await kmc.listClusters(ns)).map(c => [c.metadata.name!, c.metadata.uid!]));
  const [svcs, cms, secrets, stss] = await Promise.all([
    core.listNamespacedService({ namespace: ns }),
    core.listNamespacedConfigMap({ namespace: ns }),
    core.listNamespacedSecret({ namespace: ns }),
    apps.listNamespacedStatefulSet({ namespace: ns }),
  ]);
  const expected = new Set(names.flatMap(n => expectedChildren(n).map(c => `${c.kind}/${c.name}`)));
  const actual = [
    ...svcs.items.map(o => ({ key: `services/${o.metadata!.name}`, meta: o.metadata! })),
    ...cms.items.map(o => ({ key: `configmaps/${o.metadata!.name}`, meta: o.metadata! })),
    ...secrets.items.map(o => ({ key: `secrets/${o.metadata!.name}`, meta: o.metadata! })),
    ...stss.items.map(o => ({ key: `statefulsets/${o.metadata!.name}`, meta: o.metadata! })),
  ].filter(o => o.key !== 'configmaps/kube-root-ca.crt' && !o.key.startsWith('secrets/default-token-'));
  // Exactly the expected objects: nothing extra (orphans, duplicates under another name), nothing missing.
  expect(actual.map(o => o.key).filter(k => !expected.has(k))).toEqual([]);
  expect(actual.length).toBe(expected.size);
  // Each owned by exactly its own Cluster.
  for (const o of actual) {
    const owners = o.meta.ownerReferences ?? [];
    expect({ key: o.key, owners: owners.map(r => r.uid) }).toEqual({ key: o.key, owners: [clusters.get(o.meta.labels?.cluster ?? '')] });
  }

  // No second PKI: every Secret present at the kill is the same object, unchanged.
  const byName = new Map<string, V1Secret>(secrets.items.map(s => [s.metadata!.name!, s]));
  for (const n of names) {
    const cn = clusterObjectNames(n);
    for (const key of PKI_KEYS) {
      const before = secretsAtKill.get(cn[key]);
      if (!before) continue;
      const now = byName.get(cn[key])!;
      expect({ name: cn[key], uid: now.metadata!.uid, rv: now.metadata!.resourceVersion }).toEqual({ name: cn[key], uid: before.uid, rv: before.rv });
    }
    // The leaves and the kubeconfig belong to the CAs that exist now (one PKI per Cluster).
    const cert = (name: string) => new X509Certificate(Buffer.from(byName.get(name)!.data!['tls.crt'], 'base64'));
    const etcdCa = cert(cn.etcdCaSecret);
    for (const leaf of [cn.apiserverEtcdClientSecret, cn.etcdServerSecret, cn.etcdPeerSecret]) {
      expect({ leaf, signed: cert(leaf).verify(etcdCa.publicKey) }).toEqual({ leaf, signed: true });
    }
    const kubeconfig = parseYaml(Buffer.from(byName.get(cn.kubeconfigSecret)!.data!.value, 'base64').toString()) as {
      clusters: { cluster: { 'certificate-authority-data': string } }[];
    };
    expect(Buffer.from(kubeconfig.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(
      Buffer.from(byName.get(cn.caSecret)!.data!['tls.crt'], 'base64').toString(),
    );
  }
}, 120_000);
