// Measures the operator's memory with N Clusters (and a ConfigMap, Service and Secret each) in
// its informer caches. Creates the objects in a fresh namespace, measures in a fresh process
// (heap after GC and RSS, before and after the caches sync), then deletes the namespace.
// Usage: npx tsx operator/scripts/measure-cache-memory.ts --kubeconfig PATH [--clusters 1000]
//    or: node --expose-gc --import tsx operator/scripts/measure-cache-memory.ts --synthetic [--clusters 1000]
//        (no API server: the same informer code fed from memory with objects shaped like the
//        API server's answers, managedFields and all, and ~15 children per Cluster)
// For production-like RSS, bundle it first:
//   npx esbuild operator/scripts/measure-cache-memory.ts --bundle --platform=node --outfile=/tmp/measure.js
//   node /tmp/measure.js --kubeconfig PATH
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { CONDITION_TYPES } from '@k0smotron/api';
import { KubeApi } from '@k0smotron/api/kube';
import { silentLogger } from '../src/engine/logger';
import { startOperator } from '../src/index';
import { defaultControllers } from '../src/controllers';
import { mergeWatchSpecs } from '../src/engine/cache';
import type { WatchSpec } from '../src/engine/contract';

/** The conditions of a converged Cluster (FeaturesSupported appears only while a spec asks for an unsupported feature). */
const STEADY_CONDITIONS = CONDITION_TYPES.filter(type => type !== 'FeaturesSupported');

// The default controllers' watch specs, merged as the cache merges them: the measured informers
// use the same selectors and transforms (dropped Secret and ConfigMap data) as the operator.
const operatorSpecs = mergeWatchSpecs(defaultControllers({ log: silentLogger }).flatMap(c => [c.for, ...(c.owns ?? []), ...(c.watches ?? [])]));
const specOf = (kind: string): WatchSpec => {
  const spec = operatorSpecs.find(s => s.kind === kind);
  if (!spec) throw new Error(`the default controllers do not watch ${kind}`);
  return spec;
};

const { values } = parseArgs({
  options: { kubeconfig: { type: 'string' }, clusters: { type: 'string' }, measure: { type: 'string' }, synthetic: { type: 'boolean' } },
});
if (!values.kubeconfig && !values.synthetic) throw new Error('--kubeconfig PATH (e.g. the one `npm run cluster` prints) or --synthetic is required');
const kc = new KubeConfig();
if (values.kubeconfig) kc.loadFromFile(values.kubeconfig);
const N = Number(values.clusters ?? 1000);

const mib = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

