// The scaffolder actions through createMockActionContext against the real test cluster.
import { mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { JsonValue } from '@backstage/types';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { K0smotronClient } from '@k0smotron/api/client';
import { createTestNamespace, sharedTestCluster } from '@k0smotron/testenv';
import type { ManagementClustersService } from '@k0smotron/plugin-k0smotron-node';
import {
  startTestManagementClusterAccess,
  type TestManagementClusterAccess,
  CapturingLogger,
  secretPatterns,
} from '@k0smotron/plugin-k0smotron-backend/testing';
import { createK0smotronClusterCreateAction } from './createCluster';
import { createK0smotronJoinTokenCreateAction } from './createJoinToken';

jest.setTimeout(120_000);

const { kubeConfig, kubeconfigPath } = sharedTestCluster();
const client = new K0smotronClient(kubeConfig);
const logs = new CapturingLogger();
let ns: string;
// The backend plugin's own service (stopped after the tests) and the modules' view of it.
let plugin: TestManagementClusterAccess | undefined;
let managementClusters: ManagementClustersService;
const allow = mockServices.permissions({ result: AuthorizeResult.ALLOW });
const deny = mockServices.permissions({ result: AuthorizeResult.DENY });
// The task's user (createMockActionContext's) belongs to team-a, the owner the inputs name.
const userInfo = mockServices.userInfo({ ownershipEntityRefs: ['user:default/mock', 'group:default/team-a'] });

/** A checkpoint store like the scaffolder's: a key's result is kept and replayed on retry. */
function checkpointStore() {
  const saved = new Map<string, JsonValue | undefined>();
  let runs = 0;
  return {
    runs: () => runs,
    checkpoint: async <T extends JsonValue | void>(opts: { key: string; fn: () => Promise<T> | T }): Promise<T> => {
      if (saved.has(opts.key)) return saved.get(opts.key) as T;
      runs++;
      const value = await opts.fn();
      saved.set(opts.key, value as JsonValue | undefined);
      return value;
    },
  };
}

function context(input: Record<string, unknown>, opts: { taskId?: string; dryRun?: boolean; store?: ReturnType<typeof checkpointStore> } = {}) {
  const ctx = createMockActionContext({ input: input as never, logger: logs, task: { id: opts.taskId ?? 'task-1' } });
  if (opts.store) ctx.checkpoint = opts.store.checkpoint;
  ctx.isDryRun = opts.dryRun ?? false;
  return ctx;
}

const baseInput = (name: string) => ({
  namespace: ns,
  name,
  replicas: 1,
  serviceType: 'NodePort',
  storageType: 'etcd',
  owner: 'group:default/team-a',
  wait: false,
  timeoutSeconds: 600,
});

beforeAll(async () => {
  ns = await createTestNamespace(kubeConfig, 'bs-scaffolder');
  plugin = startTestManagementClusterAccess(
    mockServices.rootConfig({ data: { k0smotron: { managementClusters: [{ name: 'test', kubeconfigPath, namespaces: [ns] }] } } }),
    logs,
  );
  managementClusters = plugin.service;
});

afterAll(async () => {
  await plugin?.stop();
});

describe('k0smotron:cluster:create', () => {
  const action = () => createK0smotronClusterCreateAction({ managementClusters, permissions: allow, userInfo });

  it('dry run: validated by the API server, nothing written', async () => {
    const ctx = context(baseInput('dry'), { dryRun: true });
    await action().handler(ctx);
    expect(ctx.output).toHaveBeenCalledWith('clusterRef', `test/${ns}/dry`);
    expect(ctx.output).toHaveBeenCalledWith('entityRef', `resource:default/test-${ns}-dry`);
    expect(ctx.output).toHaveBeenCalledWith('kubeconfigSecretName', 'dry-kubeconfig');
    expect(await client.getCluster(ns, 'dry')).toBeUndefined();
    expect(logs.text()).toContain(`dry run: Cluster test/${ns}/dry would be created`);
  });

  it('creates the Cluster with owner and task annotations and the outputs', async () => {
    const store = checkpointStore();
    const ctx = context({ ...baseInput('web'), labels: { env: 'dev' } }, { store });
    await action().handler(ctx);
    const created = await client.getCluster(ns, 'web');
    expect(created?.metadata.annotations).toMatchObject({
      'backstage.io/owner': 'group:default/team-a',
      'k0smotron.io/scaffolder-task': 'task-1',
    });
    expect(created?.metadata.labels).toEqual({ env: 'dev' });
    expect(created?.spec).toMatchObject({ replicas: 1, service: { type: 'NodePort' } });
    expect(ctx.output).toHaveBeenCalledWith('clusterRef', `test/${ns}/web`);
    expect(ctx.output).toHaveBeenCalledWith('entityRef', `resource:default/test-${ns}-web`);

    // A retried task replays the checkpoint: no second create, no error.
    const uid = created?.metadata.uid;
    await action().handler(context(baseInput('web'), { store }));
    expect(store.runs()).toBe(1);
    expect((await client.getCluster(ns, 'web'))?.metadata.uid).toBe(uid);

    // A dry run asks the API server, which knows the name is taken.
    await expect(action().handler(context(baseInput('web'), { dryRun: true }))).rejects.toThrow(/already exists/);
  });

  it('a retry that lost its checkpoint adopts the Cluster it created; another task gets a clear error', async () => {
    await action().handler(context(baseInput('crash'), { taskId: 'task-2', store: checkpointStore() }));
    const uid = (await client.getCluster(ns, 'crash'))?.metadata.uid;
    await action().handler(context(baseInput('crash'), { taskId: 'task-2', store: checkpointStore() }));
    expect((await client.getCluster(ns, 'crash'))?.metadata.uid).toBe(uid);
    expect(logs.text()).toContain('was already created by this task');
    await expect(action().handler(context(baseInput('crash'), { taskId: 'task-3', store: checkpointStore() }))).rejects.toThrow(
      /already exists; pick another name/,
    );
    expect((await client.listClusters(ns)).filter(c => c.metadata.name === 'crash')).toHaveLength(1);
  });

  it('gives NodePort Clusters without ports different free NodePort pairs, says which, and keeps ports the user gave', async () => {
    const outputs = (ctx: ReturnType<typeof context>) => new Map((ctx.output as jest.Mock).mock.calls.map(([k, v]) => [k as string, v as unknown]));
    const first = context(baseInput('np-1'), { taskId: 'np-1', store: checkpointStore() });
    await action().handler(first);
    const second = context(baseInput('np-2'), { taskId: 'np-2', store: checkpointStore() });
    await action().handler(second);
    const a = outputs(first);
    const b = outputs(second);
    const ports = [a.get('apiPort'), a.get('konnectivityPort'), b.get('apiPort'), b.get('konnectivityPort')];
    for (const p of ports) expect(typeof p).toBe('number');
    expect(new Set(ports).size).toBe(4);
    expect((await client.getCluster(ns, 'np-1'))?.spec?.service).toEqual({
      type: 'NodePort',
      apiPort: a.get('apiPort'),
      konnectivityPort: a.get('konnectivityPort'),
    });
    expect((await client.getCluster(ns, 'np-2'))?.spec?.service).toEqual({
      type: 'NodePort',
      apiPort: b.get('apiPort'),
      konnectivityPort: b.get('konnectivityPort'),
    });
    expect(logs.text()).toContain(`${b.get('apiPort')} (API) and ${b.get('konnectivityPort')} (konnectivity)`);

    // A retry that lost its checkpoint adopts its Cluster: the outputs are that Cluster's pair,
    // not one chosen anew (the first pair is in use by then).
    const retry = context(baseInput('np-1'), { taskId: 'np-1', store: checkpointStore() });
    await action().handler(retry);
    expect([outputs(retry).get('apiPort'), outputs(retry).get('konnectivityPort')]).toEqual([a.get('apiPort'), a.get('konnectivityPort')]);

    const given = context({ ...baseInput('np-given'), apiPort: 32701, konnectivityPort: 32702 }, { taskId: 'np-given', store: checkpointStore() });
    await action().handler(given);
    expect(outputs(given).has('apiPort')).toBe(false);
    expect((await client.getCluster(ns, 'np-given'))?.spec?.service).toEqual({ type: 'NodePort', apiPort: 32701, konnectivityPort: 32702 });
  });

  it('outputs the endpoint derived from the spec for a Cluster the upstream k0smotron operator manages', async () => {
    // The task's own Cluster, already created and reported on by upstream's operator (status
    // without endpoint or observedGeneration): the retried action adopts it and derives the URL.
    await client.createCluster({
      apiVersion: 'k0smotron.io/v1beta2',
      kind: 'Cluster',
      metadata: { name: 'upstream', namespace: ns, annotations: { 'k0smotron.io/scaffolder-task': 'task-up' } },
      spec: { replicas: 1, service: { type: 'NodePort', apiPort: 32711, konnectivityPort: 32712 }, externalAddress: '198.51.100.9' },
    });
    await kubeConfig.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus(
      {
        group: 'k0smotron.io',
        version: 'v1beta2',
        plural: 'clusters',
        namespace: ns,
        name: 'upstream',
        body: { status: { replicas: 1, readyReplicas: 1, ready: true, reconciliationStatus: 'Reconciliation successful' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const ctx = context(
      { ...baseInput('upstream'), apiPort: 32711, konnectivityPort: 32712, externalAddress: '198.51.100.9' },
      { taskId: 'task-up', store: checkpointStore() },
    );
    await action().handler(ctx);
    expect(ctx.output).toHaveBeenCalledWith('endpoint', 'https://198.51.100.9:32711');
  });

  it('refuses without the create permission, writing nothing', async () => {
    const denied = createK0smotronClusterCreateAction({ managementClusters, permissions: deny, userInfo });
    await expect(denied.handler(context(baseInput('denied')))).rejects.toThrow(/k0smotron.cluster.create/);
    expect(await client.getCluster(ns, 'denied')).toBeUndefined();
  });

  it('rejects a namespace the management cluster does not serve and an unknown management cluster', async () => {
    await expect(action().handler(context({ ...baseInput('x'), namespace: 'elsewhere' }))).rejects.toThrow(/not served/);
    await expect(action().handler(context({ ...baseInput('x'), managementCluster: 'prod' }))).rejects.toThrow(/'prod' is not configured/);
    await expect(action().handler(context({ ...baseInput('x'), storageType: 'kine' }))).rejects.toThrow(/kineDataSourceSecretName is required/);
  });

  it('waits with progress and fails with the phase when the control plane does not come up in time', async () => {
    const ctx = context({ ...baseInput('slow'), wait: true, timeoutSeconds: 10 }, { store: checkpointStore() });
    await expect(action().handler(ctx)).rejects.toThrow(/still Progressing after 1\d s.*raise timeoutSeconds/);
    expect(logs.text()).toMatch(new RegExp(`waiting for Cluster ${ns}/slow: Progressing, 0/1 controllers ready`));
  });
});

describe('k0smotron:jointoken:create', () => {
  it('dry run: gives the commands and writes no JoinTokenRequest', async () => {
    const action = createK0smotronJoinTokenCreateAction({ managementClusters, permissions: allow, userInfo });
    const ctx = context({ namespace: ns, name: 'web', role: 'worker', expiry: '1h' }, { dryRun: true });
    await action.handler(ctx);
    expect(ctx.output).toHaveBeenCalledWith('commands', expect.arrayContaining(['sudo k0s install worker --token-file /etc/k0s.token']));
    expect(await client.listJoinTokenRequests(ns)).toEqual([]);
  });

  it('refuses without the join-token permission, and calls a Cluster the user may not read "not found"', async () => {
    // May read the Cluster, may not ask for its join tokens.
    const readOnly = mockServices.permissions.mock({
      authorizeConditional: async requests =>
        requests.map(r => ({ result: r.permission.name === 'k0smotron.cluster.read' ? AuthorizeResult.ALLOW : AuthorizeResult.DENY })),
    });
    const action = createK0smotronJoinTokenCreateAction({ managementClusters, permissions: readOnly, userInfo });
    await expect(action.handler(context({ namespace: ns, name: 'web', role: 'worker', expiry: '1h' }))).rejects.toThrow(/k0smotron.jointoken.create/);
    const blind = createK0smotronJoinTokenCreateAction({ managementClusters, permissions: deny, userInfo });
    await expect(blind.handler(context({ namespace: ns, name: 'web', role: 'worker', expiry: '1h' }))).rejects.toThrow(`Cluster test/${ns}/web not found`);
    expect(await client.listJoinTokenRequests(ns)).toEqual([]);
  });
});

// Join tokens here are dry runs only; the real token's absence from the logs is checked in
// workerJoin.itest.ts, where one is issued.
it('logs no key, token or kubeconfig pattern while creating Clusters and dry-running join tokens', () => {
  for (const p of secretPatterns()) expect(logs.text()).not.toMatch(p);
});

it('the module registers both actions with the scaffolder', async () => {
  const { startTestBackend } = await import('@backstage/backend-test-utils');
  const { scaffolderActionsExtensionPoint } = await import('@backstage/plugin-scaffolder-node');
  const { default: module } = await import('../index');
  // As in a real backend: the backend plugin's default export brings the service's implementation.
  const { default: k0smotronBackend } = await import('@k0smotron/plugin-k0smotron-backend');
  const added: string[] = [];
  const backend = await startTestBackend({
    extensionPoints: [[scaffolderActionsExtensionPoint, { addActions: (...actions: Array<{ id: string }>) => added.push(...actions.map(a => a.id)) }]],
    features: [
      module,
      k0smotronBackend,
      mockServices.rootConfig.factory({ data: { k0smotron: { managementClusters: [{ name: 'test', kubeconfigPath, namespaces: [ns] }] } } }),
    ],
  });
  await backend.stop();
  expect(added).toEqual(['k0smotron:cluster:create', 'k0smotron:jointoken:create']);
});
