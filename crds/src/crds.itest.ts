// The generated CRDs on a real kube-apiserver 1.20, driven by the real kubectl 1.20: examples
// apply, `spec: null` defaults as upstream, invalid specs are rejected naming the field, the
// printer columns and the scale subresource work.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import { stringify } from 'yaml';
import { K0smotronApiError, K0smotronClient } from './client';
import { crdFiles } from './crd';
import { loadExamples } from './testdata/examples';
import { CRDS_DIR, ensureCrdsInstalled } from './testing/install';
import { INVALID_CASES } from './testdata/invalid';
import { normalizeClusterSpec } from './normalize';
import type { Cluster } from './schema/cluster';
import { validateCluster, validateJoinTokenRequest } from './validate';

const tmp = mkdtempSync(join(tmpdir(), 'crds-itest-'));

let ns: string;
let client: K0smotronClient;

function kubectl(args: string[], stdin?: string): { code: number; stdout: string; stderr: string } {
  const { kubeconfigPath, kubectlPath } = sharedTestCluster();
  const r = spawnSync(kubectlPath, args, {
    input: stdin,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: kubeconfigPath },
    timeout: 30_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function ok(args: string[], stdin?: string): string {
  const r = kubectl(args, stdin);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** Writes the objects with metadata.namespace set to the test namespace, for `kubectl apply -f`. */
function manifestIn(namespace: string, objects: Record<string, unknown>[], name: string): string {
  const docs = objects.map(o => ({ ...o, metadata: { ...(o.metadata as object), namespace } }));
  const file = join(tmp, name);
  writeFileSync(file, docs.map(d => stringify(d)).join('---\n'));
  return file;
}

/** Merge-patches a Cluster's status subresource (what the operator does). */
async function patchClusterStatus(name: string, status: Record<string, unknown>): Promise<{ status: { conditions: { message: string }[] } }> {
  return sharedTestCluster()
    .kubeConfig.makeApiClient(CustomObjectsApi)
    .patchNamespacedCustomObjectStatus(
      { group: 'k0smotron.io', version: 'v1beta2', namespace: ns, plural: 'clusters', name, body: { status } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
}

beforeAll(async () => {
  const { kubeConfig } = sharedTestCluster();
  await ensureCrdsInstalled();
  ns = await createTestNamespace(kubeConfig, 'crds');
  client = new K0smotronClient(kubeConfig);
});

describe('CRD install', () => {
  it('applies every crds/*.yaml with kubectl 1.20 and each becomes Established and structural', async () => {
    expect(
      readdirSync(CRDS_DIR)
        .filter(f => f.endsWith('.yaml'))
        .sort(),
    ).toEqual(Object.keys(crdFiles()).sort());
    await ensureCrdsInstalled();
    const names = ok(['get', 'crd', '-o', 'name']);
    for (const crd of Object.values(crdFiles())) expect(names).toContain(crd.metadata.name);
  });
});

describe('upstream examples', () => {
  const examples = loadExamples();

  it.each(examples.map(e => [e.file, e] as const))('%s applies with kubectl', (file, example) => {
    const path = manifestIn(ns, example.objects, file);
    const out = ok(['apply', '-f', path]);
    expect(out).toMatch(/created|configured|unchanged/);
    // And reads back through the short names.
    for (const o of example.objects) {
      if (o.kind === 'Secret') continue;
      const resource = o.kind === 'JoinTokenRequest' ? 'jtr' : o.kind === 'K0smotronCluster' ? 'k0smotroncluster' : 'kmc';
      ok(['get', resource, (o.metadata as { name: string }).name, '-n', ns]);
    }
  });

  it('defaults spec: null exactly as upstream: NodePort 30443/30132, one replica, etcd', async () => {
    const cluster = await client.getCluster(ns, 'my-cluster');
    expect(cluster?.spec?.service).toEqual({ type: 'NodePort', apiPort: 30443, konnectivityPort: 30132 });
    expect(cluster?.spec?.replicas).toBe(1);
    expect(cluster?.spec?.image).toBe('quay.io/k0sproject/k0s');
    expect(cluster?.spec?.version).toBe('v1.27.9-k0s.0');
    // normalizeClusterSpec agrees with what the API server stored.
    expect(normalizeClusterSpec(cluster!.spec)).toEqual(normalizeClusterSpec(null));
    expect(normalizeClusterSpec(cluster!.spec).storage.type).toBe('etcd');
  });

  it('gives spec: {} the service default (ClusterIP), like normalizeClusterSpec({})', async () => {
    const created = await client.createCluster({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'empty-spec', namespace: ns },
      spec: {},
    });
    expect(created.spec?.service).toEqual({ type: 'ClusterIP', apiPort: 30443, konnectivityPort: 30132 });
    expect(normalizeClusterSpec(created.spec)).toEqual(normalizeClusterSpec({}));
  });

  it('keeps v1beta1 field names on both versions (no conversion needed)', async () => {
    const v1 = await sharedTestCluster()
      .kubeConfig.makeApiClient(CustomObjectsApi)
      .getNamespacedCustomObject({ group: 'k0smotron.io', version: 'v1beta1', namespace: ns, plural: 'clusters', name: 'k0smotron-kine-secret' });
    expect(v1.apiVersion).toBe('k0smotron.io/v1beta1');
    expect(v1.spec.kineDataSourceSecretName).toBe('database-credentials');
    const v2 = await client.getCluster(ns, 'k0smotron-kine-url');
    expect(v2?.apiVersion).toBe('k0smotron.io/v1beta2');
    expect(normalizeClusterSpec(v2!.spec).storage).toMatchObject({ type: 'kine', kine: { dataSourceURL: expect.stringMatching(/^postgres:/) } });
  });

  it('defaults a JoinTokenRequest expiry to 24h and role to worker', async () => {
    const jtr = await client.createJoinTokenRequest({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'JoinTokenRequest',
      metadata: { name: 'defaults', namespace: ns },
      spec: { clusterName: 'my-cluster' },
    });
    expect(jtr.spec).toEqual({ clusterName: 'my-cluster', expiry: '24h', role: 'worker' });
  });

  it('keeps the K0smotronCluster seed example with spec: null', () => {
    const out = JSON.parse(ok(['get', 'k0smotroncluster', 'my-k0smotron', '-n', ns, '-o', 'json']));
    expect(out.spec ?? null).toBeNull();
  });
});

describe('empty strings', () => {
  // Real Kubernetes accepts "" in declared string fields (upstream writes conditions with an
  // empty message). A kube-apiserver 1.20 built with Go >= 1.18 and an unpatched go-openapi
  // type validator rejects them as null; this catches such a test bed.
  it('accepts "" in string fields of spec and status', async () => {
    const created = await client.createCluster({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'empty-strings', namespace: ns },
      spec: { kubeconfigSecretMetadata: { labels: { marker: '' } }, storage: { etcd: { persistence: { storageClass: '' } } } },
    });
    expect(created.spec?.kubeconfigSecretMetadata?.labels).toEqual({ marker: '' });
    const patched = await patchClusterStatus('empty-strings', {
      conditions: [{ type: 'Available', status: 'False', reason: 'Waiting', message: '', lastTransitionTime: '2026-01-01T00:00:00Z' }],
    });
    expect(patched.status.conditions[0].message).toBe('');
  });
});

describe('invalid specs', () => {
  const serverCases = INVALID_CASES.filter(c => c.server);

  it('has at least 15 cases the API server must reject', () => {
    expect(serverCases.length).toBeGreaterThanOrEqual(15);
  });

  it.each(serverCases.map((c, i) => [c.title, c, i] as const))('API server rejects %s, naming the field', async (_title, c, i) => {
    const meta = c.object.metadata as { name: string };
    const name = c.field === 'metadata.name' ? meta.name : `${meta.name}-${i}`;
    const object = { ...c.object, metadata: { name, namespace: ns } };
    // The TypeScript validator and the API server agree.
    const ts = c.kind === 'Cluster' ? validateCluster(object) : validateJoinTokenRequest(object);
    expect(ts.errors.map(e => e.path)).toContain(c.field);

    const err = await (c.kind === 'Cluster' ? client.createCluster(object as unknown as Cluster) : client.createJoinTokenRequest(object as never)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(K0smotronApiError);
    const apiErr = err as K0smotronApiError;
    expect(apiErr.reason).toBe('Invalid');
    expect(apiErr.status).toBe(422);
    // kube-apiserver 1.20 names list items without their index: spec.mounts[0].path → spec.mounts.path.
    const serverField = c.field.replace(/\[\d+\]/g, '');
    expect(apiErr.message).toContain(serverField);
    expect(apiErr.causes?.map(x => x.field).join(' ')).toContain(serverField);

    // The real kubectl, with its client-side validation off so the API server answers.
    const r = kubectl(['create', '--validate=false', '-f', manifestIn(ns, [object], `invalid-${i}.yaml`)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(serverField);
  });
});

describe('kubectl get and scale', () => {
  async function setStatus(name: string): Promise<void> {
    await patchClusterStatus(name, {
      replicas: 1,
      readyReplicas: 1,
      selector: 'app=k0smotron,cluster=my-cluster',
      endpoint: 'https://192.0.2.2:30443',
      workers: { total: 3, ready: 2 },
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: 'Available',
          message: 'control plane is up',
          lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
      ],
    });
  }

  it('kubectl get kmc shows READY, REPLICAS, VERSION, SERVICE, ENDPOINT, WORKERS, AGE', async () => {
    await setStatus('my-cluster');
    const out = ok(['get', 'kmc', '-n', ns]);
    const [header, ...rows] = out.trim().split('\n');
    expect(header.split(/\s+/)).toEqual(['NAME', 'READY', 'REPLICAS', 'VERSION', 'SERVICE', 'ENDPOINT', 'WORKERS', 'AGE']);
    const row = rows.find(r => r.startsWith('my-cluster '))!.split(/\s+/);
    expect(row.slice(0, 7)).toEqual(['my-cluster', 'True', '1', 'v1.27.9-k0s.0', 'NodePort', 'https://192.0.2.2:30443', '2']);
    const wide = ok(['get', 'kmc', '-n', ns, '-o', 'wide']).split('\n')[0];
    expect(wide).toContain('READY-REPLICAS');
    expect(wide).toContain('WORKERS-TOTAL');
  });

  it('kubectl get jtr shows CLUSTER, ROLE, EXPIRES, AGE', () => {
    const header = ok(['get', 'jtr', '-n', ns]).split('\n')[0];
    expect(header.split(/\s+/).filter(Boolean)).toEqual(['NAME', 'CLUSTER', 'ROLE', 'EXPIRES', 'AGE']);
  });

  it('kubectl scale kmc changes spec.replicas through the scale subresource', async () => {
    ok(['scale', 'kmc', 'my-cluster', '-n', ns, '--replicas=3']);
    expect((await client.getCluster(ns, 'my-cluster'))?.spec?.replicas).toBe(3);
    const scale = JSON.parse(ok(['get', '--raw', `/apis/k0smotron.io/v1beta2/namespaces/${ns}/clusters/my-cluster/scale`]));
    expect(scale.spec.replicas).toBe(3);
    expect(scale.status).toEqual({ replicas: 1, selector: 'app=k0smotron,cluster=my-cluster' });
  });

  it('lists everything of the API under the k0smotron category', () => {
    const out = ok(['get', 'k0smotron', '-n', ns, '-o', 'name']);
    expect(out).toContain('cluster.k0smotron.io/my-cluster');
    expect(out).toContain('jointokenrequest.k0smotron.io/my-token');
    expect(out).toContain('k0smotroncluster.k0smotron.io/my-k0smotron');
  });
});