function k0sConfig(i: number): string {
  return `apiVersion: k0s.k0sproject.io/v1beta1\nkind: ClusterConfig\nmetadata:\n  name: k0s\nspec:\n  api:\n    externalAddress: 10.0.${i % 250}.1\n    sans: [kmc-c${i}, kmc-c${i}.ns.svc, kmc-c${i}.ns.svc.cluster.local]\n  network:\n    provider: calico\n    podCIDR: 10.244.0.0/16\n    serviceCIDR: 10.96.0.0/12\n  telemetry:\n    enabled: false\n`.repeat(
    3,
  );
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

async function create(ns: string): Promise<void> {
  const api = new KubeApi(kc);
  await api.request('create', 'namespaces', 'POST', '/api/v1/namespaces', { body: { metadata: { name: ns } } });
  const started = Date.now();
  let done = 0;
  await pool([...Array(N).keys()], 16, async i => {
    const name = `c${i}`;
    const cluster = await api.request<KubernetesObject>('create', 'clusters', 'POST', `/apis/k0smotron.io/v1beta2/namespaces/${ns}/clusters`, {
      body: {
        apiVersion: 'k0smotron.io/v1beta2',
        kind: 'Cluster',
        metadata: { name, labels: { team: `t${i % 10}` } },
        spec: {
          replicas: 1,
          version: 'v1.27.9-k0s.0',
          service: { type: 'NodePort', apiPort: 30443, konnectivityPort: 30132 },
          persistence: { type: 'emptyDir' },
        },
      },
    });
    const uid = cluster.metadata!.uid!;
    const owner = [{ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', name, uid, controller: true }];
    const conditions = STEADY_CONDITIONS.map(type => ({
      type,
      status: 'True',
      reason: 'Ready',
      message: `${type} holds for ${name}`,
      lastTransitionTime: new Date().toISOString(),
      observedGeneration: 1,
    }));
    await api.request('patch', 'clusters/status', 'PATCH', `/apis/k0smotron.io/v1beta2/namespaces/${ns}/clusters/${name}/status`, {
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          endpoint: `https://192.0.2.2:30443`,
          replicas: 1,
          readyReplicas: 1,
          updatedReplicas: 1,
          selector: `app=k0smotron,cluster=${name}`,
          conditions,
        },
      },
    });
    await api.request('create', 'configmaps', 'POST', `/api/v1/namespaces/${ns}/configmaps`, {
      body: {
        metadata: { name: `kmc-${name}-config`, ownerReferences: owner, labels: { app: 'k0smotron', cluster: name } },
        data: { K0SMOTRON_K0S_YAML: k0sConfig(i) },
      },
    });
    await api.request('create', 'services', 'POST', `/api/v1/namespaces/${ns}/services`, {
      body: {
        metadata: { name: `kmc-${name}`, ownerReferences: owner, labels: { app: 'k0smotron', cluster: name } },
        spec: {
          type: 'ClusterIP',
          selector: { cluster: name },
          ports: [
            { name: 'api', port: 30443 },
            { name: 'konnectivity', port: 30132 },
          ],
        },
      },
    });
    await api.request('create', 'secrets', 'POST', `/api/v1/namespaces/${ns}/secrets`, {
      body: {
        metadata: { name: `${name}-ca`, ownerReferences: owner, labels: { app: 'k0smotron', cluster: name } },
        type: 'cluster.x-k8s.io/secret',
        data: { 'tls.crt': randomBytes(600).toString('base64'), 'tls.key': randomBytes(300).toString('base64') },
      },
    });
    if (++done % 100 === 0) process.stderr.write(`created ${done}/${N} Clusters with children (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
  });
  api.close();
}

async function measure(ns: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the measuring phase with node --expose-gc');
  gc();
  const before = process.memoryUsage();
  const op = await startOperator({
    kubeConfig: kc,
    namespaces: [ns],
    logger: silentLogger,
    resyncPeriodMs: 0,
    controllers: [
      {
        name: 'memory',
        for: { apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster' },
        owns: [specOf('ConfigMap'), specOf('Service'), specOf('Secret')],
        reconcile: async () => undefined,
      },
    ],
  });
  const objects = ['Cluster', 'ConfigMap', 'Service', 'Secret'].map(
    kind => op.manager.cache.list({ apiVersion: kind === 'Cluster' ? 'k0smotron.io/v1beta2' : 'v1', kind }).length,
  );
  await new Promise(r => setTimeout(r, 2000)); // reconcile every key once
  gc();
  const after = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({
      cachedObjects: objects,
      heapUsedMiB: { before: mib(before.heapUsed), after: mib(after.heapUsed) },
      rssMiB: { before: mib(before.rss), after: mib(after.rss) },
    }) + '\n',
  );
  await op.stop();
}

function managedFields(manager: string, extra = 0): object[] {
  // What SSA and kubectl leave behind: one entry per manager with a fieldsV1 tree.
  const fields: Record<string, unknown> = { 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} }, 'f:ownerReferences': { '.': {}, 'k:{"uid":"x"}': {} } } };
  for (let i = 0; i < 20 + extra; i++) fields[`f:field${i}`] = { '.': {}, [`f:sub${i}`]: {} };
  return [{ manager, operation: 'Apply', apiVersion: 'v1', time: new Date().toISOString(), fieldsType: 'FieldsV1', fieldsV1: fields }];
}

/** N Clusters and their children as JSON text, parsed like a list response would be. */
function syntheticObjects(n: number): Record<string, KubernetesObject[]> {
  const now = new Date().toISOString();
  const meta = (name: string, i: number, uid = randomBytes(16).toString('hex'), extra: object = {}) => ({
    name,
    namespace: 'ns',
    uid,
    resourceVersion: String(100000 + i),
    creationTimestamp: now,
    generation: 1,
    labels: { app: 'k0smotron', cluster: `c${i}`, 'app.kubernetes.io/managed-by': 'k0smotron' },
    annotations: { 'k0smotron.io/applied-hash': randomBytes(16).toString('hex') },
    ...extra,
  });
  const out: Record<string, KubernetesObject[]> = { Cluster: [], ConfigMap: [], Service: [], Secret: [], StatefulSet: [] };
  for (let i = 0; i < n; i++) {
    const uid = randomBytes(16).toString('hex');
    const owner = [{ apiVersion: 'k0smotron.io/v1beta2', kind: 'Cluster', name: `c${i}`, uid, controller: true, blockOwnerDeletion: true }];
    const conditions = STEADY_CONDITIONS.map(type => ({
      type,
      status: 'True',
      reason: 'Ready',
      message: `${type} holds for c${i}: everything as asked`,
      lastTransitionTime: now,
      observedGeneration: 1,
    }));
    const json = JSON.stringify({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: meta(`c${i}`, i, uid, {
        managedFields: [...managedFields('kubectl-client-side-apply', 30), ...managedFields('k0smotron', 10)],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { k0sConfig: k0sConfig(i) } }) },
      }),
      spec: {
        replicas: 3,
        version: 'v1.27.9-k0s.0',
        service: { type: 'NodePort', apiPort: 30443, konnectivityPort: 30132 },
        persistence: { type: 'emptyDir' },
        k0sConfig: { raw: k0sConfig(i).slice(0, 800) },
      },
      status: { endpoint: 'https://192.0.2.2:30443', replicas: 3, readyReplicas: 3, updatedReplicas: 3, selector: `app=k0smotron,cluster=c${i}`, conditions },
    });
    out.Cluster.push(JSON.parse(json));
    for (const name of [`kmc-c${i}-config`, `kmc-entrypoint-c${i}-config`]) {
      out.ConfigMap.push(
        JSON.parse(
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: meta(name, i, undefined, { ownerReferences: owner, managedFields: managedFields('k0smotron') }),
            data: { K0SMOTRON_K0S_YAML: k0sConfig(i) },
          }),
        ),
      );
    }
    for (const name of [`kmc-c${i}-nodeport`, `kmc-c${i}-etcd`]) {
      out.Service.push(
        JSON.parse(
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Service',
            metadata: meta(name, i, undefined, { ownerReferences: owner, managedFields: managedFields('k0smotron') }),
            spec: {
              type: 'NodePort',
              clusterIP: '10.96.0.10',
              ports: [
                { name: 'api', port: 30443, nodePort: 30443 },
                { name: 'konnectivity', port: 30132, nodePort: 30132 },
              ],
              selector: { app: 'k0smotron', cluster: `c${i}` },
            },
          }),
        ),
      );
    }
    for (const name of ['ca', 'sa', 'proxy', 'etcd', 'apiserver-etcd-client', 'etcd-server', 'etcd-peer', 'kubeconfig', 'kine', 'jtr']) {
      out.Secret.push(
        JSON.parse(
          JSON.stringify({
            apiVersion: 'v1',
            kind: 'Secret',
            type: 'cluster.x-k8s.io/secret',
            metadata: meta(`c${i}-${name}`, i, undefined, { ownerReferences: owner, managedFields: managedFields('k0smotron') }),
            data: { 'tls.crt': randomBytes(900).toString('base64'), 'tls.key': randomBytes(300).toString('base64') },
          }),
        ),
      );
    }
    for (const name of [`kmc-c${i}`, `kmc-c${i}-etcd`]) {
      out.StatefulSet.push(
        JSON.parse(
          JSON.stringify({
            apiVersion: 'apps/v1',
            kind: 'StatefulSet',
            metadata: meta(name, i, undefined, {
              ownerReferences: owner,
              managedFields: [...managedFields('k0smotron', 40), ...managedFields('kube-controller-manager', 5)],
            }),
            spec: {
              replicas: 3,
              serviceName: name,
              selector: { matchLabels: { app: 'k0smotron', cluster: `c${i}` } },
              template: {
                metadata: { labels: { app: 'k0smotron' }, annotations: { 'k0smotron.io/config-hash': randomBytes(16).toString('hex') } },
                spec: {
                  automountServiceAccountToken: false,
                  initContainers: [
                    {
                      name: 'certs',
                      image: 'busybox',
                      command: ['sh', '-c', 'cp /certs-init/* /var/lib/k0s/pki/ && chmod 600 /var/lib/k0s/pki/*.key'],
                      volumeMounts: [
                        { name: 'certs', mountPath: '/certs-init' },
                        { name: 'pki', mountPath: '/var/lib/k0s/pki' },
                      ],
                    },
                  ],
                  containers: [
                    {
                      name: 'controller',
                      image: 'quay.io/k0sproject/k0s:v1.27.9-k0s.0',
                      args: ['k0s', 'controller', '--config=/etc/k0s/k0s.yaml', '--enable-dynamic-config', '--disable-components=konnectivity-server'],
                      ports: [
                        { containerPort: 30443, name: 'api' },
                        { containerPort: 30132, name: 'konnectivity' },
                      ],
                      readinessProbe: { exec: { command: ['k0s', 'status'] }, periodSeconds: 10 },
                      livenessProbe: { exec: { command: ['k0s', 'status'] } },
                      volumeMounts: [
                        { name: 'config', mountPath: '/etc/k0s' },
                        { name: 'pki', mountPath: '/var/lib/k0s/pki' },
                        { name: 'data', mountPath: '/var/lib/k0s' },
                      ],
                    },
                  ],
                  volumes: [
                    { name: 'config', configMap: { name: `kmc-c${i}-config` } },
                    { name: 'certs', projected: { sources: ['ca', 'sa', 'proxy', 'etcd'].map(s => ({ secret: { name: `c${i}-${s}` } })) } },
                    { name: 'pki', emptyDir: {} },
                    { name: 'data', emptyDir: {} },
                  ],
                  affinity: {
                    podAntiAffinity: {
                      preferredDuringSchedulingIgnoredDuringExecution: [
                        { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { cluster: `c${i}` } } } },
                      ],
                    },
                  },
                },
              },
            },
            status: {
              replicas: 3,
              readyReplicas: 3,
              updatedReplicas: 3,
              currentReplicas: 3,
              observedGeneration: 1,
              currentRevision: `${name}-abc`,
              updateRevision: `${name}-abc`,
              collisionCount: 0,
            },
          }),
        ),
      );
    }
  }
  return out;
}

async function measureSynthetic(n: number): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('--synthetic measures the heap: run it with node --expose-gc --import tsx …');
  const { Informer } = await import('../src/engine/informer');
  gc();
  const baseline = process.memoryUsage();
  const kinds: Array<[string, string, ((o: KubernetesObject) => KubernetesObject) | undefined]> = [
    'Cluster',
    'ConfigMap',
    'Service',
    'Secret',
    'StatefulSet',
  ].map(kind => [specOf(kind).apiVersion, kind, specOf(kind).transform]);
  const all: Partial<Record<string, KubernetesObject[]>> = syntheticObjects(n);
  gc();
  const generated = process.memoryUsage();
  const informers = [];
  const counts: Record<string, number> = {};
  for (const [apiVersion, kind, transform] of kinds) {
    // Objects are generated per kind and only referenced by the store afterwards, as after a list.
    let items: KubernetesObject[] | undefined = all[kind];
    delete all[kind];
    const inf = new Informer({
      name: kind,
      apiVersion,
      kind,
      transform,
      onEvent: () => undefined,
      listWatcher: {
        list: async () => {
          const page = items!;
          items = undefined;
          return { items: page, resourceVersion: '1' };
        },
        watch: ({ signal }) => new Promise<void>(resolve => signal.addEventListener('abort', () => resolve())),
      },
    });
    inf.start();
    await inf.waitForSync();
    counts[kind] = inf.size();
    informers.push(inf);
  }
  gc();
  const after = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({
      mode: 'synthetic',
      clusters: n,
      cachedObjects: counts,
      // Cached (slimmed) objects vs the same objects as the API server sent them.
      responseHeapMiB: mib(generated.heapUsed - baseline.heapUsed),
      cacheHeapMiB: mib(after.heapUsed - baseline.heapUsed),
      heapUsedMiB: mib(after.heapUsed),
      rssMiB: mib(after.rss),
    }) + '\n',
  );
  await Promise.all(informers.map(i => i.stop()));
}

async function main(): Promise<void> {
  if (values.synthetic) return measureSynthetic(N);
  if (values.measure) return measure(values.measure);
  const ns = `memory-${randomBytes(3).toString('hex')}`;
  await create(ns);
  try {
    // Bundled (esbuild → .js) it measures like the production bundle; as .ts it needs tsx.
    const loader = __filename.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const out = execFileSync(process.execPath, ['--expose-gc', ...loader, __filename, '--kubeconfig', values.kubeconfig!, '--measure', ns], {
      encoding: 'utf8',
    });
    process.stdout.write(out);
  } finally {
    const api = new KubeApi(kc);
    await api.request('delete', 'namespaces', 'DELETE', `/api/v1/namespaces/${ns}`).catch(() => undefined);
    api.close();
  }
}

main().catch(err => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
