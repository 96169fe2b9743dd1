// Free NodePorts for NodePort Clusters created through the REST API without ports, against the
// real test cluster with the embedded reconciler running: the chosen pairs differ, avoid every
// NodePort already held, and the reconciler creates both NodePort Services without a conflict.
// Also: a port the user gave is kept, and credentials that may only list Services of the served
// namespaces (a namespaced install) still choose, and say what they could not see.
import request from 'supertest';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1Service } from '@kubernetes/client-node';
import { mockCredentials } from '@backstage/backend-test-utils';
import { NODE_PORT_RANGE, chooseNodePorts, clusterObjectNames, nodePortsInUse, type Cluster } from '@k0smotron/api';
import { K0smotronClient } from '@k0smotron/api/client';
import { KubeApi, KubeObjects } from '@k0smotron/api/kube';
import type { CreateClusterResponse } from '@k0smotron/plugin-k0smotron-common';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import k0smotronPlugin from '.';
import { withFreeNodePorts } from './service/nodePorts';
import { eventually, startK0smotronTestBackend, type K0smotronTestBackend } from './testing/testBackend';

jest.setTimeout(180_000);

const { kubeConfig, kubeconfigPath } = sharedTestCluster();
const core = kubeConfig.makeApiClient(CoreV1Api);
const client = new K0smotronClient(kubeConfig);
const user = mockCredentials.user.header('user:default/alice');
let ns: string;
let t: K0smotronTestBackend;

beforeAll(async () => {
  ns = await createTestNamespace(kubeConfig, 'bs-nodeports');
  t = await startK0smotronTestBackend({
    features: [k0smotronPlugin],
    config: {
      k0smotron: {
        managementClusters: [{ name: 'test', kubeconfigPath, namespaces: [ns] }],
        reconciler: { enabled: true, lease: { namespace: ns, name: 'bs-nodeports', identity: 'nodeports' } },
      },
    },
  });
});

afterAll(async () => {
  await t?.backend.stop();
});

const create = (name: string, service: Record<string, unknown>) =>
  request(t.backend.server)
    .post('/api/k0smotron/clusters/test')
    .set('Authorization', user)
    .send({ namespace: ns, name, spec: { replicas: 1, service } });

async function allServices(): Promise<V1Service[]> {
  return (await core.listServiceForAllNamespaces()).items;
}

/** A NodePort Service that holds `nodePort`, as anything else in the cluster might. */
async function holdNodePort(name: string, nodePort: number): Promise<void> {
  await core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name }, spec: { type: 'NodePort', selector: { app: name }, ports: [{ port: 80, nodePort }] } },
  });
}

async function nodePortService(name: string): Promise<V1Service> {
  return eventually(
    `the NodePort Service of Cluster ${name}`,
    async () => core.readNamespacedService({ namespace: ns, name: clusterObjectNames(name).nodePortService }).catch(() => undefined),
    90_000,
    500,
  );
}

it('gives two NodePort Clusters without ports different free pairs, says which, and the reconciler creates both Services', async () => {
  // The pair that would be chosen now is taken by an unrelated Service: the choice must see it.
  const predicted = chooseNodePorts(nodePortsInUse(await allServices()))!;
  await holdNodePort('holder', predicted.apiPort);

  const first = await create('np-a', { type: 'NodePort' });
  expect(first.status).toBe(201);
  const second = await create('np-b', { type: 'NodePort' });
  expect(second.status).toBe(201);
  const a = (first.body as CreateClusterResponse).nodePorts!;
  const b = (second.body as CreateClusterResponse).nodePorts!;
  expect(a).toMatchObject({ chosen: true });
  expect(b).toMatchObject({ chosen: true });
  const ports = [a.apiPort, a.konnectivityPort, b.apiPort, b.konnectivityPort];
  expect(new Set(ports).size).toBe(4);
  expect(ports).not.toContain(predicted.apiPort);
  for (const p of ports) expect(p >= NODE_PORT_RANGE.min && p <= NODE_PORT_RANGE.max).toBe(true);
  expect(a.message).toContain(`${a.apiPort} (API) and ${a.konnectivityPort} (konnectivity)`);
  expect(a.message).not.toMatch(/only Services/);
  // The Clusters carry the pairs, and the log says what was chosen.
  expect((await client.getCluster(ns, 'np-a'))?.spec?.service).toEqual({ type: 'NodePort', apiPort: a.apiPort, konnectivityPort: a.konnectivityPort });
  expect((await client.getCluster(ns, 'np-b'))?.spec?.service).toEqual({ type: 'NodePort', apiPort: b.apiPort, konnectivityPort: b.konnectivityPort });
  expect(t.logs.text()).toContain(`Cluster ${ns}/np-b in 'test': `);
  expect(t.logs.text()).toContain(`${b.apiPort} (API) and ${b.konnectivityPort} (konnectivity)`);

  // Accepted: the reconciler made both NodePort Services on exactly those ports, with no conflict.
  for (const [name, pair] of [
    ['np-a', a],
    ['np-b', b],
  ] as const) {
    const svc = await nodePortService(name);
    expect((svc.spec?.ports ?? []).map(p => p.nodePort).sort()).toEqual([pair.apiPort, pair.konnectivityPort].sort());
    const conditions = (await client.getCluster(ns, name))?.status?.conditions ?? [];
    expect(conditions.filter(c => c.reason === 'NodePortConflict')).toEqual([]);
  }
});

