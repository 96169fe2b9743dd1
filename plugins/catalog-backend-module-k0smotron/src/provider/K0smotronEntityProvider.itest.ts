// The entity provider against the real test cluster: a full mutation on connect, deltas within
// seconds of a create, a status change and a delete.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type { SchedulerServiceTaskRunner } from '@backstage/backend-plugin-api';
import {
  type EntityProvider,
  type EntityProviderConnection,
  type EntityProviderMutation,
  catalogProcessingExtensionPoint,
} from '@backstage/plugin-catalog-node';
import { K0smotronClient } from '@k0smotron/api/client';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import { createCa } from '@k0smotron/operator/pki';
import type { ManagementClustersService } from '@k0smotron/plugin-k0smotron-node';
import {
  startTestManagementClusterAccess,
  type TestManagementClusterAccess,
  CapturingLogger,
  eventually,
  secretPatterns,
} from '@k0smotron/plugin-k0smotron-backend/testing';
import { managementClusterAccessServiceFactory } from '@k0smotron/plugin-k0smotron-backend';
import { K0smotronEntityProvider } from './K0smotronEntityProvider';
import catalogModule from '../index';

jest.setTimeout(120_000);

const { kubeConfig, kubeconfigPath } = sharedTestCluster();
const client = new K0smotronClient(kubeConfig);
const core = kubeConfig.makeApiClient(CoreV1Api);
const custom = kubeConfig.makeApiClient(CustomObjectsApi);
const logs = new CapturingLogger();
const mutations: EntityProviderMutation[] = [];
const connection: EntityProviderConnection = {
  applyMutation: async m => {
    mutations.push(m);
  },
  refresh: async () => {},
};
// Runs the scheduled full refresh once, right away (the scheduler itself is Backstage's).
const runNow: SchedulerServiceTaskRunner = { run: async task => void (await task.fn(new AbortController().signal)) };

let ns: string;
// The backend plugin's own service (stopped after the tests) and the modules' view of it.
let plugin: TestManagementClusterAccess | undefined;
let managementClusters: ManagementClustersService;
let provider: K0smotronEntityProvider;
// These Clusters are written by the test only, so the owner annotation is trusted here.
const config = () => ({
  k0smotron: {
    managementClusters: [{ name: 'test', kubeconfigPath, namespaces: [ns] }],
    ownership: { trustOwnerAnnotation: true, defaultOwner: 'group:default/platform' },
  },
});
const cluster = (name: string, annotations?: Record<string, string>) => ({
  apiVersion: 'k0smotron.io/v1beta2',
  kind: 'Cluster',
  metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
  spec: { service: { type: 'NodePort' as const } },
});

function deltas() {
  return mutations.filter((m): m is Extract<EntityProviderMutation, { type: 'delta' }> => m.type === 'delta');
}

beforeAll(async () => {
  ns = await createTestNamespace(kubeConfig, 'bs-catalog');
  await client.createCluster(cluster('p1', { 'backstage.io/owner': 'group:default/team-a' }));
  plugin = startTestManagementClusterAccess(mockServices.rootConfig({ data: config() }), logs);
  managementClusters = plugin.service;
  provider = new K0smotronEntityProvider({
    managementClusters,
    logger: logs,
    taskRunner: runNow,
    defaults: { authProvider: 'serviceAccount' },
  });
});

afterAll(async () => {
  provider?.disconnect();
  await plugin?.stop();
});

it('publishes every Cluster in a full mutation on connect', async () => {
  await provider.connect(connection);
  const full = mutations.find(m => m.type === 'full');
  expect(full).toBeDefined();
  const entities = full!.type === 'full' ? full!.entities : [];
  expect(entities).toEqual([
    {
      locationKey: 'k0smotron:test',
      entity: expect.objectContaining({
        kind: 'Resource',
        metadata: expect.objectContaining({
          name: `test-${ns}-p1`,
          annotations: expect.objectContaining({ 'k0smotron.io/cluster': `test/${ns}/p1`, 'kubernetes.io/auth-provider': 'serviceAccount' }),
        }),
        spec: { type: 'kubernetes-cluster', owner: 'group:default/team-a' },
      }),
    },
  ]);
});

// Deltas come only from the watch (the scheduled refresh sends full mutations), so each delta
// below proves the watch path; the times are printed, not judged.
it('adds a new Cluster by a delta from the watch, then its endpoint and CA, and removes it on delete', async () => {
  const started = Date.now();
  await client.createCluster(cluster('p2'));
  const added = await eventually(
    'a delta adding p2',
    async () => deltas().find(d => d.added.some(a => a.entity.metadata.name === `test-${ns}-p2`)),
    10_000,
    50,
  );
  const addedMs = Date.now() - started;
  process.stderr.write(`[catalog-k0smotron] new Cluster in the catalog after ${addedMs} ms\n`);
  expect(added.added[0].entity.spec).toEqual({ type: 'kubernetes-cluster', owner: 'group:default/platform' });

  // The CA and the endpoint arrive later, as the operator writes them.
  const ca = await createCa('p2-ca', new Date(), 30);
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'p2-ca' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': ca.cert, 'tls.key': ca.key } },
  });
  await custom.patchNamespacedCustomObjectStatus(
    { group: 'k0smotron.io', version: 'v1beta2', namespace: ns, plural: 'clusters', name: 'p2', body: { status: { endpoint: 'https://192.0.2.2:30443' } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const withApi = await eventually(
    'a delta with the API server annotations',
    async () =>
      deltas()
        .flatMap(d => d.added)
        .find(a => a.entity.metadata.annotations?.['kubernetes.io/api-server'] === 'https://192.0.2.2:30443'),
    10_000,
    50,
  );
  const annotations = withApi.entity.metadata.annotations!;
  expect(Buffer.from(annotations['kubernetes.io/api-server-certificate-authority'], 'base64').toString()).toBe(ca.cert);
  expect(JSON.stringify(mutations)).not.toContain('PRIVATE KEY');
  expect(JSON.stringify(mutations)).not.toContain(Buffer.from(ca.key).toString('base64').slice(0, 40));

  await client.deleteCluster(ns, 'p2');
  await eventually(
    'a delta removing p2',
    async () => deltas().find(d => d.removed.some(r => 'entity' in r && r.entity.metadata.name === `test-${ns}-p2`)),
    10_000,
    50,
  );
});

it('a scheduled full refresh no longer lists a deleted Cluster', async () => {
  await provider.refresh();
  const last = [...mutations].reverse().find(m => m.type === 'full');
  const names = last?.type === 'full' ? last.entities.map(e => e.entity.metadata.name) : [];
  expect(names).toEqual([`test-${ns}-p1`]);
});

it('the module adds the provider to the catalog', async () => {
  const providers: EntityProvider[] = [];
  const backend = await startTestBackend({
    extensionPoints: [
      [catalogProcessingExtensionPoint, { addEntityProvider: (...p: Array<EntityProvider | EntityProvider[]>) => void providers.push(...p.flat()) }],
    ],
    features: [catalogModule, managementClusterAccessServiceFactory, mockServices.rootConfig.factory({ data: config() })],
  });
  await backend.stop();
  expect(providers.map(p => p.getProviderName())).toEqual(['k0smotron']);
});

it('logs no key material', () => {
  for (const p of secretPatterns()) expect(logs.text()).not.toMatch(p);
});