it('keeps the ports the user gave, and leaves ClusterIP Clusters alone', async () => {
  // Free ports that nobody else holds right now, given by the user: kept as they are.
  const free = chooseNodePorts(nodePortsInUse(await allServices()), { apiPort: 32600, konnectivityPort: 32650 })!;
  const given = await create('np-given', { type: 'NodePort', apiPort: free.apiPort, konnectivityPort: free.konnectivityPort });
  expect(given.status).toBe(201);
  expect(given.body).not.toHaveProperty('nodePorts');
  expect((await client.getCluster(ns, 'np-given'))?.spec?.service).toEqual({
    type: 'NodePort',
    apiPort: free.apiPort,
    konnectivityPort: free.konnectivityPort,
  });
  const clusterIp = await create('np-cip', { type: 'ClusterIP' });
  expect(clusterIp.status).toBe(201);
  expect(clusterIp.body).not.toHaveProperty('nodePorts');
  // The API server defaults the ports of a ClusterIP Service; nothing was chosen for it.
  expect((await client.getCluster(ns, 'np-cip'))?.spec?.service).toEqual({ type: 'ClusterIP', apiPort: 30443, konnectivityPort: 30132 });
});

/** What withFreeNodePorts reads through, sharing one request layer as a management cluster does. */
const opened: KubeApi[] = [];
function managementClusterOf(kc: KubeConfig, namespaces: string[]) {
  const kubeApi = new KubeApi(kc);
  opened.push(kubeApi);
  return { objects: new KubeObjects(kubeApi), client: new K0smotronClient(kc, { kubeApi }), namespaces };
}
afterAll(() => {
  for (const api of opened) api.close();
});

/** The admin's connection, acting as a ServiceAccount (impersonation): that account's RBAC decides. */
function impersonating(serviceAccount: string): KubeConfig {
  const cluster = kubeConfig.getCurrentCluster()!;
  const admin = kubeConfig.getCurrentUser()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ ...admin, name: 'as-sa', impersonateUser: `system:serviceaccount:${ns}:${serviceAccount}` }],
    contexts: [{ name: 'as-sa', cluster: cluster.name, user: 'as-sa' }],
    currentContext: 'as-sa',
  });
  return kc;
}

const nodePortCluster = (name: string): Cluster => ({
  apiVersion: 'k0smotron.io/v1beta2',
  kind: 'Cluster',
  metadata: { name, namespace: ns },
  spec: { service: { type: 'NodePort' } },
});

it('with Services listable only in the served namespaces, chooses from what it sees and says so; with none, asks for the defaults and says so', async () => {
  const rbac = kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  // What the namespaced Backstage RBAC grants here: Services and Clusters listed in this namespace only.
  await rbac.createNamespacedRole({
    namespace: ns,
    body: {
      metadata: { name: 'list-here' },
      rules: [
        { apiGroups: [''], resources: ['services'], verbs: ['list'] },
        { apiGroups: ['k0smotron.io'], resources: ['clusters'], verbs: ['list'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: 'list-here' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'list-here' },
      subjects: [{ kind: 'ServiceAccount', name: 'namespaced', namespace: ns }],
    },
  });
  const namespacedKc = impersonating('namespaced');
  const mc = managementClusterOf(namespacedKc, [ns]);
  const held = nodePortsInUse((await core.listNamespacedService({ namespace: ns })).items);
  const { cluster, nodePorts } = await eventually(
    'the Role to take effect',
    async () => {
      const r = await withFreeNodePorts(mc, nodePortCluster('np-namespaced'));
      return r.nodePorts?.chosen ? r : undefined;
    },
    15_000,
  );
  expect(nodePorts!.message).toContain(`only Services and Clusters of namespace ${ns} could be read`);
  expect(held.has(nodePorts!.apiPort) || held.has(nodePorts!.konnectivityPort)).toBe(false);
  expect(cluster.spec?.service).toEqual({ type: 'NodePort', apiPort: nodePorts!.apiPort, konnectivityPort: nodePorts!.konnectivityPort });

  // An account that may list nothing: the spec is left alone and the notice says why.
  const noneKc = impersonating('nobody');
  const denied = await withFreeNodePorts(managementClusterOf(noneKc, [ns]), nodePortCluster('np-nobody'));
  expect(denied.cluster.spec).toEqual({ service: { type: 'NodePort' } });
  expect(denied.nodePorts).toMatchObject({ chosen: false, apiPort: 30443, konnectivityPort: 30132 });
  expect(denied.nodePorts!.message).toMatch(
    /could not read Services to find free NodePorts \(all namespaces: forbidden: cannot list services: .*; namespace bs-nodeports-\w+: forbidden: cannot list services in namespace .*\); asking for the defaults 30443\/30132/,
  );
});
